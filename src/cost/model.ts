/**
 * @module
 * The bill: what edgeproxy's own platform usage (Durable Object requests, duration and SQLite
 * rows, KV reads, Worker requests) costs for a compiled RouteMap and a traffic assumption, by a
 * formula derived from what the code does (each term names its source file). Pure: the CLI
 * compiles the config and prints (src/cli/cost.ts); docs/cost.md states the formulas, the prices
 * and the assumptions. The constants below mirror the code's; test/unit/cost/model.test.ts
 * fails when one of them drifts from the module it mirrors.
 */
import { DEFAULT_POLL_MS } from '../routemap/live.ts'
import type { Backend, Frontend, RouteMap, Rule, StickTableSpec } from '../routemap/schema.ts'
import { FLUSH_LONG_MS, FLUSH_SHORT_MS, flushInterval, HOME_SYNC_MS, REFRESH_WINDOW_MS } from '../state/stick-replica.ts'
import { PERSIST_MS, PERSISTENT_DATA, shardCount } from '../state/stick-shard.ts'

/**
 * src/ops/plane.ts (mirrored: src/cost imports only the core; test/unit/cost checks each): an
 * isolate with traffic syncs with its relay every ISOLATE_SYNC_MS, up to ISOLATE_SYNC_MAX_MS when
 * more than RELAY_TARGET_RPS × ISOLATE_SYNC_MS / 1000 isolates share the relay; a relay syncs with
 * the hub every RELAY_SYNC_MS; the hub reads the KV pointer every POINTER_POLL_MS and persists
 * counters every COUNTERS_PERSIST_MS; a relay persists its last hub contact every RELAY_STALE_MS / 2.
 */
export const SYNC_MS = 3000
export const ISOLATE_SYNC_MAX_MS = 4000
export const RELAY_TARGET_RPS = 300
export const RELAY_SYNC_MS = 6000
export const POINTER_POLL_MS = 1000
export const COUNTERS_PERSIST_MS = 60_000
export const RELAY_STALE_MS = 10 * 60_000

/** src/ops/plane.ts nextSyncMs. */
export function nextSyncMs(isolates: number): number {
  return Math.min(ISOLATE_SYNC_MAX_MS, Math.max(SYNC_MS, Math.ceil((isolates * 1000) / RELAY_TARGET_RPS)))
}
/** src/routemap/live.ts DEFAULT_POLL_MS: an isolate without the state plane reads the live pointer this often. */
export const POLL_MS = DEFAULT_POLL_MS
/** src/health/snapshot.ts SNAPSHOT_MAX_AGE_MS: a snapshot is reloaded at most every min(inter, 2 s). */
export const SNAPSHOT_MAX_AGE_MS = 2000
/**
 * src/state/stick-replica.ts (imported: they cannot drift): an isolate's flush interval alone in
 * its location and with others, how long it refreshes its keys, the replica's home sync;
 * src/state/stick-shard.ts: the home shard's row writes (PERSIST_MS).
 */
export { FLUSH_LONG_MS, FLUSH_SHORT_MS, HOME_SYNC_MS, PERSIST_MS, REFRESH_WINDOW_MS }
/** wrangler.toml `crons = ["* * * * *"]`: the watchdog runs once a minute. */
export const CRON_MS = 60_000
/** Cloudflare bills a Durable Object's wall time at 128 MB (durable-objects/platform/pricing). */
export const DO_MEMORY_GB = 0.128

const DAY_S = 86_400
const MONTH_DAYS = 30

export interface CostAssumptions {
  /** Proxied requests per second, all locations together. */
  readonly rps: number
  /** Cloudflare locations that receive traffic (at most ~300). */
  readonly locations: number
  /** Isolates with traffic, all locations together (default: {@link defaultIsolates}). */
  readonly isolates: number
  /** Wall time a Durable Object is billed for per RPC call (ms): it hibernates between calls. */
  readonly rpcWallMs: number
  /** Wall time a HealthMonitor alarm is billed for (ms): the probes' round trip to the origin. */
  readonly alarmWallMs: number
  /** Round trip from a relay to the hub (ms), billed on the relay: the hub is one object, far from most locations. */
  readonly hubRttMs: number
}

