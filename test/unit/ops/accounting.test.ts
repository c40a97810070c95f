import { describe, expect, it } from 'vitest'
import { RequestRecord } from '../../../src/log/entry.ts'
import { Accounting } from '../../../src/ops/accounting.ts'

/** Per-isolate counters: what each request adds, and what takeReport() hands the aggregator. */

function rec(over: Partial<RequestRecord> = {}): RequestRecord {
  return Object.assign(new RequestRecord(1000), { frontend: 'fe', backend: 'be', backendAssigned: true, ...over })
}

/** A forwarded request to be/s1 that got `status`. */
function forwarded(a: Accounting, status = 200, over: Partial<RequestRecord> = {}): RequestRecord {
  const r = rec(over)
  a.begin(r)
  a.backend(r, 1000)
  a.server(r, 's1', 1000, true)
  a.connect(r)
  Object.assign(r, { status, serverStatus: status, Tw: 0, Tc: 2, Tr: 10, Ta: 15, Tt: 15, bytesIn: 100, bytesOut: 300 })
  a.end(r)
  return r
}

describe('Accounting', () => {
  it('counts a forwarded request on the frontend, backend and server', () => {
    const a = new Accounting()
    forwarded(a)
    const r = a.takeReport('iso', 5000)
    expect(r?.isolate).toBe('iso')
    expect(r?.at).toBe(5000)
    // scur went 0 → 1 → 0 since the last report: unchanged, so not reported.
    expect(r?.counters['fe:fe']).toEqual({ stot: 1, conn_tot: 1, req_tot: 1, bin: 100, bout: 300, hrsp_2xx: 1, smax: 1 })
    expect(r?.counters['be:be']).toEqual({
      stot: 1,
      req_tot: 1,
      bin: 100,
      bout: 300,
      hrsp_2xx: 1,
      smax: 1,
      lbtot: 1,
      connect: 1,
      lastsess: 1000,
      ctime_sum: 2,
      rtime_sum: 10,
      ttime_sum: 15,
      timed: 1,
      ctime_max: 2,
      rtime_max: 10,
      ttime_max: 15,
    })
    expect(r?.counters['srv:be/s1']).toMatchObject({ stot: 1, req_tot: 1, hrsp_2xx: 1, lbtot: 1, connect: 1, lastsess: 1000, timed: 1 })
  })

  it('reports deltas: the next report has only what happened since, and nothing when nothing did', () => {
    const a = new Accounting()
    forwarded(a)
    a.takeReport('i', 1)
    expect(a.pending()).toBe(false)
    expect(a.takeReport('i', 2)).toBeUndefined()
    forwarded(a, 404)
    const r = a.takeReport('i', 3)
    expect(r?.counters['fe:fe']).toMatchObject({ stot: 1, hrsp_4xx: 1 })
    expect(r?.counters['fe:fe']?.hrsp_2xx).toBeUndefined()
    expect(a.lastReportAt).toBe(3)
  })

  it('reports gauges while requests are in flight, and their return to zero', () => {
    const a = new Accounting()
    const r1 = rec()
    a.begin(r1)
    a.backend(r1, 1000)
    a.server(r1, 's1', 1000, false)
    expect(a.active).toBe(1)
    const first = a.takeReport('i', 1)
    expect(first?.counters['fe:fe']).toMatchObject({ scur: 1, smax: 1 })
    expect(first?.counters['srv:be/s1']).toMatchObject({ scur: 1, stot: 1 })
    expect(first?.counters['srv:be/s1']?.lbtot).toBeUndefined()
    // Nothing changed: no report, unless asked for a keepalive (then the live gauges).
    expect(a.takeReport('i', 2)).toBeUndefined()
    expect(a.takeReport('i', 3, true)?.counters['be:be']).toEqual({ scur: 1, smax: 1 })
    Object.assign(r1, { status: 200 })
    a.end(r1)
    const last = a.takeReport('i', 4)
    expect(last?.counters['fe:fe']).toMatchObject({ scur: 0 })
    expect(last?.counters['srv:be/s1']).toMatchObject({ scur: 0 })
    expect(a.active).toBe(0)
  })

  it('writes the concurrency counts HAProxy logs: backend and server released, frontend held', () => {
    const a = new Accounting()
    const other = rec()
    a.begin(other)
    a.backend(other, 1)
    a.server(other, 's1', 1, true)
    const r = rec()
    a.begin(r)
    a.backend(r, 1)
    a.server(r, 's1', 1, true)
    a.end(r)
    expect([r.actconn, r.feconn, r.beconn, r.srvconn]).toEqual([2, 2, 1, 1])
  })

  it('counts retries, redispatches (on the server left) and the final connection error', () => {
    const a = new Accounting()
    const r = rec({ kind: 'conn', status: 503 })
    a.begin(r)
    a.backend(r, 1)
    a.server(r, 'A', 1, true)
    a.connect(r)
    a.retry(r, false)
    a.connect(r)
    a.retry(r, true)
    a.server(r, 'B', 2, true)
    a.connect(r)
    a.end(r)
    const c = a.takeReport('i', 3)?.counters ?? {}
    expect(c['srv:be/A']).toMatchObject({ wretr: 1, wredis: 1, connect: 2, stot: 1 })
    expect(c['srv:be/B']).toMatchObject({ connect: 1, stot: 1, econ: 1 })
    expect(c['be:be']).toMatchObject({ wretr: 1, wredis: 1, connect: 3, econ: 1, lbtot: 2, hrsp_5xx: 1, stot: 1 })
    expect(c['be:be']?.timed).toBeUndefined()
  })

  it('counts local answers: deny (dreq), redirect (intercepted), bad request (ereq), no server (econ on the backend)', () => {
    const a = new Accounting()
    for (const [kind, status, backend] of [
      ['deny', 403, false],
      ['local', 302, false],
      ['bad', 400, false],
      ['noserver', 503, true],
    ] as const) {
      const r = rec({ kind, status, backendAssigned: backend, backend: backend ? 'be' : 'fe' })
      a.begin(r)
      if (backend) a.backend(r, 1)
      a.end(r)
    }
    const c = a.takeReport('i', 1)?.counters ?? {}
    expect(c['fe:fe']).toMatchObject({ stot: 4, dreq: 1, intercepted: 1, ereq: 1, hrsp_4xx: 2, hrsp_3xx: 1, hrsp_5xx: 1 })
    expect(c['be:be']).toMatchObject({ stot: 1, econ: 1, hrsp_5xx: 1, req_tot: 1 })
    expect(c['be:fe']).toBeUndefined()
  })

  it('tracks queue gauges and positions', () => {
    const a = new Accounting()
    const r1 = rec()
    const r2 = rec()
    for (const r of [r1, r2]) {
      a.begin(r)
      a.backend(r, 1)
    }
    expect(a.queue(r1)).toBe(1)
    expect(a.queue(r2, 's1')).toBe(1)
    const mid = a.takeReport('i', 1)?.counters ?? {}
    expect(mid['be:be']).toMatchObject({ qcur: 1, qmax: 1 })
    expect(mid['srv:be/s1']).toMatchObject({ qcur: 1, qmax: 1 })
    a.unqueue(r1)
    Object.assign(r2, { kind: 'queue', status: 503 })
    a.end(r2)
    const after = a.takeReport('i', 2)?.counters ?? {}
    expect(after['be:be']).toMatchObject({ qcur: 0 })
    expect(after['srv:be/s1']).toMatchObject({ qcur: 0 })
  })

  it('counts aborts in the data phase', () => {
    const a = new Accounting()
    forwarded(a, 200, { clientAbort: true })
    forwarded(a, 200, { serverAbort: true })
    const c = a.takeReport('i', 1)?.counters ?? {}
    expect(c['be:be']).toMatchObject({ cli_abrt: 1, srv_abrt: 1, eresp: 1 })
    expect(c['srv:be/s1']).toMatchObject({ cli_abrt: 1, srv_abrt: 1, eresp: 1 })
  })

  it('ignores the end of a request no frontend took', () => {
    const a = new Accounting()
    a.end(new RequestRecord(0))
    expect(a.pending()).toBe(false)
    expect(a.takeReport('i', 1)).toBeUndefined()
  })
})
