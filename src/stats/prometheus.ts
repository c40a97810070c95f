/**
 * @module
 * HAProxy 2.6's Prometheus exporter (addons/promex/service-prometheus.c, as built in 2.6.12):
 * metrics grouped by metric (all proxies for the first metric, then all for the second…),
 * each introduced by `# HELP` and `# TYPE` lines with the first sample, labels `proxy`,
 * `server`, `state`, `code`; values that are empty in `show stat` (or strings) print `NaN`,
 * times print as seconds with six decimals. Scopes: `global` (haproxy_process_*), `frontend`,
 * `backend`, `server`, `sticktable`, `listener` (empty at the edge: no `option socket-stats`),
 * `*`; any other scope is a 400. `no-maint` skips servers in maintenance.
 *
 * The metric names, types, HELP texts and order are HAProxy 2.6.12's output: the process and
 * stick-table metrics are listed below; the frontend, backend and server ones come from the stats
 * columns (src/stats/fields.ts `prom`: each column's metric and the scopes that export it), in
 * column order, as promex walks its field table for each scope.
 */
import type { StatsInput } from './input.ts'
import { checkStatusNumber, PROM_COLUMNS, type PromMetric, STAT_COLUMNS_26, type StatRow, statRows } from './fields.ts'
import { EDGEPROXY_VERSION, infoFields } from './info.ts'
import { backendView, proxiesInOrder, type ServerView } from './model.ts'

/** [name suffix, source field (stat column or show-info name), g(auge)|c(ounter), HELP]. */
type MetricDef = readonly [suffix: string, field: string, type: 'g' | 'c', help: string]

