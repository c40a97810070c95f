/**
 * @module
 * Drafts to RouteMap proxies: applies HAProxy's post-parse checks (cfgparse.c check_config_validity):
 * references to backends and tables, proxies without binds, mode mismatches, server ids, the
 * edge-mapping warnings that need the whole proxy, then freezes everything into plain JSON.
 */
import type { Acl, Backend, Frontend, LogFormat, ProxyOptions, Rule, Server, StatsSettings, TcpRules } from '../routemap/schema.ts'
import { HTTPLOG_FORMAT } from '../routemap/log-vars.ts'
import { parseLogFormatText } from './log-format.ts'
import type { ProxyDraft, ServerDraft } from './draft.ts'
import type { GlobalDraft } from './keywords/global-draft.ts'
import type { Services } from './services.ts'
import { closest } from '../util/closest.ts'
import { addressClass } from '../util/addresses.ts'
import { checkTcpRules } from './keywords/tcp-rules.ts'
import { resolveProxyErrors } from './keywords/http-errors.ts'
import { checkAuthRefs, resolveUserlists } from './keywords/userlist.ts'
import { resolveFetchRefs } from './fetch-refs.ts'
import { checkStatsPorts } from './keywords/stats-edge.ts'

export interface Finalized {
  readonly frontends: Frontend[]
  readonly backends: Backend[]
}

const hasFe = (p: ProxyDraft): boolean => p.kind === 'frontend' || p.kind === 'listen'
const hasBe = (p: ProxyDraft): boolean => p.kind === 'backend' || p.kind === 'listen'

export function finalize(proxies: readonly ProxyDraft[], global: GlobalDraft, sv: Services): Finalized {
  assignProxyIds(proxies, global.statsSocketSlot)
  const backendsByName = new Map(proxies.filter(hasBe).map((p) => [p.name, p]))
  const tablesByName = new Map<string, unknown>(proxies.filter((p) => p.stickTable).map((p) => [p.name, p]))
  for (const t of global.peerTables) {
    tablesByName.set(t.name, t)
    // cfg_parse_peers: a peers table's own name may not be that of a proxy's table declared before it.
    const short = t.name.slice(t.name.indexOf('/') + 1)
    const other = proxies.find((p) => p.stickTable && p.name === short && p.span.file === t.origin.file && p.stickTable.origin.line < t.origin.line)
    if (other?.stickTable) {
      sv.diag.error(
        'duplicate-name',
        { file: t.origin.file, line: t.origin.line, column: 1, length: 1 },
        `stick-table name '${short}' conflicts with table declared in ${other.kind} '${other.name}' at ${other.stickTable.origin.file}:${other.stickTable.origin.line}.`,
      )
    }
  }
  const tracked = new Set<ServerDraft>()
  for (const p of proxies) checkProxy(p, backendsByName, tablesByName, global, sv, tracked)
  for (const p of proxies) resolveProxyErrors(p, global, sv)
  checkDefaultsRuleUse(proxies, tablesByName, sv)
  checkTcpRules(proxies, sv)
  resolveFetchRefs(proxies, sv)
  resolveUserlists(global, sv)
  for (const r of global.resolverRefs) {
    if (!global.resolvers.has(r.name))
      sv.diag.error('unknown-section', r.span, `${r.what}: unable to find required resolvers '${r.name}'`, {
        help: `declare 'resolvers ${r.name}' (it is ignored at the edge) or remove the 'resolvers' option`,
      })
  }
  const frontends = proxies.filter(hasFe).map((p) => freezeFrontend(p, global.log))
  const backends = proxies.filter(hasBe).map((p) => freezeBackend(p, sv))
  checkAuthRefs([...frontends, ...backends.filter((b) => !b.listen)], global, sv)
  return { frontends, backends }
}

/**
 * HAProxy numbers proxies 1, 2, 3… in declaration order, skipping ids taken explicitly; the
 * internal proxy of the stats socket takes one at the position of the first `stats socket` line
 * (measured on 2.6: `global` with a socket first, then fe and be → ids 2 and 3).
 */
