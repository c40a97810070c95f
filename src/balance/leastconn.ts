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
 *
 * Active and backup servers have a tree each (`lbprm.fwlc.act` / `.bck`) that live across state
 * changes: a server going down leaves its tree (fwlc_set_server_status_down), one coming up is
 * inserted behind the servers with the same key (fwlc_set_server_status_up), and a weight change
 * re-inserts it with its new key (fwlc_update_server_weight), so the order among equals carries on.
 */
import { avoided, dynamicEweight, groupNote, SRV_EWGHT_MAX } from './groups.ts'
import type { Balancer, LbServer, Pick, PickInput } from './types.ts'
import { UsableSet } from './usable-set.ts'

interface Node {
  s: LbServer
  /** cur_eweight. */
  eweight: number
  /** In-flight count the key was last computed with. */
  load: number
  key: number
  stamp: number
  /** lb_tree: in its group's tree (usable), or not. */
  queued: boolean
}

/** The fwlc tree key for `inflight` connections (served + queued). */
export function fwlcKey(inflight: number, eweight: number): number {
  return inflight > 0 ? Math.floor(((inflight + 1) * SRV_EWGHT_MAX) / eweight) >>> 0 : 0
}

export class LeastConn implements Balancer {
  readonly #usable: UsableSet
  /** Every server seen so far, in declaration order. */
  readonly #nodes: Node[] = []
  #stamp = 0

  /** fwlc_init_server_tree: the usable servers queued in declaration order with no connection. */
  constructor(servers: readonly LbServer[], allbackups: boolean) {
    const usable = [...servers].filter((s) => s.weight > 0).sort((a, b) => a.index - b.index)
    this.#usable = new UsableSet(usable, allbackups)
    for (const s of usable) this.#nodes.push({ s, eweight: dynamicEweight(s), load: 0, key: 0, stamp: this.#stamp++, queued: true })
  }

  pick(input: PickInput): Pick | undefined {
    const group = this.#usable.group()
    if (!group) return undefined
    if (group.fbck) return { server: group.fbck, reason: `leastconn: ${group.fbck.name}${groupNote(group)}` }
    const backup = group.kind === 'backups'
    this.#reposition(input.inflight)
    // fwlc_get_next_server: first in tree order that is not avoided, else the avoided one.
    let best: Node | undefined
    let bestAvoided: Node | undefined
    for (const n of this.#nodes) {
      if (!n.queued || n.s.backup !== backup) continue
      if (avoided(input.avoid, n.s)) {
        if (!bestAvoided || before(n, bestAvoided)) bestAvoided = n
      } else if (!best || before(n, best)) best = n
    }
    const chosen = best ?? bestAvoided
    if (!chosen) return undefined
    const inflight = chosen.load
    // server_take_conn → fwlc_srv_reposition with one more connection.
    chosen.load = inflight + 1
    chosen.key = fwlcKey(inflight + 1, chosen.eweight)
    chosen.stamp = this.#stamp++
    return {
      server: chosen.s,
      reason: `leastconn: ${chosen.s.name} (${inflight} in flight, weight ${chosen.s.weight}; fewest per weight, ties in turn)${groupNote(group)}`,
    }
  }

  /**
   * fwlc_srv_reposition for every queued server whose load changed since the last look, in
   * declaration order.
   */
  #reposition(inflight: ReadonlyMap<number, number> | undefined): void {
    for (const n of this.#nodes) {
      if (!n.queued) continue
      const l = Math.max(0, inflight?.get(n.s.id) ?? 0)
      const k = fwlcKey(l, n.eweight)
      n.load = l
      if (k !== n.key) {
        n.key = k
        n.stamp = this.#stamp++
      }
    }
  }

  /** fwlc_set_server_status_down. */
  setServerDown(s: LbServer, inflight?: ReadonlyMap<number, number>): void {
    this.#reposition(inflight)
    const n = this.#node(s)
    if (!n?.queued || !this.#usable.delete(s.index)) return
    n.queued = false
    n.s = s
  }

  /** fwlc_set_server_status_up: queued behind the servers with the same key. */
  setServerUp(s: LbServer, inflight?: ReadonlyMap<number, number>): void {
    this.#reposition(inflight)
    let n = this.#node(s)
    if (n?.queued) return
    const e = dynamicEweight(s)
    if (e <= 0) return
    if (!n) {
      n = { s, eweight: e, load: 0, key: 0, stamp: 0, queued: false }
      this.#nodes.push(n)
      this.#nodes.sort((a, b) => a.s.index - b.s.index)
    }
    this.#usable.set(s)
    n.s = s
    n.eweight = e
    n.load = Math.max(0, inflight?.get(s.id) ?? 0)
    n.key = fwlcKey(n.load, e)
    n.stamp = this.#stamp++
    n.queued = true
  }

  /** fwlc_update_server_weight: dequeued and queued again with the new key, even an equal one. */
  updateWeight(s: LbServer, inflight?: ReadonlyMap<number, number>): void {
    const n = this.#node(s)
    const e = dynamicEweight(s)
    if (!n?.queued) {
      if (e > 0) this.setServerUp(s, inflight)
      return
    }
    if (e <= 0) {
      this.setServerDown(s, inflight)
      return
    }
    this.#reposition(inflight)
    this.#usable.set(s)
    n.s = s
    n.eweight = e
    n.key = fwlcKey(n.load, e)
    n.stamp = this.#stamp++
  }

  #node(s: LbServer): Node | undefined {
    return this.#nodes.find((n) => n.s.index === s.index)
  }
}

function before(a: Node, b: Node): boolean {
  return a.key < b.key || (a.key === b.key && a.stamp < b.stamp)
}
