/**
 * @module
 * How the Worker reaches each server (reference/edge-production.md "Reaching origins"): a
 * hostname with the global `fetch()`; an IP literal or a loopback name, which the global
 * `fetch()` cannot reach at the edge (private and loopback addresses are unreachable, a public
 * IP literal gets Cloudflare's error 1003), through the VPC network binding (`EDGEPROXY_VPC`)
 * when the Worker has one. Decided once per server object when the engine is built, never per
 * request.
 */
import { edgeErrorOr, mayBeEdgeError } from '../proxy/edge-error.ts'
import type { Upstream } from '../proxy/forward.ts'
import type { RouteMap, Server } from '../routemap/schema.ts'
import { addressClass } from '../util/addresses.ts'
import type { ConnectFn } from '../health/probes/types.ts'
import type { Env } from './env.ts'

/** The global fetch(), for hostnames (and everything when the Worker has no VPC network). */
const globalFetch: Upstream = (r) => fetch(r)

/** The server's host goes through a VPC network: any address but a DNS name. */
export function viaVpc(host: string): boolean {
  return host !== '' && addressClass(host) !== 'hostname'
}

/**
 * The upstream for `routeMap`'s servers. Without a VPC binding, the global fetch(). With one, the
 * servers (and `dispatch` addresses) that need it are listed once here; a server object the list
 * has not seen (none today: the engine hands out the RouteMap's own objects) is classified once.
 */
export function egressFor(routeMap: RouteMap, vpc: Env['EDGEPROXY_VPC']): Upstream {
  if (!vpc) return globalFetch
  const through = new WeakMap<Server, boolean>()
  for (const b of routeMap.backends) {
    for (const s of b.servers) through.set(s, viaVpc(s.host))
    if (b.dispatch) through.set(b.dispatch, viaVpc(b.dispatch.host))
  }
  return (r, server) => {
    let v = through.get(server)
    if (v === undefined) {
      v = viaVpc(server.host)
      through.set(server, v)
    }
    return v ? vpc.fetch(r) : fetch(r)
  }
}

/**
 * The health checks' fetch() (durable-objects/health-monitor.ts): a check of an address goes
 * through the VPC network when there is one, as requests do; Cloudflare's own answer to a refused
 * subrequest (error 1003) rejects, so the check fails as a connection problem (L4CON) rather than
 * judging the edge's 403 as the server's. With a VPC network, a plain layer-4 `check` of an
 * address is sent over it as one HTTP request (connect() cannot reach what only the VPC reaches).
 */
export function checkEgress(vpc: Env['EDGEPROXY_VPC']): { fetch: (req: Request) => Promise<Response>; l4OverFetch?: (host: string) => boolean } {
  const send = async (req: Request): Promise<Response> => {
    const res = await (vpc && viaVpc(new URL(req.url).hostname) ? vpc.fetch(req) : fetch(req))
    return mayBeEdgeError(res) ? edgeErrorOr(res) : res
  }
  return vpc ? { fetch: send, l4OverFetch: viaVpc } : { fetch: send }
}

/**
 * `connect()` as production allows it (workers/runtime-apis/tcp-sockets): Cloudflare's own IP
 * ranges, private and loopback addresses and port 25 are refused, as a connection failure (L4CON
 * for a check). workerd under `edgeproxy dev` connects anywhere: `dev --edge` applies this so an
 * L4 check that will fail in production fails locally.
 */
export function productionConnect(connect: ConnectFn): ConnectFn {
  return (address, options) => {
    const c = addressClass(address.hostname)
    if (c === 'cloudflare') throw new Error(`connect() to ${address.hostname} refused: Cloudflare's own IP ranges are not reachable from a Worker (use option httpchk)`)
    if (c === 'private' || c === 'loopback') throw new Error(`connect() to ${address.hostname} refused: private and loopback addresses are reachable only through a VPC network`)
    if (address.port === 25) throw new Error('connect() to port 25 refused at the edge')
    return connect(address, options)
  }
}
