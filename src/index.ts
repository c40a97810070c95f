/**
 * @module
 * The edgeproxy Worker: executes a compiled RouteMap.
 * - RouteMap: the live version from KV (`ROUTEMAPS`, pushed by `edgeproxy push`), its pointer
 *   handed to isolates by the state plane (below); else the `EDGEPROXY_ROUTEMAP` binding
 *   (`edgeproxy dev`), else the one bundled at deploy (src/routemap/live.ts).
 * - Health: HealthMonitor Durable Objects, one group per placement (`health-location`,
 *   `health-regions`), publishing routing changes to the state plane; the cron re-arms them.
 * - Stick tables: StickTable Durable Objects sharded by key (none for requests that track nothing).
 * - The state plane (docs/state-plane.md): the RuntimeState Durable Object `global` (the hub)
 *   holds admin overrides, runtime map/ACL edits, routing health, the live pointer and the
 *   counters aggregated from every isolate; one RuntimeState `loc:<colo>` per location (a relay)
 *   is what the isolates of that location sync with, every 3 s in the background
 *   (src/ops/runtime-client.ts). The runtime API answers on
 *   `POST /.edgeproxy/api` when the `EDGEPROXY_API_TOKEN` secret is set; the stats page and the
 *   Prometheus exporter answer where the configuration puts them.
 */
import type { Env } from './worker/env.ts'
import { onFetch, onScheduled } from './worker/fetch.ts'

export { HealthMonitor } from '../durable-objects/health-monitor.ts'
export { RuntimeState } from '../durable-objects/runtime-state.ts'
export { StickTable } from '../durable-objects/stick-table.ts'
export type { Env } from './worker/env.ts'

export default {
  fetch: (request, env, ctx) => onFetch(request, env, ctx),
  scheduled: (_controller, env, ctx) => onScheduled(env, ctx),
} satisfies ExportedHandler<Env>
