/**
 * @module
 * `StatsInput`: everything the stats renderers (`show stat`, the stats page, CSV, Prometheus,
 * `show info`, `show servers state`) read, owned by them. The Worker builds it from the
 * RuntimeState and HealthMonitor Durable Objects, `edgeproxy dev` and tests in memory.
 */
import type { HealthSnapshot } from '../health/snapshot.ts'
import type { AdminServer, AggregatedCounters, ObjectKey } from '../ops/types.ts'
import type { RouteMap } from '../routemap/schema.ts'

/**
 * Everything the stats renderers read. Absent counters are zero; absent health means "no
 * check"; absent admin means ready with the configured weight.
 */
export interface StatsInput {
  readonly routeMap: RouteMap
  /** ms epoch now. */
  readonly now: number
  /** ms epoch the Worker (or `edgeproxy dev`) started counting: Uptime, and lastchg without checks. */
  readonly startedAt: number
  counters(key: ObjectKey): AggregatedCounters | undefined
  health(backend: string): HealthSnapshot | undefined
  admin(backend: string, server: string): AdminServer | undefined
  /** Isolates that reported within the aggregation window (for `show info`). */
  readonly isolates: number
  /** The live RouteMap version (KV) when there is one. */
  readonly version?: string
}
