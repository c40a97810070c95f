/**
 * @module
 * The platform's fakes, on the virtual clock and the World's RTTs: Durable Object namespaces
 * (`getByName(name, { locationHint })`, stubs whose method calls cross the network to an object
 * created at its first call, placed per the World, with the 1,000 requests/s soft limit answering
 * "overloaded"), a KV namespace with per-location visibility, and the origins (the global
 * `fetch()` and the monitors' `connect()`), up or down per scenario. Every call is metered per
 * object (requests per 1 s window, rows, calls by kind) and per cost source, and traced on the
 * request that waited for it. What runs inside an object is an adapter of the real core
 * (bench/sim/adapters/*): one file per binding.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { SourceName } from '../../src/cost/model.ts'
import type { ProbeSocket } from '../../src/health/probes/types.ts'
import type { VirtualClock } from './clock.ts'
import { rng as prng } from '../lib/rng.ts'
import type { World } from './model.ts'

/** A request (or isolate start) whose waits are recorded. */
export interface Trace {
  readonly start: number
  /** Calls it started: [start, end, outside the caller's location]. */
  readonly calls: { start: number; end: number; far: boolean; what: string }[]
}

/** What a piece of work runs as: who calls, from where, and what it stands for. */
export interface CallCtx {
  readonly location: string
  /** The simulated isolate, for isolate-side work. */
  readonly isolate?: string
  /** Requests this one stands for (a sampled request stands for the bulk around it). */
  readonly weight: number
  /** Cost source override (the cron's calls). */
  readonly source?: SourceName
  readonly trace?: Trace
}

export const callCtx = new AsyncLocalStorage<CallCtx>()

/** An object's methods, as its adapter runs them (the meter counts rows through `rows`). */
export interface ObjectCore {
  readonly methods: Record<string, (...args: never[]) => Promise<unknown>>
}

export interface ObjectMeter {
  readonly binding: string
  readonly name: string
  readonly location: string
  /** Weighted calls per 1 s window (index: second since the start). */
  readonly windows: Map<number, number>
  readonly calls: Record<string, number>
  rowsRead: number
  rowsWritten: number
  overloaded: number
}

/** How each binding's objects are made and what their calls cost. */
export interface BindingSpec {
  readonly binding: string
  /** Makes the object's core (at its first call, where it was placed). */
  create(name: string, site: string, rows: RowMeter): ObjectCore
  /** Cost source of a method call. */
  source(method: string): SourceName
  /**
   * Requests a call stands for, given the weight of the request it was made for (a per-request
   * call of a sampled request stands for `w` calls; a fast-mode batch for fewer). Absent: 1
   * (per-isolate work: every isolate is simulated).
   */
  weight?(method: string, args: readonly unknown[], w: number, caller: string): number
  /** When the calls a weighted call stands for began (absent: now): they are counted over that span. */
  since?(method: string, args: readonly unknown[]): number | undefined
  /** Called when a call fails (overloaded): what it carried is lost. */
  lost?(method: string, args: readonly unknown[]): void
}

export interface RowMeter {
  read(n?: number): void
  /** `once`: the object's own write (its alarm), not one per request the call stands for. */
  write(n?: number, once?: boolean): void
}

interface SimObject {
  readonly meter: ObjectMeter
  readonly core: ObjectCore
}

/** Usage counted by the fakes, per cost source (weighted). */
export interface SourceUsage {
  doRequests: number
  rowsRead: number
  rowsWritten: number
  kvReads: number
}

export class OverloadedError extends Error {
  /** The platform's flag on its errors (`err.overloaded`): a decision is data. */
  readonly overloaded = true
  constructor() {
    super('Durable Object is overloaded. Too many requests queued.')
  }
}

const zeroUsage = (): SourceUsage => ({ doRequests: 0, rowsRead: 0, rowsWritten: 0, kvReads: 0 })

