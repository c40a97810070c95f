/**
 * @module
 * The engine for the current live RouteMap with the runtime's structural changes applied (map and
 * ACL edits, server address and weight overrides), rebuilt only when one of them changes.
 */
import { configureHealthMonitors, healthSnapshotLoader } from '../../durable-objects/health-monitor.ts'
import { applyPatternEdits } from '../api/patterns.ts'
import { createEngine } from '../engine/index.ts'
import { ALL_UP } from '../engine/server-select.ts'
import { healthPlans } from '../health/plan.ts'
import { withTracking } from '../health/track.ts'
import { logSink } from '../log/sink.ts'
import { withAdmin } from '../ops/admin-states.ts'
import { structuralSignature, withServerOverrides } from '../ops/effective.ts'
import { egressFor } from './egress.ts'
import type { Env } from './env.ts'
import type { Built, Isolate } from './isolate.ts'

/** The structural part of each runtime view (computed once per view, not per request). */
const signatures = new WeakMap<object, string>()

/** The engine for the current live RouteMap with the runtime's structural changes applied. */
export async function engineFor(env: Env, iso: Isolate, ctx: ExecutionContext): Promise<Built> {
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
    // Without the state plane, a new map (push, rollback, addr change) configures its monitors now
    // rather than at the next cron. With it, the hub does, once, for the newest map (src/ops/hub.ts):
    // thousands of isolates switching maps at different times must not each reconfigure them.
    if (!iso.runtime && iso.built && plans.length > 0) ctx.waitUntil(configureHealthMonitors(env.HEALTH, plans).catch(() => {}))
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
  iso.built = { key, routeMap, engine, plans, backends: plans.map((p) => p.backend), accessLog, sticky, observes, upstream: egressFor(routeMap, env.EDGEPROXY_VPC) }
  iso.version = cur.version
  return iso.built
}
