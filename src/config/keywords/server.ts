/**
 * @module
 * `server` and `default-server` lines (doc 5.2, reference §1.4–1.5): a table of server parameters,
 * each with its value kind and how the edge treats it. `default-server` accumulates values that
 * later `server` lines start from.
 */
import type { ServerDefaults } from '../draft.ts'
import type { Word } from '../lexer.ts'
import { parseTime } from '../../util/time.ts'
import { addressClass, isProxyPort, PROXY_PORTS_HTTP, PROXY_PORTS_HTTPS } from '../../util/addresses.ts'
import { parseHostPort } from '../values.ts'
import { arity, timeWarning } from './args.ts'
import { PENDING, type PendingFeature, warnPending } from './pending.ts'
import { BE_ONLY, BE_SECTIONS, type KeywordContext, type KeywordDef, type Statement } from './types.ts'

type ParamKind = 'flag' | 'int' | 'time' | 'str'
interface ParamDef {
  readonly kind: ParamKind
  readonly min?: number
  readonly max?: number
  /** Clears another flag (`enabled` undoes `disabled`). */
  readonly clears?: string
  readonly support: 'yes' | 'ignored' | 'no' | 'edge'
  readonly note?: string
  /** The Worker does not apply it yet (pending.ts): kept in the RouteMap, with a warning. */
  readonly pending?: PendingFeature
  /** Time unit of a bare number. */
  readonly unit?: 'ms' | 's'
}

const TLS_NOTE = 'origin TLS is negotiated by the Workers runtime (fetch to https://); certificates and ciphers are not configurable'

/** Checks use TLS exactly when the server does (src/health/plan.ts): there is no separate setting. */
const CHECK_TLS = "health checks use TLS when the server line has 'ssl'; a separate TLS setting for checks is not supported yet"

/** A parameter of a feature the Worker does not apply yet (queues). */
function pending(kind: ParamKind, feature: PendingFeature, extra: Partial<ParamDef> = {}): ParamDef {
  return { kind, ...extra, support: 'edge', note: PENDING[feature], pending: feature }
}