/** Below this many requests/s a location is assumed idle (no isolate of its own). */
export const RPS_PER_ACTIVE_LOCATION = 1

/**
 * The isolate estimate: one isolate per location with traffic; traffic spreads over
 * `min(locations, rps / RPS_PER_ACTIVE_LOCATION)` locations (at least one).
 */
export function defaultIsolates(rps: number, locations: number): number {
  return Math.max(1, Math.min(locations, Math.floor(rps / RPS_PER_ACTIVE_LOCATION)))
}

export function assumptions(rps = 1000, o: { locations?: number; isolates?: number; rpcWallMs?: number; alarmWallMs?: number; hubRttMs?: number } = {}): CostAssumptions {
  const locations = o.locations ?? 300
  return { rps, locations, isolates: o.isolates ?? defaultIsolates(rps, locations), rpcWallMs: o.rpcWallMs ?? 10, alarmWallMs: o.alarmWallMs ?? 100, hubRttMs: o.hubRttMs ?? 150 }
}

/** Usage per second of one source; every field is a rate. */
export interface Usage {
  readonly doRequests: number
  /** GB-s per second. */
  readonly doGbS: number
  readonly rowsRead: number
  readonly rowsWritten: number
  readonly kvReads: number
  readonly workerRequests: number
}

export type Metric = keyof Usage
export const METRICS: readonly Metric[] = ['doRequests', 'doGbS', 'rowsRead', 'rowsWritten', 'kvReads', 'workerRequests']

export type SourceName = 'worker' | 'health' | 'snapshots' | 'runtime' | 'relay' | 'kv-poll' | 'stick' | 'cron'

export interface Source {
  readonly name: SourceName
  readonly what: string
  /** Per second. */
  readonly usage: Usage
}

/** Prices of the Workers Paid plan ($ per unit) and its monthly allowances; Free plan daily limits. */
export interface PriceRow {
  readonly metric: Metric
  readonly perMillion: number
  readonly includedPerMonth: number
  readonly freePerDay: number
  readonly page: string
}

/** Cloudflare's published prices (docs/cost.md cites the pages; re-check before quoting). */
export const PRICES: readonly PriceRow[] = [
  { metric: 'doRequests', perMillion: 0.15, includedPerMonth: 1e6, freePerDay: 100_000, page: 'https://developers.cloudflare.com/durable-objects/platform/pricing/' },
  { metric: 'doGbS', perMillion: 12.5, includedPerMonth: 400_000, freePerDay: 13_000, page: 'https://developers.cloudflare.com/durable-objects/platform/pricing/' },
  { metric: 'rowsRead', perMillion: 0.001, includedPerMonth: 25e9, freePerDay: 5e6, page: 'https://developers.cloudflare.com/durable-objects/platform/pricing/' },
  { metric: 'rowsWritten', perMillion: 1.0, includedPerMonth: 50e6, freePerDay: 100_000, page: 'https://developers.cloudflare.com/durable-objects/platform/pricing/' },
  { metric: 'kvReads', perMillion: 0.5, includedPerMonth: 10e6, freePerDay: 100_000, page: 'https://developers.cloudflare.com/kv/platform/pricing/' },
  { metric: 'workerRequests', perMillion: 0.3, includedPerMonth: 10e6, freePerDay: 100_000, page: 'https://developers.cloudflare.com/workers/platform/pricing/' },
]

const ZERO: Usage = { doRequests: 0, doGbS: 0, rowsRead: 0, rowsWritten: 0, kvReads: 0, workerRequests: 0 }

function usage(u: Partial<Usage>): Usage {
  return { ...ZERO, ...u }
}

