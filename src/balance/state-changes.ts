/**
 * @module
 * From two views of a backend's usable servers to the balancer's state-change calls, as
 * server.c srv_update_status makes them one server at a time: a server that stopped being usable
 * goes down (lbprm.set_server_status_down), one that became usable comes up
 * (set_server_status_up), one whose weight or slowstart step moved has its weight updated
 * (update_server_eweight). Several changes seen at once are applied in declaration order.
 */
import type { Balancer, LbServer } from './types.ts'

/**
 * A backend's servers by declaration index: the LbServer when it is usable (weight > 0),
 * undefined when it is not.
 */
export type UsableView = readonly (LbServer | undefined)[]

/** Same weight and slowstart step (the only things that change for a usable server). */
export function sameWeight(a: LbServer, b: LbServer): boolean {
  return a.weight === b.weight && (a.slowstartW ?? 16) === (b.slowstartW ?? 16)
}

/**
 * Applies the changes from `prev` to `next` to `lb`; returns how many servers changed.
 * `inflight`: requests in flight per server id now (leastconn).
 */
export function applyStateChanges(lb: Balancer, prev: UsableView, next: UsableView, inflight?: ReadonlyMap<number, number>): number {
  let changed = 0
  const n = Math.max(prev.length, next.length)
  for (let i = 0; i < n; i++) {
    const was = prev[i]
    const now = next[i]
    if (was === now) continue
    if (was && !now) lb.setServerDown(was, inflight)
    else if (!was && now) lb.setServerUp(now, inflight)
    else if (was && now && !sameWeight(was, now)) lb.updateWeight(now, inflight)
    else continue
    changed++
  }
  return changed
}
