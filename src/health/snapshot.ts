/**
 * @module
 * The health snapshot: what a HealthMonitor hands the data plane (one cheap JSON object per
 * backend), and the adapters the Worker uses to read it — `statesFromSnapshots` turns snapshots
 * into the engine's `ServerStates`, `SnapshotCache` keeps them per isolate and refreshes them at
 * most every `min(inter, 2 s)` (DESIGN.md). Servers that are not in a snapshot (no `check`, or
 * no snapshot yet) count as UP, like HAProxy's "no check".
 */
import type { ServerStates } from '../engine/server-states.ts'
import type { HealthPlan } from './plan.ts'
import { checkDescription } from './status.ts'
import { effectiveWeightPct, isUp, isUsable, type OpState, type ServerHealth, settle, statusText } from './state.ts'

export interface ServerSnapshot {
  /** Up for persistence: RUNNING, STARTING or STOPPING (NOLB), not MAINT. */
  readonly up: boolean
  /** Takes load-balanced traffic: RUNNING or STARTING, not MAINT. */
  readonly usable: boolean
  /** Stats text: `UP`, `UP 2/3`, `DOWN`, `DOWN 1/2`, `NOLB`, `MAINT`. */
  readonly status: string
  readonly state: OpState
  readonly checkStatus: string
  readonly checkDesc: string
  readonly checkCode?: number
  readonly checkInfo?: string
  readonly checkDurationMs?: number
  readonly lastCheck?: number
  readonly health: number
  readonly rise: number
  readonly fall: number
  /** ms epoch of the last UP/DOWN/NOLB/STARTING change. */
  readonly lastChange: number
  readonly nextCheck: number
  /** Slowstart throttle: 1..100 while usable, 0 when not. */
  readonly effectiveWeightPct: number
  readonly failedChecks: number
  readonly downTransitions: number
  readonly hanaFailures: number
  /** User weight set by the agent (absent: the configured one). */
  readonly agentWeight?: number
  /** Admin state set by the agent. */
  readonly agentAdmin?: 'drain' | 'maint'
  /** The agent check's last report (`agent-check`). */
  readonly agent?: AgentSnapshot
}

export interface AgentSnapshot {
  readonly status: string
  readonly desc: string
  readonly code?: number
  readonly info: string
  readonly durationMs?: number
  readonly lastCheck?: number
  /** 0 or 1 (agent rise = fall = 1). */
  readonly health: number
}

export interface HealthSnapshot {
  readonly backend: string
  readonly routeMapHash: string
  /** ms epoch. */
  readonly generatedAt: number
  /** Smallest check interval of the backend: how long the snapshot stays fresh. */
  readonly minInterMs: number
  readonly servers: Readonly<Record<string, ServerSnapshot>>
  /** `health-regions`: every region that checks the backend (combine with vote.ts `voteSnapshots`). */
  readonly regions?: readonly string[]
  /** `health-regions`: the region this snapshot was taken from. */
  readonly region?: string
}

export function serverSnapshot(plan: HealthPlan, name: string, h0: ServerHealth, now: number): ServerSnapshot | undefined {
  const s = plan.servers.find((x) => x.name === name)
  if (!s) return undefined
  const h = settle(h0, s, now)
  return {
    up: isUp(h),
    usable: isUsable(h),
    status: statusText(h, s),
    state: h.state,
    checkStatus: h.checkStatus,
    checkDesc: checkDescription(h.checkStatus),
    ...(h.checkCode !== undefined ? { checkCode: h.checkCode } : {}),
    ...(h.checkInfo ? { checkInfo: h.checkInfo } : {}),
    ...(h.checkDurationMs !== undefined ? { checkDurationMs: h.checkDurationMs } : {}),
    ...(h.lastCheck !== undefined ? { lastCheck: h.lastCheck } : {}),
    health: h.health,
    rise: s.rise,
    fall: s.fall,
    lastChange: h.lastChange,
    nextCheck: h.nextCheck,
    effectiveWeightPct: effectiveWeightPct(s, h, now, plan.dynamicWeights),
    failedChecks: h.failedChecks,
    downTransitions: h.downTransitions,
    hanaFailures: h.hanaFailures,
    ...(h.agentWeight !== undefined ? { agentWeight: h.agentWeight } : {}),
    ...(h.agentAdmin ? { agentAdmin: h.agentAdmin } : {}),
    ...(h.agent
      ? {
          agent: {
            status: h.agent.status,
            desc: checkDescription(h.agent.status),
            ...(h.agent.code !== undefined ? { code: h.agent.code } : {}),
            info: h.agent.info,
            ...(h.agent.durationMs !== undefined ? { durationMs: h.agent.durationMs } : {}),
            ...(h.agent.lastCheck !== undefined ? { lastCheck: h.agent.lastCheck } : {}),
            health: h.agent.health,
          },
        }
      : {}),
  }
}

