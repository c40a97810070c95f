/**
 * @module
 * One simulated isolate runs the real isolate-side code: the same parts src/worker/isolate.ts
 * `init()` assembles (LiveRouteMap, Accounting, RuntimeClient, SnapshotCache, the Durable
 * Object stick store) and the same request path as src/worker/fetch.ts `onFetch` (engineFor, the
 * cold isolate's one wait, handle()), for many isolates in one process, each with its own env
 * (bindings as seen from its location). The single place to switch to the Worker's
 * `createIsolate`/`serveRequest` when they exist.
 */
import { durableStickStore } from '../../durable-objects/stick-table.ts'
import { runtimeStub } from '../../durable-objects/runtime-state.ts'
import { runCommands } from '../../src/api/run.ts'
import { SnapshotCache } from '../../src/health/snapshot.ts'
import { Accounting } from '../../src/ops/accounting.ts'
import { API_PATH, serveApi } from '../../src/ops/api-http.ts'
import { DEFAULT_SYNC_MS, RuntimeClient, type RuntimeRemote } from '../../src/ops/runtime-client.ts'
import { handle } from '../../src/proxy/handler.ts'
import { DEFAULT_POLL_MS, LiveRouteMap } from '../../src/routemap/live.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'
import { engineFor } from '../../src/worker/engine-cache.ts'
import type { Env } from '../../src/worker/env.ts'
import type { Isolate } from '../../src/worker/isolate.ts'
import { apiContext } from '../../src/worker/ops-context.ts'

/** The longest a cold isolate waits for its first health snapshots (src/worker/fetch.ts). */
const COLD_HEALTH_WAIT_MS = 1000

/** init() of src/worker/isolate.ts for one isolate of `location`. */
export function createSimIsolate(env: Env, o: { location: string; id: string; fallback: RouteMap }): Isolate {
  const now = () => Date.now()
  const live = new LiveRouteMap(env.ROUTEMAPS, () => o.fallback, { pollMs: DEFAULT_POLL_MS, now, log: () => {} })
  const accounting = new Accounting()
  const runtimeNs = env.RUNTIME
  const runtime = runtimeNs
    ? new RuntimeClient(() => runtimeStub(runtimeNs) as unknown as RuntimeRemote, { syncMs: DEFAULT_SYNC_MS, now, report: () => accounting.takeReport(o.id, now()), log: () => {} })
    : undefined
  const self: Isolate = {
    envKey: 'sim',
    id: o.id,
    startedAt: now(),
    live,
    accounting,
    ...(runtime ? { runtime } : {}),
    loader: async () => undefined,
    ...(env.STICK ? { stick: durableStickStore(env.STICK, { log: () => {} }) } : {}),
  }
  if (env.HEALTH) (self as { health?: SnapshotCache }).health = new SnapshotCache({ load: (b) => self.loader(b), now })
  return self
}

function bounded(p: Promise<void> | undefined, ms: number): Promise<void> | undefined {
  if (!p) return undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer))
}

/** onFetch() of src/worker/fetch.ts for one isolate (no stats applets, no cache sections). */
export async function serveSim(iso: Isolate, request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const now = () => Date.now()
  if (iso.live.due()) ctx.waitUntil(iso.live.poll())
  let built = await engineFor(env, iso, ctx)
  const health = iso.health
  const coldHealth = health !== undefined && built.backends.some((b) => !health.loaded(b))
  if ((iso.runtime && !iso.runtime.ready) || coldHealth) {
    await Promise.all([iso.runtime && !iso.runtime.ready ? iso.runtime.sync() : undefined, coldHealth ? bounded(health?.refresh(built.backends), COLD_HEALTH_WAIT_MS) : undefined])
    built = await engineFor(env, iso, ctx)
  }
  const token = env.EDGEPROXY_API_TOKEN
  if (token && request.url.includes(API_PATH) && new URL(request.url).pathname === API_PATH) {
    const base = (await iso.live.current()).routeMap
    return serveApi(request, token, (commands, level) => runCommands(commands, apiContext(env, iso, built, base, level)))
  }
  if (health && built.backends.some((b) => health.isStale(b))) ctx.waitUntil(health.refresh(built.backends).catch(() => {}))
  const stick = built.sticky ? iso.stick : undefined
  const res = await handle(request, {
    engine: built.engine,
    upstream: built.upstream,
    now,
    accounting: iso.accounting,
    ...(stick ? { afterStick: () => ctx.waitUntil(stick.idle()) } : {}),
  })
  if (stick) ctx.waitUntil(stick.idle())
  if (iso.runtime?.due()) ctx.waitUntil(iso.runtime.sync())
  return res
}

/** The cron's work (src/worker/fetch.ts onScheduled) from one isolate. */
export async function cronSim(iso: Isolate, env: Env, ctx: ExecutionContext): Promise<void> {
  const { configureHealthMonitors } = await import('../../durable-objects/health-monitor.ts')
  await iso.live.poll()
  if (iso.runtime) await iso.runtime.sync()
  const built = await engineFor(env, iso, ctx)
  if (env.HEALTH && built.plans.length > 0) ctx.waitUntil(configureHealthMonitors(env.HEALTH, built.plans))
}

/** What the measurements read of an isolate's state (the engine it runs, what it knows). */
export const probe = {
  /** The live version its engine was last built from. */
  version: (iso: Isolate): string | undefined => iso.version,
  /** Its admin override of `backend/server`. */
  admin: (iso: Isolate, key: string) => iso.runtime?.view.admin[key],
  /** False once its health view has `backend/server` not usable. */
  usable: (iso: Isolate, backend: string, server: string): boolean => iso.health?.get(backend)?.servers[server]?.usable !== false,
  /** Forces a final counters flush (the end of the run). */
  flush: (iso: Isolate): Promise<void> => iso.runtime?.sync() ?? Promise.resolve(),
}
