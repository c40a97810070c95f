/**
 * @module
 * The StickTable Durable Object, in one of two roles decided by the methods called on it:
 * - the **home shard** of one stick table, named `${table}:${shard}` (`track`, `lookup`, `update`,
 *   runtime API calls): core StickShard (src/state/stick-shard.ts). Entries live in memory; the
 *   ones carrying persistent data (server_id, gpt0, gpc0, gpc1) get a SQLite row (key, JSON data:
 *   counters and freq_ctr state, last touch, expiry), written by the alarm at most every
 *   PERSIST_MS, one row per dirty entry;
 * - a **replica** of a home shard in one location, named `${table}:${shard}@${location}`
 *   (`flush`): core StickReplica (src/state/stick-replica.ts), created where its first caller is,
 *   nothing stored; it sends its location's writes to the home shard at most every HOME_SYNC_MS,
 *   with the flush that finds a sync due, else from its alarm.
 * The table spec travels with each call, so a RouteMap change applies at once.
 */
import { DurableObject } from 'cloudflare:workers'
import type { EntryState, StickOp } from '../src/state/memory-stick.ts'
import { type RemoteStickOptions, remoteStickStore, type RemoteStickFactory } from '../src/state/remote-stick.ts'
import { type FlushAnswer, StickReplica } from '../src/state/stick-replica.ts'
import { type BatchItem, PERSIST_MS, type ShardRow, type ShardSpec, type ShardStorage, StickShard } from '../src/state/stick-shard.ts'

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
    all: () => sql.exec<Row>('SELECT key, data, touched, expires FROM entries ORDER BY touched, rowid').toArray().map(toRow),
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

/** What the object needs from its environment: the namespace, to reach the home shard from a replica. */
interface StickEnv {
  readonly STICK?: DurableObjectNamespace<StickTable>
}

export class StickTable extends DurableObject<StickEnv> {
  #home: StickShard | undefined
  #replica: { core: StickReplica; home: string } | undefined
  #lastPersist = 0
  /** When the alarm is armed (cached; undefined: not known to be armed). */
  #alarmAt: number | undefined

  /** The home shard core, its persistent rows loaded from SQLite on first use. */
  #shard(): StickShard {
    if (!this.#home) this.#home = new StickShard(sqlShardStorage(this.ctx.storage.sql))
    return this.#home
  }

  /** track-sc (exact mode) / stick store: creates or refreshes `key`, applies `ops`; null when refused (nopurge, full). */
  async track(spec: ShardSpec, key: string, now: number, ops: readonly StickOp[]): Promise<EntryState | null> {
    const r = this.#shard().track(spec, key, now, ops)
    await this.#armPersist()
    return r
  }

  /** src_* / table_*: the entry without creating or refreshing it. */
  async lookup(key: string, now: number): Promise<EntryState | null> {
    return this.#replica ? this.#replica.core.lookup(key, now) : this.#shard().lookup(key, now)
  }

  /** A batch of writes (an isolate without location, a replica's sync); returns each key's merged entry. */
  async update(spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]> {
    const r = this.#shard().update(spec, items)
    await this.#armPersist()
    return r
  }

  /** Replica: an isolate's flush (`home`: the home shard's name; `refresh`: keys whose entries it wants back). */
  async flush(spec: ShardSpec, home: string, isolate: string, items: readonly BatchItem[], refresh: readonly string[] = []): Promise<FlushAnswer> {
    if (!this.#replica) this.#replica = { core: new StickReplica(), home }
    const now = Date.now()
    const answer = this.#replica.core.flush(spec, isolate, items, now, refresh)
    // A sync due now goes with this flush (not awaited by the isolate): no alarm. Otherwise the
    // alarm sends the writes when due (an isolate alone flushes every FLUSH_LONG_MS ≥ HOME_SYNC_MS,
    // so its replica syncs without alarms).
    const next = this.#replica.core.schedule(now)
    if (next.sync) this.ctx.waitUntil(this.#syncHome(next.sync))
    else if (next.alarmAt !== undefined) await this.#arm(next.alarmAt)
    return answer
  }

  /** Sends a replica's writes to its home shard and takes the merged entries back. */
  async #syncHome(out: { spec: ShardSpec; items: BatchItem[] }): Promise<void> {
    const r = this.#replica
    if (!r) return
    try {
      const ns = this.env.STICK
      if (!ns) throw new Error('no STICK binding')
      const states = await ns.getByName(r.home).update(out.spec, out.items)
      r.core.applyHome(out.items, states, Date.now())
    } catch (e) {
      r.core.homeFailed(out.items)
      console.warn(`[stick] replica sync to ${r.home}: ${e instanceof Error ? e.message : String(e)}`)
    }
    // Writes queued meanwhile: sent now if this sync took HOME_SYNC_MS, else at the alarm.
    const next = r.core.schedule(Date.now())
    if (next.sync) await this.#syncHome(next.sync)
    else if (next.alarmAt !== undefined) await this.#arm(next.alarmAt)
  }

  /** Number of live entries (tests, `show table`). */
  async size(now: number): Promise<number> {
    return this.#shard().size(now)
  }

  /** Runtime API `show table`: every live entry of this shard, in key order. */
  async dump(now: number): Promise<EntryState[]> {
    return this.#shard().entries(now)
  }

  /**
   * Runtime API `clear table`: removes `key`, or every entry; returns how many live entries went
   * (entries expired at `now` are purged first and not counted).
   */
  async clear(key?: string, now: number = Date.now()): Promise<number> {
    const n = this.#shard().clear(key, now)
    await this.#armPersist()
    return n
  }

  /**
   * Runtime API `set table <t> key <k> data.<type> <v>…`: creates or refreshes `key` and writes
   * each value; a rate is set as HAProxy does (current period = value, previous = 0, starting
   * now). Null when the shard is full and the table is `nopurge`.
   */
  async setData(spec: ShardSpec, key: string, now: number, data: Readonly<Record<string, number>>): Promise<EntryState | null> {
    const r = this.#shard().setData(spec, key, now, data)
    await this.#armPersist()
    return r
  }

  /** Writes the home's dirty rows now (tests; the alarm does it at most every PERSIST_MS). */
  async persist(): Promise<number> {
    const now = Date.now()
    this.#lastPersist = now
    const home = this.#home
    return home ? this.ctx.storage.transactionSync(() => home.persist(now)) : 0
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = undefined
    const now = Date.now()
    if (this.#home?.dirty && now >= this.#lastPersist + PERSIST_MS) await this.persist()
    const next = this.#replica?.core.schedule(now)
    if (next?.sync) await this.#syncHome(next.sync)
    else if (next?.alarmAt !== undefined) await this.#arm(next.alarmAt)
    if (this.#home?.dirty) await this.#arm(this.#lastPersist + PERSIST_MS)
  }

  async #armPersist(): Promise<void> {
    if (this.#home?.dirty) await this.#arm(Math.max(Date.now(), this.#lastPersist + PERSIST_MS))
  }

  /** Arms the alarm for `at` unless one is armed earlier. */
  async #arm(at: number): Promise<void> {
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
 * `opts` as RemoteStickOptions without `shard`: `location` (the Worker passes `request.cf.colo`,
 * `local` under `edgeproxy dev`) sends fast-mode writes to that location's replicas; without it
 * they go to the home shards.
 */
export function durableStickStore(ns: StickTableNamespace, opts: Omit<RemoteStickOptions, 'shard'> = {}): RemoteStickFactory {
  return remoteStickStore({ ...opts, shard: (name) => ns.getByName(name) })
}
