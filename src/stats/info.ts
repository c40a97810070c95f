/**
 * @module
 * `show info` (stats.c `stats_fill_info`, 2.6.12 field order) with the edge's values: the
 * product is edgeproxy, one "process" (Pid 1, Nbthread 1), no file descriptors, pipes, SSL
 * engine or pools; connection and request totals come from the frontends' counters. Formats:
 * `Key: value` lines, `typed` (`<pos>.<name>.1:<tags>:<format>:<value>`) and `json`. Every output
 * ends with the CLI's empty line.
 */
import type { StatsInput } from './input.ts'
import { frontendCounters, globalMaxconn } from './model.ts'
import { jsonTags, jsonValue } from './typed.ts'

export const EDGEPROXY_VERSION = '0.1.0'

export interface InfoOptions {
  readonly typed?: boolean
  readonly json?: boolean
  /** Product version (default EDGEPROXY_VERSION). */
  readonly version?: string
  /** Release date, `YYYY/MM/DD` (default empty). */
  readonly releaseDate?: string
  /** `node` (HAProxy: the host name; default `edgeproxy`). */
  readonly node?: string
  /** `description`, printed only when set. */
  readonly description?: string
}

export interface InfoField {
  /** Position in HAProxy 2.6.12's info_fields (gaps are fields the edge never fills). */
  readonly pos: number
  readonly name: string
  readonly tags: string
  readonly format: 'u32' | 'u64' | 'str'
  readonly value: string | number
}

interface Totals {
  scur: number
  conn_tot: number
  req_tot: number
  conn_rate: number
  conn_rate_max: number
  rate: number
  rate_max: number
  bout: number
  listeners: number
}

function totals(input: StatsInput): Totals {
  const t: Totals = { scur: 0, conn_tot: 0, req_tot: 0, conn_rate: 0, conn_rate_max: 0, rate: 0, rate_max: 0, bout: 0, listeners: 0 }
  for (const fe of input.routeMap.frontends) {
    const c = frontendCounters(input, fe)
    t.scur += c.scur
    t.conn_tot += c.conn_tot
    t.req_tot += c.req_tot
    t.conn_rate += c.conn_rate
    t.conn_rate_max += c.conn_rate_max
    t.rate += c.rate
    t.rate_max += c.rate_max
    t.bout += c.bout
    t.listeners += fe.binds.length
  }
  return t
}