/** Calls per second of something done at most every `periodMs` by a client that sees `rps` requests/s. */
function periodic(periodMs: number, rps: number): number {
  return Math.min(1000 / periodMs, rps)
}

// ─── health ────────────────────────────────────────────────────────────────

interface Monitor {
  readonly backend: string
  /** Probes per second (health checks and agent checks), per region. */
  readonly probes: number
  /** Check intervals (ms) of the backend's servers, health and agent checks. */
  readonly intervals: readonly number[]
  /** Checked servers. */
  readonly servers: number
  /** Where its checks run: each `health-regions` region, else its `health-location`, else '' (no hint). */
  readonly placements: readonly string[]
  /** The snapshot's freshness bound (ms). */
  readonly maxAgeMs: number
}

/**
 * src/health/plan.ts backendPlan: a backend with a `check` or `agent-check` server is checked by
 * the monitor group of its placement (src/health/group.ts `placements`: each `health-regions`
 * region, else its `health-location`, else none); backends that share a placement share a group.
 */
function monitorOf(be: Backend): Monitor | undefined {
  const checked = be.servers.filter((s) => s.check || s.agent)
  if (checked.length === 0) return undefined
  const intervals: number[] = []
  for (const s of checked) {
    if (s.check) intervals.push(s.interMs)
    if (s.agent) intervals.push(s.agent.interMs)
  }
  // src/health/snapshot.ts buildSnapshot: minInterMs over inter, fastinter, downinter and agent-inter.
  const minInter = Math.min(...checked.map((s) => Math.min(s.interMs, s.fastinterMs ?? s.interMs, s.downinterMs ?? s.interMs, s.agent?.interMs ?? s.interMs)))
  return {
    backend: be.name,
    probes: intervals.reduce((a, ms) => a + 1000 / ms, 0),
    intervals,
    servers: checked.length,
    placements: be.healthRegions && be.healthRegions.length > 0 ? [...be.healthRegions] : [be.healthLocation ?? ''],
    maxAgeMs: Math.min(minInter, SNAPSHOT_MAX_AGE_MS),
  }
}

export function monitors(map: RouteMap): Monitor[] {
  return map.backends.map(monitorOf).filter((m): m is Monitor => m !== undefined)
}

/** src/health/monitor.ts CHECKPOINT_MS: a server row whose routing state did not change is written at most this often. */
export const CHECKPOINT_MS = 60_000
/** src/health/group.ts GROUP_TOUCH_PERSIST_MS: the group's lease row is written at most this often. */
export const GROUP_TOUCH_PERSIST_MS = 5 * 60_000

/**
 * One monitor group per placement (src/health/group.ts): one object, one shared alarm. An alarm
 * runs every check that is due and aligns the checks of the same interval (monitor.ts
 * `alignWindow`), so a group costs one alarm per distinct interval per interval (servers UP:
 * `inter`; `fastinter`/`downinter` apply while a server changes state or is down; an upper
 * bound: intervals that divide each other share some alarms). Per alarm: 1 DO request, setAlarm
 * (billed as 1 row written), no row read (the alarm time is kept in memory). Server rows
 * (saveServer) are written on routing changes and otherwise at most once per CHECKPOINT_MS: counted
 * as one row per checked server per minute (the bound for servers whose counters keep changing;
 * a steady UP server writes none; each UP/DOWN transition adds one row). The group's lease
 * (`touchedAt`) is written at most every GROUP_TOUCH_PERSIST_MS. The cron configures each group
 * once a minute (src/worker/fetch.ts onScheduled → configureHealthMonitors → `configureGroup`:
 * 1 DO request, no row when nothing changed). `health-regions` multiplies all of it by the
 * regions. Duration: the alarm's wall time, and an RPC's for configure.
 */
