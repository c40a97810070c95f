/**
 * @module
 * `balance leastconn`: HAProxy 2.6's Fast Weighted Least Connections (src/lb_fwlc.c).
 *
 * Servers sit in an eb32 tree keyed by `inflight ? (inflight + 1) * 4096 / eweight : 0` (idle
 * servers always come first, whatever their weight). Equal keys keep insertion order, and a server
 * is re-inserted whenever its key changes (fwlc_srv_reposition on taking or releasing a
 * connection), so a server that was just used goes behind the others with the same load: round
 * robin among equals. HAProxy ≥ 3.2 breaks ties randomly instead; 2.6 is reproduced here.
 *
 * The tree is emulated with a key and an insertion stamp per server. The caller reports in-flight
 * counts at each pick; a server whose key changed since the previous pick is re-inserted then, in
 * declaration order (HAProxy re-inserts at the moment each connection starts or ends, an order the
 * caller does not report). The chosen server is then re-inserted with its in-flight count + 1, as
 * fwlc_srv_reposition does when the connection is taken.
 */
import { avoided, dynamicEweight, groupNote, SRV_EWGHT_MAX, type ServerGroup } from './groups.ts'
import type { Balancer, LbServer, Pick, PickInput } from './types.ts'

interface Node {
  readonly s: LbServer
  readonly eweight: number
  key: number
  stamp: number
}

/** The fwlc tree key for `inflight` connections (served + queued). */
export function fwlcKey(inflight: number, eweight: number): number {
  return inflight > 0 ? Math.floor(((inflight + 1) * SRV_EWGHT_MAX) / eweight) >>> 0 : 0
}

export function createLeastconn(group: ServerGroup): Balancer {
  const fbck = group.fbck
  if (fbck) return { pick: () => ({ server: fbck, reason: `leastconn: ${fbck.name}${groupNote(group)}` }) }
  let stamp = 0
  // fwlc_init_server_tree: servers queued in declaration order with no connection.
  const nodes: Node[] = group.servers.map((s) => ({ s, eweight: dynamicEweight(s), key: 0, stamp: stamp++ }))
  return {
    pick(input: PickInput): Pick | undefined {
      const load = (s: LbServer): number => Math.max(0, input.inflight?.get(s.id) ?? 0)
      for (const n of nodes) {
        const k = fwlcKey(load(n.s), n.eweight)
        if (k !== n.key) {
          n.key = k
          n.stamp = stamp++
        }
      }
      // fwlc_get_next_server: first in tree order that is not avoided, else the avoided one.
      let best: Node | undefined
      let bestAvoided: Node | undefined
      for (const n of nodes) {
        if (avoided(input.avoid, n.s)) {
          if (!bestAvoided || before(n, bestAvoided)) bestAvoided = n
        } else if (!best || before(n, best)) best = n
      }
      const chosen = best ?? bestAvoided
      if (!chosen) return undefined
      const inflight = load(chosen.s)
      // server_take_conn → fwlc_srv_reposition with one more connection.
      chosen.key = fwlcKey(inflight + 1, chosen.eweight)
      chosen.stamp = stamp++
      return {
        server: chosen.s,
        reason: `leastconn: ${chosen.s.name} (${inflight} in flight, weight ${chosen.s.weight}; fewest per weight, ties in turn)${groupNote(group)}`,
      }
    },
  }
}

function before(a: Node, b: Node): boolean {
  return a.key < b.key || (a.key === b.key && a.stamp < b.stamp)
}
