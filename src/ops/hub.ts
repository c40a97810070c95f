/**
 * @module
 * The hub of the state plane (the RuntimeState Durable Object named `global`), free of the
 * runtime: the one place where operators' changes (admin overrides, map/ACL edits), the health
 * monitors' verdicts and the live RouteMap pointer meet, under one sequence number, and where
 * the relays' counters are aggregated for the stats pages.
 *
 * Load: the hub is called by relays (one per location, every RELAY_SYNC_MS while their isolates
 * have traffic: ~50 calls/s from 300 locations), by the monitors on a state change, and by
 * operators; never by an isolate's request. Every change is pushed at once to each relay heard
 * from within RELAY_LEASE_MS (one call per relay per change); a relay that misses a push gets the
 * state at its next sync.
 *
 * Storage (rows written): one row per admin change, pattern edit and health change, the counters
 * at most every COUNTERS_PERSIST_MS. The relay registry and the rates live in memory.
 */
import type { HealthPlan } from '../health/plan.ts'
import type { HealthSnapshot } from '../health/snapshot.ts'
import type { LivePointer } from '../routemap/kv.ts'
import { type AggregateState, StatsAggregate } from './aggregate.ts'
import { COUNTERS_PERSIST_MS, HEALTH_RENEW_MS, type PatternEntries, type PlaneState, POINTER_POLL_MS, pointerId, RELAY_LEASE_MS, type RelayAnswer, type RelaySync, type RuntimeView } from './plane.ts'
import type { AdminPatch, AdminServer, AggregatedCounters, ObjectKey } from './types.ts'
import { Background } from './background.ts'

/** Synchronous key/value storage of the hub (SQLite in the Durable Object). */
export interface PlaneStore {
  entries(): Iterable<readonly [string, unknown]>
  put(key: string, value: unknown): void
  delete(key: string): void
}

/** What the hub asks the health monitors (durable-objects/health-monitor.ts). */
export interface MonitorAccess {
  /** Installs plans (idempotent). */
  configure(plans: readonly HealthPlan[]): Promise<void>
  /** A backend's current snapshot per source (region), after configure. */
  snapshots(plan: HealthPlan): Promise<Readonly<Record<string, HealthSnapshot>>>
}

export interface HubDeps {
  readonly store: PlaneStore
  readonly now: () => number
  /** Reads the live pointer from KV (absent: the Worker has no ROUTEMAPS binding). */
  readonly readPointer?: () => Promise<LivePointer | null>
  /** Sends the state to a relay (`loc:<colo>`). */
  readonly push: (relay: string, state: PlaneState, routeMapText?: string) => Promise<void>
  /** Reads a RouteMap version's text from KV (null: not readable yet), pushed with the pointer. */
  readonly readVersion?: (pointer: LivePointer) => Promise<string | null>
  readonly monitors?: MonitorAccess
  /** How often the KV pointer is re-read (default POINTER_POLL_MS). */
  readonly pointerPollMs?: number
  /** Combines one backend's snapshots from several sources (regions): src/health/vote.ts. */
  readonly combine?: (plan: HealthPlan | undefined, bySource: Readonly<Record<string, HealthSnapshot>>) => HealthSnapshot | undefined
  readonly log?: (line: string) => void
}

/** How long a map replaced by a newer one is not configured again (KV's propagation, and then some). */
export const REPLACED_QUIET_MS = 120_000

export interface StatsDump {
  readonly now: number
  readonly startedAt: number
  readonly isolates: number
  readonly counters: Readonly<Record<ObjectKey, AggregatedCounters>>
}

/** What changes a routing decision in a snapshot (not every probe's details). */
export function routingSignature(s: HealthSnapshot): string {
  const servers = Object.entries(s.servers)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => [n, v.up, v.usable, v.state, v.agentWeight ?? null, v.agentAdmin ?? null, v.state === 'STARTING' ? v.lastChange : 0])
  return JSON.stringify([s.routeMapHash, servers])
}

/** One source's snapshot when there is one, else the latest (combine() replaces this with a vote). */
function latest(_plan: HealthPlan | undefined, bySource: Readonly<Record<string, HealthSnapshot>>): HealthSnapshot | undefined {
  let best: HealthSnapshot | undefined
  for (const s of Object.values(bySource)) if (!best || s.generatedAt > best.generatedAt) best = s
  return best
}

export class HubCore {
  readonly #bg: Background
  readonly #d: HubDeps
  #seq = 0
  #version = 0
  #startedAt = 0
  readonly #admin = new Map<string, AdminServer>()
  readonly #patterns = new Map<string, PatternEntries>()
  /** Snapshots per backend per source, and the combined one. */
  readonly #sources = new Map<string, Record<string, HealthSnapshot>>()
  readonly #health = new Map<string, HealthSnapshot>()
  readonly #plans = new Map<string, HealthPlan>()
  #pointer: LivePointer | null | undefined
  #pointerReadAt = Number.NEGATIVE_INFINITY
  #pointerInflight: Promise<void> | undefined
  /** The text of the version the pointer names, once read: relays get it with the pointer. */
  #text: { readonly id: string; readonly text: string } | undefined
  readonly #stats: StatsAggregate
  readonly #dirtyCounters = new Set<ObjectKey>()
  #countersSavedAt: number
  /** Relays by name: when last heard from. */
  readonly #relays = new Map<string, number>()
  /** RouteMap hashes whose plans were configured (and pulled), and when: renewed after HEALTH_RENEW_MS (the monitors' lease). */
  readonly #configured = new Map<string, number>()
  /** Maps whose plans were replaced by another's, and when. */
  readonly #replaced = new Map<string, number>()
  #state: PlaneState | undefined

