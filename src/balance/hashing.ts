/**
 * @module
 * `balance source | uri | url_param | hdr(name)`: hash a part of the request (hash-key.ts), then
 * look the hash up in the map or on the ring (map-hash.ts). When the key is missing (no header,
 * no such parameter), HAProxy falls back to round robin on the same structure (assign_server).
 */
import { groupNote, type ServerGroup } from './groups.ts'
import { hashName, hashRequest } from './hash-key.ts'
import type { RrCursor } from './lb-map.ts'
import { chashLookup, mapLookup } from './map-hash.ts'
import type { Picker, BalanceSpec, HashSpec, Pick, PickInput } from './types.ts'

type HashAlgo = Extract<BalanceSpec, { algo: 'source' | 'uri' | 'url_param' | 'hdr' }>

export function createHashing(spec: HashAlgo, hs: HashSpec, group: ServerGroup, gcd: number, rr?: RrCursor): Picker {
  const lookup = hs.type === 'consistent' ? chashLookup(group) : mapLookup(group, gcd, rr)
  // tot_used: servers in use. With one, source/uri/hdr skip hashing and look up hash 0
  // (url_param has no such shortcut).
  const single = (group.fbck ? 1 : group.servers.length) === 1 && spec.algo !== 'url_param'
  const note = groupNote(group)
  return {
    pick(input: PickInput): Pick | undefined {
      if (single) {
        const r = lookup.byHash(0, input.avoid)
        return r && { server: r.server, reason: `only one server in use, no hashing: ${r.how} → ${r.server.name}${note}` }
      }
      const k = hashRequest(spec, hs, input.request)
      if ('missing' in k) {
        const r = lookup.next(input.avoid)
        return r && { server: r.server, reason: `${k.missing}: round-robin fallback, ${r.how} → ${r.server.name}${note}` }
      }
      const r = lookup.byHash(k.hash, input.avoid)
      const fn = spec.algo === 'source' ? (hs.avalanche ? 'address+avalanche' : 'address') : hashName(hs)
      return r && { server: r.server, reason: `hash of '${k.label}' = ${k.hash} (${fn}), ${r.how} → ${r.server.name}${note}` }
    },
  }
}
