/**
 * The MonitorStore contract (src/health/monitor.ts: the health monitor's persistence), on every
 * implementation: the in-memory store of the unit tests (monitor-store.test.ts) and the
 * HealthMonitor object's SQLite (sqlStore, monitor-store.workers.test.ts). Meta values and each
 * server's ServerHealth come back exactly as saved, optional fields (check code, duration, last
 * check, agent state) included and dropped when a later save has none; a store opened again over
 * the same data sees the same; and a MonitorCore built over it after another one ran checks
 * carries on from the same state after a checkpoint (the object constructed again after
 * eviction; between checkpoints only routing changes are written: src/health/monitor.ts).
 */
import { describe, expect, it } from 'vitest'
import type { GroupStore } from '../../src/health/group.ts'
import { MonitorCore, type MonitorStore } from '../../src/health/monitor.ts'
import type { HealthPlan, ServerPlan } from '../../src/health/plan.ts'
import { DEFAULT_HTTP_EXPECT } from '../../src/health/probe-spec.ts'
import type { ConnectFn, FetchFn } from '../../src/health/probes/types.ts'
import type { ServerHealth } from '../../src/health/state.ts'

/**
 * Runs `test` on a fresh, empty store; `reopen` gives another store over the same data (for the
 * memory store, the same object: it is the storage).
 */
export type MonitorStoreRunner = (test: (store: MonitorStore, reopen: () => MonitorStore) => Promise<void>) => Promise<void>

const T0 = 1_700_000_000_000

const MINIMAL: ServerHealth = {
  health: 2,
  state: 'RUNNING',
  maint: false,
  checkStatus: 'INI',
  checkInfo: '',
  lastChange: T0,
  nextCheck: T0,
  fastinter: false,
  consecutiveErrors: 0,
  failedChecks: 0,
  downTransitions: 0,
  hanaFailures: 0,
}

const FULL: ServerHealth = {
  health: 0,
  state: 'STOPPED',
  maint: true,
  checkStatus: 'L7STS',
  checkCode: 503,
  checkInfo: "Service Unavailable — «quoted» 'text'",
  checkDurationMs: -1,
  lastCheck: T0 + 1_234,
  lastChange: T0 + 1_000,
  nextCheck: T0 + 2_000,
  fastinter: true,
  consecutiveErrors: 4,
  failedChecks: 7,
  downTransitions: 2,
  hanaFailures: 1,
  agent: { health: 0, status: 'L7STS', code: 1, info: 'drain', durationMs: 3, lastCheck: T0 + 900, nextCheck: T0 + 5_000 },
  agentWeight: 75,
  agentAdmin: 'drain',
}

function server(name: string): ServerPlan {
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
    fall: 3,
    interMs: 2000,
    fastinterMs: 500,
    downinterMs: 10_000,
    slowstartMs: 0,
    timeouts: { connectMs: 50, totalMs: 50 },
    onError: 'fail-check',
    errorLimit: 10,
  }
}

const PLAN: HealthPlan = {
  backend: 'api',
  routeMapHash: 'h1',
  probe: { type: 'http', http: { method: 'GET', uri: '/health', version: 'HTTP/1.1', headers: [], expect: DEFAULT_HTTP_EXPECT, disableOn404: false, sendState: false } },
  dynamicWeights: true,
  spreadChecks: 0,
  servers: [server('a'), server('b'), server('c')],
}

/** a answers 200, b 503, c refuses connections. */
const origins: FetchFn = async (req) => {
  const host = new URL(req.url).hostname
  if (host === 'c.test') throw new TypeError('Network connection lost.')
  return new Response(null, { status: host === 'a.test' ? 200 : 503 })
}

const noConnect: ConnectFn = () => {
  throw new Error('no TCP in this test')
}

