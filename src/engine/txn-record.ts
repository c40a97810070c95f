/**
 * @module
 * Filling a request's record (src/log/entry.ts RequestRecord) from what its transaction did: the
 * request line, the decision, the termination state (TERMINATIONS), the end's timers and bytes.
 * Only src/engine/txn.ts calls these; the stats counters and the access log read the record.
 */
import { type AccessLogEntry, type RequestRecord, utf8Length } from './record.ts'
import { setCookieName, setCookieValue } from './cookie-insert.ts'
import type { Decision } from './decide.ts'
import { type LocalResponse, reasonFor } from './errors.ts'
import { type Termination, TERMINATIONS } from './outcome.ts'
import type { EngineRequest } from './request-state.ts'
import type { Hydrated } from './runtime.ts'
import type { HeaderList } from '../sample/headers.ts'

/**
 * What the transaction tells the per-isolate counters (src/ops/accounting.ts Accounting) as the
 * request goes: the gauges and totals of the stats page, `show stat` and Prometheus.
 */
export interface TxnMeter {
  begin(rec: RequestRecord): void
  backend(rec: RequestRecord, now: number): void
  /** The request waits in a queue: its position (`%sq` / `%bq`). */
  queue(rec: RequestRecord, server?: string): number
  unqueue(rec: RequestRecord): void
  /** A server takes the request (`balanced`: load balancing chose it: lbtot). */
  server(rec: RequestRecord, server: string, now: number, balanced: boolean): void
  connect(rec: RequestRecord): void
  retry(rec: RequestRecord, redispatch: boolean): void
  end(rec: RequestRecord): void
}

/** Sets the counters' kind and `%tsc`'s first two characters (http_set_term_flags). */
export function terminate(rec: RequestRecord, t: Termination): void {
  const s = TERMINATIONS[t]
  rec.kind = s.kind
  rec.cause = s.cause
  rec.phase = s.phase
  if (s.noTR) rec.TR = -1
  if (s.nolog) rec.nolog = true
  if (s.connError) rec.connError = s.connError
}

const reqTarget = (url: string): string => {
  const i = url.indexOf('://')
  const j = url.indexOf('/', i < 0 ? 0 : i + 3)
  return j < 0 ? '/' : url.slice(j)
}

function urlPort(url: string): number {
  try {
    const u = new URL(url)
    return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80
  } catch {
    return 0
  }
}

/** The request body's declared size (Content-Length, 0 without one). */
export function declaredBodyBytes(er: EngineRequest): number {
  for (const [k, v] of er.headers) {
    if (k.length === 14 && k.toLowerCase() === 'content-length') {
      const n = Number(v)
      return Number.isFinite(n) && n > 0 ? n : 0
    }
  }
  return 0
}

/** The request line, its estimated size in bytes (`%U`), before any rule rewrote it. */
export function describeRequest(rec: RequestRecord, er: EngineRequest, bodyBytes: number): void {
  rec.method = er.method
  rec.uri = reqTarget(er.url)
  rec.version = `HTTP/${er.version}`
  rec.clientIp = er.src
  let n = rec.method.length + rec.uri.length + rec.version.length + 4
  for (const [k, v] of er.headers) n += k.length + v.length + 4
  rec.bytesIn = n + 2 + bodyBytes
}

/** The decision is known: frontend, backend, server fields, counters, and what a local answer was. */
export function enter(rec: RequestRecord, d: Decision, er: EngineRequest, rt: Hydrated, meter: TxnMeter | undefined): void {
  const ctx = d.request
  rec.frontend = d.frontend ?? ''
  if (ctx) {
    rec.request = ctx
    rec.clientIp = ctx.src
    rec.clientPort = ctx.srcPort
    rec.frontendIp = ctx.dst
    rec.frontendPort = ctx.dstPort
    rec.ssl = ctx.ssl
  } else {
    rec.clientIp = er.src
    rec.clientPort = er.srcPort ?? 0
    // A request refused before it existed (tls-refused) still names its port in the log.
    if (d.kind === 'respond' && d.cause === 'tls-refused') rec.frontendPort = er.listener?.port ?? urlPort(er.url)
  }
  const backend = d.kind === 'forward' || d.kind === 'respond' ? d.backend : undefined
  rec.backend = backend ?? rec.frontend
  rec.backendAssigned = backend !== undefined
  const cookie = rt.backends.get(rec.backend)?.def.cookie
  if (cookie) {
    rec.cookieReq = 'N'
    rec.cookieRes = 'N'
  }
  if (meter && rec.frontend !== '') {
    meter.begin(rec)
    if (backend !== undefined) meter.backend(rec, rec.acceptDate)
  }
  switch (d.kind) {
    case 'forward':
      if (cookie) rec.cookieReq = d.cookie
      rec.Tw = 0
      return
    case 'stats':
    case 'service':
      rec.server = d.kind === 'stats' ? '<STATS>' : d.service === 'prometheus-exporter' ? '<PROMEX>' : `<${d.service.toUpperCase()}>`
      terminate(rec, 'applet')
      rec.Tw = 0
      rec.Tc = 0
      rec.Tr = 0
      return
    case 'respond':
      terminate(rec, d.cause)
      if (d.cause === 'server-redir') {
        rec.Tw = 0
        if (ctx?.server !== undefined) {
          rec.server = ctx.server
          meter?.server(rec, ctx.server, rec.acceptDate, false)
        }
      }
  }
}

