/**
 * @module
 * The RUNTIME binding's objects in the simulation: what durable-objects/runtime-state.ts does,
 * over the same runtime-free core (StatsAggregate, src/ops/aggregate.ts) with its SQLite rows
 * counted instead of stored. Keep in step with the Durable Object class (the one place to change
 * when the state plane's cores change).
 */
import type { SourceName } from '../../../src/cost/model.ts'
import { StatsAggregate } from '../../../src/ops/aggregate.ts'
import type { AdminPatch, AdminServer, IsolateReport } from '../../../src/ops/types.ts'
import type { BindingSpec, ObjectCore, RowMeter } from '../bindings.ts'

type PatternEntries = readonly (readonly [string, string])[]

/** One RuntimeState object (the DO class's fields and methods, rows metered). */
export class SimRuntimeState {
  readonly #rows: RowMeter
  #version = 0
  readonly #startedAt: number
  readonly #admin = new Map<string, AdminServer>()
  readonly #patterns = new Map<string, PatternEntries>()
  readonly stats = new StatsAggregate()

  constructor(rows: RowMeter) {
    this.#rows = rows
    // The constructor reads every row (none yet) and persists startedAt.
    this.#startedAt = Date.now()
    this.#rows.write()
  }

  #view() {
    return { version: this.#version, admin: Object.fromEntries(this.#admin), patterns: Object.fromEntries(this.#patterns) }
  }

  #bump(): void {
    this.#version++
    this.#rows.write()
  }

  readonly methods = {
    sync: async (report: IsolateReport | undefined, knownVersion: number) => {
      if (report) {
        const changed = this.stats.merge(report, Date.now())
        this.#rows.write(Object.keys(this.stats.save(changed).counters).length)
      }
      return knownVersion === this.#version ? { version: this.#version } : { version: this.#version, view: this.#view() }
    },
    stats: async () => {
      const now = Date.now()
      return { now, startedAt: this.#startedAt, isolates: this.stats.isolates(now), counters: this.stats.all(now) }
    },
    setAdmin: async (backend: string, server: string, patch: AdminPatch) => {
      const key = `${backend}/${server}`
      const next: Record<string, unknown> = { ...(this.#admin.get(key) ?? {}) }
      for (const [f, v] of Object.entries(patch)) {
        if (v === null || v === undefined) delete next[f]
        else next[f] = v
      }
      next.changedAt = Date.now()
      this.#admin.set(key, next as unknown as AdminServer)
      this.#rows.write()
      this.#bump()
      return this.#view()
    },
    putPatterns: async (ref: string, entries: PatternEntries) => {
      this.#patterns.set(ref, entries)
      this.#rows.write()
      this.#bump()
      return this.#view()
    },
    clearCounters: async (all: boolean) => {
      this.stats.clear(all)
      this.#rows.write(Object.keys(this.stats.save().counters).length)
    },
  }
}

/** Requests (frontend `stot`) a report carries: counted as lost when its sync fails. */
export function reportedRequests(report: IsolateReport | undefined): number {
  let n = 0
  for (const [k, c] of Object.entries(report?.counters ?? {})) if (k.startsWith('fe:')) n += c.stot ?? 0
  return n
}

/** The hub's view of counters: the sum of every frontend's `stot` (requests it has heard of). */
export function hubRequests(objects: Iterable<SimRuntimeState>): number {
  let n = 0
  const now = Date.now()
  for (const o of objects) for (const [k, c] of Object.entries(o.stats.all(now))) if (k.startsWith('fe:')) n += c.stot
  return n
}

export interface RuntimeBinding {
  readonly spec: BindingSpec
  /** Every RuntimeState object made so far, by name. */
  readonly objects: Map<string, SimRuntimeState>
  /** Requests carried by syncs that failed (their counters are gone). */
  lost: number
}

export function runtimeBinding(): RuntimeBinding {
  const objects = new Map<string, SimRuntimeState>()
  const b: RuntimeBinding = {
    objects,
    lost: 0,
    spec: {
      binding: 'RUNTIME',
      create: (name: string, _site: string, rows: RowMeter): ObjectCore => {
        const o = new SimRuntimeState(rows)
        objects.set(name, o)
        return o
      },
      source: (): SourceName => 'runtime',
      lost: (method, args) => {
        if (method === 'sync') b.lost += reportedRequests(args[0] as IsolateReport | undefined)
      },
    },
  }
  return b
}
