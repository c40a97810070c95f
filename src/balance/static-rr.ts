/**
 * @module
 * `balance static-rr`: the lb_map.c server map read cyclically from slot 0 (map_get_server_rr).
 * Weights are static: HAProxy only accepts 0% or 100% weight changes at run time.
 */
import { groupNote, type ServerGroup } from './groups.ts'
import { ServerMap } from './lb-map.ts'
import type { Balancer, Pick, PickInput } from './types.ts'

export function createStaticRr(group: ServerGroup, gcd: number): Balancer {
  const map = new ServerMap(group, gcd)
  return {
    pick(input: PickInput): Pick | undefined {
      const r = map.next(input.avoid)
      if (!r) return undefined
      return { server: r.server, reason: `static-rr: ${r.server.name} (map slot ${r.slot} of ${map.size})${groupNote(group)}` }
    },
  }
}
