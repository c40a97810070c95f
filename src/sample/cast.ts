/**
 * @module
 * Implicit sample casts, after HAProxy's `sample_casts` matrix (sample.c): which type converts to
 * which, and how. Fetch → converter, converter → converter and sample → match method all go
 * through here, at compile time (`canCast`) and per request (`castTo`).
 */
import { inetPton6 } from './match/ip-parse.ts'
import type { Sample, SampleType } from './types.ts'

const CASTS: Readonly<Record<SampleType, readonly SampleType[]>> = {
  bool: ['bool', 'int', 'str', 'bin'],
  int: ['bool', 'int', 'str', 'ip', 'bin'],
  ip: ['int', 'str', 'ip', 'bin'],
  str: ['bool', 'int', 'str', 'ip', 'bin', 'meth'],
  bin: ['str', 'bin'],
  meth: ['str', 'bin', 'meth'],
}

/** True when a sample of type `from` can be used where `to` is expected. */
export function canCast(from: SampleType, to: SampleType): boolean {
  return CASTS[from].includes(to)
}

const decoder = new TextDecoder('latin1')

/**
 * HAProxy's c_str2int (read_int64): an optional '-' then digits, stopping at the first other
 * character ("abc" reads as 0); only the empty string fails.
 */
export function strToInt(s: string): number | undefined {
  if (s === '') return undefined
  const m = /^(-?)(\d*)/.exec(s)
  const n = Number(m?.[2] || '0')
  return m?.[1] === '-' ? -n : n
}

/** Dotted-quad IPv4 text to an unsigned 32-bit integer, or undefined. */
export function ipv4ToInt(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (!m) return undefined
  let n = 0
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i])
    if (b > 255) return undefined
    n = n * 256 + b
  }
  return n
}

export function intToIpv4(n: number): string {
  const u = n >>> 0
  return `${u >>> 24}.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`
}

/** True for text HAProxy's str→addr cast accepts (IPv4 dotted quad or IPv6). */
export function isIpText(s: string): boolean {
  if (ipv4ToInt(s) !== undefined) return true
  return s.includes(':') && /^[0-9A-Fa-f:.]+$/.test(s) && (s.match(/::/g)?.length ?? 0) <= 1
}

/** Converts `s` to `to`, or undefined when HAProxy's cast would fail. */
export function castTo(s: Sample, to: SampleType): Sample | undefined {
  if (s.type === to) return s
  switch (to) {
    case 'bool':
      if (s.type === 'int') return { type: 'bool', value: s.value !== 0 }
      if (s.type === 'str') {
        const n = strToInt(s.value)
        return n === undefined ? undefined : { type: 'bool', value: n !== 0 }
      }
      return undefined
    case 'int':
      if (s.type === 'bool') return { type: 'int', value: s.value ? 1 : 0 }
      if (s.type === 'ip') {
        const n = ipv4ToInt(s.value)
        return n === undefined ? undefined : { type: 'int', value: n }
      }
      if (s.type === 'str') {
        const n = strToInt(s.value)
        return n === undefined ? undefined : { type: 'int', value: n }
      }
      return undefined
    case 'str':
      if (s.type === 'bool') return { type: 'str', value: s.value ? '1' : '0' }
      if (s.type === 'int') return { type: 'str', value: String(s.value) }
      if (s.type === 'bin') {
        // c_bin2str: the string ends at the first NUL byte.
        const nul = s.value.indexOf(0)
        return { type: 'str', value: decoder.decode(nul < 0 ? s.value : s.value.subarray(0, nul)) }
      }
      return { type: 'str', value: s.value as string }
    case 'ip':
      if (s.type === 'int') return { type: 'ip', value: intToIpv4(s.value) }
      if (s.type === 'str') return isIpText(s.value.trim()) ? { type: 'ip', value: s.value.trim() } : undefined
      return undefined
    case 'bin':
      if (s.type === 'bool') return castTo({ type: 'int', value: s.value ? 1 : 0 }, 'bin')
      if (s.type === 'int') {
        const b = new Uint8Array(8)
        new DataView(b.buffer).setBigInt64(0, BigInt(s.value))
        return { type: 'bin', value: b }
      }
      if (s.type === 'str' || s.type === 'meth') return { type: 'bin', value: latin1Bytes(s.value) }
      if (s.type === 'ip') {
        const n = ipv4ToInt(s.value)
        if (n === undefined) {
          // c_addr2bin: the 16 bytes of an IPv6 address.
          const w = new Uint32Array(4)
          if (!inetPton6(s.value, w)) return undefined
          const b = new Uint8Array(16)
          const dv = new DataView(b.buffer)
          for (let i = 0; i < 4; i++) dv.setUint32(i * 4, w[i] ?? 0)
          return { type: 'bin', value: b }
        }
        return { type: 'bin', value: new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]) }
      }
      return undefined
    case 'meth':
      if (s.type === 'str') return { type: 'meth', value: s.value }
      return undefined
  }
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255
  return out
}
