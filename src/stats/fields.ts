/**
 * @module
 * HAProxy 2.6's `show stat` rows (stats.c `stats_fill_fe_stats`, `stats_fill_sv_stats`,
 * `stats_fill_be_stats`), computed from a `StatsInput`. One table describes every column: its
 * name and, per row type (F frontend, B backend, S server), the field's typed tags
 * (origin/nature/scope letters and format, as `show stat typed` prints them) and how its value
 * is computed; a column without an entry for a row type stays empty, as in HAProxy.
 *
 * The column list is the 2.6.12 one: the 103 static columns, then the extra module columns of a
 * Debian build (ssl, h2, h1), which the CSV separates with a `-` column. An empty field is
 * `undefined`; a present but empty string (`last_chk` after a passed check) is `''`.
 */
import type { StatsInput } from './input.ts'
import type { Backend } from '../routemap/schema.ts'
import { ageSec, type BackendView, backendView, formatAddr, frontendCounters, frontendMaxconn, type ProxyView, proxiesInOrder, type ServerView, serverAddr } from './model.ts'

export interface StatRow {
  /** 0 frontend, 1 backend, 2 server, 3 listener. */
  readonly type: 0 | 1 | 2 | 3
  readonly iid: number
  readonly sid: number
  readonly pxname: string
  readonly svname: string
  /** One per STAT_COLUMNS_26 entry; undefined = empty field. */
  readonly values: readonly (string | number | undefined)[]
}

export interface StatFilter {
  /** Proxy id (`show stat <iid> <type> <sid>`); −1 = all. */
  readonly iid?: number
  /** Proxy name (takes precedence over iid). */
  readonly name?: string
  /** Bitmask: 1 frontends, 2 backends, 4 servers; −1 = all. */
  readonly typeMask?: number
  /** Server id; −1 = all. */
  readonly sid?: number
  /** `up`: hide servers that are DOWN and not changing state, and MAINT. */
  readonly up?: boolean
  /** `no-maint`: hide servers in maintenance. */
  readonly noMaint?: boolean
  /**
   * Show `addr`, `cookie` and `algo` (STAT_SHLGNDS): the CLI at operator/admin level, or the
   * page with `stats show-legends`. Default true.
   */
  readonly legends?: boolean
}

/** Value formats of `show stat typed` / json. */
export type FieldFormat = 'u32' | 'u64' | 's32' | 'str'

export interface FieldType {
  /** Origin, nature and scope letters, e.g. `MCP`. */
  readonly tags: string
  readonly format: FieldFormat
}

type Val = string | number | undefined

interface Ctx {
  readonly input: StatsInput
  readonly legends: boolean
  readonly http: boolean
}
interface FeCtx extends Ctx {
  readonly px: ProxyView
  readonly c: ReturnType<typeof frontendCounters>
}
interface BeCtx extends Ctx {
  readonly bv: BackendView
  readonly c: BackendView['counters']
}
interface SvCtx extends Ctx {
  readonly bv: BackendView
  readonly sv: ServerView
  readonly c: ServerView['counters']
}

type Cell<C> = readonly [tags: string, get: (c: C) => Val]
interface ColumnDef {
  readonly name: string
  readonly F?: Cell<FeCtx>
  readonly B?: Cell<BeCtx>
  readonly S?: Cell<SvCtx>
  /** The Prometheus metric the column is exported as, when it is one. */
  readonly prom?: PromMetric
}

/**
 * A column's Prometheus metric (HAProxy 2.6.12's addons/promex promex_st_metrics: one entry per
 * stats field, with the scopes that export it). The exporter (src/stats/prometheus.ts) walks the
 * columns in order for each scope.
 */
export interface PromMetric {
  /** The name after `haproxy_frontend_`, `haproxy_backend_` or `haproxy_server_`. */
  readonly name: string
  readonly type: 'gauge' | 'counter'
  readonly help: string
  /** Scope mask: bit `1 << StatRow.type` for each row type that exports it (promex PROMEX_FL_{FRONT,BACK,SRV}_METRIC). */
  readonly scopes: number
  /** A time kept in milliseconds, exported in seconds. */
  readonly seconds: boolean
  /** Exported for HTTP frontends and backends only. */
  readonly http: boolean
  /** One sample per status class (`code` label) from the hrsp_* columns, HTTP proxies only. */
  readonly byCode: boolean
}

