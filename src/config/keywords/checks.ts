/**
 * @module
 * Health-check configuration (reference §3.1): `option httpchk` (all forms), `http-check connect|
 * send|expect|disable-on-404|send-state|comment` (every rule kept in order, the `option httpchk`
 * request merged into the first send as HAProxy does), `option tcp-check` + `tcp-check connect|
 * send|expect`, `option mysql-check`, and the other protocol checks. The check itself runs in the
 * HealthMonitor Durable Object (src/health); here the spec is validated and compiled. Forms the
 * RouteMap cannot carry (log-format payloads and messages, check variables, `status-code`
 * expressions) are rejected as not supported yet rather than dropped. Shared rule parsing is in
 * check-rules.ts.
 */
import type { CheckLogFormat, CheckSpec, HttpCheck, HttpCheckStep, TcpCheckStep } from '../../routemap/schema.ts'
import { literalOf, parseCheckLogFormat, parseVarRule } from './check-vars.ts'
import { addHttpRule, addOptionSend, firstStepError, httpExpectOf, parseConnect, parseExpect } from './check-rules.ts'
import type { Word } from '../lexer.ts'
import { arity } from './args.ts'
import { BE_SECTIONS, type KeywordContext, type KeywordDef, type Statement } from './types.ts'

/** An HTTP token (RFC 9110 5.6.2): what fetch() can send as a method. HAProxy 2.6 sends any word. */
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function base(cx: KeywordContext): CheckSpec {
  const cur = cx.proxy?.check
  return cur ?? { type: 'tcp', disableOn404: false, sendState: false }
}

const DEFAULT_HTTP: HttpCheck = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] }

/** The http-check rules so far. */
function stepsOf(http: HttpCheck | undefined): HttpCheckStep[] {
  return [...(http?.steps ?? [])]
}

/**
 * Sections that have their own http-check rule set. HAProxy names the set after the section:
 * a section's first `option httpchk` or `http-check` rule starts a new, empty set instead of
 * adding to the one inherited from `defaults`.
 */
const ownRules = new WeakSet<object>()

/** The section's rules: the inherited ones are dropped when it starts its own set. */
function ownSteps(cx: KeywordContext, http: HttpCheck | undefined): HttpCheckStep[] {
  const p = cx.proxy
  if (!p) return []
  if (ownRules.has(p)) return stepsOf(http)
  ownRules.add(p)
  return []
}

/**
 * The HttpCheck with `steps`, its summary fields (first send, last expect) kept for readers of
 * the single-request form.
 */
function withSteps(cur: CheckSpec, steps: HttpCheckStep[]): CheckSpec {
  const send = steps.find((s) => s.step === 'send')
  const expects = steps.filter((s) => s.step === 'expect')
  const expect = expects[expects.length - 1]?.expect
  const http: HttpCheck = {
    method: send?.method ?? DEFAULT_HTTP.method,
    uri: send?.uri ?? DEFAULT_HTTP.uri,
    version: send?.version ?? DEFAULT_HTTP.version,
    headers: send?.headers ?? [],
    ...(send?.body !== undefined ? { body: send.body } : {}),
    ...(expect ? { expect } : {}),
    steps,
    ...(cur.http?.option ? { option: true } : {}),
  }
  return { ...cur, http }
}

function parseHttpchk(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  if (st.prefix === 'no') {
    delete p.check
    return
  }
  if (!arity(st, cx.sv, 0, 4, '[<method>] [<uri>] [<version>] [<host>]')) return
  const a = st.args.map((w) => w.text)
  let method: string | undefined
  let uri: string | undefined
  let version: string | undefined
  if (a.length === 1) uri = a[0] as string
  else if (a.length >= 2) {
    method = a[0] as string
    uri = a[1] as string
    if (a[2] !== undefined) version = a[2]
  }
  const headers: [string, string][] = []
  if (a[3] !== undefined) headers.push(['host', a[3]])
  let body: string | undefined
  if (version !== undefined && /[\r\n]/.test(version)) {
    cx.sv.diag.warning(
      'deprecated',
      (st.args[2] as Word).span,
      "'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.",
    )
    const cut = version.indexOf('\r\n\r\n')
    if (cut >= 0) {
      body = version.slice(cut + 4)
      version = version.slice(0, cut)
    }
    const [ver, ...rest] = version.split(/\r?\n/)
    version = ver ?? 'HTTP/1.0'
    for (const line of rest) {
      const m = /^([^:]+):\s*(.*)$/.exec(line)
      if (m) headers.push([(m[1] as string).toLowerCase(), m[2] as string])
    }
  }
  if (method !== undefined && !METHOD.test(method)) {
    cx.sv.diag.error('invalid-argument', (st.args[0] as Word).span, `'option httpchk' : invalid method '${method}': the edge sends checks with fetch(), which takes an HTTP token only`, {
      help: "use a method made of letters, digits and !#$%&'*+-.^_`|~ (GET, HEAD, OPTIONS…)",
    })
    return
  }
  if (version !== undefined && !/^HTTP\/\d\.\d$/.test(version)) {
    cx.sv.diag.error('invalid-argument', (st.args[2] as Word).span, `'option httpchk' : invalid HTTP version '${version}' (expects HTTP/1.0 or HTTP/1.1)`)
    return
  }
  const prev = base(cx)
  const send: SendStep = {
    step: 'send',
    ...(method !== undefined ? { method } : {}),
    ...(uri !== undefined ? { uri } : {}),
    ...(version !== undefined ? { version } : {}),
    headers,
    ...(body !== undefined ? { body } : {}),
  }
  const steps = addOptionSend(ownSteps(cx, prev.http), send)
  const next = withSteps({ ...prev, type: 'http' }, steps)
  p.check = { ...next, http: { ...(next.http as HttpCheck), option: true } }
  p.checkSpan = st.span
}

