import { describe, expect, it } from 'vitest'
import { heapOf, heapUsed, ipKey, StickPlane } from '../../../bench/memory/plane.ts'
import { createEngine, type Engine } from '../../../src/engine/index.ts'
import { handle } from '../../../src/proxy/handler.ts'
import { entryBytes, ISOLATE_STATE_BUDGET_BYTES, OBJECT_BUDGET_BYTES, viewBudget } from '../../../src/state/budget.ts'
import { MemoryStickTable } from '../../../src/state/memory-stick.ts'
import { type RemoteStickFactory, remoteStickStore, type StickShardRpc } from '../../../src/state/remote-stick.ts'
import { HOME_SYNC_MS } from '../../../src/state/stick-replica.ts'
import { memoryShardStorage, StickShard } from '../../../src/state/stick-shard.ts'
import { routeMapOf as routeMap } from '../../helpers/cfg.ts'

/**
 * Memory under a key-spraying attack (issue 14, hole 6): distinct keys tracked through the
 * Worker's request path (handle + the Durable Object store, fast mode, one location) into the
 * StickTable objects' real core (bench/memory/plane.ts: RPC arguments and answers cloned). The
 * heap must stop growing once the table is full (`size`), and what src/state/budget.ts counts
 * must stay within the budgets; big keys are bounded in bytes. `npm run bench:memory` runs the
 * full figures (20,480 then 243,000 keys); here a table ten times smaller, the same ratio.
 */

const SIZE = 2048
const ATTACK = 24_300

const config = (table: string, track: string): string => `
defaults
  mode http
frontend fe
  bind :80
  stick-table ${table} expire 30s store http_req_rate(10s),gpc0
  http-request track-sc0 ${track}
  http-request return status 200
`

interface Rig {
  readonly engine: Engine
  readonly stick: RemoteStickFactory
  readonly plane: StickPlane
}

function rig(text: string, opts: { viewBytes?: number } = {}): Rig {
  const plane = new StickPlane()
  const stick = remoteStickStore({ shard: (n) => plane.getByName(n) as unknown as StickShardRpc, location: 'local', isolate: 'i1', ...opts })
  return { engine: createEngine(routeMap(text), { stick }), stick, plane }
}

async function send(r: Rig, ip: string, headers: Record<string, string> = {}): Promise<void> {
  const req = new Request('http://s.example/', { headers: { 'cf-connecting-ip': ip, ...headers } })
  const res = await handle(req, { engine: r.engine, upstream: async () => new Response(''), now: () => Date.now() })
  await res.arrayBuffer()
  expect(res.status).toBe(200)
}

async function settle(r: Rig): Promise<void> {
  await r.stick.current()?.flush()
  await r.stick.current()?.settled()
  await r.plane.settle()
}

/** Waits for the replica's next home sync (≤ HOME_SYNC_MS): the home holds the table, the replica's queue is empty. */
async function steady(r: Rig): Promise<void> {
  await settle(r)
  await new Promise((res) => setTimeout(res, HOME_SYNC_MS + 100))
  await settle(r)
}

