/**
 * @module
 * Stick counters for one request (sc0..sc2): `track-sc` binds a counter to a table entry and counts
 * the request; `sc_*` fetches read through the StickView it installs on the request. This module
 * holds the synchronous in-memory store used by `explain` and tests; the Durable Object store
 * follows the same StickStore contract.
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import type { StickView } from '../sample/types.ts'
import { MemoryStickTable, type StickEntry } from '../state/memory-stick.ts'
import type { RequestState } from './request-state.ts'

/** Table storage: every table of the RouteMap by proxy name. */
export interface StickStore {
  table(name: string): MemoryStickTable | undefined
  now(): number
}

export function createMemoryStickStore(specs: readonly StickTableSpec[], now: () => number): StickStore {
  const tables = new Map(specs.map((s) => [s.name, new MemoryStickTable(s)]))
  return { table: (n) => tables.get(n), now }
}

interface Tracked {
  readonly table: MemoryStickTable
  readonly entry: StickEntry
}

/** The per-request side: which entries sc0..sc2 track. Attach with `attach(ctx)` on first use. */
export class StickTracker {
  readonly #store: StickStore
  readonly #byRequest = new WeakMap<RequestState, (Tracked | undefined)[]>()

  constructor(store: StickStore) {
    this.#store = store
  }

  /** track-scN: the first track of a counter in a request wins; it counts this request. */
  track(ctx: RequestState, counter: number, tableName: string, key: string): void {
    const slots = this.#slots(ctx)
    if (slots[counter]) return
    const table = this.#store.table(tableName)
    if (!table) return
    const now = this.#store.now()
    const entry = table.touch(key, now)
    if (!entry) return
    slots[counter] = { table, entry }
    table.bump(entry, 'http_req_cnt', 'http_req_rate', now)
    table.bump(entry, 'conn_cnt', 'conn_rate', now)
    table.bump(entry, 'sess_cnt', 'sess_rate', now)
  }

  /** sc-inc-gpc0/1 and sc-inc-gpc(idx). */
  increment(ctx: RequestState, counter: number, data: 'gpc0' | 'gpc1'): void {
    const t = this.#slots(ctx)[counter]
    if (!t) return
    const now = this.#store.now()
    t.table.bump(t.entry, data, `${data}_rate`, now)
  }

  setGpt0(ctx: RequestState, counter: number, value: number): void {
    const t = this.#slots(ctx)[counter]
    if (t) t.table.set(t.entry, 'gpt0', value)
  }

  #slots(ctx: RequestState): (Tracked | undefined)[] {
    let s = this.#byRequest.get(ctx)
    if (!s) {
      s = [undefined, undefined, undefined]
      this.#byRequest.set(ctx, s)
      ctx.stick = this.#view(s)
    }
    return s
  }

  #view(slots: readonly (Tracked | undefined)[]): StickView {
    return {
      tracked: (counter, data, tableName) => {
        const t = slots[counter]
        if (!t || (tableName !== undefined && t.table.spec.name !== tableName)) return undefined
        return t.table.read(t.entry, data, this.#store.now())
      },
      lookup: (tableName, key, data) => {
        const table = this.#store.table(tableName)
        const now = this.#store.now()
        const e = table?.peek(key, now)
        return e && table ? table.read(e, data, now) : undefined
      },
    }
  }

  /** Installs the view for src_* lookups on a request that tracks nothing. */
  attach(ctx: RequestState): void {
    this.#slots(ctx)
  }
}
