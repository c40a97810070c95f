/**
 * @module
 * Log-format strings (doc 8.2.4): literals, `%[expr]` sample expressions, `%{+Q}[expr]` with
 * flags, `%ci`-style variables, `%%`. The one parser of them: header values, redirects,
 * `use_backend` and the access log (`log-format`, `option httplog`) are all compiled here into a
 * RouteMap LogFormat; the Worker only renders. Variable names are those of src/routemap/log-vars.ts,
 * matched whole as HAProxy 2.6 does (log.c parse_logformat_var: a letter, then letters and digits;
 * `%Tdx` is an unknown variable, not `%Td` and `x`).
 */
import type { LogFormat, LogFormatPart } from '../routemap/schema.ts'
import { exprErrorCode } from './acl.ts'
import { isLogVar } from '../routemap/log-vars.ts'
import { parseSampleExpr, type ParseExprOptions } from '../sample/expr.ts'
import { defaultRegistry } from '../sample/index.ts'
import type { SampleRegistry } from '../sample/registry.ts'
import type { Phase } from '../sample/types.ts'
import type { Word } from './lexer.ts'
import type { Services } from './services.ts'
import { subSpan } from './source.ts'

/** An error at `offset` (length `length`) in the format text. */
type Fail = (offset: number, length: number, message: string, help?: string) => void

/**
 * Parses one log-format word. Errors are reported at their position in `word` and the result is
 * undefined. A string with no `%` is a single literal.
 */
export function parseLogFormat(word: Word, phase: Phase, sv: Services): LogFormat | undefined {
  let failed = false
  const fail: Fail = (offset, length, message, help) => {
    sv.diag.error(exprErrorCode(message), subSpan(word.span, offset, length), message, help ? { help } : undefined)
    failed = true
  }
  const parts = parseText(word.text, sv.registry, { phase, loadMap: sv.loadMap }, fail)
  return failed ? undefined : parts
}

/**
 * Parses a format the compiler wrote itself (`option httplog`) or a test's: the same parser with
 * no diagnostics. Throws on an error.
 */
export function parseLogFormatText(text: string, registry: SampleRegistry = defaultRegistry, opts: ParseExprOptions = { phase: 'response' }): LogFormat {
  const errors: string[] = []
  const parts = parseText(text, registry, opts, (offset, _length, message) => errors.push(`${offset}: ${message}`))
  if (!parts || errors.length > 0) throw new Error(`invalid log-format '${text}': ${errors.join('; ')}`)
  return parts
}

function parseText(s: string, registry: SampleRegistry, opts: ParseExprOptions, fail: Fail): LogFormat | undefined {
  const parts: LogFormatPart[] = []
  let lit = ''
  let globalQuote = false
  let globalHex = false
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
    const flagged = s[j] === '{'
    if (flagged) {
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
      const r = parseSampleExpr(exprText, registry, opts)
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
    // A name starts with a letter (after `%{…}`, a letter or a digit) and goes on with letters
    // and digits; it must be a whole variable name.
    const m = (flagged ? /^[A-Za-z0-9]+/ : /^[A-Za-z][A-Za-z0-9]*/).exec(s.slice(j))
    if (!m) {
      fail(i, 1, `unexpected '%' in log-format string '${s}'`, "write '%%' for a literal percent sign")
      i = j
      continue
    }
    const name = m[0]
    i = j + name.length
    if (name === 'o') {
      // `%{+Q}o`: options for every following node; it writes nothing itself.
      globalQuote = quote
      globalHex = hex
      continue
    }
    if (!isLogVar(name)) {
      fail(j - (flagged ? 0 : 1), name.length + (flagged ? 0 : 1), `unknown log-format variable '%${name}'`, "write '%%' for a literal percent sign")
      continue
    }
    if (lit) parts.push({ lit })
    lit = ''
    parts.push({ alias: name, quote, ...(hex ? { hex } : {}) })
  }
  if (lit || parts.length === 0) parts.push({ lit })
  return parts
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
