/**
 * @module
 * Proxy keywords that route and describe a proxy: mode, bind, acl, use_backend, default_backend,
 * maxconn, retries, retry-on, force-persist/ignore-persist, monitor-uri, monitor fail, errorfile,
 * log, id (doc 4.2).
 */
import { parseAclTest } from '../acl.ts'
import { parseCondition } from '../condition.ts'
import type { AclDraft } from '../draft.ts'
import type { Word } from '../lexer.ts'
import { isLiteral, parseLogFormat } from '../log-format.ts'
import { isPrivateAddress, parseHostPort } from '../values.ts'
import { SECTION_KINDS } from '../ast.ts'
import { checkLogArgs } from './log-target.ts'
import { arity, condStart, intArg, kwName } from './args.ts'
import { parseFilter } from './filter.ts'
import { pendingKeyword } from './pending.ts'
import { BE_ONLY, BE_SECTIONS, FE_BE, FE_ONLY, FE_SECTIONS, type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'
import { errorfileParseError } from '../errorfile.ts'

const NAME = /^[A-Za-z0-9._:-]+$/

/** Words of `bind` that configure TLS: Cloudflare terminates TLS at the edge. */
const BIND_TLS = new Set([
  'ssl',
  'crt',
  'crt-list',
  'ca-file',
  'verify',
  'alpn',
  'ciphers',
  'ciphersuites',
  'ssl-min-ver',
  'ssl-max-ver',
  'no-sslv3',
  'no-tlsv10',
  'no-tlsv11',
  'no-tlsv12',
  'no-tlsv13',
  'strict-sni',
  'curves',
  'ecdhe',
  'crl-file',
  'npn',
  'prefer-client-ciphers',
  'allow-0rtt',
  'ca-ignore-err',
  'crt-ignore-err',
  'no-ca-names',
  'generate-certificates',
  'ca-sign-file',
  'ca-sign-pass',
  'ssl_fc',
  'tls-ticket-keys',
  'no-tls-tickets',
  'sigalgs',
  'client-sigalgs',
  'ca-verify-file',
])
const BIND_WITH_VALUE = new Set([
  'crt',
  'crt-list',
  'ca-file',
  'verify',
  'alpn',
  'ciphers',
  'ciphersuites',
  'ssl-min-ver',
  'ssl-max-ver',
  'curves',
  'ecdhe',
  'crl-file',
  'npn',
  'name',
  'id',
  'maxconn',
  'backlog',
  'process',
  'thread',
  'mode',
  'user',
  'group',
  'uid',
  'gid',
  'interface',
  'nice',
  'mss',
  'level',
  'severity-output',
  'tcp-ut',
  'namespace',
  'ca-ignore-err',
  'crt-ignore-err',
  'ca-sign-file',
  'ca-sign-pass',
  'tls-ticket-keys',
  'sigalgs',
  'client-sigalgs',
  'ca-verify-file',
  'proto',
  'shards',
  'label',
  'guid-prefix',
  'idle-ping',
  'quic-cc-algo',
  'nbconn',
  'accept-netscaler-cip',
  // `expose-fd listeners` (a stats socket parameter).
  'expose-fd',
])
const BIND_FLAGS = new Set([
  'accept-proxy',
  'accept-netscaler-cip',
  'defer-accept',
  'transparent',
  'v4v6',
  'v6only',
  'tfo',
  'ssl',
  'no-sslv3',
  'no-tlsv10',
  'no-tlsv11',
  'no-tlsv12',
  'no-tlsv13',
  'strict-sni',
  'prefer-client-ciphers',
  'allow-0rtt',
  'no-ca-names',
  'generate-certificates',
  'no-tls-tickets',
  'force-sslv3',
  'force-tlsv10',
  'force-tlsv11',
  'force-tlsv12',
  'force-tlsv13',
  'quic-force-retry',
  'no-alpn',
])
/** Words of `bind` that mean something only to the listening socket of an HAProxy process. */
/** Whether `w` is a `bind` parameter, and whether it takes a value (the `stats socket` line shares them). */
export function bindParam(w: string): 'flag' | 'value' | undefined {
  if (BIND_WITH_VALUE.has(w)) return 'value'
  if (BIND_FLAGS.has(w)) return 'flag'
  return undefined
}

const BIND_SOCKET_NOTE = 'Cloudflare accepts the connections; listening-socket settings have no effect at the edge'

/**
 * `dispatch <address>:<port>` (cfgparse-listen.c): the address requests go to when the backend
 * has no `balance` and persistence chose no server (finalize drops it, with HAProxy's warning,
 * when a `balance` applies). The port is mandatory; ranges and offsets are refused.
 */
function parseDispatch(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<address>:<port>')) return
  const w = st.args[0] as Word
  const help = "write '<ip or hostname>:<port>', e.g. 'dispatch origin.example.com:8080'"
  const r = parseHostPort(w.text, { allowRange: true, allowOffset: true, requirePort: false })
  if (!r.ok) {
    cx.sv.diag.error('invalid-address', w.span, `'dispatch' : ${r.error}`, { help })
    return
  }
  const v = r.value
  if (v.offset !== undefined || (v.portEnd !== undefined && v.portEnd !== v.port)) {
    cx.sv.diag.error('invalid-address', w.span, `'dispatch' : port ${v.offset !== undefined ? 'offset' : 'range'} not permitted here in '${w.text}'`, { help })
    return
  }
  if (v.family === 'unix' || v.family === 'any' || v.port === undefined) {
    const why = v.family === 'unix' ? 'UNIX socket addresses cannot be reached from the edge' : `missing port specification in '${w.text}'`
    cx.sv.diag.error(v.family === 'unix' ? 'not-supported' : 'invalid-address', w.span, `'dispatch' : ${why}`, { help })
    return
  }
  if (v.family === 'ipv4' || v.family === 'ipv6' || v.host === 'localhost') {
    const text = isPrivateAddress(v.host)
      ? `'dispatch' : ${v.host} is a private or loopback address, reachable under 'edgeproxy dev' but not from Cloudflare's edge`
      : "'dispatch' : Workers cannot fetch() a raw IP address in production; give the origin a DNS name (a proxied record or a Tunnel hostname)"
    cx.sv.diag.warning('edge-mapping', w.span, text)
  }
  p.dispatch = { host: v.host, port: v.port, span: st.span }
}

function parseBind(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 64, '<address>:<port> [param*]')) return
  const addrWord = st.args[0] as Word
  const tls: string[] = []
  const socket: Word[] = []
  let ssl = false
  let verify: 'none' | 'optional' | 'required' = 'none'
  for (let i = 1; i < st.args.length; i++) {
    const w = st.args[i] as Word
    if (BIND_WITH_VALUE.has(w.text)) {
      if (i + 1 >= st.args.length) {
        cx.sv.diag.error('missing-argument', w.span, `'bind' : '${w.text}' expects an argument`)
        return
      }
      if (w.text === 'verify') {
        const v = st.args[i + 1] as Word
        if (v.text !== 'none' && v.text !== 'optional' && v.text !== 'required') {
          cx.sv.diag.error('invalid-argument', v.span, `'bind ${addrWord.text}' : unknown verify method '${v.text}', only 'none', 'optional', and 'required' are supported`)
          return
        }
        verify = v.text
      }
      if (BIND_TLS.has(w.text)) tls.push(w.text)
      else if (w.text === 'accept-netscaler-cip') proxyProtocolWarning(w, cx)
      else socket.push(w)
      i++
      continue
    }
    if (BIND_FLAGS.has(w.text)) {
      if (w.text === 'ssl') ssl = true
      else if (BIND_TLS.has(w.text)) tls.push(w.text)
      else if (w.text === 'accept-proxy') proxyProtocolWarning(w, cx)
      else socket.push(w)
      continue
    }
    cx.sv.diag.error('unknown-keyword', w.span, `'bind ${addrWord.text}' unknown keyword '${w.text}'`)
    return
  }
  const first = socket[0]
  if (first) {
    cx.sv.diag.warning('edge-mapping', first.span, `'bind' : ${socket.map((w) => `'${w.text}'`).join(', ')} ${socket.length > 1 ? 'are' : 'is'} ignored at the edge: ${BIND_SOCKET_NOTE}`)
  }
  for (const part of addrWord.text.split(',')) {
    const quic = /^(quic[46])@/.exec(part)?.[1]
    if (quic) {
      cx.sv.diag.warning('edge-mapping', addrWord.span, `'bind ${part}': HTTP/3 (QUIC) is terminated by Cloudflare (zone setting Network > HTTP/3); this listener is ignored`)
      continue
    }
    const r = parseHostPort(part, { allowRange: true, allowOffset: false, requirePort: true })
    if (!r.ok) {
      cx.sv.diag.error('invalid-address', addrWord.span, `'bind' : ${r.error}`, { help: "write '[address]:port', e.g. '*:80' or ':8080'" })
      return
    }
    if (r.value.family === 'unix') {
      cx.sv.diag.warning('edge-mapping', addrWord.span, `'bind ${part}': UNIX sockets do not exist at the edge; this listener is ignored`)
      continue
    }
    if (r.value.family === 'name' && /^[\d.]+$/.test(r.value.host)) {
      cx.sv.diag.error('invalid-address', addrWord.span, `'bind' : invalid address: '${r.value.host}' in '${part}'`, { help: 'an IPv4 address has four numbers from 0 to 255' })
      return
    }
    const port = r.value.port ?? 0
    p.binds.push({ address: r.value.host, port, portEnd: r.value.portEnd ?? port, ssl, ...(ssl && verify !== 'none' ? { verify } : {}), origin: { file: st.span.file, line: st.span.line } })
    p.bindSpans.push(addrWord.span)
  }
  if (ssl || tls.length > 0) {
    cx.sv.diag.warning(
      'edge-mapping',
      st.span,
      `'bind ... ${ssl ? 'ssl' : tls[0]}': TLS is terminated by Cloudflare; certificates, ciphers and protocol versions are zone settings (SSL/TLS > Edge Certificates: Minimum TLS Version, Cipher suites, TLS 1.3; SSL/TLS > Client Certificates or API Shield for 'verify'/'ca-file' mTLS)`,
      {
        help:
          ssl && verify !== 'none'
            ? `'verify ${verify}' is applied to the certificate Cloudflare verified (request.cf.tlsClientAuth): enable mTLS on the hostname (docs/mtls.md)${verify === 'required' ? ', or every request to this bind is refused' : ''}`
            : "at the edge this listener serves HTTPS on the route's hostname; 'ssl_fc' is true for HTTPS requests",
      },
    )
  }
}

