/**
 * @module
 * Health-check configuration (reference §3.1): `option httpchk` (all forms), `http-check send|
 * expect|disable-on-404|send-state`, `option tcp-check` + `tcp-check connect|send|expect`,
 * `option mysql-check`, and the other protocol checks. The check itself runs in the HealthMonitor
 * Durable Object (src/health); here the spec is validated and compiled. Forms the RouteMap cannot
 * carry (log-format payloads, header expectations, custom check statuses, `tcp-check connect`
 * options other than `port` and `ssl`) are rejected as not supported yet rather than dropped.
 */
import type { CheckSpec, HttpCheckExpect, TcpCheckStep } from '../../routemap/schema.ts'
import type { Word } from '../lexer.ts'
import { arity } from './args.ts'
import { BE_SECTIONS, type KeywordContext, type KeywordDef, type Statement } from './types.ts'

const METHOD = /^[A-Z]+$/

function base(cx: KeywordContext): CheckSpec {
  const cur = cx.proxy?.check
  return cur ?? { type: 'tcp', disableOn404: false, sendState: false }
}

function parseHttpchk(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  if (st.prefix === 'no') {
    delete p.check
    return
  }
  if (!arity(st, cx.sv, 0, 4, '[<method>] [<uri>] [<version>] [<host>]')) return
  let method = 'OPTIONS'
  let uri = '/'
  let version = 'HTTP/1.0'
  const a = st.args.map((w) => w.text)
  if (a.length === 1) uri = a[0] as string
  else if (a.length >= 2) {
    method = a[0] as string
    uri = a[1] as string
    if (a[2] !== undefined) version = a[2]
  }
  const headers: [string, string][] = []
  if (a[3] !== undefined) headers.push(['host', a[3]])
  if (/[\r\n]/.test(version)) {
    cx.sv.diag.warning('deprecated', (st.args[2] as Word).span, "'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.")
    const [ver, ...rest] = version.split(/\r?\n/)
    version = ver ?? 'HTTP/1.0'
    for (const line of rest) {
      const m = /^([^:]+):\s*(.*)$/.exec(line)
      if (m) headers.push([(m[1] as string).toLowerCase(), m[2] as string])
    }
  }
  if (!METHOD.test(method)) {
    cx.sv.diag.error('invalid-argument', (st.args[0] as Word).span, `'option httpchk' : invalid method '${method}'`)
    return
  }
  if (!/^HTTP\/\d\.\d$/.test(version)) {
    cx.sv.diag.error('invalid-argument', (st.args[2] as Word).span, `'option httpchk' : invalid HTTP version '${version}' (expects HTTP/1.0 or HTTP/1.1)`)
    return
  }
  const prev = base(cx)
  p.check = { ...prev, type: 'http', http: { method, uri, version, headers, ...(prev.http?.expect ? { expect: prev.http.expect } : {}) } }
  p.checkSpan = st.span
}

function parseHttpCheck(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const sub = st.keyword[1]?.text
  const cur = p.check?.type === 'http' ? p.check : { ...base(cx), type: 'http' as const, http: { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] } }
  const http = cur.http ?? { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] }
  if (sub === 'disable-on-404') {
    if (arity(st, cx.sv, 0, 0, '(no arguments)')) p.check = { ...cur, disableOn404: true }
    return
  }
  if (sub === 'send-state') {
    if (arity(st, cx.sv, 0, 0, '(no arguments)')) p.check = { ...cur, sendState: true }
    return
  }
  if (sub === 'send') {
    let { method, uri, version } = http
    const headers: [string, string][] = []
    let body: string | undefined
    for (let i = 0; i < st.args.length; i++) {
      const w = st.args[i] as Word
      const v = st.args[i + 1]
      const need = (): boolean => {
        if (!v) cx.sv.diag.error('missing-argument', w.span, `'http-check send' : '${w.text}' expects an argument`)
        return !!v
      }
      if (w.text === 'meth') {
        if (!need()) return
        method = (v as Word).text
      } else if (w.text === 'uri-lf' || w.text === 'body-lf') {
        cx.sv.diag.error('not-supported', w.span, `'http-check send' : '${w.text}' (a log-format ${w.text === 'uri-lf' ? 'URI' : 'body'}) is not supported yet`, {
          help: `use '${w.text.replace('-lf', '')}' with a fixed value`,
        })
        return
      } else if (w.text === 'uri') {
        if (!need()) return
        uri = (v as Word).text
      } else if (w.text === 'ver') {
        if (!need()) return
        version = (v as Word).text
      } else if (w.text === 'body') {
        if (!need()) return
        body = (v as Word).text
      } else if (w.text === 'comment') {
        if (!need()) return
      } else if (w.text === 'hdr') {
        const val = st.args[i + 2]
        if (!v || !val) {
          cx.sv.diag.error('missing-argument', w.span, "'http-check send' : 'hdr' expects <name> and <value> as arguments")
          return
        }
        headers.push([v.text.toLowerCase(), val.text])
        i++
      } else {
        cx.sv.diag.error('invalid-argument', w.span, `'http-check send' expects 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body', 'body-lf' or 'comment' but got '${w.text}' as argument.`)
        return
      }
      i++
    }
    p.check = { ...cur, type: 'http', http: { ...http, method, uri, version, headers: [...http.headers, ...headers], ...(body !== undefined ? { body } : {}) } }
    return
  }
  if (sub === 'expect') {
    const ex = parseExpect(st, cx, ['status', 'rstatus', 'string', 'rstring'], ['hdr', 'fhdr', 'string-lf'])
    if (!ex) return
    if (ex.kind === 'status') {
      for (const part of ex.pattern.split(',')) {
        if (!/^\d{3}(-\d{3})?$/.test(part)) {
          cx.sv.diag.error('invalid-argument', ex.word.span, `'http-check expect status' : invalid status code or range '${part}'`, { help: "write codes and ranges separated by commas, e.g. '200,201,300-310'" })
          return
        }
      }
    }
    const expect: HttpCheckExpect = { kind: ex.kind as HttpCheckExpect['kind'], negate: ex.negate, pattern: ex.pattern }
    p.check = { ...cur, type: 'http', http: { ...http, expect } }
    return
  }
  cx.sv.diag.error('unknown-keyword', st.keyword[1]?.span ?? st.span, `'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect' and 'set-var' (got '${sub ?? ''}')`)
}

