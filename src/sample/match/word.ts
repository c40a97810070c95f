/**
 * @module
 * `-m dir` and `-m dom` (pattern.c match_word): the pattern must appear in the sample bounded on
 * each side by a delimiter or by the start/end of the sample. Delimiters: '/' and '?' for `dir`
 * (make_4delim('/', '?', '?', '?') in 2.6), '/', '?', '.' and ':' for `dom`. Leading and trailing
 * delimiters of a pattern are ignored; they are stripped at compile time.
 * A pattern made only of delimiters makes match_word compare against the byte that follows the
 * sample in memory; for a NUL-terminated sample that matches when the sample is empty or ends
 * with a delimiter, which is what is done here (HAProxy's result depends on the buffer).
 * Data: `{ p: [...] }`, stripped patterns (folded with ASCII tolower when -i).
 */
import type { MatchDef, MatchFlags, Matcher } from '../types.ts'
import { aclPatterns, asciiLower, sampleText, stringList } from './common.ts'

type IsDelim = (c: number) => boolean

const dirDelim: IsDelim = (c) => c === 47 || c === 63
const domDelim: IsDelim = (c) => c === 47 || c === 63 || c === 46 || c === 58

function strip(p: string, isDelim: IsDelim): string {
  let a = 0
  let b = p.length
  while (a < b && isDelim(p.charCodeAt(a))) a++
  while (b > a && isDelim(p.charCodeAt(b - 1))) b--
  return p.slice(a, b)
}

function prepareWords(patterns: readonly string[], flags: MatchFlags, isDelim: IsDelim): { p: string[] } {
  return { p: aclPatterns(patterns).map((p) => strip(flags.icase ? asciiLower(p) : p, isDelim)) }
}

function wordMatcher(patterns: readonly string[], icase: boolean, isDelim: IsDelim): Matcher {
  const n = patterns.length
  return (sample) => {
    let s = sampleText(sample)
    if (s === undefined) return false
    if (icase) s = asciiLower(s)
    const len = s.length
    for (let i = 0; i < n; i++) {
      const p = patterns[i] as string
      const pl = p.length
      if (pl === 0) {
        if (len === 0 || isDelim(s.charCodeAt(len - 1))) return true
        continue
      }
      let at = s.indexOf(p)
      while (at >= 0) {
        if ((at === 0 || isDelim(s.charCodeAt(at - 1))) && (at + pl === len || isDelim(s.charCodeAt(at + pl)))) return true
        at = s.indexOf(p, at + 1)
      }
    }
    return false
  }
}

export const dir: MatchDef = {
  name: 'dir',
  accepts: ['str'],
  takesPatterns: true,
  prepare: (patterns, flags) => prepareWords(patterns, flags, dirDelim),
  build: (data, flags) => wordMatcher(stringList(data, 'p'), flags.icase, dirDelim),
}

export const dom: MatchDef = {
  name: 'dom',
  accepts: ['str'],
  takesPatterns: true,
  prepare: (patterns, flags) => prepareWords(patterns, flags, domDelim),
  build: (data, flags) => wordMatcher(stringList(data, 'p'), flags.icase, domDelim),
}
