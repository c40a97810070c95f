/**
 * @module
 * The edgeproxy Worker: executes a compiled RouteMap. The RouteMap comes from the
 * `EDGEPROXY_ROUTEMAP` binding (`edgeproxy dev`), else the one bundled from examples/.
 * Health comes from one HealthMonitor Durable Object per checked backend, read through a
 * per-isolate snapshot refreshed off the hot path; the cron trigger re-arms the monitors. Stick
 * tables live in StickTable Durable Objects sharded by key (one RPC per tracked request in exact
 * mode, batched in fast mode; none for requests that track nothing).
 */
import { durableStickStore, type StickTableNamespace } from '../durable-objects/stick-table.ts'
import { configureHealthMonitors, type HealthMonitorNamespace, healthSnapshotLoader } from '../durable-objects/health-monitor.ts'
import { createEngine, type Engine } from './engine/index.ts'
import { type HealthPlan, healthPlans } from './health/plan.ts'
import { SnapshotCache } from './health/snapshot.ts'
import type { PassiveOutcome } from './health/observe.ts'
import { type HandlerDeps, handle } from './proxy/handler.ts'
import embedded from './routemap/embedded.json'
import { ROUTEMAP_SCHEMA, type RouteMap } from './routemap/schema.ts'
import type { RemoteStickFactory } from './state/remote-stick.ts'

export { HealthMonitor } from '../durable-objects/health-monitor.ts'
export { StickTable } from '../durable-objects/stick-table.ts'

export interface Env {
  /** RouteMap JSON text (set by `edgeproxy dev`). */
  readonly EDGEPROXY_ROUTEMAP?: string
  /** Set by `edgeproxy dev`: requests arrive through its bind listeners. */
  readonly EDGEPROXY_DEV?: string
  /** HealthMonitor Durable Objects, one per backend with checks. */
  readonly HEALTH?: HealthMonitorNamespace
  /** StickTable Durable Objects, sharded by key hash (`${table}:${shard}`). */
  readonly STICK?: StickTableNamespace
}

interface Loaded {
  readonly key: string
  readonly engine: Engine
  readonly plans: readonly HealthPlan[]
  readonly backends: readonly string[]
  readonly health?: SnapshotCache
  readonly stick?: RemoteStickFactory
}

let cached: Loaded | undefined

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

/** The engine for the current RouteMap, built once per isolate and per RouteMap text. */
function load(env: Env): Loaded {
  const text = env.EDGEPROXY_ROUTEMAP
  const key = text ?? 'embedded'
  if (cached?.key === key) return cached
  const parsed = (text ? JSON.parse(text) : embedded) as RouteMap
  if (parsed.schema !== ROUTEMAP_SCHEMA) throw new Error(`unsupported RouteMap schema '${String(parsed.schema)}'`)
  const plans = env.HEALTH ? healthPlans(parsed) : []
  const health = env.HEALTH && plans.length > 0 ? new SnapshotCache({ load: healthSnapshotLoader(env.HEALTH, plans), now: () => Date.now() }) : undefined
  const stick = env.STICK ? durableStickStore(env.STICK, { log: (line) => console.warn(line) }) : undefined
  const engine = createEngine(parsed, { ...(health ? { states: health.states } : {}), ...(stick ? { stick } : {}) })
  cached = { key, engine, plans, backends: plans.map((p) => p.backend), ...(health ? { health } : {}), ...(stick ? { stick } : {}) }
  return cached
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const l = load(env)
    // Health snapshots refresh in the background at most every min(inter, 2 s): never a DO call on the request's path.
    if (l.health && l.backends.some((b) => l.health?.isStale(b))) ctx.waitUntil(l.health.refresh(l.backends).catch(() => {}))
    // Under `edgeproxy dev` the client address comes from workerd (cf.clientIp); at the edge, CF-Connecting-IP.
    const ip = (request as Request & { cf?: { clientIp?: string } }).cf?.clientIp
    const req = ip && !request.headers.has('cf-connecting-ip') ? withClientIp(request, ip) : request
    const res = await handle(req, {
      engine: l.engine,
      upstream: (r) => fetch(r),
      now: () => Date.now(),
      dev: env.EDGEPROXY_DEV === '1',
      ...(env.HEALTH ? { observe: passiveReporter(env.HEALTH, ctx) } : {}),
      // The end of a streamed response (conn_cur, bytes_*) writes after fetch() returned.
      ...(l.stick ? { afterStick: () => ctx.waitUntil(l.stick?.idle() ?? Promise.resolve()) } : {}),
    })
    // Stick-table writes that need not delay the response (fast-mode batches, exact-mode follow-ups).
    if (l.stick) ctx.waitUntil(l.stick.idle())
    return res
  },

  /** Cron watchdog (every minute): installs each backend's check plan and re-arms stopped monitors. */
  async scheduled(_controller, env, ctx): Promise<void> {
    const l = load(env)
    if (env.HEALTH && l.plans.length > 0) ctx.waitUntil(configureHealthMonitors(env.HEALTH, l.plans))
  },
} satisfies ExportedHandler<Env>

function withClientIp(request: Request, ip: string): Request {
  const headers = new Headers(request.headers)
  headers.set('cf-connecting-ip', ip.replace(/^\[|\]:\d+$|:\d+$/g, '').replace(/^\[/, ''))
  return new Request(request, { headers })
}
