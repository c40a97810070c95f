/**
 * @module
 * A compiled set of IPv4/IPv6 addresses and networks with HAProxy's pat_match_ip semantics, for
 * `-m ip`, the `map_ip` converter and `option forwardfor except`.
 *
 * Data (`IpSetData`, plain JSON):
 * - `v4`: IPv4 networks with contiguous masks as sorted, merged, inclusive ranges, flat
 *   `[start, end, start, end, ...]` of unsigned 32-bit numbers;
 * - `v4m`: IPv4 patterns with a non-contiguous dotted mask (HAProxy keeps those in a list), flat
 *   `[addr & mask, mask, ...]`;
 * - `v6`: IPv6 networks as sorted, merged, inclusive ranges, 8 unsigned 32-bit words per range:
 *   the start's four words (most significant first) then the end's.
 * Lists of more than PACK_MIN_RANGES ranges are packed: `v4`/`v6` are then base64 strings
 * (src/routemap/packed.ts), decoded once into the same typed arrays.
 * Lookups are binary searches, allocation-free.
 *
 * Cross-family rules (pattern.c pat_match_ip): an IPv4 sample also matches IPv6 networks as
 * `::ffff:a.b.c.d`; an IPv6 sample also matches IPv4 networks when it is `::ffff:a.b.c.d`,
 * `::a.b.c.d` (this includes `::` and `::1`) or 6to4 `2002:AABB:CCDD::`.
 */
import { packRanges4, packRanges6, unpackRanges4, unpackRanges6 } from '../../routemap/packed.ts'
import { type IpSetData, PACK_MIN_RANGES } from '../../routemap/schema.ts'
import { buf2ip, inetPton6, type IpPattern, parseIpPattern } from './ip-parse.ts'

export type { IpSetData }

/** Parses and merges patterns; bad ones are reported through `error` and left out. */
export function prepareIpSet(patterns: readonly string[], error: (index: number, message: string) => void): IpSetData {
  const parsed: IpPattern[] = []
  patterns.forEach((text, index) => {
    const p = parseIpPattern(text)
    if (typeof p === 'string') error(index, p)
    else parsed.push(p)
  })
  return ipSetFromPatterns(parsed)
}

/** Builds set data from already parsed patterns. */
export function ipSetFromPatterns(patterns: readonly IpPattern[]): IpSetData {
  // IPv4 networks as one number each, start × 64 + host bits (< 2^38, exact): a native numeric
  // sort of a typed array, not a million [start, end] pairs through a comparator.
  const keys4: number[] = []
  const v4m: number[] = []
  const r6: [bigint, bigint][] = []
  for (const p of patterns) {
    if (p.v === 4) {
      const inv = ~p.mask >>> 0
      if (((inv + 1) & inv) === 0) {
        // contiguous: ones on the left only
        const start = (p.addr & p.mask) >>> 0
        keys4.push(start * 64 + Math.log2(inv + 1))
      } else v4m.push((p.addr & p.mask) >>> 0, p.mask)
    } else {
      let a = 0n
      for (const w of p.addr) a = (a << 32n) | BigInt(w)
      const host = p.bits >= 128 ? 0n : (1n << BigInt(128 - p.bits)) - 1n
      const start = a & ~host & ((1n << 128n) - 1n)
      r6.push([start, start | host])
    }
  }
  const v4: number[] = []
  const sorted4 = Float64Array.from(keys4).sort()
  for (let i = 0; i < sorted4.length; i++) {
    const k = sorted4[i] as number
    const host = k % 64
    const s = (k - host) / 64
    const e = s + 2 ** host - 1
    const n = v4.length
    if (n > 0 && s <= (v4[n - 1] as number) + 1) {
      if (e > (v4[n - 1] as number)) v4[n - 1] = e
    } else v4.push(s, e)
  }
  const merged6: [bigint, bigint][] = []
  r6.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
  for (const [s, e] of r6) {
    const last = merged6[merged6.length - 1]
    if (last && s <= last[1] + 1n) {
      if (e > last[1]) last[1] = e
    } else merged6.push([s, e])
  }
  const v6: number[] = []
  for (const [s, e] of merged6) v6.push(...words(s), ...words(e))
  return { v4: v4.length > 2 * PACK_MIN_RANGES ? packRanges4(v4) : v4, v4m, v6: v6.length > 8 * PACK_MIN_RANGES ? packRanges6(v6) : v6 }
}

function words(x: bigint): number[] {
  return [Number((x >> 96n) & 0xffffffffn), Number((x >> 64n) & 0xffffffffn), Number((x >> 32n) & 0xffffffffn), Number(x & 0xffffffffn)]
}