function healthUsage(ms: readonly Monitor[], a: CostAssumptions): Usage {
  const groups = new Map<string, { intervals: Set<number>; servers: number }>()
  for (const m of ms) {
    for (const p of m.placements) {
      const g = groups.get(p) ?? { intervals: new Set<number>(), servers: 0 }
      for (const i of m.intervals) g.intervals.add(i)
      g.servers += m.servers
      groups.set(p, g)
    }
  }
  let alarms = 0
  let checkpoints = 0
  for (const g of groups.values()) {
    alarms += [...g.intervals].reduce((x, ms) => x + 1000 / ms, 0)
    checkpoints += (g.servers * 1000) / CHECKPOINT_MS
  }
  const configures = (groups.size * 1000) / CRON_MS
  const leases = (groups.size * 1000) / GROUP_TOUCH_PERSIST_MS
  return usage({
    doRequests: alarms + configures,
    rowsWritten: alarms + checkpoints + leases,
    doGbS: (alarms * (a.alarmWallMs / 1000) + configures * (a.rpcWallMs / 1000)) * DO_MEMORY_GB,
  })
}

/**
 * Health reaches the isolates through the state plane (src/ops/plane.ts): a monitor calls the hub's
 * `putHealth` only when a backend's routing state changes (src/ops/hub.ts routingSignature), and
 * the hub pushes the new state to each relay, which hands it to its isolates with their next sync
 * (counted under `runtime`). Nothing per probe and nothing per isolate: in steady state (no server
 * changing state) this source is 0; each change costs 1 + relays DO requests and 2 rows at the hub
 * plus 1 row per relay.
 */
function snapshotUsage(_ms: readonly Monitor[], _a: CostAssumptions): Usage {
  return ZERO
}

/** Relays: one per location with traffic (src/ops/plane.ts relayName). */
export function relaysOf(a: CostAssumptions): number {
  return Math.max(1, Math.min(a.locations, a.isolates))
}

/**
 * src/ops/runtime-client.ts: one `sync()` per isolate with its relay every nextSyncMs (src/ops/plane.ts:
 * ISOLATE_SYNC_MS, longer when more than RELAY_TARGET_RPS × 2 s isolates share a relay) while it has
 * traffic; src/ops/relay.ts `sync` answers from memory and merges the counters (0 rows).
 */
function runtimeUsage(_map: RouteMap, a: CostAssumptions): Usage {
  const perIsolateRps = a.rps / a.isolates
  const syncs = a.isolates * periodic(nextSyncMs(a.isolates / relaysOf(a)), perIsolateRps)
  return usage({ doRequests: syncs, doGbS: syncs * (a.rpcWallMs / 1000) * DO_MEMORY_GB })
}

/**
 * src/ops/relay.ts `syncHub`: a relay whose isolates sync calls the hub at most every RELAY_SYNC_MS
 * (1 DO request; the relay is billed for the round trip to the hub, `hubRttMs`, the hub for its
 * RPC). Rows: the hub persists the counters it aggregated at most every COUNTERS_PERSIST_MS (one
 * row per object: frontends, backends, servers; src/ops/hub.ts `#saveCounters`); a relay persists
 * its last contact at most every RELAY_STALE_MS / 2.
 */
function relayUsage(map: RouteMap, a: CostAssumptions): Usage {
  const relays = relaysOf(a)
  const perRelaySyncs = (a.isolates / relays) * periodic(nextSyncMs(a.isolates / relays), a.rps / a.isolates)
  const calls = relays * Math.min(1000 / RELAY_SYNC_MS, perRelaySyncs)
  if (calls === 0) return ZERO
  const objects = map.frontends.length + map.backends.reduce((n, b) => n + 1 + b.servers.length, 0)
  return usage({
    doRequests: calls,
    rowsWritten: (objects * 1000) / COUNTERS_PERSIST_MS + (relays * 1000) / (RELAY_STALE_MS / 2),
    doGbS: calls * ((a.hubRttMs + a.rpcWallMs) / 1000) * DO_MEMORY_GB,
  })
}

