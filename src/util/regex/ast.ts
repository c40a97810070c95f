/**
 * @module
 * The parsed form of a regex for the linear engine (parse.ts writes it, classify.ts and
 * compile.ts read it). Sets are as written: under the `i` flag, compile.ts closes them under case
 * (then complements a `negated` one), only when the Pike VM runs the regex.
 */
import type { Ranges } from './charset.ts'

export type AssertKind =
  /** `^` without `m`: the start of the input. */
  | 'start'
  /** `$` without `m`: the end of the input. */
  | 'end'
  /** `^` with `m`: the start, or after a line terminator. */
  | 'line-start'
  /** `$` with `m`: the end, or before a line terminator. */
  | 'line-end'
  /** `(?=\n?(?![\s\S]))`, PCRE's `$` and `\Z` as pcre.ts writes them: the end, or before a final "\n". */
  | 'end-or-final-newline'
  /** `(?=\n|(?![\s\S]))`, PCRE's multiline `$`: the end, or before a "\n". */
  | 'end-or-newline'
  | 'word-boundary'
  | 'not-word-boundary'

export type Node =
  | SetNode
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  /** A capturing group (`index` from 1) or a non-capturing one (`index` 0). */
  | { readonly t: 'group'; readonly index: number; readonly body: Node }
  | { readonly t: 'rep'; readonly body: Node; readonly min: number; readonly max: number; readonly greedy: boolean }
  | { readonly t: 'assert'; readonly kind: AssertKind }
  /**
   * A lookaround over a fixed string of sets (`(?!\.\.)`, `(?<=a)`): it reads `sets.length` units
   * ahead of or behind the position, so it costs a constant per position.
   */
  | { readonly t: 'look'; readonly behind: boolean; readonly negate: boolean; readonly sets: readonly SetNode[] }

/** A set of units; `negated` only under `i` (without it parse.ts complements the ranges itself). */
export interface SetNode {
  readonly t: 'set'
  readonly ranges: Ranges
  readonly negated?: boolean
}

/** Features the linear engine refuses: each needs a backtracking matcher. */
export type RefusedFeature = 'backreference' | 'lookaround' | 'repetition-too-large' | 'too-complex' | 'unsupported-syntax'

export interface Refusal {
  readonly feature: RefusedFeature
  /** What was refused, for the message: "back-reference \\1". */
  readonly detail: string
}

export interface ParsedRegex {
  readonly root: Node
  /** The `i` flag: sets match under JS's non-Unicode case folding. */
  readonly icase: boolean
  /** Capturing groups. */
  readonly groups: number
  /** Group names by index (1-based). */
  readonly names: ReadonlyMap<number, string>
}
