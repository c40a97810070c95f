/**
 * The HealthMonitor's logic with an in-memory store, alarm and network (the workerd test in
 * test/workers/ covers the Durable Object glue).
 */
import { describe, expect, it } from 'vitest'
import { MonitorCore, rebase } from '../../../src/health/monitor.ts'
import { backendPlan, type HealthPlan, type ServerPlan } from '../../../src/health/plan.ts'
import { DEFAULT_HTTP_EXPECT } from '../../../src/health/probe-spec.ts'
import type { FetchFn } from '../../../src/health/probes/types.ts'
import { initialHealth } from '../../../src/health/state.ts'
import { compile, fixture } from '../../helpers/cfg.ts'
import { fakeNet, MemoryAlarm, MemoryStore, manualClock } from './fakes.ts'

const T0 = 1_700_000_000_000

function server(name: string, address: string, over: Partial<ServerPlan> = {}): ServerPlan {
  return {
    name,
    id: 1,
    address,
    port: 8080,
    ssl: false,
    backup: false,
    disabled: false,
    weight: 1,
    rise: 2,
    fall: 3,
    interMs: 2000,
    fastinterMs: 500,
    downinterMs: 10_000,
    slowstartMs: 0,
    timeouts: { connectMs: 50, totalMs: 50 },
    onError: 'fail-check',
    errorLimit: 10,
    ...over,
  }
}

function httpPlan(servers: ServerPlan[], hash = 'h1'): HealthPlan {
  return {
    backend: 'api',
    routeMapHash: hash,
    probe: { type: 'http', http: { method: 'GET', uri: '/health', version: 'HTTP/1.1', headers: [], expect: DEFAULT_HTTP_EXPECT, disableOn404: false, sendState: false } },
    dynamicWeights: true,
    spreadChecks: 0,
    servers,
  }
}

/** Origins by host: the status each one answers /health with (missing host: connection refused). */
function origins(statuses: Record<string, number>): FetchFn {
  return async (req) => {
    const host = new URL(req.url).hostname
    const st = statuses[host]
    if (st === undefined) throw new TypeError('Network connection lost.')
    return new Response(null, { status: st })
  }
}

function setup(plan: HealthPlan, fetch: FetchFn, opts: { leaseMs?: number; store?: MemoryStore; alarm?: MemoryAlarm; clock?: ReturnType<typeof manualClock> } = {}) {
  const clock = opts.clock ?? manualClock(T0)
  const store = opts.store ?? new MemoryStore()
  const alarm = opts.alarm ?? new MemoryAlarm()
  const logs: string[] = []
  const core = new MonitorCore({
    store,
    alarm,
    io: { fetch, connect: fakeNet({}).connect, now: clock.now },
    random: () => 0.5,
    log: (l) => logs.push(l),
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
  })
  return { core, clock, store, alarm, logs, plan }
}

/** Fires the alarm: moves the clock to it and runs the due checks. */
async function fire(env: ReturnType<typeof setup>): Promise<void> {
  if (env.alarm.at !== null) env.clock.set(Math.max(env.clock.now(), env.alarm.at))
  env.alarm.at = null
  await env.core.runDue()
}