const PROCESS_METRICS: readonly MetricDef[] = [
  ['nbthread', 'Nbthread', 'g', 'Number of started threads (global.nbthread)'],
  ['nbproc', 'Nbproc', 'g', 'Number of started worker processes (historical, always 1)'],
  ['relative_process_id', 'Process_num', 'g', 'Relative worker process number (1)'],
  ['uptime_seconds', 'Uptime_sec', 'g', 'How long ago this worker process was started (seconds)'],
  ['pool_failures_total', 'PoolFailed', 'c', 'Number of failed pool allocations since this worker was started'],
  ['max_fds', 'Ulimit-n', 'g', 'Hard limit on the number of per-process file descriptors'],
  ['max_sockets', 'Maxsock', 'g', 'Hard limit on the number of per-process sockets'],
  ['max_connections', 'Maxconn', 'g', 'Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)'],
  ['hard_max_connections', 'Hard_maxconn', 'g', 'Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)'],
  ['current_connections', 'CurrConns', 'g', 'Current number of connections on this worker process'],
  ['connections_total', 'CumConns', 'c', 'Total number of connections on this worker process since started'],
  ['requests_total', 'CumReq', 'c', 'Total number of requests on this worker process since started'],
  ['max_ssl_connections', 'MaxSslConns', 'g', 'Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited'],
  ['current_ssl_connections', 'CurrSslConns', 'g', 'Current number of SSL endpoints on this worker process (front+back)'],
  ['ssl_connections_total', 'CumSslConns', 'c', 'Total number of SSL endpoints on this worker process since started (front+back)'],
  ['max_pipes', 'Maxpipes', 'g', 'Hard limit on the number of pipes for splicing, 0=unlimited'],
  ['pipes_used_total', 'PipesUsed', 'c', 'Current number of pipes in use in this worker process'],
  ['pipes_free_total', 'PipesFree', 'c', 'Current number of allocated and available pipes in this worker process'],
  ['current_connection_rate', 'ConnRate', 'g', 'Number of front connections created on this worker process over the last second'],
  ['limit_connection_rate', 'ConnRateLimit', 'g', 'Hard limit for ConnRate (global.maxconnrate)'],
  ['max_connection_rate', 'MaxConnRate', 'g', 'Highest ConnRate reached on this worker process since started (in connections per second)'],
  ['current_session_rate', 'SessRate', 'g', 'Number of sessions created on this worker process over the last second'],
  ['limit_session_rate', 'SessRateLimit', 'g', 'Hard limit for SessRate (global.maxsessrate)'],
  ['max_session_rate', 'MaxSessRate', 'g', 'Highest SessRate reached on this worker process since started (in sessions per second)'],
  ['current_ssl_rate', 'SslRate', 'g', 'Number of SSL connections created on this worker process over the last second'],
  ['limit_ssl_rate', 'SslRateLimit', 'g', 'Hard limit for SslRate (global.maxsslrate)'],
  ['max_ssl_rate', 'MaxSslRate', 'g', 'Highest SslRate reached on this worker process since started (in connections per second)'],
  ['current_frontend_ssl_key_rate', 'SslFrontendKeyRate', 'g', 'Number of SSL keys created on frontends in this worker process over the last second'],
  ['max_frontend_ssl_key_rate', 'SslFrontendMaxKeyRate', 'g', 'Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)'],
  ['frontend_ssl_reuse', 'SslFrontendSessionReuse_pct', 'g', 'Percent of frontend SSL connections which did not require a new key'],
  ['current_backend_ssl_key_rate', 'SslBackendKeyRate', 'g', 'Number of SSL keys created on backends in this worker process over the last second'],
  ['max_backend_ssl_key_rate', 'SslBackendMaxKeyRate', 'g', 'Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)'],
  ['ssl_cache_lookups_total', 'SslCacheLookups', 'c', 'Total number of SSL session ID lookups in the SSL session cache on this worker since started'],
  ['ssl_cache_misses_total', 'SslCacheMisses', 'c', "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started"],
  ['http_comp_bytes_in_total', 'CompressBpsIn', 'c', 'Number of bytes submitted to the HTTP compressor in this worker process over the last second'],
  ['http_comp_bytes_out_total', 'CompressBpsOut', 'c', 'Number of bytes emitted by the HTTP compressor in this worker process over the last second'],
  ['limit_http_comp', 'CompressBpsRateLim', 'g', 'Limit of CompressBpsOut beyond which HTTP compression is automatically disabled'],
  ['current_zlib_memory', 'ZlibMemUsage', 'g', 'Amount of memory currently used by HTTP compression on the current worker process (in bytes)'],
  ['max_zlib_memory', 'MaxZlibMemUsage', 'g', 'Limit on the amount of memory used by HTTP compression above which it is automatically disabled (in bytes, see global.maxzlibmem)'],
  ['current_tasks', 'Tasks', 'g', 'Total number of tasks in the current worker process (active + sleeping)'],
  ['current_run_queue', 'Run_queue', 'g', 'Total number of active tasks+tasklets in the current worker process'],
  ['idle_time_percent', 'Idle_pct', 'g', 'Percentage of last second spent waiting in the current worker thread'],
  ['stopping', 'Stopping', 'g', '1 if the worker process is currently stopping, otherwise zero'],
  ['jobs', 'Jobs', 'g', 'Current number of active jobs on the current worker process (frontend connections, master connections, listeners)'],
  ['unstoppable_jobs', 'Unstoppable Jobs', 'g', 'Current number of unstoppable jobs on the current worker process (master connections)'],
  ['listeners', 'Listeners', 'g', 'Current number of active listeners on the current worker process'],
  ['active_peers', 'ActivePeers', 'g', 'Current number of verified active peers connections on the current worker process'],
  ['connected_peers', 'ConnectedPeers', 'g', 'Current number of peers having passed the connection step on the current worker process'],
  ['dropped_logs_total', 'DroppedLogs', 'c', 'Total number of dropped logs for current worker process since started'],
  ['busy_polling_enabled', 'BusyPolling', 'g', '1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)'],
  ['failed_resolutions', 'FailedResolutions', 'c', 'Total number of failed DNS resolutions in current worker process since started'],
  ['bytes_out_total', 'TotalBytesOut', 'c', 'Total number of bytes emitted by current worker process since started'],
  ['spliced_bytes_out_total', 'TotalSplicdedBytesOut', 'c', 'Total number of bytes emitted by current worker process through a kernel pipe since started'],
  ['bytes_out_rate', 'BytesOutRate', 'g', 'Number of bytes emitted by current worker process over the last second'],
  ['recv_logs_total', 'CumRecvLogs', 'c', 'Total number of log messages received by log-forwarding listeners on this worker process since started'],
  ['build_info', 'Build info', 'g', 'Build info'],
  ['max_memory_bytes', 'Memmax_bytes', 'g', "Worker process's hard limit on memory usage in byes (-m on command line)"],
  ['pool_allocated_bytes', 'PoolAlloc_bytes', 'g', 'Amount of memory allocated in pools (in bytes)'],
  ['pool_used_bytes', 'PoolUsed_bytes', 'g', 'Amount of pool memory currently used (in bytes)'],
  ['start_time_seconds', 'Start_time_sec', 'g', 'Start time in seconds'],
]

