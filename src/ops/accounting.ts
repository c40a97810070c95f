/**
 * @module
 * Per-isolate stats counters (reference §8.4), fed by the Worker's request path once per request
 * and flushed as `IsolateReport`s (deltas for sums, maxima since the last report, current gauges,
 * latest `last` values) to the aggregator. Plain number fields, one slot per frontend, backend and
 * server, created on first use: nothing is allocated per request besides the RequestRecord.
 *
 * What counts where (HAProxy 2.6's rules, stream.c / http_ana.c / backend.c):
 * - frontend: stot, conn_tot, req_tot per request; scur while it is handled; bin/bout; hrsp_* of
 *   the status sent; dreq (deny, tarpit), ereq (bad request), intercepted (redirect, return, auth,
 *   stats, services), dresp (http-response deny), eint (Worker failure).
 * - backend (once one was assigned): stot, req_tot, lastsess, scur, hrsp_* of the status sent,
 *   bin/bout; dreq/intercepted when its own rules answered; econ for a failed connection, a queue
 *   timeout or no usable server; eresp for a server timeout or broken response; wretr/wredis per
 *   retry; lbtot for load-balanced picks; connect per attempt; cli_abrt/srv_abrt in the data phase;
 *   qcur while queued in the backend queue; q/c/r/ttime sums and maxima (`timed` samples: requests
 *   that got the server's response headers).
 * - server: stot, lastsess, scur from the assignment to the end; hrsp_* and req_tot of the status
 *   the server answered; econ, eresp, wretr, wredis (on the server switched away from), lbtot,
 *   connect, cli_abrt, srv_abrt, timers, bin/bout; qcur while queued in the server's queue.
 */
import type { RequestRecord } from '../log/entry.ts'
import { type CounterField, type CounterReport, COUNTER_FIELDS, COUNTERS, feKey, beKey, type IsolateReport, type ObjectKey, srvKey } from './types.ts'

/** One object's counters since the last report, plus its gauges. */
class Slot {
  stot = 0
  bin = 0
  bout = 0
  dreq = 0
  dresp = 0
  ereq = 0
  econ = 0
  eresp = 0
  wretr = 0
  wredis = 0
  lbtot = 0
  hrsp_1xx = 0
  hrsp_2xx = 0
  hrsp_3xx = 0
  hrsp_4xx = 0
  hrsp_5xx = 0
  hrsp_other = 0
  req_tot = 0
  cli_abrt = 0
  srv_abrt = 0
  intercepted = 0
  connect = 0
  wrew = 0
  eint = 0
  conn_tot = 0
  qtime_sum = 0
  ctime_sum = 0
  rtime_sum = 0
  ttime_sum = 0
  timed = 0
  smax = 0
  qmax = 0
  qtime_max = 0
  ctime_max = 0
  rtime_max = 0
  ttime_max = 0
  scur = 0
  qcur = 0
  lastsess = 0
  /** Gauges as last reported. */
  repScur = 0
  repQcur = 0
  repLast = 0
  /** Anything changed since the last report. */
  dirty = false
  readonly key: ObjectKey

  constructor(key: ObjectKey) {
    this.key = key
  }

  enter(): void {
    this.scur++
    if (this.scur > this.smax) this.smax = this.scur
    this.dirty = true
  }

  leave(): void {
    if (this.scur > 0) this.scur--
    this.dirty = true
  }

  hrsp(status: number): void {
    if (status >= 100 && status < 200) this.hrsp_1xx++
    else if (status >= 200 && status < 300) this.hrsp_2xx++
    else if (status >= 300 && status < 400) this.hrsp_3xx++
    else if (status >= 400 && status < 500) this.hrsp_4xx++
    else if (status >= 500 && status < 600) this.hrsp_5xx++
    else this.hrsp_other++
  }

  times(r: RequestRecord): void {
    const q = Math.max(r.Tw, 0)
    const c = Math.max(r.Tc, 0)
    const s = Math.max(r.Tr, 0)
    const t = Math.max(r.Tt, 0)
    this.qtime_sum += q
    this.ctime_sum += c
    this.rtime_sum += s
    this.ttime_sum += t
    this.timed++
    if (q > this.qtime_max) this.qtime_max = q
    if (c > this.ctime_max) this.ctime_max = c
    if (s > this.rtime_max) this.rtime_max = s
    if (t > this.ttime_max) this.ttime_max = t
  }
}

const asSlot = (x: unknown): Slot | undefined => x as Slot | undefined

