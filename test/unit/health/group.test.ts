/**
 * The monitor group (src/health/group.ts) in Node: several backends' MonitorCores under one
 * alarm, alignment of checks of the same interval, configure adding and removing backends, no
 * row written per probe, publish only on routing changes, restart over the same storage.
 */
import { describe, expect, it } from 'vitest'
import { GroupCore, type GroupDeps, groupName, groupsOf, memoryGroupStore, type MemoryGroupStore } from '../../../src/health/group.ts'
import { alignWindow, CHECKPOINT_MS } from '../../../src/health/monitor.ts'
import type { HealthPlan, ServerPlan } from '../../../src/health/plan.ts'
import { DEFAULT_HTTP_EXPECT } from '../../../src/health/probe-spec.ts'
import type { FetchFn } from '../../../src/health/probes/types.ts'
import type { HealthSnapshot } from '../../../src/health/snapshot.ts'
import { fakeNet, MemoryAlarm, manualClock } from './fakes.ts'

const T0 = 1_700_000_000_000

function server(name: string, over: Partial<ServerPlan> = {}): ServerPlan {
  return {
    name,
    id: 1,
    address: `${name}.test`,
    port: 8080,
    ssl: false,
    backup: false,
    disabled: false,
    weight: 1,
    rise: 2,
    fall: 2,
    interMs: 2000,
    slowstartMs: 0,
    timeouts: { connectMs: 50, totalMs: 50 },
    onError: 'fail-check',
    errorLimit: 10,
    ...over,
  }
}

function plan(backend: string, servers: ServerPlan[], over: Partial<HealthPlan> = {}): HealthPlan {
  return {
    backend,
    routeMapHash: 'h1',
    probe: { type: 'http', http: { method: 'GET', uri: '/health', version: 'HTTP/1.1', headers: [], expect: DEFAULT_HTTP_EXPECT, disableOn404: false, sendState: false } },
    dynamicWeights: true,
    spreadChecks: 0,
    servers,
    ...over,
  }
}

interface Env {
  readonly group: GroupCore
  readonly clock: ReturnType<typeof manualClock>
  readonly alarm: MemoryAlarm
  readonly store: MemoryGroupStore
  /** host → status (absent: 200). */
  readonly status: Map<string, number>
  /** Every probe: `host@ms since T0`. */
  readonly probes: string[]
  readonly published: { source: string; snap: HealthSnapshot }[]
  readonly deps: GroupDeps
}

function setup(o: { store?: MemoryGroupStore; alarm?: MemoryAlarm; clock?: ReturnType<typeof manualClock>; leaseMs?: number } = {}): Env {
  const clock = o.clock ?? manualClock(T0)
  const status = new Map<string, number>()
  const probes: string[] = []
  const fetch: FetchFn = async (req) => {
    const host = new URL(req.url).hostname
    probes.push(`${host}@${clock.now() - T0}`)
    return new Response(null, { status: status.get(host) ?? 200 })
  }
  const published: Env['published'] = []
  const store = o.store ?? memoryGroupStore()
  const alarm = o.alarm ?? new MemoryAlarm()
  const deps: GroupDeps = {
    store,
    alarm,
    io: { fetch, connect: fakeNet({}).connect, now: clock.now },
    random: () => 0.5,
    publish: (source, snap) => published.push({ source, snap }),
    ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
  }
  return { group: new GroupCore(deps), clock, alarm, store, status, probes, published, deps }
}

/** Fires the shared alarm: moves the clock to it and runs the due checks. */
async function fire(env: Env): Promise<readonly string[]> {
  if (env.alarm.at !== null) env.clock.set(Math.max(env.clock.now(), env.alarm.at))
  env.alarm.at = null
  return (await env.group.runDue()).checked
}

describe('groups by placement', () => {
  it('backends sharing a health-location share a group; each health-regions region is a group', () => {
    const g = groupsOf([plan('a', [server('a1')]), plan('b', [server('b1')], { locationHint: 'weur' }), plan('c', [server('c1')]), plan('d', [server('d1')], { regions: ['weur', 'apac'] })])
    expect([...g].map(([name, x]) => [name, x.hint, x.plans.map((p) => `${p.backend}${p.locationHint ? `@${p.locationHint}` : ''}`)])).toEqual([
      ['group:default', undefined, ['a', 'c']],
      ['group:weur', 'weur', ['b@weur', 'd@weur']],
      ['group:apac', 'apac', ['d@apac']],
    ])
    expect(groupName(undefined)).toBe('group:default')
  })
})

