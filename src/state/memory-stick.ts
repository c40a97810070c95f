/**
 * @module
 * An in-memory stick table with HAProxy's data types, expiry and size limit (oldest unused entry
 * evicted). Used by `explain` and unit tests; the Durable Object tables keep the same semantics.
 * Bounded in entries (`size`) and in bytes (`maxBytes`, counted as src/state/budget.ts says): a new
 * key evicts the least recently used entries until both hold.
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import { entryBytes, ISOLATE_STATE_BUDGET_BYTES } from './budget.ts'
import { createFreqCtr, type FreqCtr, readFreqCtr, updateFreqCtr } from './freq-ctr.ts'

export interface StickEntry {
  readonly key: string
  expiresAt: number
  counters: Map<string, number>
  rates: Map<string, FreqCtr>
}

/**
 * A write on an entry, as the engine and the StickTable Durable Object exchange them:
 * `request` counts `n` HTTP requests (http_req_*, conn_*, sess_*: one stream per request at the
 * edge) and `n` more in conn_cur, `inc` adds to gpc0/gpc1 (and their rates), `set` writes gpt0 or
 * server_id, `count` adds `n` to http_err/http_fail/bytes_in/bytes_out (`_cnt` and `_rate`),
 * `end` takes `n` tracked requests off conn_cur (never below 0).
 */
export type StickOp =
  | { readonly op: 'request'; readonly n?: number }
  | { readonly op: 'inc'; readonly data: 'gpc0' | 'gpc1'; readonly n?: number }
  | { readonly op: 'set'; readonly data: 'gpt0' | 'server_id'; readonly value: number }
  | { readonly op: 'count'; readonly data: CountedData; readonly n: number }
  | { readonly op: 'end'; readonly n?: number }

/** The counters that the end of a request feeds: `${data}_cnt` and `${data}_rate(P)`. */
export type CountedData = 'http_err' | 'http_fail' | 'bytes_in' | 'bytes_out'

/** An entry's data as plain JSON (RPC results, SQLite rows). */
export interface EntryState {
  readonly key: string
  /** Epoch ms after which the entry is gone (far future without `expire`). */
  readonly expiresAt: number
  readonly counters: Readonly<Record<string, number>>
  readonly rates: Readonly<Record<string, FreqCtr>>
}

/** Applies `ops` to `e` at `now` with HAProxy's counting rules (only the stored data types change). */
export function applyOps(spec: Pick<StickTableSpec, 'store'>, e: StickEntry, ops: readonly StickOp[], now: number): void {
  for (const o of ops) {
    if (o.op === 'request') {
      const n = o.n ?? 1
      bumpEntry(spec, e, 'http_req_cnt', 'http_req_rate', now, n)
      bumpEntry(spec, e, 'conn_cnt', 'conn_rate', now, n)
      bumpEntry(spec, e, 'sess_cnt', 'sess_rate', now, n)
      // stream_start_counters() (stream.h): conn_cur++ when a counter starts tracking the entry.
      if (stores(spec, 'conn_cur')) e.counters.set('conn_cur', (e.counters.get('conn_cur') ?? 0) + n)
    } else if (o.op === 'inc') bumpEntry(spec, e, o.data, `${o.data}_rate`, now, o.n ?? 1)
    else if (o.op === 'count') {
      if (o.n > 0) bumpEntry(spec, e, `${o.data}_cnt`, `${o.data}_rate`, now, o.n)
    } else if (o.op === 'end') {
      // stream_store_counters() (stream.c): conn_cur-- if > 0 when the stream releases the entry.
      if (stores(spec, 'conn_cur')) e.counters.set('conn_cur', Math.max(0, (e.counters.get('conn_cur') ?? 0) - (o.n ?? 1)))
    } else if (o.data === 'server_id' || spec.store.some((x) => x.type === o.data)) e.counters.set(o.data, o.value)
  }
}

function stores(spec: Pick<StickTableSpec, 'store'>, type: string): boolean {
  return spec.store.some((x) => x.type === type)
}

function bumpEntry(spec: Pick<StickTableSpec, 'store'>, e: StickEntry, cnt: string, rate: string, now: number, inc: number): void {
  for (const s of spec.store) {
    if (s.type === cnt) e.counters.set(cnt, (e.counters.get(cnt) ?? 0) + inc)
    if (s.type === rate && s.periodMs !== undefined) {
      let f = e.rates.get(rate)
      if (!f) {
        f = createFreqCtr()
        e.rates.set(rate, f)
      }
      updateFreqCtr(f, s.periodMs, now, inc)
    }
  }
}

export function entryState(e: StickEntry): EntryState {
  const rates: Record<string, FreqCtr> = {}
  for (const [k, f] of e.rates) rates[k] = { ...f }
  return { key: e.key, expiresAt: e.expiresAt, counters: Object.fromEntries(e.counters), rates }
}

export function entryFromState(s: EntryState): StickEntry {
  return {
    key: s.key,
    expiresAt: s.expiresAt,
    counters: new Map(Object.entries(s.counters)),
    rates: new Map(Object.entries(s.rates).map(([k, f]) => [k, { ...f }])),
  }
}

/**
 * The key a table stores for a sample's text: a `type string` table keeps at most `len` characters
 * (HAProxy's smp_to_stkey truncates to the key size), so a long header cannot make a long key. The
 * cut key is copied: V8's slice would keep the whole header alive for as long as the entry lives.
 */