function proxyProtocolWarning(w: Word, cx: KeywordContext): void {
  cx.sv.diag.warning('edge-mapping', w.span, `'${w.text}' has no effect at the edge: Cloudflare gives the client address in CF-Connecting-IP, which 'src' reads`)
}

function parseMode(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, 'http|tcp')) return
  const w = st.args[0] as Word
  if (w.text === 'http' || w.text === 'tcp') {
    p.mode = w.text
    p.modeSpan = w.span
  } else if (w.text === 'health') {
    // Removed in HAProxy 2.x (cfgparse-listen.c); HAProxy's message names the replacement.
    cx.sv.diag.error('deprecated', w.span, "'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead.")
  } else if (w.text === 'log' || w.text === 'spop') {
    cx.sv.diag.error('not-supported', w.span, `'mode ${w.text}' is not supported yet at the edge`, { help: "use 'mode http' or 'mode tcp'" })
  } else cx.sv.diag.error('invalid-argument', w.span, `'mode' expects one of 'tcp', 'http', 'log' or 'health' (got '${w.text}')`)
}

/** Per ACL list (a proxy's `acls`: replaced, not edited, when a defaults section is inherited), its named ACLs by name, the first of each, kept up to date as the list grows. */
const aclIndex = new WeakMap<object, { seen: number; byName: Map<string, AclDraft> }>()

