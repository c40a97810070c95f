/**
 * @module
 * The rule parts shared by `tcp-check` and `http-check` (tcpcheck.c `parse_tcpcheck_connect`,
 * `parse_tcpcheck_expect`, `tcpcheck_add_http_rule`): connect options, expect patterns with
 * their options (`min-recv`, `ok-status`, `error-status`, `tout-status`, literal `on-success` /
 * `on-error`, `!`), header expectations (`hdr`/`fhdr name [-m meth] <pat> [value [-m meth] <pat>]`),
 * and how an http-check rule joins the list (the `option httpchk` request merged into the first
 * explicit send, HAProxy's ordering errors).
 */
import type { CheckLogFormat, HeaderMatch, HttpCheckExpect, HttpCheckStep, TcpCheckConnect } from '../../routemap/schema.ts'
import { literalOf, parseCheckLogFormat } from './check-vars.ts'
import type { Word } from '../lexer.ts'
import { parseHostPort } from '../values.ts'
import type { KeywordContext, Statement } from './types.ts'
import { compileRegex } from '../../util/regex/index.ts'

/** TLS/protocol settings of a check connection the Workers runtime chooses itself. */
const EDGE_CONNECT_OPTS = new Set(['sni', 'alpn', 'proto'])

/** Parses `connect` options. undefined after an error. */
export function parseConnect(st: Statement, cx: KeywordContext): TcpCheckConnect | undefined {
  const kw = st.keyword.map((k) => k.text).join(' ')
  let port: number | undefined
  let addr: string | undefined
  let ssl = false
  let dflt = false
  for (let i = 0; i < st.args.length; i++) {
    const w = st.args[i] as Word
    if (w.text === 'port') {
      const v = st.args[++i]
      if (!v || !/^\d+$/.test(v.text) || Number(v.text) < 1 || Number(v.text) > 65535) {
        cx.sv.diag.error('invalid-argument', (v ?? w).span, `'${kw}' : 'port' expects a valid TCP port (from range 1 to 65535)${v ? `, got ${v.text}` : ''}`, {
          help: 'sample expressions as ports are not supported at the edge',
        })
        return undefined
      }
      port = Number(v.text)
    } else if (w.text === 'addr') {
      const v = st.args[++i]
      const r = v ? parseHostPort(v.text, { allowRange: false, allowOffset: false, requirePort: false }) : undefined
      if (!v || !r?.ok || (r.value.family !== 'ipv4' && r.value.family !== 'ipv6')) {
        cx.sv.diag.error('invalid-argument', (v ?? w).span, `'${kw}' : 'addr' expects <ipv4|ipv6> as argument.`)
        return undefined
      }
      addr = r.value.host
      if (r.value.port !== undefined) port = r.value.port
    } else if (w.text === 'ssl') ssl = true
    else if (w.text === 'default') dflt = true
    else if (w.text === 'linger') continue
    else if (w.text === 'comment') {
      if (!st.args[++i]) {
        cx.sv.diag.error('missing-argument', w.span, `'${kw}' : 'comment' expects a string as argument.`)
        return undefined
      }
    } else if (EDGE_CONNECT_OPTS.has(w.text)) {
      if (!st.args[++i]) {
        cx.sv.diag.error('missing-argument', w.span, `'${kw}' : '${w.text}' expects an argument.`)
        return undefined
      }
      cx.sv.diag.warning('edge-mapping', w.span, `'${kw}' : '${w.text}' is ignored at the edge: the Workers runtime negotiates the check connection's TLS and protocol itself`)
    } else if (w.text === 'send-proxy' || w.text === 'via-socks4') {
      cx.sv.diag.error('not-supported', w.span, `'${kw}' : '${w.text}' is not supported: the PROXY protocol and SOCKS4 do not exist at the edge`, {
        help: "remove it; checks connect to the server's address directly",
      })
      return undefined
    } else {
      cx.sv.diag.error('invalid-argument', w.span, `'${kw}' expects 'comment', 'port', 'addr', 'send-proxy', 'via-socks4', 'ssl', 'sni', 'alpn', 'proto' or 'linger' but got '${w.text}' as argument.`)
      return undefined
    }
  }
  return { step: 'connect', ...(port !== undefined ? { port } : {}), ...(addr !== undefined ? { addr } : {}), ssl, ...(dflt ? { default: true } : {}) }
}