describe('configure()', () => {
  it('starts every checked server UP with health = rise and arms the alarm for an immediate check', async () => {
    const env = setup(httpPlan([server('a', 'a.test'), server('b', 'b.test')]), origins({}))
    const r = await env.core.configure(env.plan)
    expect(r).toEqual({ changed: true, added: ['a', 'b'], removed: [], nextAlarm: T0 })
    expect(env.alarm.at).toBe(T0)
    const snap = await env.core.snapshot()
    expect(snap?.servers.a).toMatchObject({ up: true, usable: true, status: 'UP 1/3', checkStatus: 'INI', checkDesc: 'Initializing', health: 2, rise: 2, fall: 3 })
  })

  it('is idempotent, and keeps the state of servers that still exist', async () => {
    const env = setup(httpPlan([server('a', 'a.test'), server('b', 'b.test')]), origins({ 'a.test': 200 }))
    await env.core.configure(env.plan)
    await fire(env)
    expect(env.core.state('a')?.health).toBe(4)
    expect(env.core.state('b')?.state).toBe('STOPPED')
    const again = await env.core.configure(env.plan)
    expect(again.changed).toBe(false)
    const next = httpPlan([server('a', 'a.test'), server('c', 'c.test')], 'h2')
    const r = await env.core.configure(next)
    expect(r).toMatchObject({ changed: true, added: ['c'], removed: ['b'] })
    expect(env.core.state('a')?.health).toBe(4)
    expect(env.store.servers.has('b')).toBe(false)
    expect((await env.core.snapshot())?.routeMapHash).toBe('h2')
  })

  it('rebase: new rise/fall keep up servers up and down servers down; disabled enters MAINT', () => {
    const before = server('a', 'x')
    const after = server('a', 'x', { rise: 5, fall: 2 })
    const full = { ...initialHealth(before, false, T0), health: 4 }
    expect(rebase(full, before, after, T0).health).toBe(6)
    const down = { ...initialHealth(before, false, T0), health: 1, state: 'STOPPED' as const }
    expect(rebase(down, before, after, T0).health).toBe(1)
    expect(rebase(full, before, { ...after, disabled: true }, T0)).toMatchObject({ maint: true, state: 'STOPPED', health: 0 })
  })
})