describe('GroupCore: one alarm for every backend', () => {
  it('checks two backends in one alarm per inter', async () => {
    const env = setup()
    await env.group.configure([plan('a', [server('a1'), server('a2')]), plan('b', [server('b1'), server('b2')])], { replace: true })
    expect(env.alarm.at).toBe(T0)
    for (let cycle = 0; cycle < 5; cycle++) {
      expect((await fire(env)).slice().sort()).toEqual(['a/a1', 'a/a2', 'b/b1', 'b/b2'])
      expect(env.alarm.at).toBe(T0 + (cycle + 1) * 2000)
    }
    // One setAlarm per cycle (plus the one configure armed).
    expect(env.alarm.history).toHaveLength(6)
  })

  it('a check of the same interval due within min(1 s, inter/2) joins the alarm: phases align after the first cycle', async () => {
    expect([alignWindow(2000), alignWindow(1000), alignWindow(10_000)]).toEqual([1000, 500, 1000])
    const env = setup()
    await env.group.configure([plan('a', [server('a1')])])
    await fire(env)
    // b arrives 700 ms later: its first check runs on its own, then it joins a's alarm.
    env.clock.set(T0 + 700)
    await env.group.configure([plan('b', [server('b1')])])
    expect(env.group.backends()).toEqual(['a', 'b'])
    expect(env.alarm.at).toBe(T0 + 700)
    expect(await fire(env)).toEqual(['b/b1'])
    expect(await fire(env)).toEqual(['a/a1', 'b/b1'])
    expect(env.probes.slice(-2).sort()).toEqual(['a1.test@2000', 'b1.test@2000'])
    for (let i = 0; i < 3; i++) expect(await fire(env)).toEqual(['a/a1', 'b/b1'])
    expect(env.alarm.history.map((t) => t - T0)).toEqual([0, 2000, 700, 2000, 4000, 6000, 8000, 10_000])
  })

  it('a check due further than the window runs on its own alarm', async () => {
    const env = setup()
    const slow = { interMs: 4000 }
    await env.group.configure([plan('a', [server('a1', slow)])])
    await fire(env)
    env.clock.set(T0 + 1500)
    await env.group.configure([plan('b', [server('b1', slow)])])
    // a is due 2.5 s after b's first check, b 1.5 s after a's next: both further than the 1 s window.
    expect(await fire(env)).toEqual(['b/b1'])
    expect(await fire(env)).toEqual(['a/a1'])
    expect(await fire(env)).toEqual(['b/b1'])
    expect(env.alarm.history.map((t) => t - T0)).toEqual([0, 4000, 1500, 4000, 5500, 8000])
  })

  it('a server with a longer inter is never checked early by another interval', async () => {
    const env = setup()
    await env.group.configure([plan('a', [server('a1')]), plan('b', [server('b1', { interMs: 3000 })])])
    for (let i = 0; i < 12; i++) await fire(env)
    const times = env.probes.filter((p) => p.startsWith('b1.test')).map((p) => Number(p.split('@')[1]))
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(3000)
    expect(times.length).toBeGreaterThan(3)
  })

  it('configure with replace drops the backends not listed; without, keeps them', async () => {
    const env = setup()
    await env.group.configure([plan('a', [server('a1')]), plan('b', [server('b1')])], { replace: true })
    const r = await env.group.configure([plan('c', [server('c1')])])
    expect(r.added).toEqual(['c'])
    expect(env.group.backends()).toEqual(['a', 'b', 'c'])
    const again = await env.group.configure([plan('a', [server('a1')]), plan('c', [server('c1')])], { replace: true })
    expect(again).toMatchObject({ changed: true, added: [], removed: ['b'] })
    expect(env.group.backends()).toEqual(['a', 'c'])
    expect(env.store.backends().sort()).toEqual(['a', 'c'])
    expect(await env.group.snapshot('b')).toBeUndefined()
    expect((await env.group.configure([plan('a', [server('a1')]), plan('c', [server('c1')])], { replace: true })).changed).toBe(false)
  })

  it('at most 6 probes run at once across all backends', async () => {
    const env = setup()
    let inflight = 0
    let peak = 0
    const slow: FetchFn = async () => {
      inflight++
      peak = Math.max(peak, inflight)
      await new Promise((r) => setTimeout(r, 2))
      inflight--
      return new Response(null, { status: 200 })
    }
    const group = new GroupCore({ ...env.deps, io: { ...env.deps.io, fetch: slow } })
    await group.configure(['a', 'b', 'c'].map((b) => plan(b, [server(`${b}1`), server(`${b}2`), server(`${b}3`)])))
    expect((await group.runDue()).checked).toHaveLength(9)
    expect(peak).toBe(6)
  })
})

