/**
 * @module
 * The edgeproxy Worker: executes a compiled RouteMap.
 * - RouteMap: the live version from KV (`ROUTEMAPS`, pushed by `edgeproxy push`), re-checked in
 *   the background every few seconds; else the `EDGEPROXY_ROUTEMAP` binding (`edgeproxy dev`),
 *   else the one bundled from examples/ (src/routemap/live.ts).
 * - Health: one HealthMonitor Durable Object per checked backend, read through a per-isolate
 *   snapshot refreshed off the hot path; the cron trigger re-arms the monitors.
 * - Stick tables: StickTable Durable Objects sharded by key (none for requests that track nothing).
 * - Operations: the RuntimeState Durable Object holds admin overrides, runtime map/ACL edits and
 *   the stats counters aggregated from every isolate; each isolate syncs with it at most once a
 *   second in the background (src/ops/runtime-client.ts). The runtime API answers on
 *   `POST /.edgeproxy/api` when the `EDGEPROXY_API_TOKEN` secret is set; the stats page and the
 *   Prometheus exporter answer where the configuration puts them.
 */
import { durableTableAccess } from '../durable-objects/table-access.ts'
import { applyPatternEdits } from './api/patterns.ts'
import type { ApiContext, ApiLevel } from './api/context.ts'
import { runCommands } from './api/run.ts'
import { durableStickStore, type StickTableNamespace } from '../durable-objects/stick-table.ts'
import { configureHealthMonitors, type HealthMonitorNamespace, healthSnapshotLoader } from '../durable-objects/health-monitor.ts'
import { type RuntimeStateNamespace, runtimeStub } from '../durable-objects/runtime-state.ts'
import type { Decision } from './engine/decide.ts'
import { createEngine, type Engine } from './engine/index.ts'
import { ALL_UP, type BalancerStore } from './engine/server-select.ts'
import { NO_TRACE } from './engine/trace.ts'
import { type HealthPlan, healthPlans } from './health/plan.ts'
import { SnapshotCache } from './health/snapshot.ts'
import { withTracking } from './health/track.ts'
import type { PassiveOutcome } from './health/observe.ts'
import { logSink } from './log/sink.ts'
import { Accounting } from './ops/accounting.ts'
import { withAdmin } from './ops/admin-states.ts'
import { API_PATH, serveApi } from './ops/api-http.ts'
import { structuralSignature, withServerOverrides } from './ops/effective.ts'
import { DEFAULT_SYNC_MS, RuntimeClient, type RuntimeRemote, type RuntimeViewLike } from './ops/runtime-client.ts'
import type { AdminPatch, StatsInput } from './ops/types.ts'
import { type HandlerDeps, handle } from './proxy/handler.ts'
import embedded from './routemap/embedded.json'
import { DEFAULT_POLL_MS, type KvReader, LiveRouteMap } from './routemap/live.ts'
import { ROUTEMAP_SCHEMA, type RouteMap } from './routemap/schema.ts'
import type { RemoteStickFactory } from './state/remote-stick.ts'
import { EDGEPROXY_VERSION } from './stats/info.ts'
import { statsPage } from './stats/page.ts'
import { renderPrometheus } from './stats/prometheus.ts'

export { HealthMonitor } from '../durable-objects/health-monitor.ts'
export { RuntimeState } from '../durable-objects/runtime-state.ts'
export { StickTable } from '../durable-objects/stick-table.ts'

/** The product version shown by `show info`, the stats page and Prometheus' build_info (a Worker module exports only handlers). */
const VERSION = EDGEPROXY_VERSION

export interface Env {
  /** RouteMap JSON text (set by `edgeproxy dev`): the fallback when KV has no live version. */
  readonly EDGEPROXY_ROUTEMAP?: string
  /** Set by `edgeproxy dev`: requests arrive through its bind listeners. */
  readonly EDGEPROXY_DEV?: string
  /** Secret: the runtime API's bearer token. Unset: no runtime API endpoint. */
  readonly EDGEPROXY_API_TOKEN?: string
  /** How often (ms) an isolate re-reads the live RouteMap pointer (default 5000). */
  readonly EDGEPROXY_POLL_MS?: string
  /** RouteMap versions and the live pointer (src/routemap/kv.ts). */
  readonly ROUTEMAPS?: KvReader
  /** HealthMonitor Durable Objects, one per backend with checks. */
  readonly HEALTH?: HealthMonitorNamespace
  /** StickTable Durable Objects, sharded by key hash (`${table}:${shard}`). */
  readonly STICK?: StickTableNamespace
  /** The RuntimeState Durable Object (admin state, pattern edits, stats counters). */
  readonly RUNTIME?: RuntimeStateNamespace
}

