/**
 * @module
 * The contract between the engine and whoever knows the servers' health and admin state: the
 * Worker (health snapshots from the HealthMonitor Durable Object, admin overrides from the
 * RuntimeState one: src/health/snapshot.ts, src/ops/admin-states.ts), `edgeproxy dev` and tests.
 * The engine only reads it; it imports nothing.
 */

/** Health and admin state as the data plane sees it (a snapshot; all up when absent). */
export interface ServerStates {
  /** The server is RUNNING or STARTING and not in MAINT. */
  isUp(backend: string, server: string): boolean
  /** The server takes load-balanced traffic (up, not DRAIN). */
  isUsable(backend: string, server: string): boolean
  /** When the server is STARTING (slowstart under way): the time (ms) it came up; else undefined. */
  startedAt?(backend: string, server: string): number | undefined
  /** The server's current user weight when an operator changed it (`set server … weight`); else undefined. */
  weight?(backend: string, server: string): number | undefined
  /**
   * Optional change detection: a number that changes whenever any answer above may have changed
   * (a new health snapshot, an admin command). With it the balancers' usable sets are re-read
   * only when it moves (or while a server ramps up under slowstart); without it every request
   * re-reads the states of every server of its backend.
   */
  version?(): number
}

export const ALL_UP: ServerStates = { isUp: () => true, isUsable: () => true, version: () => 0 }
