/**
 * The HealthMonitor Durable Object in workerd: SQLite storage, alarms (`runDurableObjectAlarm`),
 * RPC, eviction. HTTP origins are the pool's outboundService (pool-options.ts); TCP peers are
 * scripted in net.ts and reached by TcpHealthMonitor's connect().
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { configureHealthMonitors, healthSnapshotLoader } from '../../durable-objects/health-monitor.ts'
import { compileConfig } from '../../src/config/compile.ts'
import { type HealthPlan, healthPlans } from '../../src/health/plan.ts'
import type { HealthSnapshot, ServerSnapshot } from '../../src/health/snapshot.ts'
import { peers, testNet } from './net.ts'

const CONFIG = `
defaults
  mode http
  timeout connect 200ms
  timeout check 300ms
  timeout client 5s
  timeout server 5s
backend api
  option httpchk GET /health HTTP/1.1
  http-check send hdr Host api.example.com
  default-server inter 2s fastinter 500ms downinter 1s rise 2 fall 3
  server api1 api1.test:8080 check
  server api2 api2.test:8080 check
backend solo
  option httpchk GET /health HTTP/1.1
  server s1 solo.test:8080 check inter 2s fastinter 500ms downinter 5s rise 2 fall 3
backend mixed
  option httpchk GET /health HTTP/1.1
  server ok ok.test:8080 check inter 2s
  server dead blackhole.test:8080 check inter 2s
  server refused refused.test:8080 check inter 2s
backend agents
  balance roundrobin
  server w1 w1.test:8080 weight 10 agent-check agent-port 9999 agent-inter 2s agent-send "ping\\n"
backend db
  mode tcp
  option mysql-check user haproxy
  server db1 db1.test:3306 check inter 2s
  server db2 db2.test:3306 check inter 2s
`

function plans(): Record<string, HealthPlan> {
  const r = compileConfig([{ name: 'health.cfg', text: CONFIG }])
  if (!r.routeMap) throw new Error(r.diagnostics.map((d) => d.message).join('; '))
  return Object.fromEntries(healthPlans(r.routeMap).map((p) => [p.backend, p]))
}

async function origin(host: string, status: number | 'refuse' | 'hang'): Promise<void> {
  await fetch(`http://origins.control/?host=${host}&status=${status}`)
}

async function alarmAt(stub: DurableObjectStub): Promise<number | null> {
  return runInDurableObject(stub, (_, state) => state.storage.getAlarm())
}

async function server(stub: Stub, name: string): Promise<ServerSnapshot> {
  const snap = (await stub.snapshot()) as HealthSnapshot | undefined
  const s = snap?.servers[name]
  if (!s) throw new Error(`no snapshot for ${name}`)
  return s
}

type Stub = DurableObjectStub<import('../../durable-objects/health-monitor.ts').HealthMonitor>

/**
 * configure(), then waits for the first checks: configure() arms the alarm for "now", which
 * workerd fires by itself. Later alarms are at least fastinter (500 ms) away, so the tests fire
 * them with runDurableObjectAlarm() before the runtime would.
 */