/** The proxy's first non-hidden ACL named `name`: what `acls.find()` gives, in constant time (100,000 ACL names check in linear time). */
function namedAcl(p: { readonly acls: readonly AclDraft[] }, name: string): AclDraft | undefined {
  let ix = aclIndex.get(p.acls)
  if (!ix) {
    ix = { seen: 0, byName: new Map() }
    aclIndex.set(p.acls, ix)
  }
  for (; ix.seen < p.acls.length; ix.seen++) {
    const a = p.acls[ix.seen] as AclDraft
    if (!a.hidden && !ix.byName.has(a.name)) ix.byName.set(a.name, a)
  }
  return ix.byName.get(name)
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
  const test = parseAclTest(st.args.slice(1), 'any', cx.sv, nameW.text)
  if (!test) return
  const existing = namedAcl(p, nameW.text)
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
  const cond = ci < st.args.length ? parseCondition(st.args.slice(ci), p, 'request', cx.sv, "'use_backend'", 'frontend use-backend rule') : undefined
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

/** `use-server <server> if|unless <cond>` (cfgparse-listen.c); the name may be a log-format. */
function parseUseServer(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  const kw = st.keyword[0] as Word
  if (!p) return
  if (cx.section === 'defaults') return void cx.sv.diag.error('keyword-out-of-section', kw.span, "'use-server' not allowed in 'defaults' section.")
  const target = st.args[0]
  if (!target) return void cx.sv.diag.error('missing-argument', kw.span, "'use-server' expects a server name.")
  const c = st.args[1]
  if (c?.text !== 'if' && c?.text !== 'unless') return void cx.sv.diag.error('missing-argument', (c ?? target).span, "'use-server' requires either 'if' or 'unless' followed by a condition.")
  const cond = parseCondition(st.args.slice(1), p, 'request', cx.sv, "'use-server'", 'backend use-server, balance or stick-match rule')
  if (!cond) return
  const origin = { file: st.span.file, line: st.span.line }
  if (target.text.includes('%')) {
    const fmt = parseLogFormat(target, 'request', cx.sv)
    if (!fmt) return
    if (!isLiteral(fmt)) {
      p.useServers.push({ server: target.text, format: fmt, cond, origin, span: target.span })
      return
    }
  }
  p.useServers.push({ server: target.text, cond, origin, span: target.span })
}

function parseDefaultBackend(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<backend>')) return
  const w = st.args[0] as Word
  p.defaultBackend = { name: w.text, span: w.span }
}

const MAXCONN_NOTE = 'Cloudflare accepts and scales client connections, so no connection limit is enforced; the value is kept in the RouteMap'

function parseMaxconn(st: Statement, cx: KeywordContext): void {
  if (!arity(st, cx.sv, 1, 1, '<number>')) return
  const v = intArg(st.args[0] as Word, cx.sv, 'maxconn', 0, 2_147_483_647)
  if (v === undefined) return
  if (cx.proxy) cx.proxy.maxconn = v
  else cx.global.maxconn = v
  cx.sv.diag.warning('edge-mapping', (st.keyword[0] as Word).span, `'maxconn' is not enforced at the edge: ${MAXCONN_NOTE}`)
}

function parseRetries(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<integer>')) return
  const v = intArg(st.args[0] as Word, cx.sv, 'retries', 0, 1_000_000)
  if (v !== undefined) p.retries = v
}

const RETRY_ON = new Set([
  'none',
  'conn-failure',
  'empty-response',
  'junk-response',
  'response-timeout',
  '0rtt-rejected',
  'all-retryable-errors',
  '401',
  '403',
  '404',
  '408',
  '421',
  '425',
  '429',
  '500',
  '501',
  '502',
  '503',
  '504',
])
/** What the Worker retries (src/proxy/forward.ts): connection failures only, no layer-7 retries. */
const RETRIED = new Set(['none', 'conn-failure'])

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
  const l7 = st.args.filter((w) => !RETRIED.has(w.text))
  const first = l7[0]
  if (first) {
    cx.sv.diag.warning(
      'not-supported',
      first.span,
      `'retry-on' : layer-7 retries are not supported yet: only connection failures are retried, so ${l7.map((w) => `'${w.text}'`).join(', ')} ${l7.length > 1 ? 'have' : 'has'} no effect${l7.some((w) => w.text === 'all-retryable-errors') ? " beyond 'conn-failure'" : ''}`,
    )
  }
}