function assignProxyIds(proxies: readonly ProxyDraft[], socketSlot?: number): void {
  const used = new Set(proxies.map((p) => p.id).filter((id) => id > 0))
  let next = 1
  const take = (): number => {
    while (used.has(next)) next++
    used.add(next)
    return next
  }
  proxies.forEach((p, i) => {
    if (i === socketSlot) take()
    if (p.id > 0) return
    p.id = take()
  })
}

/**
 * A defaults section with rules may serve frontends or backends, not both (doc 4.1). Its rules
 * belong to the defaults section itself: a table they name (or, without `table`, the section's own
 * name) must exist, checked once a proxy uses the section (measured on 2.6: an unused one is not).
 */
function checkDefaultsRuleUse(proxies: readonly ProxyDraft[], tables: ReadonlyMap<string, unknown>, sv: Services): void {
  const users = new Map<ProxyDraft, ProxyDraft[]>()
  for (const p of proxies) if (p.rulesFrom) users.set(p.rulesFrom, [...(users.get(p.rulesFrom) ?? []), p])
  for (const [d, list] of users) {
    for (const r of d.refs) {
      if (r.kind !== 'table' || tables.has(r.name)) continue
      sv.diag.error('unknown-table', r.span, `Proxy '${d.name}': unable to find stick-table '${r.name}' ${r.context}.`, {
        help: "rules in a defaults section run as that section: name a proxy's table with 'table <proxy>'",
      })
    }
    const fe = list.find((p) => hasFe(p))
    const be = list.find((p) => hasBe(p) && p !== fe)
    const both = list.find((p) => p.kind === 'listen')
    if ((fe && be) || both) {
      const bad = both ?? (be as ProxyDraft)
      sv.diag.error(
        'keyword-out-of-section',
        bad.span,
        `${bad.kind} '${bad.name}' cannot use defaults section '${d.name}': it holds TCP/HTTP rules and is already used by ${both ? 'a proxy with both capabilities' : `frontend '${fe?.name ?? ''}'`}`,
        {
          help: 'a defaults section with rules may be used by frontends or by backends, not both; give the backends their own defaults section',
          notes: [{ message: `defaults '${d.name}' declared here`, span: d.span }],
        },
      )
    }
  }
}

