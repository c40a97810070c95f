/**
 * @module
 * Proxy keywords that route and describe a proxy: mode, bind, acl, use_backend, default_backend,
 * maxconn, retries, monitor-uri, errorfile, log, id (doc 4.2).
 */
import { parseAclTest } from '../acl.ts'
import { parseCondition } from '../condition.ts'
import type { AclDraft } from '../draft.ts'
import type { Word } from '../lexer.ts'
import { isLiteral, parseLogFormat } from '../log-format.ts'
import { parseHostPort } from '../values.ts'
import { arity, condStart, intArg, kwName } from './args.ts'
import { BE_SECTIONS, FE_BE, FE_ONLY, FE_SECTIONS, type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'

const NAME = /^[A-Za-z0-9._:-]+$/

/** Words of `bind` that configure TLS: Cloudflare terminates TLS at the edge. */
const BIND_TLS = new Set([
  'ssl', 'crt', 'crt-list', 'ca-file', 'verify', 'alpn', 'ciphers', 'ciphersuites', 'ssl-min-ver', 'ssl-max-ver',
  'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'strict-sni', 'curves', 'ecdhe', 'crl-file',
  'npn', 'prefer-client-ciphers', 'allow-0rtt', 'ca-ignore-err', 'crt-ignore-err', 'no-ca-names', 'generate-certificates',
  'ca-sign-file', 'ca-sign-pass', 'ssl_fc', 'tls-ticket-keys', 'no-tls-tickets', 'sigalgs', 'client-sigalgs', 'ca-verify-file',
])
const BIND_WITH_VALUE = new Set([
  'crt', 'crt-list', 'ca-file', 'verify', 'alpn', 'ciphers', 'ciphersuites', 'ssl-min-ver', 'ssl-max-ver', 'curves', 'ecdhe',
  'crl-file', 'npn', 'name', 'id', 'maxconn', 'backlog', 'process', 'thread', 'mode', 'user', 'group', 'uid', 'gid', 'interface',
  'nice', 'mss', 'level', 'severity-output', 'tcp-ut', 'namespace', 'ca-ignore-err', 'crt-ignore-err', 'ca-sign-file',
  'ca-sign-pass', 'tls-ticket-keys', 'sigalgs', 'client-sigalgs', 'ca-verify-file', 'proto', 'shards', 'label', 'guid-prefix',
  'idle-ping', 'quic-cc-algo', 'nbconn',
])
const BIND_FLAGS = new Set([
  'accept-proxy', 'accept-netscaler-cip', 'defer-accept', 'transparent', 'v4v6', 'v6only', 'tfo', 'expose-fd', 'ssl',
  'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'strict-sni', 'prefer-client-ciphers', 'allow-0rtt',
  'no-ca-names', 'generate-certificates', 'no-tls-tickets', 'force-sslv3', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12',
  'force-tlsv13', 'quic-force-retry', 'no-alpn',
])

function parseBind(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 64, '<address>:<port> [param*]')) return
  const addrWord = st.args[0] as Word
  const tls: string[] = []
  let ssl = false
  for (let i = 1; i < st.args.length; i++) {
    const w = st.args[i] as Word
    if (BIND_WITH_VALUE.has(w.text)) {
      if (i + 1 >= st.args.length) {
        cx.sv.diag.error('missing-argument', w.span, `'bind' : '${w.text}' expects an argument`)
        return
      }
      if (BIND_TLS.has(w.text)) tls.push(w.text)
      i++
      continue
    }
    if (BIND_FLAGS.has(w.text)) {
      if (w.text === 'ssl') ssl = true
      else if (BIND_TLS.has(w.text)) tls.push(w.text)
      else if (w.text === 'accept-proxy') {
        cx.sv.diag.warning('edge-mapping', w.span, "'accept-proxy' has no effect at the edge: Cloudflare gives the client address in CF-Connecting-IP, which 'src' reads")
      }
      continue
    }
    cx.sv.diag.error('unknown-keyword', w.span, `'bind ${addrWord.text}' unknown keyword '${w.text}'`)
    return
  }
  for (const part of addrWord.text.split(',')) {
    const r = parseHostPort(part, { allowRange: true, allowOffset: false, requirePort: true })
    if (!r.ok) {
      cx.sv.diag.error('invalid-address', addrWord.span, `'bind' : ${r.error}`, { help: "write '[address]:port', e.g. '*:80' or ':8080'" })
      return
    }
    if (r.value.family === 'unix') {
      cx.sv.diag.warning('edge-mapping', addrWord.span, `'bind ${part}': UNIX sockets do not exist at the edge; this listener is ignored`)
      continue
    }
    const port = r.value.port ?? 0
    p.binds.push({ address: r.value.host, port, portEnd: r.value.portEnd ?? port, ssl, origin: { file: st.span.file, line: st.span.line } })
    p.bindSpans.push(addrWord.span)
  }
  if (ssl || tls.length > 0) {
    cx.sv.diag.warning('edge-mapping', st.span, `'bind ... ${ssl ? 'ssl' : tls[0]}': TLS is terminated by Cloudflare; certificates, ciphers and protocol versions are zone settings (SSL/TLS > Edge Certificates: Minimum TLS Version, Cipher suites, TLS 1.3; SSL/TLS > Client Certificates or API Shield for 'verify'/'ca-file' mTLS)`, {
      help: "at the edge this listener serves HTTPS on the route's hostname; 'ssl_fc' is true for HTTPS requests",
    })
  }
}

