/**
 * @module
 * The STICK binding's objects in the simulation: what durable-objects/stick-table.ts does, over
 * the same core (StickShard, src/state/stick-shard.ts) with an in-memory ShardStorage whose rows
 * are counted as the SQLite one's (a put is DELETE + INSERT: 2 rows written; a get: 1 row read).
 * Alarms (expiry purges) are not run: entries are purged lazily, as on access.
 */
import type { SourceName } from '../../../src/cost/model.ts'
import { FAST_BATCH } from '../../../src/cost/model.ts'
import { memoryShardStorage, type ShardStorage, StickShard } from '../../../src/state/stick-shard.ts'
import type { BindingSpec, ObjectCore, RowMeter } from '../bindings.ts'

/** memoryShardStorage with SQLite's row counts. */
function countedStorage(rows: RowMeter): ShardStorage {
  const s = memoryShardStorage()
  return {
    get: (k) => {
      rows.read()
      return s.get(k)
    },
    put: (r) => {
      rows.write(2)
      s.put(r)
    },
    delete: (k) => {
      rows.write()
      s.delete(k)
    },
    count: () => s.count(),
    evictOldest: (n) => {
      rows.write(n)
      s.evictOldest(n)
    },
    purgeExpired: (now) => {
      const n = s.purgeExpired(now)
      rows.write(n)
      return n
    },
    nextExpiry: () => s.nextExpiry(),
  }
}

export function stickBinding(): BindingSpec {
  return {
    binding: 'STICK',
    create: (_name: string, _site: string, rows: RowMeter): ObjectCore => {
      const shard = new StickShard(countedStorage(rows))
      return {
        methods: {
          track: async (spec: never, key: string, now: number, ops: never) => shard.track(spec, key, now, ops),
          lookup: async (key: string, now: number) => shard.lookup(key, now),
          update: async (spec: never, items: never) => shard.update(spec, items),
        },
      }
    },
    source: (): SourceName => 'stick',
    /**
     * A sampled request stands for `w` requests. An exact-mode call is made per request: it
     * stands for `w` calls. A fast-mode batch of `n` items sampled from a stream `w` times
     * denser stands for the `w × n / FAST_BATCH` batches that stream would send (at least one).
     */
    weight: (method, args, w) => (method === 'update' ? Math.max(1, (w * ((args[1] as unknown[] | undefined)?.length ?? 1)) / FAST_BATCH) : w),
  }
}