export function tableKey(spec: Pick<StickTableSpec, 'type' | 'keyLength'>, text: string): string {
  return spec.type === 'string' && text.length > spec.keyLength ? (JSON.parse(JSON.stringify(text.slice(0, spec.keyLength))) as string) : text
}

/** Expiry of an entry touched at `now`. */
export function expiryOf(spec: Pick<StickTableSpec, 'expireMs'>, now: number): number {
  return now + (spec.expireMs ?? NO_EXPIRY)
}

const NO_EXPIRY = Number.MAX_SAFE_INTEGER / 2

/** One table's entries, keyed by the table's key text. */
export class MemoryStickTable {
  readonly spec: StickTableSpec
  /** Most bytes the entries may take (src/state/budget.ts). */
  readonly maxBytes: number
  readonly #entries = new Map<string, StickEntry>()
  readonly #types: number
  #bytes = 0

  constructor(spec: StickTableSpec, opts: { readonly maxBytes?: number } = {}) {
    this.spec = spec
    this.maxBytes = opts.maxBytes ?? ISOLATE_STATE_BUDGET_BYTES
    this.#types = spec.store.length
  }

  get size(): number {
    return this.#entries.size
  }

  /** Bytes the entries are counted for (src/state/budget.ts entryBytes). */
  get bytes(): number {
    return this.#bytes
  }

  /** Looks up `key` without creating or refreshing it. */
  peek(key: string, now: number): StickEntry | undefined {
    const e = this.#entries.get(key)
    if (e && this.spec.expireMs !== undefined && e.expiresAt <= now) {
      this.#delete(key)
      return undefined
    }
    return e
  }

  /** Gets or creates `key` and refreshes its expiry (track-sc, stick match/store). */
  touch(key: string, now: number): StickEntry | undefined {
    let e = this.peek(key, now)
    if (!e) {
      if (!this.#makeRoom(key, now)) return undefined
      e = { key, expiresAt: 0, counters: new Map(), rates: new Map() }
      this.#bytes += entryBytes(key, this.#types)
    } else this.#entries.delete(key)
    // Re-insertion keeps Map order = least recently used first.
    this.#entries.set(key, e)
    e.expiresAt = expiryOf(this.spec, now)
    return e
  }

  /**
   * Replaces `key` with `state` (the authoritative copy from a Durable Object), as the most recently
   * used entry; evicts the oldest ones when full. Returns the installed entry.
   */
  install(state: EntryState): StickEntry {
    const e = entryFromState(state)
    if (this.#entries.has(state.key)) this.#entries.delete(state.key)
    else {
      this.#evictFor(state.key)
      this.#bytes += entryBytes(state.key, this.#types)
    }
    this.#entries.set(state.key, e)
    return e
  }

  /** Removes `key` (the shared table no longer has it). */
  forget(key: string): void {
    this.#delete(key)
  }

  /**
   * Makes room for a new `key`: expired entries at the old end go first (HAProxy's expire task
   * would have purged them, even with nopurge); then, unless the table is `nopurge` (which refuses
   * the key instead), the least recently used ones until the entry count and the bytes fit.
   */
  #makeRoom(key: string, now: number): boolean {
    for (const [k, old] of this.#entries) {
      if (this.spec.expireMs === undefined || old.expiresAt > now) break
      this.#delete(k)
    }
    if (!this.#fits(key)) {
      if (this.spec.nopurge) return false
      this.#evictFor(key)
    }
    return true
  }

  #fits(key: string): boolean {
    return this.#entries.size < this.spec.size && this.#bytes + entryBytes(key, this.#types) <= this.maxBytes
  }

  /** Evicts the least recently used entries until `key` fits (an empty table always takes it). */
  #evictFor(key: string): void {
    for (const k of this.#entries.keys()) {
      if (this.#fits(key)) break
      this.#delete(k)
    }
  }

  #delete(key: string): void {
    if (this.#entries.delete(key)) this.#bytes -= entryBytes(key, this.#types)
  }

  /** Applies `ops` to `e` (see applyOps). */
  apply(e: StickEntry, ops: readonly StickOp[], now: number): void {
    applyOps(this.spec, e, ops, now)
  }

  /** Adds `inc` to counter `type` and to its `_rate` sibling if stored. */
  bump(e: StickEntry, cnt: string, rate: string, now: number, inc = 1): void {
    bumpEntry(this.spec, e, cnt, rate, now, inc)
  }

  /** Value of data type `type` for `e`, or undefined when the table does not store it. */
  read(e: StickEntry, type: string, now: number): number | undefined {
    // Stick rules store server_id in any table they use, declared or not (HAProxy allocates it).
    if (type === 'server_id') return e.counters.get(type) ?? (this.spec.store.some((x) => x.type === type) ? 0 : undefined)
    const s = this.spec.store.find((x) => x.type === type)
    if (!s) return undefined
    if (s.periodMs !== undefined) {
      const f = e.rates.get(type)
      return f ? readFreqCtr(f, s.periodMs, now) : 0
    }
    return e.counters.get(type) ?? 0
  }

  set(e: StickEntry, type: string, value: number): void {
    if (type === 'server_id' || this.spec.store.some((x) => x.type === type)) e.counters.set(type, value)
  }

  entries(now: number): StickEntry[] {
    return [...this.#entries.keys()].map((k) => this.peek(k, now)).filter((e): e is StickEntry => e !== undefined)
  }
}