/** A compiled IP set: lookups by IPv4 number or by address text. */
export interface IpSet {
  /** An IPv4 address as an unsigned 32-bit number. */
  hasV4(addr: number): boolean
  /** IPv6 words, most significant first. */
  hasV6(w0: number, w1: number, w2: number, w3: number): boolean
  /** Address text: IPv4 (buf2ip rules) or IPv6; false when it is neither. */
  hasText(ip: string): boolean
}

/** Words of a field: a plain array, or a packed list (`v4`, `v6`) decoded once. */
export function ipSetWords(data: unknown, key: keyof IpSetData, stride: number): Uint32Array {
  const v = data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined
  if (typeof v === 'string' && key !== 'v4m') {
    const w = key === 'v4' ? unpackRanges4(v) : unpackRanges6(v)
    if (typeof w === 'string') throw new TypeError(`ip set data: '${key}': ${w}`)
    return w
  }
  if (!Array.isArray(v) || v.length % stride !== 0) throw new TypeError(`ip set data: '${key}' must be an array of ${stride}-tuples`)
  return Uint32Array.from(v, Number)
}

/** Compiles `prepareIpSet` output (after a JSON round trip) into a lookup structure. */
export function compileIpSet(data: unknown): IpSet {
  const v4 = ipSetWords(data, 'v4', 2)
  const v4m = ipSetWords(data, 'v4m', 2)
  const v6 = ipSetWords(data, 'v6', 8)
  const n4 = v4.length >> 1
  const n4m = v4m.length >> 1
  const n6 = v6.length >> 3

  const inV4Ranges = (x: number): boolean => {
    let lo = 0
    let hi = n4 - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if ((v4[2 * mid] as number) <= x) lo = mid + 1
      else hi = mid - 1
    }
    // hi: last range whose start <= x
    return hi >= 0 && x <= (v4[2 * hi + 1] as number)
  }

  const hasV4 = (x: number): boolean => {
    if (inV4Ranges(x)) return true
    for (let i = 0; i < n4m; i++) {
      if ((x & (v4m[2 * i + 1] as number)) >>> 0 === v4m[2 * i]) return true
    }
    return false
  }

  /** -1, 0, 1: key compared with the 4 words at `off`. */
  const cmp6 = (w0: number, w1: number, w2: number, w3: number, off: number): number => {
    let a = v6[off] as number
    if (w0 !== a) return w0 < a ? -1 : 1
    a = v6[off + 1] as number
    if (w1 !== a) return w1 < a ? -1 : 1
    a = v6[off + 2] as number
    if (w2 !== a) return w2 < a ? -1 : 1
    a = v6[off + 3] as number
    if (w3 !== a) return w3 < a ? -1 : 1
    return 0
  }

  const inV6Ranges = (w0: number, w1: number, w2: number, w3: number): boolean => {
    let lo = 0
    let hi = n6 - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (cmp6(w0, w1, w2, w3, 8 * mid) >= 0) lo = mid + 1
      else hi = mid - 1
    }
    return hi >= 0 && cmp6(w0, w1, w2, w3, 8 * hi + 4) <= 0
  }

  const hasV6 = (w0: number, w1: number, w2: number, w3: number): boolean => {
    if (n6 > 0 && inV6Ranges(w0, w1, w2, w3)) return true
    if (n4 === 0 && n4m === 0) return false
    if (w0 === 0 && w1 === 0 && (w2 === 0 || w2 === 0xffff)) return hasV4(w3) // ::ffff:v4, ::v4
    if (w0 >>> 16 === 0x2002) return hasV4((((w0 & 0xffff) << 16) | (w1 >>> 16)) >>> 0) // 6to4
    return false
  }

  const scratch = new Uint32Array(4)
  const hasText = (ip: string): boolean => {
    const a = buf2ip(ip)
    if (a >= 0) return hasV4(a) || (n6 > 0 && inV6Ranges(0, 0, 0xffff, a))
    if (!inetPton6(ip, scratch)) return false
    return hasV6(scratch[0] as number, scratch[1] as number, scratch[2] as number, scratch[3] as number)
  }

  return {
    hasV4: (x) => hasV4(x) || (n6 > 0 && inV6Ranges(0, 0, 0xffff, x)),
    hasV6,
    hasText,
  }
}

/** `(ip text) => matches`, for callers that only need membership. */
export function buildIpSet(data: unknown): (ip: string) => boolean {
  return compileIpSet(data).hasText
}