/** Server parameters (server.c `srv_kws`, ssl_sock.c), in alphabetical order. */
export const SERVER_PARAMS: Readonly<Record<string, ParamDef>> = {
  addr: { kind: 'str', support: 'yes' },
  'agent-addr': { kind: 'str', support: 'yes' },
  'agent-check': { kind: 'flag', support: 'yes', clears: 'no-agent-check' },
  'agent-inter': { kind: 'time', support: 'yes' },
  'agent-port': { kind: 'int', min: 1, max: 65535, support: 'yes' },
  'agent-send': { kind: 'str', support: 'yes' },
  alpn: { kind: 'str', support: 'ignored', note: TLS_NOTE },
  backup: { kind: 'flag', support: 'yes', clears: 'no-backup' },
  'ca-file': { kind: 'str', support: 'ignored', note: TLS_NOTE },
  check: { kind: 'flag', support: 'yes', clears: 'no-check' },
  'check-send-proxy': { kind: 'flag', support: 'no', note: 'the PROXY protocol does not exist at the edge' },
  'check-alpn': { kind: 'str', support: 'ignored', note: TLS_NOTE },
  'check-proto': { kind: 'str', support: 'ignored', note: 'the Workers runtime chooses the protocol of HTTP checks (HTTP/1.1 over fetch)' },
  'check-sni': { kind: 'str', support: 'ignored', note: TLS_NOTE },
  'check-ssl': { kind: 'flag', support: 'ignored', note: CHECK_TLS },
  ciphers: { kind: 'str', support: 'ignored', note: TLS_NOTE },
  ciphersuites: { kind: 'str', support: 'ignored', note: TLS_NOTE },
  cookie: { kind: 'str', support: 'yes' },
  crt: { kind: 'str', support: 'no', note: 'client certificates to origins (Workers mTLS bindings would carry them)' },
  disabled: { kind: 'flag', support: 'yes', clears: 'enabled' },
  downinter: { kind: 'time', support: 'yes' },
  enabled: { kind: 'flag', support: 'yes', clears: 'disabled' },
  'error-limit': { kind: 'int', min: 0, max: 2_147_483_647, support: 'yes' },
  fall: { kind: 'int', min: 1, max: 1_000_000, support: 'yes' },
  fastinter: { kind: 'time', support: 'yes' },
  'force-sslv3': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'force-tlsv10': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'force-tlsv11': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'force-tlsv12': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'force-tlsv13': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  from: { kind: 'str', support: 'no', note: "copying settings with 'from' is an HAProxy 3.x feature: use 'default-server'" },
  'hash-key': { kind: 'str', support: 'no', note: "consistent-hash rings are keyed by server id ('hash-key id')" },
  id: { kind: 'int', min: 1, max: 2_147_483_647, support: 'yes' },
  'init-addr': { kind: 'str', support: 'ignored', note: 'origins are resolved by Cloudflare DNS on each connection' },
  'init-state': { kind: 'str', support: 'no', note: 'an HAProxy 3.x keyword' },
  inter: { kind: 'time', support: 'yes' },
  maxconn: pending('int', 'limits', { min: 0, max: 2_147_483_647 }),
  maxqueue: pending('int', 'limits', { min: 0, max: 2_147_483_647 }),
  minconn: pending('int', 'queue', { min: 0, max: 2_147_483_647 }),
  name: { kind: 'str', support: 'no', note: "named 'default-server' templates are an HAProxy 3.x feature" },
  'no-agent-check': { kind: 'flag', support: 'yes', clears: 'agent-check' },
  'no-backup': { kind: 'flag', support: 'yes', clears: 'backup' },
  'no-check': { kind: 'flag', support: 'yes', clears: 'check' },
  'no-check-ssl': { kind: 'flag', support: 'ignored', note: CHECK_TLS },
  'no-send-proxy': { kind: 'flag', support: 'yes', clears: 'send-proxy' },
  'no-ssl': { kind: 'flag', support: 'yes', clears: 'ssl' },
  'no-sslv3': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'no-tlsv10': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'no-tlsv11': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'no-tlsv12': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'no-tlsv13': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'no-verifyhost': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  observe: { kind: 'str', support: 'yes' },
  'on-error': { kind: 'str', support: 'yes' },
  'on-marked-down': { kind: 'str', support: 'ignored', note: 'each request is independent at the edge: there are no sessions to shut down' },
  'on-marked-up': { kind: 'str', support: 'ignored', note: 'each request is independent at the edge: there are no sessions to shut down' },
  pool_max_conn: { kind: 'int', support: 'ignored', note: 'origin connection pools are managed by the Workers runtime' },
  'pool-low-conn': { kind: 'int', support: 'ignored', note: 'origin connection pools are managed by the Workers runtime' },
  'pool-max-conn': { kind: 'int', support: 'ignored', note: 'origin connection pools are managed by the Workers runtime' },
  'pool-purge-delay': { kind: 'time', support: 'ignored', note: 'origin connection pools are managed by the Workers runtime' },
  port: { kind: 'int', min: 1, max: 65535, support: 'yes' },
  proto: { kind: 'str', support: 'ignored', note: 'the Workers runtime chooses the origin protocol' },
  redir: { kind: 'str', support: 'yes' },
  resolvers: { kind: 'str', support: 'ignored', note: 'origins are resolved by Cloudflare DNS' },
  'resolve-prefer': { kind: 'str', support: 'ignored', note: 'origins are resolved by Cloudflare DNS' },
  'resolve-opts': { kind: 'str', support: 'ignored', note: 'origins are resolved by Cloudflare DNS' },
  rise: { kind: 'int', min: 1, max: 1_000_000, support: 'yes' },
  'send-proxy': { kind: 'flag', support: 'no', note: "the PROXY protocol does not exist at the edge: send the client address with 'option forwardfor'" },
  'send-proxy-v2': { kind: 'flag', support: 'no', note: "the PROXY protocol does not exist at the edge: send the client address with 'option forwardfor'" },
  slowstart: { kind: 'time', support: 'yes' },
  sni: { kind: 'str', support: 'ignored', note: 'the SNI is the origin host name at the edge' },
  source: { kind: 'str', support: 'ignored', note: "the source address of origin connections is Cloudflare's" },
  ssl: { kind: 'flag', support: 'yes', clears: 'no-ssl' },
  'ssl-min-ver': { kind: 'str', support: 'ignored', note: TLS_NOTE },
  'ssl-max-ver': { kind: 'str', support: 'ignored', note: TLS_NOTE },
  'ssl-reuse': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'no-ssl-reuse': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  tfo: { kind: 'flag', support: 'ignored', note: 'TCP fast open is managed by the Workers runtime' },
  track: { kind: 'str', support: 'yes' },
  verify: { kind: 'str', support: 'ignored', note: TLS_NOTE },
  verifyhost: { kind: 'str', support: 'ignored', note: TLS_NOTE },
  weight: { kind: 'int', min: 0, max: 256, support: 'yes' },
  ws: { kind: 'str', support: 'ignored', note: 'WebSocket upgrades are forwarded by the Workers runtime over HTTP/1.1' },
  // Further HAProxy 2.6 parameters (server.c, ssl_sock.c, connection.c): accepted as HAProxy accepts them.
  'allow-0rtt': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'crl-file': { kind: 'str', support: 'ignored', note: TLS_NOTE },
  npn: { kind: 'str', support: 'ignored', note: TLS_NOTE },
  'tls-tickets': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'no-tls-tickets': { kind: 'flag', support: 'ignored', note: TLS_NOTE },
  'no-tfo': { kind: 'flag', support: 'ignored', note: 'TCP fast open is managed by the Workers runtime' },
  'tcp-ut': { kind: 'time', support: 'ignored', note: 'TCP user timeouts to origins are managed by the Workers runtime' },
  'max-reuse': { kind: 'int', support: 'ignored', note: 'origin connection reuse is managed by the Workers runtime' },
  namespace: { kind: 'str', support: 'ignored', note: 'network namespaces do not exist at the edge' },
  'log-proto': { kind: 'str', support: 'ignored', note: 'logs go to Workers Logs' },
  'resolve-net': { kind: 'str', support: 'ignored', note: 'origin host names are resolved by Cloudflare' },
  'no-send-proxy-v2': { kind: 'flag', support: 'yes', clears: 'send-proxy-v2' },
  'no-send-proxy-v2-ssl': { kind: 'flag', support: 'yes' },
  'no-send-proxy-v2-ssl-cn': { kind: 'flag', support: 'yes' },
  'send-proxy-v2-ssl': { kind: 'flag', support: 'no', note: "the PROXY protocol does not exist at the edge: send the client address with 'option forwardfor'" },
  'send-proxy-v2-ssl-cn': { kind: 'flag', support: 'no', note: "the PROXY protocol does not exist at the edge: send the client address with 'option forwardfor'" },
  'proxy-v2-options': { kind: 'str', support: 'no', note: "the PROXY protocol does not exist at the edge: send the client address with 'option forwardfor'" },
  socks4: { kind: 'str', support: 'no', note: 'origins are reached with fetch(), which cannot go through a SOCKS4 proxy: use a Cloudflare Tunnel' },
}

