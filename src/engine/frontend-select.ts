/**
 * @module
 * Which frontend a request reaches. HAProxy picks by the listening socket; at the edge the request's
 * host and port stand for it. First the deploy's hostnames: a frontend whose `edgeHosts`
 * (`edgeproxy deploy --domain FRONTEND=HOST`) hold the request's host serves it. Then the binds: a
 * bind matches when its port range holds the port and its address is any, the host name, or the
 * destination address. With no match, the first HTTP frontend with a bind serves (at the edge
 * every route reaches the Worker).
 */
import type { RtFrontend } from './runtime.ts'

/**
 * The frontend deployed for `host` (lowercase, without port, as `URL.hostname` gives it), when a
 * frontend lists it in `edgeHosts` (indexed once per RouteMap: src/engine/runtime.ts).
 */
export function frontendForEdgeHost(edgeHosts: ReadonlyMap<string, RtFrontend> | undefined, host: string): RtFrontend | undefined {
  return edgeHosts?.get(host)
}

export function selectFrontend(frontends: readonly RtFrontend[], host: string, port: number): RtFrontend | undefined {
  for (const f of frontends) {
    for (const b of f.def.binds) {
      if (port < b.port || port > b.portEnd) continue
      if (b.address === '' || b.address === '0.0.0.0' || b.address === '::' || b.address === host) return f
    }
  }
  return undefined
}

/** The frontend owning the bind a local listener was opened for (`edgeproxy dev`). */
export function frontendForListener(frontends: readonly RtFrontend[], address: string, port: number): RtFrontend | undefined {
  const any = (a: string) => (a === '' || a === '*' ? '' : a)
  return frontends.find((f) => f.def.binds.some((b) => port >= b.port && port <= b.portEnd && any(b.address) === any(address)))
}

export function fallbackFrontend(frontends: readonly RtFrontend[]): RtFrontend | undefined {
  // A frontend without 'bind' listens nowhere in HAProxy: it never receives traffic.
  return frontends.find((f) => f.def.mode === 'http' && f.def.binds.length > 0)
}