/** `prom(name, g(auge)|c(ounter), scopes as F/B/S letters, HELP, flags…)`. */
function prom(name: string, type: 'g' | 'c', scopes: string, help: string, ...flags: ('seconds' | 'http' | 'by-code')[]): PromMetric {
  return {
    name,
    type: type === 'c' ? 'counter' : 'gauge',
    help,
    scopes: (scopes.includes('F') ? 1 : 0) | (scopes.includes('B') ? 2 : 0) | (scopes.includes('S') ? 4 : 0),
    seconds: flags.includes('seconds'),
    http: flags.includes('http'),
    byCode: flags.includes('by-code'),
  }
}

/** Shorthands: a counter, the same cell for every row type listed, HTTP-only cells. */
type AnyCtx = FeCtx | BeCtx | SvCtx
const cnt =
  (k: keyof AnyCtx['c']) =>
  (c: AnyCtx): number =>
    c.c[k]
const zero = (): number => 0
const httpOnly =
  <C extends Ctx>(get: (c: C) => Val) =>
  (c: C): Val =>
    c.http ? get(c) : undefined
const avg = (sumKey: 'qtime_sum' | 'ctime_sum' | 'rtime_sum' | 'ttime_sum') => (c: BeCtx | SvCtx) => (c.c.timed > 0 ? Math.round(c.c[sumKey] / c.c.timed) : 0)
const lastsess = (c: BeCtx | SvCtx): number => (c.c.lastsess > 0 ? ageSec(c.input.now, c.c.lastsess) : -1)
/** The check fields shown while the server's own check is enabled and not paused (MAINT pauses it). */
const checking = (c: SvCtx): boolean => c.sv.checkEnabled && !c.sv.maint && !c.sv.inheritedMaint
/** The server's own agent check report (`agent-check`), while it has one. */
const agentOf = (c: SvCtx) => (c.sv.srv.agent && !c.sv.track ? c.sv.snap?.agent : undefined)
const checkStatusOrder = ['UNK', 'INI', 'START', 'CHECKED', 'HANA', 'SOCKERR', 'L4OK', 'L4TOUT', 'L4CON', 'L6OK', 'L6TOUT', 'L6RSP', 'L7TOUT', 'L7RSP', 'L57DATA', 'L7OK', 'L7OKC', 'L7STS']
/** HAProxy's numeric HCHK_STATUS_* (2.6). */
export function checkStatusNumber(status: string): number {
  const i = checkStatusOrder.indexOf(status)
  return Math.max(i, 0)
}

const ALGO: Record<Backend['balance']['algo'], string> = {
  roundrobin: 'roundrobin',
  'static-rr': 'static-rr',
  leastconn: 'leastconn',
  first: 'first',
  // backend.c backend_lb_algo_str() has no entry for random in 2.6.
  random: 'unknown',
  source: 'source',
  uri: 'uri',
  url_param: 'url_param',
  hdr: 'hdr',
}

/** Frontend (F), backend (B) and server (S) cells of the same counter with the same tags. */
function all(tags: string, k: keyof AnyCtx['c'], types = 'FBS'): Pick<ColumnDef, 'F' | 'B' | 'S'> {
  const cell = [tags, cnt(k)] as const
  return { ...(types.includes('F') ? { F: cell } : {}), ...(types.includes('B') ? { B: cell } : {}), ...(types.includes('S') ? { S: cell } : {}) }
}

