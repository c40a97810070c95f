/**
 * @module
 * One request as a transaction (HAProxy's stream): `engine.begin(request)` returns a Txn with one
 * method per phase — decide, admit, the next server after a failure, the response head, a local
 * page, the end. The Txn owns every change to the request's state (the server it is on, whether
 * persistence still holds, the maxconn slot, the stick-table end counters) and fills one record
 * (src/log/entry.ts RequestRecord) from which the termination state, the stats counters, the
 * access log and the stick-table end counts are all fed. The Worker's handler only does I/O.
 */
import { type AccessLogEntry, RequestRecord } from './record.ts'
import type { Backend, Server } from '../routemap/schema.ts'
import { HeaderList } from '../sample/headers.ts'
import type { Decision } from './decide.ts'
import { errorResponse, type LocalResponse } from './errors.ts'
import type { EngineRequest } from './request-state.ts'
import { afterResponse, processResponse, type ResponseOutcome } from './respond.ts'
import type { Hydrated } from './runtime.ts'
import type { StickEnd } from './stick.ts'
import { NO_TRACE } from './trace.ts'
import { type BodyEndHow, declaredBodyBytes, describeRequest, enter, finish, localBodyBytes, persistenceCookies, responseCookieChar, type SentHead, terminate, type TxnMeter } from './txn-record.ts'

type Forward = Extract<Decision, { kind: 'forward' }>

/** What the engine does for a transaction (src/engine/index.ts): its phases, without per-request state. */
export interface TxnEngine {
  readonly hydrated: Hydrated
  decide(req: EngineRequest): Promise<Decision>
  admit(d: Forward, onQueued?: () => void): Promise<{ readonly server: Server; readonly release?: () => void } | { readonly timeout: number }>
  redispatch(d: Forward, failed: Server, retry: number): Server | undefined
  storeResponse(d: Forward): void
  responded(d: Decision, outcome: { readonly serverStatus?: number; readonly serverFailed?: boolean }): StickEnd | undefined
}

/** What a transaction reports to, given by the Worker (one object per engine, not per request). */
export interface TxnEnv {
  readonly now: () => number
  /** Per-isolate stats counters; with `log`, the request is measured (a record is kept). */
  readonly meter?: TxnMeter
  /** The access log, called once per request at its end. */
  readonly log?: (entry: AccessLogEntry) => void
  /** Called after the end reported stick-table counts (the Worker keeps the writes alive). */
  readonly afterStick?: () => void
}

/** The outcome of admission under `maxconn`: the server to send to, or `timeout queue`'s 503 page. */
export type Admission = { readonly kind: 'slot'; readonly server: Server } | { readonly kind: 'refused'; readonly page: LocalResponse }

/** A forward attempt that got no response (src/proxy/forward.ts ForwardResult's error). */
export interface FailedForward {
  readonly status: 502 | 503 | 504
  readonly server: Server
  readonly retries: number
  readonly redispatched: boolean
  readonly timedOut?: boolean
}

/** How the response ended, for the record and the stick tables. */
export interface TxnEnd {
  /** The head as sent, or how to read it: only a measured request (one with a record) reads it. */
  readonly head: SentHead | (() => SentHead)
  /** Body bytes sent. */
  readonly bodyBytes: number
  readonly how?: BodyEndHow
  /** Body bytes counted in bytes_out_* (default: `bodyBytes`); applets count none. */
  readonly stickBytes?: number
}

/** A Decision for the engine failing: HAProxy's 500, counted as an internal error. */
const INTERNAL: Decision = { kind: 'respond', response: errorResponse(500), cause: 'internal', why: 'internal error' }

export class Txn {
  readonly #engine: TxnEngine
  readonly #env: TxnEnv
  readonly #er: EngineRequest
  /** The request's record, when the Worker measures requests (accounting or an access log). */
  readonly record: RequestRecord | undefined
  #d: Decision = INTERNAL
  /** The forward decision as it stands: server and persistence after admission and redispatch. */
  #fwd: Forward | undefined
  #stick: StickEnd | undefined
  #release: (() => void) | undefined
  #decidedAt = 0
  #bytesIn = -1
  #ended = false