/** The engine for one effective RouteMap. */
interface Built {
  readonly key: string
  readonly routeMap: RouteMap
  readonly engine: Engine
  readonly plans: readonly HealthPlan[]
  readonly backends: readonly string[]
  readonly accessLog: HandlerDeps['accessLog']
  /** Some frontend or backend has a stick table (else no request waits for the store). */
  readonly sticky: boolean
  /** Some server has `observe` (passive health). */
  readonly observes: boolean
  /** The stats page and services for this engine, made for `servicesEnv`. */
  services?: NonNullable<HandlerDeps['services']>
  servicesEnv?: Env
}

/** Everything one isolate keeps. */
interface Isolate {
  /** The fallback RouteMap text it was made for (tests run several in one isolate). */
  readonly envKey: string
  readonly id: string
  readonly startedAt: number
  readonly live: LiveRouteMap
  readonly accounting: Accounting
  readonly runtime?: RuntimeClient
  readonly health?: SnapshotCache
  readonly stick?: RemoteStickFactory
  /** The health snapshot loader for the current plans (swapped with the engine). */
  loader: (backend: string) => Promise<import('./health/snapshot.ts').HealthSnapshot | undefined>
  built?: Built
  /** The live map and runtime view `built` was last checked against. */
  builtFrom?: { readonly routeMap: RouteMap; readonly view: object | undefined }
  /** The live version of `built`'s base RouteMap. */
  version?: string
  /** The balancers of the engines built for one RouteMap (runtime edits rebuild the engine, not them). */
  balancers?: { readonly hash: string; readonly store: BalancerStore }
}

let isolate: Isolate | undefined

/** The structural part of each runtime view (computed once per view, not per request). */
const signatures = new WeakMap<object, string>()

/** Servers whose last passive-health report was an error, in this isolate. */
const erroring = new Set<string>()

/** HAProxy's layer-7 error statuses for `observe`: 5xx but 501 and 505. */
function isError(o: PassiveOutcome): boolean {
  if (o.kind === 'connect-ok') return false
  if (o.kind === 'http-status') return o.status >= 500 && o.status !== 501 && o.status !== 505
  return true
}

/**
 * Passive health: reports go to the backend's HealthMonitor in the background, only for errors
 * and the first success after one, so a healthy server costs no Durable Object call.
 */
function passiveReporter(ns: HealthMonitorNamespace, ctx: ExecutionContext): NonNullable<HandlerDeps['observe']> {
  return (backend, server, outcome) => {
    const key = `${backend}/${server.name}`
    const error = isError(outcome)
    if (!error && !erroring.has(key)) return
    if (error) erroring.add(key)
    else erroring.delete(key)
    ctx.waitUntil(ns.getByName(backend).report(server.name, outcome).catch(() => {}))
  }
}

function fallbackRouteMap(env: Env): RouteMap {
  const parsed = (env.EDGEPROXY_ROUTEMAP ? JSON.parse(env.EDGEPROXY_ROUTEMAP) : embedded) as RouteMap
  if (parsed.schema !== ROUTEMAP_SCHEMA) throw new Error(`unsupported RouteMap schema '${String(parsed.schema)}'`)
  return parsed
}

function init(env: Env): Isolate {
  const envKey = env.EDGEPROXY_ROUTEMAP ?? 'embedded'
  if (isolate?.envKey === envKey) return isolate
  const now = () => Date.now()
  const pollMs = Number(env.EDGEPROXY_POLL_MS) > 0 ? Number(env.EDGEPROXY_POLL_MS) : DEFAULT_POLL_MS
  const live = new LiveRouteMap(env.ROUTEMAPS, () => fallbackRouteMap(env), { pollMs, now, log: (l) => console.warn(l) })
  const accounting = new Accounting()
  const id = crypto.randomUUID()
  const runtimeNs = env.RUNTIME
  const runtime = runtimeNs
    ? new RuntimeClient(() => runtimeStub(runtimeNs) as unknown as RuntimeRemote, { syncMs: DEFAULT_SYNC_MS, now, report: () => accounting.takeReport(id, now()), log: (l) => console.warn(l) })
    : undefined
  const self: Isolate = {
    envKey,
    id,
    startedAt: now(),
    live,
    accounting,
    ...(runtime ? { runtime } : {}),
    loader: async () => undefined,
    ...(env.STICK ? { stick: durableStickStore(env.STICK, { log: (line) => console.warn(line) }) } : {}),
  }
  if (env.HEALTH) (self as { health?: SnapshotCache }).health = new SnapshotCache({ load: (b) => self.loader(b), now })
  isolate = self
  return self
}