const STICKTABLE_METRICS: readonly MetricDef[] = [
  ['size', 'size', 'g', 'Stick table size.'],
  ['used', 'used', 'g', 'Number of entries used in this stick table.'],
]

/** The standard 400 page (http_err_chunks[HTTP_ERR_400]). */
const BAD_REQUEST = '<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n'

const SCOPES = { global: 1, frontend: 2, backend: 4, server: 8, listener: 16, sticktable: 32 } as const
const ALL_SCOPES = 63

const SRV_STATES = ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB'] as const
/** check.c statuses whose result is at least CHK_RES_FAILED, in HCHK_STATUS order. */
const CHECK_STATES = ['HANA', 'SOCKERR', 'L4OK', 'L4TOUT', 'L4CON', 'L6OK', 'L6TOUT', 'L6RSP', 'L7TOUT', 'L7RSP', 'L7OK', 'L7OKC', 'L7STS', 'PROCERR', 'PROCTOUT', 'PROCOK'] as const
const HRSP_CODES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const
/** A proxy scope's metrics: the stats columns it exports, in column order. */
type ColumnMetric = (typeof PROM_COLUMNS)[number]
const metricsOf = (type: StatRow['type']): readonly ColumnMetric[] => PROM_COLUMNS.filter((m) => m.metric.scopes & (1 << type))
const FRONTEND_METRICS = metricsOf(0)
const BACKEND_METRICS = metricsOf(1)
const SERVER_METRICS = metricsOf(2)

export interface PrometheusResponse {
  readonly status: number
  readonly body: string
  readonly headers: Record<string, string>
}

/** promex_srv_status(). */
function promexServerState(v: ServerView): (typeof SRV_STATES)[number] {
  if (v.maint || v.inheritedMaint) return 'MAINT'
  if (v.opState === 'RUNNING' || v.opState === 'STARTING') return v.drain ? 'DRAIN' : 'UP'
  return v.opState === 'STOPPING' ? 'NOLB' : 'DOWN'
}

function num(v: string | number | undefined): string {
  return typeof v === 'number' ? String(v) : 'NaN'
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(6)
}

/** What a metric's HELP and TYPE lines say. */
type Metric = Pick<PromMetric, 'name' | 'type' | 'help'>
const metric = ([name, , type, help]: MetricDef): Metric => ({ name, type: type === 'c' ? 'counter' : 'gauge', help })

