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