function parseMode(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, 'http|tcp')) return
  const w = st.args[0] as Word
  if (w.text === 'http' || w.text === 'tcp') {
    p.mode = w.text
    p.modeSpan = w.span
  } else if (w.text === 'health' || w.text === 'log' || w.text === 'spop') {
    cx.sv.diag.error('not-supported', w.span, `'mode ${w.text}' is not supported yet at the edge`, { help: "use 'mode http' or 'mode tcp'" })
  } else cx.sv.diag.error('invalid-argument', w.span, `'mode' expects one of 'tcp', 'http', 'log' or 'health' (got '${w.text}')`)
}

function parseAcl(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 2, 64, '<name> <criterion> [flags] [operator] <value> ...')) return
  const nameW = st.args[0] as Word
  if (!NAME.test(nameW.text)) {
    cx.sv.diag.error('invalid-argument', nameW.span, `acl name '${nameW.text}' contains invalid characters (allowed: letters, digits, '.', '_', ':', '-')`)
    return
  }
  if (cx.section === 'defaults') noteDefaultsRule(st, cx)
  const test = parseAclTest(st.args.slice(1), 'request', cx.sv, nameW.text)
  if (!test) return
  const existing = p.acls.find((a) => !a.hidden && a.name === nameW.text)
  if (existing) existing.tests.push(test)
  else {
    const acl: AclDraft = { name: nameW.text, tests: [test], span: nameW.span, hidden: false }
    p.acls.push(acl)
  }
}

/** ACLs and rules in defaults are accepted only in named defaults sections (doc 4.1 "(!)"). */
export function noteDefaultsRule(st: Statement, cx: KeywordContext): boolean {
  if (cx.section === 'defaults' && cx.proxy && cx.proxy.name === '') {
    cx.sv.diag.error('keyword-out-of-section', st.keyword[0]?.span ?? st.span, `'${kwName(st)}' is not allowed in anonymous 'defaults' sections`, {
      help: "name the defaults section ('defaults mydefaults') and use 'from mydefaults' where it applies",
    })
    return false
  }
  return true
}

function parseUseBackend(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 64, '<backend> [{if | unless} <condition>]')) return
  const target = st.args[0] as Word
  const ci = condStart(st.args)
  if (ci !== 1) {
    const extra = st.args[1] as Word
    cx.sv.diag.error('invalid-argument', extra.span, `'use_backend' expects 'if' or 'unless' after the backend name (got '${extra.text}')`)
    return
  }
  const cond = ci < st.args.length ? parseCondition(st.args.slice(ci), p, 'request', cx.sv, "'use_backend'") : undefined
  if (ci < st.args.length && !cond) return
  const origin = { file: st.span.file, line: st.span.line }
  const text = st.words.map((w) => w.text).join(' ')
  if (target.text.includes('%')) {
    const fmt = parseLogFormat(target, 'request', cx.sv)
    if (!fmt) return
    if (!isLiteral(fmt)) {
      p.useBackends.push({ backend: fmt, ...(cond ? { cond } : {}), origin, text })
      return
    }
  }
  p.useBackends.push({ backend: target.text, ...(cond ? { cond } : {}), origin, text })
  p.refs.push({ kind: 'backend', name: target.text, span: target.span, context: "in 'use_backend'" })
}

function parseDefaultBackend(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<backend>')) return
  const w = st.args[0] as Word
  p.defaultBackend = { name: w.text, span: w.span }
}

