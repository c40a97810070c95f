/**
 * @module
 * The Worker's request path, as a dispatcher: the request is converted (request.ts), the engine's
 * transaction (src/engine/txn.ts) decides and owns the request's state and record, and this
 * module does the I/O each decision needs — a local answer, an applet, a cache hit, or the origin
 * fetch (forward.ts) and the body's delivery (body.ts). Runtime pieces (the upstream fetch, the
 * clock, the stats counters, the access log) are injected so tests run it in-process.
 */
import type { Decision } from '../engine/decide.ts'
import { errorResponse, type LocalResponse } from '../engine/errors.ts'
import type { Engine, Txn, TxnEnv } from '../engine/index.ts'
import type { EngineRequest } from '../engine/request-state.ts'
import type { PassiveOutcome } from '../health/observe.ts'
import type { AccessLogEntry } from '../log/entry.ts'
import type { Accounting } from '../ops/accounting.ts'
import type { Server } from '../routemap/schema.ts'
import { failing, forwardedResponse, lengthOf, SMALL_BODY_MAX, watchEnd } from './body.ts'
import { type CacheDeps, type CacheHit, cacheResponse, lookupCache } from './cache.ts'
import { type ForwardResult, forward, type Upstream } from './forward.ts'
import { passiveOutcome, sentHead } from './metering.ts'
import { toEngineRequest, toResponse } from './request.ts'

export interface HandlerDeps {
  readonly engine: Engine
  readonly upstream: Upstream
  readonly now: () => number
  /** Answers `stats` and `service` decisions (stats page, Prometheus); 503 when absent. */
  readonly services?: (d: Extract<Decision, { kind: 'stats' | 'service' }>, req: Request) => Promise<Response>
  /** Running under `edgeproxy dev` (trust its listener headers). */
  readonly dev?: boolean
  /**
   * Passive health (`observe layer4|layer7`): told the outcome of each forwarded request to a
   * server that has `observe`. The Worker forwards errors (and the first success after one) to
   * the backend's HealthMonitor in the background.
   */
  readonly observe?: (backend: string, server: Server, outcome: PassiveOutcome) => void
  /**
   * Called after the end of a response reported stick-table counts (conn_cur, bytes_*), possibly
   * after handle() returned: the Worker keeps the writes alive (ctx.waitUntil(store.sent())).
   */
  readonly afterStick?: () => void
  /** Per-isolate stats counters, told what happened to each request once it ended. */
  readonly accounting?: Accounting
  /** The access log (src/log/sink.ts logSink), called once per request at its end. */
  readonly accessLog?: (entry: AccessLogEntry) => void
  /**
   * The client's address when the request has no CF-Connecting-IP header (workerd's
   * `cf.clientIp` under `edgeproxy dev`): the request sees it as that header, as at the edge.
   */
  readonly clientIp?: string
  /** The Workers Cache API for `cache` sections (src/proxy/cache.ts); absent: no cache. */
  readonly cache?: CacheDeps
}

/** The transaction's environment for `deps`. */
function txnEnv(deps: HandlerDeps): TxnEnv {
  return {
    now: deps.now,
    ...(deps.accounting ? { meter: deps.accounting } : {}),
    ...(deps.accessLog ? { log: deps.accessLog } : {}),
    ...(deps.afterStick ? { afterStick: deps.afterStick } : {}),
  }
}

/** A request the Worker could not read: the engine's 500 (no rule sees it). */
function unreadable(req: Request): EngineRequest {
  return { method: req.method, url: req.url, headers: [], src: '127.0.0.1', version: '1.1' }
}

/**
 * Handles one request. Never throws: failures become HAProxy's error responses. With `accounting`
 * or `accessLog`, every request ends exactly once (after its body was sent or abandoned) with one
 * record handed to both; without them, nothing is measured.
 */
export async function handle(req: Request, deps: HandlerDeps): Promise<Response> {
  // The request's header lines as received: forward() copies the request and changes only these.
  const raw: [string, string][] = []
  let er: EngineRequest | undefined
  try {
    er = toEngineRequest(req, deps.dev === true, deps.clientIp, raw)
  } catch {
    er = undefined
  }
  const txn = deps.engine.begin(er ?? unreadable(req), txnEnv(deps))
  const d = await txn.decide(er === undefined)
  switch (d.kind) {
    case 'respond':
      if (d.delayMs) await new Promise((r) => setTimeout(r, d.delayMs))
      return sendLocal(txn, await txn.localPage(), req.method)
    case 'stats':
    case 'service':
      return serveApplet(txn, d, req, deps)
    case 'forward':
      return forwardRequest(txn, d, req, raw, deps)
  }
}

/** A local answer (error page, deny, redirect, return…): it ends as it is sent. */
function sendLocal(txn: Txn, page: LocalResponse, method: string): Response {
  const res = toResponse(page, method)
  txn.endLocal(page)
  return res
}

/** The stats page, Prometheus and other applets: made at once, so the request ends now. */
async function serveApplet(txn: Txn, d: Extract<Decision, { kind: 'stats' | 'service' }>, req: Request, deps: HandlerDeps): Promise<Response> {
  const res = deps.services ? await deps.services(d, req) : toResponse(errorResponse(503), req.method)
  // Applet answers are not counted in bytes_out: only conn_cur is released.
  txn.end({ head: () => sentHead(res, true), bodyBytes: lengthOf(res) ?? 0, stickBytes: 0 })
  return res
}

