/**
 * @module
 * Regexes whose matching time is linear in the input, for every regex a configuration supplies
 * (`-m reg` and the `*_reg` fetches, `regsub`, `map_reg`/`map_regm`, the rewriting actions,
 * `http-check`/`tcp-check expect rstring|rstatus|rbinary`, `-m reg` on header names).
 *
 * `compileRegex(source, flags)` takes JavaScript RegExp source (non-Unicode mode, as pcre.ts
 * and the actions produce it) and decides once, when the configuration is compiled or the
 * isolate builds its engine, never per request:
 * - a syntax error: what `new RegExp` says (`{ error }` without `refusal`);
 * - a construct that needs backtracking (back-references, lookarounds wider than a fixed
 *   string of characters, `{n,m}` above 1000...): a typed `Refusal` (ast.ts), which `edgeproxy
 *   check` reports as an error;
 * - otherwise a `Regex`: native RegExp when classify.ts proves backtracking linear on it (the
 *   common `^/api/`, `\.(jpg|png)$`, `^/static/.*`), else the Pike VM (pike.ts), which gives the
 *   same match, index and captures as RegExp in O(input × pattern) time.
 *
 * The leading-star rule, for `test` only: whether `X*R` matches somewhere is whether `R` does
 * (the star may match empty, and R's match there is one of `X*R`), so `.*\.example\.com$`
 * tests with native RegExp on `\.example\.com$` when that is provably linear; `exec` (which
 * must report where the match starts) stays on the Pike VM.
 */
import type { Node, Refusal } from './ast.ts'
import { backtrackingIsLinear } from './classify.ts'
import { type Program, compileProgram } from './compile.ts'
import { parseRegex } from './parse.ts'
import { printRegex } from './print.ts'
import { pikeSearch } from './pike.ts'

export type { Refusal, RefusedFeature } from './ast.ts'
export { MAX_REPEAT } from './parse.ts'

/** What the call sites use: RegExp's `test` and `exec`, with the start of the search explicit. */
export interface Regex {
  readonly source: string
  readonly flags: string
  /** Which engine runs it: 'native' only when backtracking is provably linear (classify.ts). */
  readonly engine: 'native' | 'linear'
  test(s: string): boolean
  /** The first match at or after `from` (default 0), as RegExp's exec with lastIndex = from. */
  exec(s: string, from?: number): RegExpExecArray | null
  /** String.prototype.replace with this regex and a function: all matches when `global`. */
  replace(s: string, replacer: (m: RegExpExecArray) => string, global: boolean): string
}

export type RegexResult = { readonly ok: true; readonly regex: Regex } | { readonly ok: false; readonly error: string; readonly refusal?: Refusal }

/** Flags the caller may pass; `g` and `y` are the caller's business (exec takes `from`). */
const FLAGS = /^[imsgy]*$/

function replaceWith(re: Regex, s: string, replacer: (m: RegExpExecArray) => string, global: boolean): string {
  let out = ''
  let last = 0
  let from = 0
  while (from <= s.length) {
    const m = re.exec(s, from)
    if (!m) break
    out += s.slice(last, m.index) + replacer(m)
    last = m.index + (m[0] as string).length
    if (!global) break
    // JS's advance rule: after an empty match, the next search starts one unit further
    from = last === m.index ? last + 1 : last
  }
  return out + s.slice(last)
}

class NativeRegex implements Regex {
  readonly engine = 'native'
  private readonly re: RegExp
  private readonly sticky: RegExp
  readonly source: string
  readonly flags: string
  constructor(source: string, flags: string) {
    this.source = source
    this.flags = flags
    const f = flags.replace(/[gy]/g, '')
    this.re = new RegExp(source, f)
    this.sticky = new RegExp(source, `${f}g`)
  }
  test(s: string): boolean {
    return this.re.test(s)
  }
  exec(s: string, from = 0): RegExpExecArray | null {
    if (from === 0) return this.re.exec(s)
    this.sticky.lastIndex = from
    return this.sticky.exec(s)
  }
  replace(s: string, replacer: (m: RegExpExecArray) => string, global: boolean): string {
    return replaceWith(this, s, replacer, global)
  }
}

