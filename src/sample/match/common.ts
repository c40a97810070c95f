/**
 * @module
 * Helpers shared by the match methods: the ACL pattern-list rule (acl.c stops at the first empty
 * word), ASCII-only case folding (C `tolower`, not Unicode), and the sample → string view every
 * string method reads through.
 */
import { castTo } from '../cast.ts'
import type { Sample } from '../types.ts'

/**
 * The patterns HAProxy actually loads: parse_acl_expr() loops `while (**args)`, so an empty word
 * (`""`) ends the pattern list and every word after it is silently ignored.
 */
export function aclPatterns(patterns: readonly string[]): readonly string[] {
  const end = patterns.indexOf('')
  return end < 0 ? patterns : patterns.slice(0, end)
}

/** ASCII lower-casing, like C `tolower()` in the C locale: only A-Z change; no allocation if none. */
export function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 65 && c <= 90) return lowerFrom(s, i)
  }
  return s
}

function lowerFrom(s: string, start: number): string {
  for (let i = start; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) {
      let out = s.slice(0, start)
      for (let j = start; j < s.length; j++) {
        const c = s.charCodeAt(j)
        out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[j]
      }
      return out
    }
  }
  return s.toLowerCase()
}

/** The sample as a string (HAProxy's cast to SMP_T_STR), or undefined when the cast fails. */
export function sampleText(sample: Sample): string | undefined {
  if (sample.type === 'str') return sample.value
  const s = castTo(sample, 'str')
  return s?.type === 'str' ? s.value : undefined
}

/** Reads `data.key` as a string array (prepare output after a JSON round trip). */
export function stringList(data: unknown, key: string): readonly string[] {
  const v = data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined
  if (!Array.isArray(v)) throw new TypeError(`match data: '${key}' must be an array`)
  return v.map(String)
}

/** Reads `data.key` as an array of numbers or nulls. */
export function numberList(data: unknown, key: string): readonly (number | null)[] {
  const v = data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined
  if (!Array.isArray(v)) throw new TypeError(`match data: '${key}' must be an array`)
  return v.map((x) => (x === null ? null : Number(x)))
}
