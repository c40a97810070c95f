/**
 * @module
 * The applets HAProxy answers itself: the stats page and the Prometheus exporter.
 */
import type { Decision } from '../engine/decide.ts'
import type { HandlerDeps } from '../proxy/handler.ts'
import { EDGEPROXY_VERSION } from '../stats/info.ts'
import { statsPage } from '../stats/page.ts'
import { renderPrometheus } from '../stats/prometheus.ts'
import type { Env } from './env.ts'
import type { Built, Isolate } from './isolate.ts'
import { setAdmin, statsInput } from './ops-context.ts'

/** The product version shown by `show info`, the stats page and Prometheus' build_info. */
const VERSION = EDGEPROXY_VERSION

/** The stats page and Prometheus exporter (applets HAProxy answers itself). */
export function services(env: Env, iso: Isolate, built: Built): NonNullable<HandlerDeps['services']> {
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
      isAdmin: d.admin,
      applyAdmin: (b, s, p) => setAdmin(env, iso, b, s, p),
      version: VERSION,
      hideVersion: settings.hideVersion,
      proxy: d.frontend,
    })
  }
}