async function configured(stub: Stub, plan: HealthPlan): Promise<void> {
  await stub.configure(plan)
  for (let i = 0; i < 200; i++) {
    const snap = (await stub.snapshot()) as HealthSnapshot | undefined
    const pending = Object.values(snap?.servers ?? {}).some((s) => s.checkStatus === 'INI' && s.status !== 'MAINT')
    if (!pending && (await alarmAt(stub)) !== null) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('the first checks did not run')
}

/** Fires alarms until `name` has been checked `n` more times; its status after each of those checks. */
async function checks(stub: Stub, name: string, n: number): Promise<string[]> {
  const out: string[] = []
  let last = (await server(stub, name)).lastCheck
  for (let i = 0; i < 20 && out.length < n; i++) {
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const s = await server(stub, name)
    if (s.lastCheck !== last) {
      out.push(`${s.status} ${s.checkStatus}`)
      last = s.lastCheck
    }
  }
  return out
}

describe('HealthMonitor (workerd)', () => {
  const p = plans()

  beforeEach(async () => {
    for (const h of ['api1.test', 'api2.test', 'solo.test', 'ok.test']) await origin(h, 200)
  })

  it('configure() arms the alarm; a failing /health goes DOWN after `fall` checks and UP after `rise`', async () => {
    const stub = env.HEALTH.getByName('api')
    const plan = p.api as HealthPlan
    const r = await stub.configure(plan)
    expect(r).toMatchObject({ changed: true, added: ['api1', 'api2'], removed: [] })
    expect(r.nextAlarm).not.toBeNull()
    await configured(stub, plan)
    expect((await stub.configure(plan)).changed).toBe(false)
    expect(await server(stub, 'api2')).toMatchObject({ status: 'UP', checkStatus: 'L7OK', checkCode: 200 })

    await origin('api2.test', 503)
    expect(await checks(stub, 'api2', 3)).toEqual(['UP 2/3 L7STS', 'UP 1/3 L7STS', 'DOWN L7STS'])
    expect(await server(stub, 'api2')).toMatchObject({ up: false, usable: false, checkCode: 503, downTransitions: 1 })
    expect(await server(stub, 'api1')).toMatchObject({ up: true, status: 'UP' })
    await origin('api2.test', 200)
    expect(await checks(stub, 'api2', 2)).toEqual(['DOWN 1/2 L7OK', 'UP L7OK'])
  })

  it('re-arms at inter when up, fastinter while going down, downinter while down', async () => {
    const stub = env.HEALTH.getByName('solo')
    await configured(stub, p.solo as HealthPlan)
    const delayAfterAlarm = async (): Promise<[number, number]> => {
      const before = Date.now()
      await runDurableObjectAlarm(stub)
      const after = Date.now()
      const at = (await alarmAt(stub)) ?? 0
      return [at - after, at - before]
    }
    const within = ([lo, hi]: [number, number], ms: number): void => {
      expect(lo).toBeLessThanOrEqual(ms)
      expect(hi).toBeGreaterThanOrEqual(ms)
    }
    within(await delayAfterAlarm(), 2000)
    await origin('solo.test', 500)
    within(await delayAfterAlarm(), 500)
    within(await delayAfterAlarm(), 500)
    within(await delayAfterAlarm(), 5000)
    expect((await server(stub, 's1')).status).toBe('DOWN')
  })

  it('keeps its routing state across eviction (SQLite); rows are written on transitions, not per probe', async () => {
    const plan: HealthPlan = { ...(p.api as HealthPlan), backend: 'api-evicted' }
    const stub = env.HEALTH.getByName(plan.backend)
    await origin('api2.test', 503)
    await configured(stub, plan)
    // api2 falls (fastinter 500 ms, fall 3): DOWN is a transition, written at once.
    expect(await checks(stub, 'api2', 2)).toEqual(['DOWN L7STS', 'DOWN L7STS'])
    const before = (await stub.snapshot()) as HealthSnapshot
    const rows = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec("SELECT name, health, state, check_status FROM group_servers WHERE backend = 'api-evicted' ORDER BY name").toArray(),
    )
    // api1's passing checks changed nothing routing-related: its row is still the configured one (checkpointed within a minute).
    expect(rows).toEqual([
      { name: 'api1', health: 2, state: 'RUNNING', check_status: 'INI' },
      { name: 'api2', health: 0, state: 'STOPPED', check_status: 'L7STS' },
    ])
    await evictDurableObject(stub)
    const after = (await stub.snapshot()) as HealthSnapshot
    for (const n of ['api1', 'api2']) {
      const { up, usable, state } = before.servers[n] as ServerSnapshot
      expect(after.servers[n], n).toMatchObject({ up, usable, state })
    }
    expect((await stub.configure(plan)).changed).toBe(false)
  })

  it('an unroutable server fails its check (L4TOUT) and a refused one (L4CON) without breaking the others', async () => {
    await origin('blackhole.test', 'hang')
    await origin('refused.test', 'refuse')
    const stub = env.HEALTH.getByName('mixed')
    const t0 = Date.now()
    await configured(stub, p.mixed as HealthPlan)
    // The hung server costs its check timeout (timeout connect 200ms + timeout check 300ms), no more.
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(await server(stub, 'ok')).toMatchObject({ up: true, checkStatus: 'L7OK', checkCode: 200 })
    expect(await server(stub, 'dead')).toMatchObject({ up: false, checkStatus: 'L4TOUT' })
    expect(await server(stub, 'refused')).toMatchObject({ up: false, checkStatus: 'L4CON' })
    expect(await alarmAt(stub)).not.toBeNull()
  })

  it('mysql-check over connect(): the greeting and OK pass with the server version; a refused server is L4CON', async () => {
    const greeting = Uint8Array.from([15, 0, 0, 0, 0x0a, ...new TextEncoder().encode('8.0.19'), 0, 1, 0, 0, 0, 0x41, 0x41, 0x41])
    const ok = Uint8Array.of(7, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0)
    peers['db1.test'] = { reply: () => Uint8Array.from([...greeting, ...ok]) }
    const stub = env.TCP_HEALTH.getByName('db')
    await configured(stub, p.db as HealthPlan)
    expect(await server(stub, 'db1')).toMatchObject({ up: true, checkStatus: 'L7OK', checkInfo: '8.0.19', status: 'UP' })
    expect(await server(stub, 'db2')).toMatchObject({ up: false, checkStatus: 'L4CON' })
    const written = testNet.written[testNet.attempts.findIndex((a) => a.hostname === 'db1.test')]
    expect(Array.from(written?.subarray(0, 5) ?? [])).toEqual([41, 0, 0, 1, 0])
  })

  it('agent-check over connect(): sends agent-send, applies the reply (weight, drain), keeps it across eviction', async () => {
    peers['w1.test:9999'] = { reply: () => '50% drain # busy\n' }
    const stub = env.TCP_HEALTH.getByName('agents')
    await stub.configure(p.agents as HealthPlan)
    // An agent-only server has no health check: wait for the agent's first report.
    for (let i = 0; i < 200 && (await server(stub, 'w1')).agent?.status === 'INI'; i++) await new Promise((r) => setTimeout(r, 10))
    expect(await server(stub, 'w1')).toMatchObject({ up: true, usable: false, agentWeight: 5, agentAdmin: 'drain', status: 'DRAIN (agent)', agent: { status: 'CHECKED', health: 1 } })
    const written = testNet.written[testNet.attempts.findIndex((a) => a.hostname === 'w1.test' && a.port === 9999)]
    expect(new TextDecoder().decode(written)).toBe('ping\n')
    await evictDurableObject(stub)
    expect(await server(stub, 'w1')).toMatchObject({ agentWeight: 5, agentAdmin: 'drain', agent: { status: 'CHECKED' } })
  })

  it('report(): observe layer7 with on-error mark-down takes a server DOWN from traffic errors', async () => {
    const plan = p.solo as HealthPlan
    const observed: HealthPlan = { ...plan, backend: 'observed', servers: plan.servers.map((s) => ({ ...s, observe: 'layer7' as const, onError: 'mark-down' as const, errorLimit: 2 })) }
    const stub = env.HEALTH.getByName('observed')
    await configured(stub, observed)
    await stub.report('s1', { kind: 'http-status', status: 502 })
    await stub.report('s1', { kind: 'http-status', status: 502 })
    expect(await server(stub, 's1')).toMatchObject({ up: false, checkStatus: 'HANA', hanaFailures: 1 })
  })
})