function checkProxy(p: ProxyDraft, backends: ReadonlyMap<string, ProxyDraft>, tables: ReadonlyMap<string, unknown>, global: GlobalDraft, sv: Services, tracked: Set<ServerDraft>): void {
  const where = `${p.kind} '${p.name}'`
  if (hasFe(p) && p.binds.length === 0 && p.bindSpans.length === 0) {
    // HAProxy 2.6 warns (cfgparse.c check_config_validity) and the proxy receives no traffic.
    sv.diag.warning('useless', p.span, `${p.kind === 'frontend' ? 'frontend' : 'proxy'} '${p.name}' has no 'bind' directive. Please declare it as a backend if this was intended.`, {
      help: "it receives no traffic: add 'bind *:80' (the port selects this frontend under 'edgeproxy dev'; at the edge, routes select it)",
    })
  }
  if (p.mode === 'tcp') {
    const seen = new Set<string>()
    for (const n of p.needsHttp) {
      if (seen.has(n.keyword)) continue
      seen.add(n.keyword)
      sv.diag.warning('wrong-mode', n.span, `'${n.keyword}' ignored for ${where} as it requires HTTP mode`, { help: "add 'mode http' to the proxy (or to its defaults section)" })
    }
    if (hasFe(p)) {
      sv.diag.warning('edge-mapping', p.span, `${where} is 'mode tcp': the edge accepts HTTP requests only, so this frontend does not proxy inbound TCP`, {
        help: 'for raw TCP use Cloudflare Spectrum; under edgeproxy dev the frontend is not started',
      })
    } else if (p.kind === 'backend') {
      sv.diag.warning('edge-mapping', p.span, `${where} is 'mode tcp': its servers are health-checked (over connect()) and shown in stats, but inbound TCP is not proxied at the edge`)
    }
  }
  const checkBackendRef = (name: string, span: ProxyDraft['span'], context: string): void => {
    const be = backends.get(name)
    if (!be) {
      const s = closest(name, backends.keys())
      sv.diag.error('unknown-backend', span, `Proxy '${p.name}': unable to find required ${context}: '${name}'.`, {
        help: s ? `did you mean '${s}'?` : `declare 'backend ${name}'`,
      })
      return
    }
    // cfgparse.c: a tcp frontend may use an http backend (the stream is upgraded to HTTP).
    if (be.mode !== p.mode && !(p.mode === 'tcp' && be.mode === 'http')) {
      sv.diag.error('wrong-mode', span, `Proxy '${p.name}': unable to use proxy '${name}' with wrong mode, required: ${p.mode}, has: ${be.mode}.`, {
        notes: [{ message: `backend '${name}' declared here`, span: be.span }],
      })
    }
  }
  if (hasFe(p)) {
    if (p.defaultBackend) checkBackendRef(p.defaultBackend.name, p.defaultBackend.span, 'default_backend')
    for (const r of p.refs) if (r.kind === 'backend') checkBackendRef(r.name, r.span, 'use_backend')
  }
  // check_http_req_capture / check_http_res_capture: slots only exist in frontends, so a backend's
  // `capture … id` is checked at run time (the frontend's slot, if it has one).
  for (const u of p.useServers) {
    if (u.format === undefined && !p.servers.some((s) => s.name === u.server)) {
      sv.diag.error('unknown-server', u.span, `${p.kind} '${p.name}' : unable to find server '${u.server}' referenced in a 'use-server' rule.`, {
        help: `declare 'server ${u.server} …' in ${p.kind} '${p.name}'`,
      })
    }
  }
  if (hasFe(p)) {
    for (const c of p.captureRefs) {
      if (c.id >= p.captures[c.dir].length) {
        sv.diag.error('invalid-argument', c.span, `unable to find capture id '${c.id}' referenced by http-${c.dir} capture rule`, {
          help: `declare the slot first: 'declare capture ${c.dir} len <length>' (ids count from 0 in declaration order)`,
        })
      }
    }
  }
  for (const r of p.refs) {
    if (r.kind !== 'table') continue
    const t = tables.get(r.name)
    if (!t) {
      const isProxy = backends.has(r.name) || r.name === p.name
      sv.diag.error(
        'unknown-table',
        r.span,
        isProxy ? `${where}: unable to find stick-table '${r.name}' ${r.context}: proxy '${r.name}' declares no 'stick-table'` : `${where}: unable to find stick-table '${r.name}' ${r.context}.`,
        {
          help: "declare 'stick-table type ... size ...' in that proxy, or name another with 'table <proxy>'",
        },
      )
    }
  }
  for (const rule of p.stickRules) {
    if (!rule.table && !p.stickTable) {
      sv.diag.error('unknown-table', p.span, `${where}: 'stick ${rule.kind}' at line ${rule.origin.line} needs a stick-table in this proxy or 'table <name>'`)
    }
  }
  if (p.stickTable?.peers && !global.peers.has(p.stickTable.peers)) {
    sv.diag.error('unknown-table', p.span, `Proxy '${p.name}': unable to find sync peers '${p.stickTable.peers}'.`)
  }
  checkTimeouts(p, sv)
  if (hasFe(p)) checkStatsPorts(p, sv)
  if (hasBe(p)) checkServers(p, sv, backends, tracked)
}

/**
 * check_config_validity: a frontend without `timeout client`, or a backend with servers but no
 * `timeout connect` or no `timeout server` (a tcp backend may rely on `timeout tunnel` instead), is
 * warned about; 0 counts as unset. `listen` sections are called 'proxy' (proxy_type_str).
 */
function checkTimeouts(p: ProxyDraft, sv: Services): void {
  const t = p.timeouts
  const fe = hasFe(p) && !t.client
  const be = hasBe(p) && p.servers.length > 0 && (!t.connect || (!t.server && (p.mode === 'http' || !t.tunnel)))
  if (!fe && !be) return
  const type = p.kind === 'listen' ? 'proxy' : p.kind
  sv.diag.warning('missing-argument', p.span, `missing timeouts for ${type} '${p.name}'.`, {
    help: "While not properly invalid, you will certainly encounter various problems with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server' (in this section or its defaults section).",
  })
}

