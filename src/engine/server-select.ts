/**
 * @module
 * Server assignment inside a backend, in HAProxy's analyser order (stream.c): cookie persistence,
 * then `stick match`/`stick on`, then load balancing over the usable servers (with the active /
 * backup rules of src/balance). Each backend's balancer lives as long as the engine: changes of
 * the usable set (health, admin state, weights, slowstart steps) reach it as HAProxy's state-change
 * calls, so roundrobin and leastconn carry on across a failover like an HAProxy thread group does.
 */
import { applyStateChanges, createBalancer } from '../balance/index.ts'
import { hasDynamicWeights, slowstartW } from '../balance/slowstart.ts'
import { ConnLimiter, type Limits } from './conn-limit.ts'
import type { Balancer, HashRequest, LbServer } from '../balance/types.ts'
import type { Server } from '../routemap/schema.ts'
import type { Sample } from '../sample/types.ts'
import { type CookieStatus, cookiePersistence, type Persistence, stripPersistenceCookie } from './cookie.ts'
import { sampleToString } from './log-format.ts'
import type { RequestState } from './request-state.ts'
import type { RtBackend } from './runtime.ts'
import type { StickStore } from './stick.ts'
import { tableKey } from '../state/memory-stick.ts'
import type { ServerStates } from './server-states.ts'
import type { Tracer } from './trace.ts'
import type { Via } from './outcome.ts'

export { ALL_UP, type ServerStates } from './server-states.ts'

interface AssignmentBase {
  readonly why: string
  readonly cookie: CookieStatus
  /** The persistence cookie's effect, for the response side (absent: no cookie directive or ignored). */
  readonly persistence?: Persistence
}

/** A server and how it was chosen, or none (no usable server). */
export type Assignment = (AssignmentBase & { readonly server: Server; readonly via: Via }) | (AssignmentBase & { readonly server?: undefined; readonly via?: undefined })

const NO_LIMITS: Limits = { maxconn: () => 0, maxqueue: () => 0 }
const LIMITS = new WeakMap<RtBackend['def'], Limits | null>()

/** The backend's server limits, or undefined when no server has `maxconn` (built once per backend). */
function limitsOf(be: RtBackend): Limits | undefined {
  let l = LIMITS.get(be.def)
  if (l === undefined) {
    const byId = new Map(be.def.servers.map((x) => [x.id, x]))
    l = be.def.servers.some((x) => x.maxconn > 0) ? { maxconn: (id) => byId.get(id)?.maxconn ?? 0, maxqueue: (id) => byId.get(id)?.maxqueue ?? 0 } : null
    LIMITS.set(be.def, l)
  }
  return l ?? undefined
}

/**
 * Each backend's balancer, by backend name. Engines built one after the other for the same
 * RouteMap (runtime map or address edits rebuild the engine) share one store, so balancers carry
 * on across those rebuilds as HAProxy's do.
 */
export type BalancerStore = Map<string, BackendBalancer>

export class ServerSelector {
  readonly #cache: BalancerStore
  /** Requests in flight per backend and server id in this isolate (leastconn, first, random, maxconn). */
  readonly #limiter = new ConnLimiter()
  readonly #stick: StickStore

  constructor(stick: StickStore, balancers: BalancerStore = new Map()) {
    this.#stick = stick
    this.#cache = balancers
  }

  /** True when the backend reads in-flight counts: its algorithm, or a server `maxconn`. */
  countsInflight(be: RtBackend): boolean {
    const a = be.def.balance.algo
    return a === 'leastconn' || a === 'first' || a === 'random' || limitsOf(be) !== undefined
  }

  /** Counts a request to `serverId` as in flight until the returned function is called (no limit check). */
  acquire(backend: string, serverId: number): () => void {
    return this.#limiter.take(backend, serverId, NO_LIMITS)
  }