export function monitorStoreConformance(name: string, run: MonitorStoreRunner): void {
  describe(`MonitorStore conformance: ${name}`, () => {
    it('meta values: absent until set, then the last value set, per key', () =>
      run(async (s) => {
        expect(s.getMeta('plan')).toBeUndefined()
        s.setMeta('plan', '{"a":1}')
        s.setMeta('touchedAt', '1700000000000')
        s.setMeta('plan', JSON.stringify({ servers: ['é', '"q"'] }))
        expect(s.getMeta('plan')).toBe('{"servers":["é","\\"q\\""]}')
        expect(s.getMeta('touchedAt')).toBe('1700000000000')
        s.setMeta('empty', '')
        expect(s.getMeta('empty')).toBe('')
      }))

    it('server health comes back as saved, optional fields included', () =>
      run(async (s) => {
        expect(s.loadServers()).toEqual(new Map())
        s.saveServer('a', MINIMAL)
        s.saveServer('b', FULL)
        s.saveServer('c', { ...MINIMAL, agent: { health: 1, status: 'INI', info: '', nextCheck: T0 } })
        const loaded = s.loadServers()
        expect([...loaded.keys()].sort()).toEqual(['a', 'b', 'c'])
        expect(loaded.get('a')).toStrictEqual(MINIMAL)
        expect(loaded.get('b')).toStrictEqual(FULL)
        expect(loaded.get('c')).toStrictEqual({ ...MINIMAL, agent: { health: 1, status: 'INI', info: '', nextCheck: T0 } })
      }))

    it('a save replaces the server: fields it does not have are gone', () =>
      run(async (s) => {
        s.saveServer('a', FULL)
        s.saveServer('a', MINIMAL)
        expect(s.loadServers()).toStrictEqual(new Map([['a', MINIMAL]]))
        s.saveServer('a', { ...MINIMAL, agentWeight: 0 })
        expect(s.loadServers().get('a')).toStrictEqual({ ...MINIMAL, agentWeight: 0 })
      }))

    it('delete removes one server; deleting an unknown one does nothing', () =>
      run(async (s) => {
        s.saveServer('a', MINIMAL)
        s.saveServer('b', FULL)
        s.deleteServer('a')
        s.deleteServer('zz')
        expect([...s.loadServers().keys()]).toEqual(['b'])
      }))

    it('loadServers gives a copy: changing it does not change the store', () =>
      run(async (s) => {
        s.saveServer('a', MINIMAL)
        const m = s.loadServers()
        m.delete('a')
        m.set('x', FULL)
        expect([...s.loadServers().keys()]).toEqual(['a'])
      }))

    it('a store opened again over the same data sees the same', () =>
      run(async (s, reopen) => {
        s.setMeta('plan', 'p')
        s.saveServer('a', FULL)
        s.saveServer('b', MINIMAL)
        const again = reopen()
        expect(again.getMeta('plan')).toBe('p')
        expect(again.loadServers()).toStrictEqual(
          new Map([
            ['a', FULL],
            ['b', MINIMAL],
          ]),
        )
      }))

    it('a MonitorCore over it carries on where the previous one stopped', () =>
      run(async (s, reopen) => {
        let now = T0
        let alarm: number | null = null
        const deps = (store: MonitorStore) => ({
          store,
          alarm: {
            get: async () => alarm,
            set: async (at: number) => {
              alarm = at
            },
          },
          io: { fetch: origins, connect: noConnect, now: () => now },
          random: () => 0.5,
        })
        const first = new MonitorCore(deps(s))
        await first.configure(PLAN)
        for (let i = 0; i < 5; i++) {
          now = Math.max(now, alarm ?? now)
          await first.runDue()
        }
        await first.report('a', { kind: 'http-status', status: 502 })
        const before = await first.snapshot()
        expect(before?.servers.a?.up).toBe(true)
        expect(before?.servers.b?.up).toBe(false)
        expect(first.state('c')?.failedChecks).toBeGreaterThan(0)
        // Rows are written on routing changes and checkpoints, not per probe: checkpoint first.
        first.checkpoint()
        const second = new MonitorCore(deps(reopen()))
        expect(second.plan).toEqual(PLAN)
        for (const n of ['a', 'b', 'c']) expect(second.state(n), n).toStrictEqual(first.state(n))
        expect(await second.snapshot()).toEqual(before)
        expect((await second.configure(PLAN)).changed).toBe(false)
      }))
  })
}

/** Runs `test` on a fresh, empty group store; `reopen` gives another store over the same data. */
export type GroupStoreRunner = (test: (store: GroupStore, reopen: () => GroupStore) => Promise<void>) => Promise<void>

/**
 * The GroupStore contract (src/health/group.ts: a monitor group's persistence): each backend's
 * MonitorStore is its own (same server names, same meta keys, no mixing), `backends()` lists the
 * backends with a plan, `drop` forgets one backend only, the group's meta is apart from theirs.
 */
export function groupStoreConformance(name: string, run: GroupStoreRunner): void {
  describe(`GroupStore conformance: ${name}`, () => {
    it('backends are kept apart; drop forgets one; a reopened store sees the same', () =>
      run(async (g, reopen) => {
        expect(g.backends()).toEqual([])
        const a = g.monitor('api')
        const b = g.monitor('web.v2:blue')
        a.setMeta('plan', 'A')
        b.setMeta('plan', 'B')
        a.saveServer('s1', MINIMAL)
        b.saveServer('s1', FULL)
        g.setMeta('touchedAt', '42')
        expect(g.backends().sort()).toEqual(['api', 'web.v2:blue'])
        expect(a.getMeta('plan')).toBe('A')
        expect(b.getMeta('touchedAt')).toBeUndefined()
        expect(a.loadServers().get('s1')).toStrictEqual(MINIMAL)
        expect(b.loadServers().get('s1')).toStrictEqual(FULL)
        a.deleteServer('s1')
        expect(b.loadServers().size).toBe(1)
        g.drop('api')
        const again = reopen()
        expect(again.backends()).toEqual(['web.v2:blue'])
        expect(again.monitor('api').getMeta('plan')).toBeUndefined()
        expect(again.monitor('web.v2:blue').loadServers().get('s1')).toStrictEqual(FULL)
        expect(again.getMeta('touchedAt')).toBe('42')
      }))
  })
}