function checkServers(p: ProxyDraft, sv: Services, backends: ReadonlyMap<string, ProxyDraft>, tracked: Set<ServerDraft>): void {
  const ids = new Map<number, ServerDraft>()
  for (const s of p.servers) {
    if (s.id === undefined) continue
    const other = ids.get(s.id)
    if (other) sv.diag.error('duplicate-name', s.nameWord.span, `server '${p.name}/${s.name}' has the same ID (${s.id}) as server '${other.name}' at line ${other.origin.line}`)
    ids.set(s.id, s)
  }
  let next = 1
  for (const s of p.servers) {
    if (s.id !== undefined) continue
    while (ids.has(next)) next++
    s.id = next
    ids.set(next, s)
  }
  for (const s of p.servers) {
    if (s.params['agent-check'] === true && s.params['agent-port'] === undefined && s.params.port === undefined) {
      sv.diag.error('missing-argument', s.span, `server ${s.name} does not have agent port. Agent check has been disabled.`, { help: "add 'agent-port <port>' to the server line" })
    }
  }
  for (const s of p.servers) if (checkTrack(p, s, backends, sv, tracked)) tracked.add(s)
}

/**
 * server.c `srv_apply_track`: the tracked server exists, is checked (or tracks), and no loop.
 * Servers are applied in order: a chain only follows the links of servers already applied
 * (`tracked`), so of two servers tracking each other only the second one is refused.
 */
function checkTrack(p: ProxyDraft, s: ServerDraft, backends: ReadonlyMap<string, ProxyDraft>, sv: Services, tracked: ReadonlySet<ServerDraft>): boolean {
  const track = s.params.track
  if (typeof track !== 'string') return false
  const where = `config : ${p.kind} '${p.name}', server '${s.name}'`
  const resolve = (from: ProxyDraft, ref: string): { px?: ProxyDraft; srv?: ServerDraft; pname?: string; sname: string } => {
    const i = ref.lastIndexOf('/')
    const pname = i >= 0 ? ref.slice(0, i) : undefined
    const sname = i >= 0 ? ref.slice(i + 1) : ref
    const px = pname !== undefined ? backends.get(pname) : from
    const srv = px?.servers.find((o) => o.name === sname)
    return { ...(px ? { px } : {}), ...(srv ? { srv } : {}), ...(pname !== undefined ? { pname } : {}), sname }
  }
  const r = resolve(p, track)
  if (!r.px) {
    sv.diag.error('unknown-backend', s.span, `${where}: unable to find required proxy '${r.pname ?? ''}' for tracking.`)
    return false
  }
  if (!r.srv) {
    sv.diag.error('unknown-server', s.span, `${where}: unable to find required server '${r.sname}' for tracking.`)
    return false
  }
  const target = r.srv
  if (target.params.check !== true && target.params['agent-check'] !== true && typeof target.params.track !== 'string') {
    sv.diag.error('invalid-argument', s.span, `${where}: unable to use ${r.px.name}/${target.name} for tracking as it does not have any check nor agent enabled.`, {
      help: `add 'check' to server ${r.px.name}/${target.name}`,
    })
    return false
  }
  // Follow the chain from the tracked server: reaching this server again is a loop.
  let cur: { px: ProxyDraft; srv: ServerDraft } | undefined = { px: r.px, srv: target }
  for (let hops = 0; cur && hops < 1000; hops++) {
    if (cur.srv === s) {
      sv.diag.error(
        'invalid-argument',
        s.span,
        `${where}: unable to track ${r.px.name}/${target.name} as it belongs to a tracking chain looping back to ${r.px.name}/${target === s ? target.name : s.name}.`,
      )
      return false
    }
    const next = cur.srv.params.track
    if (typeof next !== 'string' || !tracked.has(cur.srv)) break
    const n = resolve(cur.px, next)
    cur = n.px && n.srv ? { px: n.px, srv: n.srv } : undefined
  }
  if (r.px !== p && (p.check?.disableOn404 ?? false) !== (r.px.check?.disableOn404 ?? false)) {
    sv.diag.error('invalid-argument', s.span, `${where}: unable to use ${r.px.name}/${target.name} fortracking: disable-on-404 option inconsistency.`, {
      help: "set 'http-check disable-on-404' in both backends or in neither",
    })
    return false
  }
  return true
}