describe('stick-table memory under distinct keys', () => {
  it(`stops growing once the table is full: ${ATTACK} keys cost about what ${SIZE} do`, async () => {
    const r = rig(config(`type ip size ${SIZE}`, 'src'))
    await send(r, '192.0.2.1')
    await settle(r)
    const base = heapUsed()
    let full = 0
    for (let i = 0; i < ATTACK; i++) {
      await send(r, ipKey(i))
      if (i % 1000 === 999) await settle(r)
      if (i === SIZE - 1) {
        await steady(r)
        full = heapUsed() - base
      }
    }
    await steady(r)
    const attacked = heapUsed() - base
    // Three copies of 2,048 entries (the isolate's view, the replica, the home shard): ≥ 1 MB.
    expect(full).toBeGreaterThan(1024 * 1024)
    expect(attacked / full).toBeLessThan(1.5)
    const u = r.stick.current()?.usage()
    expect(u?.entries).toBe(SIZE)
    expect(u?.bytes).toBeLessThanOrEqual(ISOLATE_STATE_BUDGET_BYTES)
    expect(u?.queuedKeys).toBe(0)
    for (const [name, o] of r.plane.objects) {
      const use = o.usage()
      expect(use.entries, name).toBeLessThanOrEqual(SIZE)
      expect(use.bytes, name).toBeLessThanOrEqual(OBJECT_BUDGET_BYTES)
    }
    expect([...r.plane.objects.keys()].sort()).toEqual(['fe:0', 'fe:0@local'])
  })

  it('truncates string keys to the table length (len 32): a 1 KB header makes a 32-character key', async () => {
    const r = rig(config('type string len 32 size 1k', 'hdr(x-key)'))
    for (let i = 0; i < 50; i++) await send(r, '192.0.2.1', { 'x-key': `${String(i).padStart(3, '0')}${'k'.repeat(1021)}` })
    await settle(r)
    const view = r.stick.current()?.table('fe')
    const keys = view?.entries(Date.now()).map((e) => e.key) ?? []
    expect(keys).toHaveLength(50)
    expect(new Set(keys.map((k) => k.length))).toEqual(new Set([32]))
    expect(keys[0]).toBe(`000${'k'.repeat(29)}`)
    expect(await r.plane.objects.get('fe:0')?.size(Date.now())).toBe(50)
  })

  it('evicts by bytes before `size` with big keys (1 KB), oldest first, in the view and in a shard', async () => {
    const viewBytes = 1024 * 1024
    const r = rig(config('type string len 1024 size 40k', 'hdr(x-key)'), { viewBytes })
    const key = (i: number): string => `${String(i).padStart(5, '0')}${'k'.repeat(1019)}`
    for (let i = 0; i < 2000; i++) await send(r, '192.0.2.1', { 'x-key': key(i) })
    await settle(r)
    const view = r.stick.current()?.table('fe')
    const per = entryBytes(key(0), 2)
    const fit = Math.floor(viewBytes / per)
    expect(view?.size).toBe(fit)
    expect(view?.bytes).toBeLessThanOrEqual(viewBytes)
    expect(view?.peek(key(1999), Date.now())).toBeDefined()
    expect(view?.peek(key(2000 - fit - 1), Date.now())).toBeUndefined()

    const spec = { name: 't', size: 100_000, nopurge: false, store: [{ type: 'gpc0' }] }
    const shard = new StickShard(memoryShardStorage(), { maxBytes: viewBytes })
    for (let i = 0; i < 2000; i++) shard.track(spec, key(i), 1000 + i, [{ op: 'inc', data: 'gpc0' }])
    expect(shard.count).toBe(Math.floor(viewBytes / entryBytes(key(0), 1)))
    expect(shard.bytes).toBeLessThanOrEqual(viewBytes)
    expect(shard.lookup(key(0), 5000)).toBeNull()
    expect(shard.lookup(key(1999), 5000)?.counters.gpc0).toBe(1)
  })

  it('counts at least what the V8 heap holds for an entry (the budgets are not undercounted)', () => {
    for (const [name, key] of [
      ['ip', (i: number) => ipKey(i)],
      // A flat string each (a template would share the repeated part between keys: a cons string).
      ['1 KB string', (i: number) => JSON.parse(JSON.stringify(`${i}:${'k'.repeat(1024)}`)) as string],
    ] as const) {
      const spec = { ...routeMap(config('type ip size 10k', 'src')).frontends[0]?.stickTable, size: 5000 } as ConstructorParameters<typeof MemoryStickTable>[0]
      let t: MemoryStickTable | undefined = new MemoryStickTable(spec, { maxBytes: Number.MAX_SAFE_INTEGER })
      for (let i = 0; i < 5000; i++) t.apply(t.touch(key(i), 1000) as NonNullable<ReturnType<MemoryStickTable['touch']>>, [{ op: 'request' }], 1000)
      const counted = t.bytes
      const held = heapOf(() => {
        t = undefined
      })
      expect(counted, name).toBeGreaterThanOrEqual(held)
      // …and not grossly over it (a budget that counts 3× what it holds would waste the isolate).
      expect(counted, name).toBeLessThan(held * 2.5)
    }
  })

  it('splits the isolate budget between the tables', () => {
    expect(viewBudget(1)).toBe(ISOLATE_STATE_BUDGET_BYTES)
    expect(viewBudget(4)).toBe(Math.floor(ISOLATE_STATE_BUDGET_BYTES / 4))
  })
})

describe('storage under distinct keys', () => {
  it('keeps no more rows than entries: an evicted entry with persistent data loses its row at the next persist', () => {
    const st = memoryShardStorage()
    const shard = new StickShard(st)
    const spec = { name: 't', size: 100, nopurge: false, expireMs: 30_000, store: [{ type: 'gpc0' }] }
    for (let i = 0; i < 1000; i++) {
      shard.track(spec, ipKey(i), 1000 + i, [{ op: 'inc', data: 'gpc0' }])
      if (i % 100 === 99) shard.persist(1000 + i)
    }
    shard.persist(2000)
    expect(shard.count).toBe(100)
    expect(st.count()).toBe(100)
    expect([...st.rows.keys()].sort()).toEqual(Array.from({ length: 100 }, (_, i) => ipKey(900 + i)).sort())
  })
})

describe('replica queues under distinct keys', () => {
  it('keeps at most one shard of keys waiting for a home that keeps failing, oldest dropped', async () => {
    const { StickReplica } = await import('../../../src/state/stick-replica.ts')
    const spec = { name: 't', size: SIZE, nopurge: false, expireMs: 30_000, store: [{ type: 'http_req_rate', periodMs: 10_000 }] }
    const r = new StickReplica()
    let now = 1_000_000
    for (let b = 0; b < 10; b++) {
      const items = Array.from({ length: 1000 }, (_, i) => ({ key: ipKey(b * 1000 + i), at: now, ops: [{ op: 'request' as const }] }))
      r.flush(spec, 'i1', items, now)
      now += 2_500
      const out = r.takeHome(now)
      if (out) r.homeFailed(out.items)
    }
    const u = r.usage()
    expect(u.pendingKeys).toBe(SIZE)
    expect(u.entries).toBe(SIZE)
    expect(u.writers).toBe(SIZE)
    expect(u.entryBytes + u.pendingBytes + u.writerBytes).toBeLessThanOrEqual(OBJECT_BUDGET_BYTES)
  })
})
