/**
 * @module
 * `-m reg` (pattern.c pat_parse_reg / pat_match_reg): unanchored regex search. HAProxy uses
 * PCRE2; patterns are translated to JS RegExp at compile time (pcre.ts), `-i` adds the `i` flag.
 * Data: `{ re: [{ source, flags }, ...] }`; the regexes are built once per isolate, on the
 * linear-time engine (src/util/regex: native RegExp only where backtracking is provably linear).
 */
import type { MatchDef } from '../types.ts'
import { aclPatterns, sampleText } from './common.ts'
import { type Regex, linearRegex } from '../../util/regex/index.ts'
import { type JsRegex, pcreToJs } from './pcre.ts'

function regexList(data: unknown): readonly JsRegex[] {
  const v = data !== null && typeof data === 'object' ? (data as Record<string, unknown>).re : undefined
  if (!Array.isArray(v)) throw new TypeError("match data: 're' must be an array")
  return v.map((r: unknown) => {
    const o = (r ?? {}) as Record<string, unknown>
    return { source: String(o.source), flags: String(o.flags ?? '') }
  })
}

export const reg: MatchDef = {
  name: 'reg',
  accepts: ['str'],
  takesPatterns: true,
  prepare: (patterns, flags, error) => {
    const re: JsRegex[] = []
    aclPatterns(patterns).forEach((text, index) => {
      const r = pcreToJs(text, flags.icase)
      if ('error' in r) error(index, r.error)
      else re.push({ source: r.source, flags: r.flags })
    })
    return { re }
  },
  build: (data) => {
    const list = regexList(data).map((r) => linearRegex(r.source, r.flags))
    const n = list.length
    return (sample) => {
      const s = sampleText(sample)
      if (s === undefined) return false
      for (let i = 0; i < n; i++) if ((list[i] as Regex).test(s)) return true
      return false
    }
  },
}
