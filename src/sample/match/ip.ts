/**
 * @module
 * `-m ip` (pattern.c pat_parse_ip / pat_match_ip): IPv4 and IPv6 addresses and networks, see
 * ip-set.ts for the data layout and the cross-family rules. Integer samples are IPv4 addresses
 * (c_int2ip); strings are parsed like c_str2addr (IPv4 first, then IPv6).
 */
import { castTo } from '../cast.ts'
import type { MatchDef } from '../types.ts'
import { aclPatterns } from './common.ts'
import { compileIpSet, prepareIpSet } from './ip-set.ts'

export const ip: MatchDef = {
  name: 'ip',
  accepts: ['ip'],
  takesPatterns: true,
  prepare: (patterns, _flags, error) => prepareIpSet(aclPatterns(patterns), error),
  build: (data) => {
    const set = compileIpSet(data)
    return (sample) => {
      if (sample.type === 'ip') return set.hasText(sample.value)
      if (sample.type === 'int') return set.hasV4(sample.value >>> 0)
      const s = castTo(sample, 'ip')
      return s?.type === 'ip' && set.hasText(s.value)
    }
  },
}
