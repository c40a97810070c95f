/**
 * The operations plane's isolate-independent parts: counters aggregated across isolates, admin
 * overrides as the balancer sees them, the RouteMap changes `set server addr` / `disable health`
 * make, the runtime API's authentication, and the isolate's sync cadence.
 */
import { describe, expect, it } from 'vitest'
import { ALL_UP } from '../../../src/engine/server-select.ts'
import { ISOLATE_TTL_MS, StatsAggregate } from '../../../src/ops/aggregate.ts'
import { withAdmin } from '../../../src/ops/admin-states.ts'
import { API_LEVEL_HEADER, serveApi } from '../../../src/ops/api-http.ts'
import { structuralSignature, withServerOverrides } from '../../../src/ops/effective.ts'
import { RuntimeClient } from '../../../src/ops/runtime-client.ts'
import type { AdminServer } from '../../../src/ops/types.ts'
import { compile } from '../../helpers/cfg.ts'

describe('StatsAggregate: counters from several isolates', () => {
  it('adds sums, keeps maxima, sums the live isolates gauges and derives rates', () => {
    const a = new StatsAggregate()
    a.merge({ isolate: 'i1', at: 0, counters: { 'fe:web': { stot: 5, req_tot: 5, bin: 100, smax: 3, scur: 2, lastsess: 1000 } } }, 1000)
    a.merge({ isolate: 'i2', at: 0, counters: { 'fe:web': { stot: 3, req_tot: 3, bin: 50, smax: 7, scur: 1, lastsess: 900 } } }, 1100)
    a.merge({ isolate: 'i1', at: 0, counters: { 'fe:web': { stot: 1, req_tot: 1, scur: 0 } } }, 1200)
    const c = a.get('fe:web', 1200)
    expect(c?.stot).toBe(9)
    expect(c?.bin).toBe(150)
    expect(c?.smax).toBe(7)
    expect(c?.scur).toBe(1) // i1 now 0, i2 still 1
    expect(c?.lastsess).toBe(1000)
    expect(c?.req_rate).toBe(9)
    expect(c?.req_rate_max).toBe(9)
    expect(a.isolates(1200)).toBe(2)
    // A silent isolate stops counting in the gauges.
    expect(a.get('fe:web', 1100 + ISOLATE_TTL_MS + 1)?.scur).toBe(0)
  })

  it('persists sums and maxima (not gauges) and clears maxima or everything', () => {
    const a = new StatsAggregate()
    a.merge({ isolate: 'i1', at: 0, counters: { 'be:b': { stot: 4, qmax: 2, qcur: 1 } } }, 0)
    const b = new StatsAggregate(a.save())
    expect(b.get('be:b', 0)?.stot).toBe(4)
    expect(b.get('be:b', 0)?.qmax).toBe(2)
    expect(b.get('be:b', 0)?.qcur).toBe(0)
    b.clear(false)
    expect(b.get('be:b', 0)?.stot).toBe(4)
    expect(b.get('be:b', 0)?.qmax).toBe(0)
    b.clear(true)
    expect(b.get('be:b', 0)?.stot).toBe(0)
  })
})

describe('withAdmin: operators override health', () => {
  const admin: Record<string, AdminServer> = {
    'be/drained': { state: 'drain', changedAt: 0 },
    'be/maint': { state: 'maint', changedAt: 0 },
    'be/zero': { weight: 0, changedAt: 0 },
    'be/heavy': { weight: 50, changedAt: 0 },
    'be/forced-down': { health: 'down', changedAt: 0 },
    'be/nolb': { health: 'stopping', changedAt: 0 },
  }
  const s = withAdmin(ALL_UP, (b, x) => admin[`${b}/${x}`])
  it('drain and weight 0 keep persistence but no load balancing; maint and health down remove the server', () => {
    expect([s.isUp('be', 'drained'), s.isUsable('be', 'drained')]).toEqual([true, false])
    expect([s.isUp('be', 'zero'), s.isUsable('be', 'zero')]).toEqual([true, false])
    expect([s.isUp('be', 'nolb'), s.isUsable('be', 'nolb')]).toEqual([true, false])
    expect([s.isUp('be', 'maint'), s.isUsable('be', 'maint')]).toEqual([false, false])
    expect([s.isUp('be', 'forced-down'), s.isUsable('be', 'forced-down')]).toEqual([false, false])
    expect([s.isUp('be', 'other'), s.isUsable('be', 'other')]).toEqual([true, true])
    expect(s.weight?.('be', 'heavy')).toBe(50)
    expect(s.weight?.('be', 'other')).toBeUndefined()
  })
  it('health up forces a down server up', () => {
    const down = { isUp: () => false, isUsable: () => false }
    const f = withAdmin(down, () => ({ health: 'up', changedAt: 0 }))
    expect([f.isUp('b', 's'), f.isUsable('b', 's')]).toEqual([true, true])
  })
})