/** The body bytes a local answer sends: none for HEAD, 204 and 304. */
export function localBodyBytes(r: LocalResponse, method: string): number {
  return method === 'HEAD' || r.status === 204 || r.status === 304 ? 0 : utf8Length(r.body)
}

/** The server's own Set-Cookie values of the persistence cookie (before the response rules). */
export function persistenceCookies(rt: Hydrated, backend: string, headers: HeaderList): string[] | undefined {
  const c = rt.backends.get(backend)?.def.cookie
  if (!c) return undefined
  return headers.all('set-cookie').filter((v) => setCookieName(v) === c.name && setCookieValue(v) !== '')
}

/**
 * `%tsc` character 4 (http_ana.c TX_SCK_*): I inserted, U date updated, D deleted, R rewritten,
 * P passed through, N none: what engine/cookie-insert.ts did, read off the headers before and after.
 */
export function responseCookieChar(rt: Hydrated, d: Extract<Decision, { kind: 'forward' }>, before: readonly string[], after: HeaderList): string {
  const c = rt.backends.get(d.backend)?.def.cookie
  if (!c) return '-'
  const direct = d.persistence?.direct === true
  if (c.mode === 'insert') {
    for (const v of after.all('set-cookie')) {
      if (setCookieName(v) === c.name && !before.includes(v)) return d.server.cookie !== undefined && direct ? 'U' : 'I'
    }
  }
  if (before.length === 0) return 'N'
  if (c.preserve) return 'P'
  if (c.mode === 'insert' || (direct && c.indirect)) return 'D'
  if (d.server.cookie !== undefined && (c.mode === 'rewrite' || c.mode === 'prefix')) return 'R'
  return 'P'
}

/** The response as sent, for the end's byte count. */
export interface SentHead {
  readonly status: number
  /** The reason phrase sent (HAProxy's for the status when empty). */
  readonly reason?: string
  /** The header lines sent. */
  readonly headers: Iterable<readonly [string, string]>
  /**
   * A local answer whose body the runtime measures: its Content-Length (added by the runtime) is
   * counted when the headers do not carry one.
   */
  readonly localBody?: boolean
}

/**
 * Estimated HTTP/1.1 head size of a response: status line, headers, blank line, and the
 * Content-Length the runtime adds to a local answer.
 */
function headBytes(head: SentHead, body: number): number {
  let n = 13 + (head.reason || reasonFor(head.status)).length + 2
  let length = false
  for (const [k, v] of head.headers) {
    n += k.length + v.length + 4
    if (k.length === 14 && k.toLowerCase() === 'content-length') length = true
  }
  if (!length && head.localBody && body > 0) n += 18 + String(body).length
  return n + 2
}

const pos = (t: number): number => Math.max(t, 0)

/** How a response body ended: sent whole, cancelled by the client, broken by the origin. */
export type BodyEndHow = 'end' | 'cancel' | 'error'

/** Ends the record: how the body ended, timers, termination state, counters, log line. */
export function finish(rec: RequestRecord, head: SentHead, bodyBytes: number, how: BodyEndHow, now: number, meter: TxnMeter | undefined, log: ((e: AccessLogEntry) => void) | undefined): void {
  rec.bodyBytes = bodyBytes
  if (how !== 'end' && rec.cause === '-') {
    if (how === 'cancel') {
      rec.clientAbort = true
      rec.cause = 'C'
    } else {
      rec.serverAbort = true
      rec.cause = 'S'
    }
    rec.phase = 'D'
  }
  rec.ended = true
  rec.status = head.status
  rec.bytesOut = headBytes(head, bodyBytes) + bodyBytes
  rec.Ta = Math.max(0, now - rec.acceptDate)
  rec.Tt = rec.Ta + pos(rec.Th) + pos(rec.Ti)
  rec.Td = rec.Tr >= 0 ? Math.max(0, rec.Ta - pos(rec.TR) - pos(rec.Tw) - pos(rec.Tc) - rec.Tr) : -1
  rec.finishTermination()
  meter?.end(rec)
  if (!rec.nolog && rec.frontend !== '') log?.(rec)
}