  /**
   * Admission under `maxconn` (queue.c): a slot on the chosen server, else on another usable
   * server that is not full (load-balanced requests only), else a wait in the server's queue
   * (`persistent`; over `maxqueue` it is redispatched) or the backend's, for at most `timeout
   * queue` (default `timeout connect`). `onQueued` is called when the request starts waiting in a
   * queue (each time, if a full server queue sends it to the backend's).
   */
  async admit(
    be: RtBackend,
    ctx: RequestState,
    states: ServerStates,
    server: Server,
    persistent: boolean,
    onQueued?: () => void,
  ): Promise<{ server: Server; release: () => void } | { timeout: number }> {
    const def = be.def
    const limits = limitsOf(be) ?? NO_LIMITS
    const now = () => this.#stick.now()
    const got = this.#limiter.tryAcquire(def.name, server.id, limits)
    if (got) return { server, release: got }
    let target = server
    let sticky = persistent
    for (;;) {
      if (!sticky) {
        const other = this.#pickBalanced(be, ctx, states)
        if (other && !this.#limiter.isFull(def.name, other.server.id, limits)) {
          return { server: other.server, release: this.#limiter.take(def.name, other.server.id, limits) }
        }
        if (other) target = other.server
      }
      const candidates = def.servers.filter((x) => !x.disabled && states.isUp(def.name, x.name) && states.isUsable(def.name, x.name)).map((x) => x.id)
      const timeout = def.timeouts.queue ?? def.timeouts.connect ?? 0
      const r = await this.#limiter.wait(def.name, target.id, sticky, candidates, limits, timeout, now, onQueued)
      if (r.kind === 'ok') return { server: def.servers.find((x) => x.id === r.server) ?? target, release: r.release }
      if (r.kind === 'timeout') return { timeout: r.waitedMs }
      sticky = false
    }
  }

  /** A server for a retry that avoids `avoid` if another is usable (option redispatch), or undefined. */
  reassign(be: RtBackend, ctx: RequestState, states: ServerStates, avoid: Server): Server | undefined {
    return this.#pickBalanced(be, ctx, states, new Set([avoid.id]))?.server
  }

  /**
   * stream.h stream_choose_redispatch, after a connection failure: whether retry number `retry`
   * (1 for the first retry) leaves `failed` for another server. `direct`: persistence chose the
   * server; `forced`: force-persist matched.
   */
  shouldRedispatch(be: RtBackend, states: ServerStates, failed: Server, retry: number, direct: boolean, forced: boolean): boolean {
    const def = be.def
    const every = def.options.redispatch
    if (every === undefined || every === 0 || forced) return false
    if (failed.disabled || !states.isUp(def.name, failed.name)) return true
    if (every > 0 && retry % every === 0) return true
    const period = def.retries + 1 + every
    if (every < 0 && period > 0 && retry % period === 0) return true
    // Not persistent, a round-robin kind of algorithm and more than one usable active server: any retry may move.
    const rrKind = def.balance.algo === 'roundrobin' || def.balance.algo === 'static-rr' || def.balance.algo === 'random'
    if (direct || !rrKind) return false
    const active = def.servers.filter((s) => !s.backup && !s.disabled && s.weight > 0 && states.isUp(def.name, s.name) && states.isUsable(def.name, s.name))
    return active.length > 1
  }

  #pickBalanced(be: RtBackend, ctx: RequestState, states: ServerStates, avoid?: ReadonlySet<number>): { server: Server; reason: string } | undefined {
    const def = be.def
    const inflight = this.#limiter.inflight(def.name)
    const lb = this.#balancer(be, states, inflight)
    const req: HashRequest = { src: ctx.src, uri: ctx.target, header: (n) => ctx.headers.first(n) }
    // Full servers (maxconn) are skipped while another is usable, as HAProxy's balancers skip them.
    const limits = limitsOf(be)
    let skip = avoid
    if (limits) {
      const full = def.servers.filter((x) => this.#limiter.isFull(def.name, x.id, limits)).map((x) => x.id)
      if (full.length > 0) skip = new Set([...(avoid ?? []), ...full])
    }
    const pick = lb.pick({ request: req, random32: () => ctx.random32(), inflight, ...(skip ? { avoid: skip } : {}) })
    return pick ? { server: def.servers[pick.server.index] as Server, reason: pick.reason } : undefined
  }

  assign(be: RtBackend, ctx: RequestState, states: ServerStates, trace: Tracer): Assignment {
    const def = be.def
    const up = (s: Server): boolean => !s.disabled && states.isUp(def.name, s.name)
    const forced = be.forcePersist.length > 0 && be.forcePersist.some((c) => c(ctx, trace))
    const ignored = be.ignorePersist.length > 0 && be.ignorePersist.some((c) => c(ctx, trace))
    // process_server_rules runs before the persistence cookie is applied (and sets SF_DIRECT: no
    // cookie is inserted, no redispatch): the first matching
    // use-server whose server is not down (or any, with `option persist` or force-persist) takes the
    // request; a dynamic name naming no server ends the rules.
    let chosen: Server | undefined
    for (const u of be.useServers) {
      if (u.cond && !u.cond(ctx, trace)) continue
      const name = typeof u.target === 'string' ? u.target : u.target(ctx)
      const s = def.servers.find((x) => x.name === name)
      if (!s) break
      if (up(s) || def.options.persist || forced) {
        chosen = s
        break
      }
      if (trace.enabled) trace.step({ stage: 'server', text: `use-server '${s.name}' skipped: the server is down` })
    }
    let cookie: CookieStatus = 'N'
    let persistence: Persistence | undefined
    // ignore-persist: the cookie is still stripped where HAProxy strips it, but chooses nothing.
    if (def.cookie && ignored) stripPersistenceCookie(def.cookie, ctx.headers)
    if (def.cookie && !ignored) {
      const r = cookiePersistence(def, def.cookie, ctx.headers, Math.floor(this.#stick.now() / 1000), up, def.options.persist || forced)
      cookie = r.status
      persistence = { direct: r.server !== undefined, ...(r.firstDate !== undefined ? { firstDate: r.firstDate } : {}), ...(r.lastDate !== undefined ? { lastDate: r.lastDate } : {}) }
      stripPersistenceCookie(def.cookie, ctx.headers)
      if (chosen) return { server: chosen, via: 'use-server', why: `use-server '${chosen.name}'`, cookie, persistence: { ...persistence, direct: true } }
      if (r.server) return { server: r.server, via: 'cookie', why: `cookie ${def.cookie.name}=${r.server.cookie ?? ''} names server '${r.server.name}' (persistence)`, cookie, persistence }
      if (trace.enabled && r.status !== 'N')
        trace.step({ stage: 'server', text: `cookie ${def.cookie.name} ignored (status ${r.status}: ${r.status === 'D' ? 'server down' : r.status === 'I' ? 'no server has this value' : 'expired'})` })
    }
    if (chosen) return { server: chosen, via: 'use-server', why: `use-server '${chosen.name}'`, cookie, persistence: { ...persistence, direct: true } }
    if (!ignored) {
      for (const rule of be.stickRules) {
        if (rule.def.kind !== 'match' && rule.def.kind !== 'on') continue
        if (rule.cond && !rule.cond(ctx, trace)) continue
        const key = firstSample(rule.key(ctx, false))
        const table = this.#stick.table(rule.def.table ?? def.name)
        if (key === undefined || !table) continue
        const now = this.#stick.now()
        const k = tableKey(table.spec, sampleToString(key))
        const e = table.peek(k, now)
        const id = e ? table.read(e, 'server_id', now) : undefined
        const s = id === undefined ? undefined : def.servers.find((x) => x.id === id)
        if (s && (up(s) || forced)) {
          table.touch(k, now)
          // The hit refreshes the entry in the shared table too (background; none for memory stores).
          this.#stick.ship?.(table.spec.name, k, [])
          return { server: s, via: 'stick', why: `stick ${rule.def.kind} ${sampleToString(key)} → server id ${id} '${s.name}'`, cookie, ...(persistence ? { persistence } : {}) }
        }
      }
    }
    // No balance and a dispatch address (backend.c assign_server): the backend itself is the target.
    if (def.dispatch) return { server: def.dispatch, via: 'dispatch', why: `dispatch ${def.dispatch.host}:${def.dispatch.port ?? ''} (no balance)`, cookie, ...(persistence ? { persistence } : {}) }
    const pick = this.#pickBalanced(be, ctx, states)
    if (!pick) return { why: `no server is usable in backend '${def.name}'`, cookie, ...(persistence ? { persistence } : {}) }
    const algo = def.balance.algo
    const why = pick.reason.startsWith(`${algo}:`) || pick.reason.startsWith(`${algo}(`) ? `balance ${pick.reason}` : `balance ${algo}: ${pick.reason}`
    return { server: pick.server, via: 'balance', why, cookie, ...(persistence ? { persistence } : {}) }
  }

  /**
   * Before assign(): loads the entries `stick match`/`stick on` would read into the stick view
   * when the store keeps them elsewhere (Durable Object tables in exact mode), so that assign()
   * stays synchronous. Undefined (nothing to wait for) with the memory store or no stick rules.
   */
  prefetch(be: RtBackend, ctx: RequestState, trace: Tracer): Promise<void> | undefined {
    const load = this.#stick.load
    if (!load || be.stickRules.length === 0) return undefined
    const pending: Promise<void>[] = []
    for (const rule of be.stickRules) {
      if (rule.def.kind !== 'match' && rule.def.kind !== 'on') continue
      if (rule.cond && !rule.cond(ctx, trace)) continue
      const key = firstSample(rule.key(ctx, false))
      const tableName = rule.def.table ?? be.def.name
      const spec = this.#stick.table(tableName)?.spec
      const p = key === undefined || !spec ? undefined : load.call(this.#stick, tableName, tableKey(spec, sampleToString(key)))
      if (p) pending.push(p)
    }
    return pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined
  }

  /** Tables each request already stored into (one store per table and request, as HAProxy's s->store[]). */
  readonly #stored = new WeakMap<RequestState, Set<string>>()

  /** Records `stick store-request`/`stick on` entries once the server is known. */
  store(be: RtBackend, ctx: RequestState, server: Server, trace: Tracer): void {
    this.#storeRules(be, ctx, server, trace, (k) => k === 'store-request' || k === 'on')
  }

  /** Records `stick store-response` entries from the server's response (before http-response rules, as AN_RES_STORE_RULES). */
  storeResponse(be: RtBackend, ctx: RequestState, server: Server, trace: Tracer): void {
    this.#storeRules(be, ctx, server, trace, (k) => k === 'store-response')
  }

  #storeRules(be: RtBackend, ctx: RequestState, server: Server, trace: Tracer, kinds: (k: RtBackend['stickRules'][number]['def']['kind']) => boolean): void {
    // Only a server is stored (stream.c process_store_rules needs objt_server): not the dispatch address.
    if (be.stickRules.length === 0 || server === be.def.dispatch) return
    let stored = this.#stored.get(ctx)
    if (!stored) {
      stored = new Set<string>()
      this.#stored.set(ctx, stored)
    }
    for (const rule of be.stickRules) {
      if (!kinds(rule.def.kind)) continue
      const tableName = rule.def.table ?? be.def.name
      if (stored.has(tableName)) continue
      if (rule.cond && !rule.cond(ctx, trace)) continue
      const key = firstSample(rule.key(ctx, false))
      const table = this.#stick.table(tableName)
      if (key === undefined || !table) continue
      const k = tableKey(table.spec, sampleToString(key))
      const e = table.touch(k, this.#stick.now())
      if (e) table.set(e, 'server_id', server.id)
      this.#stick.ship?.(tableName, k, [{ op: 'set', data: 'server_id', value: server.id }])
      stored.add(tableName)
    }
  }

  #balancer(be: RtBackend, states: ServerStates, inflight: ReadonlyMap<number, number>): Balancer {
    const def = be.def
    let cached = this.#cache.get(def.name)
    // Fast path: the states said nothing changed since the balancer was last updated (and no server ramps up).
    const version = states.version?.()
    if (cached && version !== undefined && cached.version === version && cached.states === states && cached.def === def && !cached.ramping) return cached.balancer
    if (cached && cached.def !== def && lbIdentity(cached.def) === lbIdentity(def)) cached.def = def
    if (!cached || cached.def !== def) {
      // HAProxy's start: every server not `disabled` is up with its configured weight; what
      // differs from that now reaches the new balancer as state changes, like after a start.
      const initial = def.servers.map((s, index) => (!s.disabled && s.weight > 0 ? lbServer(s, index, s.weight, 16) : undefined))
      const balancer = createBalancer(
        def.balance,
        def.hash,
        initial.filter((s) => s !== undefined),
        { allbackups: def.options.allbackups, configuredWeights: def.servers.map((s) => s.weight) },
      )
      cached = { balancer, usable: initial, version: undefined, states, def, ramping: false }
      this.#cache.set(def.name, cached)
    }
    const ramp = states.startedAt && hasDynamicWeights(def.balance, def.hash) ? states.startedAt : undefined
    const now = ramp ? this.#stick.now() : 0
    const weightOf = states.weight
    // The usable view (an LbServer per usable server, by declaration index), reusing the previous
    // view's objects where nothing changed; the differences go to the balancer as state changes.
    let ramping = false
    const prev = cached.usable
    const servers = def.servers
    const next: (LbServer | undefined)[] = new Array(servers.length)
    for (let index = 0; index < servers.length; index++) {
      const s = servers[index] as Server
      if (s.disabled || !states.isUp(def.name, s.name) || !states.isUsable(def.name, s.name)) continue
      const since = s.slowstartMs > 0 ? ramp?.(def.name, s.name) : undefined
      if (since !== undefined) ramping = true
      const w = since === undefined ? 16 : slowstartW(s.slowstartMs, since, now)
      const weight = weightOf?.(def.name, s.name) ?? s.weight
      if (weight <= 0) continue
      const old = prev[index]
      next[index] = old && old.weight === weight && (old.slowstartW ?? 16) === w ? old : lbServer(s, index, weight, w)
    }
    applyStateChanges(cached.balancer, prev, next, inflight)
    cached.usable = next
    cached.version = version
    cached.states = states
    cached.ramping = ramping
    return cached.balancer
  }
}

/** The balancers' view of a server. */
function lbServer(s: Server, index: number, weight: number, w: number): LbServer {
  return { id: s.id, index, name: s.name, weight, backup: s.backup, ...(w < 16 ? { slowstartW: w } : {}) }
}

const IDENTITIES = new WeakMap<RtBackend['def'], string>()

/** What a balancer is built from: two backend definitions with the same identity can share one. */
function lbIdentity(def: RtBackend['def']): string {
  let id = IDENTITIES.get(def)
  if (id === undefined) {
    id = JSON.stringify([def.balance, def.hash, def.options.allbackups, def.servers.map((s) => [s.name, s.id, s.backup, s.weight, s.disabled])])
    IDENTITIES.set(def, id)
  }
  return id
}

/** A backend's balancer and the usable view it was last updated to. */
export interface BackendBalancer {
  readonly balancer: Balancer
  /** The usable servers the balancer knows of, by declaration index. */
  usable: readonly (LbServer | undefined)[]
  /** states.version() when last checked (undefined: the states have no version). */
  version: number | undefined
  states: ServerStates
  def: RtBackend['def']
  /** A server was ramping up (slowstart): its weight moves with time, so the set is re-read per request. */
  ramping: boolean
}

function firstSample(r: Sample | readonly Sample[] | undefined): Sample | undefined {
  return Array.isArray(r) ? r[0] : (r as Sample | undefined)
}
