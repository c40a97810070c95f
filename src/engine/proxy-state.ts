/**
 * @module
 * The ProxyStateView the capacity fetches read (nbsrv, srv_is_up, be_conn, queue, fe_req_rate...):
 * built once per engine from the RouteMap, answering from the engine's ServerStates (the shared
 * health snapshot with the operators' overrides; `explain --down` sets its own) and from this
 * isolate's own counts:
 * - requests in progress: those still in decide() (counted here, so the request being evaluated is
 *   in fe_conn, and in be_conn once its backend is chosen, as HAProxy counts it) plus those after
 *   it, from the `load` counters (the Worker's Accounting: scur and qcur per proxy and server);
 * - rates: HAProxy's freq_ctr over one second, counted here when a request enters its frontend
 *   (fe_req_rate, fe_sess_rate), gets its backend (be_sess_rate) and its server (srv_sess_rate).
 * Counting starts only when a fetch of this family is built (`enabled`): other configs pay nothing.
 */
import { BE_WEIGHT_SCALE } from '../balance/groups.ts'
import { hasDynamicWeights, slowstartW } from '../balance/slowstart.ts'
import type { Backend, Frontend, RouteMap, Server } from '../routemap/schema.ts'
import type { BackendState, FrontendState, ProxyStateView, ServerState } from '../sample/types.ts'
import { createFreqCtr, type FreqCtr, readFreqCtr, updateFreqCtr } from '../state/freq-ctr.ts'
import type { Decision } from './decide.ts'
import type { EngineRequest, RequestState } from './request-state.ts'
import type { ServerStates } from './server-states.ts'

/** In-progress and queued requests after decide(), by name (the Worker's per-isolate Accounting). */
export interface LoadCounters {
  feConn(frontend: string): number
  beConn(backend: string): number
  srvConn(backend: string, server: string): number
  /** Waiting in the backend's queue (load-balanced requests). */
  beQueued(backend: string): number
  /** Waiting in the server's own queue (persistent requests). */
  srvQueued(backend: string, server: string): number
}

const PERIOD_MS = 1000

class Fe implements FrontendState {
  readonly id: number
  readonly defaultBackend?: string
  deciding = 0
  readonly req: FreqCtr = createFreqCtr()
  readonly #name: string
  readonly #owner: ProxyStates

  constructor(def: Frontend, owner: ProxyStates) {
    this.id = def.id
    if (def.defaultBackend !== undefined) this.defaultBackend = def.defaultBackend
    this.#name = def.name
    this.#owner = owner
  }

