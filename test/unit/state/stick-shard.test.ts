import { describe, expect, it } from 'vitest'
import { readFreqCtr } from '../../../src/state/freq-ctr.ts'
import { fnv1a32, memoryShardStorage, type ShardSpec, shardCapacity, shardCount, shardName, shardOf, StickShard } from '../../../src/state/stick-shard.ts'

const RATE: ShardSpec = { name: 'fe', size: 200 * 1024, expireMs: 30_000, nopurge: false, store: [{ type: 'http_req_rate', periodMs: 10_000 }, { type: 'http_req_cnt' }, { type: 'gpc0' }] }
const T0 = 1_795_609_869_760

describe('StickShard (the StickTable Durable Object logic)', () => {
  it('counts requests and gpc0; the rate is HAProxy freq_ctr state the caller reads at its own clock', () => {
    const s = new StickShard(memoryShardStorage())
    let e = s.track(RATE, '10.0.0.1', T0, [{ op: 'request' }])
    for (let i = 1; i < 10; i++) e = s.track(RATE, '10.0.0.1', T0 + i, [{ op: 'request' }])
    e = s.track(RATE, '10.0.0.1', T0 + 10, [{ op: 'inc', data: 'gpc0' }])
    expect(e?.counters).toEqual({ http_req_cnt: 10, gpc0: 1 })
    const f = e?.rates.http_req_rate
    if (!f) throw new Error('no rate')
    // reference §7.3: 10 events at t≈0 read 10 until t=10 s, then floor(10 × (20 − t)/10).
    expect(readFreqCtr(f, 10_000, T0 + 9_000)).toBe(10)
    expect(readFreqCtr(f, 10_000, T0 + 11_100)).toBe(8)
    expect(readFreqCtr(f, 10_000, T0 + 19_100)).toBe(0)
  })

  it('rates decay per freq_ctr across periods (rotation in the shard)', () => {
    const s = new StickShard(memoryShardStorage())
    for (let i = 0; i < 4; i++) s.track(RATE, 'k', T0, [{ op: 'request' }])
    const e = s.track(RATE, 'k', T0 + 12_500, [{ op: 'request' }, { op: 'request' }])
    const f = e?.rates.http_req_rate
    if (!f) throw new Error('no rate')
    expect(f).toEqual({ currTick: T0 + 10_000, currCtr: 2, prevCtr: 4 })
    // past 4 × remain 7500/10000 + 2 = 5
    expect(readFreqCtr(f, 10_000, T0 + 12_500)).toBe(5)
  })

  it('entries expire `expire` after the last touch: lazily on access and by purge() (the alarm)', () => {
    const st = memoryShardStorage()
    const s = new StickShard(st)
    s.track(RATE, 'a', T0, [{ op: 'request' }])
    s.track(RATE, 'b', T0 + 10_000, [{ op: 'request' }])
    expect(s.lookup('a', T0 + 29_999)?.counters.http_req_cnt).toBe(1)
    expect(s.lookup('a', T0 + 30_000)).toBeNull()
    expect(st.rows.has('a')).toBe(false)
    expect(s.purge(T0 + 39_000)).toEqual({ purged: 0, next: T0 + 40_000 })
    expect(s.purge(T0 + 40_000)).toEqual({ purged: 1 })
    // A refresh (track) restarts the count from zero after expiry.
    expect(s.track(RATE, 'a', T0 + 50_000, [{ op: 'request' }])?.counters.http_req_cnt).toBe(1)
  })

  it('lookup does not create or refresh', () => {
    const s = new StickShard(memoryShardStorage())
    expect(s.lookup('x', T0)).toBeNull()
    s.track(RATE, 'x', T0, [])
    s.lookup('x', T0 + 20_000)
    expect(s.lookup('x', T0 + 30_000)).toBeNull()
  })

  it('holds size / shards entries and evicts the least recently used', () => {
    const small: ShardSpec = { ...RATE, size: 3 }
    const s = new StickShard(memoryShardStorage())
    s.track(small, 'a', T0, [{ op: 'request' }])
    s.track(small, 'b', T0 + 1, [{ op: 'request' }])
    s.track(small, 'c', T0 + 2, [{ op: 'request' }])
    s.track(small, 'a', T0 + 3, [{ op: 'request' }]) // a is now the most recent
    s.track(small, 'd', T0 + 4, [{ op: 'request' }]) // evicts b
    expect(['a', 'b', 'c', 'd'].map((k) => s.lookup(k, T0 + 5)?.counters.http_req_cnt ?? null)).toEqual([2, null, 1, 1])
  })

  it('an expired entry is purged before evicting a live one; nopurge refuses new keys when full', () => {
    const s = new StickShard(memoryShardStorage())
    const spec: ShardSpec = { ...RATE, size: 2, expireMs: 1_000 }
    s.track(spec, 'old', T0, [])
    s.track(spec, 'live', T0 + 900, [])
    s.track(spec, 'new', T0 + 1_500, [])
    expect(s.lookup('live', T0 + 1_500)).not.toBeNull()
    const np = new StickShard(memoryShardStorage())
    const nopurge: ShardSpec = { ...RATE, size: 1, nopurge: true }
    expect(np.track(nopurge, 'a', T0, [{ op: 'request' }])).not.toBeNull()
    expect(np.track(nopurge, 'b', T0, [{ op: 'request' }])).toBeNull()
    expect(np.track(nopurge, 'a', T0, [{ op: 'request' }])?.counters.http_req_cnt).toBe(2)
  })

  it('keeps entries with persistent data in storage, written by persist(): a new instance continues them', () => {
    const st = memoryShardStorage()
    const s = new StickShard(st)
    s.track(RATE, 'k', T0, [{ op: 'request' }, { op: 'inc', data: 'gpc0' }])
    s.track(RATE, 'plain', T0, [{ op: 'request' }])
    // Nothing is written per op.
    expect(st.rows.size).toBe(0)
    expect(s.dirty).toBe(true)
    expect(s.persist(T0 + 1)).toBe(1)
    expect(s.dirty).toBe(false)
    expect([...st.rows.keys()]).toEqual(['k'])
    const again = new StickShard(st)
    expect(again.track(RATE, 'k', T0 + 5, [{ op: 'request' }])?.counters).toEqual({ http_req_cnt: 2, gpc0: 1 })
    // The entry without persistent data restarts from zero (an HAProxy reload without peers).
    expect(again.track(RATE, 'plain', T0 + 5, [{ op: 'request' }])?.counters).toEqual({ http_req_cnt: 1 })
    // One row per dirty entry per persist, however many ops; gone entries lose their row.
    for (let i = 0; i < 50; i++) again.track(RATE, 'k', T0 + 10 + i, [{ op: 'inc', data: 'gpc0' }])
    expect(again.persist(T0 + 100)).toBe(1)
    expect(st.rows.get('k')?.state.counters.gpc0).toBe(51)
    expect(again.persist(T0 + 100)).toBe(0)
    expect(again.persist(T0 + 60 + 30_000)).toBe(1)
    expect(st.rows.size).toBe(0)
  })

  it('update() applies a fast-mode batch item by item and answers each key', () => {
    const s = new StickShard(memoryShardStorage())
    const r = s.update(RATE, [
      { key: 'a', at: T0, ops: [{ op: 'request', n: 5 }] },
      {
        key: 'b',
        at: T0 + 1,
        ops: [
          { op: 'request', n: 2 },
          { op: 'inc', data: 'gpc0', n: 3 },
        ],
      },
      { key: 'a', at: T0 + 2, ops: [{ op: 'request', n: 1 }] },
    ])
    expect(r.map((e) => e?.counters)).toEqual([{ http_req_cnt: 5 }, { http_req_cnt: 2, gpc0: 3 }, { http_req_cnt: 6 }])
  })

  it('shards: 1 per 50k entries, 1..16; keys spread by FNV-1a; objects named table:shard', () => {
    expect([1, 50_000, 50_001, 200 * 1024, 10_000_000].map(shardCount)).toEqual([1, 1, 2, 5, 16])
    expect(shardCapacity({ size: 200 * 1024 })).toBe(40_960)
    expect(fnv1a32('')).toBe(0x811c9dc5)
    expect(fnv1a32('a')).toBe(0xe40c292c)
    const counts = new Array<number>(5).fill(0)
    for (let i = 0; i < 5000; i++) {
      const sh = shardOf({ size: 200 * 1024 }, `10.${(i >> 8) & 255}.${i & 255}.1`)
      counts[sh] = (counts[sh] ?? 0) + 1
    }
    for (const c of counts) expect(c).toBeGreaterThan(700)
    expect(shardOf({ size: 100 }, 'anything')).toBe(0)
    expect(shardName('fe_main', 3)).toBe('fe_main:3')
  })
})
