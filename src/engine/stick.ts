/**
 * @module
 * Stick counters for one request (sc0..sc2): `track-sc` binds a counter to a table entry and counts
 * the request; `sc_*` fetches read through the StickView it installs on the request. This module
 * never talks to storage itself: the StickStore (src/state/stick-store.ts: in memory for
 * `explain` and tests, Durable Objects in the Worker) does, and may make `track` asynchronous.
 */
import type { StickView } from '../sample/types.ts'
import { type MemoryStickTable, type StickEntry, type StickOp, tableKey } from '../state/memory-stick.ts'
import type { StickStore } from '../state/stick-store.ts'
import type { RequestState } from './request-state.ts'

export { createMemoryStickStore, type StickStore, type StickStoreFactory } from '../state/stick-store.ts'

interface Tracked {
  readonly table: MemoryStickTable
  readonly entry: StickEntry
}

/** A counter whose track-sc waits for the Durable Object. */
const PENDING = 'pending'
type Slot = Tracked | typeof PENDING | undefined

/** The ops a track-sc applies: the request counts once in the entry. */
const TRACK_OPS: readonly StickOp[] = [{ op: 'request' }]

/** Data types that need the end of the request (conn_cur's release, the byte counts). */
const END_TYPES = new Set(['conn_cur', 'bytes_in_cnt', 'bytes_in_rate', 'bytes_out_cnt', 'bytes_out_rate'])

/** What the end of a request reports to the entries it tracks (StickTracker.respond). */
export interface StickEnd {
  /** A tracked entry stores bytes_out_cnt/rate: the caller counts the response body bytes. */
  readonly bytesOut: boolean
  /**
   * Once, when the response has been sent or abandoned: adds the request and response bytes
   * (bytes_in_*, bytes_out_*) and takes the request off conn_cur. Later calls do nothing.
   */
  end(bytesIn: number, bytesOut: number): void
}

function stores(t: Tracked, data: string): boolean {
  return t.table.spec.store.some((s) => s.type === `${data}_cnt` || s.type === `${data}_rate`)
}

/** The per-request side: which entries sc0..sc2 track. Attach with `attach(ctx)` on first use. */
export class StickTracker {
  readonly #store: StickStore

  constructor(store: StickStore) {
    this.#store = store
  }

  /**
   * track-scN: the first track of a counter in a request wins; it counts this request. Returns a
   * promise when the store asks a Durable Object (exact mode): the action returns it and decide()
   * awaits it, so the sc_* fetches of later rules read the shared counts synchronously.
   */
  track(ctx: RequestState, counter: number, tableName: string, key: string): void | Promise<void> {
    const slots = this.#slots(ctx)
    if (slots[counter]) return
    const table = this.#store.table(tableName)
    if (!table) return
    // Reserve the slot so that a second track-scN of the same counter is a no-op even while waiting.
    const r = this.#store.track(tableName, tableKey(table.spec, key), TRACK_OPS)
    if (r instanceof Promise) {
      slots[counter] = PENDING
      return r.then((entry) => {
        slots[counter] = entry ? { table, entry } : undefined
      })
    }
    if (r) slots[counter] = { table, entry: r }
  }

  /** sc-inc-gpc0/1 and sc-inc-gpc(idx): applied to the tracked entry, shipped to the shared table. */
  increment(ctx: RequestState, counter: number, data: 'gpc0' | 'gpc1'): void {
    this.#write(ctx, counter, { op: 'inc', data })
  }

  setGpt0(ctx: RequestState, counter: number, value: number): void {
    this.#write(ctx, counter, { op: 'set', data: 'gpt0', value })
  }

  /**
   * The response head is known: counts `err` (http_err_*) and `fail` (http_fail_*) in every
   * tracked entry that stores them (stream_inc_http_err_ctr / stream_inc_http_fail_ctr, once per
   * tracking counter as in HAProxy). Returns undefined when no tracked entry stores conn_cur or a
   * bytes type, so such requests pay nothing at their end; otherwise the StickEnd to call.
   */
  respond(ctx: RequestState, err: boolean, fail: boolean): StickEnd | undefined {
    const slots = this.#existing(ctx)
    if (!slots) return undefined
    const tracked = slots.filter((t): t is Tracked => t !== undefined && t !== PENDING)
    if (tracked.length === 0) return undefined
    let needEnd = false
    let bytesOut = false
    for (const t of tracked) {
      const ops: StickOp[] = []
      if (err && stores(t, 'http_err')) ops.push({ op: 'count', data: 'http_err', n: 1 })
      if (fail && stores(t, 'http_fail')) ops.push({ op: 'count', data: 'http_fail', n: 1 })
      if (ops.length > 0) this.#apply(t, ops)
      if (t.table.spec.store.some((s) => END_TYPES.has(s.type))) needEnd = true
      if (stores(t, 'bytes_out')) bytesOut = true
    }
    if (!needEnd) return undefined
    let done = false
    return {
      bytesOut,
      end: (bytesIn, bytesOutCount) => {
        if (done) return
        done = true
        for (const t of tracked) {
          const ops: StickOp[] = []
          if (bytesIn > 0 && stores(t, 'bytes_in')) ops.push({ op: 'count', data: 'bytes_in', n: bytesIn })
          if (bytesOutCount > 0 && stores(t, 'bytes_out')) ops.push({ op: 'count', data: 'bytes_out', n: bytesOutCount })
          if (t.table.spec.store.some((s) => s.type === 'conn_cur')) ops.push({ op: 'end' })
          if (ops.length > 0) this.#apply(t, ops)
        }
      },
    }
  }

  #write(ctx: RequestState, counter: number, op: StickOp): void {
    const t = this.#slots(ctx)[counter]
    if (!t || t === PENDING) return
    this.#apply(t, [op])
  }

  #apply(t: Tracked, ops: readonly StickOp[]): void {
    t.table.apply(t.entry, ops, this.#store.now())
    this.#store.ship?.(t.table.spec.name, t.entry.key, ops)
  }

  /** The request's slots when this tracker installed its view on it. */
  #existing(ctx: RequestState): Slot[] | undefined {
    const v = ctx.stick
    return v instanceof TrackerView && v.tracker === this ? v.slots : undefined
  }

  #slots(ctx: RequestState): Slot[] {
    const s = this.#existing(ctx)
    if (s) return s
    const view = new TrackerView(this, this.#store)
    ctx.stick = view
    return view.slots
  }

  /** Installs the view for src_* lookups on a request that tracks nothing. */
  attach(ctx: RequestState): void {
    this.#slots(ctx)
  }
}

/**
 * The StickView a tracker installs on a request; it also holds the request's sc0..sc2 slots (one
 * object per request, no side table).
 */
class TrackerView implements StickView {
  readonly slots: Slot[] = [undefined, undefined, undefined]
  readonly tracker: StickTracker
  readonly #store: StickStore

  constructor(tracker: StickTracker, store: StickStore) {
    this.tracker = tracker
    this.#store = store
  }

  tracked(counter: number, data: string, tableName?: string): number | undefined {
    const t = this.slots[counter]
    if (!t || t === PENDING || (tableName !== undefined && t.table.spec.name !== tableName)) return undefined
    return t.table.read(t.entry, data, this.#store.now())
  }

  lookup(tableName: string, key: string, data: string): number | undefined {
    const table = this.#store.table(tableName)
    const now = this.#store.now()
    const e = table?.peek(key, now)
    return e && table ? table.read(e, data, now) : undefined
  }
}