export interface ParsedExpect {
  readonly kind: string
  readonly negate: boolean
  readonly pattern: string
  readonly word: Word
  readonly nameMatch?: HeaderMatch
  readonly value?: { readonly match: HeaderMatch; readonly pattern: string }
  readonly nameLf?: CheckLogFormat
  readonly valueLf?: CheckLogFormat
  readonly minRecv?: number
  readonly okStatus?: string
  readonly errorStatus?: string
  readonly toutStatus?: string
  readonly onSuccess?: string
  readonly onError?: string
}

const OK_STATUSES = ['L7OK', 'L7OKC', 'L6OK', 'L4OK']
const ERROR_STATUSES = ['L7RSP', 'L7STS', 'L6RSP', 'L4CON']
const TOUT_STATUSES = ['L7TOUT', 'L6TOUT', 'L4TOUT']
const STATUS_OPTS: Readonly<Record<string, { readonly key: 'okStatus' | 'errorStatus' | 'toutStatus'; readonly allowed: readonly string[] }>> = {
  'ok-status': { key: 'okStatus', allowed: OK_STATUSES },
  'error-status': { key: 'errorStatus', allowed: ERROR_STATUSES },
  'tout-status': { key: 'toutStatus', allowed: TOUT_STATUSES },
}
const MATCHES: readonly HeaderMatch[] = ['str', 'beg', 'end', 'sub', 'reg']

/** Checks a regex on the linear-time engine (src/util/regex): a syntax error, or a construct that needs backtracking. */
function validRegex(pat: Word, kw: string, cx: KeywordContext): boolean {
  const r = compileRegex(pat.text)
  if (r.ok) return true
  const what = r.refusal ? `cannot be used at the edge: ${r.error}` : `is invalid (${r.error})`
  cx.sv.diag.error('invalid-regex', pat.span, `'${kw}' : regex '${pat.text}' ${what}`)
  return false
}

/**
 * `[!] <kind> <pattern>` with options, after http-check/tcp-check expect. `kinds` are the
 * matching methods of this rule set; `unsupported` the ones known to HAProxy the edge lacks.
 */
export function parseExpect(st: Statement, cx: KeywordContext, kinds: readonly string[], unsupported: readonly string[]): ParsedExpect | undefined {
  const kw = st.keyword.map((k) => k.text).join(' ')
  let negate = false
  let found: Omit<ParsedExpect, 'negate'> | undefined
  const opts: { -readonly [K in 'minRecv' | 'okStatus' | 'errorStatus' | 'toutStatus' | 'onSuccess' | 'onError']?: ParsedExpect[K] } = {}
  const args = st.args
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as Word
    let text = w.text
    if (text.startsWith('!')) {
      while (text.startsWith('!')) {
        negate = !negate
        text = text.slice(1)
      }
      if (text === '') continue
    }
    const next = args[i + 1]
    if (text === 'comment') {
      i++
      continue
    }
    if (text === 'min-recv') {
      if (!next || !/^-?\d+$/.test(next.text) || Number(next.text) < -1) {
        cx.sv.diag.error('invalid-argument', (next ?? w).span, `'${kw}' : 'min-recv' expects -1 or an integer from 0 to INT_MAX`)
        return undefined
      }
      opts.minRecv = Number(next.text)
      i++
      continue
    }
    const so = STATUS_OPTS[text]
    if (so) {
      const v = next?.text.toUpperCase()
      if (!v || !so.allowed.includes(v)) {
        cx.sv.diag.error('invalid-argument', (next ?? w).span, `'${kw}' : '${text}' only supports ${so.allowed.map((s) => `'${s}'`).join(', ')} status (got '${next?.text ?? ''}').`)
        return undefined
      }
      opts[so.key] = v
      i++
      continue
    }
    if (text === 'on-success' || text === 'on-error') {
      if (!next) {
        cx.sv.diag.error('missing-argument', w.span, `'${kw}' : '${text}' expects a string as argument`)
        return undefined
      }
      if (next.text.includes('%')) {
        cx.sv.diag.error('not-supported', next.span, `'${kw}' : a log-format '${text}' message is not supported yet`, { help: 'write a fixed message without %[...] or %x fields' })
        return undefined
      }
      opts[text === 'on-success' ? 'onSuccess' : 'onError'] = next.text
      i++
      continue
    }
    if (text === 'status-code') {
      cx.sv.diag.error('not-supported', w.span, `'${kw}' : 'status-code' (a sample expression) is not supported yet`, { help: 'checks report the response status code' })
      return undefined
    }
    if (found) {
      cx.sv.diag.error('invalid-argument', w.span, `'${kw}' : only on pattern expected (got '${text}')`)
      return undefined
    }
    if (unsupported.includes(text)) {
      cx.sv.diag.error('not-supported', w.span, `'${kw} ${text}' is not supported yet`, { help: `use ${kinds.map((k) => `'${k}'`).join(', ')}` })
      return undefined
    }
    if (!kinds.includes(text)) {
      cx.sv.diag.error('invalid-argument', w.span, `'${kw}' only supports ${[...kinds, ...unsupported].map((k) => `'${k}'`).join(', ')} as matching methods (got '${text}')`)
      return undefined
    }
    if (text === 'hdr' || text === 'fhdr') {
      const h = parseHeaderExpect(args, i, text, kw, cx)
      if (!h) return undefined
      found = h.expect
      i = h.end
      continue
    }
    if (!next) {
      cx.sv.diag.error('missing-argument', w.span, `'${kw} ${text}' expects <pattern> as an argument`)
      return undefined
    }
    if (text.startsWith('r') && !validRegex(next, kw, cx)) return undefined
    found = { kind: text, pattern: next.text, word: next }
    i++
  }
  if (!found) {
    cx.sv.diag.error('missing-argument', st.span, `'${kw}' expects a matching method and a pattern`)
    return undefined
  }
  return { ...found, negate, ...opts }
}

