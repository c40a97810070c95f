/**
 * @module
 * Log-format strings (doc 8.2.4) as used in header values, redirects and `use_backend`:
 * literals, `%[expr]` sample expressions, `%{+Q}[expr]` with flags, `%ci`-style aliases, `%%`.
 * Also the built-in formats of `option httplog`, `option httplog clf` and `option tcplog`, which
 * the access log (src/log) renders.
 */
import type { LogFormat, LogFormatPart } from '../routemap/schema.ts'
import { exprErrorCode } from './acl.ts'
import { parseSampleExpr } from '../sample/expr.ts'
import type { Phase } from '../sample/types.ts'
import type { Word } from './lexer.ts'
import type { Services } from './services.ts'
import { subSpan } from './source.ts'

/** `option httplog` (log.c HTTP_LOG_FORMAT). */
export const HTTPLOG_FORMAT = '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r'
/** `option httplog clf` (log.c CLF_HTTP_LOG_FORMAT). */
export const HTTPLOG_CLF_FORMAT =
  '%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl'
/** `option tcplog` (log.c TCP_LOG_FORMAT). */
export const TCPLOG_FORMAT = '%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq'

/** Log-format aliases edgeproxy can fill at the edge (doc 8.2.4 table). */
export const LOG_FORMAT_ALIASES = new Set([
  'ci', 'cp', 'fi', 'fp', 'f', 'ft', 'b', 's', 'si', 'sp', 'bi', 'bp', 'H', 'HM', 'HP', 'HQ', 'HU', 'HV',
  'ST', 'T', 't', 'tr', 'trg', 'trl', 'Ts', 'ms', 'pid', 'r', 'ID', 'rt', 'rc', 'Tq', 'Th', 'Ti', 'TR',
  'Tw', 'Tc', 'Tr', 'Ta', 'Tt', 'Tu', 'B', 'U', 'CC', 'CS', 'hr', 'hs', 'hrl', 'hsl', 'ts', 'tsc', 'ac',
  'fc', 'bc', 'sc', 'sq', 'bq', 'lc', 'rt', 'o', 'sslc', 'sslv', 'uniqueid',
])

/**
 * Parses one log-format word. Errors are reported at their position in `word` and the result is
 * undefined. A string with no `%` is a single literal.
 */
export function parseLogFormat(word: Word, phase: Phase, sv: Services): LogFormat | undefined {
  const s = word.text
  const parts: LogFormatPart[] = []
  let lit = ''
  let failed = false
  let globalQuote = false
  let globalHex = false
  const fail = (offset: number, length: number, message: string, help?: string): void => {
    sv.diag.error(exprErrorCode(message), subSpan(word.span, offset, length), message, help ? { help } : undefined)
    failed = true
  }
  let i = 0
  while (i < s.length) {
    const c = s[i] as string
    if (c !== '%') {
      lit += c
      i++
      continue
    }
    if (s[i + 1] === '%') {
      lit += '%'
      i += 2
      continue
    }
    let j = i + 1
    // parse_logformat_var_args: a node's options start from the global ones (`%{…}o`) and each
    // `+F`/`-F` adds or removes one.
    let quote: boolean = globalQuote
    let hex: boolean = globalHex
    if (s[j] === '{') {
      const close = s.indexOf('}', j)
      if (close < 0) {
        fail(i, s.length - i, `missing '}' after '%{' in log-format string '${s}'`)
        return undefined
      }
      const flags = s.slice(j + 1, close).split(',')
      for (const f of flags) {
        if (f === '+Q' || f === '-Q') quote = f === '+Q'
        else if (f === '+X' || f === '-X') hex = f === '+X'
        else if (!/^[+-](Q|X|E|M|S)$/.test(f)) fail(j, close - j + 1, `unknown log-format flag '${f}'`, "flags are '+Q', '-Q', '+X', '+E', '+M', '+S'")
      }
      j = close + 1
    }
    if (s[j] === '[') {
      const end = findClose(s, j)
      if (end < 0) {
        fail(i, s.length - i, `missing ']' after '%[' in log-format string '${s}'`)
        return undefined
      }
      const exprText = s.slice(j + 1, end)
      const r = parseSampleExpr(exprText, sv.registry, { phase, loadMap: sv.loadMap })
      for (const e of r.errors) {
        fail(j + 1 + e.offset, Math.max(1, e.length), e.message, e.suggestion ? `did you mean '${e.suggestion}'?` : undefined)
      }
      if (r.expr) {
        if (lit) parts.push({ lit })
        lit = ''
        parts.push({ expr: r.expr, quote })
      }
      i = end + 1
      continue
    }
    const m = /^[A-Za-z]+/.exec(s.slice(j))
    if (!m) {
      fail(i, 1, `unexpected '%' in log-format string '${s}'`, "write '%%' for a literal percent sign")
      i = j
      continue
    }
    // The longest known alias wins (`%Tq` before `%T`).
    let name = m[0]
    while (name.length > 0 && !LOG_FORMAT_ALIASES.has(name)) name = name.slice(0, -1)
    if (!name) {
      fail(i, m[0].length + 1, `unknown log-format variable '%${m[0]}'`)
      i = j + m[0].length
      continue
    }
    i = j + name.length
    if (name === 'o') {
      // `%{+Q}o`: options for every following node; it writes nothing itself.
      globalQuote = quote
      globalHex = hex
      continue
    }
    if (lit) parts.push({ lit })
    lit = ''
    parts.push({ alias: name, quote, ...(hex ? { hex } : {}) })
  }
  if (lit || parts.length === 0) parts.push({ lit })
  return failed ? undefined : parts
}

/** Index of the `]` closing the `[` at `open`, skipping quoted text and nested brackets. */
export function findClose(s: string, open: number): number {
  let depth = 0
  let quote: string | undefined
  for (let k = open; k < s.length; k++) {
    const c = s[k]
    if (quote) {
      if (c === '\\') k++
      else if (c === quote) quote = undefined
      continue
    }
    if (c === '"' || c === "'") quote = c
    else if (c === '[') depth++
    else if (c === ']') {
      depth--
      if (depth === 0) return k
    }
  }
  return -1
}

/** True when the format is one literal (no per-request work). */
export function isLiteral(fmt: LogFormat): fmt is readonly [{ lit: string }] {
  return fmt.length === 1 && 'lit' in (fmt[0] as LogFormatPart)
}
