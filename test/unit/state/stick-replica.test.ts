/**
 * StickReplica (a location's replica of one shard) and the DeltaQueue runs it shares with the
 * isolates: flush answers, the adaptive flush interval, which keys are shared, the home sync
 * cadence and its failure, and runs that keep one writer's rates exact.
 */
import { describe, expect, it } from 'vitest'
import { readFreqCtr } from '../../../src/state/freq-ctr.ts'
import { applyOps, type StickEntry } from '../../../src/state/memory-stick.ts'
import { DeltaQueue, entrySig } from '../../../src/state/stick-delta.ts'
import { ACTIVE_WINDOW_MS, FLUSH_LONG_MS, FLUSH_SHORT_MS, flushInterval, HOME_SYNC_MS, REPLICA_BUDGET_RPS, StickReplica } from '../../../src/state/stick-replica.ts'
import { type BatchItem, memoryShardStorage, type ShardSpec, StickShard } from '../../../src/state/stick-shard.ts'

const SPEC: ShardSpec = { name: 'fe', size: 1000, expireMs: 30_000, nopurge: false, store: [{ type: 'http_req_rate', periodMs: 10_000 }, { type: 'http_req_cnt' }, { type: 'gpc0' }] }
const T0 = 1_795_609_869_760
const req = (key: string, at: number, n = 1): BatchItem => ({ key, at, ops: [{ op: 'request', n }] })

