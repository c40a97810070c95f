/**
 * @module
 * A location's replica of one stick-table shard: the object `${table}:${shard}@${location}`
 * (durable-objects/stick-table.ts wraps this core; the simulation runs it in Node). Created by
 * the first isolate of the location that tracks a key of the shard, it lives in that location:
 * an isolate's fast-mode flush never leaves its location.
 *
 * - Isolates send their queued writes (`flush`); the replica applies them to its entries (a
 *   StickShard without storage: nothing is written), answers the merged entries of the keys
 *   sent, and tells the isolate when to flush next (`nextFlushMs`).
 * - The replica queues the same writes for the home shard `${table}:${shard}` and sends them at
 *   most every HOME_SYNC_MS when it has any (`homeDue`/`takeHome`, the object's alarm); the
 *   home's answer (every location's writes merged) replaces its copies (`applyHome`), with the
 *   writes queued since re-applied on top. A client spread over several locations is counted in
 *   each about HOME_SYNC_MS late (up to twice that: the other replica's sync, then this one's).
 *
 * Flush interval (adaptive to traffic, bounded for cost): an isolate that is the only one of its
 * location to have flushed within ACTIVE_WINDOW_MS holds the location's truth already and flushes
 * every FLUSH_LONG_MS; when several are active, their views must converge quickly (each decides
 * on its own requests plus the others' as of its last flush), so they flush every FLUSH_SHORT_MS,
 * stretched to `active / REPLICA_BUDGET_RPS` when many are active so that the replica takes at
 * most REPLICA_BUDGET_RPS flushes per second. For a key that several isolates write (a client
 * spread over them: the replica says which, `shared`), an isolate also keeps flushing (with
 * nothing queued: a refresh) for REFRESH_WINDOW_MS after it last tracked it, asking for that
 * key's entry: a view that waited for the client's next request to flush would read rates that
 * decayed meanwhile (the others' requests missing) and admit too much. Keys written by one
 * isolate only (a client whose connection stays on one isolate) cost no refresh.
 *
 * Memory (src/state/budget.ts): the entries as a home shard's (the table's share, the object's
 * byte budget); the writes waiting for the home sync and the index of each key's last writer at
 * most one shard's entries and OBJECT_QUEUE_BUDGET_BYTES each, oldest keys dropped first (a
 * dropped write never reaches the home: the location's copy keeps it).
 *
 * Over-admission within a location: a request admitted by one isolate reaches the others after
 * its flush wait and their next flush, ≈ one flush interval plus a local round trip on average,
 * so a client sending R requests/s of which a share s lands on other isolates than the deciding
 * one gets about R × (interval + RTT) × s requests admitted over the limit (measured:
 * test/unit/state/stick-accuracy.test.ts, docs/stick-tables.md).
 */
import { keyBytes, OBJECT_QUEUE_BUDGET_BYTES, WRITER_BYTES } from './budget.ts'
import type { EntryState } from './memory-stick.ts'
import { DeltaQueue, entrySig } from './stick-delta.ts'
import { type BatchItem, memoryShardStorage, type ShardSpec, StickShard, shardCapacity } from './stick-shard.ts'

/** Flush interval of isolates while several of the location are active (ms). */
export const FLUSH_SHORT_MS = 100
/** Flush interval of an isolate alone in its location (ms): its view is the location's truth. */
export const FLUSH_LONG_MS = 2_000
/** An isolate counts as active for this long after its last flush (ms). */
export const ACTIVE_WINDOW_MS = 2 * FLUSH_LONG_MS
/** Most isolate flushes per second a replica is asked to take (the interval stretches beyond). */
export const REPLICA_BUDGET_RPS = 400
/**
 * Longest time a replica keeps its location's writes from the home shard (ms). 2 s: with 300
 * locations a home shard takes ≤ 150 syncs/s (under the 500 requests/s per object target, room
 * left for exact-mode tables), and a location sees the others' counts 2–4 s late (counters within
 * the issue's 10 s).
 */
export const HOME_SYNC_MS = 2_000

/**
 * How long an isolate keeps refreshing a shared key (one that another isolate of the location
 * also wrote within this window) after it last tracked it (ms): its view of a client spread over
 * several isolates must stay fresh between that client's requests to it, or the view's rates
 * decay (the others' requests since its last flush are missing) and it admits too much.
 */
export const REFRESH_WINDOW_MS = 10_000

/** The replica's answer to an isolate's flush. */
export interface FlushAnswer {
  /** Per item sent: the entry after it (with everything the replica knows), null where refused. */
  readonly states: (EntryState | null)[]
  /** Per key asked for refresh: the replica's entry, null when it has none. */
  readonly refreshed: (EntryState | null)[]
  /** Keys sent or refreshed that other isolates wrote too within REFRESH_WINDOW_MS (to keep refreshing). */
  readonly shared: string[]
  /** When the isolate should flush next (ms). */
  readonly nextFlushMs: number
}

/** The flush interval for `active` isolates flushing to one replica. */
export function flushInterval(active: number): number {
  if (active <= 1) return FLUSH_LONG_MS
  return Math.min(FLUSH_LONG_MS, Math.max(FLUSH_SHORT_MS, Math.ceil((active * 1000) / REPLICA_BUDGET_RPS)))
}