/** `force-persist|ignore-persist {if | unless} <cond>` (reference §4.4). */
function persistRule(which: 'forcePersist' | 'ignorePersist') {
  return (st: Statement, cx: KeywordContext): void => {
    const p = cx.proxy
    if (!p) return
    const kw = kwName(st)
    const w0 = st.args[0]
    if (!w0 || (w0.text !== 'if' && w0.text !== 'unless')) {
      cx.sv.diag.error('missing-argument', w0?.span ?? (st.keyword[0] as Word).span, `'${kw}' requires either 'if' or 'unless' followed by a condition.`)
      return
    }
    const cond = parseCondition(st.args, p, 'request', cx.sv, `'${kw}'`)
    if (cond) p[which].push(cond)
  }
}

/** `monitor fail {if | unless} <cond>` (doc 4.2): the monitor-uri answers 503 while the condition holds. */
function parseMonitor(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const w0 = st.args[0]
  if (w0?.text !== 'fail') {
    cx.sv.diag.error('invalid-argument', w0?.span ?? (st.keyword[0] as Word).span, "'monitor' only supports 'fail'.")
    return
  }
  const w1 = st.args[1]
  if (!w1 || (w1.text !== 'if' && w1.text !== 'unless')) {
    cx.sv.diag.error('missing-argument', w1?.span ?? w0.span, "'monitor fail' requires either 'if' or 'unless' followed by a condition.")
    return
  }
  const cond = parseCondition(st.args.slice(1), p, 'request', cx.sv, "'monitor fail'")
  if (!cond) return
  if (!p.monitorFail) p.monitorFail = []
  p.monitorFail.push(cond)
}

