/**
 * @module
 * The Worker's two entry points: `fetch` (the runtime API when asked for, else the request path)
 * and `scheduled` (the cron watchdog of the health monitors).
 */
import { configureHealthMonitors } from '../../durable-objects/health-monitor.ts'
import { hubStub } from '../../durable-objects/runtime-state.ts'
import { runCommands } from '../api/run.ts'
import { errorResponse } from '../engine/errors.ts'
import { API_PATH, serveApi } from '../ops/api-http.ts'
import { HEALTH_RENEW_MS } from '../ops/plane.ts'
import { type HandlerDeps, handle } from '../proxy/handler.ts'
import { toResponse } from '../proxy/request.ts'
import { engineFor } from './engine-cache.ts'
import type { Env } from './env.ts'
import { type Built, type Isolate, init } from './isolate.ts'
import { apiContext } from './ops-context.ts'
import { passiveReporter } from './passive-health.ts'
import { services } from './services.ts'

const now = (): number => Date.now()

/** The longest a cold isolate without its relay waits for health snapshots from the monitors. */
const COLD_HEALTH_WAIT_MS = 1000

/** `p`, or nothing after `ms` (the work goes on in the background). */
function bounded(p: Promise<void> | undefined, ms: number): Promise<void> | undefined {
  if (!p) return undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer))
}

/** A backend's plans are reported again at most this often while their health is missing. */
const WANT_REPEAT_MS = 30_000

/** The Cloudflare location of a request (`local` under `edgeproxy dev`, which has none). */
function locationOf(request: Request): string {
  const colo = (request as Request & { cf?: { colo?: unknown } }).cf?.colo
  return typeof colo === 'string' && colo !== '' ? colo : 'local'
}

/**
 * The Worker's fetch: whatever throws on the way (a bug, a binding that failed) answers HAProxy's
 * 500 page, without a detail of the error; the error itself goes to the Worker's log.
 */
export async function onFetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  try {
    return await serveRequest(init(env, locationOf(request)), request, env, ctx)
  } catch (e) {
    console.error(`edgeproxy: request failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    return toResponse(errorResponse(500), request.method)
  }
}

/**
 * The plans of `built` (all of them: a monitor group drops the backends it is not given) when a
 * backend has no health for this RouteMap in the state, and every HEALTH_RENEW_MS: the hub
 * configures their monitors (and so keeps their lease).
 */
function reportPlans(iso: Isolate, built: Built): void {
  const health = iso.health
  if (!iso.runtime || !health || built.plans.length === 0) return
  const t = now()
  // Whether a backend lacks health changes only with the engine or the snapshots: not looked at per request.
  const version = health.states.version?.() ?? 0
  if (iso.healthSeen?.built !== built || iso.healthSeen.version !== version) {
    iso.healthSeen = { built, version, missing: built.plans.some((p) => health.get(p.backend)?.routeMapHash !== p.routeMapHash) }
  }
  const missing = iso.healthSeen.missing
  const renew = t - (iso.renewedAt ?? iso.startedAt) >= HEALTH_RENEW_MS
  const key = built.plans[0]?.routeMapHash ?? ''
  if (!renew && (!missing || (iso.wanted?.key === key && t - iso.wanted.at < WANT_REPEAT_MS))) return
  iso.wanted = { key, at: t }
  iso.renewedAt = t
  iso.runtime.want(built.plans)
}

/** One request on an isolate (the Worker's, or one of the simulation's). */
export async function serveRequest(iso: Isolate, request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  // A cold isolate waits once, before its first decision, for one call to its location's relay:
  // admin state, routing health and the live RouteMap come together, so a server in MAINT, or one
  // its monitor already marked DOWN, is never chosen because this isolate has not heard of it yet.
  if (iso.runtime && !iso.runtime.ready) await iso.runtime.sync()
  if (iso.live.due()) ctx.waitUntil(iso.live.poll())
  let built = await engineFor(env, iso, ctx)
  reportPlans(iso, built)
  // Health the relay did not have yet (a first start, a push): the monitors answer directly, once, bounded.
  const health = iso.health
  if (health && !iso.runtime?.connected && built.backends.some((b) => !health.loaded(b))) {
    await bounded(health.refresh(built.backends), COLD_HEALTH_WAIT_MS)
    built = await engineFor(env, iso, ctx)
  }
  const token = env.EDGEPROXY_API_TOKEN
  // A cheap substring test first: no URL parse per request.
  if (token && request.url.includes(API_PATH) && new URL(request.url).pathname === API_PATH) {
    const base = (await iso.live.current()).routeMap
    return serveApi(request, token, (commands, level) => runCommands(commands, apiContext(env, iso, built, base, level)))
  }
  // Without a state plane (no RUNTIME binding), snapshots are read from the monitors in the background at most every min(inter, 2 s).
  if (health && !iso.runtime && built.backends.some((b) => health.isStale(b))) ctx.waitUntil(health.refresh(built.backends).catch(() => {}))
  // Under `edgeproxy dev` the client address comes from workerd (cf.clientIp); at the edge,
  // CF-Connecting-IP. The handler sees the former as the latter (no copy of the request).
  const ip = (request as Request & { cf?: { clientIp?: string } }).cf?.clientIp
  const stick = built.sticky ? iso.stick : undefined
  if (built.servicesEnv !== env) {
    built.services = services(env, iso, built)
    built.servicesEnv = env
  }
  const healthNs = built.observes ? env.HEALTH : undefined
  const mark = stick?.mark()
  const res = await handle(request, {
    engine: built.engine,
    upstream: built.upstream,
    now,
    dev: env.EDGEPROXY_DEV === '1',
    accounting: iso.accounting,
    ...(built.accessLog ? { accessLog: built.accessLog } : {}),
    services: built.services as NonNullable<HandlerDeps['services']>,
    ...(healthNs ? { observe: passiveReporter(healthNs, ctx) } : {}),
    // The end of a streamed response (conn_cur, bytes_*) writes after fetch() returned.
    ...(stick ? { afterStick: () => ctx.waitUntil(stick.current()?.sent() ?? Promise.resolve()) } : {}),
    ...(ip ? { clientIp: ip } : {}),
    // `cache` sections: the Workers Cache API (src/proxy/cache.ts).
    ...(built.routeMap.caches ? { cache: { storage: caches, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p), now } } : {}),
  })
  // Stick-table writes that need not delay the response (fast-mode batches, exact-mode follow-ups):
  // kept alive by the request that started them only (a waitUntil per request would hold every
  // request's context while traffic lasts: src/state/remote-stick.ts sent()).
  const work = stick && mark ? stick.keepAlive(mark) : undefined
  if (work) ctx.waitUntil(work)
  // Counters up, state down: one background sync with the relay every 2–4 s at most.
  if (iso.runtime?.due()) ctx.waitUntil(iso.runtime.sync())
  return res
}

/** Cron watchdog (every minute): installs each backend's check plan and re-arms stopped monitors. */
export async function onScheduled(env: Env, ctx: ExecutionContext): Promise<void> {
  const iso = init(env)
  // The hub re-reads the live pointer now; this isolate learns it from its relay.
  if (env.RUNTIME) await hubStub(env.RUNTIME).state(true)
  if (iso.runtime) await iso.runtime.sync()
  else await iso.live.poll()
  const built = await engineFor(env, iso, ctx)
  if (env.HEALTH && built.plans.length > 0) ctx.waitUntil(configureHealthMonitors(env.HEALTH, built.plans))
}