type SendStep = Extract<HttpCheckStep, { step: 'send' }>

/** `http-check send` arguments as a send rule; undefined after an error. */
function parseSend(st: Statement, cx: KeywordContext): SendStep | undefined {
  let method: string | undefined
  let uri: string | undefined
  let version: string | undefined
  let body: string | undefined
  const headers: [string, string][] = []
  const lf: { uri?: CheckLogFormat; body?: CheckLogFormat } = {}
  const lfHeaders: [string, CheckLogFormat][] = []
  for (let i = 0; i < st.args.length; i++) {
    const w = st.args[i] as Word
    const v = st.args[i + 1]
    const need = (): boolean => {
      if (!v) cx.sv.diag.error('missing-argument', w.span, `'http-check send' : '${w.text}' expects an argument`)
      return !!v
    }
    if (w.text === 'meth') {
      if (!need()) return undefined
      method = (v as Word).text
    } else if (w.text === 'uri-lf' || w.text === 'body-lf') {
      if (!need()) return undefined
      const fmt = parseCheckLogFormat(v as Word, 'http-check send', cx)
      if (!fmt) return undefined
      const lit = literalOf(fmt)
      if (w.text === 'uri-lf') {
        uri = lit ?? ''
        if (lit === undefined) lf.uri = fmt
      } else {
        body = lit ?? ''
        if (lit === undefined) lf.body = fmt
      }
    } else if (w.text === 'uri') {
      if (!need()) return undefined
      uri = (v as Word).text
    } else if (w.text === 'ver') {
      if (!need()) return undefined
      version = (v as Word).text
    } else if (w.text === 'body') {
      if (!need()) return undefined
      body = (v as Word).text
    } else if (w.text === 'comment') {
      if (!need()) return undefined
    } else if (w.text === 'hdr') {
      const val = st.args[i + 2]
      if (!v || !val) {
        cx.sv.diag.error('missing-argument', w.span, "'http-check send' : 'hdr' expects <name> and <value> as arguments")
        return undefined
      }
      // Header values are log-format strings.
      const fmt = val.text.includes('%') ? parseCheckLogFormat(val, 'http-check send', cx) : [val.text]
      if (!fmt) return undefined
      headers.push([v.text.toLowerCase(), literalOf(fmt) ?? ''])
      lfHeaders.push([v.text.toLowerCase(), fmt])
      i++
    } else {
      cx.sv.diag.error('invalid-argument', w.span, `'http-check send' expects 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body', 'body-lf' or 'comment' but got '${w.text}' as argument.`)
      return undefined
    }
    i++
  }
  return {
    step: 'send',
    ...(method !== undefined ? { method } : {}),
    ...(uri !== undefined ? { uri } : {}),
    ...(version !== undefined ? { version } : {}),
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(lf.uri || lf.body || lfHeaders.some(([, f]) => literalOf(f) === undefined) ? { lf: { ...lf, ...(lfHeaders.some(([, f]) => literalOf(f) === undefined) ? { headers: lfHeaders } : {}) } } : {}),
  }
}