/** `hdr|fhdr name [-m meth] <pattern> [value [-m meth] <pattern>]` starting at args[at]. */
function parseHeaderExpect(args: readonly Word[], at: number, kind: string, kw: string, cx: KeywordContext): { expect: Omit<ParsedExpect, 'negate'>; end: number } | undefined {
  let i = at + 1
  const nameKw = args[i]
  if (!nameKw || !args[i + 1] || (nameKw.text !== 'name' && nameKw.text !== 'name-lf')) {
    cx.sv.diag.error('invalid-argument', (nameKw ?? (args[at] as Word)).span, `'${kind}' expects at the name keyword as first argument followed by a pattern`)
    return undefined
  }
  const nameIsLf = nameKw.text === 'name-lf'
  i++
  const meth = (): HeaderMatch | undefined | null => {
    if (args[i]?.text !== '-m') return 'str'
    const m = args[i + 1]
    if (!m || !MATCHES.includes(m.text as HeaderMatch)) {
      cx.sv.diag.error('invalid-argument', (m ?? (args[i] as Word)).span, `'${kind}' : '-m' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got '${m?.text ?? ''}')`)
      return null
    }
    i += 2
    return m.text as HeaderMatch
  }
  const nameMatch = meth()
  if (!nameMatch) return undefined
  const namePat = args[i]
  if (!namePat) {
    cx.sv.diag.error('missing-argument', (args[i - 1] as Word).span, `'${kind}' expects at the name keyword as first argument followed by a pattern`)
    return undefined
  }
  if (nameIsLf && nameMatch === 'reg') {
    cx.sv.diag.error('invalid-argument', namePat.span, `'${kind}': log-format string is not supported with a regex matching method`)
    return undefined
  }
  if (nameMatch === 'reg' && !validRegex(namePat, kw, cx)) return undefined
  const nameLf = nameIsLf ? parseCheckLogFormat(namePat, kw, cx) : undefined
  if (nameIsLf && !nameLf) return undefined
  const nameLit = nameLf ? literalOf(nameLf) : namePat.text
  const base = { kind, pattern: nameLit ?? '', word: namePat, ...(nameMatch !== 'str' ? { nameMatch } : {}), ...(nameLf && nameLit === undefined ? { nameLf } : {}) }
  const valueKw = args[i + 1]
  if (!valueKw || (valueKw.text !== 'value' && valueKw.text !== 'value-lf')) return { expect: base, end: i }
  const valueIsLf = valueKw.text === 'value-lf'
  i += 2
  const valueMatch = meth()
  if (!valueMatch) return undefined
  const valuePat = args[i]
  if (!valuePat) {
    cx.sv.diag.error('missing-argument', valueKw.span, `'${kind}' expect a pattern with the value keyword`)
    return undefined
  }
  if (valueIsLf && valueMatch === 'reg') {
    cx.sv.diag.error('invalid-argument', valuePat.span, `'${kind}': log-format string is not supported with a regex matching method`)
    return undefined
  }
  if (valueMatch === 'reg' && !validRegex(valuePat, kw, cx)) return undefined
  const valueLf = valueIsLf ? parseCheckLogFormat(valuePat, kw, cx) : undefined
  if (valueIsLf && !valueLf) return undefined
  const valueLit = valueLf ? literalOf(valueLf) : valuePat.text
  return { expect: { ...base, value: { match: valueMatch, pattern: valueLit ?? '' }, ...(valueLf && valueLit === undefined ? { valueLf } : {}) }, end: i }
}