function parseMonitorUri(st: Statement, cx: KeywordContext): void {
  if (cx.proxy && arity(st, cx.sv, 1, 1, '<uri>')) cx.proxy.monitorUri = (st.args[0] as Word).text
}

/** HAProxy 2.6's HTTP_ERR_* codes (421 and 422 included), plus 414 and 431 that 3.x added. */
export const ERRORFILE_CODES = new Set(['200', '400', '401', '403', '404', '405', '407', '408', '410', '413', '414', '421', '422', '425', '429', '431', '500', '501', '502', '503', '504'])
/** An errorfile must be an HTTP response (HAProxy refuses it at load); reports the error when it is not. */
export function errorfileParses(text: string, file: Word, what: string, cx: Pick<KeywordContext, 'sv'>): boolean {
  const at = errorfileParseError(text)
  if (at === undefined) return true
  cx.sv.diag.error('invalid-argument', file.span, `${what} : '${file.text}': unable to parse headers (error offset: ${at})`, {
    help: "an errorfile is a whole HTTP response: a status line ('HTTP/1.0 503 Service Unavailable'), headers, an empty line, then the body",
  })
  return false
}

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
  if (!errorfileParses(text, file, 'errorfile', cx)) return
  p.errorfiles[code.text] = text
  p.errorConf ??= []
  p.errorConf.push({ kind: 'file', code: code.text, text })
}

function parseLog(st: Statement, cx: KeywordContext): void {
  if (st.prefix === 'no') {
    if (cx.proxy) cx.proxy.log = false
    return
  }
  if (!arity(st, cx.sv, 1, 11, 'global | <target> [len <n>] [format <f>] [sample <ranges>:<size>] <facility> [<level> [<minlevel>]]')) return
  const first = st.args[0] as Word
  const problem = checkLogArgs(st.args, cx.section === 'global')
  if (problem) {
    cx.sv.diag.error('invalid-argument', (problem.word ?? first).span, `log : ${problem.message}`, {
      help: 'usage: log <target> [len <n>] [format <f>] [sample <ranges>:<size>] <facility> [<level> [<minlevel>]]',
    })
    return
  }
  if (cx.section === 'global') cx.global.log = true
  else if (cx.proxy) cx.proxy.log = first.text === 'global' ? 'global' : 'own'
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
  const format = parseLogFormat(w, 'response', cx.sv)
  if (format) p.logFormat = { text: w.text, format }
}

/** `unique-id-format <fmt>`: a log-format rendered once per request (http_process_request). */
function parseUniqueIdFormat(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<format>')) return
  const w = st.args[0] as Word
  if (w.text === '') {
    cx.sv.diag.error('missing-argument', w.span, `'unique-id-format' expects an argument`)
    return
  }
  const fmt = parseLogFormat(w, 'request', cx.sv)
  if (fmt) p.uniqueIdFormat = fmt
}