  conn(): number {
    return this.deciding + (this.#owner.load?.feConn(this.#name) ?? 0)
  }

  reqRate(): number {
    return readFreqCtr(this.req, PERIOD_MS, this.#owner.now())
  }

  sessRate(): number {
    return this.reqRate()
  }
}

class Srv implements ServerState {
  readonly id: number
  readonly backup: boolean
  readonly maxconn: number
  readonly maxqueue: number
  readonly iweight: number
  readonly sess: FreqCtr = createFreqCtr()
  readonly #def: Server
  readonly #be: string
  readonly #dynamic: boolean
  readonly #owner: ProxyStates

  constructor(def: Server, be: Backend, owner: ProxyStates) {
    this.id = def.id
    this.backup = def.backup
    this.maxconn = def.maxconn
    this.maxqueue = def.maxqueue
    this.iweight = def.weight
    this.#def = def
    this.#be = be.name
    this.#dynamic = hasDynamicWeights(be.balance, be.hash)
    this.#owner = owner
  }

  up(): boolean {
    return !this.#def.disabled && this.#owner.states.isUp(this.#be, this.#def.name)
  }

  usable(): boolean {
    const st = this.#owner.states
    return !this.#def.disabled && st.isUp(this.#be, this.#def.name) && st.isUsable(this.#be, this.#def.name) && this.uweight() > 0
  }

  uweight(): number {
    return this.#owner.states.weight?.(this.#be, this.#def.name) ?? this.#def.weight
  }

  weight(): number {
    const u = this.uweight()
    const since = this.#dynamic && this.#def.slowstartMs > 0 ? this.#owner.states.startedAt?.(this.#be, this.#def.name) : undefined
    if (since === undefined) return u
    return Math.ceil((u * slowstartW(this.#def.slowstartMs, since, this.#owner.now())) / BE_WEIGHT_SCALE)
  }

  conn(): number {
    return this.#owner.load?.srvConn(this.#be, this.#def.name) ?? 0
  }

  queued(): number {
    return this.#owner.load?.srvQueued(this.#be, this.#def.name) ?? 0
  }

  sessRate(): number {
    return readFreqCtr(this.sess, PERIOD_MS, this.#owner.now())
  }
}

class Be implements BackendState {
  readonly id: number
  readonly allBackups: boolean
  readonly servers: readonly Srv[]
  deciding = 0
  readonly sess: FreqCtr = createFreqCtr()
  readonly #byName: ReadonlyMap<string, Srv>
  readonly #name: string
  readonly #owner: ProxyStates

  constructor(def: Backend, owner: ProxyStates) {
    this.id = def.id
    this.allBackups = def.options.allbackups
    this.servers = def.servers.map((s) => new Srv(s, def, owner))
    this.#byName = new Map(def.servers.map((s, i) => [s.name, this.servers[i] as Srv]))
    this.#name = def.name
    this.#owner = owner
  }

  server(name: string): Srv | undefined {
    return this.#byName.get(name)
  }

  stateVersion(): number | undefined {
    return this.#owner.states.version?.()
  }

  conn(): number {
    return this.deciding + (this.#owner.load?.beConn(this.#name) ?? 0)
  }

  queued(): number {
    return this.#owner.load?.beQueued(this.#name) ?? 0
  }

  sessRate(): number {
    return readFreqCtr(this.sess, PERIOD_MS, this.#owner.now())
  }
}

export class ProxyStates implements ProxyStateView {
  readonly states: ServerStates
  readonly load: LoadCounters | undefined
  readonly now: () => number
  /** A capacity fetch looked a proxy up: requests are counted from now on. */
  enabled = false
  readonly #fe: ReadonlyMap<string, Fe>
  readonly #be: ReadonlyMap<string, Be>

  constructor(routeMap: RouteMap, states: ServerStates, now: () => number, load?: LoadCounters) {
    this.states = states
    this.load = load
    this.now = now
    this.#fe = new Map(routeMap.frontends.map((f) => [f.name, new Fe(f, this)]))
    this.#be = new Map(routeMap.backends.map((b) => [b.name, new Be(b, this)]))
  }

  frontend(name: string): Fe | undefined {
    this.enabled = true
    return this.#fe.get(name)
  }

  backend(name: string): Be | undefined {
    this.enabled = true
    return this.#be.get(name)
  }

  /** Requests inside decide(), by the EngineRequest decide() was called with. */
  readonly #live = new WeakMap<EngineRequest, RequestState>()

  /** The request entered its frontend (decide() made its RequestState). */
  entered(ctx: RequestState, req: EngineRequest): void {
    const fe = this.#fe.get(ctx.frontend)
    if (!fe) return
    fe.deciding++
    this.#live.set(req, ctx)
    updateFreqCtr(fe.req, PERIOD_MS, this.now())
  }

  /** Its backend was chosen (HAProxy's stream_set_backend). */
  chose(ctx: RequestState): void {
    const be = ctx.backend === undefined ? undefined : this.#be.get(ctx.backend)
    if (!be) return
    be.deciding++
    updateFreqCtr(be.sess, PERIOD_MS, this.now())
  }

  /**
   * decide() returned `d` (or threw: `d` undefined): the request now counts in `load` (the Worker's
   * accounting), not here.
   */
  left(req: EngineRequest, d: Decision | undefined): void {
    const ctx = this.#live.get(req)
    if (!ctx) return
    this.#live.delete(req)
    const fe = this.#fe.get(ctx.frontend)
    if (fe && fe.deciding > 0) fe.deciding--
    const be = ctx.backend === undefined ? undefined : this.#be.get(ctx.backend)
    if (be && be.deciding > 0) be.deciding--
    if (d?.kind === 'forward') {
      const s = be?.server(d.server.name)
      if (s) updateFreqCtr(s.sess, PERIOD_MS, this.now())
    }
  }
}