function parseMaxconn(st: Statement, cx: KeywordContext): void {
  if (!arity(st, cx.sv, 1, 1, '<number>')) return
  const v = intArg(st.args[0] as Word, cx.sv, 'maxconn', 0, 2_147_483_647)
  if (v === undefined) return
  if (cx.proxy) cx.proxy.maxconn = v
  else cx.global.maxconn = v
}

function parseRetries(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<integer>')) return
  const v = intArg(st.args[0] as Word, cx.sv, 'retries', 0, 1_000_000)
  if (v !== undefined) p.retries = v
}

const RETRY_ON = new Set([
  'none', 'conn-failure', 'empty-response', 'junk-response', 'response-timeout', '0rtt-rejected', 'all-retryable-errors',
  '401', '403', '404', '408', '421', '425', '429', '500', '501', '502', '503', '504',
])
function parseRetryOn(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 32, '<keywords>')) return
  const out: string[] = []
  for (const w of st.args) {
    if (!RETRY_ON.has(w.text)) {
      cx.sv.diag.error('invalid-argument', w.span, `'retry-on' : unknown keyword '${w.text}'`, { help: `known: ${[...RETRY_ON].join(', ')}` })
      return
    }
    out.push(w.text)
  }
  p.retryOn = out
}

function parseMonitorUri(st: Statement, cx: KeywordContext): void {
  if (cx.proxy && arity(st, cx.sv, 1, 1, '<uri>')) cx.proxy.monitorUri = (st.args[0] as Word).text
}

const ERRORFILE_CODES = new Set(['200', '400', '401', '403', '404', '405', '407', '408', '410', '413', '425', '429', '500', '501', '502', '503', '504'])
function parseErrorfile(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 2, 2, '<code> <file>')) return
  const code = st.args[0] as Word
  const file = st.args[1] as Word
  if (!ERRORFILE_CODES.has(code.text)) {
    cx.sv.diag.error('invalid-argument', code.span, `'errorfile' : status code '${code.text}' cannot be overridden`, { help: `use one of ${[...ERRORFILE_CODES].join(', ')}` })
    return
  }
  const text = cx.sv.readFile(file.text)
  if (text === undefined) {
    cx.sv.diag.error('file-not-found', file.span, `'errorfile' : error opening file <${file.text}>`)
    return
  }
  p.errorfiles[code.text] = text
}

function parseLog(st: Statement, cx: KeywordContext): void {
  if (st.prefix === 'no') return
  if (!arity(st, cx.sv, 1, 8, 'global | <target> [len <n>] [format <f>] <facility> [<level>]')) return
  const first = st.args[0] as Word
  if (cx.section === 'global') cx.global.log = true
  if (first.text === 'global') {
    if (cx.section === 'global') cx.sv.diag.error('invalid-argument', first.span, "'log global' is only valid in proxies and defaults")
    return
  }
  cx.sv.diag.warning('edge-mapping', first.span, `'log ${first.text}': at the edge, logs go to Workers Logs (wrangler tail, Logpush); syslog targets are not contacted`)
  if (cx.section !== 'global' && cx.proxy === undefined) return
}

function parseLogFormatKw(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<format>')) return
  const w = st.args[0] as Word
  if (parseLogFormat(w, 'response', cx.sv)) p.logFormat = w.text
}

function parseId(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<number>')) return
  const v = intArg(st.args[0] as Word, cx.sv, 'id', 1, 2_147_483_647)
  if (v !== undefined) p.id = v
}

function parseFullconn(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<number>')) return
  const v = intArg(st.args[0] as Word, cx.sv, 'fullconn', 0, 2_147_483_647)
  if (v !== undefined) p.fullconn = v
}