function freezeOptions(p: ProxyDraft): ProxyOptions {
  const o = p.options
  return {
    httplog: o.httplog,
    dontlognull: o.dontlognull,
    httpServerClose: o.httpServerClose,
    httpClose: o.httpClose,
    persist: o.persist,
    allbackups: o.allbackups,
    logHealthChecks: o.logHealthChecks,
    httpKeepAlive: o.httpKeepAlive,
    preferLastServer: o.preferLastServer,
    forwarded: o.forwarded,
    ...(o.forwardfor ? { forwardfor: o.forwardfor } : {}),
    ...(o.redispatch !== undefined ? { redispatch: o.redispatch } : {}),
    ...(o.originalto !== undefined ? { originalto: o.originalto } : {}),
    ...(o.originaltoExcept !== undefined ? { originaltoExcept: o.originaltoExcept } : {}),
    ...(o.restrictReqHdrNames !== undefined ? { restrictReqHdrNames: o.restrictReqHdrNames } : {}),
  }
}

function freezeAcls(p: ProxyDraft): Acl[] {
  return p.acls.map((a) => ({ name: a.name, tests: a.tests }))
}

function freezeStats(p: ProxyDraft): StatsSettings | undefined {
  const s = p.stats
  if (!s?.enabled) return undefined
  return {
    uri: s.uri ?? '/haproxy?stats',
    realm: s.realm ?? 'HAProxy Statistics',
    auth: s.auth,
    ...(s.refreshMs !== undefined ? { refreshMs: s.refreshMs } : {}),
    hideVersion: s.hideVersion ?? false,
    ...(s.admin ? { admin: s.admin } : {}),
    showLegends: s.showLegends ?? false,
    scope: s.scope,
  }
}

/** The tcp rule sets a proxy side runs; absent when it has none. */
function freezeTcp(connection: Rule[], session: Rule[], content: Rule[], response: Rule[]): { tcpRules?: TcpRules } {
  return connection.length + session.length + content.length + response.length > 0 ? { tcpRules: { connection, session, content, response } } : {}
}

/** `option httplog`'s line, parsed once. */
let httplogFormat: LogFormat | undefined

/**
 * The access log line of a frontend that logs: its `log-format` / `option httpslog`, else
 * `option httplog` (its `clf` variant too: the edge writes the plain one), else none (the legacy line).
 */
function accessLog(p: ProxyDraft): { accessLog?: LogFormat } {
  if (p.logFormat) return { accessLog: p.logFormat.format }
  if (!p.options.httplog) return {}
  httplogFormat ??= parseLogFormatText(HTTPLOG_FORMAT)
  return { accessLog: httplogFormat }
}

function freezeFrontend(p: ProxyDraft, globalLog: boolean): Frontend {
  const stats = freezeStats(p)
  const logs = p.log === 'own' || (p.log === 'global' && globalLog)
  return {
    name: p.name,
    id: p.id,
    listen: p.kind === 'listen',
    mode: p.mode,
    binds: p.binds,
    acls: freezeAcls(p),
    httpRequest: p.httpRequest,
    httpResponse: p.httpResponse,
    httpAfterResponse: p.httpAfterResponse,
    redirects: p.redirects,
    ...freezeTcp(p.tcp.connection, p.tcp.session, p.tcp.content, []),
    useBackends: p.useBackends,
    ...(p.defaultBackend ? { defaultBackend: p.defaultBackend.name } : p.kind === 'listen' ? { defaultBackend: p.name } : {}),
    options: freezeOptions(p),
    timeouts: p.timeouts,
    ...(stats ? { stats } : {}),
    ...(p.monitorUri !== undefined ? { monitorUri: p.monitorUri } : {}),
    ...(p.monitorFail ? { monitorFail: p.monitorFail } : {}),
    ...(p.stickTable ? { stickTable: p.stickTable } : {}),
    errorfiles: p.errorfiles,
    ...(p.errorReplies && Object.keys(p.errorReplies).length > 0 ? { errorReplies: p.errorReplies } : {}),
    ...(p.maxconn !== undefined ? { maxconn: p.maxconn } : {}),
    ...(p.logFormat !== undefined ? { logFormat: p.logFormat.text } : {}),
    ...(logs ? accessLog(p) : {}),
    ...(p.captures.request.length + p.captures.response.length > 0 ? { captures: p.captures } : {}),
    ...(p.uniqueIdFormat !== undefined ? { uniqueId: { format: p.uniqueIdFormat, ...(p.uniqueIdHeader !== undefined ? { header: p.uniqueIdHeader } : {}) } } : {}),
    ...(logs ? { log: true } : {}),
    origin: { file: p.span.file, line: p.span.line },
  }
}

