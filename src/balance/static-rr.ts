/**
 * @module
 * `balance static-rr`: the lb_map.c server map read cyclically from slot 0 (map_get_server_rr).
 * Weights are static: HAProxy only accepts 0% or 100% weight changes at run time. A state change
 * recomputes the map (map_set_server_status_down/up) but keeps `rr_idx`: the caller passes the
 * backend's cursor.
 */
import { groupNote, type ServerGroup } from './groups.ts'
import { type RrCursor, ServerMap } from './lb-map.ts'
import type { Picker, Pick, PickInput } from './types.ts'

export function createStaticRr(group: ServerGroup, gcd: number, rr: RrCursor): Picker {
  const map = new ServerMap(group, gcd, rr)
  return {
    pick(input: PickInput): Pick | undefined {
      const r = map.next(input.avoid)
      if (!r) return undefined
      return { server: r.server, reason: `static-rr: ${r.server.name} (map slot ${r.slot} of ${map.size})${groupNote(group)}` }
    },
  }
}
