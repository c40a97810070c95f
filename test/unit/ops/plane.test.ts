/**
 * The state plane in memory: the hub, relays and isolates' runtime clients wired together with a
 * fake clock, as the Durable Objects wire them (durable-objects/runtime-state.ts). What an
 * operator sees: a change reaches every isolate through a push, a cold isolate makes one call to
 * its own location, counters reach the hub, health travels only when it changes routing.
 */
import { describe, expect, it } from 'vitest'
import type { HealthPlan } from '../../../src/health/plan.ts'
import type { HealthSnapshot, ServerSnapshot } from '../../../src/health/snapshot.ts'
import { HubCore, type MonitorAccess, type PlaneStore } from '../../../src/ops/hub.ts'
import { type IsolateSync, ISOLATE_SYNC_MAX_MS, ISOLATE_SYNC_MS, type PlaneState, RELAY_SYNC_MS, type RelaySync } from '../../../src/ops/plane.ts'
import { RelayCore } from '../../../src/ops/relay.ts'
import { RuntimeClient } from '../../../src/ops/runtime-client.ts'
import type { LivePointer } from '../../../src/routemap/kv.ts'
import { serverSnapshot } from '../../helpers/server-snapshot.ts'

function memStore(): PlaneStore & { writes: number; map: Map<string, unknown> } {
  const map = new Map<string, unknown>()
  const s = {
    writes: 0,
    map,
    entries: () => [...map.entries()],
    put: (k: string, v: unknown) => {
      s.writes++
      map.set(k, structuredClone(v))
    },
    delete: (k: string) => {
      map.delete(k)
    },
  }
  return s
}

const server = serverSnapshot

function snapshot(backend: string, servers: Record<string, ServerSnapshot>, at = 0, hash = 'h1'): HealthSnapshot {
  return { backend, routeMapHash: hash, generatedAt: at, minInterMs: 2000, servers }
}

/** A world: one hub, relays by location, isolates by id; RPCs are direct calls (no latency). */
function world(o: { pointer?: () => LivePointer | null; versions?: Map<string, string | null>; hubVersions?: Map<string, string | null>; monitors?: MonitorAccess } = {}) {
  const clock = { t: 1_000_000 }
  const now = () => clock.t
  const hubStore = memStore()
  const relays = new Map<string, RelayCore>()
  const hubCalls: RelaySync[] = []
  const pushes: string[] = []
  const pointer = o.pointer
  const hub = new HubCore({
    store: hubStore,
    now,
    ...(pointer ? { readPointer: async () => pointer() } : {}),
    ...(o.hubVersions ? { readVersion: async (p: LivePointer) => o.hubVersions?.get(p.version) ?? null } : {}),
    push: async (relay, state, text) => {
      pushes.push(relay)
      relays.get(relay)?.push(state, text)
    },
    ...(o.monitors ? { monitors: o.monitors } : {}),
  })
  const relayStores = new Map<string, ReturnType<typeof memStore>>()
  const relayOf = (location: string): RelayCore => {
    const name = `loc:${location}`
    let r = relays.get(name)
    if (!r) {
      const store = relayStores.get(name) ?? memStore()
      relayStores.set(name, store)
      const versions = o.versions
      r = new RelayCore({
        store,
        now,
        hub: async (req) => {
          hubCalls.push(req)
          return hub.relaySync(req)
        },
        ...(versions ? { readVersion: async (p: LivePointer) => versions.get(p.version) ?? null } : {}),
      })
      relays.set(name, r)
    }
    return r
  }
  const relayCalls: IsolateSync[] = []
  const isolate = (id: string, location: string, counters: () => Record<string, { stot: number }> | undefined = () => undefined) => {
    const got: { health?: Readonly<Record<string, HealthSnapshot>>; routeMap?: [LivePointer | null | undefined, string | undefined] } = {}
    let running = ''
    const client = new RuntimeClient(
      () => ({
        sync: async (req) => {
          relayCalls.push(req)
          return relayOf(location).sync(req)
        },
      }),
      {
        now,
        isolate: id,
        location,
        routeMap: () => running,
        report: () => {
          const c = counters()
          return c ? { isolate: id, at: now(), counters: c } : undefined
        },
        onHealth: (h) => {
          got.health = h
        },
        onRouteMap: (p, text) => {
          got.routeMap = [p, text]
          if (p && text !== undefined) running = `${p.version}@${p.hash}`
        },
      },
    )
    return { client, got }
  }
  const settle = async () => {
    await hub.idle()
    for (const r of relays.values()) await r.idle()
    await hub.idle()
  }
  return { clock, hub, hubStore, relays, relayOf, relayStores, isolate, hubCalls, relayCalls, pushes, settle }
}