describe('GroupCore: what is stored and published', () => {
  it('no row is written per probe cycle while nothing changes; a checkpoint at most once a minute; a transition at once', async () => {
    const env = setup()
    await env.group.configure([plan('a', [server('a1'), server('a2')]), plan('b', [server('b1')])], { replace: true })
    await fire(env)
    const afterFirst = env.store.writes.value
    // 25 cycles (50 s): every server passes its check, nothing to write.
    for (let i = 0; i < 25; i++) await fire(env)
    expect(env.store.writes.value).toBe(afterFirst)
    // Past a minute, each server's first check result (INI → L7OK) is checkpointed once.
    while (env.clock.now() < T0 + CHECKPOINT_MS + 2000) await fire(env)
    expect(env.store.writes.value - afterFirst).toBe(3)
    const settled = env.store.writes.value
    for (let i = 0; i < 20; i++) await fire(env)
    expect(env.store.writes.value).toBe(settled)
    // a2 fails (fall 2): the first failure is within the checkpoint period, the DOWN transition is written at once.
    env.status.set('a2.test', 503)
    await fire(env)
    expect(env.store.writes.value).toBe(settled)
    await fire(env)
    expect(env.store.writes.value).toBe(settled + 1)
    expect(env.store.monitor('a').loadServers().get('a2')?.state).toBe('STOPPED')
  })

  it('publishes a backend when a server changes its routing state, not on every probe', async () => {
    const env = setup()
    await env.group.configure([plan('a', [server('a1'), server('a2')], { locationHint: 'weur' }), plan('b', [server('b1')], { locationHint: 'weur' })], { replace: true })
    expect(env.published.map((p) => `${p.source} ${p.snap.backend}`)).toEqual(['group:weur a', 'group:weur b'])
    for (let i = 0; i < 10; i++) await fire(env)
    expect(env.published).toHaveLength(2)
    env.status.set('a2.test', 503)
    for (let i = 0; i < 10; i++) await fire(env)
    expect(env.published.map((p) => `${p.source} ${p.snap.backend}`)).toEqual(['group:weur a', 'group:weur b', 'group:weur a'])
    expect(env.published[2]?.snap.servers.a2).toMatchObject({ up: false, usable: false })
    env.status.delete('a2.test')
    for (let i = 0; i < 10; i++) await fire(env)
    expect(env.published).toHaveLength(4)
    expect(env.published[3]?.snap.servers.a2).toMatchObject({ up: true, usable: true })
  })

  it('passive reports reach the backend; a mark-down publishes', async () => {
    const env = setup()
    await env.group.configure([plan('a', [server('a1', { observe: 'layer7', onError: 'mark-down', errorLimit: 1 })])])
    await fire(env)
    await env.group.report('a', 'a1', { kind: 'http-status', status: 502 })
    expect((await env.group.snapshot('a'))?.servers.a1?.up).toBe(false)
    expect(env.published.at(-1)?.snap.servers.a1?.up).toBe(false)
    await env.group.report('zz', 'a1', { kind: 'http-status', status: 502 })
  })

  it('a new instance over the same storage carries on: backends, routing state, the alarm from the alarm API', async () => {
    const env = setup()
    await env.group.configure([plan('a', [server('a1'), server('a2')]), plan('b', [server('b1')])])
    env.status.set('a2.test', 503)
    for (let i = 0; i < 3; i++) await fire(env)
    const before = await env.group.snapshots()
    expect(before.a?.servers.a2?.up).toBe(false)
    const again = setup({ store: env.store, alarm: env.alarm, clock: env.clock })
    expect(again.group.backends()).toEqual(['a', 'b'])
    const after = await again.group.snapshots()
    for (const [b, s] of [
      ['a', 'a1'],
      ['a', 'a2'],
      ['b', 'b1'],
    ] as const) {
      const { up, usable, state } = before[b]?.servers[s] ?? {}
      expect(after[b]?.servers[s], `${b}/${s}`).toMatchObject({ up, usable, state })
    }
    // Next-check times are not stored per probe: after a restart every server is checked at once.
    expect(again.group.nextDue()).toBeLessThanOrEqual(again.clock.now())
    expect((await fire(again)).slice().sort()).toEqual(['a/a1', 'a/a2', 'b/b1'])
    expect(again.alarm.at).toBe(again.clock.now() + 2000)
  })

  it('pauses after the lease; a snapshot read resumes', async () => {
    const env = setup({ leaseMs: 60_000 })
    await env.group.configure([plan('a', [server('a1')])])
    await fire(env)
    env.clock.advance(61_000)
    env.alarm.at = null
    expect(await env.group.runDue()).toEqual({ checked: [], nextAlarm: null })
    expect(env.alarm.at).toBeNull()
    await env.group.snapshot('a')
    expect(env.alarm.at).not.toBeNull()
  })
})