class LinearRegex implements Regex {
  readonly engine = 'linear'
  readonly source: string
  readonly flags: string
  private readonly prog: Program
  private readonly names: ReadonlyMap<number, string>
  /** Native RegExp for `test`, by the leading-star rule. */
  private readonly tester: RegExp | undefined
  constructor(source: string, flags: string, prog: Program, names: ReadonlyMap<number, string>, tester: RegExp | undefined) {
    this.source = source
    this.flags = flags
    this.prog = prog
    this.names = names
    this.tester = tester
  }
  test(s: string): boolean {
    if (this.tester) return this.tester.test(s)
    return pikeSearch(this.prog, s, 0, false) !== null
  }
  exec(s: string, from = 0): RegExpExecArray | null {
    if (from > s.length) return null
    // a pass without captures first: cheaper, and most hostile inputs do not match at all
    if (pikeSearch(this.prog, s, from, false) === null) return null
    const caps = pikeSearch(this.prog, s, from, true)
    if (caps === null || caps === true) return null
    const out: (string | undefined)[] = []
    for (let k = 0; k < caps.length; k += 2) {
      const a = caps[k] as number
      const b = caps[k + 1] as number
      out.push(a < 0 || b < 0 ? undefined : s.slice(a, b))
    }
    let groups: Record<string, string | undefined> | undefined
    if (this.names.size > 0) {
      groups = Object.create(null) as Record<string, string | undefined>
      for (const [k, name] of this.names) groups[name] = out[k]
    }
    return Object.assign(out, { index: caps[0] as number, input: s, groups }) as RegExpExecArray
  }
  replace(s: string, replacer: (m: RegExpExecArray) => string, global: boolean): string {
    return replaceWith(this, s, replacer, global)
  }
}

/** A refusal as the one-line reason `check` prints after "regex '...' cannot be used". */
export function refusalMessage(r: Refusal): string {
  switch (r.feature) {
    case 'backreference':
      return `${r.detail} needs a backtracking matcher, which a hostile input can drive into exponential time (match the text with a second regex or ACL instead)`
    case 'lookaround':
      return `${r.detail} needs a backtracking matcher, which a hostile input can drive into exponential time (use a second ACL negated with '!', or a second regex, instead; a lookaround over a fixed string of characters, such as (?<!www\\.), is accepted)`
    case 'repetition-too-large':
    case 'too-complex':
      return `${r.detail} is too large for the linear-time matcher; split it or use '*'/'+'`
    case 'unsupported-syntax':
      return `${r.detail} is not supported by the linear-time matcher`
  }
}

/** `native: 'never'` forces the Pike VM (tests, benchmarks). */
export function compileRegex(source: string, flags = '', opts: { readonly native?: 'auto' | 'never' } = {}): RegexResult {
  if (!FLAGS.test(flags)) return { ok: false, error: `unsupported regex flags '${flags}'` }
  try {
    new RegExp(source, flags)
  } catch (e) {
    return { ok: false, error: (e as Error).message }
  }
  const parsed = parseRegex(source, flags)
  if ('feature' in parsed) return { ok: false, error: refusalMessage(parsed), refusal: parsed }
  if (opts.native !== 'never' && backtrackingIsLinear(parsed.root)) return { ok: true, regex: new NativeRegex(source, flags) }
  const prog = compileProgram(parsed)
  if ('feature' in prog) return { ok: false, error: refusalMessage(prog), refusal: prog }
  return { ok: true, regex: new LinearRegex(source, flags, prog, parsed.names, opts.native === 'never' ? undefined : leadingStarTester(parsed.root, parsed.icase)) }
}

/** The leading-star rule (module comment): a native tester, or undefined. */
function leadingStarTester(root: Node, icase: boolean): RegExp | undefined {
  let rest = root
  while (rest.t === 'seq' && rest.items[0]?.t === 'rep' && rest.items[0].min === 0) rest = { t: 'seq', items: rest.items.slice(1) }
  if (rest === root || !backtrackingIsLinear(rest)) return undefined
  return new RegExp(printRegex(rest), icase ? 'i' : '')
}

/** compileRegex for call sites that handle errors by throwing (like `new RegExp`). */
export function linearRegex(source: string, flags = ''): Regex {
  const r = compileRegex(source, flags)
  if (!r.ok) throw new RegexError(r.error, r.refusal)
  return r.regex
}

export class RegexError extends SyntaxError {
  readonly refusal: Refusal | undefined
  constructor(message: string, refusal: Refusal | undefined) {
    super(message)
    this.refusal = refusal
  }
}