describe('withServerOverrides: set server addr and disable health change the RouteMap', () => {
  const rm = compile('defaults\n  mode http\nfrontend fe\n  bind :80\n  default_backend be\nbackend be\n  server a 127.0.0.1:9001 check\n  server b 127.0.0.1:9002 check\n').routeMap
  if (!rm) throw new Error('no map')
  it('leaves the map untouched without structural overrides', () => {
    expect(withServerOverrides(rm, { 'be/a': { state: 'drain', weight: 3, changedAt: 1 } })).toBe(rm)
    expect(structuralSignature({ 'be/a': { state: 'drain', changedAt: 1 } })).toBe('')
  })
  it('moves a server and stops checking another, under a derived hash', () => {
    const out = withServerOverrides(rm, { 'be/a': { addr: '127.0.0.9', port: 9100, changedAt: 1 }, 'be/b': { checksDisabled: true, changedAt: 1 } })
    const [a, b] = out.backends[0]?.servers ?? []
    expect([a?.host, a?.port, a?.check]).toEqual(['127.0.0.9', 9100, true])
    expect(b?.check).toBe(false)
    expect(out.hash).toMatch(new RegExp(`^${rm.hash}\\+a[0-9a-f]{8}$`))
    expect(rm.backends[0]?.servers[0]?.host).toBe('127.0.0.1')
  })
})

describe('serveApi: the runtime API endpoint', () => {
  const run = async (c: string, level: string) => `ran ${level}: ${c}\n`
  const req = (auth?: string, init: RequestInit = {}) =>
    new Request('https://lb.example/.edgeproxy/api', { method: 'POST', body: 'show info', ...init, headers: { ...(auth ? { authorization: auth } : {}), ...(init.headers as Record<string, string>) } })
  it('401 without a token, 403 with a wrong one, and runs nothing', async () => {
    let ran = 0
    const counting = async (c: string, l: string) => {
      ran++
      return run(c, l)
    }
    const r1 = await serveApi(req(), 'secret', counting)
    expect(r1.status).toBe(401)
    expect(r1.headers.get('www-authenticate')).toMatch(/^Bearer /)
    const r2 = await serveApi(req('Bearer nope'), 'secret', counting)
    expect(r2.status).toBe(403)
    const r3 = await serveApi(req('Bearer secret-but-longer'), 'secret', counting)
    expect(r3.status).toBe(403)
    expect(ran).toBe(0)
  })
  it('runs the body at admin level, or at the lower level a stats socket states', async () => {
    expect(await (await serveApi(req('Bearer secret'), 'secret', run)).text()).toBe('ran admin: show info\n')
    const low = await serveApi(req('Bearer secret', { headers: { [API_LEVEL_HEADER]: 'user' } }), 'secret', run)
    expect(await low.text()).toBe('ran user: show info\n')
    expect((await serveApi(req('Bearer secret', { method: 'GET', body: null }), 'secret', run)).status).toBe(405)
  })
})

describe('RuntimeClient: one sync per interval, carrying the counters', () => {
  it('syncs at the interval the relay asks for, adopts new states and keeps the last one on failure', async () => {
    const clock = { t: 0 }
    const calls: { seq: number; report: unknown }[] = []
    let fail = false
    let seq = 1
    const c = new RuntimeClient(
      () => ({
        sync: async (req) => {
          calls.push({ seq: req.seq, report: req.report })
          if (fail) throw new Error('overloaded')
          const state = { seq, view: { version: seq, admin: { 'be/a': { state: 'maint' as const, changedAt: 0 } }, patterns: {} }, health: {} }
          return req.seq === seq ? { seq, nextSyncMs: 3000 } : { seq, state, nextSyncMs: 3000 }
        },
      }),
      { now: () => clock.t, isolate: 'i', location: 'AMS', routeMap: () => '', report: () => ({ isolate: 'i', at: clock.t, counters: { 'fe:x': { stot: 1 } } }) },
    )
    expect(c.ready).toBe(false)
    await c.sync()
    expect(c.ready).toBe(true)
    expect(c.view.admin['be/a']?.state).toBe('maint')
    clock.t = 2000
    expect(c.due()).toBe(false)
    clock.t = 3000
    expect(c.due()).toBe(true)
    await c.sync()
    expect(calls.map((x) => x.seq)).toEqual([-1, 1])
    seq = 2
    fail = true
    await c.sync()
    expect(c.view.version).toBe(1)
    expect(c.connected).toBe(false)
    c.adopt({ version: 3, admin: {}, patterns: {} })
    expect(c.view.version).toBe(3)
    c.adopt({ version: 2, admin: {}, patterns: {} })
    expect(c.view.version).toBe(3)
  })
})
