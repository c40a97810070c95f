/**
 * StickObject (the StickTable Durable Object's logic) over a fake host: a replica syncs with the
 * flush that finds a sync due and arms the alarm otherwise; a home shard writes its dirty rows
 * from the alarm, at most every PERSIST_MS.
 */
import { describe, expect, it } from 'vitest'
import type { EntryState } from '../../../src/state/memory-stick.ts'
import { StickObject } from '../../../src/state/stick-object.ts'
import { HOME_SYNC_MS } from '../../../src/state/stick-replica.ts'
import { type BatchItem, memoryShardStorage, PERSIST_MS, type ShardSpec } from '../../../src/state/stick-shard.ts'

const SPEC: ShardSpec = { name: 'fe', size: 1000, expireMs: 30_000, nopurge: false, store: [{ type: 'http_req_cnt' }, { type: 'gpc0' }] }
const T0 = 1_795_609_869_760

function host(clock: { now: number }, homes: Map<string, StickObject>) {
  const rows = memoryShardStorage()
  const state = { alarm: null as number | null, alarmsSet: 0, background: [] as Promise<unknown>[] }
  const h = {
    rows,
    state,
    host: {
      storage: () => rows,
      home: (name: string) => ({ update: (spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]> => (homes.get(name) as StickObject).update(spec, items) }),
      now: () => clock.now,
      getAlarm: async () => state.alarm,
      setAlarm: async (at: number) => {
        state.alarm = at
        state.alarmsSet++
      },
      waitUntil: (p: Promise<unknown>) => {
        state.background.push(p)
      },
    },
  }
  return h
}

describe('StickObject', () => {
  it('a replica syncs with the flush that finds a sync due; otherwise its alarm does', async () => {
    const clock = { now: T0 }
    const homes = new Map<string, StickObject>()
    const h = host(clock, homes)
    homes.set('fe:0', new StickObject(host(clock, homes).host))
    const replica = new StickObject(h.host)
    const req = (at: number, n = 1): BatchItem[] => [{ key: 'k', at, ops: [{ op: 'request', n }] }]
    await replica.flush(SPEC, 'fe:0', 'i1', req(T0, 2))
    await Promise.all(h.state.background)
    expect((await homes.get('fe:0')?.lookup('k', T0))?.counters.http_req_cnt).toBe(2)
    expect(h.state.alarmsSet).toBe(0)
    clock.now += 100
    await replica.flush(SPEC, 'fe:0', 'i2', req(clock.now))
    expect(h.state.alarm).toBe(T0 + HOME_SYNC_MS)
    clock.now = T0 + HOME_SYNC_MS
    h.state.alarm = null // it fires
    await replica.alarm()
    expect((await homes.get('fe:0')?.lookup('k', clock.now))?.counters.http_req_cnt).toBe(3)
    // Nothing queued: no alarm armed again; no row anywhere.
    expect(h.state.alarmsSet).toBe(1)
    expect(h.rows.rows.size).toBe(0)
  })

  it('a home shard writes rows for entries with persistent data only, from its alarm, at most every PERSIST_MS', async () => {
    const clock = { now: T0 }
    const h = host(clock, new Map())
    const home = new StickObject(h.host)
    await home.track(SPEC, 'plain', T0, [{ op: 'request' }])
    expect(h.state.alarm).toBeNull()
    await home.track(SPEC, 'k', T0, [{ op: 'inc', data: 'gpc0' }])
    expect(h.state.alarm).toBe(T0)
    h.state.alarm = null
    await home.alarm()
    expect([...h.rows.rows.keys()]).toEqual(['k'])
    for (let i = 1; i <= 20; i++) await home.track(SPEC, 'k', T0 + i, [{ op: 'inc', data: 'gpc0' }])
    expect(h.state.alarm).toBe(T0 + PERSIST_MS)
    clock.now = T0 + PERSIST_MS
    h.state.alarm = null
    await home.alarm()
    expect(h.rows.rows.get('k')?.state.counters.gpc0).toBe(21)
    expect(h.state.alarmsSet).toBe(2)
  })
})