/** `unique-id-header <name>`: the request header that carries the unique id to the server. */
function parseUniqueIdHeader(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<name>')) return
  p.uniqueIdHeader = (st.args[0] as Word).text
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

/** Section keywords of HAProxy 3.x: rejected where they appear, since they are not sections here. */
const NEW_SECTIONS: readonly KeywordDef[] = [
  { name: 'acme', sections: SECTION_KINDS, support: 'no', note: "'acme' sections (HAProxy 3.x) do not exist at the edge: Cloudflare issues the certificates" },
  { name: 'healthcheck', sections: SECTION_KINDS, support: 'no', note: "'healthcheck' sections (HAProxy 3.x): use 'option httpchk' and 'http-check' in the backend" },
]

export const PROXY_KEYWORDS: readonly KeywordDef[] = [
  { name: 'mode', sections: PROXY_SECTIONS, support: 'yes', parse: parseMode },
  { name: 'bind', sections: FE_ONLY, support: 'yes', parse: parseBind },
  { name: 'acl', sections: ['defaults', 'frontend', 'backend', 'listen'], support: 'yes', parse: parseAcl },
  { name: 'use_backend', sections: FE_ONLY, support: 'yes', parse: parseUseBackend },
  { name: 'default_backend', sections: FE_SECTIONS, support: 'yes', parse: parseDefaultBackend },
  { name: 'maxconn', sections: ['global', 'defaults', 'frontend', 'listen'], support: 'edge', note: MAXCONN_NOTE, parse: parseMaxconn },
  { name: 'retries', sections: BE_SECTIONS, support: 'yes', parse: parseRetries },
  {
    name: 'retry-on',
    sections: BE_SECTIONS,
    support: 'edge',
    note: "only connection failures are retried: layer-7 keywords ('empty-response', status codes…) are accepted with a warning",
    parse: parseRetryOn,
  },
  { name: 'force-persist', sections: BE_ONLY, support: 'yes', parse: persistRule('forcePersist') },
  { name: 'ignore-persist', sections: BE_ONLY, support: 'yes', parse: persistRule('ignorePersist') },
  { name: 'monitor-uri', sections: FE_SECTIONS, support: 'yes', parse: parseMonitorUri },
  { name: 'monitor', sections: FE_ONLY, support: 'yes', parse: parseMonitor },
  { name: 'errorfile', sections: PROXY_SECTIONS, support: 'yes', parse: parseErrorfile },
  { name: 'log', sections: ['global', 'defaults', 'frontend', 'backend', 'listen'], support: 'edge', negatable: true, parse: parseLog },
  { name: 'log-format', sections: FE_SECTIONS, support: 'yes', parse: parseLogFormatKw },
  { name: 'id', sections: FE_BE, support: 'yes', parse: parseId },
  pendingKeyword({ name: 'fullconn', sections: BE_SECTIONS, parse: parseFullconn }, 'queue'),
  { name: 'description', sections: ['frontend', 'backend', 'listen'], support: 'ignored', note: "descriptions are only shown on HAProxy's stats page" },
  { name: 'disabled', sections: PROXY_SECTIONS, support: 'no', note: 'remove the section instead' },
  { name: 'enabled', sections: PROXY_SECTIONS, support: 'yes' },
  { name: 'unique-id-format', sections: FE_SECTIONS, support: 'yes', parse: parseUniqueIdFormat },
  { name: 'unique-id-header', sections: FE_SECTIONS, support: 'yes', parse: parseUniqueIdHeader },
  { name: 'rate-limit', sections: FE_SECTIONS, support: 'no', note: "use a stick-table with 'http_req_rate' and 'http-request deny'" },
  { name: 'backlog', sections: FE_SECTIONS, support: 'ignored', note: 'there is no listen queue at the edge' },
  { name: 'hash-balance-factor', sections: BE_SECTIONS, support: 'no', note: 'bounded-load consistent hashing' },
  { name: 'hash-preserve-affinity', sections: BE_SECTIONS, support: 'no', note: 'an HAProxy 3.x keyword; servers are never saturated at the edge' },
  { name: 'dynamic-cookie-key', sections: BE_SECTIONS, support: 'no', note: "dynamic cookies: give each server a 'cookie' value" },
  { name: 'dispatch', sections: BE_ONLY, support: 'yes', parse: parseDispatch },
  { name: 'use-server', sections: ['defaults', 'backend', 'listen'], support: 'yes', parse: parseUseServer },
  { name: 'compression', sections: PROXY_SECTIONS, support: 'ignored', note: 'Cloudflare compresses responses itself (Speed > Optimization > Content Optimization: Brotli/Gzip)' },
  {
    name: 'filter',
    sections: FE_BE,
    support: 'yes',
    parse: parseFilter,
    note: "'filter cache' only (carried by the Workers Cache API); compression, spoe, trace, bwlim and fcgi-app filters are refused",
  },
  { name: 'http-reuse', sections: BE_SECTIONS, support: 'ignored', note: 'origin connection reuse is managed by the Workers runtime' },
  { name: 'persist', sections: BE_SECTIONS, support: 'no', note: "'persist rdp-cookie' is for TCP/RDP" },
  { name: 'email-alert', sections: PROXY_SECTIONS, support: 'ignored', note: 'use Workers Logs alerts / Logpush instead of SMTP mailers' },
  { name: 'server-template', sections: BE_SECTIONS, support: 'no', note: 'DNS service discovery: list the servers' },
  { name: 'load-server-state-from-file', sections: BE_SECTIONS, support: 'ignored', note: 'server state lives in Durable Objects and survives deploys' },
  { name: 'max-keep-alive-queue', sections: BE_SECTIONS, support: 'ignored', note: 'connection handling is managed by the Workers runtime' },
  ...NEW_SECTIONS,
]
