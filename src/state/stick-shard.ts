/**
 * @module
 * One shard of one stick table, as the StickTable Durable Object runs it (durable-objects/
 * stick-table.ts supplies SQLite storage): entries keyed by the table's key text, counted with
 * HAProxy's rules (applyOps, freq_ctr), `size / shards` entries at most with least-recently-used
 * eviction (or refusal with `nopurge`), `expire` after the last touch, purged lazily on access and
 * in bulk by `purge()` (the object's alarm).
 *
 * Sharding: a table of `size` entries has `shardCount(size)` shards, 1 per 50,000 entries, at least
 * 1 and at most 16; a key lives in shard `fnv1a32(key) % shards`, in the object named
 * `${table}:${shard}`. Each object serves ~1,000 requests/s, so a table takes up to 16,000 tracked
 * requests/s in exact mode before the platform reports "overloaded".
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import { applyOps, type EntryState, entryFromState, entryState, expiryOf, type StickOp } from './memory-stick.ts'

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
  /** Deletes the `n` least recently touched rows. */
  evictOldest(n: number): void
  /** Deletes rows with expiresAt <= now; returns how many. */
  purgeExpired(now: number): number
  /** The earliest expiresAt, or undefined when empty. */
  nextExpiry(): number | undefined
}

/** One write of a fast-mode batch: `ops` on `key`, as of `at` (the first event's time). */
export interface BatchItem {
  readonly key: string
  readonly at: number
  readonly ops: readonly StickOp[]
}

/** Entries expiring later than this are treated as "no expire" (no alarm). */
const FOREVER = Number.MAX_SAFE_INTEGER / 4

/** The shard's logic over a ShardStorage. */
export class StickShard {
  readonly #store: ShardStorage

  constructor(store: ShardStorage) {
    this.#store = store
  }

  /**
   * track-sc (and stick match/store): gets or creates `key`, refreshes its expiry, applies `ops`.
   * Returns the entry after the ops, or null when the shard is full and the table is `nopurge`.
   */
  track(spec: ShardSpec, key: string, now: number, ops: readonly StickOp[]): EntryState | null {
    let row = this.#live(key, now)
    if (!row) {
      const cap = shardCapacity(spec)
      let n = this.#store.count()
      if (n >= cap) {
        n -= this.#store.purgeExpired(now)
        if (n >= cap) {
          if (spec.nopurge) return null
          this.#store.evictOldest(n - cap + 1)
        }
      }
      row = { state: { key, expiresAt: 0, counters: {}, rates: {} }, touched: now }
    }
    const e = entryFromState(row.state)
    applyOps(spec, e, ops, now)
    e.expiresAt = expiryOf(spec, now)
    const state = entryState(e)
    this.#store.put({ state, touched: now })
    return state
  }

  /** src_* / table_*: the entry without creating or refreshing it. */
  lookup(key: string, now: number): EntryState | null {
    return this.#live(key, now)?.state ?? null
  }

  /**
   * Fast-mode batch: each item as a track at its own time. Returns the resulting entries (the
   * authoritative counts the isolates merge back), null where refused.
   */
  update(spec: ShardSpec, items: readonly BatchItem[]): (EntryState | null)[] {
    return items.map((it) => this.track(spec, it.key, it.at, it.ops))
  }

  /** Deletes expired entries; returns the time the next one expires (for the alarm), if any. */
  purge(now: number): { purged: number; next?: number } {
    const purged = this.#store.purgeExpired(now)
    const next = this.#store.nextExpiry()
    return next !== undefined && next < FOREVER ? { purged, next } : { purged }
  }

  #live(key: string, now: number): ShardRow | undefined {
    const row = this.#store.get(key)
    if (row && row.state.expiresAt <= now) {
      this.#store.delete(key)
      return undefined
    }
    return row
  }
}

/** A ShardStorage in a Map (unit tests, and the reference the SQLite one must match). */
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
