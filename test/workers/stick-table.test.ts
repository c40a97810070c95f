/**
 * The StickTable Durable Object in workerd: entries in memory, SQLite rows only for entries
 * carrying persistent data (written by the alarm), RPC, LRU eviction at size / shards, state
 * across eviction, replicas syncing with their home shard from their alarm, and the engine going
 * through it (remoteStickStore over the STICK namespace): one RPC per tracked request in exact
 * mode, none on the request path in fast mode.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { durableStickStore } from '../../durable-objects/stick-table.ts'
import { compileConfig } from '../../src/config/compile.ts'
import { createEngine } from '../../src/engine/index.ts'
import { readFreqCtr } from '../../src/state/freq-ctr.ts'
import { HOME_SYNC_MS } from '../../src/state/stick-replica.ts'
import { PERSIST_MS, type ShardSpec, shardName, shardOf } from '../../src/state/stick-shard.ts'

const SPEC: ShardSpec = { name: 'rl', size: 1000, expireMs: 30_000, nopurge: false, store: [{ type: 'http_req_rate', periodMs: 10_000 }, { type: 'http_req_cnt' }, { type: 'gpc0' }] }

describe('StickTable (workerd)', () => {
  it('counts per key in memory, no row per op; rates are freq_ctr state', async () => {
    const stub = env.STICK.getByName('rl:0')
    const t0 = Date.now()
    let last = await stub.track(SPEC, '10.0.0.1', t0, [{ op: 'request' }])
    for (let i = 1; i < 10; i++) last = await stub.track(SPEC, '10.0.0.1', t0 + i, [{ op: 'request' }])
    expect(last?.counters.http_req_cnt).toBe(10)
    const f = last?.rates.http_req_rate
    if (!f) throw new Error('no rate')
    expect(readFreqCtr(f, 10_000, t0 + 500)).toBe(10)
    expect(readFreqCtr(f, 10_000, t0 + 11_100)).toBe(8)
    expect((await stub.lookup('10.0.0.1', t0 + 20))?.counters.http_req_cnt).toBe(10)
    expect(await stub.lookup('10.0.0.2', t0 + 20)).toBeNull()
    await stub.persist()
    const rows = await runInDurableObject(stub, (_, state) => state.storage.sql.exec('SELECT key FROM entries').toArray())
    expect(rows).toEqual([])
  })

  it('keeps entries with persistent data across eviction of the object (one row each); the others restart', async () => {
    const stub = env.STICK.getByName('rl:evicted')
    const t0 = Date.now()
    await stub.track(SPEC, 'k', t0, [{ op: 'request' }, { op: 'inc', data: 'gpc0' }])
    await stub.track(SPEC, 'plain', t0, [{ op: 'request' }])
    expect(await stub.persist()).toBe(1)
    const rows = await runInDurableObject(stub, (_, state) => state.storage.sql.exec('SELECT key, expires FROM entries').toArray())
    expect(rows).toEqual([{ key: 'k', expires: t0 + 30_000 }])
    await evictDurableObject(stub)
    expect((await stub.track(SPEC, 'k', t0 + 1, [{ op: 'request' }]))?.counters).toEqual({ http_req_cnt: 2, gpc0: 1 })
    expect((await stub.track(SPEC, 'plain', t0 + 1, [{ op: 'request' }]))?.counters).toEqual({ http_req_cnt: 1 })
  })

  it('evicts the least recently used entry at size / shards', async () => {
    const stub = env.STICK.getByName('small:0')
    const small: ShardSpec = { ...SPEC, name: 'small', size: 3 }
    const t0 = Date.now()
    for (const [i, k] of ['a', 'b', 'c', 'a', 'd'].entries()) await stub.track(small, k, t0 + i, [{ op: 'request' }])
    expect(await stub.size(t0 + 10)).toBe(3)
    expect(await stub.lookup('b', t0 + 10)).toBeNull()
    expect((await stub.lookup('a', t0 + 10))?.counters.http_req_cnt).toBe(2)
    // A table of 120k entries has 3 shards of 40k each.
    const big: ShardSpec = { ...SPEC, name: 'big', size: 120_000 }
    expect(shardOf(big, 'x')).toBeLessThan(3)
  })

  it('the alarm writes the dirty rows, at most every PERSIST_MS', async () => {
    const stub = env.STICK.getByName('exp:0')
    const t0 = Date.now()
    await stub.track(SPEC, 'a', t0, [{ op: 'inc', data: 'gpc0' }])
    const armed = await runInDurableObject(stub, (_, state) => state.storage.getAlarm())
    expect(armed).not.toBeNull()
    await runDurableObjectAlarm(stub)
    const rows = () => runInDurableObject(stub, (_, state) => state.storage.sql.exec<{ key: string; data: string }>('SELECT key, data FROM entries').toArray())
    expect((await rows()).map((r) => r.key)).toEqual(['a'])
    await stub.track(SPEC, 'a', t0 + 1, [{ op: 'inc', data: 'gpc0' }])
    // The next write waits for PERSIST_MS after the last one.
    const next = await runInDurableObject(stub, (_, state) => state.storage.getAlarm())
    expect(next).toBeGreaterThanOrEqual(Date.now() + PERSIST_MS - 1_000)
    expect(JSON.parse((await rows())[0]?.data ?? '{}').counters.gpc0).toBe(1)
  })

  it('update() applies a fast-mode batch in one call', async () => {
    const stub = env.STICK.getByName('batch:0')
    const t0 = Date.now()
    const r = await stub.update({ ...SPEC, name: 'batch' }, [
      { key: 'a', at: t0, ops: [{ op: 'request', n: 3 }] },
      { key: 'b', at: t0, ops: [{ op: 'request', n: 1 }] },
    ])
    expect(r.map((e) => e?.counters.http_req_cnt)).toEqual([3, 1])
  })
})

describe('the engine over the STICK namespace', () => {
  const CFG = `
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe_rl
  bind :80
  stick-table type ip size 200k expire 30s store http_req_rate(10s) consistency exact
  http-request track-sc0 src if { path_beg /api }
  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 5 }
  default_backend be
backend be
  server s1 192.0.2.10:80
`
  it('exact mode: 429 at request 6 with two engines (isolates) sharing the objects; the shard holds the count', async () => {
    const r = compileConfig([{ name: 'rl.cfg', text: CFG }])
    if (!r.routeMap) throw new Error('compile failed')
    const f1 = durableStickStore(env.STICK)
    const f2 = durableStickStore(env.STICK)
    const e1 = createEngine(r.routeMap, { stick: f1 })
    const e2 = createEngine(r.routeMap, { stick: f2 })
    const req = (path: string, src: string) => ({ method: 'GET', url: `http://s.example${path}`, headers: [] as [string, string][], src })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const d = await (i % 2 ? e2 : e1).decide(req('/api', '203.0.113.9'))
      statuses.push(d.kind === 'respond' ? d.response.status : 200)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429])
    await e1.decide(req('/static', '203.0.113.9'))
    expect((f1.current()?.calls ?? 0) + (f2.current()?.calls ?? 0)).toBe(8)
    const name = shardName('fe_rl', shardOf({ size: 200 * 1024 }, '203.0.113.9'))
    expect((await env.STICK.getByName(name).lookup('203.0.113.9', Date.now()))?.rates.http_req_rate?.currCtr).toBe(8)
  })

  it('fast mode with a location: no call on the request path; the replica answers and syncs the home shard (with a flush when due, else by alarm)', async () => {
    const r = compileConfig([{ name: 'rl.cfg', text: CFG.replace(' consistency exact', '').replace('fe_rl', 'fe_fast') }])
    if (!r.routeMap) throw new Error('compile failed')
    const never = () => new Promise<void>(() => {})
    const f1 = durableStickStore(env.STICK, { location: 'TST', sleep: never })
    const f2 = durableStickStore(env.STICK, { location: 'TST', sleep: never })
    const e1 = createEngine(r.routeMap, { stick: f1 })
    const e2 = createEngine(r.routeMap, { stick: f2 })
    const req = { method: 'GET', url: 'http://s.example/api', headers: [] as [string, string][], src: '203.0.113.10' }
    for (let i = 0; i < 3; i++) await e1.decide(req)
    for (let i = 0; i < 3; i++) await e2.decide(req)
    expect((f1.current()?.calls ?? 0) + (f2.current()?.calls ?? 0)).toBe(0)
    await f1.current()?.flush()
    await f2.current()?.flush()
    // Isolate 2 flushed last: its view has all 6, so its 7th request is over the limit of 5.
    const d = await e2.decide(req)
    expect(d.kind === 'respond' && d.response.status).toBe(429)
    const home = shardName('fe_fast', shardOf({ size: 200 * 1024 }, '203.0.113.10'))
    const replica = env.STICK.getByName(`${home}@TST`)
    expect((await replica.lookup('203.0.113.10', Date.now()))?.rates.http_req_rate?.currCtr).toBe(6)
    // The first flush found a sync due (none yet): isolate 1's 3 requests went home with it.
    const homeCount = async () => (await env.STICK.getByName(home).lookup('203.0.113.10', Date.now()))?.rates.http_req_rate?.currCtr
    for (let i = 0; i < 50 && (await homeCount()) !== 3; i++) await new Promise((r) => setTimeout(r, 10))
    expect(await homeCount()).toBe(3)
    // The second flush came before HOME_SYNC_MS: the alarm is armed for the rest.
    const alarm = await runInDurableObject(replica, (_, state) => state.storage.getAlarm())
    expect(alarm).toBeGreaterThan(Date.now() + HOME_SYNC_MS - 1_000)
  })
})