/**
 * src/ops/hub.ts `relaySync` → `pollPointer`: the hub re-reads the live pointer at most every
 * POINTER_POLL_MS while relays call it (1 KV read); isolates do not poll KV while the state plane
 * tells them the pointer (src/routemap/live.ts OFFER_TRUST_MS); a relay reads a new version's text
 * once per push (not per day).
 */
function kvUsage(a: CostAssumptions): Usage {
  const relaySyncs = relaysOf(a) * Math.min(1000 / RELAY_SYNC_MS, a.rps)
  return usage({ kvReads: Math.min(1000 / POINTER_POLL_MS, relaySyncs) })
}

// ─── stick tables ──────────────────────────────────────────────────────────

function isTrack(r: Rule): boolean {
  return /^track-sc\d$/.test(r.action)
}

function tableFor(map: RouteMap, r: Rule, own: StickTableSpec | undefined): StickTableSpec | undefined {
  const name = typeof r.args.table === 'string' ? r.args.table : undefined
  if (!name) return own
  const all = [...map.frontends.map((f) => f.stickTable), ...map.backends.map((b) => b.stickTable), ...(map.peerTables ?? [])]
  return all.find((t) => t?.name === name)
}

/** The track-sc rules of a proxy (http-request and tcp-request content/connection/session) with their table. */
function tracks(map: RouteMap, p: Frontend | Backend): StickTableSpec[] {
  const rules = [...p.httpRequest, ...(p.tcpRules ? [...p.tcpRules.connection, ...p.tcpRules.session, ...p.tcpRules.content] : [])]
  return rules.filter(isTrack).flatMap((r) => {
    const t = tableFor(map, r, p.stickTable)
    return t ? [t] : []
  })
}

export interface TrackedTables {
  /** Tracks per proxied request, by table name (the busiest frontend plus the busiest backend: an upper bound). */
  readonly perRequest: ReadonlyMap<string, { readonly table: StickTableSpec; readonly count: number }>
}

export function trackedTables(map: RouteMap): TrackedTables {
  const busiest = (ps: readonly (Frontend | Backend)[]): StickTableSpec[] => ps.map((p) => tracks(map, p)).reduce((a, b) => (b.length > a.length ? b : a), [])
  const out = new Map<string, { table: StickTableSpec; count: number }>()
  for (const t of [...busiest(map.frontends), ...busiest(map.backends)]) {
    const e = out.get(t.name)
    out.set(t.name, { table: t, count: (e?.count ?? 0) + 1 })
  }
  return { perRequest: out }
}

/**
 * Fast-mode flushes per second from one isolate to one shard's replica, the isolate tracking `r`
 * requests/s of that shard with `k` isolates active in its location (src/state/remote-stick.ts,
 * stick-replica.ts): a queue is sent FLUSH_LONG_MS after its first op when the isolate is alone,
 * `flushInterval(k)` after it with others (FLUSH_SHORT_MS, stretched beyond REPLICA_BUDGET_RPS
 * isolates' worth). Clients are assumed to stay on one isolate (their connection does): a key
 * that several isolates write also costs up to one refresh per interval for REFRESH_WINDOW_MS
 * after each of its requests, not counted here.
 */
export function fastFlushesPerSecond(r: number, k: number): number {
  return periodic(k < 2 ? FLUSH_LONG_MS : flushInterval(Math.ceil(k)), r)
}

/** Whether a table's entries carry data the home shard keeps in rows (stick-shard.ts PERSISTENT_DATA; stick rules store server_id). */
function persistentTable(map: RouteMap, table: StickTableSpec): boolean {
  if (table.store.some((s) => PERSISTENT_DATA.includes(s.type))) return true
  return map.backends.some((b) => b.stickRules.some((r) => (r.table ?? b.stickTable?.name) === table.name))
}