  constructor(d: HubDeps) {
    this.#d = d
    this.#bg = new Background('hub', d.log)
    const counters: Record<string, AggregateState['counters'][string]> = {}
    for (const [key, v] of d.store.entries()) {
      if (key === 'meta:version') this.#version = v as number
      else if (key === 'meta:seq') this.#seq = v as number
      else if (key === 'meta:startedAt') this.#startedAt = v as number
      else if (key === 'meta:pointer') this.#pointer = v as LivePointer | null
      else if (key.startsWith('admin:')) this.#admin.set(key.slice(6), v as AdminServer)
      else if (key.startsWith('pattern:')) this.#patterns.set(key.slice(8), v as PatternEntries)
      else if (key.startsWith('counters:')) counters[key.slice(9)] = v as AggregateState['counters'][string]
      else if (key.startsWith('health:')) {
        const [backend, source] = JSON.parse(key.slice(7)) as [string, string]
        this.#sources.set(backend, { ...(this.#sources.get(backend) ?? {}), [source]: v as HealthSnapshot })
      }
    }
    for (const b of this.#sources.keys()) this.#recombine(b)
    this.#stats = new StatsAggregate({ counters })
    const now = d.now()
    this.#countersSavedAt = now
    if (this.#startedAt === 0) {
      this.#startedAt = now
      d.store.put('meta:startedAt', now)
    }
  }

  /** Background work (pushes, reads, syncs) finished. */
  idle(): Promise<void> {
    return this.#bg.idle()
  }

  /** Calls answered, by method (tests and the simulation). */
  get calls(): Readonly<Record<string, number>> {
    return this.#bg.calls
  }

  get view(): RuntimeView {
    return this.state().view
  }

  /** The state as it is now (one object per seq). */
  state(): PlaneState {
    if (this.#state?.seq !== this.#seq) {
      const view: RuntimeView =
        this.#state?.view.version === this.#version ? this.#state.view : { version: this.#version, admin: Object.fromEntries(this.#admin), patterns: Object.fromEntries(this.#patterns) }
      this.#state = { seq: this.#seq, view, health: Object.fromEntries(this.#health), ...(this.#pointer !== undefined ? { pointer: this.#pointer } : {}) }
    }
    return this.#state
  }

  /** Something an isolate decides on changed: a new seq, pushed to every relay in its lease (with the RouteMap's text when that changed). */
  #changed(text?: string): void {
    this.#seq++
    this.#d.store.put('meta:seq', this.#seq)
    const state = this.state()
    const now = this.#d.now()
    for (const [relay, seen] of this.#relays) {
      if (now - seen > RELAY_LEASE_MS) this.#relays.delete(relay)
      else this.#bg.later(this.#d.push(relay, state, text))
    }
  }

  /** Relays heard from within their lease. */
  relays(): number {
    return this.#relays.size
  }

