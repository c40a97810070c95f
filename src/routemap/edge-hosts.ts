/**
 * @module
 * The deploy's hostnames in the RouteMap: `edgeproxy deploy --domain FRONTEND=HOST` (or a bare
 * `--domain HOST`, for the first HTTP frontend with a bind) sets the frontends' `edgeHosts`, which
 * src/engine/frontend-select.ts reads before any bind. The map is rehashed, as the compiler hashes
 * it, so a pushed version and the built-in one are the same map.
 */
import { canonicalJson, sha256Hex } from '../util/sha256.ts'
import type { Frontend, RouteMap } from './schema.ts'

/** One `--domain` value: `HOST`, or `FRONTEND=HOST`. */
export interface DomainSpec {
  /** Absent for a bare `--domain HOST`: the first HTTP frontend with a bind. */
  readonly frontend?: string
  /** Lowercased, without a port or a trailing dot. */
  readonly host: string
}

export class DomainError extends Error {}

const HOSTNAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/

/** Parses one `--domain` value; a malformed one is a DomainError naming it. */
export function parseDomain(value: string): DomainSpec {
  const eq = value.indexOf('=')
  const frontend = eq >= 0 ? value.slice(0, eq).trim() : undefined
  const host = (eq >= 0 ? value.slice(eq + 1) : value).trim().toLowerCase().replace(/\.$/, '')
  if (frontend === '') throw new DomainError(`--domain '${value}': missing the frontend name before '='`)
  if (!HOSTNAME.test(host) || host.startsWith('*.')) throw new DomainError(`--domain '${value}': '${host}' is not a hostname (write a name such as lb.example.com, without scheme, port or path)`)
  return frontend === undefined ? { host } : { frontend, host }
}

/** The frontend a bare `--domain HOST` maps to: the one that serves unmatched requests at the edge. */
export function defaultEdgeFrontend(routeMap: RouteMap): Frontend | undefined {
  return routeMap.frontends.find((f) => f.mode === 'http' && f.binds.length > 0)
}

/**
 * The RouteMap with each domain's host in its frontend's `edgeHosts` (in the order given), rehashed.
 * A domain naming no HTTP frontend, or a host given to two frontends, is a DomainError.
 */
export function withEdgeHosts(routeMap: RouteMap, domains: readonly DomainSpec[]): RouteMap {
  if (domains.length === 0) return routeMap
  const hosts = new Map<string, string[]>()
  const owner = new Map<string, string>()
  for (const d of domains) {
    const fe = d.frontend === undefined ? defaultEdgeFrontend(routeMap) : routeMap.frontends.find((f) => f.name === d.frontend)
    if (!fe) {
      const names = routeMap.frontends.map((f) => f.name).join(', ')
      throw new DomainError(
        d.frontend === undefined
          ? `--domain ${d.host}: the configuration has no HTTP frontend with a bind`
          : `--domain ${d.frontend}=${d.host}: no frontend or listen '${d.frontend}' (the configuration has: ${names || 'none'})`,
      )
    }
    if (fe.mode !== 'http') throw new DomainError(`--domain ${fe.name}=${d.host}: '${fe.name}' is mode tcp; only HTTP frontends are served at the edge`)
    const prev = owner.get(d.host)
    if (prev !== undefined && prev !== fe.name) throw new DomainError(`--domain: ${d.host} is given to both '${prev}' and '${fe.name}'`)
    owner.set(d.host, fe.name)
    const list = hosts.get(fe.name) ?? []
    if (!list.includes(d.host)) list.push(d.host)
    hosts.set(fe.name, list)
  }
  const { hash: _old, ...body } = routeMap
  const next = { ...body, frontends: routeMap.frontends.map((f) => (hosts.has(f.name) ? { ...f, edgeHosts: hosts.get(f.name) as string[] } : f)) }
  return { ...next, hash: sha256Hex(canonicalJson(next)) }
}