function num(v: unknown, d: number): number {
  return typeof v === 'number' ? v : d
}

function freezeServer(s: ServerDraft): Server {
  const q = s.params
  const str = (k: string): string | undefined => (typeof q[k] === 'string' ? (q[k] as string) : undefined)
  const observe = str('observe')
  const agentPort = q['agent-port']
  return {
    name: s.name,
    id: s.id ?? 0,
    host: s.host,
    ...(s.port !== undefined ? { port: s.port } : {}),
    ...(s.portOffset !== undefined ? { portOffset: s.portOffset } : {}),
    weight: num(q.weight, 1),
    backup: q.backup === true,
    disabled: q.disabled === true,
    check: q.check === true,
    interMs: num(q.inter, 2000),
    ...(typeof q.fastinter === 'number' ? { fastinterMs: q.fastinter } : {}),
    ...(typeof q.downinter === 'number' ? { downinterMs: q.downinter } : {}),
    rise: num(q.rise, 2),
    fall: num(q.fall, 3),
    // HAProxy stores slowstart in whole seconds, rounded up (reference §1.4).
    slowstartMs: Math.ceil(num(q.slowstart, 0) / 1000) * 1000,
    ...(str('cookie') !== undefined ? { cookie: str('cookie') } : {}),
    maxconn: num(q.maxconn, 0),
    maxqueue: num(q.maxqueue, 0),
    ssl: q.ssl === true,
    ...(typeof q.port === 'number' ? { checkPort: q.port } : {}),
    ...(str('addr') ? { checkAddr: str('addr') } : {}),
    ...(observe === 'layer4' || observe === 'layer7' ? { observe } : {}),
    ...(str('on-error') ? { onError: str('on-error') } : {}),
    errorLimit: num(q['error-limit'], 10),
    // The agent port defaults to the check `port` (check.c `srv_parse_check_port`); agent-inter to 2 s (proxy.c defsrv).
    ...(q['agent-check'] === true && typeof (agentPort ?? q.port) === 'number'
      ? {
          agent: {
            port: (agentPort ?? q.port) as number,
            interMs: num(q['agent-inter'], 2000),
            ...(str('agent-send') ? { send: str('agent-send') } : {}),
            ...(str('agent-addr') ? { addr: str('agent-addr') } : {}),
          },
        }
      : {}),
    ...(str('redir') ? { redir: str('redir') } : {}),
    ...(str('track') ? { track: str('track') } : {}),
    origin: s.origin,
  } as Server
}

/**
 * The `dispatch` address as a server outside the server list (cfgparse.c): ignored, with
 * HAProxy's warning, when a `balance` applies (own or from defaults). Named `<NOSRV>`, what
 * HAProxy logs as `%s` when the stream's target is the backend itself.
 */
function dispatchServer(p: ProxyDraft, sv: Services): Server | undefined {
  const d = p.dispatch
  if (!d) return undefined
  if (p.balance) {
    sv.diag.warning('useless', d.span, `dispatch address of ${p.kind} '${p.name}' will be ignored in balance mode.`, {
      help: "remove 'dispatch' or the 'balance' line (a 'balance' in defaults applies too)",
    })
    return undefined
  }
  return freezeServer({
    name: '<NOSRV>',
    nameWord: { text: '<NOSRV>', span: d.span } as ServerDraft['nameWord'],
    host: d.host,
    port: d.port,
    params: {},
    origin: { file: d.span.file, line: d.span.line },
    span: d.span,
  })
}

/**
 * L4 checks (plain `check`, `tcp-check`, protocol checks) run over `connect()`, which cannot reach
 * private or loopback addresses and refuses Cloudflare's own ranges. With a VPC network a plain
 * `check` of such an address is sent through it as one HTTP request (src/health/probes/http.ts
 * runConnectOverFetch); `option httpchk` checks over fetch() (or the VPC network) everywhere.
 */
