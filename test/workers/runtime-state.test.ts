/**
 * The RuntimeState Durable Object in workerd, in both roles: the hub (`global`) versions admin
 * overrides and pattern edits and aggregates counters, a relay (`loc:<colo>`) answers its
 * isolates from the hub's state, and everything survives the objects' restarts (SQLite).
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { RuntimeState } from '../../durable-objects/runtime-state.ts'

describe('RuntimeState', () => {
  it('the hub versions admin changes and a relay hands them to isolates that do not have them', async () => {
    const hub = env.RUNTIME.getByName('global')
    const relay = env.RUNTIME.getByName('loc:TST')
    const first = await relay.sync({ isolate: 'i1', location: 'TST', seq: -1, routeMap: '' })
    expect(first.state?.view.admin).toEqual({})
    const v = await hub.setAdmin('web', 'web1', { state: 'drain' })
    expect(v.admin['web/web1']?.state).toBe('drain')
    expect(v.version).toBe((first.state?.view.version ?? 0) + 1)
    // The hub pushed the change to the relay: the next isolate sync has it.
    const second = await relay.sync({ isolate: 'i1', location: 'TST', seq: first.seq, routeMap: '' })
    expect(second.state?.view.admin['web/web1']?.state).toBe('drain')
    // An isolate that has the current seq gets no state back (small answers on every sync).
    expect((await relay.sync({ isolate: 'i1', location: 'TST', seq: second.seq, routeMap: '' })).state).toBeUndefined()
    const w = await hub.setAdmin('web', 'web1', { state: null, weight: 25 })
    expect(w.admin['web/web1']).toMatchObject({ weight: 25 })
    expect(w.admin['web/web1']?.state).toBeUndefined()
    const p = await hub.putPatterns('/etc/haproxy/hosts.map', [['a.example', 'be_a']])
    expect(p.patterns['/etc/haproxy/hosts.map']).toEqual([['a.example', 'be_a']])
  })

  it('aggregates counters from relays, keeps them across a restart, and clears them', async () => {
    const relay = env.RUNTIME.getByName('loc:STA')
    await relay.sync({
      isolate: 'a',
      location: 'STA',
      seq: -1,
      routeMap: '',
      report: { isolate: 'a', at: Date.now(), counters: { 'fe:stats': { stot: 3, req_tot: 3, hrsp_2xx: 3, scur: 1 } } },
      flush: true,
    })
    await relay.sync({
      isolate: 'b',
      location: 'STA',
      seq: -1,
      routeMap: '',
      report: { isolate: 'b', at: Date.now(), counters: { 'fe:stats': { stot: 2, req_tot: 2, hrsp_5xx: 2, scur: 2 } } },
      flush: true,
    })
    const hub = env.RUNTIME.getByName('global')
    const s = await hub.stats()
    expect(s.isolates).toBeGreaterThanOrEqual(2)
    expect(s.counters['fe:stats']).toMatchObject({ stot: 5, hrsp_2xx: 3, hrsp_5xx: 2, scur: 3 })
    // The relay's state and the hub's admin state are in SQLite for the next instance.
    const keys = await runInDurableObject(relay, async (_o: RuntimeState, state) => [...state.storage.sql.exec<{ key: string }>('SELECT key FROM kv')].map((r) => r.key))
    expect(keys).toContain('relay:state')
    await hub.clearCounters(true)
    expect((await hub.stats()).counters['fe:stats']?.stot).toBe(0)
  })
})
