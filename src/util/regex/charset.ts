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
  let lo = 0
  let hi = r.length / 2 - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (c < (r[mid * 2] as number)) hi = mid - 1
    else if (c > (r[mid * 2 + 1] as number)) lo = mid + 1
    else return true
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

/**
 * Code units that share their canonical form with another unit, grouped: built once, on first
 * use, from the units Unicode says change under a case mapping (`\p{CWCM}`, about 2,800 in the
 * BMP) and their canonical forms; test/unit/util/regex-charset.test.ts checks it against every
 * unit.
 */
let caseGroups: Map<number, readonly number[]> | undefined
export function caseGroupsOf(): ReadonlyMap<number, readonly number[]> {
  if (caseGroups) return caseGroups
  const byCanon = new Map<number, Set<number>>()
  const chunk: number[] = []
  for (let lo = 0; lo <= 0xffff; lo += 0x800) {
    if (lo >= 0xd800 && lo < 0xe000) continue // surrogates have no case
    chunk.length = 0
    for (let c = lo; c < lo + 0x800; c++) chunk.push(c)
    for (const m of String.fromCharCode(...chunk).matchAll(/\p{CWCM}/gu)) {
      const c = m[0].charCodeAt(0)
      const k = canonicalize(c)
      let g = byCanon.get(k)
      if (!g) {
        g = new Set([k])
        byCanon.set(k, g)
      }
      g.add(c)
    }
  }
  const out = new Map<number, readonly number[]>()
  for (const g of byCanon.values()) if (g.size > 1) for (const c of g) out.set(c, [...g])
  caseGroups = out
  return out
}

/** The units of caseGroupsOf, sorted, for a search by range. */
let casedUnits: Int32Array | undefined
function cased(): Int32Array {
  casedUnits ??= Int32Array.from(caseGroupsOf().keys()).sort()
  return casedUnits
}

/** The set of units whose canonical form is that of a member: what a class matches under `i`. */
export function caseClose(r: Ranges): number[] {
  const units = cased()
  const groups = caseGroupsOf()
  const extra: number[] = []
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i] as number
    const hi = r[i + 1] as number
    // the first cased unit >= lo
    let a = 0
    let b = units.length
    while (a < b) {
      const mid = (a + b) >> 1
      if ((units[mid] as number) < lo) a = mid + 1
      else b = mid
    }
    for (let k = a; k < units.length && (units[k] as number) <= hi; k++) {
      for (const o of groups.get(units[k] as number) ?? []) if (!inRanges(r, o)) extra.push(o, o)
    }
  }
  return extra.length === 0 ? [...r] : normalize([...r, ...extra])
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