class Writer {
  out = ''
  #header = true
  readonly prefix: string
  constructor(prefix: string) {
    this.prefix = prefix
  }
  /** The next metric: its header goes out with its first sample. */
  next(): void {
    this.#header = true
  }
  sample(m: Metric, labels: readonly (readonly [string, string])[], value: string): void {
    const name = `${this.prefix}${m.name}`
    if (this.#header) this.out += `# HELP ${name} ${m.help}\n# TYPE ${name} ${m.type}\n`
    this.#header = false
    const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}` : ''
    this.out += `${name}${l} ${value}\n`
  }
}

function parseScopes(query: URLSearchParams): { scopes: number; noMaint: boolean } | undefined {
  let scopes = 0
  let explicit = false
  let noMaint = false
  for (const [key, value] of query) {
    if (key === 'scope') {
      explicit = true
      if (value === '') scopes = 0
      else if (value.startsWith('*')) scopes = ALL_SCOPES
      else if (Object.hasOwn(SCOPES, value)) scopes |= SCOPES[value as keyof typeof SCOPES]
      else return undefined
    } else if (key === 'no-maint') noMaint = true
  }
  return { scopes: explicit ? scopes : ALL_SCOPES, noMaint }
}

const col = (name: string): number => STAT_COLUMNS_26.indexOf(name)

function renderGlobal(input: StatsInput, w: Writer): void {
  const info = new Map(infoFields(input).map((f) => [f.name, f]))
  for (const def of PROCESS_METRICS) {
    w.next()
    if (def[0] === 'build_info') {
      w.sample(metric(def), [['version', EDGEPROXY_VERSION]], '1')
      continue
    }
    const f = info.get(def[1])
    w.sample(metric(def), [], f && f.format !== 'str' ? String(f.value) : 'NaN')
  }
}

const MODE = col('mode')
const HRSP_COLUMNS = HRSP_CODES.map((code) => [code, col(`hrsp_${code}`)] as const)

/**
 * Special samples (states, aggregates, check fields): writes them and returns true, or false for
 * the column's value.
 */
type Special = (m: ColumnMetric, row: StatRow, labels: [string, string][]) => boolean

function renderProxies(w: Writer, metrics: readonly ColumnMetric[], rows: readonly StatRow[], special: Special): void {
  for (const m of metrics) {
    const { column, metric } = m
    w.next()
    const codes = metric.byCode ? HRSP_COLUMNS : [undefined]
    for (const code of codes) {
      for (const row of rows) {
        const labels: [string, string][] = [['proxy', row.pxname]]
        if (row.type === 2) labels.push(['server', row.svname])
        if (special(m, row, labels)) continue
        const mode = row.values[MODE]
        if (code !== undefined) {
          if (mode !== 'http') continue
          w.sample(metric, [...labels, ['code', code[0]]], num(row.values[code[1]]))
          continue
        }
        if (row.type !== 2 && metric.http && mode !== 'http') continue
        const v = row.values[column]
        w.sample(metric, labels, metric.seconds && typeof v === 'number' ? seconds(v) : num(v))
      }
    }
  }
}

/**
 * The exporter's answer to `GET <path>?<query>`: 200 with the metrics, or 400 for a bad `scope`.
 * (URLSearchParams cannot tell `scope` from `scope=`; both clear the scopes.)
 */
export function renderPrometheus(input: StatsInput, query: URLSearchParams): PrometheusResponse {
  const parsed = parseScopes(query)
  if (!parsed) return { status: 400, body: BAD_REQUEST, headers: { 'content-type': 'text/html', 'cache-control': 'no-cache' } }
  const { scopes, noMaint } = parsed
  const headers = { 'cache-control': 'no-cache', 'content-type': 'text/plain; version=0.0.4' }
  let body = ''
  if (scopes & SCOPES.global) {
    const w = new Writer('haproxy_process_')
    renderGlobal(input, w)
    body += w.out
  }
  const rows = statRows(input)
  const views = new Map<string, ServerView>()
  const backends = new Map<string, ReturnType<typeof backendView>>()
  for (const p of proxiesInOrder(input)) {
    if (!p.be) continue
    const bv = backendView(input, p.be)
    backends.set(p.be.name, bv)
    for (const v of bv.servers) views.set(`${p.be.name}/${v.srv.name}`, v)
  }
  if (scopes & SCOPES.frontend) {
    const w = new Writer('haproxy_frontend_')
    renderProxies(
      w,
      FRONTEND_METRICS,
      rows.filter((r) => r.type === 0),
      (m, _row, labels) => {
        if (m.field !== 'status') return false
        for (const state of ['DOWN', 'UP']) w.sample(m.metric, [...labels, ['state', state]], state === 'UP' ? '1' : '0')
        return true
      },
    )
    body += w.out
  }
  if (scopes & SCOPES.backend) {
    const w = new Writer('haproxy_backend_')
    renderProxies(
      w,
      BACKEND_METRICS,
      rows.filter((r) => r.type === 1),
      (m, row, labels) => {
        const bv = backends.get(row.pxname)
        if (!bv) return true
        if (m.field === 'status') {
          for (const state of ['DOWN', 'UP']) w.sample(m.metric, [...labels, ['state', state]], (state === 'UP') === bv.up ? '1' : '0')
          return true
        }
        if (m.field === 'agg_server_status' || m.field === 'agg_server_check_status') {
          if (bv.servers.length === 0) return true
          for (const state of SRV_STATES) w.sample(m.metric, [...labels, ['state', state]], String(bv.servers.filter((v) => promexServerState(v) === state).length))
          return true
        }
        if (m.field === 'agg_check_status') {
          if (bv.servers.length === 0) return true
          for (const state of CHECK_STATES) w.sample(m.metric, [...labels, ['state', state]], String(bv.servers.filter((v) => v.checkEnabled && v.checkStatus === state).length))
          return true
        }
        return false
      },
    )
    body += w.out
  }
  if (scopes & SCOPES.server) {
    const w = new Writer('haproxy_server_')
    renderProxies(
      w,
      SERVER_METRICS,
      rows.filter((r) => r.type === 2),
      (m, row, labels) => {
        const v = views.get(`${row.pxname}/${row.svname}`)
        if (!v) return true
        if (noMaint && (v.maint || v.inheritedMaint)) return true
        const checking = v.checkEnabled && !v.maint && !v.inheritedMaint
        switch (m.field) {
          case 'status': {
            const s = promexServerState(v)
            for (const state of SRV_STATES) w.sample(m.metric, [...labels, ['state', state]], state === s ? '1' : '0')
            return true
          }
          case 'check_status':
            if (!checking) return true
            for (const state of CHECK_STATES) w.sample(m.metric, [...labels, ['state', state]], state === v.checkStatus ? '1' : '0')
            return true
          case 'check_code':
            if (!checking) return true
            w.sample(m.metric, labels, String(checkStatusNumber(v.checkStatus) < 14 ? 0 : (v.checkCode ?? 0)))
            return true
          case 'check_duration':
            if (!v.checkEnabled || checkStatusNumber(v.checkStatus) < 3) return true
            w.sample(m.metric, labels, seconds(Math.max(0, v.checkDurationMs ?? 0)))
            return true
          default:
            return false
        }
      },
    )
    body += w.out
  }
  if (scopes & SCOPES.sticktable) {
    const w = new Writer('haproxy_sticktable_')
    // stktables_list is built by prepending: the last declared table comes first.
    const files = input.routeMap.sources
    const tables = [
      ...proxiesInOrder(input).flatMap((p) => {
        const t = p.fe?.stickTable ?? p.be?.stickTable
        return t && t.size > 0 ? [t] : []
      }),
      // Tables of peers sections take their place in declaration order.
      ...(input.routeMap.peerTables ?? []),
    ]
      .sort((a, b) => files.indexOf(a.origin.file) - files.indexOf(b.origin.file) || a.origin.line - b.origin.line)
      .reverse()
    for (const def of STICKTABLE_METRICS) {
      w.next()
      const m = metric(def)
      for (const t of tables)
        w.sample(
          m,
          [
            ['name', t.name],
            ['type', t.type],
          ],
          def[1] === 'size' ? String(t.size) : '0',
        )
    }
    body += w.out
  }
  return { status: 200, body, headers }
}
