/**
 * The ShardStorage contract (src/state/stick-shard.ts), run on every implementation: the Map of
 * unit tests (memoryShardStorage, shard-storage.test.ts) and the StickTable object's SQLite
 * (sqlShardStorage, shard-storage.workers.test.ts). Rows come back as they were put (counters,
 * freq_ctr state, expiry, last touch); a put replaces the row of its key; `count` follows every
 * change; `evictOldest` removes the least recently touched rows, ties in the order they were put;
 * `purgeExpired` and `nextExpiry` see `expiresAt`; `all` lists the rows least recently touched
 * first (the order a StickShard rebuilds its LRU from). A StickShard over each storage gives the
 * same answers as over the reference Map for the same sequence of calls, persisting and being
 * constructed again on both sides at the same points (the rows carry what survives).
 */
import { describe, expect, it } from 'vitest'
import type { StickOp } from '../../src/state/memory-stick.ts'
import { memoryShardStorage, type ShardRow, type ShardSpec, type ShardStorage, StickShard } from '../../src/state/stick-shard.ts'
import { prng } from './balancer.suite.ts'

/**
 * Runs `test` on a fresh, empty storage. `reopen` gives another storage over the same data, as
 * a Durable Object constructed again after eviction would (undefined when the implementation
 * keeps nothing beyond the object).
 */
export type ShardStorageRunner = (test: (storage: ShardStorage, reopen?: () => ShardStorage) => void) => Promise<void>

const T0 = 1_795_609_869_760
/** memory-stick.ts NO_EXPIRY: an entry of a table without `expire`. */
const NO_EXPIRY = Number.MAX_SAFE_INTEGER / 2

function row(key: string, touched: number, expiresAt: number, counters: Record<string, number> = {}): ShardRow {
  return { state: { key, expiresAt, counters, rates: {} }, touched }
}