export class StickReplica {
  readonly #shard = new StickShard(memoryShardStorage())
  readonly #home = new DeltaQueue()
  /** Last flush time per isolate id. */
  readonly #isolates = new Map<string, number>()
  /** Last writer of each key, and when it was last written by two isolates within REFRESH_WINDOW_MS. */
  readonly #writers = new Map<string, { isolate: string; at: number; sharedAt: number }>()
  #writerBytes = 0
  #spec: ShardSpec | undefined
  #lastSync = Number.NEGATIVE_INFINITY
  /** Items sent to the home and not answered yet. */
  #inFlight = false

  /**
   * An isolate's queued writes: applied, queued for the home, answered with the merged entries;
   * plus the entries of the keys it asks to `refresh` (tracked lately, nothing queued).
   */
  flush(spec: ShardSpec, isolate: string, items: readonly BatchItem[], now: number, refresh: readonly string[] = []): FlushAnswer {
    this.#spec = spec
    const states = items.map((it) => {
      const s = this.#shard.track(spec, it.key, it.at, it.ops, it.last ?? it.at)
      if (s) this.#home.add(it.key, it.ops, entrySig(s), it.at, it.last ?? it.at)
      return s
    })
    this.#home.trim(shardCapacity(spec), OBJECT_QUEUE_BUDGET_BYTES)
    this.#isolates.set(isolate, now)
    const shared: string[] = []
    for (const it of items) {
      const w = this.#writers.get(it.key)
      const sharedAt = w && w.isolate !== isolate && now - w.at <= REFRESH_WINDOW_MS ? now : (w?.sharedAt ?? Number.NEGATIVE_INFINITY)
      if (w) this.#writers.delete(it.key)
      else this.#writerBytes += WRITER_BYTES + keyBytes(it.key)
      this.#writers.set(it.key, { isolate, at: now, sharedAt })
    }
    for (const k of this.#writers.keys()) {
      if (this.#writers.size <= shardCapacity(spec) && this.#writerBytes <= OBJECT_QUEUE_BUDGET_BYTES) break
      this.#writers.delete(k)
      this.#writerBytes -= WRITER_BYTES + keyBytes(k)
    }
    for (const k of new Set([...items.map((it) => it.key), ...refresh])) {
      const w = this.#writers.get(k)
      if (w && now - w.sharedAt <= REFRESH_WINDOW_MS) shared.push(k)
    }
    return { states, refreshed: refresh.map((k) => this.#shard.lookup(k, now)), shared, nextFlushMs: flushInterval(this.active(now)) }
  }

  /** src_* / table_* reads of the location's copy. */
  lookup(key: string, now: number): EntryState | null {
    return this.#shard.lookup(key, now)
  }

  /** Isolates that flushed within ACTIVE_WINDOW_MS. */
  active(now: number): number {
    let n = 0
    for (const [id, at] of this.#isolates) {
      if (now - at <= ACTIVE_WINDOW_MS) n++
      else this.#isolates.delete(id)
    }
    return n
  }

  /** When the next home sync is due (undefined: nothing to send, or a sync in flight). */
  homeDue(): number | undefined {
    if (this.#inFlight || this.#home.keys === 0) return undefined
    return this.#lastSync + HOME_SYNC_MS
  }

  /** The writes to send to the home shard now (undefined: nothing, or not due yet). */
  takeHome(now: number): { spec: ShardSpec; items: BatchItem[] } | undefined {
    const due = this.homeDue()
    if (due === undefined || due > now || !this.#spec) return undefined
    this.#lastSync = now
    this.#inFlight = true
    return { spec: this.#spec, items: this.#home.take() }
  }

  /** The home's answer to `items`: its merged entries replace the replica's, writes queued since on top. */
  applyHome(items: readonly BatchItem[], states: readonly (EntryState | null)[], now: number): void {
    this.#inFlight = false
    const spec = this.#spec
    if (!spec) return
    const last = new Map<string, EntryState>()
    items.forEach((it, i) => {
      const s = states[i]
      if (s) last.set(it.key, s)
    })
    for (const [key, s] of last) {
      if (s.expiresAt <= now) continue
      this.#shard.install(spec, s, now)
      for (const p of this.#home.pending(key)) this.#shard.track(spec, key, p.at, p.ops, p.last ?? p.at)
    }
  }

  /**
   * What the object does after a flush or an alarm (durable-objects/stick-table.ts, the
   * simulation): send the writes now when a sync is due (`sync`, then applyHome or homeFailed),
   * else arm the alarm for when one will be (`alarmAt`); neither when there is nothing to send.
   */
  schedule(now: number): { readonly sync?: { spec: ShardSpec; items: BatchItem[] }; readonly alarmAt?: number } {
    const sync = this.takeHome(now)
    if (sync) return { sync }
    const due = this.homeDue()
    return due === undefined ? {} : { alarmAt: Math.max(due, now) }
  }

  /** The home did not answer: the writes are sent again at the next sync. */
  homeFailed(items: readonly BatchItem[]): void {
    this.#inFlight = false
    this.#home.restore(items)
    if (this.#spec) this.#home.trim(shardCapacity(this.#spec), OBJECT_QUEUE_BUDGET_BYTES)
  }

  /** What the replica holds, as budget.ts counts it (bench/memory.ts, tests). */
  usage(): { entries: number; entryBytes: number; pendingKeys: number; pendingBytes: number; writers: number; writerBytes: number } {
    return { entries: this.#shard.count, entryBytes: this.#shard.bytes, pendingKeys: this.#home.keys, pendingBytes: this.#home.bytes, writers: this.#writers.size, writerBytes: this.#writerBytes }
  }
}