  /** A relay's periodic call: its isolates' counters up, the state down when its seq is old. */
  async relaySync(req: RelaySync): Promise<RelayAnswer> {
    this.#bg.count('relaySync')
    const now = this.#d.now()
    this.#relays.set(req.relay, now)
    if (req.report) for (const k of this.#stats.merge(req.report, now)) this.#dirtyCounters.add(k)
    if (this.#dirtyCounters.size > 0 && now - this.#countersSavedAt >= COUNTERS_PERSIST_MS) this.#saveCounters(now)
    if (req.plans?.length) this.#bg.later(this.#ensureHealth(req.plans))
    if (this.#d.readPointer && now - this.#pointerReadAt >= (this.#d.pointerPollMs ?? POINTER_POLL_MS)) this.#bg.later(this.pollPointer())
    const text = this.#text && req.routeMap !== undefined && req.routeMap !== this.#text.id ? this.#text.text : undefined
    return { seq: this.#seq, ...(req.seq !== this.#seq ? { state: this.state() } : {}), ...(text !== undefined ? { routeMapText: text } : {}) }
  }

  #saveCounters(now: number): void {
    const saved = this.#stats.save(this.#dirtyCounters).counters
    for (const [k, v] of Object.entries(saved)) this.#d.store.put(`counters:${k}`, v)
    this.#dirtyCounters.clear()
    this.#countersSavedAt = now
  }

  /**
   * Re-reads the KV pointer (one read at a time); a new pointer is a change, pushed with its
   * version's text once the hub could read it (so no relay depends on KV having propagated there).
   */
  pollPointer(): Promise<void> {
    const read = this.#d.readPointer
    if (!read) return Promise.resolve()
    this.#pointerInflight ??= (async () => {
      try {
        const p = await read()
        const moved = pointerId(p) !== pointerId(this.#pointer) || this.#pointer === undefined
        const id = pointerId(p)
        let text: string | undefined
        if (p && this.#d.readVersion && this.#text?.id !== id) {
          const t = await this.#d.readVersion(p).catch(() => null)
          if (t !== null) {
            this.#text = { id, text: t }
            text = t
          }
        }
        if (moved) {
          this.#pointer = p
          this.#d.store.put('meta:pointer', p)
        }
        if (moved || text !== undefined) this.#changed(text)
      } finally {
        this.#pointerReadAt = this.#d.now()
        this.#pointerInflight = undefined
      }
    })()
    return this.#pointerInflight
  }

  /**
   * Plans isolates run (all of one RouteMap: a monitor group drops the backends it is not given):
   * configure their monitors once per map and HEALTH_RENEW_MS (their lease), and read their
   * snapshots.
   */
  async #ensureHealth(plans: readonly HealthPlan[]): Promise<void> {
    const mon = this.#d.monitors
    const hash = plans[0]?.routeMapHash
    if (!mon || hash === undefined) return
    const now = this.#d.now()
    // Isolates still on an older map (a push rolling out) must not take the monitors back to it: a
    // map replaced within REPLACED_QUIET_MS is not configured again (after that, it may be: a revert).
    if (now - (this.#replaced.get(hash) ?? Number.NEGATIVE_INFINITY) < REPLACED_QUIET_MS) return
    if (now - (this.#configured.get(hash) ?? Number.NEGATIVE_INFINITY) < HEALTH_RENEW_MS) return
    for (const h of this.#configured.keys()) if (h !== hash) this.#replaced.set(h, now)
    this.#configured.clear()
    this.#configured.set(hash, now)
    for (const p of plans) this.#plans.set(p.backend, p)
    try {
      await mon.configure(plans)
      for (const p of plans) {
        const by = await mon.snapshots(p)
        for (const [source, snap] of Object.entries(by)) this.putHealth(source, snap)
      }
    } catch (e) {
      this.#configured.delete(hash)
      throw e
    }
  }

  #recombine(backend: string): boolean {
    const by = this.#sources.get(backend) ?? {}
    const combined = (this.#d.combine ?? latest)(this.#plans.get(backend), by)
    const prev = this.#health.get(backend)
    if (!combined) {
      this.#health.delete(backend)
      return prev !== undefined
    }
    this.#health.set(backend, combined)
    return !prev || routingSignature(prev) !== routingSignature(combined)
  }

  /** A monitor's verdict on a backend (sent when its routing state changed). */
  putHealth(source: string, snap: HealthSnapshot): void {
    this.#bg.count('putHealth')
    const by = { ...(this.#sources.get(snap.backend) ?? {}) }
    const prev = by[source]
    by[source] = snap
    this.#sources.set(snap.backend, by)
    if (prev && routingSignature(prev) === routingSignature(snap)) return
    this.#d.store.put(`health:${JSON.stringify([snap.backend, source])}`, snap)
    if (this.#recombine(snap.backend)) this.#changed()
  }

  /** Applies an admin change to `backend/server`; returns the new view. */
  setAdmin(backend: string, server: string, patch: AdminPatch): RuntimeView {
    this.#bg.count('setAdmin')
    const key = `${backend}/${server}`
    const next: Record<string, unknown> = { ...(this.#admin.get(key) ?? {}) }
    for (const [f, v] of Object.entries(patch)) {
      if (v === null || v === undefined) delete next[f]
      else next[f] = v
    }
    next.changedAt = this.#d.now()
    const keys = Object.keys(next).filter((k) => k !== 'changedAt')
    // Back to the configuration: nothing to keep but the time of the change (for lastchg).
    this.#admin.set(key, keys.length === 0 ? { changedAt: next.changedAt as number } : (next as unknown as AdminServer))
    this.#d.store.put(`admin:${key}`, this.#admin.get(key))
    this.#bumpView()
    return this.view
  }

  /** Replaces the entries of a map/ACL reference (runtime `add map`, `del acl`…). */
  putPatterns(ref: string, entries: PatternEntries): RuntimeView {
    this.#bg.count('putPatterns')
    this.#patterns.set(ref, entries)
    this.#d.store.put(`pattern:${ref}`, entries)
    this.#bumpView()
    return this.view
  }

  #bumpView(): void {
    this.#version++
    this.#d.store.put('meta:version', this.#version)
    this.#changed()
  }

  stats(): StatsDump {
    this.#bg.count('stats')
    const now = this.#d.now()
    return { now, startedAt: this.#startedAt, isolates: this.#stats.isolates(now), counters: this.#stats.all(now) }
  }

  /** `clear counters [all]`. */
  clearCounters(all: boolean): void {
    this.#bg.count('clearCounters')
    this.#stats.clear(all)
    for (const [k, v] of Object.entries(this.#stats.save().counters)) this.#d.store.put(`counters:${k}`, v)
    this.#dirtyCounters.clear()
  }
}