/**
 * Stick tables (src/state/remote-stick.ts, stick-replica.ts, stick-shard.ts,
 * durable-objects/stick-table.ts). Locations with traffic: L = min(locations, isolates); k =
 * isolates / L per location; r = tracked requests/s of an isolate per shard.
 * - exact: one `track` per track-sc (DO request), answered from memory (no row read or written).
 * - fast: isolates × shards × fastFlushesPerSecond(r, k) flushes to the replicas; each replica
 *   syncs with its home shard at most every HOME_SYNC_MS when it received a flush: one `update`
 *   to the home (1 DO request), sent with the flush that finds it due (k < 2: an isolate alone
 *   flushes every FLUSH_LONG_MS = HOME_SYNC_MS), else by the replica's alarm (k ≥ 2: 1 more DO
 *   request, 1 row written by setAlarm, billed for its wait on the far home: alarmWallMs).
 * - rows, both modes: only for tables whose entries carry persistent data (gpc0/gpc1/gpt0, or
 *   server_id from stick rules): one row per dirty entry per PERSIST_MS, counted as one per
 *   tracked request (every request its own key: an upper bound), plus the persist alarm (1 DO
 *   request and 1 row for setAlarm per shard and PERSIST_MS). Tables of counters and rates only
 *   (the seed's) write no row.
 */
function stickUsage(map: RouteMap, a: CostAssumptions): Usage {
  let calls = 0
  let alarmCalls = 0
  let rows = 0
  const L = Math.max(1, Math.min(a.locations, a.isolates))
  const k = a.isolates / L
  for (const { table, count } of trackedTables(map).perRequest.values()) {
    const opsPerS = a.rps * count
    const n = shardCount(table.size)
    if (persistentTable(map, table)) {
      const persists = n * periodic(PERSIST_MS, opsPerS / n)
      alarmCalls += persists
      rows += persists + opsPerS
    }
    if (table.consistency === 'exact') {
      calls += opsPerS
      continue
    }
    const perPair = fastFlushesPerSecond(opsPerS / a.isolates / n, k)
    calls += a.isolates * n * perPair
    const syncs = L * n * Math.min(1000 / HOME_SYNC_MS, Math.ceil(k) * perPair)
    calls += syncs
    // Alone, an isolate flushes no more often than HOME_SYNC_MS: every sync goes with a flush.
    if (k >= 2) {
      alarmCalls += syncs
      rows += syncs
    }
  }
  return usage({ doRequests: calls + alarmCalls, rowsWritten: rows, doGbS: (calls * (a.rpcWallMs / 1000) + alarmCalls * (a.alarmWallMs / 1000)) * DO_MEMORY_GB })
}

/**
 * The cron (wrangler.toml, src/worker/fetch.ts onScheduled): one scheduled invocation a minute
 * (billed as a Worker request) that has the hub re-read the live pointer (1 DO request, 1 KV read)
 * and syncs with its relay (1 DO request); its monitor `configure()` calls are counted with the
 * health checks.
 */
function cronUsage(a: CostAssumptions): Usage {
  const perS = 1000 / CRON_MS
  return usage({ workerRequests: perS, kvReads: perS, doRequests: 2 * perS, doGbS: 2 * perS * (a.rpcWallMs / 1000) * DO_MEMORY_GB })
}

// ─── the estimate ──────────────────────────────────────────────────────────

export interface Limit {
  readonly metric: Metric
  readonly perDay: number
  readonly limit: number
  /** perDay / limit. */
  readonly ratio: number
}