export function shardStorageConformance(name: string, run: ShardStorageRunner): void {
  describe(`ShardStorage conformance: ${name}`, () => {
    it('gives rows back as they were put: counters, freq_ctr state, expiry, last touch', () =>
      run((s) => {
        expect(s.get('k')).toBeUndefined()
        expect(s.count()).toBe(0)
        expect(s.nextExpiry()).toBeUndefined()
        const r: ShardRow = {
          state: {
            key: 'k',
            expiresAt: T0 + 30_000,
            counters: { http_req_cnt: 12, gpc0: 0, server_id: 3, bytes_out_cnt: 2 ** 40 },
            rates: { http_req_rate: { currTick: T0 - 1_000, currCtr: 7, prevCtr: 4 } },
          },
          touched: T0,
        }
        s.put(r)
        expect(s.get('k')).toEqual(r)
        // Keys are text, any text: an IPv6 address, quotes, non-ASCII.
        for (const key of ['2001:db8::1', 'it\'s "quoted"', 'clé-ü-☃', '']) {
          s.put(row(key, T0, NO_EXPIRY, { gpc0: 1 }))
          expect(s.get(key)).toEqual(row(key, T0, NO_EXPIRY, { gpc0: 1 }))
        }
        expect(s.count()).toBe(5)
      }))

    it('a put replaces the row of its key; delete removes it; count follows', () =>
      run((s) => {
        s.put(row('a', T0, T0 + 10, { n: 1 }))
        s.put(row('b', T0, T0 + 10))
        s.put(row('a', T0 + 5, T0 + 20, { n: 2 }))
        expect(s.count()).toBe(2)
        expect(s.get('a')).toEqual(row('a', T0 + 5, T0 + 20, { n: 2 }))
        s.delete('a')
        s.delete('a')
        s.delete('missing')
        expect(s.count()).toBe(1)
        expect(s.get('a')).toBeUndefined()
        expect(s.get('b')).toEqual(row('b', T0, T0 + 10))
      }))

    it('evictOldest removes the least recently touched rows, ties in the order they were put', () =>
      run((s) => {
        s.put(row('a', T0 + 1, NO_EXPIRY))
        s.put(row('b', T0, NO_EXPIRY))
        s.put(row('c', T0 + 1, NO_EXPIRY))
        s.put(row('d', T0 + 2, NO_EXPIRY))
        s.put(row('e', T0 + 1, NO_EXPIRY))
        // Put again with the same touch time: it goes behind the others of that time.
        s.put(row('a', T0 + 1, NO_EXPIRY))
        s.evictOldest(1)
        expect(s.get('b')).toBeUndefined()
        s.evictOldest(2)
        expect(['a', 'c', 'd', 'e'].filter((k) => s.get(k) !== undefined)).toEqual(['a', 'd'])
        expect(s.count()).toBe(2)
        s.evictOldest(5)
        expect(s.count()).toBe(0)
        s.evictOldest(1)
        expect(s.count()).toBe(0)
      }))

    it('all lists every row, least recently touched first, ties in the order they were put', () =>
      run((s) => {
        expect(s.all()).toEqual([])
        s.put(row('a', T0 + 1, NO_EXPIRY))
        s.put(row('b', T0, NO_EXPIRY, { gpc0: 2 }))
        s.put(row('c', T0 + 1, NO_EXPIRY))
        s.put(row('a', T0 + 1, NO_EXPIRY, { gpc0: 1 }))
        expect(s.all()).toEqual([row('b', T0, NO_EXPIRY, { gpc0: 2 }), row('c', T0 + 1, NO_EXPIRY), row('a', T0 + 1, NO_EXPIRY, { gpc0: 1 })])
      }))

    it('purgeExpired removes rows expiring at or before now; nextExpiry is the earliest left', () =>
      run((s) => {
        s.put(row('a', T0, T0 + 100))
        s.put(row('b', T0, T0 + 200))
        s.put(row('c', T0, T0 + 300))
        s.put(row('forever', T0, NO_EXPIRY))
        expect(s.nextExpiry()).toBe(T0 + 100)
        expect(s.purgeExpired(T0 + 99)).toBe(0)
        expect(s.purgeExpired(T0 + 200)).toBe(2)
        expect(s.count()).toBe(2)
        expect(s.nextExpiry()).toBe(T0 + 300)
        expect(s.purgeExpired(T0 + 1_000)).toBe(1)
        expect(s.nextExpiry()).toBe(NO_EXPIRY)
        s.delete('forever')
        expect(s.nextExpiry()).toBeUndefined()
        expect(s.count()).toBe(0)
      }))

    it('a StickShard over it answers as over the reference Map, for 2,000 random calls', () =>
      run((s, reopen) => {
        const spec: ShardSpec = {
          name: 't',
          size: 8,
          expireMs: 5_000,
          nopurge: false,
          store: [{ type: 'http_req_cnt' }, { type: 'http_req_rate', periodMs: 1_000 }, { type: 'conn_cur' }, { type: 'gpc0' }, { type: 'gpt0' }],
        }
        const nopurge: ShardSpec = { ...spec, name: 'np', nopurge: true }
        let shard = new StickShard(s)
        const refStore = memoryShardStorage()
        let ref = new StickShard(refStore)
        const r = prng(2024)
        const choices: readonly StickOp[][] = [[{ op: 'request' }], [{ op: 'request' }], [{ op: 'inc', data: 'gpc0' }], [{ op: 'set', data: 'gpt0', value: 9 }], [{ op: 'end' }], []]
        let now = T0
        for (let i = 0; i < 2_000; i++) {
          now += r() % 400
          const key = `k${r() % 14}`
          const what = r() % 10
          const sp = i < 1_000 ? spec : nopurge
          if (what < 6) {
            const ops = choices[r() % choices.length] as StickOp[]
            expect(shard.track(sp, key, now, ops), `call ${i}: track ${key}`).toEqual(ref.track(sp, key, now, ops))
          } else if (what < 8) expect(shard.lookup(key, now), `call ${i}: lookup ${key}`).toEqual(ref.lookup(key, now))
          else if (what < 9) expect(shard.update(sp, [{ key, at: now, ops: [{ op: 'request', n: 2 }] }])).toEqual(ref.update(sp, [{ key, at: now, ops: [{ op: 'request', n: 2 }] }]))
          else expect(shard.purge(now), `call ${i}: purge`).toEqual(ref.purge(now))
          if (i % 100 === 99) expect(shard.persist(now), `call ${i}: persist`).toBe(ref.persist(now))
          if (reopen && i % 250 === 249) {
            shard = new StickShard(reopen())
            ref = new StickShard(refStore)
          }
        }
      }))

    it('keeps its rows when opened again (the object constructed anew)', () =>
      run((s, reopen) => {
        if (!reopen) return
        s.put(row('a', T0, T0 + 100, { gpc0: 4 }))
        s.put(row('b', T0 + 1, T0 + 200))
        const again = reopen()
        expect(again.count()).toBe(2)
        expect(again.get('a')).toEqual(row('a', T0, T0 + 100, { gpc0: 4 }))
        again.evictOldest(1)
        expect(again.count()).toBe(1)
        expect(again.get('b')).toEqual(row('b', T0 + 1, T0 + 200))
      }))
  })
}
