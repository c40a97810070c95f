/**
 * @module
 * Helpers shared by the fetch and converter modules: sample constructors, argument readers,
 * byte-string conversions (samples carry text as latin1 byte strings, one char per byte), the
 * request-target parser (http.c http_parse_path) and HAProxy's small integer parsers.
 */
import type { ArgValue, FetchFn, Phase, Sample } from '../types.ts'

export const REQ: readonly Phase[] = ['request']
export const RES: readonly Phase[] = ['response']
export const BOTH: readonly Phase[] = ['request', 'response']

export const str = (value: string): Sample => ({ type: 'str', value })
export const int = (value: number): Sample => ({ type: 'int', value })
export const bool = (value: boolean): Sample => ({ type: 'bool', value })
export const ip = (value: string): Sample => ({ type: 'ip', value })
export const bin = (value: Uint8Array): Sample => ({ type: 'bin', value })

export const TRUE: Sample = bool(true)
export const FALSE: Sample = bool(false)

/** A fetch that always fails. */
export const failing: FetchFn = () => undefined

/** String argument `i`, or undefined when absent or empty. */
export function argStr(args: readonly ArgValue[], i: number): string | undefined {
  const v = args[i]
  if (v === undefined || v === '') return undefined
  return String(v)
}

/** String argument `i` as written, '' included; undefined when absent. */
export function argRaw(args: readonly ArgValue[], i: number): string | undefined {
  const v = args[i]
  return v === undefined ? undefined : String(v)
}

/** Integer argument `i`, or undefined when absent or empty. */
export function argInt(args: readonly ArgValue[], i: number): number | undefined {
  const v = args[i]
  if (v === undefined || v === '') return undefined
  const n = typeof v === 'number' ? v : Number(v)
  return Number.isFinite(n) ? Math.trunc(n) : undefined
}

/** Latin1 bytes of a byte string. */
export function bytesOf(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255
  return out
}

/** Byte string of bytes (latin1), chunked to stay clear of argument limits. */
export function textOf(b: Uint8Array): string {
  let out = ''
  for (let i = 0; i < b.length; i += 8192) out += String.fromCharCode(...b.subarray(i, i + 8192))
  return out
}

/** Bytes of a str/bin sample (the converters' SMP_T_BIN input). */
export function sampleBytes(s: Sample): Uint8Array | undefined {
  if (s.type === 'bin') return s.value
  if (s.type === 'str' || s.type === 'meth') return bytesOf(s.value)
  return undefined
}

/** Text of a str sample (converters declare str input, so the engine already cast it). */
export function sampleStr(s: Sample): string | undefined {
  if (s.type === 'str' || s.type === 'meth' || s.type === 'ip') return s.value
  if (s.type === 'bin') return textOf(s.value)
  if (s.type === 'int') return String(s.value)
  if (s.type === 'bool') return s.value ? '1' : '0'
  return undefined
}

/** Integer of an int/bool sample. */
export function sampleInt(s: Sample): number | undefined {
  if (s.type === 'int') return s.value
  if (s.type === 'bool') return s.value ? 1 : 0
  return undefined
}

/**
 * http.c http_parse_path on the request target: the path starts at the first '/' (after the
 * scheme and authority of an absolute URI); undefined for '*', an empty target, an authority-only
 * target or an absolute URI without path. `withQuery` keeps the query string (pathq, baseq).
 */
export function pathOf(target: string, withQuery: boolean): string | undefined {
  let p: string
  const c = target.charCodeAt(0)
  if (target.length === 0 || c === 42 /* * */) return undefined
  if (c === 47 /* / */) p = target
  else {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(target)
    if (!m) return undefined
    const slash = target.indexOf('/', m[0].length)
    if (slash < 0) return undefined
    p = target.slice(slash)
  }
  if (withQuery) return p
  const q = p.indexOf('?')
  return q < 0 ? p : p.slice(0, q)
}

/** The query string after the first '?' of the target (smp_fetch_query), or undefined. */
export function queryOf(target: string): string | undefined {
  const q = target.indexOf('?')
  return q < 0 ? undefined : target.slice(q + 1)
}

/**
 * tools.c strl2ic, quirks included: an optional leading '-', then it reads characters until one
 * is above '9' (characters below '0' are not rejected and add negative digits), in 32-bit ints.
 */
export function strl2ic(s: string): number {
  let i = 0
  if (s.length === 0) return 0
  if (s.charCodeAt(0) !== 45) {
    for (let k = 0; k < s.length; k++) {
      const j = s.charCodeAt(k) - 48
      if (j > 9) break
      i = (Math.imul(i, 10) + j) | 0
    }
  } else {
    for (let k = 1; k < s.length; k++) {
      const j = s.charCodeAt(k) - 48
      if (j > 9) break
      i = (Math.imul(i, 10) - j) | 0
    }
  }
  return i
}

/** tools.c read_int64: an optional sign (always consumed), then digits, saturating. */
export function readInt64(s: string, from = 0): { value: bigint; end: number } {
  let i = from
  let neg = false
  if (s[i] === '-') {
    neg = true
    i++
  } else if (s[i] === '+') i++
  let v = 0n
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) break
    v = v * 10n + BigInt(d)
  }
  return { value: clamp64(neg ? -v : v), end: i }
}

export const LLONG_MAX = (1n << 63n) - 1n
export const LLONG_MIN = -(1n << 63n)

export function clamp64(v: bigint): bigint {
  return v > LLONG_MAX ? LLONG_MAX : v < LLONG_MIN ? LLONG_MIN : v
}

/** A 64-bit integer as a JS number (exact up to 2^53). */
export function n64(v: bigint): number {
  return Number(v)
}

/** Whole-string integer (check_operator, map_parse_int): read_int64 must consume everything. */
export function parseWholeInt(s: string): number | undefined {
  const r = readInt64(s)
  return r.end === s.length && s.length > 0 ? n64(r.value) : undefined
}

/** Lower-case ASCII hex of bytes. */
export function hexOf(b: Uint8Array, upper = false): string {
  const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef'
  let out = ''
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number
    out += (digits[c >> 4] as string) + (digits[c & 15] as string)
  }
  return out
}

/** Bytes of a hex string (separators ':' and spaces ignored), or undefined. */
export function bytesOfHex(s: string): Uint8Array | undefined {
  const h = s.replace(/[:\s]/g, '')
  if (h.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(h)) return undefined
  const out = new Uint8Array(h.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16)
  return out
}
