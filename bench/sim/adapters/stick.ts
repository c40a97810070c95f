/**
 * @module
 * The STICK binding's objects in the simulation: what durable-objects/stick-table.ts does — a
 * home shard (`${table}:${shard}`) or a replica (`${table}:${shard}@${location}`), both run by the
 * runtime-free StickObject (src/state/stick-object.ts) — over an in-memory ShardStorage whose
 * rows are counted as the SQLite one's (a put is DELETE + INSERT: 2 rows written; a get: 1 row
 * read), the object's alarm on the virtual clock, and the home shard reached from the replica's
 * site through the platform.
 */
import type { SourceName } from '../../../src/cost/model.ts'
import type { EntryState } from '../../../src/state/memory-stick.ts'
import { type BatchItem, memoryShardStorage, type ShardSpec, type ShardStorage } from '../../../src/state/stick-shard.ts'
import { StickObject } from '../../../src/state/stick-object.ts'
import { FLUSH_LONG_MS, flushInterval } from '../../../src/state/stick-replica.ts'
import { type BindingSpec, type ObjectCore, objectAlarm, type Platform, type RowMeter } from '../bindings.ts'

/** memoryShardStorage with SQLite's row counts. */
function countedStorage(rows: RowMeter): ShardStorage {
  const s = memoryShardStorage()
  return {
    ...s,
    get: (k) => {
      rows.read()
      return s.get(k)
    },
    put: (r) => {
      rows.write(2)
      s.put(r)
    },
    // SQLite bills the rows a statement changed: deleting a key without a row costs nothing.
    delete: (k) => {
      if (s.rows.has(k)) rows.write()
      s.delete(k)
    },
    evictOldest: (n) => {
      rows.write(Math.min(n, s.count()))
      s.evictOldest(n)
    },
    purgeExpired: (now) => {
      const n = s.purgeExpired(now)
      rows.write(n)
      return n
    },
  }
}

export interface StickOptions {
  /** Isolates of a location (the replica's flush interval depends on how many are active). */
  readonly isolatesAt: (location: string) => number
}

export function stickBinding(platform: Platform, o: StickOptions): BindingSpec {
  /** Each isolate's last flush to each replica (`isolate|home`). */
  const lastFlush = new Map<string, number>()
  return {
    binding: 'STICK',
    create: (name: string, site: string, rows: RowMeter): ObjectCore => {
      const ns = platform.namespace('STICK', site)
      const core: StickObject = new StickObject({
        storage: () => countedStorage(rows),
        home: (n) => ns.getByName(n) as { update(spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]> },
        now: () => Date.now(),
        ...(() => {
          const a = objectAlarm(platform, 'STICK', name, rows, () => core.alarm())
          return { getAlarm: a.get, setAlarm: a.set }
        })(),
        waitUntil: (p) => void p.catch(() => {}),
      })
      return {
        methods: {
          track: (spec: never, key: string, now: number, ops: never) => core.track(spec, key, now, ops),
          lookup: (key: string, now: number) => core.lookup(key, now),
          update: (spec: never, items: never) => core.update(spec, items),
          flush: (spec: never, home: string, isolate: string, items: never, refresh: never) => core.flush(spec, home, isolate, items, refresh),
          size: (now: number) => core.size(now),
          dump: (now: number) => core.dump(now),
          clear: (key: string | undefined, now: number) => core.clear(key, now),
          setData: (spec: never, key: string, now: number, data: never) => core.setData(spec, key, now, data),
          persist: () => core.persist(),
        },
      }
    },
    source: (): SourceName => 'stick',
    /**
     * A sampled request stands for `w` requests: an exact-mode call, made per request, stands for
     * `w` calls. A fast-mode flush is made per shard's replica and flush interval by an isolate
     * with traffic (every isolate has: each stands for its share of its location's requests), so
     * a flush stands for the intervals since the isolate's previous flush to that replica — what
     * the real isolate would have sent meanwhile. Replica → home syncs run per replica: one by one.
     */
    since: (method, args) => (method === 'flush' ? lastFlush.get(`${String(args[2])}|${String(args[1])}`) : undefined),
    weight: (method, args, w, caller) => {
      if (method === 'track' || method === 'lookup') return w
      if (method !== 'flush') return 1
      const k = o.isolatesAt(caller)
      const interval = k < 2 ? FLUSH_LONG_MS : flushInterval(k)
      const key = `${String(args[2])}|${String(args[1])}`
      const now = Date.now()
      const prev = lastFlush.get(key) ?? now - interval
      lastFlush.set(key, now)
      return Math.max(1, (now - prev) / interval)
    },
  }
}
