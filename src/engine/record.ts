/**
 * @module
 * What happened to one request, filled once by the request's transaction (src/engine/txn.ts)
 * and read by the per-isolate stats counters (src/ops/accounting.ts) and the access log
 * (src/log/httplog.ts). Field names follow HAProxy's log-format aliases (reference §11).
 *
 * Timers at the edge (ms, −1 = the event never happened):
 * - The Worker gets a request once its headers are complete: Th = 0, Ti = 0, TR = 0 (−1 where
 *   HAProxy 2.6 logs −1 too: a tarpit, and a frontend with no backend for the request).
 * - Tw: the wait for a `maxconn` slot (engine.admit), 0 when there was none to wait for; for a
 *   tarpit, the tarpit delay (HAProxy counts it there too: `-1/102/-1/-1/101 … PT--`).
 * - Tc: the time spent in failed connection attempts before the one that got an answer (retries;
 *   one fetch() both connects and waits for the headers, so it is 0 when the first attempt
 *   answered). −1 when no attempt got an answer (503 after the retries, queue timeout).
 * - Tr: from the start of the attempt that answered (the end of the queue without retries) to the
 *   response headers: connect plus server think time. −1 on a timeout (504) or a failed connection.
 * - Ta: from the request's arrival in the Worker to the last byte of the response body (or the
 *   client cancelling it); Tt = Ta; Td = Ta − (TR + Tw + Tc + Tr) when Tr ≥ 0.
 */
import type { EndKind } from './outcome.ts'
import type { RequestState } from './request-state.ts'

export interface AccessLogEntry {
  /**
   * HAProxy saw a connection fail before any request (a TLS handshake refused by `verify
   * required`): the line is `IP:PORT [date] FE/BIND: <connError>`, not the access log format.
   */
  readonly connError?: string
  /** The frontend that took the request (`%f`). */
  readonly frontend: string
  /** `%b`: the backend, or the frontend's name when no backend was chosen. */
  readonly backend: string
  /** `%s`: the server, `<NOSRV>` when none was reached, `<STATS>` / `<PROMEX>` for applets. */
  readonly server: string
  readonly clientIp: string
  /** 0 when the edge does not know it (Cloudflare does not pass the client's port). */
  readonly clientPort: number
  readonly frontendIp: string
  readonly frontendPort: number
  /** The request came over TLS (`%ft` gets a `~`). */
  readonly ssl: boolean
  /** ms epoch the Worker received the request (`%tr`). */
  readonly acceptDate: number
  readonly Th: number
  readonly Ti: number
  readonly TR: number
  readonly Tw: number
  readonly Tc: number
  readonly Tr: number
  readonly Td: number
  readonly Ta: number
  readonly Tt: number
  /** Status sent to the client (`%ST`), −1 when none was. */
  readonly status: number
  /**
   * Bytes sent to the client (`%B`): an estimate of the HTTP/1.1 head (status line, each header as
   * `name: value\r\n`, the blank line) plus the body bytes actually read through the Worker.
   */
  readonly bytesOut: number
  /** Bytes received (`%U`): request line and headers as above, plus the Content-Length. */
  readonly bytesIn: number
  /** `%tsc`: cause, phase, request cookie, response cookie (`----` when the backend has no cookie). */
  readonly termination: string
  /** `%ac/%fc/%bc/%sc`: this isolate's concurrent requests (1/1/0/0 without accounting). */
  readonly actconn: number
  readonly feconn: number
  readonly beconn: number
  readonly srvconn: number
  /** `%rc`: connection retries; `+` prefix when redispatched. */
  readonly retries: number
  readonly redispatched: boolean
  /** `%sq/%bq`: position in the server / backend queue (0 when not queued). */
  readonly srvQueue: number
  readonly backendQueue: number
  readonly method: string
  /** The request target as received (`%HU`). */
  readonly uri: string
  /** `HTTP/1.1`, `HTTP/2.0`… */
  readonly version: string
  /** For `%[sample]` in a custom log-format (response fetches see the final response). */
  readonly request?: RequestState
}

/**
 * The mutable record the transaction fills in, one per request when accounting or an access log is
 * configured (none otherwise). It is the AccessLogEntry handed to the sink.
 */
export class RequestRecord implements AccessLogEntry {
  frontend = ''
  backend = ''
  server = '<NOSRV>'
  clientIp = '-'
  clientPort = 0
  frontendIp = '-'
  frontendPort = 0
  ssl = false
  acceptDate: number
  Th = 0
  Ti = 0
  TR = 0
  Tw = -1
  Tc = -1
  Tr = -1
  Td = -1
  Ta = 0
  Tt = 0
  status = -1
  bytesOut = 0
  bytesIn = 0
  termination = '----'
  actconn = 1
  feconn = 1
  beconn = 0
  srvconn = 0
  retries = 0
  redispatched = false
  srvQueue = 0
  backendQueue = 0
  method = ''
  uri = ''
  version = 'HTTP/1.1'
  request?: RequestState

  // What the handler measured on the way, for the counters and the termination state.
  kind: EndKind = 'ok'
  /** Cause and phase characters (`%tsc` 1-2). */
  cause = '-'
  phase = '-'
  /** Request / response cookie characters (`%tsc` 3-4), '-' when the backend has no cookie. */
  cookieReq = '-'
  cookieRes = '-'
  /** A backend was assigned (stats: be stot/req_tot/hrsp). */
  backendAssigned = false
  /** The status the server answered (before http-response rules); 0 when none answered. */
  serverStatus = 0
  /** The client cancelled the body, or the origin broke it. */
  clientAbort = false
  serverAbort = false
  /** Don't log (monitor-uri requests are never logged). */
  nolog = false
  /** HAProxy had no request, only a failed connection: logged as its connection error line. */
  connError?: string
  /** ms epoch of the start of the attempt that got an answer (Tc/Tr). */
  attemptAt = 0
  /** ms epoch the connection phase started (after the queue). */
  connectAt = 0
  /** Body bytes of a local response (a streamed body is counted as it goes). */
  bodyBytes = 0
  /** The body is streamed: the end comes from the stream, not from handle(). */
  deferred = false
  /** Set once ended: a second end is ignored. */
  ended = false
  /** Accounting's slots for this request (opaque to the handler). */
  feSlot: unknown = undefined
  beSlot: unknown = undefined
  srvSlot: unknown = undefined
  /** The queue this request waits in (accounting's slot). */
  queueSlot: unknown = undefined

  constructor(now: number) {
    this.acceptDate = now
  }

  /** Fills the termination state from the cause/phase and cookie characters. */
  finishTermination(): void {
    this.termination = this.cause + this.phase + this.cookieReq + this.cookieRes
  }
}

/** UTF-8 byte length of a string without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 2
      i++
    } else n += 2
  }
  return n
}
