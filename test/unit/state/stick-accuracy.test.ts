/**
 * Accuracy of fast-mode stick tables at the edge, on a virtual clock with fake RPC latency: the
 * seed's rate limit (examples/haproxy.cfg: `stick-table type ip size 200k expire 30s store
 * http_req_rate(10s)`, `http-request track-sc0 src`, `http-request deny deny_status 429 if {
 * sc_http_req_rate(0) gt 200 }`), one client sending at a steady rate, its requests spread at
 * random over the isolates of one or several locations. Each isolate runs the real engine and
 * RemoteStickStore; replicas and home shards are the real cores (StickReplica, StickShard) behind
 * FakeDOs, a call taking LOCAL_RTT_MS to a replica and HOME_RTT_MS from a replica to the home
 * shard; replicas sync with the home when due (their alarm). The reference is HAProxy's count:
 * the same requests through one in-memory table. Figures: docs/stick-tables.md.
 */
import { describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../../src/engine/index.ts'
import { type RemoteStickFactory, remoteStickStore } from '../../../src/state/remote-stick.ts'
import { FLUSH_LONG_MS, FLUSH_SHORT_MS, HOME_SYNC_MS } from '../../../src/state/stick-replica.ts'
import { prng } from '../../conformance/balancer.suite.ts'
import { FakeDOs } from '../../helpers/stick-fakes.ts'
import { routeMapOf as routeMap } from '../../helpers/cfg.ts'

const LIMIT = 200
const SEED = `
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe
  bind :80
  stick-table type ip size 200k expire 30s store http_req_rate(10s)
  http-request track-sc0 src
  http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${LIMIT} }
  default_backend be
backend be
  server s1 192.0.2.10:80
`
const T0 = 1_795_609_869_760
/** Round trip isolate → replica in its location (ms). */
const LOCAL_RTT_MS = 10
/** Round trip replica → home shard, across the world (ms). */
const HOME_RTT_MS = 150

/** A virtual clock: sleepers wake in time order as the driver advances it. */
class VirtualClock {
  now = T0
  #sleepers: { at: number; seq: number; wake: () => void }[] = []
  #seq = 0

  sleep = (ms: number): Promise<void> =>
    new Promise<void>((wake) => {
      this.#sleepers.push({ at: this.now + ms, seq: this.#seq++, wake })
    })

  /** Advances to `t`, waking every sleeper due on the way (and what their wake-ups schedule). */
  async advance(t: number): Promise<void> {
    for (;;) {
      this.#sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.#sleepers[0]
      if (!next || next.at > t) break
      this.#sleepers.shift()
      this.now = Math.max(this.now, next.at)
      next.wake()
      await new Promise((r) => setImmediate(r))
    }
    this.now = t
  }
}

interface Scenario {
  /** Requests per second of the client. */
  readonly rate: number
  readonly seconds: number
  readonly locations: number
  readonly isolatesPerLocation: number
  readonly seed?: number
  /** One client per isolate (the client's connection stays on its isolate) instead of one client spread over all. */
  readonly pinned?: boolean
}

interface Outcome {
  readonly admitted: number
  /** HAProxy's count: the same requests through one table. */
  readonly reference: number
  /** Isolate → replica flushes, replica → home syncs. */
  readonly flushes: number
  readonly syncs: number
}

async function run(s: Scenario): Promise<Outcome> {
  const rm = routeMap(SEED)
  const clock = new VirtualClock()
  const dos = new FakeDOs({ now: () => clock.now, delay: (name) => clock.sleep((name.includes('@') ? LOCAL_RTT_MS : HOME_RTT_MS) / 2) })
  const isolates: { engine: Engine; factory: RemoteStickFactory }[][] = []
  for (let l = 0; l < s.locations; l++) {
    const here: { engine: Engine; factory: RemoteStickFactory }[] = []
    for (let i = 0; i < s.isolatesPerLocation; i++) {
      const factory = remoteStickStore({ shard: dos.rpc, location: `L${l}`, isolate: `L${l}-i${i}`, sleep: clock.sleep, timeoutMs: 1e9 })
      here.push({ engine: createEngine(rm, { stick: factory, now: () => clock.now }), factory })
    }
    isolates.push(here)
  }
  const reference = createEngine(rm, { now: () => clock.now })
  const r = prng(s.seed ?? 7)
  const req = { method: 'GET', url: 'http://s.example/', headers: [] as [string, string][], src: '198.51.100.7' }
  let admitted = 0
  let refAdmitted = 0
  const syncing = new Set<string>()
  const total = Math.round(s.rate * s.seconds)
  for (let n = 0; n < total; n++) {
    await clock.advance(T0 + Math.round((n * 1000) / s.rate))
    // Replicas' alarms: sync with the home when due.
    for (const [name, rep] of dos.replicas) {
      const due = rep.core.homeDue()
      if (due !== undefined && due <= clock.now && !syncing.has(name)) {
        syncing.add(name)
        void dos.syncReplica(name, clock.now).finally(() => syncing.delete(name))
      }
    }
    const loc = isolates[r() % s.locations] ?? []
    const pick = r() % loc.length
    const iso = loc[s.pinned ? n % loc.length : pick]
    if (!iso) throw new Error('no isolate')
    const d = await iso.engine.decide(s.pinned ? { ...req, src: `198.51.100.${n % loc.length}` } : req)
    if (d.kind !== 'respond') admitted++
    const ref = await reference.decide(req)
    if (ref.kind !== 'respond') refAdmitted++
  }
  const calls = dos.calls
  return { admitted, reference: refAdmitted, flushes: calls.filter((c) => c.startsWith('flush')).length, syncs: calls.filter((c) => c.startsWith('update')).length }
}

const report = (what: string, o: Outcome): void => {
  console.log(`${what}: admitted ${o.admitted}, HAProxy ${o.reference} (+${(((o.admitted - o.reference) / o.reference) * 100).toFixed(1)}%), ${o.flushes} flushes, ${o.syncs} home syncs`)
}

describe('fast-mode accuracy: the seed rate limit (200 requests / 10 s per address)', () => {
  it('one isolate: exactly HAProxy’s count, at any rate and over several periods', async () => {
    for (const rate of [15, 25, 50, 200]) {
      const o = await run({ rate, seconds: 35, locations: 1, isolatesPerLocation: 1 })
      report(`1 isolate, ${rate}/s`, o)
      expect(o.admitted, `${rate}/s`).toBe(o.reference)
    }
  })

  it('clients that stay on one isolate cost no refresh: one flush per request at most, however many isolates', async () => {
    const o = await run({ rate: 5, seconds: 30, locations: 1, isolatesPerLocation: 5, pinned: true })
    report('5 isolates, one client each at 1/s', o)
    expect(o.flushes).toBeLessThanOrEqual(150)
    // The same traffic as one client spread over the 5 isolates: its views are kept fresh.
    const spread = await run({ rate: 5, seconds: 30, locations: 1, isolatesPerLocation: 5 })
    report('5 isolates, one client at 5/s spread', spread)
    expect(spread.flushes).toBeGreaterThan(5 * o.flushes)
  })

  it('N isolates in one location: admitted within 10% above HAProxy’s count', async () => {
    for (const isolates of [2, 5, 20]) {
      for (const rate of [25, 50, 100]) {
        const o = await run({ rate, seconds: 30, locations: 1, isolatesPerLocation: isolates })
        report(`${isolates} isolates, 1 location, ${rate}/s`, o)
        expect(o.admitted).toBeGreaterThanOrEqual(o.reference)
        expect(o.admitted, `${isolates} isolates at ${rate}/s`).toBeLessThanOrEqual(o.reference * 1.1)
      }
    }
  })

  it('a client spread over 2, 5 and 20 locations: more admitted, bounded by the home sync', async () => {
    const rate = 50
    for (const perLocation of [1, 2]) {
      for (const locations of [2, 5, 20]) {
        const o = await run({ rate, seconds: 30, locations, isolatesPerLocation: perLocation })
        report(`${locations} locations × ${perLocation} isolate(s), ${rate}/s`, o)
        expect(o.admitted).toBeGreaterThan(o.reference)
        // A location sees the others' requests at worst two flushes, two home syncs and a far
        // round trip late: the requests sent elsewhere meanwhile are admitted over the limit.
        const flush = perLocation === 1 ? FLUSH_LONG_MS : FLUSH_SHORT_MS
        const lagS = (2 * HOME_SYNC_MS + HOME_RTT_MS + 2 * flush) / 1000
        expect(o.admitted).toBeLessThanOrEqual(o.reference + rate * (1 - 1 / locations) * lagS)
        // Each replica syncs with the home at most every HOME_SYNC_MS.
        expect(o.syncs).toBeLessThanOrEqual(locations * (30_000 / HOME_SYNC_MS + 1))
      }
    }
  })
})