const COLUMNS: readonly ColumnDef[] = [
  { name: 'pxname', F: ['KNS:str', (c) => c.px.name], B: ['KNS:str', (c) => c.bv.be.name], S: ['KNS:str', (c) => c.bv.be.name] },
  { name: 'svname', F: ['KNS:str', () => 'FRONTEND'], B: ['KNS:str', () => 'BACKEND'], S: ['KNS:str', (c) => c.sv.srv.name] },
  { name: 'qcur', ...all('MGP:u32', 'qcur', 'BS'), prom: prom('current_queue', 'g', 'BS', 'Number of current queued connections') },
  { name: 'qmax', ...all('MMP:u32', 'qmax', 'BS'), prom: prom('max_queue', 'g', 'BS', 'Highest value of queued connections encountered since process started') },
  { name: 'scur', ...all('MGP:u32', 'scur'), prom: prom('current_sessions', 'g', 'FBS', 'Number of current sessions on the frontend, backend or server') },
  { name: 'smax', ...all('MMP:u32', 'smax'), prom: prom('max_sessions', 'g', 'FBS', 'Highest value of current sessions encountered since process started') },
  {
    name: 'slim',
    F: ['CLP:u32', (c) => (c.px.fe ? frontendMaxconn(c.input, c.px.fe) : undefined)],
    B: ['CLP:u32', (c) => c.bv.fullconn],
    S: ['CLP:u32', (c) => (c.sv.srv.maxconn > 0 ? c.sv.srv.maxconn : undefined)],
    prom: prom('limit_sessions', 'g', 'FBS', "Frontend/listener/server's maxconn, backend's fullconn"),
  },
  { name: 'stot', ...all('MCP:u64', 'stot'), prom: prom('sessions_total', 'c', 'FBS', 'Total number of sessions since process started') },
  { name: 'bin', ...all('MCP:u64', 'bin'), prom: prom('bytes_in_total', 'c', 'FBS', 'Total number of request bytes since process started') },
  { name: 'bout', ...all('MCP:u64', 'bout'), prom: prom('bytes_out_total', 'c', 'FBS', 'Total number of response bytes since process started') },
  { name: 'dreq', ...all('MCP:u64', 'dreq', 'FB'), prom: prom('requests_denied_total', 'c', 'FB', 'Total number of denied requests since process started') },
  { name: 'dresp', ...all('MCP:u64', 'dresp'), prom: prom('responses_denied_total', 'c', 'FBS', 'Total number of denied responses since process started') },
  { name: 'ereq', ...all('MCP:u64', 'ereq', 'F'), prom: prom('request_errors_total', 'c', 'F', 'Total number of invalid requests since process started') },
  { name: 'econ', ...all('MCP:u64', 'econ', 'BS'), prom: prom('connection_errors_total', 'c', 'BS', 'Total number of failed connections to server since the worker process started') },
  { name: 'eresp', ...all('MCP:u64', 'eresp', 'BS'), prom: prom('response_errors_total', 'c', 'BS', 'Total number of invalid responses since the worker process started') },
  { name: 'wretr', ...all('MCP:u64', 'wretr', 'BS'), prom: prom('retry_warnings_total', 'c', 'BS', 'Total number of server connection retries since the worker process started') },
  {
    name: 'wredis',
    ...all('MCP:u64', 'wredis', 'BS'),
    prom: prom('redispatch_warnings_total', 'c', 'BS', 'Total number of server redispatches due to connection failures since the worker process started'),
  },
  {
    name: 'status',
    F: ['SGP:str', () => 'OPEN'],
    B: ['SGP:str', (c) => (c.bv.up ? 'UP' : 'DOWN')],
    S: ['SGP:str', (c) => c.sv.status],
    prom: prom('status', 'g', 'FBS', 'Current status of the service, per state label value.'),
  },
  {
    name: 'weight',
    B: ['MaP:u32', (c) => c.bv.weight],
    S: ['MaP:u32', (c) => Math.ceil(c.sv.eweight / 16)],
    prom: prom('weight', 'g', 'BS', "Server's effective weight, or sum of active servers' effective weights for a backend"),
  },
  {
    name: 'act',
    B: ['MGP:u32', (c) => c.bv.act],
    S: ['SGP:u32', (c) => (c.sv.srv.backup ? 0 : 1)],
    prom: prom('active_servers', 'g', 'B', 'Total number of active UP servers with a non-zero weight'),
  },
  {
    name: 'bck',
    B: ['MGP:u32', (c) => c.bv.bck],
    S: ['SGP:u32', (c) => (c.sv.srv.backup ? 1 : 0)],
    prom: prom('backup_servers', 'g', 'B', 'Total number of backup UP servers with a non-zero weight'),
  },
  {
    name: 'chkfail',
    S: ['MCP:u64', (c) => (c.sv.checkEnabled ? (c.sv.snap?.failedChecks ?? 0) : undefined)],
    prom: prom('check_failures_total', 'c', 'S', 'Total number of failed individual health checks per server/backend, since the worker process started'),
  },
  {
    name: 'chkdown',
    B: ['MCP:u64', (c) => (c.bv.up ? 0 : 1)],
    S: ['MCP:u64', (c) => (c.sv.checkEnabled ? (c.sv.snap?.downTransitions ?? 0) : undefined)],
    prom: prom('check_up_down_total', 'c', 'BS', 'Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started'),
  },
  {
    name: 'lastchg',
    B: ['MAP:u32', (c) => ageSec(c.input.now, c.bv.lastChange)],
    S: ['MAP:u32', (c) => ageSec(c.input.now, c.sv.lastChange)],
    prom: prom('check_last_change_seconds', 'g', 'BS', 'How long ago the last server state changed, in seconds'),
  },
  {
    name: 'downtime',
    B: ['MCP:u32', (c) => (c.bv.servers.length === 0 ? undefined : c.bv.up ? 0 : ageSec(c.input.now, c.bv.lastChange))],
    S: ['MCP:u32', (c) => (!c.sv.checkEnabled ? undefined : c.sv.opState === 'STOPPED' ? ageSec(c.input.now, c.sv.lastChange) : 0)],
    prom: prom('downtime_seconds_total', 'c', 'BS', 'Total time spent in DOWN state, for server or backend'),
  },
  {
    name: 'qlimit',
    S: ['CGS:u32', (c) => (c.sv.srv.maxqueue > 0 ? c.sv.srv.maxqueue : undefined)],
    prom: prom('queue_limit', 'g', 'S', 'Limit on the number of connections in queue, for servers only (maxqueue argument)'),
  },
  { name: 'pid', F: ['KGP:u32', () => 1], B: ['KGP:u32', () => 1], S: ['KGP:u32', () => 1] },
  { name: 'iid', F: ['KGS:u32', (c) => c.px.id], B: ['KGS:u32', (c) => c.bv.be.id], S: ['KGS:u32', (c) => c.bv.be.id] },
  { name: 'sid', F: ['KGS:u32', () => 0], B: ['KGS:u32', () => 0], S: ['KGS:u32', (c) => c.sv.srv.id] },
  {
    name: 'throttle',
    S: ['MaP:u32', (c) => c.sv.throttle],
    prom: prom('current_throttle', 'g', 'S', "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)"),
  },
  {
    name: 'lbtot',
    ...all('MCP:u64', 'lbtot', 'BS'),
    prom: prom('loadbalanced_total', 'c', 'BS', 'Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)'),
  },
  { name: 'tracked', S: ['CNS:str', (c) => c.sv.track] },
  { name: 'type', F: ['CGS:u32', () => 0], B: ['CGS:u32', () => 1], S: ['CGS:u32', () => 2] },
  { name: 'rate', F: ['MRP:u32', cnt('rate')], B: ['MGP:u32', cnt('rate')], S: ['MRP:u32', cnt('rate')] },
  { name: 'rate_lim', F: ['CLP:u32', zero], prom: prom('limit_session_rate', 'g', 'F', "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)") },
  {
    name: 'rate_max',
    F: ['MMP:u32', cnt('rate_max')],
    B: ['MGP:u32', cnt('rate_max')],
    S: ['MMP:u32', cnt('rate_max')],
    prom: prom('max_session_rate', 'g', 'FBS', 'Highest value of sessions per second observed since the worker process started'),
  },
  { name: 'check_status', S: ['MOP:str', (c) => (checking(c) ? c.sv.checkStatus : undefined)], prom: prom('check_status', 'g', 'S', 'Status of last health check, per state label value.') },
  {
    name: 'check_code',
    S: ['MOP:u32', (c) => (checking(c) && checkStatusNumber(c.sv.checkStatus) >= 14 ? (c.sv.checkCode ?? 0) : undefined)],
    prom: prom('check_code', 'g', 'S', 'layer5-7 code, if available of the last health check.'),
  },
  {
    name: 'check_duration',
    S: ['MDP:u64', (c) => (checking(c) && checkStatusNumber(c.sv.checkStatus) >= 3 ? Math.max(0, c.sv.checkDurationMs ?? 0) : undefined)],
    prom: prom('check_duration_seconds', 'g', 'S', 'Total duration of the latest server health check, in seconds.'),
  },
  ...(['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'] as const).map(
    (k): ColumnDef => ({
      name: k,
      F: ['MCP:u64', httpOnly(cnt(k))],
      B: ['MCP:u64', httpOnly(cnt(k))],
      S: ['MCP:u64', httpOnly(cnt(k))],
      // One metric for the six columns, labelled by code: it goes with the first.
      ...(k === 'hrsp_1xx'
        ? { prom: prom('http_responses_total', 'c', 'FBS', 'Total number of HTTP responses with status 100-199 returned by this object since the worker process started', 'by-code') }
        : {}),
    }),
  ),
  { name: 'hanafail', S: ['MCP:u64', (c) => (c.sv.srv.observe ? (c.sv.snap?.hanaFailures ?? 0) : undefined)] },
  { name: 'req_rate', F: ['MRP:u32', cnt('req_rate')] },
  { name: 'req_rate_max', F: ['MMP:u32', cnt('req_rate_max')], prom: prom('http_requests_rate_max', 'g', 'F', 'Highest value of http requests observed since the worker process started', 'http') },
  {
    name: 'req_tot',
    F: ['MCP:u64', cnt('req_tot')],
    B: ['MCP:u64', httpOnly(cnt('req_tot'))],
    S: ['MCP:u64', httpOnly(cnt('req_tot'))],
    prom: prom('http_requests_total', 'c', 'FB', 'Total number of HTTP requests processed by this object since the worker process started', 'http'),
  },
  {
    name: 'cli_abrt',
    ...all('MCP:u64', 'cli_abrt', 'BS'),
    prom: prom('client_aborts_total', 'c', 'BS', 'Total number of requests or connections aborted by the client since the worker process started'),
  },
  {
    name: 'srv_abrt',
    ...all('MCP:u64', 'srv_abrt', 'BS'),
    prom: prom('server_aborts_total', 'c', 'BS', 'Total number of requests or connections aborted by the server since the worker process started'),
  },
  ...(
    [
      ['comp_in', 'http_comp_bytes_in_total', 'Total number of bytes submitted to the HTTP compressor for this object since the worker process started'],
      ['comp_out', 'http_comp_bytes_out_total', 'Total number of bytes emitted by the HTTP compressor for this object since the worker process started'],
      ['comp_byp', 'http_comp_bytes_bypassed_total', 'Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)'],
      ['comp_rsp', 'http_comp_responses_total', 'Total number of HTTP responses that were compressed for this object since the worker process started'],
    ] as const
  ).map(([name, metric, help]): ColumnDef => ({ name, F: ['MCP:u64', zero], B: ['MCP:u64', zero], prom: prom(metric, 'c', 'FB', help, 'http') })),
  {
    name: 'lastsess',
    B: ['MAP:s32', lastsess],
    S: ['MAP:s32', lastsess],
    prom: prom('last_session_seconds', 'g', 'BS', 'How long ago some traffic was seen on this object on this worker process, in seconds'),
  },
  { name: 'last_chk', S: ['MOP:str', (c) => (checking(c) ? c.sv.checkInfo : undefined)] },
  { name: 'last_agt', S: ['MOP:str', (c) => agentOf(c)?.info] },
  {
    name: 'qtime',
    B: ['MaP:u32', avg('qtime_sum')],
    S: ['MaP:u32', avg('qtime_sum')],
    prom: prom('queue_time_average_seconds', 'g', 'BS', 'Avg. queue time for last 1024 successful connections.', 'seconds'),
  },
  {
    name: 'ctime',
    B: ['MaP:u32', avg('ctime_sum')],
    S: ['MaP:u32', avg('ctime_sum')],
    prom: prom('connect_time_average_seconds', 'g', 'BS', 'Avg. connect time for last 1024 successful connections.', 'seconds'),
  },
  {
    name: 'rtime',
    B: ['MaP:u32', avg('rtime_sum')],
    S: ['MaP:u32', avg('rtime_sum')],
    prom: prom('response_time_average_seconds', 'g', 'BS', 'Avg. response time for last 1024 successful connections.', 'seconds'),
  },
  {
    name: 'ttime',
    B: ['MaP:u32', avg('ttime_sum')],
    S: ['MaP:u32', avg('ttime_sum')],
    prom: prom('total_time_average_seconds', 'g', 'BS', 'Avg. total time for last 1024 successful connections.', 'seconds'),
  },
  { name: 'agent_status', S: ['MOP:str', (c) => agentOf(c)?.status] },
  {
    name: 'agent_code',
    S: [
      'MOP:u32',
      (c) => {
        const a = agentOf(c)
        return a && checkStatusNumber(a.status) >= 14 ? (a.code ?? 0) : undefined
      },
    ],
  },
  {
    name: 'agent_duration',
    S: [
      'MDP:u64',
      (c) => {
        const a = agentOf(c)
        return a ? Math.max(0, a.durationMs ?? 0) : undefined
      },
    ],
  },
  { name: 'check_desc', S: ['MOP:str', (c) => (checking(c) ? c.sv.checkDesc : undefined)] },
  { name: 'agent_desc', S: ['MOP:str', (c) => agentOf(c)?.desc] },
  { name: 'check_rise', S: ['CGS:u32', (c) => (checking(c) ? c.sv.rise : undefined)] },
  { name: 'check_fall', S: ['CGS:u32', (c) => (checking(c) ? c.sv.fall : undefined)] },
  { name: 'check_health', S: ['CGS:u32', (c) => (checking(c) ? c.sv.health : undefined)] },
  { name: 'agent_rise', S: ['CGS:u32', (c) => (agentOf(c) ? 1 : undefined)] },
  { name: 'agent_fall', S: ['CGS:u32', (c) => (agentOf(c) ? 1 : undefined)] },
  { name: 'agent_health', S: ['CGS:u32', (c) => agentOf(c)?.health] },
  {
    name: 'addr',
    S: [
      'CGS:str',
      (c) => {
        if (!c.legends) return undefined
        const a = serverAddr(c.sv)
        return formatAddr(a.host, a.port)
      },
    ],
  },
  {
    name: 'cookie',
    B: ['CNS:str', (c) => (c.legends ? c.bv.be.cookie?.name : undefined)],
    S: ['CNS:str', (c) => (c.legends ? c.sv.srv.cookie : undefined)],
  },
  { name: 'mode', F: ['CGS:str', (c) => c.px.fe?.mode], B: ['CGS:str', (c) => c.bv.be.mode], S: ['CGS:str', (c) => c.bv.be.mode] },
  { name: 'algo', B: ['CGS:str', (c) => (c.legends ? ALGO[c.bv.be.balance.algo] : undefined)] },
  { name: 'conn_rate', F: ['MRP:u32', cnt('conn_rate')] },
  { name: 'conn_rate_max', F: ['MMP:u32', cnt('conn_rate_max')], prom: prom('connections_rate_max', 'g', 'F', 'Highest value of connections per second observed since the worker process started') },
  { name: 'conn_tot', F: ['MCP:u64', cnt('conn_tot')], prom: prom('connections_total', 'c', 'F', 'Total number of new connections accepted on this frontend since the worker process started') },
  {
    name: 'intercepted',
    F: ['MCP:u64', httpOnly(cnt('intercepted'))],
    prom: prom('intercepted_requests_total', 'c', 'F', 'Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started', 'http'),
  },
  {
    name: 'dcon',
    F: ['MCP:u64', zero],
    prom: prom('denied_connections_total', 'c', 'F', 'Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started'),
  },
  {
    name: 'dses',
    F: ['MCP:u64', zero],
    prom: prom('denied_sessions_total', 'c', 'F', 'Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started'),
  },
  { name: 'wrew', ...all('MCP:u64', 'wrew'), prom: prom('failed_header_rewriting_total', 'c', 'FBS', 'Total number of failed HTTP header rewrites since the worker process started') },
  {
    name: 'connect',
    ...all('MCP:u64', 'connect', 'BS'),
    prom: prom('connection_attempts_total', 'c', 'BS', 'Total number of outgoing connection attempts on this backend/server since the worker process started'),
  },
  {
    name: 'reuse',
    B: ['MCP:u64', zero],
    S: ['MCP:u64', zero],
    prom: prom('connection_reuses_total', 'c', 'BS', 'Total number of reused connection on this backend/server since the worker process started'),
  },
  {
    name: 'cache_lookups',
    F: ['MCP:u64', httpOnly(zero)],
    B: ['MCP:u64', httpOnly(zero)],
    prom: prom('http_cache_lookups_total', 'c', 'FB', 'Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started', 'http'),
  },
  {
    name: 'cache_hits',
    F: ['MCP:u64', httpOnly(zero)],
    B: ['MCP:u64', httpOnly(zero)],
    prom: prom('http_cache_hits_total', 'c', 'FB', 'Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started', 'http'),
  },
  { name: 'srv_icur', S: ['MGP:u32', zero], prom: prom('idle_connections_current', 'g', 'S', 'Current number of idle connections available for reuse on this server') },
  { name: 'src_ilim', prom: prom('idle_connections_limit', 'g', 'S', "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)") },
  { name: 'qtime_max', ...all('MMP:u32', 'qtime_max', 'BS'), prom: prom('max_queue_time_seconds', 'g', 'BS', 'Maximum observed time spent in the queue', 'seconds') },
  { name: 'ctime_max', ...all('MMP:u32', 'ctime_max', 'BS'), prom: prom('max_connect_time_seconds', 'g', 'BS', 'Maximum observed time spent waiting for a connection to complete', 'seconds') },
  { name: 'rtime_max', ...all('MMP:u32', 'rtime_max', 'BS'), prom: prom('max_response_time_seconds', 'g', 'BS', 'Maximum observed time spent waiting for a server response', 'seconds') },
  {
    name: 'ttime_max',
    ...all('MMP:u32', 'ttime_max', 'BS'),
    prom: prom('max_total_time_seconds', 'g', 'BS', 'Maximum observed total request+response time (request+queue+connect+response+processing)', 'seconds'),
  },
  { name: 'eint', ...all('MCP:u64', 'eint'), prom: prom('internal_errors_total', 'c', 'FBS', 'Total number of internal errors since process started') },
  { name: 'idle_conn_cur', S: ['MGP:u32', zero], prom: prom('unsafe_idle_connections_current', 'g', 'S', 'Current number of unsafe idle connections') },
  { name: 'safe_conn_cur', S: ['MGP:u32', zero], prom: prom('safe_idle_connections_current', 'g', 'S', 'Current number of safe idle connections') },
  { name: 'used_conn_cur', S: ['MGP:u32', (c) => c.c.scur], prom: prom('used_connections_current', 'g', 'S', 'Current number of connections in use') },
  { name: 'need_conn_est', S: ['MGP:u32', zero], prom: prom('need_connections_current', 'g', 'S', 'Estimated needed number of connections') },
  {
    name: 'uweight',
    B: ['MaP:u32', (c) => c.bv.totuw],
    S: ['MaP:u32', (c) => c.sv.uweight],
    prom: prom('uweight', 'g', 'BS', "Server's user weight, or sum of active servers' user weights for a backend"),
  },
  { name: 'agg_server_status', B: ['MGP:u32', zero], prom: prom('agg_server_status', 'g', 'B', "Backend's aggregated gauge of servers' status") },
  { name: 'agg_server_check_status', B: ['MGP:u32', zero], prom: prom('agg_server_check_status', 'g', 'B', "Backend's aggregated gauge of servers' state check status") },
  { name: 'agg_check_status', B: ['MGP:u32', zero], prom: prom('agg_check_status', 'g', 'B', "Backend's aggregated gauge of servers' state check status") },
  // Extra module columns (after the CSV's `-`): ssl (F, B, S), h2 and h1 (F, B).
  ...['ssl_sess', 'ssl_reused_sess', 'ssl_failed_handshake'].map((name): ColumnDef => ({ name, F: ['MCP:u64', zero], B: ['MCP:u64', zero], S: ['MCP:u64', zero] })),
  ...[
    'h2_headers_rcvd',
    'h2_data_rcvd',
    'h2_settings_rcvd',
    'h2_rst_stream_rcvd',
    'h2_goaway_rcvd',
    'h2_detected_conn_protocol_errors',
    'h2_detected_strm_protocol_errors',
    'h2_rst_stream_resp',
    'h2_goaway_resp',
    'h2_open_connections',
    'h2_backend_open_streams',
    'h2_total_connections',
    'h2_backend_total_streams',
    'h1_open_connections',
    'h1_open_streams',
    'h1_total_connections',
    'h1_total_streams',
    'h1_bytes_in',
    'h1_bytes_out',
    'h1_spliced_bytes_in',
    'h1_spliced_bytes_out',
  ].map((name): ColumnDef => {
    const tags = /open_(connections|streams)$/.test(name) ? 'MGP:u64' : 'MCP:u64'
    return { name, F: [tags, zero], B: [tags, zero] }
  }),
]