const OBSERVE = new Set(['none', 'layer4', 'layer7'])
const ON_ERROR = new Set(['fastinter', 'fail-check', 'sudden-death', 'mark-down'])

/** Parses `param value…` words into `into`. Returns false after an error. */
function parseParams(words: readonly Word[], into: ServerDefaults, cx: KeywordContext, what: string): boolean {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word
    const def = SERVER_PARAMS[w.text]
    if (!def) {
      const s = closestParam(w.text)
      cx.sv.diag.error('unknown-keyword', w.span, `'${what}' : unknown keyword '${w.text}'`, s ? { help: `did you mean '${s}'?` } : undefined)
      return false
    }
    let value: string | number | boolean = true
    if (def.kind !== 'flag') {
      const v = words[i + 1]
      if (!v) {
        cx.sv.diag.error('missing-argument', w.span, `'${what}' : '${w.text}' expects an argument`)
        return false
      }
      i++
      if (def.kind === 'int') {
        if (!/^-?\d+$/.test(v.text)) {
          cx.sv.diag.error('invalid-argument', v.span, `'${what}' : '${w.text}' expects an integer argument (got '${v.text}')`)
          return false
        }
        const n = Number(v.text)
        if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
          const msg = w.text === 'weight' ? `weight of server ${what.replace(/^server /, '')} is not within 0 and 256 (${n})` : `'${what}' : '${w.text}' (${n}) is not within ${def.min} and ${def.max}`
          cx.sv.diag.error('out-of-range', v.span, msg)
          return false
        }
        value = n
      } else if (def.kind === 'time') {
        const r = parseTime(v.text, def.unit ?? 'ms')
        if (!r.ok) {
          cx.sv.diag.error('invalid-argument', v.span, `'${what}' : '${w.text}' ${r.error}`)
          return false
        }
        if (r.warning) timeWarning(v, cx.sv, r.warning)
        if (r.value === 0 && (w.text === 'inter' || w.text === 'fastinter' || w.text === 'downinter' || w.text === 'agent-inter')) {
          cx.sv.diag.error('out-of-range', v.span, `'${what}' : '${w.text}' expects a positive delay`)
          return false
        }
        value = r.value
      } else {
        value = v.text
        if (w.text === 'observe' && !OBSERVE.has(v.text)) {
          cx.sv.diag.error('invalid-argument', v.span, `'${what}' : 'observe' expects one of 'none', 'layer4', 'layer7' (got '${v.text}')`)
          return false
        }
        if (w.text === 'on-error' && !ON_ERROR.has(v.text)) {
          cx.sv.diag.error('invalid-argument', v.span, `'${what}' : 'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death', 'mark-down' (got '${v.text}')`)
          return false
        }
      }
    }
    if (def.support === 'no') {
      cx.sv.diag.error('not-supported', w.span, `'${what}' : '${w.text}' is not supported yet${def.note ? `: ${def.note}` : ''}`)
      return false
    }
    if (def.support === 'ignored') {
      // `resolvers <name>` must still name a resolvers section (checked once all are read).
      if (w.text === 'resolvers' && typeof value === 'string') cx.global.resolverRefs.push({ name: value, span: (words[i] ?? w).span, what })
      cx.sv.diag.warning('edge-mapping', w.span, `'${what}' : '${w.text}' is ignored at the edge: ${def.note ?? ''}`)
      continue
    }
    if (def.pending) warnPending(cx, def.pending, w.span, w.text)
    if (def.clears) delete into[def.clears]
    into[w.text] = value
  }
  return true
}