function parseHttpCheck(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const sub = st.keyword[1]?.text.replace(/\(.*$/, '')
  const cur: CheckSpec = base(cx)
  // Without `option httpchk` (yet) HAProxy keeps the rules unchecked and unused (proxy_parse_httpcheck).
  const active = cur.type === 'http' && cur.http?.option === true
  if (sub === 'disable-on-404') {
    if (arity(st, cx.sv, 0, 0, '(no arguments)')) p.check = { ...withSteps(cur, stepsOf(cur.http)), disableOn404: true }
    return
  }
  if (sub === 'send-state') {
    if (arity(st, cx.sv, 0, 0, '(no arguments)')) p.check = { ...withSteps(cur, stepsOf(cur.http)), sendState: true }
    return
  }
  if (sub === 'comment') return
  let rule: HttpCheckStep | undefined
  if (sub === 'set-var' || sub === 'unset-var') rule = parseVarRule(sub, st.keyword[1] as Word, st.args, `http-check ${sub}`, cx)
  else if (sub === 'send') rule = parseSend(st, cx)
  else if (sub === 'connect') rule = parseConnect(st, cx)
  else if (sub === 'expect') {
    const ex = parseExpect(st, cx, ['status', 'rstatus', 'string', 'rstring', 'hdr', 'fhdr'], ['string-lf'])
    if (!ex) return
    if (ex.kind === 'status') {
      for (const part of ex.pattern.split(',')) {
        if (!/^\d{3}(-\d{3})?$/.test(part)) {
          cx.sv.diag.error('invalid-argument', ex.word.span, `'http-check expect status' : invalid status code or range '${part}'`, {
            help: "write codes and ranges separated by commas, e.g. '200,201,300-310'",
          })
          return
        }
      }
    }
    rule = { step: 'expect', expect: httpExpectOf(ex) }
  } else {
    cx.sv.diag.error(
      'unknown-keyword',
      st.keyword[1]?.span ?? st.span,
      `'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect' and 'set-var' (got '${sub ?? ''}')`,
    )
    return
  }
  if (!rule) return
  const steps = addHttpRule(ownSteps(cx, cur.http), rule, active)
  if (typeof steps === 'string') {
    cx.sv.diag.error('invalid-argument', st.span, `'http-check ${sub}' : ${steps}`, {
      help: "each 'http-check send' after the first needs an 'http-check connect' before it, and each connect an expect before it",
    })
    return
  }
  p.check = withSteps(cur, steps)
}

function parseTcpCheckOption(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  if (st.prefix === 'no') {
    delete p.check
    return
  }
  if (!arity(st, cx.sv, 0, 0, '(no arguments)')) return
  const prev = p.check?.type === 'tcp' ? p.check : undefined
  p.check = { type: 'tcp', disableOn404: false, sendState: false, tcpSteps: prev?.tcpSteps ?? [] }
  p.checkSpan = st.span
}

function parseTcpCheck(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const sub = st.keyword[1]?.text
  const cur = p.check?.type === 'tcp' ? p.check : { type: 'tcp' as const, disableOn404: false, sendState: false }
  const steps: TcpCheckStep[] = [...(cur.tcpSteps ?? [])]
  if (sub === 'connect') {
    const c = parseConnect(st, cx)
    if (!c) return
    const bad = firstStepError(steps)
    if (bad) {
      cx.sv.diag.error('invalid-argument', st.span, `'tcp-check connect' : ${bad}`, { help: "start the rules with 'tcp-check connect'" })
      return
    }
    steps.push(c)
  } else if (sub === 'send' || sub === 'send-binary') {
    const data = st.args[0]
    if (!data) {
      cx.sv.diag.error('missing-argument', st.span, `'tcp-check ${sub}' expects a <data> argument`)
      return
    }
    const binary = sub === 'send-binary'
    if (binary && !/^([0-9a-fA-F]{2})*$/.test(data.text)) {
      cx.sv.diag.error('invalid-argument', data.span, `'tcp-check ${sub}' expects hexadecimal data (got '${data.text}')`)
      return
    }
    steps.push({ step: 'send', data: data.text, binary })
  } else if (sub === 'expect') {
    const ex = parseExpect(st, cx, ['string', 'rstring', 'binary', 'rbinary'], ['string-lf', 'binary-lf'])
    if (!ex) return
    const { word: _w, kind, nameMatch: _n, value: _v, ...rest } = ex
    steps.push({ step: 'expect', ...rest, kind: kind as 'string' | 'rstring' | 'binary' | 'rbinary' })
  } else if (sub === 'comment') {
    return
  } else {
    cx.sv.diag.error('unknown-keyword', st.keyword[1]?.span ?? st.span, `'tcp-check' expects 'comment', 'connect', 'send', 'send-binary', 'expect' or 'set-var' (got '${sub ?? ''}')`)
    return
  }
  p.check = { ...cur, type: 'tcp', tcpSteps: steps }
}

function parseMysqlCheck(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 0, 3, '[user <username> [{post-41|pre-41|post-80}]]')) return
  const [kw, user, variant] = st.args
  if (kw && kw.text !== 'user') {
    cx.sv.diag.error('invalid-argument', kw.span, `'option mysql-check' only supports optional values: 'user' (got '${kw.text}')`)
    return
  }
  if (kw && !user) {
    cx.sv.diag.error('missing-argument', kw.span, "'option mysql-check user' expects <username> as argument")
    return
  }
  if (variant && !['post-41', 'pre-41', 'post-80'].includes(variant.text)) {
    cx.sv.diag.error('invalid-argument', variant.span, `'option mysql-check user ${user?.text ?? ''}' only supports 'post-41', 'pre-41' and 'post-80' (got '${variant.text}')`)
    return
  }
  if (!user) cx.sv.diag.warning('deprecated', st.span, "'option mysql-check' without 'user' only reads the server greeting and may trigger MySQL's max_connect_errors host blocking")
  p.check = {
    type: 'mysql',
    disableOn404: false,
    sendState: false,
    ...(user ? { mysqlUser: user.text } : {}),
    mysqlVariant: (variant?.text ?? 'post-41') as 'post-41' | 'pre-41' | 'post-80',
  }
  p.checkSpan = st.span
}

