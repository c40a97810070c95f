/**
 * @module
 * One simulation run: the World, the virtual clock, the platform's fakes with the real cores
 * behind them, the isolates (real isolate code, one env per location), the traffic and the
 * scenarios of the Timeline, and the raw measurements (bench/sim/measure.ts turns them into
 * results). Traffic: every isolate serves a regular stream of real requests (the sample), each
 * standing for its share of the location's requests (its weight); the clients under study send
 * every request for real.
 */
import { readFileSync } from 'node:fs'
import type { SourceName } from '../../src/cost/model.ts'
import { compileConfig } from '../../src/config/compile.ts'
import type { RequestRecord } from '../../src/log/entry.ts'
import { LIVE_KEY, versionKey } from '../../src/routemap/kv.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'
import type { Env } from '../../src/worker/env.ts'
import type { Isolate } from '../../src/worker/isolate.ts'
import { healthBinding } from './adapters/health.ts'
import { hubRequests, reportedRequests, runtimeBinding } from './adapters/runtime.ts'
import { stickBinding } from './adapters/stick.ts'
import { callCtx, Platform, type Trace } from './bindings.ts'
import { VirtualClock } from './clock.ts'
import { cronSim, createSimIsolate, probe, serveSim } from './isolate.ts'
import { rng as prng } from '../lib/rng.ts'
import { type Location, type ModelParams, originLocation, World } from './model.ts'
import { PATHS, type Timeline } from './scenarios.ts'

/** The virtual epoch the run starts at. */
const T0 = Date.UTC(2026, 0, 1)
const API_TOKEN = 'sim-token'

export interface SimIso {
  readonly id: string
  readonly location: string
  readonly iso: Isolate
  readonly env: Env
  readonly born: number
  readonly dies: number
  alive: boolean
  served: number
  /** The first request's waits. */
  cold?: ColdStart
}

export interface ColdStart {
  readonly location: string
  readonly at: number
  readonly waitMs: number
  /** Sequential round trips to Durable Objects it waited for (overlapping calls count once). */
  readonly doRoundTrips: number
  readonly kvRoundTrips: number
  /** Objects outside its location it waited on. */
  readonly far: readonly string[]
  /** The Durable Object calls it waited for, in order (`BINDING.method`). */
  readonly waited: readonly string[]
  /** …of which beyond the object site nearest to its location (where a relay or replica would be). */
  readonly beyond: readonly string[]
}

export interface ClientStats {
  readonly name: string
  readonly locations: readonly string[]
  sent: number
  admitted: number
}

/** Everything a run records (times in ms after the start). */
export interface Raw {
  readonly world: World
  readonly timeline: Timeline
  readonly routeMap: RouteMap
  readonly platform: Platform
  readonly isolates: SimIso[]
  readonly cold: ColdStart[]
  readonly clients: ClientStats[]
  /** Rate limit of the seed: requests per period before deny. */
  readonly limit: { readonly requests: number; readonly periodMs: number }
  /** Per admin change: per isolate alive at the change, when it had it (undefined: never). */
  readonly admin: { command: string; learned: (number | undefined)[] }[]
  /** Per isolate alive at the push: KV propagation at its location and when it ran the new version. */
  readonly push: { location: string; kvMs: number; learnedMs?: number }[]
  /** Per isolate alive at the failure: when its health view had the server not usable. */
  readonly failureLearned: (number | undefined)[]
  /** Per location: last request sent to the failed origin after the failure (ms after it), requests then. */
  readonly failureLast: Map<string, { lastMs: number; requests: number }>
  /** Counters: (time, generated so far, the hub's count + lost at that time). */
  readonly counters: { at: number; generated: number; hub: number }[]
  /** Requests generated (weights summed), and in the steady window. */
  generated: number
  generatedSteady: number
  /** Requests the isolates' accounting ended (weights summed). */
  accounted: number
  /** Requests the hub has at the end, and the ones lost on the way (evicted isolates, failed syncs). */
  hubFinal: number
  lostEvicted: number
  lostSyncs: number
  realRequests: number
  /** Promise rejections nothing handled (the Workers runtime logs them; so does the run). */
  unhandled: { count: number; samples: string[] }
  statuses: Record<string, number>
  meanIsolates: number
  wallMs: number
  events: number
}