export class Accounting {
  readonly #fe = new Map<string, Slot>()
  readonly #be = new Map<string, Slot>()
  readonly #srv = new Map<string, Map<string, Slot>>()
  /** Requests in flight in this isolate (`%ac`). */
  #active = 0
  #dirty = false
  /** ms epoch of the last takeReport() that returned a report (0: never). */
  lastReportAt = 0

  #slot(map: Map<string, Slot>, name: string, key: (n: string) => ObjectKey): Slot {
    let s = map.get(name)
    if (!s) {
      s = new Slot(key(name))
      map.set(name, s)
    }
    return s
  }

  #server(backend: string, server: string): Slot {
    let m = this.#srv.get(backend)
    if (!m) {
      m = new Map()
      this.#srv.set(backend, m)
    }
    let s = m.get(server)
    if (!s) {
      s = new Slot(srvKey(backend, server))
      m.set(server, s)
    }
    return s
  }

  /** Requests in flight in this isolate. */
  get active(): number {
    return this.#active
  }

  // The engine's LoadCounters (src/engine/proxy-state.ts): this isolate's gauges, for be_conn, srv_conn, queue...
  feConn(frontend: string): number {
    return this.#fe.get(frontend)?.scur ?? 0
  }

  beConn(backend: string): number {
    return this.#be.get(backend)?.scur ?? 0
  }

  srvConn(backend: string, server: string): number {
    return this.#srv.get(backend)?.get(server)?.scur ?? 0
  }

  beQueued(backend: string): number {
    return this.#be.get(backend)?.qcur ?? 0
  }

  srvQueued(backend: string, server: string): number {
    return this.#srv.get(backend)?.get(server)?.qcur ?? 0
  }

  /** True when something changed since the last report. */
  pending(): boolean {
    return this.#dirty
  }

  /** The request entered `rec.frontend` (its decision is known): frontend counts and gauge. */
  begin(rec: RequestRecord): void {
    this.#dirty = true
    this.#active++
    const fe = this.#slot(this.#fe, rec.frontend, feKey)
    rec.feSlot = fe
    fe.stot++
    fe.conn_tot++
    fe.req_tot++
    fe.enter()
  }

  /** A backend was assigned to the request (`rec.backend`). */
  backend(rec: RequestRecord, now: number): void {
    const be = this.#slot(this.#be, rec.backend, beKey)
    rec.beSlot = be
    be.stot++
    be.lastsess = now
    be.enter()
  }

  /**
   * The request waits in a queue: the server's (`server` given: persistence) or the backend's.
   * Returns its position (1 = first), for `%sq` / `%bq`.
   */
  queue(rec: RequestRecord, server?: string): number {
    const s = server !== undefined ? this.#server(rec.backend, server) : asSlot(rec.beSlot)
    if (!s) return 0
    s.qcur++
    if (s.qcur > s.qmax) s.qmax = s.qcur
    s.dirty = true
    this.#dirty = true
    rec.queueSlot = s
    return s.qcur
  }

  /** The request left its queue (admitted or timed out). */
  unqueue(rec: RequestRecord): void {
    const s = asSlot(rec.queueSlot)
    rec.queueSlot = undefined
    if (!s) return
    if (s.qcur > 0) s.qcur--
    s.dirty = true
  }

  /**
   * The request is assigned to `server` (first pick, queue hand-over, or redispatch, which moves
   * the gauge). `balanced`: chosen by load balancing (lbtot), not persistence.
   */
  server(rec: RequestRecord, server: string, now: number, balanced: boolean): void {
    const prev = asSlot(rec.srvSlot)
    const s = this.#server(rec.backend, server)
    if (prev === s) return
    prev?.leave()
    rec.srvSlot = s
    s.stot++
    s.lastsess = now
    s.enter()
    if (balanced) {
      s.lbtot++
      const be = asSlot(rec.beSlot)
      if (be) be.lbtot++
    }
    this.#dirty = true
  }

  /** A connection attempt to the current server. */
  connect(rec: RequestRecord): void {
    const s = asSlot(rec.srvSlot)
    const be = asSlot(rec.beSlot)
    if (s) s.connect++
    if (be) be.connect++
  }

  /** A retry after a failed connection to the current server: `redispatch` counts in wredis, else wretr. */
  retry(rec: RequestRecord, redispatch: boolean): void {
    const s = asSlot(rec.srvSlot)
    const be = asSlot(rec.beSlot)
    if (redispatch) {
      if (s) s.wredis++
      if (be) be.wredis++
    } else {
      if (s) s.wretr++
      if (be) be.wretr++
    }
  }

  /**
   * The request ended (response sent, body done or abandoned): releases the backend and server
   * gauges, writes the concurrency counts into `rec` (`%ac/%fc/%bc/%sc`: HAProxy logs after the
   * server and backend counts dropped, with the frontend's still held), adds the sums, then releases
   * the frontend gauge. Call once.
   */
  end(rec: RequestRecord): void {
    const fe = asSlot(rec.feSlot)
    // A request no frontend took (invalid URL, engine failure) was never begun.
    if (!fe) return
    this.#dirty = true
    const be = asSlot(rec.beSlot)
    const srv = asSlot(rec.srvSlot)
    if (rec.queueSlot !== undefined) this.unqueue(rec)
    be?.leave()
    srv?.leave()
    rec.actconn = this.#active
    rec.feconn = fe.scur
    rec.beconn = be?.scur ?? 0
    rec.srvconn = srv?.scur ?? 0
    const status = rec.status
    const k = rec.kind
    fe.bin += rec.bytesIn
    fe.bout += rec.bytesOut
    if (status >= 0) fe.hrsp(status)
    if (k === 'deny') fe.dreq++
    else if (k === 'local') fe.intercepted++
    else if (k === 'bad') fe.ereq++
    else if (k === 'resp-denied') fe.dresp++
    else if (k === 'internal') fe.eint++
    fe.leave()
    if (be) {
      be.bin += rec.bytesIn
      be.bout += rec.bytesOut
      if (rec.backendAssigned) {
        be.req_tot++
        if (status >= 0) be.hrsp(status)
      }
      switch (k) {
        case 'deny':
          be.dreq++
          break
        case 'local':
          be.intercepted++
          break
        case 'noserver':
        case 'conn':
        case 'queue':
          be.econ++
          break
        case 'resp':
          be.eresp++
          break
        case 'resp-denied':
          be.dresp++
          break
      }
      if (rec.clientAbort) be.cli_abrt++
      if (rec.serverAbort) {
        be.srv_abrt++
        be.eresp++
      }
      if (rec.serverStatus > 0) be.times(rec)
    }
    if (srv) {
      srv.bin += rec.bytesIn
      srv.bout += rec.bytesOut
      if (rec.serverStatus > 0) {
        srv.req_tot++
        srv.hrsp(rec.serverStatus)
        srv.times(rec)
      }
      if (k === 'conn' || k === 'queue') srv.econ++
      else if (k === 'resp') srv.eresp++
      else if (k === 'resp-denied') srv.dresp++
      if (rec.clientAbort) srv.cli_abrt++
      if (rec.serverAbort) {
        srv.srv_abrt++
        srv.eresp++
      }
    }
    if (this.#active > 0) this.#active--
  }

  /**
   * The counters since the previous report: sums as deltas, maxima since then, gauges of every
   * object whose gauge changed or is non-zero, `lastsess` when it moved. Undefined when nothing
   * changed, unless `keepalive` (a report, possibly empty, that keeps this isolate's gauges live
   * in the aggregate while requests are in flight).
   */
  takeReport(isolate: string, now: number, keepalive = false): IsolateReport | undefined {
    if (!this.#dirty && !keepalive) return undefined
    const counters: Record<ObjectKey, CounterReport> = {}
    let any = false
    const visit = (s: Slot): void => {
      if (!s.dirty && s.scur === 0 && s.qcur === 0) return
      const r: CounterReport = {}
      let has = false
      const rec = s as unknown as Record<CounterField, number>
      for (const f of COUNTER_FIELDS) {
        const agg = COUNTERS[f]
        const v = rec[f]
        if (agg === 'sum' || agg === 'max') {
          if (v !== 0) {
            r[f] = v
            has = true
          }
        } else if (agg === 'gauge') {
          const prev = f === 'scur' ? s.repScur : s.repQcur
          if (v !== 0 || v !== prev) {
            r[f] = v
            has = true
          }
        } else if (v !== s.repLast) {
          r[f] = v
          has = true
        }
      }
      // Reset: sums to 0, maxima to the current gauge (times to 0).
      for (const f of COUNTER_FIELDS) if (COUNTERS[f] === 'sum') rec[f] = 0
      s.smax = s.scur
      s.qmax = s.qcur
      s.qtime_max = 0
      s.ctime_max = 0
      s.rtime_max = 0
      s.ttime_max = 0
      s.repScur = s.scur
      s.repQcur = s.qcur
      s.repLast = s.lastsess
      s.dirty = false
      if (has) {
        counters[s.key] = r
        any = true
      }
    }
    for (const s of this.#fe.values()) visit(s)
    for (const s of this.#be.values()) visit(s)
    for (const m of this.#srv.values()) for (const s of m.values()) visit(s)
    this.#dirty = false
    if (!any && !keepalive) return undefined
    this.lastReportAt = now
    return { isolate, at: now, counters }
  }
}
