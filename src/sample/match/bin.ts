/**
 * @module
 * `-m bin` (pattern.c pat_parse_bin / pat_match_bin): patterns are hex strings (even length,
 * either case) compared byte for byte, length included, with the sample cast to binary.
 * Data: `{ p: ["48656c6c6f0a", ...] }`, lower-case hex.
 */
import { castTo } from '../cast.ts'
import type { MatchDef } from '../types.ts'
import { aclPatterns, stringList } from './common.ts'

/** tools.c parse_binary's checks and messages. */
function parseHex(text: string): string | { error: string } {
  if (text.length % 2) return { error: 'an even number of hex digit is expected' }
  for (let i = 0; i < text.length; i++) {
    if (!/[0-9A-Fa-f]/.test(text[i] as string)) return { error: `an hex digit is expected (found '${text[i]}')` }
  }
  return text.toLowerCase()
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

export const bin: MatchDef = {
  name: 'bin',
  accepts: ['bin'],
  takesPatterns: true,
  prepare: (patterns, _flags, error) => {
    const p: string[] = []
    aclPatterns(patterns).forEach((text, index) => {
      const hex = parseHex(text)
      if (typeof hex === 'string') p.push(hex)
      else error(index, hex.error)
    })
    return { p }
  },
  build: (data) => {
    const byLength = new Map<number, Uint8Array[]>()
    for (const hex of stringList(data, 'p')) {
      const bytes = hexBytes(hex)
      const list = byLength.get(bytes.length)
      if (list) list.push(bytes)
      else byLength.set(bytes.length, [bytes])
    }
    return (sample) => {
      const s = sample.type === 'bin' ? sample : castTo(sample, 'bin')
      if (s?.type !== 'bin') return false
      const v = s.value
      const candidates = byLength.get(v.length)
      if (!candidates) return false
      outer: for (const p of candidates) {
        for (let i = 0; i < v.length; i++) if (p[i] !== v[i]) continue outer
        return true
      }
      return false
    }
  },
}
