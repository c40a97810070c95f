/**
 * @module
 * One shard of one stick table, as the StickTable Durable Object runs it as the table's home
 * shard (durable-objects/stick-table.ts supplies SQLite storage; replicas, stick-replica.ts, run
 * one without storage): entries keyed by the table's key text, counted with HAProxy's rules
 * (applyOps, freq_ctr), `size / shards` entries at most with least-recently-used eviction (or
 * refusal with `nopurge`), `expire` after the last touch, purged lazily.
 *
 * Entries live in memory: counters and rates are not written per op. Only entries carrying
 * persistent data (server_id from `stick store`, gpt0, gpc0, gpc1: what a user set or counted on
 * purpose) get a storage row, written lazily: a change marks the entry dirty and `persist()` (the
 * object's alarm, at most every PERSIST_MS) writes one row per dirty entry (its whole state) and
 * deletes the rows of entries that expired or were evicted. A shard constructed again (the object
 * evicted from memory, or moved) starts from those rows: the other entries' counts and rates
 * restart from zero, as an HAProxy reload without `peers` does.
 *
 * Memory: at most `size / shards` entries, and at most `maxBytes` of them as src/state/budget.ts
 * counts them (OBJECT_ENTRIES_BUDGET_BYTES by default): a new key evicts the least recently used
 * entries until both hold (a `nopurge` shard refuses it instead). An evicted entry's row goes at
 * the next persist(), so the storage holds no more rows than the memory holds entries.
 *
 * Sharding: a table of `size` entries has `shardCount(size)` shards, 1 per 50,000 entries, at least
 * 1 and at most 16; a key lives in shard `fnv1a32(key) % shards`, in the object named
 * `${table}:${shard}`. Each object serves ~1,000 requests/s, so a table takes up to 16,000 tracked
 * requests/s in exact mode before the platform reports "overloaded".
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import { entryBytes, OBJECT_ENTRIES_BUDGET_BYTES } from './budget.ts'
import { applyOps, type EntryState, entryFromState, entryState, expiryOf, type StickEntry, type StickOp } from './memory-stick.ts'

export const ENTRIES_PER_SHARD = 50_000
export const MAX_SHARDS = 16

/** Number of shards of a table of `size` entries. */
export function shardCount(size: number): number {
  return Math.min(MAX_SHARDS, Math.max(1, Math.ceil(size / ENTRIES_PER_SHARD)))
}

