/**
 * @module
 * The StickTable Durable Object: one shard of one stick table, named `${table}:${shard}`
 * (`STICK.getByName(shardName(table, shardOf(spec, key)))`, src/state/stick-shard.ts). Entries
 * live in SQLite (key, JSON data: counters and freq_ctr state, last touch, expiry); the logic
 * (HAProxy's counting, `size / shards` with LRU eviction, `expire`) is src/state/stick-shard.ts.
 * Expired entries are purged lazily on access and by the object's alarm, armed at the earliest
 * expiry. The table spec travels with each call, so a RouteMap change applies at once.
 */
import { DurableObject } from 'cloudflare:workers'
import type { EntryState, StickOp } from '../src/state/memory-stick.ts'
import { type RemoteStickOptions, remoteStickStore, type RemoteStickFactory } from '../src/state/remote-stick.ts'
import { type BatchItem, type ShardRow, type ShardSpec, type ShardStorage, StickShard } from '../src/state/stick-shard.ts'

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    touched INTEGER NOT NULL,
    expires INTEGER NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS entries_touched ON entries (touched)',
  'CREATE INDEX IF NOT EXISTS entries_expires ON entries (expires)',
]

type Row = { key: string; data: string; touched: number; expires: number }

/** ShardStorage over the object's SQLite database; the row count is cached. */
export function sqlShardStorage(sql: SqlStorage): ShardStorage {
  for (const s of SCHEMA) sql.exec(s)
  let count = Number(sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM entries').one().n)
  const toRow = (r: Row): ShardRow => {
    const d = JSON.parse(r.data) as Pick<EntryState, 'counters' | 'rates'>
    return { state: { key: r.key, expiresAt: r.expires, counters: d.counters, rates: d.rates }, touched: r.touched }
  }
  return {
    get: (key) => {
      const r = sql.exec<Row>('SELECT key, data, touched, expires FROM entries WHERE key = ?', key).toArray()[0]
      return r ? toRow(r) : undefined
    },
    put: (row) => {
      const s = row.state
      // DELETE + INSERT gives a replaced row a new rowid: ties on `touched` evict in insertion order.
      const had = sql.exec('DELETE FROM entries WHERE key = ?', s.key).rowsWritten > 0
      sql.exec('INSERT INTO entries (key, data, touched, expires) VALUES (?, ?, ?, ?)', s.key, JSON.stringify({ counters: s.counters, rates: s.rates }), row.touched, s.expiresAt)
      if (!had) count++
    },
    delete: (key) => {
      count -= sql.exec('DELETE FROM entries WHERE key = ?', key).rowsWritten > 0 ? 1 : 0
    },
    count: () => count,
    evictOldest: (n) => {
      const c = sql.exec('DELETE FROM entries WHERE key IN (SELECT key FROM entries ORDER BY touched, rowid LIMIT ?)', n)
      count -= c.rowsWritten
    },
    purgeExpired: (now) => {
      const n = sql.exec('DELETE FROM entries WHERE expires <= ?', now).rowsWritten
      count -= n
      return n
    },
    nextExpiry: () => {
      const r = sql.exec<{ m: number | null }>('SELECT MIN(expires) AS m FROM entries').one()
      return r.m === null ? undefined : Number(r.m)
    },
  }
}

/** `tick & ~1` without 32-bit wrapping (freq_ctr ticks are even: bit 0 is HAProxy's lock bit). */
function evenTick(t: number): number {
  return t - (((t % 2) + 2) % 2)
}

export class StickTable extends DurableObject<unknown> {
  readonly #storage: ShardStorage
  readonly #shard: StickShard
  /** When the alarm is armed (cached; undefined: not known to be armed). */
  #alarmAt: number | undefined

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env)
    this.#storage = sqlShardStorage(ctx.storage.sql)
    this.#shard = new StickShard(this.#storage)
  }

  /** track-sc / stick store: creates or refreshes `key`, applies `ops`; null when refused (nopurge, full). */
  async track(spec: ShardSpec, key: string, now: number, ops: readonly StickOp[]): Promise<EntryState | null> {
    const r = this.#shard.track(spec, key, now, ops)
    if (r) await this.#arm(r.expiresAt)
    return r
  }

  /** src_* / table_*: the entry without creating or refreshing it. */
  async lookup(key: string, now: number): Promise<EntryState | null> {
    return this.#shard.lookup(key, now)
  }

  /** Fast-mode batch; returns each key's entry after its ops (authoritative counts). */
  async update(spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]> {
    const r = this.ctx.storage.transactionSync(() => this.#shard.update(spec, items))
    let first: number | undefined
    for (const s of r) if (s) first = first === undefined ? s.expiresAt : Math.min(first, s.expiresAt)
    if (first !== undefined) await this.#arm(first)
    return r
  }

  /** Number of live entries (tests, `show table`). */
  async size(now: number): Promise<number> {
    this.#shard.purge(now)
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM entries').one().n
  }

  /** Runtime API `show table`: every live entry of this shard, in key order. */
  async dump(now: number): Promise<EntryState[]> {
    this.#shard.purge(now)
    const rows = this.ctx.storage.sql.exec<Row>('SELECT key, data, touched, expires FROM entries ORDER BY key').toArray()
    return rows.map((r) => {
      const d = JSON.parse(r.data) as Pick<EntryState, 'counters' | 'rates'>
      return { key: r.key, expiresAt: r.expires, counters: d.counters, rates: d.rates }
    })
  }

  /**
   * Runtime API `clear table`: removes `key`, or every entry; returns how many live entries went
   * (entries expired at `now` are purged first and not counted).
   */
  async clear(key?: string, now: number = Date.now()): Promise<number> {
    this.#shard.purge(now)
    const keys =
      key === undefined
        ? this.ctx.storage.sql
            .exec<{ key: string }>('SELECT key FROM entries')
            .toArray()
            .map((r) => r.key)
        : [key]
    let n = 0
    for (const k of keys) {
      if (this.#storage.get(k)) {
        this.#storage.delete(k)
        n++
      }
    }
    return n
  }

  /**
   * Runtime API `set table <t> key <k> data.<type> <v>…`: creates or refreshes `key` and writes
   * each value; a rate is set as HAProxy does (current period = value, previous = 0, starting
   * now). Null when the shard is full and the table is `nopurge`.
   */
  async setData(spec: ShardSpec, key: string, now: number, data: Readonly<Record<string, number>>): Promise<EntryState | null> {
    const created = this.#shard.track(spec, key, now, [])
    if (!created) return null
    const counters: Record<string, number> = { ...created.counters }
    const rates = { ...created.rates }
    for (const [type, value] of Object.entries(data)) {
      const s = spec.store.find((x) => x.type === type)
      if (s?.periodMs !== undefined) rates[type] = { currTick: evenTick(now), currCtr: value, prevCtr: 0 }
      else counters[type] = value
    }
    const state: EntryState = { ...created, counters, rates }
    this.#storage.put({ state, touched: now })
    await this.#arm(state.expiresAt)
    return state
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = undefined
    const { next } = this.#shard.purge(Date.now())
    if (next !== undefined) await this.#arm(next)
  }

  /** Arms the alarm for `at` unless one is armed earlier (entries without expire arm nothing). */
  async #arm(at: number): Promise<void> {
    if (at >= Number.MAX_SAFE_INTEGER / 4) return
    if (this.#alarmAt === undefined) {
      const cur = await this.ctx.storage.getAlarm()
      this.#alarmAt = cur ?? undefined
    }
    if (this.#alarmAt !== undefined && this.#alarmAt <= at) return
    this.#alarmAt = at
    await this.ctx.storage.setAlarm(at)
  }
}

/** The Durable Object namespace binding of StickTable. */
export type StickTableNamespace = DurableObjectNamespace<StickTable>

/**
 * createEngine's `stick` option for the Worker: tables in StickTable objects of `ns`.
 * `opts` as RemoteStickOptions without `shard`.
 */
export function durableStickStore(ns: StickTableNamespace, opts: Omit<RemoteStickOptions, 'shard'> = {}): RemoteStickFactory {
  return remoteStickStore({ ...opts, shard: (name) => ns.getByName(name) })
}