/** HAProxy 2.6.12's `show stat` columns: 103 static ones, then the module ones (the CSV puts `-` between). */
export const STAT_COLUMNS_26: readonly string[] = COLUMNS.map((c) => c.name)
/** The exported columns in column order: a metric and the index of its column. */
export const PROM_COLUMNS: readonly { readonly column: number; readonly field: string; readonly metric: PromMetric }[] = COLUMNS.flatMap((c, column) =>
  c.prom ? [{ column, field: c.name, metric: c.prom }] : [],
)
/** Number of static columns (ST_F_TOTAL_FIELDS in 2.6.12): the CSV's `-` comes after them. */
export const STATIC_COLUMN_COUNT = 103

/** The typed tags of a filled field (`show stat typed`/json): per row type and column index. */
export function statFieldType(type: StatRow['type'], column: number): FieldType | undefined {
  const def = COLUMNS[column]
  const cell = type === 0 ? def?.F : type === 1 ? def?.B : type === 2 ? def?.S : undefined
  if (!cell) return undefined
  const [tags, format] = cell[0].split(':') as [string, FieldFormat]
  return { tags, format }
}

function fill<C>(cells: readonly (Cell<C> | undefined)[], ctx: C): Val[] {
  return cells.map((cell) => (cell ? cell[1](ctx) : undefined))
}