  constructor(engine: TxnEngine, er: EngineRequest, env: TxnEnv) {
    this.#engine = engine
    this.#env = env
    this.#er = er
    if (env.meter || env.log) {
      const rec = new RequestRecord(env.now())
      describeRequest(rec, er, this.#requestBytes())
      this.record = rec
    }
  }

  get decision(): Decision {
    return this.#d
  }

  /** Something must happen when the response ends (a slot to release, counts, a record). */
  get needsEnd(): boolean {
    return this.record !== undefined || this.#stick !== undefined || this.#release !== undefined
  }

  #requestBytes(): number {
    if (this.#bytesIn < 0) this.#bytesIn = declaredBodyBytes(this.#er)
    return this.#bytesIn
  }

  /** A maxconn slot is held (released at the end). */
  get holdsSlot(): boolean {
    return this.#release !== undefined
  }

  /** The definition of the backend a forward decision chose. */
  backendDef(): Backend {
    const be = this.#fwd ? this.#engine.hydrated.backends.get(this.#fwd.backend) : undefined
    if (!be) throw new Error('backendDef() of a decision that is not forward')
    return be.def
  }

  /**
   * Runs the request rules. Never throws: an engine failure is HAProxy's 500 (`internal`), as is
   * a request the Worker could not read (`unreadable`).
   */
  async decide(unreadable = false): Promise<Decision> {
    let d: Decision = INTERNAL
    if (!unreadable) {
      try {
        d = await this.#engine.decide(this.#er)
      } catch {
        d = INTERNAL
      }
    }
    this.#d = d
    const rec = this.record
    if (rec) {
      enter(rec, d, this.#er, this.#engine.hydrated, this.#env.meter)
      this.#decidedAt = this.#env.now()
    }
    if (d.kind === 'forward') this.#fwd = d
    // A local answer counts in the tracked entries now (a tarpit when it starts: http_ana.c `tarpit:`).
    else this.#stick = this.#engine.responded(d, {})
    return d
  }

  /** Persistence chose the server (SF_DIRECT or a stick rule): it waits in that server's queue. */
  #persistent(d: Forward): boolean {
    return d.persistence?.direct === true || d.via === 'stick'
  }

  /** The local answer of a `respond` decision, after http-after-response rules (a tarpit's delay is over). */
  async localPage(): Promise<LocalResponse> {
    const d = this.#d
    if (d.kind !== 'respond') throw new Error('localPage() of a decision that is not respond')
    const rec = this.record
    // HAProxy logs the tarpit delay as Tw, with TR unset: `-1/102/-1/-1/101 … PT--`.
    if (rec && d.delayMs !== undefined) rec.Tw = this.#env.now() - this.#decidedAt
    if (d.cause === 'internal') return d.response
    return afterResponse(this.#engine.hydrated, d.frontend, d.backend, d.response, d.request, NO_TRACE)
  }

  /**
   * A slot under `maxconn` (or at once when nothing is limited). A queue may hand the request to
   * another server: like a redispatch, persistence is dropped. `timeout queue` gives HAProxy's 503.
   */
  async admit(): Promise<Admission> {
    const d = this.#fwd
    if (!d) throw new Error('admit() of a decision that is not forward')
    const rec = this.record
    const now = this.#env.now
    const persistent = this.#persistent(d)
    let queuedAt = -1
    const onQueued = rec
      ? () => {
          if (queuedAt >= 0) return
          queuedAt = now()
          const pos = this.#env.meter ? this.#env.meter.queue(rec, persistent ? d.server.name : undefined) : 1
          if (persistent) rec.srvQueue = pos
          else rec.backendQueue = pos
        }
      : undefined
    const adm = await this.#engine.admit(d, onQueued)
    if (rec && queuedAt >= 0) {
      this.#env.meter?.unqueue(rec)
      rec.Tw = now() - queuedAt
    }
    if ('timeout' in adm) {
      if (rec) {
        terminate(rec, 'queue-timeout')
        if (persistent) rec.server = d.server.name
      }
      return { kind: 'refused', page: await this.errorPage(503, false) }
    }
    this.#release = adm.release
    const moved = adm.server !== d.server
    if (moved) {
      d.request.server = adm.server.name
      this.#fwd = { ...d, server: adm.server, ...(d.persistence ? { persistence: { ...d.persistence, direct: false } } : {}) }
    }
    if (rec) {
      rec.server = adm.server.name
      // A dispatched request counts on the backend only (no server row), as HAProxy's.
      const dispatch = this.#engine.hydrated.backends.get(d.backend)?.def.dispatch
      if (adm.server !== dispatch) this.#env.meter?.server(rec, adm.server.name, now(), d.via === 'balance' || moved)
      rec.connectAt = now()
    }
    return { kind: 'slot', server: adm.server }
  }

  /** After a failed connection to `failed`, before retry `retry`: the server to try, or undefined for the same one. */
  nextServer(failed: Server, retry: number): Server | undefined {
    return this.#fwd ? this.#engine.redispatch(this.#fwd, failed, retry) : undefined
  }

  /** Before each connection attempt (`retry` 0 for the first; `redispatch` when it went through redispatch). */
  attempt(server: Server, retry: number, redispatch: boolean): void {
    const rec = this.record
    if (!rec) return
    const meter = this.#env.meter
    if (retry > 0) {
      meter?.retry(rec, redispatch)
      rec.retries = retry
      if (redispatch) rec.redispatched = true
      if (server.name !== rec.server) {
        rec.server = server.name
        meter?.server(rec, server.name, this.#env.now(), true)
      }
    }
    meter?.connect(rec)
    rec.attemptAt = this.#env.now()
  }

  /** No response from the server (503 connection failure, 504 timeout, 502 broken response): its error page. */
  async failed(r: FailedForward): Promise<LocalResponse> {
    this.#releaseSlot()
    const rec = this.record
    if (rec) {
      rec.server = r.server.name
      rec.retries = r.retries
      rec.redispatched = r.redispatched
      if (rec.redispatched && rec.cookieReq === 'V') rec.cookieReq = 'D'
      if (r.status === 503) {
        terminate(rec, r.timedOut ? 'connect-timeout' : 'connect-error')
        rec.Tc = -1
      } else {
        terminate(rec, r.status === 504 ? 'response-timeout' : 'response-error')
        rec.Tc = r.retries > 0 ? Math.max(0, rec.attemptAt - rec.connectAt) : 0
      }
      rec.Tr = -1
    }
    // A read timeout (504) or broken response (502) counts in http_fail; a failed connection (503) does not.
    return this.errorPage(r.status, r.status !== 503)
  }

  /** HAProxy's error page `status` of the backend (its errorfiles), after http-after-response rules. */
  async errorPage(status: number, serverFailed: boolean): Promise<LocalResponse> {
    const d = this.#fwd ?? this.#d
    this.#stick = this.#engine.responded(d, serverFailed ? { serverFailed } : {})
    const be = d.kind === 'forward' ? this.#engine.hydrated.backends.get(d.backend) : undefined
    const page = errorResponse(status, be?.def.errorfiles)
    const at = d.kind === 'forward' || d.kind === 'respond' ? d : undefined
    return afterResponse(this.#engine.hydrated, at?.frontend, at?.backend, page, d.request, NO_TRACE)
  }

  /**
   * The server's response head (`lines` as received from `server`; `redispatched` when a retry
   * moved the request): the response rules, cookie insertion and `stick store-response`. The
   * rewritten head, or the local answer a rule gave instead (the slot is released then).
   */
  async responseHead(status: number, lines: [string, string][], server: Server, redispatched: boolean): Promise<ResponseOutcome> {
    const admitted = this.#fwd
    if (!admitted) throw new Error('responseHead() of a decision that is not forward')
    const rec = this.record
    const now = this.#env.now
    if (rec) {
      const t = now()
      rec.serverStatus = status
      // Tc: the failed attempts before this one (a fetch() connects and waits in one step).
      rec.Tc = rec.retries > 0 ? Math.max(0, rec.attemptAt - rec.connectAt) : 0
      rec.Tr = Math.max(0, t - (rec.retries > 0 ? rec.attemptAt : rec.connectAt))
      if (rec.redispatched && rec.cookieReq === 'V') rec.cookieReq = 'D'
    }
    const rt = this.#engine.hydrated
    // The server's status counts in http_err/http_fail before the response rules (http_ana.c).
    this.#stick = this.#engine.responded(admitted, { serverStatus: status })
    const head = { status, headers: new HeaderList(lines) }
    // `%tsc`'s response cookie character is for the access log only: without one it is not worked out.
    const serverCookies = rec && this.#env.log && rec.cookieRes !== '-' ? persistenceCookies(rt, admitted.backend, head.headers) : undefined
    // A redispatch drops persistence (SF_DIRECT): the response gets the new server's cookie.
    const served: Forward = redispatched ? { ...admitted, server, ...(admitted.persistence ? { persistence: { ...admitted.persistence, direct: false } } : {}) } : admitted
    if (redispatched) admitted.request.server = server.name
    this.#fwd = served
    // HAProxy runs http-response rules and cookie insertion on a 101 too (only other 1xx skip them).
    admitted.request.response = head
    this.#engine.storeResponse(served)
    const out = await processResponse(rt, served, head, now(), NO_TRACE)
    if (out.kind === 'local') {
      this.#releaseSlot()
      if (rec) terminate(rec, out.denied ? 'response-denied' : 'response-local')
    } else if (rec && serverCookies) rec.cookieRes = responseCookieChar(rt, served, serverCookies, out.head.headers)
    return out
  }

  /**
   * A cache hit (http-request cache-use found the object): HAProxy's cache applet answers instead
   * of a server, the response rules run (`res.cache_hit` true), no persistence cookie is set, and
   * the log names the server `<CACHE>`.
   */
  async cacheHit(cache: string, status: number, lines: [string, string][]): Promise<ResponseOutcome> {
    const d = this.#fwd
    if (!d) throw new Error('cacheHit() of a decision that is not forward')
    const ctx = d.request
    ctx.cacheHit = cache
    ctx.server = undefined
    this.#stick = this.#engine.responded(d, {})
    const { persistence: _p, ...rest } = d
    const head = { status, headers: new HeaderList(lines) }
    ctx.response = head
    const out = await processResponse(this.#engine.hydrated, rest, head, this.#env.now(), NO_TRACE)
    const rec = this.record
    if (rec) {
      // HAProxy's applet answers: `LR--` (SF_ERR_LOCAL, SF_FINST_R), the request counted as served.
      rec.server = '<CACHE>'
      terminate(rec, 'cache-hit')
      rec.Tc = 0
      rec.Tr = 0
    }
    return out
  }

  #releaseSlot(): void {
    const r = this.#release
    this.#release = undefined
    r?.()
  }

  /** The end of a local answer sent as is (its body is known): see end(). */
  endLocal(page: LocalResponse): void {
    // The runtime sends the Content-Length itself: the page's own is not a line sent.
    const head = (): SentHead => ({ status: page.status, reason: page.reason, headers: page.headers.filter((h) => h[0].length !== 14 || h[0].toLowerCase() !== 'content-length'), localBody: true })
    this.end({ head, bodyBytes: localBodyBytes(page, this.#er.method) })
  }

  /**
   * The end, once (later calls do nothing): the slot is released, the tracked entries get their
   * bytes and conn_cur back, the record its timers and termination state, the counters and the
   * access log their line.
   */
  end(e: TxnEnd): void {
    if (this.#ended) return
    this.#ended = true
    this.#releaseSlot()
    const stick = this.#stick
    if (stick) {
      stick.end(this.#requestBytes(), e.stickBytes ?? (stick.bytesOut ? e.bodyBytes : 0))
      this.#env.afterStick?.()
    }
    const rec = this.record
    if (rec) finish(rec, typeof e.head === 'function' ? e.head() : e.head, e.bodyBytes, e.how ?? 'end', this.#env.now(), this.#env.meter, this.#env.log)
  }
}
