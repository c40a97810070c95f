/**
 * @module
 * `balance random[(draws)]` (backend.c get_server_rnd): `draws` random 32-bit values are looked
 * up on the consistent-hash ring (whatever `hash-type` says) and, between the best so far and the
 * new draw, the one with fewer in-flight requests per unit of weight is kept
 * (`curr->served * prev->eweight > prev->served * curr->eweight` keeps the previous one; on a tie
 * the new draw wins, as in 2.6). HAProxy draws with statistical_prng(); here the caller's
 * `random32` is used, so a fixed source gives a fixed answer.
 */
import { ChashRing } from './chash.ts'
import { dynamicEweight, groupNote, type ServerGroup } from './groups.ts'
import type { Picker, LbServer, Pick, PickInput } from './types.ts'

export function createRandom(group: ServerGroup, draws: number): Picker {
  const fbck = group.fbck
  if (fbck) return { pick: () => ({ server: fbck, reason: `random: ${fbck.name}${groupNote(group)}` }) }
  const ring = new ChashRing(group.servers)
  const n = Math.max(1, Math.floor(draws))
  return {
    pick(input: PickInput): Pick | undefined {
      const served = (s: LbServer): number => Math.max(0, input.inflight?.get(s.id) ?? 0)
      let curr: LbServer | undefined
      const seen: string[] = []
      for (let d = 0; d < n; d++) {
        const prev = curr
        const hash = (input.random32?.() ?? 0) >>> 0
        const hit = ring.lookup(hash, input.avoid)
        if (!hit) break
        curr = hit.server
        seen.push(`${curr.name} (${hash})`)
        if (prev && prev !== curr && served(curr) * dynamicEweight(prev) > served(prev) * dynamicEweight(curr)) curr = prev
      }
      if (!curr) return undefined
      return {
        server: curr,
        reason: `random(${n}): drew ${seen.join(', ')} → ${curr.name} (${served(curr)} in flight, weight ${curr.weight})${groupNote(group)}`,
      }
    },
  }
}