function simpleCheck(type: 'redis' | 'pgsql' | 'smtp' | 'ldap' | 'ssl-hello') {
  return (st: Statement, cx: KeywordContext): void => {
    const p = cx.proxy
    if (!p) return
    // smtpchk [HELO|EHLO <domain>] and pgsql-check [user <name>] take arguments; the others none.
    const usage = type === 'smtp' ? '[{HELO | EHLO} <domain>]' : type === 'pgsql' ? '[user <username>]' : '(no arguments)'
    if (!arity(st, cx.sv, 0, type === 'smtp' || type === 'pgsql' ? 2 : 0, usage)) return
    p.check = { type, disableOn404: false, sendState: false }
    p.checkSpan = st.span
  }
}

const NO_CHECK_VARS = 'tcp-check variables are not supported yet (http-check set-var/unset-var are)'

export const CHECK_KEYWORDS: readonly KeywordDef[] = [
  { name: 'option httpchk', sections: BE_SECTIONS, support: 'yes', parse: parseHttpchk },
  { name: 'http-check send', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check expect', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check disable-on-404', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check send-state', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check connect', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check comment', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check set-var', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check unset-var', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'option tcp-check', sections: BE_SECTIONS, support: 'yes', parse: parseTcpCheckOption },
  { name: 'tcp-check connect', sections: BE_SECTIONS, support: 'yes', parse: parseTcpCheck },
  { name: 'tcp-check send', sections: BE_SECTIONS, support: 'yes', parse: parseTcpCheck },
  { name: 'tcp-check send-binary', sections: BE_SECTIONS, support: 'yes', parse: parseTcpCheck },
  { name: 'tcp-check send-lf', sections: BE_SECTIONS, support: 'no', note: "log-format payloads are not supported: use 'tcp-check send'" },
  { name: 'tcp-check send-binary-lf', sections: BE_SECTIONS, support: 'no', note: "log-format payloads are not supported: use 'tcp-check send-binary'" },
  { name: 'tcp-check expect', sections: BE_SECTIONS, support: 'yes', parse: parseTcpCheck },
  { name: 'tcp-check comment', sections: BE_SECTIONS, support: 'yes', parse: parseTcpCheck },
  { name: 'tcp-check set-var', sections: BE_SECTIONS, support: 'no', note: NO_CHECK_VARS },
  { name: 'tcp-check unset-var', sections: BE_SECTIONS, support: 'no', note: NO_CHECK_VARS },
  { name: 'option mysql-check', sections: BE_SECTIONS, support: 'yes', parse: parseMysqlCheck },
  { name: 'option redis-check', sections: BE_SECTIONS, support: 'yes', parse: simpleCheck('redis') },
  { name: 'option pgsql-check', sections: BE_SECTIONS, support: 'yes', parse: simpleCheck('pgsql') },
  { name: 'option smtpchk', sections: BE_SECTIONS, support: 'yes', parse: simpleCheck('smtp') },
  { name: 'option ldap-check', sections: BE_SECTIONS, support: 'yes', parse: simpleCheck('ldap') },
  { name: 'option ssl-hello-chk', sections: BE_SECTIONS, support: 'yes', parse: simpleCheck('ssl-hello') },
]