/** The engine for the current live RouteMap with the runtime's structural changes applied. */
async function engineFor(env: Env, iso: Isolate, ctx: ExecutionContext): Promise<Built> {
  const cur = await iso.live.current()
  const view = iso.runtime?.view
  // Same live map and same runtime view objects: nothing to look at (the common case, per request).
  if (iso.built && iso.builtFrom?.routeMap === cur.routeMap && iso.builtFrom.view === view) return iso.built
  const patterns = view?.patterns ?? {}
  const admin = view?.admin ?? {}
  let sig = view ? signatures.get(view) : ''
  if (sig === undefined) {
    sig = `${structuralSignature(admin)}|${JSON.stringify(patterns)}`
    if (view) signatures.set(view, sig)
  }
  const key = `${cur.routeMap.hash}|${sig}`
  iso.builtFrom = { routeMap: cur.routeMap, view }
  if (iso.built?.key === key) return iso.built
  const routeMap = withServerOverrides(Object.keys(patterns).length > 0 ? applyPatternEdits(cur.routeMap, { get: (r: string) => patterns[r], put: async () => {} }) : cur.routeMap, admin)
  const plans = env.HEALTH ? healthPlans(routeMap) : []
  if (env.HEALTH) {
    iso.loader = healthSnapshotLoader(env.HEALTH, plans)
    // A new map (push, rollback, addr change) configures its monitors now rather than at the next cron.
    if (iso.built && plans.length > 0) ctx.waitUntil(configureHealthMonitors(env.HEALTH, plans).catch(() => {}))
  }
  const health = iso.health
  // The runtime view's version only goes up: with the snapshots' it tells the balancers when to rebuild their usable sets.
  const states = withTracking(
    withAdmin(
      health?.states ?? ALL_UP,
      (b, s) => iso.runtime?.view.admin[`${b}/${s}`],
      () => (iso.runtime?.view.version ?? 0) + 1,
    ),
    routeMap,
  )
  if (iso.balancers?.hash !== cur.routeMap.hash) iso.balancers = { hash: cur.routeMap.hash, store: new Map() }
  const engine = createEngine(routeMap, { states, balancers: iso.balancers.store, load: iso.accounting, ...(iso.stick ? { stick: iso.stick } : {}) })
  const accessLog = logSink(routeMap, { dev: env.EDGEPROXY_DEV === '1', proxies: engine.proxies })
  const sticky = routeMap.frontends.some((f) => f.stickTable !== undefined) || routeMap.backends.some((b) => b.stickTable !== undefined) || (routeMap.peerTables?.length ?? 0) > 0
  const observes = routeMap.backends.some((b) => b.servers.some((s) => s.observe !== undefined))
  iso.built = { key, routeMap, engine, plans, backends: plans.map((p) => p.backend), accessLog, sticky, observes }
  iso.version = cur.version
  return iso.built
}

/** Stats as of now: this isolate's counters flushed first, health snapshots refreshed. */
async function statsInput(env: Env, iso: Isolate, built: Built): Promise<StatsInput> {
  await iso.runtime?.sync()
  await iso.health?.refresh(built.backends)
  const dump = env.RUNTIME ? await runtimeStub(env.RUNTIME).stats() : undefined
  const admin = iso.runtime?.view.admin ?? {}
  return {
    routeMap: built.routeMap,
    now: Date.now(),
    startedAt: dump?.startedAt ?? iso.startedAt,
    counters: (k) => dump?.counters[k],
    health: (b) => iso.health?.get(b),
    admin: (b, s) => admin[`${b}/${s}`],
    isolates: dump?.isolates ?? 1,
    ...(iso.version ? { version: iso.version } : {}),
  }
}

async function setAdmin(env: Env, iso: Isolate, backend: string, server: string, patch: AdminPatch): Promise<void> {
  if (!env.RUNTIME) throw new Error('no RUNTIME Durable Object binding: admin changes need it')
  iso.runtime?.adopt((await runtimeStub(env.RUNTIME).setAdmin(backend, server, patch)) as unknown as RuntimeViewLike)
}

function apiContext(env: Env, iso: Isolate, built: Built, base: RouteMap, level: ApiLevel): ApiContext {
  return {
    routeMap: base,
    level,
    stats: () => statsInput(env, iso, built),
    admin: (b, s) => iso.runtime?.view.admin[`${b}/${s}`],
    setAdmin: (b, s, p) => setAdmin(env, iso, b, s, p),
    clearCounters: async (all) => {
      await iso.runtime?.sync()
      if (env.RUNTIME) await runtimeStub(env.RUNTIME).clearCounters(all)
    },
    tables: durableTableAccess(env.STICK as StickTableNamespace, built.routeMap),
    patterns: {
      get: (ref) => iso.runtime?.view.patterns[ref],
      put: async (ref, entries) => {
        if (!env.RUNTIME) throw new Error('no RUNTIME Durable Object binding: map and ACL edits need it')
        iso.runtime?.adopt((await runtimeStub(env.RUNTIME).putPatterns(ref, entries)) as unknown as RuntimeViewLike)
      },
    },
  }
}

