/**
 * @module
 * The engine: a RouteMap hydrated once, with its per-isolate state (balancer positions, stick
 * tables), deciding requests. The Worker, `edgeproxy explain` and the tests all go through here.
 */
import type { RouteMap, Server, StickTableSpec } from '../routemap/schema.ts'
import { defaultRegistry } from '../sample/index.ts'
import type { SampleRegistry } from '../sample/registry.ts'
import { type DecideDeps, type Decision, decide } from './decide.ts'
import type { EngineRequest } from './request-state.ts'
import { type LoadCounters, ProxyStates } from './proxy-state.ts'
import { type Hydrated, hydrate } from './runtime.ts'
import { ALL_UP, type BalancerStore, ServerSelector, type ServerStates } from './server-select.ts'
import { createMemoryStickStore, type StickEnd, type StickStore, type StickStoreFactory, StickTracker } from './stick.ts'
import { NO_TRACE, type Tracer } from './trace.ts'
import { Txn, type TxnEnv } from './txn.ts'

export interface EngineOptions {
  readonly registry?: SampleRegistry
  /** Health/admin snapshot; all servers up when absent. */
  readonly states?: ServerStates
  /** Uniform 32-bit random numbers (rand(), balance random). */
  readonly random32?: () => number
  /** Milliseconds clock for stick tables and cookie dates. */
  readonly now?: () => number
  /**
   * Stick-table storage: a store, or a factory given the RouteMap's tables and the clock (the
   * Worker passes `remoteStickStore(...)` for Durable Objects). In memory when absent.
   */
  readonly stick?: StickStore | StickStoreFactory
  /** Balancers to carry on from the previous engine of the same RouteMap (see BalancerStore); new ones when absent. */
  readonly balancers?: BalancerStore
  /**
   * This isolate's requests in progress and queued after decide() (the Worker's Accounting), for
   * be_conn, srv_conn, queue... Without it those count only the requests being decided.
   */
  readonly load?: LoadCounters
}

export interface Engine {
  readonly hydrated: Hydrated
  /** Live proxy state for the capacity fetches (also given to the access log's log-format). */
  readonly proxies: ProxyStates
  decide(req: EngineRequest, trace?: Tracer): Promise<Decision>
  /** A request as a transaction (src/engine/txn.ts): the Worker's way through the phases below. */
  begin(req: EngineRequest, env: TxnEnv): Txn
  /**
   * Admits a forwarded request before it is sent: counts it in flight when the backend reads
   * in-flight counts (leastconn, first, random, server `maxconn`) and, under `maxconn`, takes a
   * slot, possibly on another server for a load-balanced request, or waits in a queue.
   * `release` ends the count; `timeout` means `timeout queue` expired (HAProxy answers 503).
   * `onQueued` is called when the request starts waiting in a queue.
   */
  admit(d: Extract<Decision, { kind: 'forward' }>, onQueued?: () => void): Promise<{ readonly server: Server; readonly release?: () => void } | { readonly timeout: number }>
  /**
   * After a connection failure to `failed`, before retry number `retry` (1-based): the server to
   * redispatch to (load balancing again, avoiding `failed` when it can; persistence is dropped), or
   * undefined when HAProxy would retry the same server (option redispatch, reference §13.2).
   */
  redispatch(d: Extract<Decision, { kind: 'forward' }>, failed: Server, retry: number): Server | undefined
  /** `stick store-response` rules, once the server's response head is in `d.request.response`. */
  storeResponse(d: Extract<Decision, { kind: 'forward' }>): void
  /**
   * Once per request that got a response (local ones included; `explain` never calls it), when the
   * response head is known: counts http_err_* / http_fail_* in the entries the request tracks.
   * `serverStatus` is the status the server answered (before http-response rules), absent for
   * local responses: a 4xx counts as an error, a 5xx other than 501 and 505 as a failure
   * (http_ana.c http_wait_for_response); deny, tarpit and auth count as errors (`httpErr`).
   * `serverFailed`: the server timed out or broke the response after the connection (the 504/502
   * of http_wait_for_response, which count as failures; a failed connection's 503 does not).
   * Returns undefined unless a tracked entry stores conn_cur or a bytes type: then the caller
   * counts the bytes (the response body only when `bytesOut`) and calls `end` once at the end.
   */
  responded(d: Decision, outcome: { readonly serverStatus?: number; readonly serverFailed?: boolean }): StickEnd | undefined
}