function warnLayer4Checks(p: ProxyDraft, sv: Services): void {
  const plain = p.check === undefined || p.check.type === 'tcp'
  for (const s of p.servers) {
    if (s.params.check !== true) continue
    const target = typeof s.params.addr === 'string' ? s.params.addr : s.host
    const cls = addressClass(target)
    if (cls !== 'private' && cls !== 'loopback' && cls !== 'cloudflare') continue
    const why = cls === 'cloudflare' ? "connect() refuses Cloudflare's own address ranges" : `connect() cannot reach a ${cls} address from the edge`
    const http = p.mode === 'http'
    const fix = http
      ? `add 'option httpchk' to ${p.kind} '${p.name}' (HTTP checks run over fetch()), or deploy with a VPC network ('edgeproxy deploy --vpc-network cf1:network'), through which ${plain ? "a plain 'check' runs as one HTTP request" : 'only HTTP checks run'}`
      : "give the server a hostname connect() reaches, or check it over HTTP ('option httpchk') if it speaks HTTP"
    sv.diag.warning(
      'edge-check',
      s.span,
      `'server ${p.name}/${s.name}' : its layer-4 health check connects to ${target}, but ${why}: without a fix the server is marked DOWN at the edge${cls === 'loopback' ? " ('edgeproxy dev' reaches it)" : ''}`,
      { help: fix },
    )
  }
}

function freezeBackend(p: ProxyDraft, sv: Services): Backend {
  const stats = freezeStats(p)
  const servers = p.servers.map(freezeServer)
  const checked = servers.some((s) => s.check)
  if (p.check && p.check.type !== 'http' && (p.check.http?.steps?.length ?? 0) > 0) {
    sv.diag.warning('useless', p.span, `${p.kind} '${p.name}' uses http-check rules without 'option httpchk', so the rules are ignored.`, { help: "add 'option httpchk' to run them" })
  }
  if (p.check && !checked && p.checkSpan) {
    sv.diag.warning('useless', p.checkSpan, `${p.kind} '${p.name}': health check settings have no effect because no server has 'check'`, { help: "add 'check' to the server lines" })
  }
  if (checked && p.check?.type !== 'http') warnLayer4Checks(p, sv)
  const dispatch = dispatchServer(p, sv)
  return {
    name: p.name,
    id: p.id,
    listen: p.kind === 'listen',
    mode: p.mode,
    balance: p.balance ?? { algo: 'roundrobin' },
    hash: p.hash,
    servers,
    ...(dispatch ? { dispatch } : {}),
    ...(p.cookie ? { cookie: p.cookie } : {}),
    acls: freezeAcls(p),
    httpRequest: p.kind === 'listen' ? [] : p.httpRequest,
    httpResponse: p.kind === 'listen' ? [] : p.httpResponse,
    httpAfterResponse: p.kind === 'listen' ? [] : p.httpAfterResponse,
    redirects: p.kind === 'listen' ? [] : p.redirects,
    ...freezeTcp([], [], p.kind === 'listen' ? [] : p.tcp.content, p.tcp.response),
    useServers: p.useServers.map(({ span: _s, ...u }) => u),
    forcePersist: p.forcePersist,
    ignorePersist: p.ignorePersist,
    options: freezeOptions(p),
    timeouts: p.timeouts,
    retries: p.retries,
    retryOn: p.retryOn,
    ...(p.check || checked ? { check: p.check ?? { type: 'tcp', disableOn404: false, sendState: false } } : {}),
    ...(p.healthLocation ? { healthLocation: p.healthLocation } : {}),
    ...(p.healthRegions ? { healthRegions: p.healthRegions } : {}),
    ...(p.stickTable ? { stickTable: p.stickTable } : {}),
    stickRules: p.stickRules,
    ...(stats ? { stats } : {}),
    errorfiles: p.errorfiles,
    ...(p.errorReplies && Object.keys(p.errorReplies).length > 0 ? { errorReplies: p.errorReplies } : {}),
    ...(p.fullconn !== undefined ? { fullconn: p.fullconn } : {}),
    origin: { file: p.span.file, line: p.span.line },
  }
}