describe('the state plane: hub, relays, isolates', () => {
  it('a cold isolate makes one call, to its own location; a warm relay answers without the hub', async () => {
    const w = world()
    const a = w.isolate('a', 'AMS')
    await a.client.sync()
    // The relay had never heard from the hub: that first caller waited for it, once.
    expect(w.hubCalls).toHaveLength(1)
    expect(w.relayCalls).toHaveLength(1)
    const b = w.isolate('b', 'AMS')
    w.clock.t += 1000
    await b.client.sync()
    expect(w.relayCalls.map((c) => c.location)).toEqual(['AMS', 'AMS'])
    expect(w.hubCalls).toHaveLength(1)
    expect(b.client.view.version).toBe(0)
  })

  it('an admin change is pushed to every relay and reaches each isolate at its next sync', async () => {
    const w = world()
    const isolates = ['AMS', 'SIN', 'GRU'].map((loc, i) => w.isolate(`i${i}`, loc))
    for (const i of isolates) await i.client.sync()
    w.hub.setAdmin('app', 's1', { state: 'maint' })
    await w.settle()
    expect(new Set(w.pushes)).toEqual(new Set(['loc:AMS', 'loc:SIN', 'loc:GRU']))
    const before = w.hubCalls.length
    w.clock.t += ISOLATE_SYNC_MS
    for (const i of isolates) {
      expect(i.client.due()).toBe(true)
      await i.client.sync()
      expect(i.client.view.admin['app/s1']?.state).toBe('maint')
    }
    // Within RELAY_SYNC_MS of their last hub call, the relays answered from the push alone.
    expect(w.hubCalls.length).toBe(before)
  })

  it('a relay that missed a push gets the state at its next hub sync (a backstop)', async () => {
    const w = world()
    const i = w.isolate('i', 'AMS')
    await i.client.sync()
    // The push is lost (the relay's lease ran out on the hub's side, or the call failed).
    const relay = w.relays.get('loc:AMS')
    w.relays.delete('loc:AMS')
    w.hub.setAdmin('app', 's1', { weight: 10 })
    await w.settle()
    w.relays.set('loc:AMS', relay as RelayCore)
    w.clock.t += RELAY_SYNC_MS
    await i.client.sync()
    await w.settle()
    w.clock.t += ISOLATE_SYNC_MS
    await i.client.sync()
    expect(i.client.view.admin['app/s1']?.weight).toBe(10)
  })

  it("counters of a location's isolates reach the hub merged, standing for every isolate", async () => {
    const w = world()
    let n = 3
    const a = w.isolate('a', 'AMS', () => ({ 'fe:web': { stot: n } }))
    const b = w.isolate('b', 'AMS', () => ({ 'fe:web': { stot: 2 } }))
    const c = w.isolate('c', 'SIN', () => ({ 'fe:web': { stot: 5 } }))
    await a.client.sync()
    await b.client.sync()
    await c.client.sync()
    await w.settle()
    // The first syncs waited for the hub (cold relays): a's and c's counters are there, b's wait for AMS's next hub sync.
    expect(w.hub.stats().counters['fe:web']?.stot).toBe(8)
    n = 4
    w.clock.t += RELAY_SYNC_MS
    await a.client.sync()
    await w.settle()
    expect(w.hub.stats().counters['fe:web']?.stot).toBe(14)
    expect(w.hub.stats().isolates).toBe(3)
    // Counters are persisted at most once a minute, not per sync.
    expect([...w.hubStore.map.keys()].filter((k) => k.startsWith('counters:'))).toEqual([])
  })

  it('pushes do not hold back the counters: a relay still calls the hub every RELAY_SYNC_MS', async () => {
    const w = world()
    const a = w.isolate('a', 'AMS', () => ({ 'fe:web': { stot: 1 } }))
    await a.client.sync()
    const calls = w.hubCalls.length
    for (let i = 0; i < 4; i++) {
      w.clock.t += ISOLATE_SYNC_MS
      w.hub.setAdmin('app', 's1', { weight: i + 1 })
      await w.settle()
      await a.client.sync()
      await w.settle()
    }
    expect(w.hubCalls.length).toBeGreaterThanOrEqual(calls + 1)
    expect(w.hub.stats().counters['fe:web']?.stot).toBeGreaterThanOrEqual(3)
  })

  it('a flush (the stats page) forwards the counters before answering', async () => {
    const w = world()
    const a = w.isolate('a', 'AMS', () => ({ 'fe:web': { stot: 1 } }))
    await a.client.sync()
    w.clock.t += 100
    await a.client.sync(true)
    expect(w.hub.stats().counters['fe:web']?.stot).toBe(2)
  })

  it('health travels when it changes routing, not on every probe', async () => {
    const w = world()
    const a = w.isolate('a', 'AMS')
    await a.client.sync()
    const seq0 = w.hub.state().seq
    w.hub.putHealth('default', snapshot('app', { s1: server(true), s2: server(true) }, 1))
    await w.settle()
    expect(w.hub.state().seq).toBe(seq0 + 1)
    // A later probe with the same verdicts: no change, no push.
    const pushes = w.pushes.length
    w.hub.putHealth('default', snapshot('app', { s1: server(true, { lastCheck: 5 }), s2: server(true) }, 2))
    await w.settle()
    expect(w.hub.state().seq).toBe(seq0 + 1)
    expect(w.pushes.length).toBe(pushes)
    w.hub.putHealth('default', snapshot('app', { s1: server(true), s2: server(false) }, 3))
    await w.settle()
    w.clock.t += ISOLATE_SYNC_MS
    await a.client.sync()
    expect(a.got.health?.app?.servers.s2?.usable).toBe(false)
    expect(a.got.health?.app?.servers.s1?.usable).toBe(true)
  })

  it('a backend whose health an isolate lacks gets its monitors configured once, and its snapshot read', async () => {
    const configured: string[][] = []
    const monitors: MonitorAccess = {
      configure: async (plans) => {
        configured.push(plans.map((p) => p.backend))
      },
      snapshots: async (plan) => ({ default: snapshot(plan.backend, { s1: server(false) }, 1, plan.routeMapHash) }),
    }
    const w = world({ monitors })
    const plan = { backend: 'app', routeMapHash: 'h1', servers: [] } as unknown as HealthPlan
    const a = w.isolate('a', 'AMS')
    const b = w.isolate('b', 'AMS')
    await a.client.sync()
    a.client.want([plan])
    b.client.want([plan])
    expect(a.client.due()).toBe(true)
    await a.client.sync()
    await b.client.sync()
    await w.settle()
    expect(configured).toEqual([['app']])
    w.clock.t += ISOLATE_SYNC_MS
    await a.client.sync()
    expect(a.got.health?.app?.servers.s1?.usable).toBe(false)
  })

  it('during a push, isolates still on the old map do not take the monitors back to it', async () => {
    const configured: string[] = []
    const monitors: MonitorAccess = {
      configure: async (plans) => {
        configured.push(plans[0]?.routeMapHash ?? '')
      },
      snapshots: async (plan) => ({ 'group:default': snapshot(plan.backend, { s1: server(true) }, 1, plan.routeMapHash) }),
    }
    const w = world({ monitors })
    const plan = (hash: string) => ({ backend: 'app', routeMapHash: hash, servers: [] }) as unknown as HealthPlan
    const oldIso = w.isolate('old', 'AMS')
    const newIso = w.isolate('new', 'SIN')
    await oldIso.client.sync()
    await newIso.client.sync()
    oldIso.client.want([plan('h1')])
    await oldIso.client.sync()
    await w.settle()
    newIso.client.want([plan('h2')])
    await newIso.client.sync()
    await w.settle()
    // The old isolate asks again (its map's health is missing from the state): ignored.
    w.clock.t += 31_000
    oldIso.client.want([plan('h1')])
    await oldIso.client.sync()
    await w.settle()
    expect(configured).toEqual(['h1', 'h2'])
    expect(w.hub.state().health.app?.routeMapHash).toBe('h2')
  })

  it('a config push: the hub reads the pointer, the relay reads the text in its location, the isolate gets both', async () => {
    let pointer: LivePointer | null = null
    const versions = new Map<string, string | null>()
    const w = world({ pointer: () => pointer, versions })
    const a = w.isolate('a', 'AMS')
    await a.client.sync()
    await w.settle()
    // KV has no live version yet: no text, the isolate runs its built-in RouteMap.
    expect(a.got.routeMap?.[1]).toBeUndefined()
    pointer = { version: 'v2', hash: 'abc', at: '', by: 'push' }
    // KV has not propagated the version to AMS yet.
    versions.set('v2', null)
    w.clock.t += RELAY_SYNC_MS
    await a.client.sync()
    await w.settle()
    w.clock.t += ISOLATE_SYNC_MS
    await a.client.sync()
    await w.settle()
    expect(a.got.routeMap).toEqual([pointer, undefined])
    versions.set('v2', '{"the":"map"}')
    w.clock.t += 2000
    await a.client.sync()
    await w.settle()
    w.clock.t += ISOLATE_SYNC_MS
    await a.client.sync()
    expect(a.got.routeMap).toEqual([pointer, '{"the":"map"}'])
    // Once it runs that version, the text is not sent again.
    w.clock.t += ISOLATE_SYNC_MS
    await a.client.sync()
    expect(a.got.routeMap?.[1]).toBe('{"the":"map"}')
    const last = w.relayCalls.at(-1)
    expect(last?.routeMap).toBe('v2@abc')
  })

  it("a push carries the RouteMap's text from the hub: no relay waits for KV to reach its location", async () => {
    let pointer: LivePointer | null = null
    const relayReads = new Map<string, string | null>()
    const hubVersions = new Map<string, string | null>([['v7', '{"seven":1}']])
    const w = world({ pointer: () => pointer, versions: relayReads, hubVersions })
    const a = w.isolate('a', 'SYD')
    await a.client.sync()
    await w.settle()
    pointer = { version: 'v7', hash: 'h7', at: '', by: 'push' }
    // KV has not reached SYD: the relay's own read would get nothing.
    relayReads.set('v7', null)
    w.clock.t += 1000
    await w.hub.pollPointer()
    await w.settle()
    w.clock.t += ISOLATE_SYNC_MS
    await a.client.sync()
    expect(a.got.routeMap).toEqual([pointer, '{"seven":1}'])
  })

  it('a relay restarted after an eviction answers from its stored state', async () => {
    const w = world()
    const a = w.isolate('a', 'AMS')
    await a.client.sync()
    w.hub.setAdmin('app', 's1', { state: 'drain' })
    await w.settle()
    // The object is evicted; a new instance reads its SQLite.
    w.relays.delete('loc:AMS')
    const calls = w.hubCalls.length
    const b = w.isolate('b', 'AMS')
    await b.client.sync()
    expect(w.hubCalls.length).toBe(calls)
    expect(b.client.view.admin['app/s1']?.state).toBe('drain')
  })

  it('busy relays spread their isolates: the interval grows with them, up to ISOLATE_SYNC_MAX_MS', async () => {
    const w = world()
    const answers: number[] = []
    const relay = w.relayOf('AMS')
    for (let i = 0; i < 2000; i++) {
      const a = await relay.sync({ isolate: `i${i}`, location: 'AMS', seq: -1, routeMap: '', report: { isolate: `i${i}`, at: w.clock.t, counters: {} } })
      answers.push(a.nextSyncMs)
    }
    expect(answers[0]).toBe(ISOLATE_SYNC_MS)
    expect(answers.at(-1)).toBe(ISOLATE_SYNC_MAX_MS)
    // 2,000 isolates at 4 s: 500 calls/s; the state plane never asks for more than that of one relay.
    expect(2000 / ((answers.at(-1) as number) / 1000)).toBeLessThanOrEqual(500)
  })

  it('the hub keeps its state across a restart (admin, health, seq)', async () => {
    const w = world()
    w.hub.setAdmin('app', 's1', { state: 'maint' })
    w.hub.putHealth('default', snapshot('app', { s1: server(false) }, 1))
    const again = new HubCore({ store: w.hubStore, now: () => w.clock.t, push: async () => {} })
    const s: PlaneState = again.state()
    expect(s.seq).toBe(w.hub.state().seq)
    expect(s.view.admin['app/s1']?.state).toBe('maint')
    expect(s.health.app?.servers.s1?.usable).toBe(false)
  })
})