export class Platform {
  readonly world: World
  readonly clock: VirtualClock
  readonly start: number
  readonly #rand: () => number
  readonly objects = new Map<string, SimObject>()
  readonly #specs = new Map<string, BindingSpec>()
  /** Usage per source, counted from `countFrom` on (the steady-state window). */
  readonly usage = new Map<SourceName, SourceUsage>()
  countFrom = 0
  countUntil = Number.POSITIVE_INFINITY

  constructor(world: World, clock: VirtualClock) {
    this.world = world
    this.clock = clock
    this.start = clock.now
    this.#rand = prng(world.p.seed * 7 + 1)
  }

  register(spec: BindingSpec): void {
    this.#specs.set(spec.binding, spec)
  }

  #use(source: SourceName): SourceUsage | undefined {
    if (this.clock.now < this.countFrom || this.clock.now >= this.countUntil) return undefined
    let u = this.usage.get(source)
    if (!u) {
      u = zeroUsage()
      this.usage.set(source, u)
    }
    return u
  }

  #object(spec: BindingSpec, name: string, caller: string, hint?: string): SimObject {
    const key = `${spec.binding}:${name}`
    let o = this.objects.get(key)
    if (!o) {
      const site = this.world.placeObject(caller, hint).id
      const meter: ObjectMeter = { binding: spec.binding, name, location: site, windows: new Map(), calls: {}, rowsRead: 0, rowsWritten: 0, overloaded: 0 }
      let current: SourceName = 'health'
      let weight = 1
      // Rows of a call that stands for `weight` calls count `weight` times.
      const rows: RowMeter = {
        read: (n = 1) => {
          meter.rowsRead += n * weight
          const u = this.#use(current)
          if (u) u.rowsRead += n * weight
        },
        write: (n = 1, once = false) => {
          const k = once ? n : n * weight
          meter.rowsWritten += k
          const u = this.#use(current)
          if (u) u.rowsWritten += k
        },
      }
      const core = spec.create(name, site, {
        read: (n) => rows.read(n),
        write: (n, once) => rows.write(n, once),
      })
      o = { meter, core }
      // Rows are attributed to the source of the call being served (set around each call).
      ;(o as { setSource?: (s: SourceName, w: number) => void }).setSource = (s, w) => {
        current = s
        weight = w
      }
      this.objects.set(key, o)
    }
    return o
  }

  /**
   * Counts one (weighted) request at `o` now; true when the object takes it. A call standing for
   * calls spread since `since` (a fast-mode flush after a gap) counts in the 1 s windows since then.
   */
  #arrive(o: SimObject, w: number, since?: number): boolean {
    const sec = Math.floor((this.clock.now - this.start) / 1000)
    const from = since === undefined ? sec : Math.max(0, Math.min(sec, Math.floor((since - this.start) / 1000)))
    const share = w / (sec - from + 1)
    for (let t = from; t < sec; t++) o.meter.windows.set(t, (o.meter.windows.get(t) ?? 0) + share)
    const cur = (o.meter.windows.get(sec) ?? 0) + share
    o.meter.windows.set(sec, cur)
    // The rate the object sees: this second so far, or the last full one (whichever is higher).
    const est = Math.max(cur, o.meter.windows.get(sec - 1) ?? 0)
    const max = this.world.p.doMaxRps
    if (est <= max) return true
    return this.#rand() < max / est
  }

  /**
   * A Durable Object namespace as seen from `caller` (an isolate's env, or another object's):
   * stubs route each method call over the network to the object.
   */
  namespace(binding: string, caller: string): { getByName(name: string, o?: { locationHint?: string }): unknown } {
    const spec = this.#specs.get(binding)
    if (!spec) throw new Error(`no binding ${binding}`)
    return {
      getByName: (name: string, opts?: { locationHint?: string }) =>
        new Proxy(
          {},
          {
            get: (_t, method) => {
              // Not a thenable, not a symbol: only RPC method names are calls.
              if (typeof method !== 'string' || method === 'then') return undefined
              return (...args: unknown[]) => this.call(spec, name, opts?.locationHint, method, args, caller)
            },
          },
        ),
    }
  }

  /** One RPC: half a round trip there, the object's work, half back. */
  call(spec: BindingSpec, name: string, hint: string | undefined, method: string, args: unknown[], caller: string): Promise<unknown> {
    const ctx = callCtx.getStore()
    const o = this.#object(spec, name, caller, hint)
    const rtt = this.world.rttMs(caller, o.meter.location)
    // Per-isolate work (syncs, snapshot loads) is simulated call by call: weight 1 unless the binding says a call stands for more.
    const since = spec.since?.(method, args)
    const w = spec.weight ? spec.weight(method, args, ctx?.weight ?? 1, caller) : 1
    // The cron's own calls count under `cron` (what the objects call in turn under their own source).
    const source = ctx?.source && spec.binding === 'RUNTIME' ? ctx.source : spec.source(method)
    const started = this.clock.now
    const sent = structuredClone(args)
    // A call a timer of the real code makes (a fast-mode flush, a retry) is background work: no request waits for it.
    const trace = this.clock.timerDepth > 0 ? undefined : ctx?.trace
    const far = o.meter.location !== caller
    return new Promise((resolve, reject) => {
      this.clock.after(rtt / 2, () => {
        o.meter.calls[method] = (o.meter.calls[method] ?? 0) + w
        const u = this.#use(source)
        if (u) u.doRequests += w
        const back = (fn: () => void): void => {
          this.clock.after(rtt / 2, () => {
            trace?.calls.push({ start: started, end: this.clock.now, far, what: `${spec.binding}.${method}@${o.meter.location}` })
            fn()
          })
        }
        if (!this.#arrive(o, w, since)) {
          o.meter.overloaded += w
          spec.lost?.(method, sent)
          back(() => reject(new OverloadedError()))
          return
        }
        const fn = o.core.methods[method]
        if (!fn) {
          back(() => reject(new TypeError(`${spec.binding} has no method ${method}`)))
          return
        }
        ;(o as { setSource?: (s: SourceName, w: number) => void }).setSource?.(source, w)
        // The object runs in its own context (its own calls go out from its site).
        callCtx
          .run({ location: o.meter.location, weight: 1 }, () => (fn as (...a: unknown[]) => Promise<unknown>)(...sent))
          .then(
            (r) => this.clock.after(this.world.p.doServiceMs, () => back(() => resolve(structuredClone(r)))),
            (e) => back(() => reject(e)),
          )
      })
    })
  }

  /** An object's alarm firing: a billed request at the object, no network. */
  alarm(binding: string, name: string, method: string, run: () => Promise<unknown>): Promise<unknown> {
    const o = this.objects.get(`${binding}:${name}`)
    const spec = this.#specs.get(binding)
    if (!o || !spec) return Promise.resolve()
    const source = spec.source(method)
    o.meter.calls[method] = (o.meter.calls[method] ?? 0) + 1
    const u = this.#use(source)
    if (u) u.doRequests += 1
    this.#arrive(o, 1)
    ;(o as { setSource?: (s: SourceName, w: number) => void }).setSource?.(source, 1)
    return callCtx.run({ location: o.meter.location, weight: 1 }, run)
  }

  /** Peak weighted requests/s of an object over its 1 s windows (from `from` s on). */
  static peak(m: ObjectMeter, fromSec = 0): number {
    let p = 0
    for (const [s, v] of m.windows) if (s >= fromSec && v > p) p = v
    return p
  }

  // ─── KV ────────────────────────────────────────────────────────────────

  readonly #kv = new Map<string, { value: string; visible: Map<string, number>; writtenAt: number; from: string }[]>()

  /**
   * Writes `key` from `from`: visible there at once, elsewhere after a delay drawn per location
   * between the model's min and max propagation. Returns the per-location visibility times.
   */
  kvWrite(key: string, value: string, from: string): Map<string, number> {
    const now = this.clock.now
    const p = this.world.p
    const visible = new Map<string, number>()
    for (const l of this.world.locations) visible.set(l.id, l.id === from ? now : now + p.kvPropagationMinMs + this.#rand() * (p.kvPropagationMaxMs - p.kvPropagationMinMs))
    const list = this.#kv.get(key) ?? []
    list.push({ value, visible, writtenAt: now, from })
    this.#kv.set(key, list)
    return visible
  }

  /** A KV namespace as read from `location`. */
  kv(location: string): { get(key: string, o?: unknown): Promise<string | null> } {
    return {
      get: (key: string) => {
        const ctx = callCtx.getStore()
        const w = 1
        const u = this.#use(ctx?.source ?? 'kv-poll')
        if (u) u.kvReads += w
        const started = this.clock.now
        return new Promise((resolve) => {
          this.clock.after(this.world.p.kvReadMs, () => {
            ctx?.trace?.calls.push({ start: started, end: this.clock.now, far: false, what: `KV.get ${key}` })
            const list = this.#kv.get(key) ?? []
            let v: string | null = null
            for (const e of list) if ((e.visible.get(location) ?? Number.POSITIVE_INFINITY) <= this.clock.now) v = e.value
            resolve(v)
          })
        })
      },
    }
  }

  // ─── origins ───────────────────────────────────────────────────────────

  /** Origins (`host:port`) that refuse connections. */
  readonly down = new Set<string>()
  /** Requests sent to each origin by isolates: time and location, for the failure scenario. */
  readonly originLog: { at: number; location: string; origin: string }[] = []
  logOrigins = false

  /** The global fetch() of every piece of simulated code: origins answer from the model's origin site. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const req = input instanceof Request ? input : new Request(input, init)
    const url = new URL(req.url)
    const origin = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`
    const ctx = callCtx.getStore()
    const from = ctx?.location ?? this.world.p.originSite
    const rtt = this.world.rttMs(from, this.world.p.originSite)
    if (this.logOrigins && ctx?.isolate) this.originLog.push({ at: this.clock.now, location: from, origin })
    const isDown = this.down.has(origin)
    return new Promise((resolve, reject) => {
      this.clock.after(rtt, () => (isDown ? reject(new TypeError(`connect ECONNREFUSED ${origin}`)) : resolve(new Response('ok\n', { status: 200, headers: { 'content-type': 'text/plain' } }))))
    })
  }

  /** `connect()` for layer-4 checks, from `from`. */
  connect(from: string, address: { hostname: string; port: number }): ProbeSocket {
    const origin = `${address.hostname}:${address.port}`
    const rtt = this.world.rttMs(from, this.world.p.originSite)
    const opened = new Promise<unknown>((resolve, reject) => {
      const isDown = this.down.has(origin)
      this.clock.after(rtt, () => (isDown ? reject(new Error(`connect ECONNREFUSED ${origin}`)) : resolve({ remoteAddress: origin })))
    })
    opened.catch(() => {})
    return { readable: new ReadableStream(), writable: new WritableStream(), opened, closed: new Promise(() => {}), close: async () => {} }
  }
}

/**
 * An object's alarm on the virtual clock (`getAlarm`/`setAlarm`): `setAlarm` bills one row
 * written; a firing is a billed request running `run`; one handler at a time (an alarm due while
 * one runs fires when it returns).
 */
export function objectAlarm(platform: Platform, binding: string, name: string, rows: RowMeter, run: () => Promise<unknown>): { get(): Promise<number | null>; set(at: number): Promise<void> } {
  let armed: { at: number; cancel: () => void } | undefined
  let running = false
  let dueWhileRunning = false
  const fire = (): void => {
    if (running) {
      dueWhileRunning = true
      return
    }
    running = true
    void platform
      .alarm(binding, name, 'alarm', run)
      .catch(() => {})
      .finally(() => {
        running = false
        if (dueWhileRunning) {
          dueWhileRunning = false
          fire()
        }
      })
  }
  return {
    get: async () => armed?.at ?? null,
    set: async (at) => {
      rows.write(1, true)
      armed?.cancel()
      const e = platform.clock.at(at, () => {
        armed = undefined
        fire()
      })
      armed = { at, cancel: () => (e.cancelled = true) }
    },
  }
}
