/**
 * @module
 * How the Worker reaches each server (reference/edge-production.md "Reaching origins"): a
 * hostname with the global `fetch()`; an IP literal or a loopback name, which the global
 * `fetch()` cannot reach at the edge (private and loopback addresses are unreachable, a public
 * IP literal gets Cloudflare's error 1003), through the VPC network binding (`EDGEPROXY_VPC`)
 * when the Worker has one. Decided once per server object when the engine is built, never per
 * request.
 */
import type { Upstream } from '../proxy/forward.ts'
import type { RouteMap, Server } from '../routemap/schema.ts'
import { addressClass } from '../util/addresses.ts'
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