/** FNV-1a 32-bit of the key's UTF-16 code units (stable across isolates and versions). */
export function fnv1a32(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** Shard of `key` in `spec`'s table. */
export function shardOf(spec: Pick<StickTableSpec, 'size'>, key: string): number {
  return fnv1a32(key) % shardCount(spec.size)
}

/** Durable Object name of a table's shard: `${table}:${shard}`. */
export function shardName(table: string, shard: number): string {
  return `${table}:${shard}`
}

/** The entries a shard may hold: the table's `size` divided by its shard count (rounded up). */
export function shardCapacity(spec: Pick<StickTableSpec, 'size'>): number {
  return Math.max(1, Math.ceil(spec.size / shardCount(spec.size)))
}

/** The table spec fields the shard needs (what the Worker sends with each call). */
export type ShardSpec = Pick<StickTableSpec, 'name' | 'size' | 'expireMs' | 'nopurge' | 'store'>

export function shardSpec(spec: StickTableSpec): ShardSpec {
  return { name: spec.name, size: spec.size, ...(spec.expireMs !== undefined ? { expireMs: spec.expireMs } : {}), nopurge: spec.nopurge, store: spec.store }
}

/** A stored row. `touched` orders the LRU eviction. */
export interface ShardRow {
  readonly state: EntryState
  readonly touched: number
}

/** Storage of one shard (SQLite in the Durable Object, a Map in unit tests). Synchronous. */
export interface ShardStorage {
  get(key: string): ShardRow | undefined
  put(row: ShardRow): void
  delete(key: string): void
  count(): number
  /** Every row, least recently touched first (ties in the order they were put). */
  all(): ShardRow[]
  /** Deletes the `n` least recently touched rows. */
  evictOldest(n: number): void
  /** Deletes rows with expiresAt <= now; returns how many. */
  purgeExpired(now: number): number
  /** The earliest expiresAt, or undefined when empty. */
  nextExpiry(): number | undefined
}

/**
 * One write of a fast-mode batch: `ops` on `key`, as of `at` (the first event's time); the entry's
 * expiry and LRU position are refreshed as of `last` (the last event's time, default `at`).
 */
export interface BatchItem {
  readonly key: string
  readonly at: number
  readonly last?: number
  readonly ops: readonly StickOp[]
}

/** Longest time a dirty entry waits for its row (ms): the home shard's alarm period. */
export const PERSIST_MS = 10_000

/** Data a user sets or counts on purpose: an entry holding any of them is kept in a row. */
export const PERSISTENT_DATA: readonly string[] = ['server_id', 'gpt0', 'gpc0', 'gpc1']

/** Entries expiring later than this are treated as "no expire". */
const FOREVER = Number.MAX_SAFE_INTEGER / 4

interface Slot {
  readonly e: StickEntry
  touched: number
  /** Bytes counted for the entry (budget.ts entryBytes). */
  readonly bytes: number
}

/** The shard's logic: entries in memory (LRU order), persistent ones in a ShardStorage. */
export class StickShard {
  readonly #store: ShardStorage
  /** Entries, least recently touched first. */
  readonly #entries = new Map<string, Slot>()
  /** Keys that have a row in the storage. */
  readonly #rows = new Set<string>()
  /** Keys whose row must be written or deleted at the next persist(). */
  readonly #dirty = new Set<string>()
  /** Most bytes the entries may take. */
  readonly maxBytes: number
  #bytes = 0

  /** Loads the stored rows (the entries that carry persistent data). */
  constructor(store: ShardStorage, opts: { readonly maxBytes?: number } = {}) {
    this.#store = store
    this.maxBytes = opts.maxBytes ?? OBJECT_ENTRIES_BUDGET_BYTES
    for (const r of store.all()) {
      const e = entryFromState(r.state)
      this.#add(r.state.key, { e, touched: r.touched, bytes: entryBytes(r.state.key, e.counters.size + e.rates.size) })
      this.#rows.add(r.state.key)
    }
  }

  /** Bytes the entries are counted for. */
  get bytes(): number {
    return this.#bytes
  }

  /** Entries held, expired ones not purged yet included. */
  get count(): number {
    return this.#entries.size
  }

  /**
   * track-sc (and stick match/store): gets or creates `key`, refreshes its expiry (as of `last`,
   * default `now`), applies `ops` at `now`. Returns the entry after the ops, or null when the shard
   * is full and the table is `nopurge`.
   */
  track(spec: ShardSpec, key: string, now: number, ops: readonly StickOp[], last = now): EntryState | null {
    let slot = this.#live(key, now)
    if (slot) this.#entries.delete(key)
    else {
      const bytes = entryBytes(key, spec.store.length)
      if (!this.#fits(spec, bytes)) {
        this.#purgeOldest(now)
        if (!this.#fits(spec, bytes)) {
          if (spec.nopurge) return null
          this.#evictFor(spec, bytes)
        }
      }
      slot = { e: { key, expiresAt: 0, counters: new Map(), rates: new Map() }, touched: last, bytes }
      this.#bytes += bytes
    }
    applyOps(spec, slot.e, ops, now)
    slot.e.expiresAt = expiryOf(spec, Math.max(last, now))
    slot.touched = Math.max(last, now)
    this.#entries.set(key, slot)
    this.#mark(key, slot.e)
    return entryState(slot.e)
  }

  /** src_* / table_*: the entry without creating or refreshing it. */
  lookup(key: string, now: number): EntryState | null {
    const s = this.#live(key, now)
    return s ? entryState(s.e) : null
  }

  /**
   * Fast-mode batch (an isolate's, or a replica's deltas): each item as a track at its own time.
   * Returns the resulting entries (the merged counts the sender installs), null where refused.
   */
  update(spec: ShardSpec, items: readonly BatchItem[]): (EntryState | null)[] {
    return items.map((it) => this.track(spec, it.key, it.at, it.ops, it.last ?? it.at))
  }

  /**
   * Replaces `key` with `state` (a merged copy from elsewhere: the home shard's answer to a
   * replica), as the most recently used entry.
   */
  install(spec: ShardSpec, state: EntryState, touched: number): void {
    this.#remove(state.key)
    const bytes = entryBytes(state.key, spec.store.length)
    this.#evictFor(spec, bytes)
    const e = entryFromState(state)
    this.#add(state.key, { e, touched, bytes })
    this.#mark(state.key, e)
  }

  /** Deletes expired entries; returns the time the next one expires, if any. */
  purge(now: number): { purged: number; next?: number } {
    let purged = 0
    let next: number | undefined
    for (const [k, s] of this.#entries) {
      if (s.e.expiresAt <= now) {
        this.#remove(k)
        purged++
      } else next = next === undefined ? s.e.expiresAt : Math.min(next, s.e.expiresAt)
    }
    return next !== undefined && next < FOREVER ? { purged, next } : { purged }
  }

  /** Live entries in key order (`show table`). */
  entries(now: number): EntryState[] {
    this.purge(now)
    return [...this.#entries.values()].map((s) => entryState(s.e)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  /** Number of live entries. */
  size(now: number): number {
    this.purge(now)
    return this.#entries.size
  }

  /** `clear table`: removes `key`, or every entry; returns how many live entries went. */
  clear(key: string | undefined, now: number): number {
    this.purge(now)
    const keys = key === undefined ? [...this.#entries.keys()] : this.#entries.has(key) ? [key] : []
    for (const k of keys) this.#remove(k)
    return keys.length
  }

  /**
   * `set table <t> key <k> data.<type> <v>…`: creates or refreshes `key` and writes each value; a
   * rate is set as HAProxy does (current period = value, previous = 0, starting now). Null when
   * the shard is full and the table is `nopurge`.
   */
  setData(spec: ShardSpec, key: string, now: number, data: Readonly<Record<string, number>>): EntryState | null {
    if (!this.track(spec, key, now, [])) return null
    const slot = this.#entries.get(key) as Slot
    for (const [type, value] of Object.entries(data)) {
      const s = spec.store.find((x) => x.type === type)
      if (s?.periodMs !== undefined) slot.e.rates.set(type, { currTick: evenTick(now), currCtr: value, prevCtr: 0 })
      else slot.e.counters.set(type, value)
    }
    this.#mark(key, slot.e)
    return entryState(slot.e)
  }

  /** Whether some row is to be written or deleted (the object arms its alarm). */
  get dirty(): boolean {
    return this.#dirty.size > 0
  }

  /**
   * Writes the dirty entries' rows (one per entry carrying persistent data), deletes the rows of
   * entries gone or expired; returns the number of rows written and deleted.
   */
  persist(now: number): number {
    for (const k of this.#rows) {
      const s = this.#entries.get(k)
      if (!s || s.e.expiresAt <= now) this.#dirty.add(k)
    }
    let n = 0
    for (const k of this.#dirty) {
      const s = this.#entries.get(k)
      if (s && s.e.expiresAt > now && persistent(s.e)) {
        this.#store.put({ state: entryState(s.e), touched: s.touched })
        this.#rows.add(k)
        n++
      } else if (this.#rows.has(k)) {
        this.#store.delete(k)
        this.#rows.delete(k)
        n++
      }
    }
    this.#dirty.clear()
    return n
  }

  #mark(key: string, e: StickEntry): void {
    if (this.#rows.has(key) || persistent(e)) this.#dirty.add(key)
  }

  #remove(key: string): void {
    const s = this.#entries.get(key)
    if (!s) return
    this.#entries.delete(key)
    this.#bytes -= s.bytes
    if (this.#rows.has(key)) this.#dirty.add(key)
  }

  #add(key: string, slot: Slot): void {
    this.#entries.set(key, slot)
    this.#bytes += slot.bytes
  }

  /** Whether a new entry of `bytes` fits both the shard's share of `size` and the byte budget. */
  #fits(spec: ShardSpec, bytes: number): boolean {
    return this.#entries.size < shardCapacity(spec) && this.#bytes + bytes <= this.maxBytes
  }

  /** Evicts the least recently used entries until a new one of `bytes` fits (an empty shard always takes it). */
  #evictFor(spec: ShardSpec, bytes: number): void {
    for (const k of this.#entries.keys()) {
      if (this.#fits(spec, bytes)) break
      this.#remove(k)
    }
  }

  /** Drops expired entries from the least recently touched end. */
  #purgeOldest(now: number): void {
    for (const [k, s] of this.#entries) {
      if (s.e.expiresAt > now) break
      this.#remove(k)
    }
  }

  #live(key: string, now: number): Slot | undefined {
    const s = this.#entries.get(key)
    if (s && s.e.expiresAt <= now) {
      this.#remove(key)
      return undefined
    }
    return s
  }
}

