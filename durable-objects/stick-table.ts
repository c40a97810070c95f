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
 * The logic is src/state/stick-object.ts (runtime-free: the simulation runs the same); this class
 * supplies SQLite (sqlShardStorage), the alarm and the STICK namespace. The table spec travels
 * with each call, so a RouteMap change applies at once.
 */
import { DurableObject } from 'cloudflare:workers'
import type { EntryState, StickOp } from '../src/state/memory-stick.ts'
import { type RemoteStickOptions, remoteStickStore, type RemoteStickFactory } from '../src/state/remote-stick.ts'
import { StickObject } from '../src/state/stick-object.ts'
import type { FlushAnswer } from '../src/state/stick-replica.ts'
import type { BatchItem, ShardRow, ShardSpec, ShardStorage } from '../src/state/stick-shard.ts'

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

/** The object's methods are StickObject's (src/state/stick-object.ts) over SQLite, the alarm and STICK. */
export class StickTable extends DurableObject<StickEnv> {
  readonly #core: StickObject

  constructor(ctx: DurableObjectState, env: StickEnv) {
    super(ctx, env)
    this.#core = new StickObject({
      storage: () => sqlShardStorage(ctx.storage.sql),
      home: (name) => {
        if (!env.STICK) throw new Error('no STICK binding')
        return env.STICK.getByName(name)
      },
      now: Date.now,
      getAlarm: () => ctx.storage.getAlarm(),
      setAlarm: (at) => ctx.storage.setAlarm(at),
      waitUntil: (p) => ctx.waitUntil(p),
      transaction: (f) => ctx.storage.transactionSync(f),
      log: (line) => console.warn(line),
    })
  }

  /** track-sc (exact mode) / stick store: creates or refreshes `key`, applies `ops`; null when refused (nopurge, full). */
  track(spec: ShardSpec, key: string, now: number, ops: readonly StickOp[]): Promise<EntryState | null> {
    return this.#core.track(spec, key, now, ops)
  }

  /** src_* / table_*: the entry without creating or refreshing it. */
  lookup(key: string, now: number): Promise<EntryState | null> {
    return this.#core.lookup(key, now)
  }

  /** A batch of writes (an isolate without location, a replica's sync); returns each key's merged entry. */
  update(spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]> {
    return this.#core.update(spec, items)
  }

  /** Replica: an isolate's flush (`home`: the home shard's name; `refresh`: keys whose entries it wants back). */
  flush(spec: ShardSpec, home: string, isolate: string, items: readonly BatchItem[], refresh: readonly string[] = []): Promise<FlushAnswer> {
    return this.#core.flush(spec, home, isolate, items, refresh)
  }

  /** Number of live entries (tests, `show table`). */
  size(now: number): Promise<number> {
    return this.#core.size(now)
  }

  /** Runtime API `show table`: every live entry of this shard, in key order. */
  dump(now: number): Promise<EntryState[]> {
    return this.#core.dump(now)
  }

  /** Runtime API `clear table`: removes `key`, or every entry; returns how many live entries went. */
  clear(key?: string, now: number = Date.now()): Promise<number> {
    return this.#core.clear(key, now)
  }

  /** Runtime API `set table`: writes `data` on `key` (null when refused: nopurge, full). */
  setData(spec: ShardSpec, key: string, now: number, data: Readonly<Record<string, number>>): Promise<EntryState | null> {
    return this.#core.setData(spec, key, now, data)
  }

  /** Writes the home's dirty rows now (tests; the alarm does it at most every PERSIST_MS). */
  persist(): Promise<number> {
    return this.#core.persist()
  }

  override alarm(): Promise<void> {
    return this.#core.alarm()
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
