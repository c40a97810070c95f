/**
 * @module
 * `slowstart`'s weight ramp (server.c `server_recalc_eweight`): with S = slowstart in whole
 * seconds and t = whole seconds since the server came up, w = (16 × t + S) / S (integer), so the
 * effective weight climbs in 16 steps from uweight/16 to uweight. Shared by the balancers' caller
 * (src/engine/server-select.ts) and the health monitor's reports (src/health).
 */
import { BE_WEIGHT_SCALE } from './groups.ts'
import type { BalanceSpec, HashSpec } from './types.ts'

/** The multiplier w (1..16) for a server that came up at `startedAt` (ms), at `now` (ms). */
export function slowstartW(slowstartMs: number, startedAt: number, now: number): number {
  const s = Math.floor(slowstartMs / 1000)
  const elapsed = Math.floor(now / 1000) - Math.floor(startedAt / 1000)
  if (s <= 0 || elapsed < 0 || elapsed >= s) return BE_WEIGHT_SCALE
  return Math.trunc((BE_WEIGHT_SCALE * elapsed + s) / s)
}

/**
 * Whether the algorithm's weights are dynamic (BE_LB_PROP_DYN): roundrobin, leastconn, first,
 * random and consistent hashing are; static-rr and map-based hashing are not, and slowstart does
 * not ramp them.
 */
export function hasDynamicWeights(balance: BalanceSpec, hash: HashSpec): boolean {
  switch (balance.algo) {
    case 'static-rr':
      return false
    case 'source':
    case 'uri':
    case 'url_param':
    case 'hdr':
      return hash.type === 'consistent'
    default:
      return true
  }
}
