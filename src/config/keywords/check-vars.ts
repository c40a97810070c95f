/**
 * @module
 * Check-scope variables and log-format strings of http-check rules (tcpcheck.c
 * `parse_tcpcheck_action` for `set-var(check.<name>)` / `unset-var(check.<name>)`, and the
 * log-format arguments `uri-lf`, `body-lf`, `hdr` values, `name-lf`, `value-lf`). The edge
 * evaluates the samples a check has: `str(<text>)`, `int(<n>)`, `be_name`, `srv_name`,
 * `var(check.<name>)`, `res.hdr(<name>)`, `res.fhdr(<name>)`, without converters; anything else
 * is refused as not supported yet.
 */
import type { CheckLogFormat, CheckSample } from '../../routemap/schema.ts'
import type { Word } from '../lexer.ts'
import type { KeywordContext } from './types.ts'

const FETCHES = new Set<CheckSample['fetch']>(['str', 'int', 'be_name', 'srv_name', 'var', 'res.hdr', 'res.fhdr'])
const NEEDS_ARG = new Set<CheckSample['fetch']>(['str', 'int', 'var', 'res.hdr', 'res.fhdr'])
const SUPPORTED = "'str(<text>)', 'int(<n>)', 'be_name', 'srv_name', 'var(check.<name>)', 'res.hdr(<name>)' and 'res.fhdr(<name>)' without converters"

/** A sample expression as text, or the reason it cannot be evaluated by a check at the edge. */
export function parseCheckSample(text: string): CheckSample | string {
  const m = /^([a-z_.]+)(?:\((.*)\))?$/.exec(text.trim())
  if (!m) return `'${text}' is not supported in checks yet: they evaluate ${SUPPORTED}`
  const fetch = m[1] as CheckSample['fetch']
  const arg = m[2]
  if (!FETCHES.has(fetch)) return `'${text}' is not supported in checks yet: they evaluate ${SUPPORTED}`
  if (NEEDS_ARG.has(fetch) && (arg === undefined || arg === '')) return `fetch method '${fetch}' expects an argument`
  if (fetch === 'var' && !(arg as string).startsWith('check.')) return `'${text}': only check-scope variables ('check.<name>') are known to checks`
  if (fetch === 'int' && !/^-?\d+$/.test(arg as string)) return `'${text}': 'int' expects an integer`
  return { fetch, ...(arg !== undefined && arg !== '' ? { arg: fetch === 'var' ? (arg as string).slice('check.'.length) : arg } : {}) }
}

/** A log-format string of a check rule: `%[sample]` parts and `%%`; undefined after an error (reported). */
export function parseCheckLogFormat(word: Word, kw: string, cx: KeywordContext): CheckLogFormat | undefined {
  const s = word.text
  const out: (string | CheckSample)[] = []
  let lit = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c !== '%') {
      lit += c
      continue
    }
    if (s[i + 1] === '%') {
      lit += '%'
      i++
      continue
    }
    if (s[i + 1] !== '[') {
      cx.sv.diag.error('not-supported', word.span, `'${kw}' : log-format '${s}' : only %[sample] fields are supported in checks yet`, { help: `use %[...] with ${SUPPORTED}` })
      return undefined
    }
    const close = s.indexOf(']', i + 2)
    if (close < 0) {
      cx.sv.diag.error('invalid-argument', word.span, `'${kw}' : log-format '${s}' : missing ']'`)
      return undefined
    }
    const sample = parseCheckSample(s.slice(i + 2, close))
    if (typeof sample === 'string') {
      cx.sv.diag.error('not-supported', word.span, `'${kw}' : ${sample}`)
      return undefined
    }
    if (lit) out.push(lit)
    lit = ''
    out.push(sample)
    i = close
  }
  if (lit || out.length === 0) out.push(lit)
  return out
}

/** The literal text of a log-format without samples, else undefined. */
export function literalOf(fmt: CheckLogFormat): string | undefined {
  return fmt.every((p) => typeof p === 'string') ? fmt.join('') : undefined
}

/** `set-var(check.<name>) <expr>` / `unset-var(check.<name>)`: the rule, or undefined after an error. */
export function parseVarRule(
  action: 'set-var' | 'unset-var',
  kwWord: Word,
  args: readonly Word[],
  kw: string,
  cx: KeywordContext,
): { readonly step: 'set-var'; readonly name: string; readonly sample: CheckSample } | { readonly step: 'unset-var'; readonly name: string } | undefined {
  const m = /^(?:set-var|unset-var)\(([^)]*)\)$/.exec(kwWord.text)
  const full = m?.[1] ?? ''
  if (!m || !/^[a-z]+\.[A-Za-z0-9_.]+$/.test(full)) {
    cx.sv.diag.error('invalid-argument', kwWord.span, `'${kw}' : expects a variable name in parentheses, e.g. '${action}(check.name)'`)
    return undefined
  }
  if (!full.startsWith('check.')) {
    cx.sv.diag.error('not-supported', kwWord.span, `'${kw}' : '${full}' is not supported in checks yet: only check-scope variables ('check.<name>') are`)
    return undefined
  }
  const name = full.slice('check.'.length)
  if (action === 'unset-var') return { step: 'unset-var', name }
  const expr = args[0]
  if (!expr) {
    cx.sv.diag.error('missing-argument', kwWord.span, `'${kw}' : expects a sample expression`)
    return undefined
  }
  if (args.length > 1) {
    cx.sv.diag.error('not-supported', (args[1] as Word).span, `'${kw}' : conditions and extra words are not supported in checks yet`)
    return undefined
  }
  const sample = parseCheckSample(expr.text)
  if (typeof sample === 'string') {
    cx.sv.diag.error('not-supported', expr.span, `'${kw}' : ${sample}`)
    return undefined
  }
  return { step: 'set-var', name, sample }
}
