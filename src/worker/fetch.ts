/**
 * @module
 * The Worker's two entry points: `fetch` (the runtime API when asked for, else the request path)
 * and `scheduled` (the cron watchdog of the health monitors).
 */
import { configureHealthMonitors } from '../../durable-objects/health-monitor.ts'
import { runCommands } from '../api/run.ts'
import { API_PATH, serveApi } from '../ops/api-http.ts'
import { type HandlerDeps, handle } from '../proxy/handler.ts'
import { engineFor } from './engine-cache.ts'
import type { Env } from './env.ts'
import { init } from './isolate.ts'
import { apiContext } from './ops-context.ts'
import { passiveReporter } from './passive-health.ts'
import { services } from './services.ts'

const now = (): number => Date.now()

/** The longest a cold isolate waits for its first health snapshots before deciding without them. */
const COLD_HEALTH_WAIT_MS = 1000

/** `p`, or nothing after `ms` (the work goes on in the background). */
function bounded(p: Promise<void> | undefined, ms: number): Promise<void> | undefined {
  if (!p) return undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer))
}

export async function onFetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const iso = init(env)
  if (iso.live.due()) ctx.waitUntil(iso.live.poll())
  // A cold isolate waits once, before its first decision, for the admin state and the health
  // snapshots, in parallel (one round trip): a server in MAINT, or one its monitor already marked
  // DOWN, is never chosen because this isolate has not heard of it yet. Later refreshes run in the
  // background.
  let built = await engineFor(env, iso, ctx)
  const health = iso.health
  const coldHealth = health !== undefined && built.backends.some((b) => !health.loaded(b))
  if ((iso.runtime && !iso.runtime.ready) || coldHealth) {
    await Promise.all([iso.runtime && !iso.runtime.ready ? iso.runtime.sync() : undefined, coldHealth ? bounded(health?.refresh(built.backends), COLD_HEALTH_WAIT_MS) : undefined])
    built = await engineFor(env, iso, ctx)
  }
  const token = env.EDGEPROXY_API_TOKEN
  // A cheap substring test first: no URL parse per request.
  if (token && request.url.includes(API_PATH) && new URL(request.url).pathname === API_PATH) {
    const base = (await iso.live.current()).routeMap
    return serveApi(request, token, (commands, level) => runCommands(commands, apiContext(env, iso, built, base, level)))
  }
  // Health snapshots refresh in the background at most every min(inter, 2 s): no DO call on a warm isolate's request path.
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
    upstream: built.upstream,
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
}

/** Cron watchdog (every minute): installs each backend's check plan and re-arms stopped monitors. */
export async function onScheduled(env: Env, ctx: ExecutionContext): Promise<void> {
  const iso = init(env)
  await iso.live.poll()
  if (iso.runtime) await iso.runtime.sync()
  const built = await engineFor(env, iso, ctx)
  if (env.HEALTH && built.plans.length > 0) ctx.waitUntil(configureHealthMonitors(env.HEALTH, built.plans))
}
