/**
 * The RuntimeState Durable Object in workerd: admin overrides and pattern edits under one
 * version (isolates learn of a change through sync()), counters from several isolates
 * aggregated, and everything surviving the object's restart (SQLite).
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { RuntimeState } from '../../durable-objects/runtime-state.ts'

describe('RuntimeState', () => {
  it('versions admin changes and hands them to isolates that do not have them', async () => {
    const stub = env.RUNTIME.getByName('admin-test')
    const first = await stub.sync(undefined, -1)
    expect(first.view?.admin).toEqual({})
    const v = await stub.setAdmin('web', 'web1', { state: 'drain' })
    expect(v.admin['web/web1']?.state).toBe('drain')
    expect(v.version).toBe(first.version + 1)
    // An isolate that has the current version gets no view back (small answers on every sync).
    expect((await stub.sync(undefined, v.version)).view).toBeUndefined()
    const w = await stub.setAdmin('web', 'web1', { state: null, weight: 25 })
    expect(w.admin['web/web1']).toMatchObject({ weight: 25 })
    expect(w.admin['web/web1']?.state).toBeUndefined()
    const p = await stub.putPatterns('/etc/haproxy/hosts.map', [['a.example', 'be_a']])
    expect(p.patterns['/etc/haproxy/hosts.map']).toEqual([['a.example', 'be_a']])
  })

  it('aggregates counters from isolates and keeps them across a restart', async () => {
    const stub = env.RUNTIME.getByName('stats-test')
    await stub.sync({ isolate: 'a', at: Date.now(), counters: { 'fe:web': { stot: 3, req_tot: 3, hrsp_2xx: 3, scur: 1 } } }, -1)
    await stub.sync({ isolate: 'b', at: Date.now(), counters: { 'fe:web': { stot: 2, req_tot: 2, hrsp_5xx: 2, scur: 2 } } }, -1)
    const s = await stub.stats()
    expect(s.isolates).toBe(2)
    expect(s.counters['fe:web']).toMatchObject({ stot: 5, hrsp_2xx: 3, hrsp_5xx: 2, scur: 3 })
    // A new instance of the object (after eviction) reads the sums back from SQLite.
    const again = await runInDurableObject(stub, async (_o: RuntimeState, state) => {
      const rows = [...state.storage.sql.exec<{ key: string }>("SELECT key FROM kv WHERE key LIKE 'counters:%'")]
      return rows.map((r) => r.key)
    })
    expect(again).toContain('counters:fe:web')
    await stub.clearCounters(true)
    expect((await stub.stats()).counters['fe:web']?.stot).toBe(0)
  })
})