/** Adds `k` more requests like `rec` to its counters (a sampled request stands for the bulk). */
function addBulk(rec: RequestRecord, k: number): void {
  const r = rec as unknown as { feSlot?: Record<string, number>; beSlot?: Record<string, number>; srvSlot?: Record<string, number>; status: number; serverStatus: number; backendAssigned: boolean }
  const bucket = (s: number): string => (s >= 100 && s < 600 ? `hrsp_${Math.floor(s / 100)}xx` : 'hrsp_other')
  const add = (slot: Record<string, number> | undefined, f: string): void => {
    if (slot) slot[f] = (slot[f] ?? 0) + k
  }
  add(r.feSlot, 'stot')
  add(r.feSlot, 'conn_tot')
  add(r.feSlot, 'req_tot')
  if (r.status >= 0) add(r.feSlot, bucket(r.status))
  add(r.beSlot, 'stot')
  if (r.backendAssigned) {
    add(r.beSlot, 'req_tot')
    if (r.status >= 0) add(r.beSlot, bucket(r.status))
  }
  add(r.srvSlot, 'stot')
  if (r.serverStatus > 0) {
    add(r.srvSlot, 'req_tot')
    add(r.srvSlot, bucket(r.serverStatus))
  }
}

function compileSeed(text: string): RouteMap {
  const r = compileConfig([{ name: 'haproxy.cfg', text }])
  if (!r.routeMap) throw new Error('the seed config does not compile')
  return r.routeMap
}

/** The seed's rate limit, read from its text (`http_req_rate(<p>s)` and `sc_http_req_rate(0) gt <n>`). */
function seedLimit(text: string): { requests: number; periodMs: number } {
  const p = /http_req_rate\((\d+)s\)/.exec(text)
  const n = /sc_http_req_rate\(0\) gt (\d+)/.exec(text)
  if (!p || !n) throw new Error('the seed config has no http_req_rate limit')
  return { requests: Number(n[1]), periodMs: Number(p[1]) * 1000 }
}