describe('Worker-side helpers', () => {
  const p = plans()

  it('healthSnapshotLoader installs the plan on first use or when the RouteMap changed, then reads snapshots', async () => {
    const plan: HealthPlan = { ...(p.solo as HealthPlan), backend: 'loaded' }
    const load = healthSnapshotLoader(env.HEALTH, [plan])
    expect(await load('unknown-backend')).toBeUndefined()
    const first = await load('loaded')
    expect(first).toMatchObject({ backend: 'loaded', routeMapHash: plan.routeMapHash })
    expect(Object.keys(first?.servers ?? {})).toEqual(['s1'])
    const next = healthSnapshotLoader(env.HEALTH, [{ ...plan, routeMapHash: 'next-version' }])
    expect((await next('loaded'))?.routeMapHash).toBe('next-version')
  })

  it('configureHealthMonitors configures one object per placement, with one alarm for its backends', async () => {
    const placed = { ...(p.solo as HealthPlan), backend: 'placed', locationHint: 'weur' }
    await configureHealthMonitors(env.HEALTH, [p.api as HealthPlan, p.solo as HealthPlan, placed])
    const group = env.HEALTH.getByName('group:default')
    expect(((await group.snapshot('api')) as HealthSnapshot | undefined)?.backend).toBe('api')
    expect(((await group.snapshot('solo')) as HealthSnapshot | undefined)?.backend).toBe('solo')
    expect(await group.snapshot('placed')).toBeUndefined()
    expect(((await env.HEALTH.getByName('group:weur').snapshot('placed')) as HealthSnapshot | undefined)?.backend).toBe('placed')
    // One alarm runs both backends' first checks.
    expect(await runDurableObjectAlarm(group)).toBe(true)
    const snaps = (await group.snapshots()) as Record<string, HealthSnapshot>
    expect(Object.keys(snaps).sort()).toEqual(['api', 'solo'])
    for (const b of ['api', 'solo']) for (const s of Object.values(snaps[b]?.servers ?? {})) expect(s.checkStatus).not.toBe('INI')
    // The next cron without 'solo' drops it from the group.
    await configureHealthMonitors(env.HEALTH, [p.api as HealthPlan])
    expect(Object.keys((await group.snapshots()) as Record<string, HealthSnapshot>)).toEqual(['api'])
  })

  it('health-regions: one group per region; the loader combines them by majority', async () => {
    const plan: HealthPlan = { ...(p.solo as HealthPlan), backend: 'voted', regions: ['wnam', 'eeur', 'apac'] }
    await configureHealthMonitors(env.HEALTH, [plan])
    for (const r of ['wnam', 'eeur', 'apac']) {
      const snap = (await env.HEALTH.getByName(`group:${r}`).snapshot('voted')) as HealthSnapshot | undefined
      expect(snap?.region).toBe(r)
      expect(snap?.regions).toEqual(['wnam', 'eeur', 'apac'])
    }
    const load = healthSnapshotLoader(env.HEALTH, [plan])
    const voted = await load('voted')
    expect(voted?.servers.s1?.up).toBe(true)
    expect(voted?.regions).toBeUndefined()
  })
})