/** The HttpCheckExpect of a parsed `http-check expect`. */
export function httpExpectOf(ex: ParsedExpect): HttpCheckExpect {
  const { word: _w, kind, ...rest } = ex
  return { ...rest, kind: kind as HttpCheckExpect['kind'] }
}

type SendStep = Extract<HttpCheckStep, { step: 'send' }>

/** tcpcheck.c `tcpcheck_overwrite_send_http_rule`: the fields `next` sets replace those of `old`; headers always do. */
function overwriteSend(old: SendStep, next: SendStep): SendStep {
  const { implicit: _i, lf: _lf, ...base } = old
  const uri = next.uri !== undefined ? next.lf?.uri : old.lf?.uri
  const body = next.body !== undefined ? next.lf?.body : old.lf?.body
  const headers = next.lf?.headers
  return {
    ...base,
    ...(uri || body || headers ? { lf: { ...(uri ? { uri } : {}), ...(body ? { body } : {}), ...(headers ? { headers } : {}) } } : {}),
    ...(next.method !== undefined ? { method: next.method } : {}),
    ...(next.uri !== undefined ? { uri: next.uri } : {}),
    ...(next.version !== undefined ? { version: next.version } : {}),
    headers: next.headers,
    ...(next.body !== undefined ? { body: next.body } : {}),
  }
}

/** The `option httpchk` request joins the rules (first send after an optional connect). */
export function addOptionSend(steps: readonly HttpCheckStep[], send: SendStep): HttpCheckStep[] {
  const out = [...steps]
  const rules = out.map((s, i) => [s, i] as const).filter(([s]) => !isVarStep(s))
  const first = rules[0]
  const [r, at] = first?.[0].step === 'connect' ? (rules[1] ?? [undefined, -1]) : (first ?? [undefined, -1])
  if (r?.step !== 'send') out.unshift({ ...send, implicit: true })
  else if (r.implicit) {
    out.splice(at, 1)
    out.unshift({ ...send, implicit: true })
  } else out[at] = overwriteSend(r, send)
  return out
}

function isVarStep(s: HttpCheckStep | undefined): boolean {
  return s?.step === 'set-var' || s?.step === 'unset-var'
}

/**
 * An explicit http-check rule joins the list, or an error message (HAProxy's wording) when the
 * ruleset would be invalid: a send needs a connect before it (unless it is the first rule), an
 * expect a send or expect, a connect an expect.
 */
export function addHttpRule(steps: readonly HttpCheckStep[], rule: HttpCheckStep, validate: boolean): HttpCheckStep[] | string {
  if (rule.step === 'connect') {
    const bad = firstStepError(steps.filter((s) => !(s.step === 'send' && s.implicit) && !isVarStep(s)))
    if (bad) return bad
  }
  // Before `option httpchk`, HAProxy keeps the rules as written (proxy_parse_httpcheck); actions are never checked.
  if (!validate || isVarStep(rule)) return [...steps, rule]
  const rules = steps.filter((s) => !isVarStep(s))
  const last = rules[rules.length - 1]
  const index = steps.filter((s) => !(s.step === 'send' && s.implicit)).length + 1
  if (last && !(last.step === 'send' && last.implicit)) {
    if (last.step !== 'connect' && rule.step === 'send') return `unable to add http-check send rule at step ${index} (missing connect rule).`
    if (last.step !== 'send' && last.step !== 'expect' && rule.step === 'expect') return `unable to add http-check expect rule at step ${index} (missing send rule).`
    if (last.step !== 'expect' && rule.step === 'connect') return `unable to add http-check connect rule at step ${index} (missing expect rule).`
  }
  const out = [...steps]
  if (rule.step === 'send') {
    const first = rules[0]
    if (first?.step === 'send' && first.implicit) {
      out.splice(out.indexOf(first), 1)
      out.push(overwriteSend(first, rule))
      return out
    }
  }
  out.push(rule)
  return out
}

/** parse_tcpcheck_connect: once rules exist, the first one must be a connect. */
export function firstStepError(steps: readonly { readonly step: string }[]): string | undefined {
  const first = steps[0]
  if (!first || first.step === 'connect') return undefined
  return "first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset."
}
