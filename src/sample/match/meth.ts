/**
 * @module
 * `meth`: the match the `method` ACL keyword uses (http_acl.c pat_parse_meth / pat_match_meth).
 * A pattern that is one of the eight known methods (OPTIONS GET HEAD POST PUT DELETE TRACE
 * CONNECT, case-sensitive) matches only that method; any other pattern is compared with the
 * text of an unknown method, case-insensitively with -i. So `method -i get` matches a request
 * sent with "get" or "Get" but not "GET" (which is the known method GET).
 * Data: `{ known: [...], other: [...] }` (other folded with ASCII tolower when -i).
 */
import { castTo } from '../cast.ts'
import type { MatchDef } from '../types.ts'
import { aclPatterns, asciiLower, stringList } from './common.ts'

const KNOWN: ReadonlySet<string> = new Set(['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'])

export const meth: MatchDef = {
  name: 'meth',
  accepts: ['meth'],
  takesPatterns: true,
  prepare: (patterns, flags) => {
    const known: string[] = []
    const other: string[] = []
    for (const p of aclPatterns(patterns)) {
      if (KNOWN.has(p)) known.push(p)
      else other.push(flags.icase ? asciiLower(p) : p)
    }
    return { known, other }
  },
  build: (data, flags) => {
    const known = new Set(stringList(data, 'known'))
    const other = new Set(stringList(data, 'other'))
    const icase = flags.icase
    return (sample) => {
      const s = sample.type === 'meth' ? sample : castTo(sample, 'meth')
      if (s?.type !== 'meth') return false
      const m = s.value
      if (KNOWN.has(m)) return known.has(m)
      return other.has(icase ? asciiLower(m) : m)
    }
  },
}
