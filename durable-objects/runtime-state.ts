/**
 * @module
 * The RuntimeState Durable Object (one, named `global`): what operators change at runtime and
 * what the stats pages read. It keeps
 * - admin overrides per server (`set server … state|weight|addr`, `disable health`, the stats
 *   page's admin actions) and runtime map/ACL edits (`add map`…), under one version number;
 * - the stats counters of every isolate, aggregated (src/ops/aggregate.ts).
 * An isolate talks to it with one `sync()` call at most every second while it has traffic: the
 * call carries the isolate's counter deltas and returns the admin state and pattern edits when
 * their version changed. So admin changes reach every isolate within a sync interval, and a
 * request never waits for this object.
 */
import { DurableObject } from 'cloudflare:workers'
import { type AggregateState, StatsAggregate } from '../src/ops/aggregate.ts'
import type { AdminPatch, AdminServer, AggregatedCounters, IsolateReport, ObjectKey } from '../src/ops/types.ts'
import type { HealthSnapshot } from '../src/health/snapshot.ts'

export type PatternEntries = readonly (readonly [string, string])[]

/** The runtime state an isolate applies. */
export interface RuntimeView {
  readonly version: number
  /** Keyed by `backend/server`. */
  readonly admin: Readonly<Record<string, AdminServer>>
  /** Edited pattern references (map files, ACL ids) and their full entry lists. */
  readonly patterns: Readonly<Record<string, PatternEntries>>
}

export interface SyncResult {
  readonly version: number
  /** Present when `version` differs from the caller's. */
  readonly view?: RuntimeView
}

export interface StatsDump {
  readonly now: number
  readonly startedAt: number
  readonly isolates: number
  readonly counters: Readonly<Record<ObjectKey, AggregatedCounters>>
}

const SCHEMA = 'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)'

export class RuntimeState extends DurableObject<unknown> {
  readonly #sql: SqlStorage
  #version = 0
  #startedAt = 0
  readonly #admin = new Map<string, AdminServer>()
  readonly #patterns = new Map<string, PatternEntries>()
  readonly #stats: StatsAggregate

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    this.#sql.exec(SCHEMA)
    const saved: AggregateState = { counters: {} }
    const counters = saved.counters as Record<string, AggregateState['counters'][string]>
    for (const row of this.#sql.exec<{ key: string; value: string }>('SELECT key, value FROM kv')) {
      const v = JSON.parse(row.value) as unknown
      if (row.key === 'meta:version') this.#version = v as number
      else if (row.key === 'meta:startedAt') this.#startedAt = v as number
      else if (row.key.startsWith('admin:')) this.#admin.set(row.key.slice(6), v as AdminServer)
      else if (row.key.startsWith('pattern:')) this.#patterns.set(row.key.slice(8), v as PatternEntries)
      else if (row.key.startsWith('counters:')) counters[row.key.slice(9)] = v as AggregateState['counters'][string]
    }
    this.#stats = new StatsAggregate(saved)
    if (this.#startedAt === 0) {
      this.#startedAt = Date.now()
      this.#put('meta:startedAt', this.#startedAt)
    }
  }

  #put(key: string, value: unknown): void {
    this.#sql.exec('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, JSON.stringify(value))
  }

  #bump(): void {
    this.#version++
    this.#put('meta:version', this.#version)
  }

  #view(): RuntimeView {
    return { version: this.#version, admin: Object.fromEntries(this.#admin), patterns: Object.fromEntries(this.#patterns) }
  }

  /** An isolate's periodic call: merges its counters, returns the runtime view if it changed. */
  async sync(report: IsolateReport | undefined, knownVersion: number): Promise<SyncResult> {
    if (report) {
      const changed = this.#stats.merge(report, Date.now())
      const saved = this.#stats.save(changed).counters
      for (const [k, v] of Object.entries(saved)) this.#put(`counters:${k}`, v)
    }
    return knownVersion === this.#version ? { version: this.#version } : { version: this.#version, view: this.#view() }
  }

  async stats(): Promise<StatsDump> {
    const now = Date.now()
    return { now, startedAt: this.#startedAt, isolates: this.#stats.isolates(now), counters: this.#stats.all(now) }
  }

  /** Applies an admin change to `backend/server`; returns the new view. */
  async setAdmin(backend: string, server: string, patch: AdminPatch): Promise<RuntimeView> {
    const key = `${backend}/${server}`
    const next: Record<string, unknown> = { ...(this.#admin.get(key) ?? {}) }
    for (const [f, v] of Object.entries(patch)) {
      if (v === null || v === undefined) delete next[f]
      else next[f] = v
    }
    next.changedAt = Date.now()
    const keys = Object.keys(next).filter((k) => k !== 'changedAt')
    if (keys.length === 0) {
      // Back to the configuration: nothing to keep but the time of the change (for lastchg).
      this.#admin.set(key, { changedAt: next.changedAt as number })
    } else this.#admin.set(key, next as unknown as AdminServer)
    this.#put(`admin:${key}`, this.#admin.get(key))
    this.#bump()
    return this.#view()
  }

  /** Replaces the entries of a map/ACL reference (runtime `add map`, `del acl`…). */
  async putPatterns(ref: string, entries: PatternEntries): Promise<RuntimeView> {
    this.#patterns.set(ref, entries)
    this.#put(`pattern:${ref}`, entries)
    this.#bump()
    return this.#view()
  }

  /** `clear counters [all]`. */
  /** A monitor group's routing health of one backend (src/health/group.ts publish). */
  async putHealth(_source: string, _snapshot: HealthSnapshot): Promise<void> {
    // the lead's hub implementation replaces this
  }

  async clearCounters(all: boolean): Promise<void> {
    this.#stats.clear(all)
    for (const [k, v] of Object.entries(this.#stats.save().counters)) this.#put(`counters:${k}`, v)
  }
}

export type RuntimeStateNamespace = DurableObjectNamespace<RuntimeState>

/** The single RuntimeState object. */
export function runtimeStub(ns: RuntimeStateNamespace): DurableObjectStub<RuntimeState> {
  return ns.getByName('global')
}