function closestParam(word: string): string | undefined {
  let best: string | undefined
  let bestD = 3
  for (const k of Object.keys(SERVER_PARAMS)) {
    const d = levenshtein(word, k)
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0] ?? 0
    dp[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j] ?? 0
      dp[j] = Math.min(tmp + 1, (dp[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return dp[b.length] ?? 0
}

function parseServer(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 2, 64, '<name> <address>[:<port>] [param*]')) return
  const nameW = st.args[0] as Word
  const addrW = st.args[1] as Word
  if (!/^[A-Za-z0-9._:-]+$/.test(nameW.text)) {
    cx.sv.diag.error('invalid-argument', nameW.span, `server name '${nameW.text}' contains invalid characters`)
    return
  }
  const what = `server ${p.name}/${nameW.text}`
  const dup = p.servers.find((s) => s.name === nameW.text)
  if (dup) {
    cx.sv.diag.error('duplicate-name', nameW.span, `backend '${p.name}', another server named '${nameW.text}' was already defined at line ${dup.origin.line}, please use distinct names`, {
      notes: [{ message: 'first defined here', span: dup.nameWord.span }],
    })
    return
  }
  const family = /^([a-z0-9]+)@/.exec(addrW.text)?.[1]
  if (family === 'quic4' || family === 'quic6' || family === 'rhttp') {
    cx.sv.diag.error('not-supported', addrW.span, `'${what}' : '${family}@' addresses are not supported: the Worker reaches origins with fetch() over HTTP/1.1 or HTTP/2`)
    return
  }
  const r = parseHostPort(addrW.text, { allowRange: false, allowOffset: true, requirePort: false })
  if (!r.ok) {
    cx.sv.diag.error('invalid-address', addrW.span, `'${what}' : ${r.error}`, { help: "write '<ip or hostname>[:port]', e.g. 'api.example.com:8080'" })
    return
  }
  if (r.value.family === 'name' && /^[\d.]+$/.test(r.value.host)) {
    cx.sv.diag.error('invalid-address', addrW.span, `'${what}' : invalid address: '${r.value.host}' in '${addrW.text}'`, { help: 'an IPv4 address has four numbers from 0 to 255' })
    return
  }
  if (r.value.family === 'name' && r.value.port === undefined && Object.hasOwn(SERVER_PARAMS, r.value.host)) {
    // `server web1 check`: HAProxy tries to resolve 'check' and fails at start-up.
    cx.sv.diag.error('invalid-address', addrW.span, `'${what}' : could not resolve address '${r.value.host}'.`, {
      help: `'${r.value.host}' is a server keyword: the address is missing (server <name> <address>[:port] [params])`,
    })
    return
  }
  if (r.value.family === 'unix') {
    cx.sv.diag.error('not-supported', addrW.span, `'${what}' : UNIX socket addresses are not supported: they cannot be reached from the edge`)
    return
  }
  const params: ServerDefaults = { ...p.defaultServer }
  if (!parseParams(st.args.slice(2), params, cx, what)) return
  if (params.check === true && typeof params.track === 'string') {
    const w = st.args.find((a) => a.text === 'track' || a.text === 'check') ?? nameW
    cx.sv.diag.error('invalid-argument', w.span, `'${what}' : unable to enable checks and tracking at the same time!`, {
      help: "a tracking server takes its state from the tracked one: remove 'check'",
    })
    return
  }
  const host = r.value.host
  if (r.value.family !== 'any') edgeReach(cx, addrW, what, nameW.text, host, r.value.port)
  if (r.value.family === 'any') {
    cx.sv.diag.error('not-supported', addrW.span, `'${what}' : address '${addrW.text}' (connect to the client's destination) is not supported: it has no meaning at the edge`)
    return
  }
  p.servers.push({
    name: nameW.text,
    nameWord: nameW,
    ...(typeof params.id === 'number' ? { id: params.id } : {}),
    host,
    ...(r.value.port !== undefined ? { port: r.value.port } : {}),
    ...(r.value.offset !== undefined ? { portOffset: r.value.offset } : {}),
    params,
    origin: { file: st.span.file, line: st.span.line },
    span: st.span,
  })
}

/** Cloudflare's proxy ports, for messages. */
const PROXY_PORTS_TEXT = `${[...PROXY_PORTS_HTTP].join(', ')} (HTTP) or ${[...PROXY_PORTS_HTTPS].join(', ')} (HTTPS)`

/** The VPC network fix, for messages. */
const VPC_FIX = "a Workers VPC network ('edgeproxy deploy --vpc-network cf1:network' and a Cloudflare Tunnel into the origin's network)"

/**
 * What the edge needs to reach the server (reference/edge-production.md "Reaching origins"): a
 * private or loopback address only through a VPC network; a raw IP address (Cloudflare answers
 * fetch() with error 1003) through a VPC network or by a DNS name; a hostname, if it is proxied
 * (orange-clouded), only on Cloudflare's proxy ports.
 */
function edgeReach(cx: KeywordContext, addrW: Word, what: string, name: string, host: string, port: number | undefined): void {
  const cls = addressClass(host)
  if (cls === 'loopback' || cls === 'private') {
    cx.sv.diag.warning('edge-origin', addrW.span, `'${what}' : ${host} is a ${cls} address: the edge reaches it only through ${VPC_FIX}; 'edgeproxy dev' reaches it directly`, {
      help: `run cloudflared next to the origin and deploy with '--vpc-network cf1:network', or publish it under a hostname, e.g. 'server ${name} ${name}.example.com:${port ?? 80}'`,
    })
  } else if (cls === 'public-ip' || cls === 'cloudflare') {
    cx.sv.diag.warning('edge-origin', addrW.span, `'${what}' : Workers cannot fetch() a raw IP address (Cloudflare answers error 1003): give the origin a DNS name, or reach it through ${VPC_FIX}`, {
      help: `e.g. 'server ${name} ${name}.example.com:${port ?? 80}' with a DNS record for ${host}`,
    })
  } else if (port !== undefined && !isProxyPort(port)) {
    cx.sv.diag.warning(
      'edge-origin',
      addrW.span,
      `'${what}' : port ${port} is not one of Cloudflare's proxy ports: if '${host}' is proxied (orange-clouded), the edge reaches it only on ${PROXY_PORTS_TEXT}`,
      {
        help: 'a DNS-only (grey-clouded) host is reached on any port (allow_custom_ports); else move the origin to a proxy port or reach it through a VPC network',
      },
    )
  }
}

function parseDefaultServer(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const next: ServerDefaults = { ...p.defaultServer }
  if (parseParams(st.args, next, cx, 'default-server')) p.defaultServer = next
}

export const SERVER_KEYWORDS: readonly KeywordDef[] = [
  { name: 'server', sections: BE_ONLY, support: 'yes', parse: parseServer },
  { name: 'default-server', sections: BE_SECTIONS, support: 'yes', parse: parseDefaultServer },
]
