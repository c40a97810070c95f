/**
 * @module
 * The operations plane's shared vocabulary: the stats counters each isolate accumulates and the
 * RuntimeState Durable Object aggregates, the admin overrides operators set (drain, maint,
 * weight, addr), read by the stats renderers through `StatsInput` (src/stats/input.ts). Pure types
 * and small helpers.
 */

/**
 * The access level of a runtime API caller (HAProxy's `stats socket … level`): set by the HTTP
 * endpoint (src/ops/api-http.ts) and checked by the commands (src/api).
 */
export type ApiLevel = 'user' | 'operator' | 'admin'

/** A stats object: `fe:<frontend>`, `be:<backend>` or `srv:<backend>/<server>`. */
export type ObjectKey = string

export const feKey = (name: string): ObjectKey => `fe:${name}`
export const beKey = (name: string): ObjectKey => `be:${name}`
export const srvKey = (backend: string, server: string): ObjectKey => `srv:${backend}/${server}`

/**
 * How a counter aggregates across isolates: `sum` (reports carry deltas), `max` (reports carry
 * the maximum seen since the last report), `gauge` (reports carry the isolate's current value;
 * the aggregate is the sum over live isolates), `last` (a ms epoch; the aggregate is the latest).
 */
export type Aggregation = 'sum' | 'max' | 'gauge' | 'last'

/**
 * The counters, named after HAProxy's stats columns (reference §8.4) where one exists.
 * `*_sum` and `timed` feed the averages (qtime, ctime, rtime, ttime = sum / timed).
 */
export const COUNTERS = {
  stot: 'sum', // cumulated sessions (requests, at the edge)
  bin: 'sum',
  bout: 'sum',
  dreq: 'sum',
  dresp: 'sum',
  ereq: 'sum',
  econ: 'sum',
  eresp: 'sum',
  wretr: 'sum',
  wredis: 'sum',
  lbtot: 'sum',
  hrsp_1xx: 'sum',
  hrsp_2xx: 'sum',
  hrsp_3xx: 'sum',
  hrsp_4xx: 'sum',
  hrsp_5xx: 'sum',
  hrsp_other: 'sum',
  req_tot: 'sum',
  cli_abrt: 'sum',
  srv_abrt: 'sum',
  intercepted: 'sum',
  connect: 'sum',
  wrew: 'sum',
  eint: 'sum',
  conn_tot: 'sum',
  qtime_sum: 'sum',
  ctime_sum: 'sum',
  rtime_sum: 'sum',
  ttime_sum: 'sum',
  timed: 'sum',
  smax: 'max',
  qmax: 'max',
  qtime_max: 'max',
  ctime_max: 'max',
  rtime_max: 'max',
  ttime_max: 'max',
  scur: 'gauge',
  qcur: 'gauge',
  lastsess: 'last',
} as const satisfies Record<string, Aggregation>

export type CounterField = keyof typeof COUNTERS
export type Counters = Record<CounterField, number>
/** What one isolate reports for one object: only the fields that changed. */
export type CounterReport = Partial<Counters>

export const COUNTER_FIELDS = Object.keys(COUNTERS) as CounterField[]

export function zeroCounters(): Counters {
  const c = {} as Counters
  for (const f of COUNTER_FIELDS) c[f] = 0
  return c
}

/** One isolate's flush: deltas, maxima and gauges since its previous report. */
export interface IsolateReport {
  /** Random id chosen once per isolate. */
  readonly isolate: string
  /** ms epoch of the report. */
  readonly at: number
  readonly counters: Readonly<Record<ObjectKey, CounterReport>>
  /** How many isolates the report stands for (a relay's merged report; absent: 1). */
  readonly isolates?: number
}

/** Counters aggregated over every isolate, plus the rates the aggregator derives. */
export interface AggregatedCounters extends Counters {
  /** Sessions (requests) over the last second: FE `rate`/`req_rate`, BE/server `rate`. */
  readonly rate: number
  readonly rate_max: number
  readonly req_rate: number
  readonly req_rate_max: number
  readonly conn_rate: number
  readonly conn_rate_max: number
}

/** An operator's override for one server (runtime API `set server`, stats page admin). */
export interface AdminServer {
  /** `drain`: no load balancing, persistence still served; `maint`: out entirely. Absent: ready. */
  readonly state?: 'drain' | 'maint'
  /** The current user weight (`set server … weight`); absent: the configured weight. */
  readonly weight?: number
  /** `set server … addr` */
  readonly addr?: string
  readonly port?: number
  /** `disable health`: active checks stopped. */
  readonly checksDisabled?: boolean
  /** `set server … health up|stopping|down`: a forced check result. */
  readonly health?: 'up' | 'stopping' | 'down'
  /** ms epoch of the last admin change (for lastchg). */
  readonly changedAt: number
}

/** A change to a server's admin state; `null` clears a field. */
export type AdminPatch = { readonly [K in Exclude<keyof AdminServer, 'changedAt'>]?: AdminServer[K] | null }
