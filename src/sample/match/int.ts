/**
 * @module
 * `-m int` and `-m len`: integer ranges. Pattern parsing reproduces acl.c's operator layer (the
 * words `eq ne le lt ge gt` set the operator for the values that follow) feeding pattern.c's
 * pat_parse_int (`N`, `a:b`, `a-b`, `:b`, `a:`), quirks included:
 * - a value holding ':' or '-' bypasses the operator and is parsed as a range, so `-5` means
 *   `:5` and `gt -3` means `:3`;
 * - `ne` is recognised but never applied: `ne 5` matches 5 (acl.c has no case for it);
 * - with an operator, only the digits before a '.' count: `gt 1.5` is `gt 1`.
 * Data: `{ r: [min, max, min, max, ...] }`, null for an open bound. Values are 64-bit in
 * HAProxy; here they are JS numbers (exact up to 2^53).
 */
import { castTo } from '../cast.ts'
import type { MatchDef, Sample } from '../types.ts'
import { aclPatterns, numberList, sampleText } from './common.ts'

interface IntData {
  readonly r: (number | null)[]
}

const LLONG_MAX = (1n << 63n) - 1n
const LLONG_MIN = -(1n << 63n)

/** tools.c strl2llrc: optional leading '-', then digits only; "-" alone reads as 0. */
function strl2llrc(s: string): bigint | undefined {
  if (s.length === 0) return undefined
  const neg = s.charCodeAt(0) === 45
  let v = 0n
  for (let i = neg ? 1 : 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return undefined
    v = v * 10n + BigInt(d)
  }
  if (neg) v = -v
  return v > LLONG_MAX || v < LLONG_MIN ? undefined : v
}

type Range = readonly [bigint | null, bigint | null]

/** pattern.c pat_parse_int. Returns the range or the error message. */
function parseIntRange(text: string): Range | string {
  const bad = `'${text}' is not a valid number range`
  if (text === '') return bad
  let sep = 0
  while (sep < text.length && text[sep] !== ':' && text[sep] !== '-') sep++
  if (sep === text.length) {
    const v = strl2llrc(text)
    return v === undefined ? `'${text}' is not a number` : [v, v]
  }
  if (sep === 0 && text.length > 1) {
    const max = strl2llrc(text.slice(1))
    return max === undefined ? bad : [null, max]
  }
  if (sep === text.length - 1) {
    const min = strl2llrc(text.slice(0, sep))
    return min === undefined ? bad : [min, null]
  }
  const min = strl2llrc(text.slice(0, sep))
  const max = strl2llrc(text.slice(sep + 1))
  if (min === undefined || max === undefined || min > max) return bad
  return [min, max]
}

type Op = 'eq' | 'ne' | 'le' | 'lt' | 'ge' | 'gt'
const OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'le', 'lt', 'ge', 'gt'])

/** acl.c parse_acl_expr's operator layer over pat_parse_int, for the `int` and `len` methods. */
export function prepareIntRanges(patterns: readonly string[], error: (index: number, message: string) => void): IntData {
  const r: (number | null)[] = []
  let op: Op = 'eq'
  aclPatterns(patterns).forEach((arg, index) => {
    if (OPS.has(arg)) {
      op = arg as Op
      return
    }
    let text = arg
    if (!arg.includes(':') && !arg.includes('-') && op !== 'eq') {
      const dot = arg.indexOf('.')
      const value = strl2llrc(dot < 0 ? arg : arg.slice(0, dot))
      if (value === undefined) {
        error(index, `'${arg}' is neither a number nor a supported operator`)
        return
      }
      if (op === 'gt') text = `${value + 1n}:`
      else if (op === 'ge') text = `${value}:`
      else if (op === 'lt') text = `:${value - 1n}`
      else if (op === 'le') text = `:${value}`
      // 'ne': no rewrite in acl.c, the value is matched for equality
    }
    const range = parseIntRange(text)
    if (typeof range === 'string') {
      error(index, range)
      return
    }
    r.push(range[0] === null ? null : Number(range[0]), range[1] === null ? null : Number(range[1]))
  })
  return { r }
}

/** Bounds as typed arrays with ±Infinity for open ends. */
function bounds(data: unknown): { min: Float64Array; max: Float64Array } {
  const flat = numberList(data, 'r')
  const n = flat.length >> 1
  const min = new Float64Array(n)
  const max = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    min[i] = flat[2 * i] ?? Number.NEGATIVE_INFINITY
    max[i] = flat[2 * i + 1] ?? Number.POSITIVE_INFINITY
  }
  return { min, max }
}

function rangeMatcher(data: unknown, value: (sample: Sample) => number | undefined): (sample: Sample) => boolean {
  const { min, max } = bounds(data)
  const n = min.length
  return (sample) => {
    const v = value(sample)
    if (v === undefined) return false
    for (let i = 0; i < n; i++) {
      if ((min[i] as number) <= v && v <= (max[i] as number)) return true
    }
    return false
  }
}

function intValue(sample: Sample): number | undefined {
  if (sample.type === 'int') return sample.value
  const n = castTo(sample, 'int')
  return n?.type === 'int' ? n.value : undefined
}

/** Length as HAProxy sees it after the cast to string: binary stops at the first NUL (c_bin2str). */
function lengthValue(sample: Sample): number | undefined {
  if (sample.type === 'bin') {
    const i = sample.value.indexOf(0)
    return i < 0 ? sample.value.length : i
  }
  return sampleText(sample)?.length
}

export const int: MatchDef = {
  name: 'int',
  accepts: ['int'],
  takesPatterns: true,
  prepare: (patterns, _flags, error) => prepareIntRanges(patterns, error),
  build: (data) => rangeMatcher(data, intValue),
}

export const len: MatchDef = {
  name: 'len',
  accepts: ['str', 'bin'],
  takesPatterns: true,
  prepare: (patterns, _flags, error) => prepareIntRanges(patterns, error),
  build: (data) => rangeMatcher(data, lengthValue),
}