describe('alarm: checks, rise/fall and timing', () => {
  it('a server whose /health fails goes DOWN after `fall` checks and UP after `rise`; the alarm follows inter/fastinter/downinter', async () => {
    const statuses: Record<string, number> = { 'a.test': 200 }
    const env = setup(httpPlan([server('a', 'a.test')]), origins(statuses))
    await env.core.configure(env.plan)
    const trail: string[] = []
    const step = async (): Promise<void> => {
      const at = env.alarm.at ?? 0
      await fire(env)
      const s = (await env.core.snapshot())?.servers.a
      trail.push(`${at - T0}:${s?.status}:${s?.checkStatus}->${(env.alarm.at ?? 0) - at}`)
    }
    await step() // initial → fully up
    statuses['a.test'] = 503
    await step()
    await step()
    await step() // third failure: DOWN
    await step() // still down: downinter
    statuses['a.test'] = 200
    await step()
    await step() // second success: UP
    expect(trail).toEqual([
      '0:UP:L7OK->2000',
      '2000:UP 2/3:L7STS->500',
      '2500:UP 1/3:L7STS->500',
      '3000:DOWN:L7STS->10000',
      '13000:DOWN:L7STS->10000',
      '23000:DOWN 1/2:L7OK->500',
      '23500:UP:L7OK->2000',
    ])
    expect(env.logs.some((l) => l.startsWith('Server api/a is DOWN, reason: Layer7 wrong status, code: 503'))).toBe(true)
    expect(env.logs).toContain('backend api has no server available!')
    expect(env.logs.some((l) => l.startsWith('Server api/a is UP, reason: Layer7 check passed, code: 200'))).toBe(true)
    const snap = await env.core.snapshot()
    expect(snap?.servers.a).toMatchObject({ downTransitions: 1, failedChecks: 3 })
  })

  it('an unroutable server fails its check (L4TOUT) without holding up the others', async () => {
    const hang: FetchFn = (req) => (new URL(req.url).hostname === 'blackhole.test' ? new Promise(() => {}) : Promise.resolve(new Response(null, { status: 200 })))
    const env = setup(httpPlan([server('ok', 'ok.test'), server('dead', 'blackhole.test'), server('refused', 'refused.test')]), async (req) => {
      if (new URL(req.url).hostname === 'refused.test') throw new TypeError('connect ECONNREFUSED')
      return hang(req)
    })
    await env.core.configure(env.plan)
    await fire(env)
    const s = (await env.core.snapshot())?.servers
    expect(s?.ok).toMatchObject({ up: true, checkStatus: 'L7OK' })
    expect(s?.dead).toMatchObject({ up: false, checkStatus: 'L4TOUT', checkDesc: 'Layer4 timeout' })
    expect(s?.refused).toMatchObject({ up: false, checkStatus: 'L4CON', checkInfo: 'connect ECONNREFUSED' })
  })

  it('runs at most 6 checks at once', async () => {
    let inflight = 0
    let peak = 0
    const slow: FetchFn = async () => {
      inflight++
      peak = Math.max(peak, inflight)
      await new Promise((r) => setTimeout(r, 5))
      inflight--
      return new Response(null, { status: 200 })
    }
    const env = setup(httpPlan(Array.from({ length: 15 }, (_, i) => server(`s${i}`, `s${i}.test`))), slow)
    await env.core.configure(env.plan)
    const r = await env.core.runDue()
    expect(r.checked).toHaveLength(15)
    expect(peak).toBe(6)
  })

  it('only due checks run; checks due within the batching window share an alarm', async () => {
    const calls: string[] = []
    const f: FetchFn = async (req) => {
      calls.push(new URL(req.url).hostname)
      return new Response(null, { status: 200 })
    }
    const env = setup(httpPlan([server('a', 'a.test'), server('b', 'b.test', { interMs: 5000 })]), f)
    await env.core.configure(env.plan)
    await fire(env)
    expect(calls).toEqual(['a.test', 'b.test'])
    await fire(env)
    expect(calls.slice(2)).toEqual(['a.test'])
    expect(env.alarm.at).toBe(T0 + 4000)
  })

  it('routing state survives a new instance over the same storage (eviction); a checkpoint keeps the rest', async () => {
    const env = setup(httpPlan([server('a', 'a.test'), server('b', 'b.test', { fall: 1 })]), origins({ 'a.test': 200 }))
    await env.core.configure(env.plan)
    await fire(env)
    const before = await env.core.snapshot()
    expect(before?.servers.b?.up).toBe(false)
    // No checkpoint: the routing side (written on the transition) is there, the check status of a is not.
    const evicted = setup(env.plan, origins({ 'a.test': 200 }), { store: env.store, alarm: env.alarm, clock: env.clock })
    const seen = await evicted.core.snapshot()
    for (const n of ['a', 'b']) expect({ ...seen?.servers[n], n }).toMatchObject({ up: before?.servers[n]?.up, usable: before?.servers[n]?.usable, state: before?.servers[n]?.state, n })
    expect(seen?.servers.a?.checkStatus).toBe('INI')
    // After a checkpoint, everything but the check times comes back.
    expect(env.core.checkpoint()).toBe(1)
    const again = setup(env.plan, origins({ 'a.test': 200 }), { store: env.store, alarm: env.alarm, clock: env.clock })
    expect(await again.core.snapshot()).toEqual(before)
    expect((await again.core.configure(env.plan)).changed).toBe(false)
  })

  it('pauses when neither configure() nor snapshot() was called within the lease; snapshot() resumes', async () => {
    const env = setup(httpPlan([server('a', 'a.test')]), origins({ 'a.test': 200 }), { leaseMs: 60_000 })
    await env.core.configure(env.plan)
    await fire(env)
    env.clock.advance(61_000)
    env.alarm.at = null
    const r = await env.core.runDue()
    expect(r).toEqual({ checked: [], nextAlarm: null })
    expect(env.alarm.at).toBeNull()
    await env.core.snapshot()
    expect(env.alarm.at).not.toBeNull()
  })

  it('a disabled server is MAINT and never checked', async () => {
    const calls: string[] = []
    const f: FetchFn = async (req) => {
      calls.push(new URL(req.url).hostname)
      return new Response(null, { status: 200 })
    }
    const env = setup(httpPlan([server('a', 'a.test'), server('m', 'm.test', { disabled: true })]), f)
    await env.core.configure(env.plan)
    await fire(env)
    expect(calls).toEqual(['a.test'])
    expect((await env.core.snapshot())?.servers.m).toMatchObject({ up: false, usable: false, status: 'MAINT', effectiveWeightPct: 0 })
  })
})

