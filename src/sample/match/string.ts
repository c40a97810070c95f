/**
 * @module
 * The plain string methods of pattern.c: `str` (exact), `beg` (prefix), `end` (suffix) and `sub`
 * (substring). With `-i` both sides are folded with ASCII `tolower` (strncasecmp); patterns are
 * folded once at compile time. Data: `{ p: [...] }`, the patterns (folded when -i).
 * Exact case-sensitive matching uses HAProxy's tree lookup, which reads the sample as a C string:
 * a sample holding a NUL byte matches on the part before it.
 */
import type { MatchDef, MatchFlags, Matcher } from '../types.ts'
import { aclPatterns, asciiLower, sampleText, stringList } from './common.ts'

function prepareStrings(patterns: readonly string[], flags: MatchFlags): { p: string[] } {
  const list = aclPatterns(patterns)
  return { p: flags.icase ? list.map(asciiLower) : [...list] }
}

/** Lists longer than this are bucketed by length (prefix/suffix lookups become hash probes). */
const LINEAR_MAX = 16

function affixMatcher(patterns: readonly string[], icase: boolean, suffix: boolean): Matcher {
  if (patterns.length <= LINEAR_MAX) {
    const n = patterns.length
    return (sample) => {
      let s = sampleText(sample)
      if (s === undefined) return false
      if (icase) s = asciiLower(s)
      for (let i = 0; i < n; i++) {
        const p = patterns[i] as string
        if (suffix ? s.endsWith(p) : s.startsWith(p)) return true
      }
      return false
    }
  }
  const set = new Set(patterns)
  const lengths = [...new Set(patterns.map((p) => p.length))].sort((a, b) => a - b)
  return (sample) => {
    let s = sampleText(sample)
    if (s === undefined) return false
    if (icase) s = asciiLower(s)
    for (const len of lengths) {
      if (len > s.length) return false
      if (set.has(suffix ? s.slice(s.length - len) : s.slice(0, len))) return true
    }
    return false
  }
}

export const str: MatchDef = {
  name: 'str',
  accepts: ['str'],
  takesPatterns: true,
  prepare: (patterns, flags) => {
    const { p } = prepareStrings(patterns, flags)
    return { p: [...new Set(p)] }
  },
  build: (data, flags) => {
    const set = new Set(stringList(data, 'p'))
    if (flags.icase) {
      return (sample) => {
        const s = sampleText(sample)
        return s !== undefined && set.has(asciiLower(s))
      }
    }
    return (sample) => {
      const s = sampleText(sample)
      if (s === undefined) return false
      if (set.has(s)) return true
      const nul = s.indexOf('\0')
      return nul >= 0 && set.has(s.slice(0, nul))
    }
  },
}

export const beg: MatchDef = {
  name: 'beg',
  accepts: ['str'],
  takesPatterns: true,
  prepare: (patterns, flags) => prepareStrings(patterns, flags),
  build: (data, flags) => affixMatcher(stringList(data, 'p'), flags.icase, false),
}

export const end: MatchDef = {
  name: 'end',
  accepts: ['str'],
  takesPatterns: true,
  prepare: (patterns, flags) => prepareStrings(patterns, flags),
  build: (data, flags) => affixMatcher(stringList(data, 'p'), flags.icase, true),
}

export const sub: MatchDef = {
  name: 'sub',
  accepts: ['str'],
  takesPatterns: true,
  prepare: (patterns, flags) => prepareStrings(patterns, flags),
  build: (data, flags) => {
    const patterns = stringList(data, 'p')
    const n = patterns.length
    const icase = flags.icase
    return (sample) => {
      let s = sampleText(sample)
      if (s === undefined) return false
      if (icase) s = asciiLower(s)
      for (let i = 0; i < n; i++) if (s.includes(patterns[i] as string)) return true
      return false
    }
  },
}