function persistent(e: StickEntry): boolean {
  for (const d of PERSISTENT_DATA) if (e.counters.has(d)) return true
  return false
}

/** `tick & ~1` without 32-bit wrapping (freq_ctr ticks are even: bit 0 is HAProxy's lock bit). */
function evenTick(t: number): number {
  return t - (((t % 2) + 2) % 2)
}

/** A ShardStorage in a Map (unit tests, replicas, and the reference the SQLite one must match). */
export function memoryShardStorage(): ShardStorage & { readonly rows: Map<string, ShardRow> } {
  const rows = new Map<string, ShardRow>()
  const byAge = (): ShardRow[] => [...rows.values()].sort((a, b) => a.touched - b.touched)
  return {
    rows,
    get: (k) => rows.get(k),
    put: (r) => {
      rows.delete(r.state.key)
      rows.set(r.state.key, r)
    },
    delete: (k) => {
      rows.delete(k)
    },
    count: () => rows.size,
    all: () => byAge(),
    evictOldest: (n) => {
      for (const r of byAge().slice(0, n)) rows.delete(r.state.key)
    },
    purgeExpired: (now) => {
      let n = 0
      for (const [k, r] of rows) {
        if (r.state.expiresAt <= now) {
          rows.delete(k)
          n++
        }
      }
      return n
    },
    nextExpiry: () => {
      let m: number | undefined
      for (const r of rows.values()) m = m === undefined ? r.state.expiresAt : Math.min(m, r.state.expiresAt)
      return m
    },
  }
}