export const PROXY_KEYWORDS: readonly KeywordDef[] = [
  { name: 'mode', sections: PROXY_SECTIONS, support: 'yes', parse: parseMode },
  { name: 'bind', sections: FE_ONLY, support: 'yes', parse: parseBind },
  { name: 'acl', sections: ['defaults', 'frontend', 'backend', 'listen'], support: 'yes', parse: parseAcl },
  { name: 'use_backend', sections: FE_ONLY, support: 'yes', parse: parseUseBackend },
  { name: 'default_backend', sections: FE_SECTIONS, support: 'yes', parse: parseDefaultBackend },
  { name: 'maxconn', sections: ['global', 'defaults', 'frontend', 'listen'], support: 'edge', note: 'the edge scales per request; maxconn is kept for stats and reporting', parse: parseMaxconn },
  { name: 'retries', sections: BE_SECTIONS, support: 'yes', parse: parseRetries },
  { name: 'retry-on', sections: BE_SECTIONS, support: 'yes', parse: parseRetryOn },
  { name: 'monitor-uri', sections: FE_SECTIONS, support: 'yes', parse: parseMonitorUri },
  { name: 'errorfile', sections: PROXY_SECTIONS, support: 'yes', parse: parseErrorfile },
  { name: 'log', sections: ['global', 'defaults', 'frontend', 'backend', 'listen'], support: 'edge', negatable: true, parse: parseLog },
  { name: 'log-format', sections: FE_SECTIONS, support: 'yes', parse: parseLogFormatKw },
  { name: 'id', sections: FE_BE, support: 'yes', parse: parseId },
  { name: 'fullconn', sections: BE_SECTIONS, support: 'yes', parse: parseFullconn },
  { name: 'description', sections: ['frontend', 'backend', 'listen'], support: 'yes' },
  { name: 'disabled', sections: PROXY_SECTIONS, support: 'no', note: 'disabled proxies are not supported yet: remove the section instead' },
  { name: 'enabled', sections: PROXY_SECTIONS, support: 'yes' },
  { name: 'errorfiles', sections: PROXY_SECTIONS, support: 'no', note: "'errorfiles' with 'http-errors' sections is not supported yet: use 'errorfile <code> <file>'" },
  { name: 'http-error', sections: PROXY_SECTIONS, support: 'no', note: "'http-error' is not supported yet: use 'errorfile <code> <file>'" },
  { name: 'capture', sections: FE_ONLY, support: 'ignored', note: 'captures only feed HAProxy logs; Workers Logs record the whole request' },
  { name: 'unique-id-format', sections: FE_SECTIONS, support: 'no', note: "not supported yet: Cloudflare sets a unique 'cf-ray' header on every request" },
  { name: 'unique-id-header', sections: FE_SECTIONS, support: 'no', note: "not supported yet: Cloudflare sets a unique 'cf-ray' header on every request" },
  { name: 'rate-limit', sections: FE_SECTIONS, support: 'no', note: "'rate-limit sessions' is not supported yet: use a stick-table with 'http_req_rate' and 'http-request deny'" },
  { name: 'backlog', sections: FE_SECTIONS, support: 'ignored', note: 'there is no listen queue at the edge' },
  { name: 'hash-balance-factor', sections: BE_SECTIONS, support: 'no', note: 'bounded-load consistent hashing is not supported yet' },
  { name: 'dispatch', sections: ['backend', 'listen'], support: 'no', note: "'dispatch' is deprecated in HAProxy: use a 'server' line" },
  { name: 'use-server', sections: ['backend', 'listen'], support: 'no', note: "'use-server' is not supported yet" },
  { name: 'compression', sections: PROXY_SECTIONS, support: 'edge', note: 'Cloudflare compresses responses itself (Speed > Optimization > Content Optimization: Brotli/Gzip); HAProxy compression settings are ignored' },
  { name: 'filter', sections: FE_BE, support: 'no', note: "filters (compression, spoe, cache, trace, bwlim) are not supported yet" },
  { name: 'http-reuse', sections: BE_SECTIONS, support: 'ignored', note: 'origin connection reuse is managed by the Workers runtime' },
  { name: 'tcp-request', sections: PROXY_SECTIONS, support: 'no', note: "'tcp-request' rules are not supported yet: the edge receives HTTP requests; use 'http-request' rules" },
  { name: 'tcp-response', sections: BE_SECTIONS, support: 'no', note: "'tcp-response' rules are not supported yet" },
  { name: 'persist', sections: BE_SECTIONS, support: 'no', note: "'persist rdp-cookie' is for TCP/RDP and not supported at the edge" },
  { name: 'email-alert', sections: PROXY_SECTIONS, support: 'ignored', note: 'use Workers Logs alerts / Logpush instead of SMTP mailers' },
  { name: 'declare', sections: FE_BE, support: 'no', note: "'declare capture' is not supported yet" },
  { name: 'server-template', sections: BE_SECTIONS, support: 'no', note: "'server-template' (DNS service discovery) is not supported yet: list the servers" },
  { name: 'load-server-state-from-file', sections: BE_SECTIONS, support: 'ignored', note: 'server state lives in Durable Objects and survives deploys' },
  { name: 'max-keep-alive-queue', sections: BE_SECTIONS, support: 'ignored', note: 'connection handling is managed by the Workers runtime' },
]