/** A cache hit: the cache applet's answer after the response rules. */
async function serveHit(txn: Txn, hit: CacheHit, req: Request): Promise<Response> {
  const out = await txn.cacheHit(hit.cache, hit.status, hit.headers)
  if (out.kind === 'local') {
    await hit.body?.cancel()
    return sendLocal(txn, out.response, req.method)
  }
  // A body's length is the runtime's to send; a HEAD or 304 keeps the stored Content-Length.
  const headers = (hit.body ? out.head.headers.entries().filter(([k]) => k.toLowerCase() !== 'content-length') : out.head.headers.entries()) as [string, string][]
  const res = new Response(hit.body, { status: out.head.status, statusText: out.head.reason ?? hit.reason, headers })
  txn.end({ head: () => sentHead(res, true), bodyBytes: hit.bodyBytes })
  return res
}

/** A forwarded request: cache lookup, admission, the origin fetch with retries, response rules, the body. */
async function forwardRequest(txn: Txn, d: Extract<Decision, { kind: 'forward' }>, req: Request, raw: [string, string][], deps: HandlerDeps): Promise<Response> {
  if (d.request.cache && deps.cache) {
    const hit = await lookupCache(d.request.cache, d.request.method, d.request.headers, deps.cache)
    if (hit) return serveHit(txn, hit, req)
  }
  const adm = await txn.admit()
  if (adm.kind === 'refused') return sendLocal(txn, adm.page, req.method)
  const be = txn.backendDef()
  const result = await forward(
    be,
    adm.server,
    d.request,
    () => req.body,
    deps.upstream,
    (failed, retry) => txn.nextServer(failed, retry),
    txn.record ? txn : undefined,
    { headers: req.headers, lines: raw },
  )
  if (result.server.observe && deps.observe) deps.observe(d.backend, result.server, passiveOutcome(result, result.server.observe))
  if (result.kind === 'error') return sendLocal(txn, await txn.failed(result), req.method)
  return respond(txn, d, result, req, deps)
}

/** The origin answered: response rules, then its body delivered as the request's end. */
async function respond(txn: Txn, d: Extract<Decision, { kind: 'forward' }>, result: Extract<ForwardResult, { kind: 'response' }>, req: Request, deps: HandlerDeps): Promise<Response> {
  let origin = result.response
  const lines: [string, string][] = []
  origin.headers.forEach((v, n) => {
    lines.push([n, v])
  })
  const out = await txn.responseHead(origin.status, lines, result.server, result.redispatched)
  const socket = origin.status === 101 ? (origin as Response & { webSocket?: WebSocket | null }).webSocket : undefined
  if (out.kind === 'local') {
    if (socket) socket.close(1011, 'response denied')
    else await origin.body?.cancel()
    return sendLocal(txn, out.response, req.method)
  }
  if (d.request.cache && deps.cache) origin = cacheResponse(d.request.cache, origin, deps.cache)
  const outHeaders = out.head.headers.entries()
  const statusText = out.head.reason ?? origin.statusText
  if (origin.status === 101) {
    const init = { status: out.head.status, statusText, headers: outHeaders as [string, string][] }
    const res = socket ? new Response(null, { ...init, webSocket: socket }) : origin
    txn.end({ head: () => sentHead(res, true), bodyBytes: 0, stickBytes: 0 })
    return res
  }
  const head = { status: out.head.status, reason: statusText, headers: outHeaders }
  /** The response to send with `body`: the origin's head as the response rules left it. */
  const reply = (body: BodyInit | null): Response => forwardedResponse(body, origin, out.head, lines, outHeaders)
  const length = lengthOf(origin)
  if (origin.body && length !== undefined && length <= SMALL_BODY_MAX) {
    if (!txn.holdsSlot) {
      // A small body (one HAProxy buffer) goes out with its head at once, as HAProxy writes it
      // into the socket in one go: the request ends now, with its Content-Length as the body's
      // bytes, and the origin's stream is handed to the runtime untouched (any stream or read in
      // JS between the origin and the client costs the runtime more than the rest of the request).
      const res = reply(origin.body)
      txn.end({ head, bodyBytes: length })
      return res
    }
    // A maxconn slot is held until the body was read from the origin: a small body is read
    // whole before the response goes out (cheaper than a stream between origin and client).
    let buf: ArrayBuffer
    try {
      buf = await origin.arrayBuffer()
    } catch (e) {
      // The origin broke the body: the client gets the head and a body that fails (SD).
      const res = reply(failing(e))
      txn.end({ head: () => sentHead(res, false), bodyBytes: 0, how: 'error' })
      return res
    }
    const res = reply(buf)
    txn.end({ head, bodyBytes: buf.byteLength })
    return res
  }
  if (!txn.needsEnd) return reply(origin.body)
  // The request ends with its body.
  return reply(watchEnd(origin.body, (bytes, how) => txn.end({ head, bodyBytes: bytes, how }), length))
}