/** The `show info` fields in order, with their typed tags. */
export function infoFields(input: StatsInput, opts: InfoOptions = {}): InfoField[] {
  const t = totals(input)
  const up = Math.max(0, Math.floor((input.now - input.startedAt) / 1000))
  const uptime = `${Math.floor(up / 86400)}d ${Math.floor((up % 86400) / 3600)}h${String(Math.floor((up % 3600) / 60)).padStart(2, '0')}m${String(up % 60).padStart(2, '0')}s`
  const maxconn = globalMaxconn(input)
  const version = opts.version ?? EDGEPROXY_VERSION
  const rows: [number, string, string, InfoField['format'], string | number][] = [
    [0, 'Name', 'POS', 'str', 'edgeproxy'],
    [1, 'Version', 'POS', 'str', version],
    [2, 'Release_date', 'POS', 'str', opts.releaseDate ?? ''],
    [3, 'Nbthread', 'CGS', 'u32', 1],
    [4, 'Nbproc', 'CGS', 'u32', 1],
    [5, 'Process_num', 'KGP', 'u32', 1],
    [6, 'Pid', 'SGP', 'u32', 1],
    [7, 'Uptime', 'MDP', 'str', uptime],
    [8, 'Uptime_sec', 'MDP', 'u32', up],
    [9, 'Memmax_MB', 'CLP', 'u32', 0],
    [10, 'PoolAlloc_MB', 'MGP', 'u32', 0],
    [11, 'PoolUsed_MB', 'MGP', 'u32', 0],
    [12, 'PoolFailed', 'MCP', 'u32', 0],
    [13, 'Ulimit-n', 'CLP', 'u32', 0],
    [14, 'Maxsock', 'CLP', 'u32', maxconn],
    [15, 'Maxconn', 'CLP', 'u32', maxconn],
    [16, 'Hard_maxconn', 'CLP', 'u32', maxconn],
    [17, 'CurrConns', 'MGP', 'u32', t.scur],
    [18, 'CumConns', 'MCP', 'u32', t.conn_tot],
    [19, 'CumReq', 'MCP', 'u32', t.req_tot],
    [20, 'MaxSslConns', 'MMP', 'u32', 0],
    [21, 'CurrSslConns', 'MGP', 'u32', 0],
    [22, 'CumSslConns', 'MCP', 'u32', 0],
    [23, 'Maxpipes', 'CLP', 'u32', 0],
    [24, 'PipesUsed', 'MGP', 'u32', 0],
    [25, 'PipesFree', 'MGP', 'u32', 0],
    [26, 'ConnRate', 'MRP', 'u32', t.conn_rate],
    [27, 'ConnRateLimit', 'CLP', 'u32', 0],
    [28, 'MaxConnRate', 'MMP', 'u32', t.conn_rate_max],
    [29, 'SessRate', 'MRP', 'u32', t.rate],
    [30, 'SessRateLimit', 'CLP', 'u32', 0],
    [31, 'MaxSessRate', 'MRP', 'u32', t.rate_max],
    [32, 'SslRate', 'MRP', 'u32', 0],
    [33, 'SslRateLimit', 'CLP', 'u32', 0],
    [34, 'MaxSslRate', 'MMP', 'u32', 0],
    [35, 'SslFrontendKeyRate', 'MGP', 'u32', 0],
    [36, 'SslFrontendMaxKeyRate', 'MMP', 'u32', 0],
    [37, 'SslFrontendSessionReuse_pct', 'MGP', 'u32', 0],
    [38, 'SslBackendKeyRate', 'MRP', 'u32', 0],
    [39, 'SslBackendMaxKeyRate', 'MMP', 'u32', 0],
    [40, 'SslCacheLookups', 'MCP', 'u32', 0],
    [41, 'SslCacheMisses', 'MCP', 'u32', 0],
    [42, 'CompressBpsIn', 'MRP', 'u32', 0],
    [43, 'CompressBpsOut', 'MRP', 'u32', 0],
    [44, 'CompressBpsRateLim', 'CLP', 'u32', 0],
    [47, 'Tasks', 'MGP', 'u32', 0],
    [48, 'Run_queue', 'MGP', 'u32', 0],
    [49, 'Idle_pct', 'MaP', 'u32', 100],
    [50, 'node', 'COS', 'str', opts.node ?? 'edgeproxy'],
    ...(opts.description !== undefined ? [[51, 'description', 'COS', 'str', opts.description] as [number, string, string, 'str', string]] : []),
    [52, 'Stopping', 'MGP', 'u32', 0],
    [53, 'Jobs', 'MGP', 'u32', t.scur + t.listeners],
    [54, 'Unstoppable Jobs', 'MGP', 'u32', 0],
    [55, 'Listeners', 'MGP', 'u32', t.listeners],
    [56, 'ActivePeers', 'MGP', 'u32', 0],
    [57, 'ConnectedPeers', 'MGP', 'u32', 0],
    [58, 'DroppedLogs', 'MGP', 'u32', 0],
    [59, 'BusyPolling', 'MGP', 'u32', 0],
    [60, 'FailedResolutions', 'MGP', 'u32', 0],
    [61, 'TotalBytesOut', 'MGP', 'u64', t.bout],
    [62, 'TotalSplicdedBytesOut', 'MGP', 'u64', 0],
    [63, 'BytesOutRate', 'MRP', 'u64', 0],
    [64, 'DebugCommandsIssued', 'MGP', 'u32', 0],
    [65, 'CumRecvLogs', 'MCP', 'u32', 0],
    [66, 'Build info', 'POS', 'str', version],
    [67, 'Memmax_bytes', 'CLP', 'u32', 0],
    [68, 'PoolAlloc_bytes', 'MGP', 'u64', 0],
    [69, 'PoolUsed_bytes', 'MGP', 'u64', 0],
    [70, 'Start_time_sec', 'MDP', 'u32', Math.floor(input.startedAt / 1000)],
    [71, 'Tainted', 'SGP', 'str', '0'],
  ]
  return rows.map(([pos, name, tags, format, value]) => ({ pos, name, tags, format, value }))
}

export function renderInfo(input: StatsInput, opts: InfoOptions = {}): string {
  const fields = infoFields(input, opts)
  if (opts.json) {
    const items = fields.map((f) => `{"field":{"pos":${f.pos},"name":"${f.name}"},"processNum":1,${jsonTags(f.tags)},${jsonValue(f.format, f.value)}}`)
    return `[${items.join(',')}]\n\n`
  }
  if (opts.typed) return `${fields.map((f) => `${f.pos}.${f.name}.1:${f.tags}:${f.format}:${f.value}\n`).join('')}\n`
  return `${fields.map((f) => `${f.name}: ${f.value}\n`).join('')}\n`
}