export function buildSnapshot(plan: HealthPlan, states: ReadonlyMap<string, ServerHealth>, now: number): HealthSnapshot {
  const servers: Record<string, ServerSnapshot> = {}
  for (const s of plan.servers) {
    const h = states.get(s.name)
    const snap = h && serverSnapshot(plan, s.name, h, now)
    if (snap) servers[s.name] = snap
  }
  const minInterMs = Math.min(...plan.servers.map((s) => Math.min(s.interMs, s.fastinterMs ?? s.interMs, s.downinterMs ?? s.interMs, s.agent?.interMs ?? s.interMs)))
  const regions = plan.regions && plan.regions.length > 0 ? { regions: plan.regions, ...(plan.locationHint ? { region: plan.locationHint } : {}) } : {}
  return { backend: plan.backend, routeMapHash: plan.routeMapHash, generatedAt: now, minInterMs, servers, ...regions }
}

/** The engine's view of health from snapshots by backend name (missing = all UP). */
export function statesFromSnapshots(get: (backend: string) => HealthSnapshot | undefined, version?: () => number): ServerStates {
  return {
    ...(version ? { version } : {}),
    isUp: (backend, server) => get(backend)?.servers[server]?.up ?? true,
    isUsable: (backend, server) => get(backend)?.servers[server]?.usable ?? true,
    startedAt: (backend, server) => {
      const s = get(backend)?.servers[server]
      return s?.state === 'STARTING' ? s.lastChange : undefined
    },
    weight: (backend, server) => get(backend)?.servers[server]?.agentWeight,
  }
}

/** Upper bound of a snapshot's age in the isolate cache. */
export const SNAPSHOT_MAX_AGE_MS = 2000

export interface SnapshotCacheOptions {
  /** Reads a backend's snapshot (an RPC to its HealthMonitor). */
  readonly load: (backend: string) => Promise<HealthSnapshot | undefined>
  readonly now: () => number
}

/**
 * Per-isolate snapshots. `states` answers synchronously from what is cached; `refresh` fetches
 * the snapshots older than `min(minInterMs, 2 s)` (run it in `waitUntil`, or await it when the
 * cache is empty). A failed load keeps the last good snapshot.
 */
export class SnapshotCache {
  readonly #opts: SnapshotCacheOptions
  readonly #entries = new Map<string, { snap?: HealthSnapshot; fetchedAt: number; inflight?: Promise<void> }>()
  readonly states: ServerStates
  /** Bumped whenever a snapshot is replaced: the balancers rebuild their usable sets only then. */
  #version = 0

  constructor(opts: SnapshotCacheOptions) {
    this.#opts = opts
    this.states = statesFromSnapshots(
      (b) => this.#entries.get(b)?.snap,
      () => this.#version,
    )
  }

  get(backend: string): HealthSnapshot | undefined {
    return this.#entries.get(backend)?.snap
  }

  /** True once a load of `backend` has finished (whether or not it returned a snapshot). */
  loaded(backend: string): boolean {
    return (this.#entries.get(backend)?.fetchedAt ?? 0) > 0
  }

  /** True when `backend` has never been loaded or its snapshot is older than its freshness bound. */
  isStale(backend: string): boolean {
    const e = this.#entries.get(backend)
    if (!e) return true
    const maxAge = Math.min(e.snap?.minInterMs ?? SNAPSHOT_MAX_AGE_MS, SNAPSHOT_MAX_AGE_MS)
    return this.#opts.now() - e.fetchedAt >= maxAge
  }

  /**
   * Takes the snapshots the state plane hands the isolate (src/ops/runtime-client.ts): each
   * replaces the cached one unless it is older. Counts as a load of those backends.
   */
  accept(snaps: Readonly<Record<string, HealthSnapshot>>): void {
    const now = this.#opts.now()
    for (const [b, snap] of Object.entries(snaps)) {
      const e = this.#entries.get(b) ?? { fetchedAt: 0 }
      this.#entries.set(b, e)
      if (e.snap === snap || (e.snap && e.snap.generatedAt > snap.generatedAt && e.snap.routeMapHash === snap.routeMapHash)) {
        e.fetchedAt = now
        continue
      }
      e.snap = snap
      e.fetchedAt = now
      this.#version++
    }
  }

  /** Reloads the stale snapshots among `backends` (one load per backend at a time). */
  async refresh(backends: Iterable<string>): Promise<void> {
    const work: Promise<void>[] = []
    for (const b of backends) {
      const e = this.#entries.get(b)
      if (e?.inflight) {
        work.push(e.inflight)
        continue
      }
      if (!this.isStale(b)) continue
      const entry = e ?? { fetchedAt: 0 }
      this.#entries.set(b, entry)
      entry.inflight = this.#opts
        .load(b)
        .then((snap) => {
          if (snap) {
            entry.snap = snap
            this.#version++
          }
        })
        .catch(() => {})
        .finally(() => {
          entry.fetchedAt = this.#opts.now()
          delete entry.inflight
        })
      work.push(entry.inflight)
    }
    await Promise.all(work)
  }
}