function fakeCtx(): ExecutionContext {
  return { waitUntil: (p: Promise<unknown>) => void p.catch(() => {}), passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext
}

export async function simulate(p: ModelParams, tl: Timeline, configPath: string, log: (s: string) => void): Promise<Raw> {
  const wall0 = performance.now()
  const clock = new VirtualClock(T0, callCtx)
  const restore = clock.install()
  const realFetch = globalThis.fetch
  const cleanups: (() => void)[] = []
  // The real code logs (access log, warnings): counted, not printed.
  const logged = { lines: 0 }
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error }
  const quiet = (): void => {
    logged.lines++
  }
  console.log = quiet
  console.info = quiet
  console.warn = quiet
  console.error = quiet
  cleanups.push(() => Object.assign(console, saved))
  try {
    const world = new World(p, [originLocation(p)])
    const platform = new Platform(world, clock)
    globalThis.fetch = ((i: RequestInfo | URL, init?: RequestInit) => platform.fetch(i, init)) as typeof fetch
    const runtime = runtimeBinding(platform)
    platform.register(runtime.spec)
    platform.register(
      stickBinding(platform, {
        isolatesAt: (l) => {
          const loc = world.byId.get(l)
          return loc ? world.isolatesFor(loc) : 1
        },
      }),
    )
    platform.register(healthBinding(platform))
    const rand = prng(p.seed)
    const text = readFileSync(configPath, 'utf8')
    const routeMap = compileSeed(text)
    const routeMapText = JSON.stringify(routeMap)
    const limit = seedLimit(text)
    // v1 is live everywhere before the start (pushed long ago).
    const first = world.locations[0] as Location
    const kvAt = (key: string, value: string): void => {
      const vis = platform.kvWrite(key, value, first.id)
      for (const k of vis.keys()) vis.set(k, clock.now)
    }
    kvAt(versionKey('v1'), JSON.stringify(routeMap))
    kvAt(LIVE_KEY, JSON.stringify({ version: 'v1', hash: routeMap.hash, at: new Date(clock.now).toISOString(), by: 'push' }))
    const envs = new Map<string, Env>()
    const envOf = (loc: string): Env => {
      let e = envs.get(loc)
      if (!e) {
        e = {
          ROUTEMAPS: platform.kv(loc),
          HEALTH: platform.namespace('HEALTH', loc) as Env['HEALTH'],
          STICK: platform.namespace('STICK', loc) as Env['STICK'],
          RUNTIME: platform.namespace('RUNTIME', loc) as Env['RUNTIME'],
          EDGEPROXY_API_TOKEN: API_TOKEN,
          // The fallback RouteMap (KV has v1 from the start; an isolate runs this until it reads it).
          EDGEPROXY_ROUTEMAP: routeMapText,
        } as Env
        envs.set(loc, e)
      }
      return e
    }
    const raw: Raw = {
      world,
      timeline: tl,
      routeMap,
      platform,
      isolates: [],
      cold: [],
      clients: [],
      limit,
      admin: [],
      push: [],
      failureLearned: [],
      failureLast: new Map(),
      counters: [],
      generated: 0,
      generatedSteady: 0,
      accounted: 0,
      hubFinal: 0,
      lostEvicted: 0,
      lostSyncs: 0,
      realRequests: 0,
      unhandled: { count: 0, samples: [] },
      statuses: {},
      meanIsolates: 0,
      wallMs: 0,
      events: 0,
    }
    const onUnhandled = (e: unknown): void => {
      raw.unhandled.count++
      if (raw.unhandled.samples.length < 5) raw.unhandled.samples.push(((e as Error)?.stack ?? String(e)).split('\n').slice(0, 8).join('\n'))
    }
    process.on('unhandledRejection', onUnhandled)
    cleanups.push(() => process.off('unhandledRejection', onUnhandled))
    platform.countFrom = T0 + tl.warmupMs
    platform.countUntil = T0 + tl.durationMs
    let seq = 0
    const pools = new Map<string, SimIso[]>()
    const endAt = T0 + tl.durationMs

    const spawn = (loc: Location, born: number): SimIso => {
      const id = `${loc.id}#${++seq}`
      const env = envOf(loc.id)
      const iso = createSimIsolate(env, { location: loc.id, id })
      const acc = iso.accounting
      const end = acc.end.bind(acc)
      acc.end = (rec: RequestRecord) => {
        end(rec)
        const w = callCtx.getStore()?.weight ?? 1
        raw.accounted += w
        if (w > 1) addBulk(rec, w - 1)
        // A request that ends on an evicted isolate: its counters are lost (counted now).
        if (!s.alive) acc.takeReport(id, clock.now)
      }
      const life = -Math.log(1 - rand()) * p.isolateLifetimeMs
      const s: SimIso = { id, location: loc.id, iso, env, born, dies: born + life, alive: true, served: 0 }
      raw.isolates.push(s)
      return s
    }

    /** One real request through an isolate, standing for `weight` requests. */
    const send = (s: SimIso, path: string, ip: string, weight: number, onStatus?: (st: number) => void): void => {
      const now = clock.now
      raw.generated += weight
      if (now >= T0 + tl.warmupMs && now < endAt) raw.generatedSteady += weight
      raw.realRequests++
      const first = s.served === 0
      s.served++
      const trace: Trace | undefined = first ? { start: now, calls: [] } : undefined
      const req = new Request(`https://www.example.com${path}`, { headers: { 'cf-connecting-ip': ip, 'user-agent': 'sim' } })
      void callCtx.run({ location: s.location, isolate: s.id, weight, ...(trace ? { trace } : {}) }, async () => {
        // An isolate starts before its first request runs.
        if (first) await clock.sleep(p.coldStartMs)
        let status = 0
        try {
          const res = await serveSim(s.iso, req, s.env, fakeCtx())
          status = res.status
          await res.arrayBuffer()
        } catch {
          status = -1
        }
        raw.statuses[status] = (raw.statuses[status] ?? 0) + weight
        onStatus?.(status)
        if (trace) {
          const done = clock.now
          const waited = trace.calls.filter((c) => c.end <= done)
          const rounds = (kind: (w: string) => boolean): number => {
            const iv = waited.filter((c) => kind(c.what)).sort((a, b) => a.start - b.start)
            let n = 0
            let reach = Number.NEGATIVE_INFINITY
            for (const c of iv) {
              if (c.start >= reach) n++
              reach = Math.max(reach, c.end)
            }
            return n
          }
          const isKv = (w: string) => w.startsWith('KV.')
          s.cold = {
            location: s.location,
            at: trace.start - T0,
            waitMs: done - trace.start,
            doRoundTrips: rounds((w) => !isKv(w)),
            kvRoundTrips: rounds(isKv),
            far: waited.filter((c) => c.far).map((c) => c.what),
            waited: waited.filter((c) => !isKv(c.what)).map((c) => c.what.replace(/@.*/, '')),
            beyond: waited.filter((c) => c.far && !c.what.endsWith(`@${world.nearestDoSite(s.location).id}`) && !c.what.startsWith('KV.')).map((c) => c.what),
          }
          raw.cold.push(s.cold)
        }
      })
    }

    const live = (loc: string): SimIso[] => pools.get(loc) ?? []
    const pick = (loc: string): SimIso | undefined => {
      const l = live(loc)
      return l[Math.floor(rand() * l.length)]
    }
    const randomIp = (): string => `${1 + Math.floor(rand() * 222)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`
    const randomPath = (): string => {
      let x = rand()
      for (const [path, share] of PATHS) {
        if (x < share) return path
        x -= share
      }
      return '/'
    }

    // Each isolate: a regular stream of sampled requests; eviction replaces it with a cold one.
    const period = 1000 / tl.samplesPerIsolatePerS
    const startIsolate = (loc: Location, at: number): void => {
      const s = spawn(loc, at)
      const pool = pools.get(loc.id) ?? []
      pool.push(s)
      pools.set(loc.id, pool)
      const perSample = (loc.share * p.rps) / world.isolatesFor(loc) / tl.samplesPerIsolatePerS
      let carry = rand()
      const tick = (): void => {
        if (!s.alive) return
        if (clock.now >= s.dies) {
          s.alive = false
          pools.set(
            loc.id,
            live(loc.id).filter((x) => x !== s),
          )
          // What it had not reported yet is gone with it, and so is what its requests in flight count later.
          const acc = s.iso.accounting
          const take = acc.takeReport.bind(acc)
          acc.takeReport = (id: string, now: number, keepalive?: boolean) => {
            raw.lostEvicted += reportedRequests(take(id, now, keepalive))
            return undefined
          }
          acc.takeReport(s.id, clock.now)
          startIsolate(loc, clock.now)
          return
        }
        if (clock.now >= endAt) return
        carry += perSample
        const w = Math.floor(carry)
        carry -= w
        if (w > 0) send(s, randomPath(), randomIp(), w)
        clock.after(period, tick)
      }
      clock.at(at + rand() * period, tick)
    }
    for (const loc of world.locations) if (loc.share > 0) for (let i = 0; i < world.isolatesFor(loc); i++) startIsolate(loc, clock.now)

    // The clients under study: every request real, spread over their locations' isolates.
    const byShare = [...world.locations].filter((l) => l.share > 0).sort((a, b) => b.share - a.share)
    for (const n of tl.clients.spreads) {
      const locs = byShare.slice(0, Math.min(n, byShare.length)).map((l) => l.id)
      const c: ClientStats = { name: n === 1 ? 'hot client (1 location)' : `spread over ${locs.length} locations`, locations: locs, sent: 0, admitted: 0 }
      raw.clients.push(c)
      const ip = `198.51.100.${raw.clients.length}`
      let k = 0
      const every = 1000 / tl.clients.rps
      const fire = (): void => {
        if (clock.now >= T0 + tl.clients.startMs + tl.clients.durationMs) return
        const s = pick(locs[k++ % locs.length] as string)
        if (s) {
          c.sent++
          send(s, '/', ip, 1, (st) => {
            if (st !== 429) c.admitted++
          })
        }
        clock.after(every, fire)
      }
      clock.at(T0 + tl.clients.startMs, fire)
    }

    // The cron watchdog, once a minute, from some isolate.
    const cron = (): void => {
      const all = [...pools.values()].flat()
      const s = all[Math.floor(rand() * all.length)]
      if (s) void callCtx.run({ location: s.location, isolate: s.id, weight: 1, source: 'cron' as SourceName }, () => cronSim(s.iso, s.env, fakeCtx()).catch(() => {}))
      if (clock.now + tl.cronEveryMs < endAt) clock.after(tl.cronEveryMs, cron)
    }
    clock.at(T0 + 1000, cron)

    // Admin changes through the runtime API, sent to an isolate of the biggest location.
    for (const a of tl.admin) {
      clock.at(T0 + a.atMs, () => {
        const alive = [...pools.values()].flat()
        const rec = { command: a.command, learned: [] as (number | undefined)[] }
        raw.admin.push(rec)
        const watch = alive.map((s) => ({ s, at: undefined as number | undefined }))
        const s = pick(first.id)
        if (s) {
          const req = new Request('https://www.example.com/.edgeproxy/api', { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'text/plain' }, body: a.command })
          void callCtx.run({ location: s.location, isolate: s.id, weight: 0 }, () => serveSim(s.iso, req, s.env, fakeCtx()).then((r) => r.text()))
        }
        const check = (): void => {
          let pending = 0
          for (const w of watch) {
            if (w.at !== undefined || !w.s.alive) continue
            const v = probe.admin(w.s.iso, a.key)
            if (v && v[a.field] === a.value) w.at = clock.now - (T0 + a.atMs)
            else pending++
          }
          if (pending > 0 && clock.now < endAt) clock.after(tl.probeEveryMs, check)
          else rec.learned.push(...watch.filter((w) => w.s.alive || w.at !== undefined).map((w) => w.at))
        }
        clock.after(tl.probeEveryMs, check)
      })
    }

    // The config push: a new version, then the pointer, written from the biggest location.
    clock.at(T0 + tl.pushAtMs, () => {
      const v2 = compileSeed(text.replace('timeout server 10s', 'timeout server 11s'))
      const visV = platform.kvWrite(versionKey('v2'), JSON.stringify(v2), first.id)
      const visP = platform.kvWrite(LIVE_KEY, JSON.stringify({ version: 'v2', hash: v2.hash, at: new Date(clock.now).toISOString(), by: 'push' }), first.id)
      const watch = [...pools.values()].flat().map((s) => ({ s, kv: Math.max(visV.get(s.location) ?? 0, visP.get(s.location) ?? 0) - clock.now, at: undefined as number | undefined }))
      const check = (): void => {
        let pending = 0
        for (const w of watch) {
          if (w.at !== undefined || !w.s.alive) continue
          if (probe.version(w.s.iso) === 'v2') w.at = clock.now - (T0 + tl.pushAtMs)
          else pending++
        }
        if (pending > 0 && clock.now < endAt) clock.after(tl.probeEveryMs, check)
        else for (const w of watch) if (w.s.alive || w.at !== undefined) raw.push.push({ location: w.s.location, kvMs: w.kv, ...(w.at !== undefined ? { learnedMs: w.at } : {}) })
      }
      clock.after(tl.probeEveryMs, check)
    })

    // The origin failure: the server's origin refuses connections from now on.
    const f = tl.failure
    clock.at(T0 + f.atMs, () => {
      platform.down.add(f.origin)
      platform.logOrigins = true
      const watch = [...pools.values()].flat().map((s) => ({ s, at: undefined as number | undefined }))
      const check = (): void => {
        let pending = 0
        for (const w of watch) {
          if (w.at !== undefined || !w.s.alive) continue
          if (!probe.usable(w.s.iso, f.backend, f.server)) w.at = clock.now - (T0 + f.atMs)
          else pending++
        }
        if (pending > 0 && clock.now < endAt) clock.after(tl.probeEveryMs, check)
        else raw.failureLearned.push(...watch.filter((w) => w.s.alive || w.at !== undefined).map((w) => w.at))
      }
      clock.after(tl.probeEveryMs, check)
    })

    // Counters: the hub's count (plus what is lost for good) against what was generated.
    const hub = (): number => (runtime.hub ? hubRequests(runtime.hub) : 0) + raw.lostEvicted + runtime.lost
    const sample = (): void => {
      raw.counters.push({ at: clock.now - T0, generated: raw.accounted, hub: hub() })
      if (clock.now < endAt + 15_000) clock.after(250, sample)
    }
    clock.at(T0 + 1000, sample)

    // Progress, in real time, every 10 s of virtual time.
    const progress = (): void => {
      const n = [...pools.values()].reduce((a, l) => a + l.length, 0)
      log(`t=${Math.round((clock.now - T0) / 1000)}s isolates=${n} real requests=${raw.realRequests} events=${clock.events} wall=${Math.round((performance.now() - wall0) / 1000)}s`)
      if (clock.now + 10_000 <= endAt) clock.after(10_000, progress)
    }
    clock.at(T0 + 10_000, progress)

    let isoSeconds = 0
    const countIsolates = (): void => {
      isoSeconds += [...pools.values()].reduce((a, l) => a + l.length, 0)
      if (clock.now + 1000 <= endAt) clock.after(1000, countIsolates)
    }
    clock.at(T0, countIsolates)

    await clock.run(endAt)
    // The drain: no new traffic; requests in flight end; every live isolate flushes its counters.
    await clock.run(endAt + 5_000)
    // Twice: a flush that arrives while its relay's call to the hub is in flight waits for that call, not for its own counters.
    for (const round of [1, 2]) {
      for (const s of [...pools.values()].flat()) void callCtx.run({ location: s.location, isolate: s.id, weight: 1 }, () => probe.flush(s.iso))
      await clock.run(endAt + 5_000 + round * 5_000)
    }
    raw.lostSyncs = runtime.lost
    raw.hubFinal = runtime.hub ? hubRequests(runtime.hub) : 0
    raw.meanIsolates = isoSeconds / (tl.durationMs / 1000)
    raw.events = clock.events
    for (const [loc, last] of lastByLocation(platform, f.origin, T0 + f.atMs)) raw.failureLast.set(loc, last)
    raw.wallMs = performance.now() - wall0
    return raw
  } finally {
    for (const c of cleanups) c()
    globalThis.fetch = realFetch
    restore()
  }
}

function lastByLocation(platform: Platform, origin: string, from: number): Map<string, { lastMs: number; requests: number }> {
  const out = new Map<string, { lastMs: number; requests: number }>()
  for (const e of platform.originLog) {
    if (e.origin !== origin || e.at < from) continue
    const cur = out.get(e.location) ?? { lastMs: 0, requests: 0 }
    cur.lastMs = Math.max(cur.lastMs, e.at - from)
    cur.requests++
    out.set(e.location, cur)
  }
  return out
}
