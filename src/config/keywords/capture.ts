/**
 * @module
 * Capture slots (cfgparse-listen.c "capture", proxy.c proxy_parse_declare): `capture request
 * header <name> len <n>`, `capture response header <name> len <n>`, `capture cookie <name> len <n>`
 * and `declare capture request|response len <n>`. Each declaration takes the next index of its
 * direction; `http-request capture … len` (src/config/actions/capture.ts) takes one too.
 */
import type { Word } from '../lexer.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

const SECTIONS = ['defaults', 'frontend', 'backend', 'listen'] as const

/** A positive length (`len <n>`), or undefined after reporting an error. */
function length(w: Word | undefined, st: Statement, cx: KeywordContext, what: string): number | undefined {
  if (!w || !/^\d+$/.test(w.text) || Number(w.text) <= 0) {
    cx.sv.diag.error('invalid-argument', (w ?? (st.keyword[0] as Word)).span, `${what}: length must be > 0`, { help: "write 'len <number of characters>'" })
    return undefined
  }
  return Number(w.text)
}

function parseCapture(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  const kw = st.keyword[0] as Word
  if (!p) return
  const [a1, a2, a3, a4, a5] = st.args
  if (a1?.text === 'cookie') {
    if (cx.section === 'defaults') return void cx.sv.diag.error('keyword-out-of-section', kw.span, "'capture cookie' not allowed in 'defaults' section.")
    if (!a2 || a3?.text !== 'len' || !a4) return void cx.sv.diag.error('missing-argument', kw.span, "'capture' expects 'cookie' <cookie_name> 'len' <len>.")
    cx.sv.diag.warning('edge-mapping', kw.span, "'capture cookie' is accepted, but %CC/%CS in logs stay '-' at the edge", {
      help: "capture the cookie with 'http-request capture req.cook(<name>) len <n>' instead",
    })
    return
  }
  const dir = a1?.text === 'request' ? 'request' : a1?.text === 'response' ? 'response' : undefined
  if (!dir || a2?.text !== 'header') return void cx.sv.diag.error('invalid-argument', (a1 ?? kw).span, "'capture' expects 'cookie' or 'request header' or 'response header'.")
  if (cx.section === 'defaults') return void cx.sv.diag.error('keyword-out-of-section', kw.span, `'capture ${dir}' not allowed in 'defaults' section.`)
  if (!a3 || a4?.text !== 'len' || !a5) return void cx.sv.diag.error('missing-argument', kw.span, `'capture ${dir}' expects 'header' <header_name> 'len' <len>.`)
  if (st.args.length > 5) return void cx.sv.diag.error('too-many-arguments', (st.args[5] as Word).span, `'capture ${dir} header' cannot handle unexpected argument '${(st.args[5] as Word).text}'.`)
  const len = length(a5, st, cx, `'capture ${dir} header'`)
  if (len === undefined) return
  if (p.kind === 'backend') {
    cx.sv.diag.warning('useless', kw.span, `'capture' ignored for backend '${p.name}' as it requires frontend capability`)
    return
  }
  p.captures[dir].push({ len, header: a3.text.toLowerCase() })
}

function parseDeclare(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  const kw = st.keyword[0] as Word
  if (!p) return
  if (cx.section === 'defaults') return void cx.sv.diag.error('keyword-out-of-section', kw.span, "'declare' not available in default section")
  if (p.kind === 'backend') return void cx.sv.diag.error('keyword-out-of-section', kw.span, "'declare' only available in frontend or listen section")
  const [what, dirW, lenKw, lenW] = st.args
  if (what?.text !== 'capture') return void cx.sv.diag.error('missing-argument', (what ?? kw).span, "'declare' needs a second keyword that specify the type of declaration ('capture')")
  const dir = dirW?.text === 'request' ? 'request' : dirW?.text === 'response' ? 'response' : undefined
  if (!dir) return void cx.sv.diag.error('missing-argument', (dirW ?? what).span, "'declare capture' requires a direction ('request' or 'response')")
  if (lenKw?.text !== 'len') return void cx.sv.diag.error('missing-argument', (lenKw ?? dirW ?? what).span, "'declare capture' requires a capture length ('len')")
  if (!lenW || !/^\d+$/.test(lenW.text))
    return void cx.sv.diag.error(
      'invalid-argument',
      (lenW ?? lenKw).span,
      `'declare capture': ${lenW ? `cannot parse the length '${lenW.text}'.` : "'len' requires a numeric value that represents the length of the capture"}`,
    )
  const len = length(lenW, st, cx, "'declare capture'")
  if (len === undefined) return
  p.captures[dir].push({ len })
}

export const CAPTURE_KEYWORDS: readonly KeywordDef[] = [
  { name: 'capture', sections: SECTIONS, support: 'yes', parse: parseCapture },
  { name: 'declare', sections: SECTIONS, support: 'yes', parse: parseDeclare },
]