export interface CostEstimate {
  readonly assumptions: CostAssumptions
  readonly sources: readonly Source[]
  /** Per day, all sources. */
  readonly perDay: Usage
  /** Per million proxied requests, all sources. */
  readonly perMillion: Usage
  /** Dollars per million proxied requests, no allowance, by metric; `overhead` excludes the Worker's own requests. */
  readonly marginalPerMillion: { readonly byMetric: Readonly<Record<Metric, number>>; readonly total: number; readonly overhead: number }
  /** Dollars per 30-day month at this rate, after the Paid plan's included allowances. */
  readonly monthly: { readonly byMetric: Readonly<Record<Metric, number>>; readonly total: number }
  /** The Free plan's daily limits: every metric, and which are exceeded. */
  readonly free: { readonly fits: boolean; readonly limits: readonly Limit[]; readonly exceeded: readonly Limit[] }
  /** Health checks alone (alarms, configure, snapshot loads) against the Free plan's daily limits. */
  readonly healthFree: { readonly fits: boolean; readonly exceeded: readonly Limit[] }
}

function sum(us: readonly Usage[]): Usage {
  const out: Record<Metric, number> = { ...ZERO }
  for (const u of us) for (const m of METRICS) out[m] += u[m]
  return out
}

function scale(u: Usage, k: number): Usage {
  const out: Record<Metric, number> = { ...ZERO }
  for (const m of METRICS) out[m] = u[m] * k
  return out
}

function limits(perDay: Usage): Limit[] {
  return PRICES.map((p) => ({ metric: p.metric, perDay: perDay[p.metric], limit: p.freePerDay, ratio: perDay[p.metric] / p.freePerDay }))
}

export function estimate(map: RouteMap, a: CostAssumptions): CostEstimate {
  const ms = monitors(map)
  const sources: Source[] = [
    { name: 'worker', what: 'proxied requests (the Worker itself)', usage: usage({ workerRequests: a.rps }) },
    { name: 'health', what: `health-check alarms, checkpoints and cron configure (${ms.length} checked backend${ms.length === 1 ? '' : 's'})`, usage: healthUsage(ms, a) },
    { name: 'snapshots', what: 'health to the isolates (pushed on a routing change only)', usage: snapshotUsage(ms, a) },
    { name: 'runtime', what: 'isolate syncs with their relay (state down, counters up)', usage: runtimeUsage(map, a) },
    { name: 'relay', what: 'relay syncs with the hub, hub counters persisted', usage: relayUsage(map, a) },
    { name: 'kv-poll', what: 'KV live-pointer polls (the hub)', usage: kvUsage(a) },
    { name: 'stick', what: 'stick-table calls', usage: stickUsage(map, a) },
    { name: 'cron', what: 'cron watchdog (hub pointer poll, relay sync)', usage: cronUsage(a) },
  ]
  const perS = sum(sources.map((s) => s.usage))
  const perDay = scale(perS, DAY_S)
  const perMillion = a.rps > 0 ? scale(perS, 1e6 / a.rps) : ZERO
  const marginal: Record<Metric, number> = { ...ZERO }
  const monthly: Record<Metric, number> = { ...ZERO }
  for (const p of PRICES) {
    marginal[p.metric] = (perMillion[p.metric] / 1e6) * p.perMillion
    monthly[p.metric] = (Math.max(0, perDay[p.metric] * MONTH_DAYS - p.includedPerMonth) / 1e6) * p.perMillion
  }
  const total = METRICS.reduce((x, m) => x + marginal[m], 0)
  const healthDay = scale(sum(sources.filter((s) => s.name === 'health' || s.name === 'snapshots').map((s) => s.usage)), DAY_S)
  const all = limits(perDay)
  const healthLimits = limits(healthDay).filter((l) => l.ratio > 1)
  return {
    assumptions: a,
    sources,
    perDay,
    perMillion,
    marginalPerMillion: { byMetric: marginal, total, overhead: total - marginal.workerRequests },
    monthly: { byMetric: monthly, total: METRICS.reduce((x, m) => x + monthly[m], 0) },
    free: { fits: all.every((l) => l.ratio <= 1), limits: all, exceeded: all.filter((l) => l.ratio > 1) },
    healthFree: { fits: healthLimits.length === 0, exceeded: healthLimits },
  }
}
