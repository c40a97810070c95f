/**
 * @module
 * HAProxy's server map (src/lb_map.c), used by `static-rr` and by `hash-type map-based`.
 *
 * Weights are divided by the GCD of every configured server's weight (init_server_map), then the
 * map gets one slot per unit of effective weight, filled by recalc_server_map: for each slot,
 * every server adds its weight to a score and the first server with the highest
 * (score + tot) / tot takes the slot and pays tot. static-rr reads the map cyclically; map-based
 * hashing reads slot `hash % tot`.
 */
import type { ServerGroup } from './groups.ts'
import type { LbServer } from './types.ts'

/** init_server_map: GCD of the non-zero user weights, in declaration order (1 if none). */
export function weightGcd(weights: readonly number[]): number {
  let i = 0
  while (i < weights.length && !weights[i]) i++
  let pgcd = weights[i] ?? 0
  if (i >= weights.length) return 1
  for (i++; pgcd > 1 && i < weights.length; i++) {
    let w = weights[i] as number
    while (w) {
      const t = pgcd % w
      pgcd = w
      w = t
    }
  }
  return pgcd
}

/** next_eweight with wdiv = 1, wmult = gcd: ceil(uweight / gcd). */
export function mapEweight(weight: number, gcd: number): number {
  return Math.floor((weight + gcd - 1) / gcd)
}

/** `lbprm.map.rr_idx`: survives recalc_server_map, so static-rr carries on after a state change. */
export interface RrCursor {
  idx: number
}

export class ServerMap {
  /** `lbprm.map.srv`: tot_weight slots. */
  readonly slots: readonly LbServer[]
  readonly #rr: RrCursor

  /** recalc_server_map over `group`; `rr` is the backend's cursor when the map is recomputed. */
  constructor(group: ServerGroup, gcd: number, rr: RrCursor = { idx: 0 }) {
    this.slots = recalcServerMap(group, gcd)
    this.#rr = rr
  }

  get size(): number {
    return this.slots.length
  }

  /** map_get_server_hash: slot `hash % tot_weight` (the avoided server is not skipped). */
  byHash(hash: number): { server: LbServer; slot: number } | undefined {
    const slot = (hash >>> 0) % this.slots.length
    const server = this.slots[slot]
    return server ? { server, slot } : undefined
  }

  /**
   * map_get_server_rr: the next slot from `rr_idx`; an avoided server is skipped unless every
   * slot holds an avoided server, then the last one seen is used.
   */
  next(avoid: ReadonlySet<number> | undefined): { server: LbServer; slot: number } | undefined {
    const tot = this.slots.length
    if (tot === 0) return undefined
    if (this.#rr.idx < 0 || this.#rr.idx >= tot) this.#rr.idx = 0
    const start = this.#rr.idx
    let newidx = start
    let last: { server: LbServer; slot: number; idx: number } | undefined
    do {
      const slot = newidx
      const server = this.slots[newidx++] as LbServer
      last = { server, slot, idx: newidx }
      if (!avoid?.has(server.id)) {
        this.#rr.idx = newidx
        return { server, slot }
      }
      if (newidx === tot) newidx = 0
    } while (newidx !== start)
    this.#rr.idx = last.idx
    return { server: last.server, slot: last.slot }
  }
}

/**
 * recalc_server_map. `tot` is the backend's tot_weight: the group's total effective weight, or
 * only fbck's weight without allbackups; the scan still walks every usable server of the group,
 * exactly as HAProxy does (so with several backups and no allbackups, a heavier later backup
 * can take slots: lb_map.c does not restrict the scan to fbck).
 */
function recalcServerMap(group: ServerGroup, gcd: number): LbServer[] {
  const servers = group.servers
  const ew = servers.map((s) => mapEweight(s.weight, gcd))
  let tot = 0
  if (group.fbck) tot = mapEweight(group.fbck.weight, gcd)
  else for (const w of ew) tot += w
  const wscore = new Uint32Array(servers.length) // `unsigned wscore`
  const map: LbServer[] = []
  for (let o = 0; o < tot; o++) {
    let max = 0
    let best = -1
    for (let i = 0; i < servers.length; i++) {
      if (tot === 1) {
        best = i
        break
      }
      wscore[i] = (wscore[i] as number) + (ew[i] as number)
      // unsigned arithmetic, result stored in an int: "between 0 and 3"
      const v = Math.floor((((wscore[i] as number) + tot) >>> 0) / tot) | 0
      if (best < 0 || v > max) {
        max = v
        best = i
      }
    }
    if (best < 0) break
    map.push(servers[best] as LbServer)
    wscore[best] = (wscore[best] as number) - tot
  }
  return map
}