const F_CELLS = COLUMNS.map((c) => c.F)
const B_CELLS = COLUMNS.map((c) => c.B)
const S_CELLS = COLUMNS.map((c) => c.S)

/** `up`: servers DOWN and not changing state, or in maintenance, are hidden (stats.c STAT_HIDE_DOWN). */
function hiddenWhenUp(sv: ServerView): boolean {
  if (sv.maint || sv.inheritedMaint) return true
  if (sv.opState !== 'STOPPED') return false
  return !sv.refCheckEnabled || sv.health === 0
}

/**
 * The rows of `show stat` in HAProxy's order: proxies in configuration order; for each, the
 * FRONTEND row (frontend capability), the servers, then the BACKEND row (backend capability).
 * `filter` is `show stat [<iid>|<name> <type> <sid>] [up|no-maint]`.
 */
export function statRows(input: StatsInput, filter: StatFilter = {}): StatRow[] {
  const bound = filter.iid !== undefined || filter.name !== undefined || filter.typeMask !== undefined || filter.sid !== undefined
  const mask = bound ? (filter.typeMask ?? -1) : -1
  const sid = filter.sid ?? -1
  const legends = filter.legends ?? true
  const rows: StatRow[] = []
  const row = (type: StatRow['type'], values: Val[]): StatRow => ({
    type,
    iid: Number(values[27]),
    sid: Number(values[28]),
    pxname: String(values[0]),
    svname: String(values[1]),
    values,
  })
  for (const px of proxiesInOrder(input)) {
    if (filter.name !== undefined ? px.name !== filter.name : filter.iid !== undefined && filter.iid !== -1 && px.id !== filter.iid) continue
    if (px.fe && mask & 1) {
      const ctx: FeCtx = { input, legends, http: px.fe.mode === 'http', px, c: frontendCounters(input, px.fe) }
      rows.push(row(0, fill(F_CELLS, ctx)))
    }
    if (!px.be) continue
    const bv = backendView(input, px.be)
    const http = px.be.mode === 'http'
    if (mask & 4) {
      for (const sv of bv.servers) {
        if (sid !== -1 && sv.srv.id !== sid) continue
        if (filter.noMaint && (sv.maint || sv.inheritedMaint)) continue
        if (filter.up && hiddenWhenUp(sv)) continue
        rows.push(row(2, fill(S_CELLS, { input, legends, http, bv, sv, c: sv.counters })))
      }
    }
    if (mask & 2) {
      const values = fill(B_CELLS, { input, legends, http, bv, c: bv.counters })
      if (filter.up || filter.noMaint) {
        const nbup = bv.servers.filter((s) => s.opState !== 'STOPPED').length
        values[17] = `${values[17]} (${nbup}/${bv.servers.length})`
      }
      rows.push(row(1, values))
    }
  }
  return rows
}
