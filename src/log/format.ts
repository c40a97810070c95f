/**
 * @module
 * Log-format strings for access logs (reference §11.1, HAProxy doc 8.2.4), parsed at runtime from
 * the RouteMap's `log-format` text (the compiler has already checked it) into nodes the renderer
 * walks: literal text, separators (a run of spaces: HAProxy writes one space, and none after
 * another separator or at the start), aliases (`%ci`, `%{+Q}r`…) and sample expressions
 * (`%[src]`). `%{+Q}o` / `%{-Q}o` set the quote flag for every later node, as in HAProxy's CLF
 * format. The built-in formats of `option httplog`, `option httplog clf` and `option tcplog` are
 * the compiler's (src/config/log-format.ts), re-exported here.
 */
import { findClose } from '../config/log-format.ts'
import type { LogFormat } from '../routemap/schema.ts'
import { parseSampleExpr, type SampleExpr } from '../sample/expr.ts'
import type { SampleRegistry } from '../sample/registry.ts'

export { HTTPLOG_CLF_FORMAT, HTTPLOG_FORMAT, TCPLOG_FORMAT } from '../config/log-format.ts'

export type LogNode =
  | { readonly t: 'lit'; readonly text: string }
  | { readonly t: 'sep' }
  | { readonly t: 'alias'; readonly name: string; readonly quote: boolean }
  | { readonly t: 'expr'; readonly expr: SampleExpr; readonly quote: boolean }

/** Aliases HAProxy 2.6 knows (log.c logformat_keywords), longest first for prefix matching. */
const ALIASES = [
  'hsl', 'hrl', 'HPO', 'trg', 'trl', 'tsc', 'sslc', 'sslv', 'ci', 'cp', 'fi', 'fp', 'bi', 'bp', 'si', 'sp', 'ft', 'ST', 'CC', 'CS', 'hr', 'hs', 'ts', 'ac', 'fc', 'bc', 'sc', 'rc', 'sq', 'bq',
  'rt', 'lc', 'HM', 'HP', 'HQ', 'HU', 'HV', 'ID', 'pid', 'Tq', 'Th', 'Ti', 'TR', 'Tw', 'Tc', 'Tr', 'Td', 'Ta', 'Tt', 'Tu', 'Tl', 'Ts', 'ms', 'tr', 'f', 'b', 's', 'B', 'U', 'H', 'r', 'T', 't', 'o',
].sort((a, b) => b.length - a.length)

/** Splits literal text into text and separator nodes. */
function pushLit(out: LogNode[], text: string): void {
  let i = 0
  while (i < text.length) {
    if (text[i] === ' ') {
      while (text[i] === ' ') i++
      out.push({ t: 'sep' })
      continue
    }
    let j = i
    while (j < text.length && text[j] !== ' ') j++
    out.push({ t: 'lit', text: text.slice(i, j) })
    i = j
  }
}

/**
 * Parses a log-format string. Unknown aliases and bad expressions (which the compiler rejects)
 * render as literal text. `registry` is needed for `%[…]`; without it they render as `-`.
 */
export function parseLogFormatText(s: string, registry?: SampleRegistry, loadMap?: (path: string) => { readonly id: string } | { readonly error: string }): LogNode[] {
  const out: LogNode[] = []
  let lit = ''
  let quoteAll = false
  const flush = (): void => {
    if (lit) pushLit(out, lit)
    lit = ''
  }
  let i = 0
  while (i < s.length) {
    const c = s[i] as string
    if (c === '\\' && i + 1 < s.length) {
      lit += s[i + 1]
      i += 2
      continue
    }
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
    let quote: boolean | undefined
    if (s[j] === '{') {
      const close = s.indexOf('}', j)
      if (close < 0) {
        lit += s.slice(i)
        break
      }
      for (const f of s.slice(j + 1, close).split(',')) {
        if (f === '+Q') quote = true
        else if (f === '-Q') quote = false
      }
      j = close + 1
    }
    if (s[j] === '[') {
      const end = findClose(s, j)
      if (end < 0) {
        lit += s.slice(i)
        break
      }
      flush()
      const text = s.slice(j + 1, end)
      const parse = (phase: 'request' | 'response') => (registry ? parseSampleExpr(text, registry, { phase, ...(loadMap ? { loadMap } : {}) }) : undefined)
      // Logs are written at the end: response fetches, and request ones (the request is kept).
      let r = parse('response')
      if (!r?.expr) r = parse('request')
      if (r?.expr) out.push({ t: 'expr', expr: r.expr, quote: quote ?? quoteAll })
      else out.push({ t: 'lit', text: '-' })
      i = end + 1
      continue
    }
    const rest = s.slice(j)
    const name = ALIASES.find((a) => rest.startsWith(a))
    if (!name) {
      lit += s.slice(i, j)
      i = j
      continue
    }
    i = j + name.length
    if (name === 'o') {
      // `%{+Q}o`: a flag for every following node, no output.
      if (quote !== undefined) quoteAll = quote
      continue
    }
    flush()
    out.push({ t: 'alias', name, quote: quote ?? quoteAll })
  }
  flush()
  return out
}

/** Converts a compiled RouteMap LogFormat (the set-header kind) into log nodes. */
export function fromLogFormat(fmt: LogFormat): LogNode[] {
  const out: LogNode[] = []
  for (const p of fmt) {
    if ('lit' in p) pushLit(out, p.lit)
    else if ('alias' in p) out.push({ t: 'alias', name: p.alias, quote: p.quote })
    else out.push({ t: 'expr', expr: p.expr, quote: p.quote })
  }
  return out
}