/** The stats page and Prometheus exporter (applets HAProxy answers itself). */
function services(env: Env, iso: Isolate, built: Built): NonNullable<HandlerDeps['services']> {
  return async (d: Extract<Decision, { kind: 'stats' | 'service' }>, req: Request) => {
    if (d.kind === 'service') {
      if (d.service !== 'prometheus-exporter') return new Response(`service '${d.service}' is not available at the edge\n`, { status: 503 })
      const r = renderPrometheus(await statsInput(env, iso, built), new URL(req.url).searchParams)
      return new Response(req.method === 'HEAD' ? null : r.body, { status: r.status, headers: r.headers })
    }
    const fe = built.engine.hydrated.frontends.find((f) => f.def.name === d.frontend)
    const settings = fe?.def.stats
    if (!fe || !settings) return new Response('no stats settings\n', { status: 503 })
    return statsPage(req, settings, {
      input: () => statsInput(env, iso, built),
      isAdmin: fe.statsAdmin ? fe.statsAdmin(d.request, NO_TRACE) : false,
      applyAdmin: (b, s, p) => setAdmin(env, iso, b, s, p),
      version: VERSION,
      hideVersion: settings.hideVersion,
      proxy: d.frontend,
    })
  }
}

const upstream = (r: Request): Promise<Response> => fetch(r)
const now = (): number => Date.now()

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const iso = init(env)
    if (iso.live.due()) ctx.waitUntil(iso.live.poll())
    // The first request of an isolate waits for the admin state once; later syncs run in the background.
    if (iso.runtime && !iso.runtime.ready) await iso.runtime.sync()
    const built = await engineFor(env, iso, ctx)
    const token = env.EDGEPROXY_API_TOKEN
    // A cheap substring test first: no URL parse per request.
    if (token && request.url.includes(API_PATH) && new URL(request.url).pathname === API_PATH) {
      const base = (await iso.live.current()).routeMap
      return serveApi(request, token, (commands, level) => runCommands(commands, apiContext(env, iso, built, base, level)))
    }
    // Health snapshots refresh in the background at most every min(inter, 2 s): never a DO call on the request's path.
    const health = iso.health
    if (health && built.backends.some((b) => health.isStale(b))) ctx.waitUntil(health.refresh(built.backends).catch(() => {}))
    // Under `edgeproxy dev` the client address comes from workerd (cf.clientIp); at the edge,
    // CF-Connecting-IP. The handler sees the former as the latter (no copy of the request).
    const ip = (request as Request & { cf?: { clientIp?: string } }).cf?.clientIp
    const stick = built.sticky ? iso.stick : undefined
    if (built.servicesEnv !== env) {
      built.services = services(env, iso, built)
      built.servicesEnv = env
    }
    const healthNs = built.observes ? env.HEALTH : undefined
    const res = await handle(request, {
      engine: built.engine,
      upstream,
      now,
      dev: env.EDGEPROXY_DEV === '1',
      accounting: iso.accounting,
      ...(built.accessLog ? { accessLog: built.accessLog } : {}),
      services: built.services as NonNullable<HandlerDeps['services']>,
      ...(healthNs ? { observe: passiveReporter(healthNs, ctx) } : {}),
      // The end of a streamed response (conn_cur, bytes_*) writes after fetch() returned.
      ...(stick ? { afterStick: () => ctx.waitUntil(stick.idle()) } : {}),
      ...(ip ? { clientIp: ip } : {}),
      // `cache` sections: the Workers Cache API (src/proxy/cache.ts).
      ...(built.routeMap.caches ? { cache: { storage: caches, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p), now } } : {}),
    })
    // Stick-table writes that need not delay the response (fast-mode batches, exact-mode follow-ups).
    if (stick) ctx.waitUntil(stick.idle())
    // Counters and admin state: one background sync per isolate per second at most.
    if (iso.runtime?.due()) ctx.waitUntil(iso.runtime.sync())
    return res
  },

  /** Cron watchdog (every minute): installs each backend's check plan and re-arms stopped monitors. */
  async scheduled(_controller, env, ctx): Promise<void> {
    const iso = init(env)
    await iso.live.poll()
    if (iso.runtime) await iso.runtime.sync()
    const built = await engineFor(env, iso, ctx)
    if (env.HEALTH && built.plans.length > 0) ctx.waitUntil(configureHealthMonitors(env.HEALTH, built.plans))
  },
} satisfies ExportedHandler<Env>

