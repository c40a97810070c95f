/**
 * @module
 * `balance first` (src/lb_fas.c): servers ordered by id (puid), the first one with room wins.
 * "Room" means `maxconn` not reached; LbServer carries no maxconn, so every server is treated as
 * unlimited and the lowest id that is not avoided always wins (weights are ignored).
 */
import { avoided, groupNote, type ServerGroup } from './groups.ts'
import type { Picker, Pick, PickInput } from './types.ts'

export function createFirst(group: ServerGroup): Picker {
  const fbck = group.fbck
  if (fbck) return { pick: () => ({ server: fbck, reason: `first: ${fbck.name}${groupNote(group)}` }) }
  // The fas tree is keyed by puid; ids are unique within a backend.
  const byId = [...group.servers].sort((a, b) => a.id - b.id || a.index - b.index)
  return {
    pick(input: PickInput): Pick | undefined {
      const s = byId.find((x) => !avoided(input.avoid, x)) ?? byId[0]
      if (!s) return undefined
      return { server: s, reason: `first: ${s.name} (lowest id ${s.id} with room; maxconn is not modelled)${groupNote(group)}` }
    },
  }
}
