/**
 * @module
 * Sets of UTF-16 code units for the linear regex engine: built as sorted, disjoint, inclusive
 * ranges at compile time, matched through a 256-bit bitmap (Latin-1, the common case) plus the
 * ranges above it. Case-insensitive sets are closed under JS's non-Unicode `Canonicalize`
 * (ECMA-262 22.2.2.7.3: the single-unit upper case, never mapping a non-ASCII unit to ASCII), so
 * that matching stays one lookup.
 */

/** [lo0, hi0, lo1, hi1, ...]: sorted, disjoint, inclusive. */
export type Ranges = readonly number[]

export const ALL: Ranges = [0, 0xffff]
export const DIGIT: Ranges = [0x30, 0x39]
export const WORD: Ranges = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]
/** JS `\s`: WhiteSpace and LineTerminator. */
export const SPACE: Ranges = [9, 13, 32, 32, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff]
/** What `.` excludes without the `s` flag, and what `^`/`$` see as a line end with `m`. */
export const LINE_TERMINATOR: Ranges = [10, 10, 13, 13, 0x2028, 0x2029]

export function normalize(r: readonly number[]): number[] {
  const pairs: [number, number][] = []
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i] as number, r[i + 1] as number])
  pairs.sort((a, b) => a[0] - b[0])
  const out: number[] = []
  for (const [lo, hi] of pairs) {
    const n = out.length
    if (n > 0 && lo <= (out[n - 1] as number) + 1) out[n - 1] = Math.max(out[n - 1] as number, hi)
    else out.push(lo, hi)
  }
  return out
}

export function negate(r: Ranges): number[] {
  const out: number[] = []
  let next = 0
  for (let i = 0; i < r.length; i += 2) {
    if ((r[i] as number) > next) out.push(next, (r[i] as number) - 1)
    next = (r[i + 1] as number) + 1
  }
  if (next <= 0xffff) out.push(next, 0xffff)
  return out
}

export function inRanges(r: Ranges, c: number): boolean {
  for (let i = 0; i < r.length; i += 2) {
    if (c < (r[i] as number)) return false
    if (c <= (r[i + 1] as number)) return true
  }
  return false
}

/** ECMA-262 Canonicalize for a non-Unicode, ignoreCase regex. */
export function canonicalize(c: number): number {
  const u = String.fromCharCode(c).toUpperCase()
  if (u.length !== 1) return c
  const cu = u.charCodeAt(0)
  return c >= 128 && cu < 128 ? c : cu
}

/** Code units that share their canonical form with another unit, grouped: built once, on first use. */
let caseGroups: Map<number, number[]> | undefined
function groups(): Map<number, number[]> {
  if (caseGroups) return caseGroups
  const byCanon = new Map<number, number[]>()
  for (let c = 0; c <= 0xffff; c++) {
    const k = canonicalize(c)
    const g = byCanon.get(k)
    if (g) g.push(c)
    else byCanon.set(k, [c])
  }
  const out = new Map<number, number[]>()
  for (const g of byCanon.values()) if (g.length > 1) for (const c of g) out.set(c, g)
  caseGroups = out
  return out
}

/** The set of units whose canonical form is that of a member: what a class matches under `i`. */
export function caseClose(r: Ranges): number[] {
  const extra: number[] = []
  for (const [c, g] of groups()) if (inRanges(r, c)) for (const o of g) extra.push(o, o)
  return normalize([...r, ...extra])
}

/** A compiled set: one bitmap test for units below 256. */
export class CharSet {
  private readonly low = new Uint32Array(8)
  private readonly high: number[] = []
  readonly ranges: Ranges
  constructor(ranges: Ranges) {
    this.ranges = ranges
    for (let i = 0; i < ranges.length; i += 2) {
      const lo = ranges[i] as number
      const hi = ranges[i + 1] as number
      for (let c = lo; c <= Math.min(hi, 255); c++) this.low[c >> 5] = (this.low[c >> 5] ?? 0) | (1 << (c & 31))
      if (hi > 255) this.high.push(Math.max(lo, 256), hi)
    }
  }
  has(c: number): boolean {
    if (c < 256) return ((this.low[c >> 5] as number) & (1 << (c & 31))) !== 0
    return inRanges(this.high, c)
  }
}