describe('StickReplica', () => {
  it('answers the merged entries of the keys sent; alone: FLUSH_LONG_MS, with others: FLUSH_SHORT_MS', () => {
    const r = new StickReplica()
    const a = r.flush(SPEC, 'a', [req('k', T0, 3)], T0)
    expect(a.states[0]?.counters.http_req_cnt).toBe(3)
    expect(a.nextFlushMs).toBe(FLUSH_LONG_MS)
    const b = r.flush(SPEC, 'b', [req('k', T0 + 10, 2)], T0 + 10)
    expect(b.states[0]?.counters.http_req_cnt).toBe(5)
    expect(b.nextFlushMs).toBe(FLUSH_SHORT_MS)
    // Isolate a is forgotten ACTIVE_WINDOW_MS after its last flush.
    expect(r.flush(SPEC, 'b', [], T0 + 10 + ACTIVE_WINDOW_MS + 1).nextFlushMs).toBe(FLUSH_LONG_MS)
    expect(r.lookup('k', T0 + 20)?.counters.http_req_cnt).toBe(5)
  })

  it('the interval stretches so that the replica takes at most REPLICA_BUDGET_RPS flushes/s', () => {
    expect(flushInterval(1)).toBe(FLUSH_LONG_MS)
    expect(flushInterval(2)).toBe(FLUSH_SHORT_MS)
    const many = 4 * REPLICA_BUDGET_RPS * (FLUSH_SHORT_MS / 1000)
    expect(many * (1000 / flushInterval(many))).toBeLessThanOrEqual(REPLICA_BUDGET_RPS)
    expect(flushInterval(100_000)).toBe(FLUSH_LONG_MS)
  })

  it('says which keys other isolates write too (those the isolate keeps refreshing)', () => {
    const r = new StickReplica()
    expect(r.flush(SPEC, 'a', [req('mine', T0), req('both', T0)], T0).shared).toEqual([])
    expect(r.flush(SPEC, 'b', [req('both', T0 + 5)], T0 + 5).shared).toEqual(['both'])
    const back = r.flush(SPEC, 'a', [], T0 + 50, ['both', 'mine', 'unknown'])
    expect(back.shared).toEqual(['both'])
    expect(back.refreshed.map((s) => s?.counters.http_req_cnt ?? null)).toEqual([2, 1, null])
  })

  it('syncs with the home at most every HOME_SYNC_MS when it has writes; the home merges every location', () => {
    const home = new StickShard(memoryShardStorage())
    const ams = new StickReplica()
    const fra = new StickReplica()
    expect(ams.schedule(T0)).toEqual({})
    ams.flush(SPEC, 'a', [req('k', T0, 4)], T0)
    fra.flush(SPEC, 'f', [req('k', T0, 6)], T0)
    const sync = (r: StickReplica, now: number): void => {
      const next = r.schedule(now)
      if (!next.sync) throw new Error(`no sync due at ${now - T0}: ${JSON.stringify(next)}`)
      r.applyHome(next.sync.items, home.update(next.sync.spec, next.sync.items), now)
    }
    sync(ams, T0) // the first sync is due at once
    sync(fra, T0)
    expect(home.lookup('k', T0)?.counters.http_req_cnt).toBe(10)
    // fra took the home's merged entry back (ams's 4 with its 6); ams will at its next sync.
    expect(fra.lookup('k', T0)?.counters.http_req_cnt).toBe(10)
    ams.flush(SPEC, 'a', [req('k', T0 + 100)], T0 + 100)
    expect(ams.schedule(T0 + 100)).toEqual({ alarmAt: T0 + HOME_SYNC_MS })
    ams.flush(SPEC, 'a', [req('k', T0 + 200)], T0 + 200)
    sync(ams, T0 + HOME_SYNC_MS)
    expect(ams.lookup('k', T0 + HOME_SYNC_MS)?.counters.http_req_cnt).toBe(12)
    expect(home.lookup('k', T0 + HOME_SYNC_MS)?.counters.http_req_cnt).toBe(12)
  })

  it('writes queued while a sync is in flight are re-applied on the home answer; a failed sync is sent again', () => {
    const home = new StickShard(memoryShardStorage())
    const r = new StickReplica()
    r.flush(SPEC, 'a', [req('k', T0, 2)], T0)
    const first = r.schedule(T0).sync
    if (!first) throw new Error('no sync')
    expect(r.schedule(T0)).toEqual({}) // one sync in flight at a time
    r.flush(SPEC, 'a', [req('k', T0 + 10, 3)], T0 + 10)
    r.homeFailed(first.items)
    const again = r.schedule(T0 + HOME_SYNC_MS).sync
    if (!again) throw new Error('no sync')
    expect(again.items.reduce((n, it) => n + ((it.ops[0] as { n: number }).n ?? 0), 0)).toBe(5)
    r.flush(SPEC, 'a', [req('k', T0 + HOME_SYNC_MS + 1, 1)], T0 + HOME_SYNC_MS + 1)
    r.applyHome(again.items, home.update(again.spec, again.items), T0 + HOME_SYNC_MS + 2)
    expect(home.lookup('k', T0 + HOME_SYNC_MS + 2)?.counters.http_req_cnt).toBe(5)
    expect(r.lookup('k', T0 + HOME_SYNC_MS + 2)?.counters.http_req_cnt).toBe(6)
  })
})

describe('DeltaQueue runs', () => {
  it('coalesce writes within one freq_ctr period; a receiver with the same copy gets the sender’s rates exactly', () => {
    const sender: StickEntry = { key: 'k', expiresAt: 0, counters: new Map(), rates: new Map() }
    const q = new DeltaQueue()
    // 30 requests, one every 700 ms: they cross two period boundaries (10 s).
    for (let i = 0; i < 30; i++) {
      const at = T0 + i * 700
      applyOps(SPEC, sender, [{ op: 'request' }], at)
      q.add('k', [{ op: 'request' }], entrySig(sender), at)
    }
    const items = q.take()
    expect(items.length).toBe(3)
    expect(q.keys).toBe(0)
    const receiver = new StickShard(memoryShardStorage())
    const states = receiver.update(SPEC, items)
    const got = states.at(-1)
    const rate = got?.rates.http_req_rate
    const mine = sender.rates.get('http_req_rate')
    if (!rate || !mine) throw new Error('no rate')
    expect(rate).toEqual(mine)
    expect(readFreqCtr(rate, 10_000, T0 + 21_000)).toBe(readFreqCtr(mine, 10_000, T0 + 21_000))
    // Expiry from the last write, not the first of its run.
    expect(got?.expiresAt).toBe(T0 + 29 * 700 + 30_000)
  })
})