describe('report(): observe / on-error', () => {
  const observed = (onError: ServerPlan['onError']) => httpPlan([server('a', 'a.test', { observe: 'layer7', onError, errorLimit: 3 })])

  async function upEnv(onError: ServerPlan['onError']) {
    const env = setup(observed(onError), origins({ 'a.test': 200 }))
    await env.core.configure(env.plan)
    await fire(env)
    return env
  }

  it('mark-down: error-limit consecutive errors mark the server DOWN at once (next check: downinter, not later than planned)', async () => {
    const env = await upEnv('mark-down')
    expect(env.alarm.at).toBe(T0 + 2000)
    await env.core.report('a', { kind: 'http-status', status: 502 })
    await env.core.report('a', { kind: 'http-status', status: 503 })
    expect((await env.core.snapshot())?.servers.a?.up).toBe(true)
    const r = await env.core.report('a', { kind: 'read-timeout' })
    expect(r).toEqual({ transition: 'DOWN', triggered: true })
    const s = (await env.core.snapshot())?.servers.a
    expect(s).toMatchObject({ up: false, checkStatus: 'HANA', checkDesc: 'Health analyze', checkInfo: 'Detected 3 consecutive errors, last one was: Read timeout (http)', hanaFailures: 1 })
    expect(env.alarm.at).toBe(T0 + 2000)
  })

  it('good responses reset the count; 4xx, 501 and 505 are good; layer7 ignores successful connects', async () => {
    const env = await upEnv('mark-down')
    await env.core.report('a', { kind: 'http-status', status: 500 })
    await env.core.report('a', { kind: 'http-status', status: 500 })
    await env.core.report('a', { kind: 'http-status', status: 404 })
    expect(env.core.state('a')?.consecutiveErrors).toBe(0)
    await env.core.report('a', { kind: 'http-status', status: 501 })
    await env.core.report('a', { kind: 'connect-ok' })
    expect(env.core.state('a')?.consecutiveErrors).toBe(0)
  })

  it('fail-check simulates one failed check; sudden-death leaves one failure before DOWN; fastinter only speeds up', async () => {
    const fc = await upEnv('fail-check')
    for (let i = 0; i < 3; i++) await fc.core.report('a', { kind: 'connect-error' })
    expect(fc.core.state('a')).toMatchObject({ health: 3, state: 'RUNNING', fastinter: true })
    expect(fc.alarm.at).toBe(T0 + 500)
    const sd = await upEnv('sudden-death')
    for (let i = 0; i < 3; i++) await sd.core.report('a', { kind: 'broken-pipe' })
    expect(sd.core.state('a')).toMatchObject({ health: 2, state: 'RUNNING' })
    const fi = await upEnv('fastinter')
    for (let i = 0; i < 3; i++) await fi.core.report('a', { kind: 'http-status', status: 504 })
    expect(fi.core.state('a')).toMatchObject({ health: 4, fastinter: true, checkStatus: 'L7OK' })
    expect(fi.alarm.at).toBe(T0 + 500)
  })

  it('servers without observe ignore reports', async () => {
    const env = setup(httpPlan([server('a', 'a.test')]), origins({ 'a.test': 200 }))
    await env.core.configure(env.plan)
    for (let i = 0; i < 20; i++) await env.core.report('a', { kind: 'connect-error' })
    expect(env.core.state('a')?.health).toBe(2)
  })
})

describe('the seed health config end to end (in memory)', () => {
  it('api_servers checks GET /health/ready with host api.example.com on each server; db_tcp speaks MySQL', async () => {
    const r = compile(fixture('seed/03-health.cfg'))
    const map = r.routeMap
    const be = map?.backends.find((b) => b.name === 'api_servers')
    const plan = map && be ? backendPlan(map, be) : undefined
    if (!plan) throw new Error('no plan')
    const seen: string[] = []
    const env = setup(plan, async (req) => {
      seen.push(`${req.method} ${req.url} host=${req.headers.get('host')}`)
      return new Response(null, { status: req.url.includes('10.0.2.11') ? 500 : 204 })
    })
    await env.core.configure(plan)
    await fire(env)
    expect(seen).toEqual(['GET http://10.0.2.10:8080/health/ready host=null', 'GET http://10.0.2.11:8080/health/ready host=null', 'GET http://10.0.2.12:8080/health/ready host=null'])
    const s = (await env.core.snapshot())?.servers
    expect(s?.api1).toMatchObject({ up: true, checkStatus: 'L7OK', checkCode: 204 })
    expect(s?.api2).toMatchObject({ up: false, checkStatus: 'L7STS', checkCode: 500 })
    expect(env.alarm.at).toBe(T0 + 3000)
  })
})