export function createEngine(routeMap: RouteMap, opts: EngineOptions = {}): Engine {
  const registry = opts.registry ?? defaultRegistry
  const now = opts.now ?? (() => Date.now())
  const specs: StickTableSpec[] = [
    ...routeMap.frontends.flatMap((f) => (f.stickTable ? [f.stickTable] : [])),
    ...routeMap.backends.flatMap((b) => (b.stickTable && !b.listen ? [b.stickTable] : [])),
    ...(routeMap.peerTables ?? []),
  ]
  const store = typeof opts.stick === 'function' ? opts.stick(specs, now) : (opts.stick ?? createMemoryStickStore(specs, now))
  const tracker = new StickTracker(store)
  const states = opts.states ?? ALL_UP
  const proxies = new ProxyStates(routeMap, states, now, opts.load)
  const hydrated = hydrate(routeMap, registry, tracker, proxies)
  const selector = new ServerSelector(store, opts.balancers)
  const random32 = opts.random32 ?? (() => (Math.random() * 2 ** 32) >>> 0)
  // Backends with `stick store-response` rules, found once rather than on every response.
  const storesResponses = new Map([...hydrated.backends].filter(([, be]) => be.stickRules.some((r) => r.def.kind === 'store-response')))
  // The per-request dependencies, built once (a traced request gets a copy with its tracer).
  const untraced: DecideDeps = { rt: hydrated, selector, states, random32, trace: NO_TRACE, ...(specs.length > 0 ? { attachStick: (c) => tracker.attach(c) } : {}) }
  // Once a capacity fetch was built (rules, or the access log's log-format built after the engine),
  // requests are counted while decided.
  const counted: DecideDeps = { ...untraced, entered: (c, r) => proxies.entered(c, r), chose: (c) => proxies.chose(c) }
  const countedDecide = async (req: EngineRequest, trace: Tracer): Promise<Decision> => {
    let d: Decision | undefined
    try {
      d = await decide(req, trace === NO_TRACE ? counted : { ...counted, trace })
      return d
    } finally {
      proxies.left(req, d)
    }
  }
  const engine: Engine = {
    hydrated,
    proxies,
    begin: (req, env) => new Txn(engine, req, env),
    decide: (req, trace = NO_TRACE) => (proxies.enabled ? countedDecide(req, trace) : decide(req, trace === NO_TRACE ? untraced : { ...untraced, trace })),
    admit: async (d, onQueued) => {
      const be = hydrated.backends.get(d.backend)
      if (!be || !selector.countsInflight(be)) return { server: d.server }
      // Persistence (cookie, stick) chose the server: it waits in that server's queue.
      const persistent = d.persistence?.direct === true || d.via === 'stick'
      return selector.admit(be, d.request, states, d.server, persistent, onQueued)
    },
    responded: (d, { serverStatus, serverFailed }) => {
      const req = d.request
      if (specs.length === 0 || !req) return undefined
      const s = serverStatus ?? 0
      const err = (d.kind === 'respond' && d.httpErr === true) || (s >= 400 && s < 500)
      const fail = serverFailed === true || (s >= 500 && s < 600 && s !== 501 && s !== 505)
      return tracker.respond(req, err, fail)
    },
    storeResponse: (d) => {
      const be = storesResponses.get(d.backend)
      if (be) selector.storeResponse(be, d.request, d.server, NO_TRACE)
    },
    redispatch: (d, failed, retry) => {
      const be = hydrated.backends.get(d.backend)
      // The dispatch address is retried as is: it is no server to redispatch from.
      if (!be || failed === be.def.dispatch) return undefined
      const forced = be.forcePersist.some((c) => c(d.request, NO_TRACE))
      if (!selector.shouldRedispatch(be, states, failed, retry, d.persistence?.direct === true, forced)) return undefined
      return selector.reassign(be, d.request, states, failed) ?? failed
    },
  }
  return engine
}

export type { Decision } from './decide.ts'
export type { StickEnd } from './stick.ts'
export type { Admission, Txn, TxnEnv } from './txn.ts'
export type { EngineRequest } from './request-state.ts'
export { createTracer } from './trace.ts'
