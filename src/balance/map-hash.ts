/**
 * @module
 * The two lookups of the hashing algorithms, behind one interface (HAProxy switches on
 * BE_LB_LKUP_MAP / BE_LB_LKUP_CHTREE in the same way):
 * - map-based: slot `hash % tot_weight` of the lb_map.c map, round-robin fallback on that map;
 * - consistent: the lb_chash.c ring, round-robin fallback by walking the ring.
 */
import { ChashRing } from './chash.ts'
import type { ServerGroup } from './groups.ts'
import { type RrCursor, ServerMap } from './lb-map.ts'
import type { LbServer } from './types.ts'

export interface HashLookup {
  /** The server for a hash, and how it was found (e.g. "map slot 12 % 5 = 2"). */
  byHash(hash: number, avoid: ReadonlySet<number> | undefined): { server: LbServer; how: string } | undefined
  /** The round-robin fallback used when the hash key is missing. */
  next(avoid: ReadonlySet<number> | undefined): { server: LbServer; how: string } | undefined
}

/**
 * hash-type map-based. map_get_server_hash ignores the server to avoid: on a retry or redispatch
 * HAProxy returns the same server again, and so does this.
 */
export function mapLookup(group: ServerGroup, gcd: number, rr?: RrCursor): HashLookup {
  const map = new ServerMap(group, gcd, rr)
  return {
    byHash(hash) {
      const r = map.byHash(hash)
      return r && { server: r.server, how: `map slot ${hash >>> 0} % ${map.size} = ${r.slot}` }
    },
    next(avoid) {
      const r = map.next(avoid)
      return r && { server: r.server, how: `map slot ${r.slot} of ${map.size}` }
    },
  }
}

/** hash-type consistent. Without allbackups and with no active server, fbck takes everything. */
export function chashLookup(group: ServerGroup): HashLookup {
  const fbck = group.fbck
  if (fbck) {
    const r = { server: fbck, how: 'first usable backup' }
    return { byHash: () => r, next: () => r }
  }
  const ring = new ChashRing(group.servers)
  return {
    byHash(hash, avoid) {
      const r = ring.lookup(hash, avoid)
      return r && { server: r.server, how: `consistent ring (point ${r.point} of ${ring.points})` }
    },
    next(avoid) {
      const r = ring.next(avoid)
      return r && { server: r.server, how: `ring walk (point ${r.point} of ${ring.points})` }
    },
  }
}
