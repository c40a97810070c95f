/**
 * A StatsInput built from a config text and in-memory state, for the stats renderers' tests:
 * counters (zero-filled), health snapshots (UP, L7OK unless overridden) and admin overrides.
 */
import type { HealthSnapshot, ServerSnapshot } from '../../src/health/snapshot.ts'
import { type AdminServer, type AggregatedCounters, zeroCounters } from '../../src/ops/types.ts'
import type { StatsInput } from '../../src/stats/input.ts'
import { compile } from './cfg.ts'

export const T0 = 1_700_000_000_000

/** A checked server that is UP after a passed layer-7 check at T0. */
export function serverSnapshot(over: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    up: true,
    usable: true,
    status: 'UP',
    state: 'RUNNING',
    checkStatus: 'L7OK',
    checkDesc: 'Layer7 check passed',
    checkCode: 200,
    health: 4,
    rise: 2,
    fall: 3,
    lastChange: T0,
    nextCheck: T0,
    effectiveWeightPct: 100,
    failedChecks: 0,
    downTransitions: 0,
    hanaFailures: 0,
    ...over,
  }
}

export interface StatsInputOptions {
  /** Per backend, per server: what differs from `serverSnapshot(snapshotDefaults)`. */
  readonly health?: Record<string, Record<string, Partial<ServerSnapshot>>>
  readonly snapshotDefaults?: Partial<ServerSnapshot>
  readonly admin?: Record<string, AdminServer>
  readonly counters?: Record<string, Partial<AggregatedCounters>>
  readonly now?: number
}

export function statsInput(text: string, opts: StatsInputOptions = {}): StatsInput {
  const r = compile(text)
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics))
  const routeMap = r.routeMap
  return {
    routeMap,
    now: opts.now ?? T0 + 10_000,
    startedAt: T0,
    counters: (k) => {
      const c = opts.counters?.[k]
      return c && { ...zeroCounters(), rate: 0, rate_max: 0, req_rate: 0, req_rate_max: 0, conn_rate: 0, conn_rate_max: 0, ...c }
    },
    health: (b): HealthSnapshot | undefined => {
      const servers = opts.health?.[b]
      if (!servers) return undefined
      const full = Object.fromEntries(Object.entries(servers).map(([n, s]) => [n, serverSnapshot({ ...opts.snapshotDefaults, ...s })]))
      return { backend: b, routeMapHash: routeMap.hash, generatedAt: T0, minInterMs: 2000, servers: full }
    },
    admin: (b, s) => opts.admin?.[`${b}/${s}`],
    isolates: 1,
  }
}
