/**
 * @module
 * The `.if`/`.elif` expression language (cfgcond.c): predicates, `!`, `&&`, `||` and parentheses.
 * edgeproxy reports itself as HAProxy 2.6 for `version_atleast`/`version_before`.
 */
import type { DiagnosticBag } from './diagnostics.ts'
import type { EnvLookup, Word } from './lexer.ts'

/** The HAProxy version edgeproxy emulates. */
export const EMULATED_VERSION = '2.6.12'

/** Build features that exist at the edge (`feature(X)`). */
const FEATURES = new Set(['PCRE', 'PCRE2', 'PCRE_JIT', 'PCRE2_JIT', 'OPENSSL', 'PROMEX', 'ZLIB', 'THREAD'])

type Pred = (args: string[]) => boolean
const PREDICATES: Readonly<Record<string, { arity: number; fn: (env: EnvLookup) => Pred }>> = {
  defined: {
    arity: 1,
    fn:
      (env) =>
      ([n]) =>
        env(n ?? '') !== undefined,
  },
  feature: {
    arity: 1,
    fn:
      () =>
      ([n]) =>
        FEATURES.has(n ?? ''),
  },
  streq: {
    arity: 2,
    fn:
      () =>
      ([a, b]) =>
        a === b,
  },
  strneq: {
    arity: 2,
    fn:
      () =>
      ([a, b]) =>
        a !== b,
  },
  strstr: {
    arity: 2,
    fn:
      () =>
      ([a, b]) =>
        (a ?? '').includes(b ?? ''),
  },
  version_atleast: {
    arity: 1,
    fn:
      () =>
      ([v]) =>
        compareVersions(EMULATED_VERSION, v ?? '') >= 0,
  },
  version_before: {
    arity: 1,
    fn:
      () =>
      ([v]) =>
        compareVersions(EMULATED_VERSION, v ?? '') < 0,
  },
  openssl_version_atleast: { arity: 1, fn: () => () => true },
  openssl_version_before: { arity: 1, fn: () => () => false },
  enabled: { arity: 1, fn: () => () => true },
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** Evaluates the words after `.if`/`.elif`. Errors are reported and evaluate to false. */
export function evalCondDirective(words: readonly Word[], at: Word, env: EnvLookup, diag: DiagnosticBag): boolean {
  const text = words.map((w) => w.text).join(' ')
  let pos = 0
  let failed = false
  const fail = (msg: string): false => {
    if (!failed) diag.error('syntax', at.span, `${msg} in '${at.text} ${text}'`)
    failed = true
    return false
  }
  const skip = (): void => {
    while (text[pos] === ' ' || text[pos] === '\t') pos++
  }
  const orExpr = (): boolean => {
    let v = andExpr()
    skip()
    while (text.startsWith('||', pos)) {
      pos += 2
      const r = andExpr()
      v = v || r
      skip()
    }
    return v
  }
  const andExpr = (): boolean => {
    let v = term()
    skip()
    while (text.startsWith('&&', pos)) {
      pos += 2
      const r = term()
      v = v && r
      skip()
    }
    return v
  }
  const term = (): boolean => {
    skip()
    if (text[pos] === '!') {
      pos++
      return !term()
    }
    if (text[pos] === '(') {
      pos++
      const v = orExpr()
      skip()
      if (text[pos] !== ')') return fail("missing ')'")
      pos++
      return v
    }
    const m = /^[A-Za-z0-9_.+-]+/.exec(text.slice(pos))
    if (!m) return fail(`unexpected '${text.slice(pos, pos + 1) || 'end of line'}'`)
    pos += m[0].length
    if (text[pos] !== '(') return m[0] !== '' && m[0] !== '0'
    const close = text.indexOf(')', pos)
    if (close < 0) return fail("missing ')'")
    const args = text
      .slice(pos + 1, close)
      .split(',')
      .map((a) => a.trim())
      .filter((a, i, all) => a !== '' || all.length > 1 || i > 0)
    pos = close + 1
    const p = PREDICATES[m[0]]
    if (!p) return fail(`unknown predicate '${m[0]}'`)
    if (args.length !== p.arity) return fail(`predicate '${m[0]}' expects ${p.arity} argument(s)`)
    return p.fn(env)(args)
  }
  if (text.trim() === '') return fail('missing condition')
  const v = orExpr()
  skip()
  if (pos < text.length) return fail(`unexpected '${text.slice(pos)}'`)
  return !failed && v
}