/** Options of `expect` that change the check's verdict or log; the RouteMap has no place for them. */
const EXPECT_OPTIONS = new Set(['min-recv', 'ok-status', 'error-status', 'tout-status', 'on-success', 'on-error', 'status-code'])

/**
 * `[!] <kind> <pattern>` after http-check/tcp-check expect. `comment` is skipped; the other options
 * and the `unsupported` kinds are rejected as not supported yet.
 */
function parseExpect(st: Statement, cx: KeywordContext, kinds: readonly string[], unsupported: readonly string[]): { kind: string; negate: boolean; pattern: string; word: Word } | undefined {
  let negate = false
  const kw = st.keyword.map((k) => k.text).join(' ')
  for (let i = 0; i < st.args.length; i++) {
    const w = st.args[i] as Word
    if (w.text === 'comment') {
      i++
      continue
    }
    if (EXPECT_OPTIONS.has(w.text)) {
      cx.sv.diag.error('not-supported', w.span, `'${kw}' : '${w.text}' is not supported yet`, { help: 'checks use the default statuses and actions' })
      return undefined
    }
    if (w.text === '!') {
      negate = true
      continue
    }
    if (unsupported.includes(w.text)) {
      cx.sv.diag.error('not-supported', w.span, `'${kw} ${w.text}' is not supported yet`, { help: `use ${kinds.map((k) => `'${k}'`).join(', ')}` })
      return undefined
    }
    if (!kinds.includes(w.text)) {
      cx.sv.diag.error('invalid-argument', w.span, `'${kw}' only supports ${[...kinds, ...unsupported].map((k) => `'${k}'`).join(', ')} as matching methods (got '${w.text}')`)
      return undefined
    }
    const pat = st.args[i + 1]
    if (!pat) {
      cx.sv.diag.error('missing-argument', w.span, `'${st.keyword.map((k) => k.text).join(' ')} ${w.text}' expects <pattern> as an argument`)
      return undefined
    }
    if (w.text.startsWith('r')) {
      try {
        new RegExp(pat.text)
      } catch (e) {
        cx.sv.diag.error('invalid-regex', pat.span, `'${kw}' : regex '${pat.text}' is invalid (${(e as Error).message})`)
        return undefined
      }
    }
    return { kind: w.text, negate, pattern: pat.text, word: pat }
  }
  cx.sv.diag.error('missing-argument', st.span, `'${st.keyword.map((k) => k.text).join(' ')}' expects a matching method and a pattern`)
  return undefined
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
    let port: number | undefined
    let ssl = false
    for (let i = 0; i < st.args.length; i++) {
      const w = st.args[i] as Word
      if (w.text === 'port') {
        const v = st.args[++i]
        if (!v || !/^\d+$/.test(v.text) || Number(v.text) < 1 || Number(v.text) > 65535) {
          cx.sv.diag.error('invalid-argument', (v ?? w).span, "'tcp-check connect' : 'port' expects a port number")
          return
        }
        port = Number(v.text)
      } else if (w.text === 'ssl') ssl = true
      else if (w.text === 'comment') i++
      else if (w.text === 'linger' || w.text === 'default') continue
      else if (['addr', 'sni', 'alpn', 'proto', 'on-success', 'on-error', 'status-code', 'send-proxy', 'via-socks4'].includes(w.text)) {
        cx.sv.diag.error('not-supported', w.span, `'tcp-check connect' : '${w.text}' is not supported yet`, { help: "checks connect to the server's address, or to 'port'" })
        return
      } else {
        cx.sv.diag.error('invalid-argument', w.span, `'tcp-check connect' : unknown argument '${w.text}'`)
        return
      }
    }
    steps.push({ step: 'connect', ...(port !== undefined ? { port } : {}), ssl })
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
    steps.push({ step: 'expect', kind: ex.kind as 'string' | 'rstring' | 'binary' | 'rbinary', negate: ex.negate, pattern: ex.pattern })
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

const NO_CHECK_VARS = 'check variables are not supported yet'

export const CHECK_KEYWORDS: readonly KeywordDef[] = [
  { name: 'option httpchk', sections: BE_SECTIONS, support: 'yes', parse: parseHttpchk },
  { name: 'http-check send', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check expect', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check disable-on-404', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check send-state', sections: BE_SECTIONS, support: 'yes', parse: parseHttpCheck },
  { name: 'http-check connect', sections: BE_SECTIONS, support: 'no', note: "checks connect to the server's address (or 'addr'/'port')" },
  { name: 'http-check comment', sections: BE_SECTIONS, support: 'yes' },
  { name: 'http-check set-var', sections: BE_SECTIONS, support: 'no', note: NO_CHECK_VARS },
  { name: 'http-check unset-var', sections: BE_SECTIONS, support: 'no', note: NO_CHECK_VARS },
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
