/**
 * @module
 * The Worker's request path: Request → EngineRequest → decision → origin fetch (or a local
 * response) → response rules → Response. Runtime-specific pieces (the upstream fetch, the clock,
 * health states) are injected so tests run it in-process.
 */
import { setCookieName, setCookieValue } from '../engine/cookie-insert.ts'
import type { Decision } from '../engine/decide.ts'
import { errorResponse, type LocalResponse, reasonFor } from '../engine/errors.ts'
import type { Engine, StickEnd } from '../engine/index.ts'
import type { EngineRequest } from '../engine/request-state.ts'
import { afterResponse, processResponse } from '../engine/respond.ts'
import { NO_TRACE } from '../engine/trace.ts'
import { HeaderList } from '../sample/headers.ts'
import type { TlsClientInfo } from '../sample/types.ts'
import type { PassiveOutcome } from '../health/observe.ts'
import type { Server } from '../routemap/schema.ts'
import type { Accounting } from '../ops/accounting.ts'
import { type AccessLogEntry, RequestRecord, utf8Length } from '../log/entry.ts'
import type { Hydrated } from '../engine/runtime.ts'
import { applyHeaderChanges, type ForwardHooks, type ForwardResult, forward, type Upstream } from './forward.ts'
import { type CacheDeps, type CacheHit, cacheResponse, lookupCache } from './cache.ts'

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
   * after handle() returned: the Worker keeps the writes alive (ctx.waitUntil(store.idle())).
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

/** Set by `edgeproxy dev`'s listeners: the bind (`address:port`) that received the request. */
export const DEV_BIND_HEADER = 'x-edgeproxy-bind'
/** Set by `edgeproxy dev`'s listeners: the local address of the connection (HAProxy's dst). */
export const DEV_DST_HEADER = 'x-edgeproxy-dst'
/** Set by `edgeproxy dev`'s listeners: the client's source port (`%cp`, `src_port`). */
export const DEV_SRC_PORT_HEADER = 'x-edgeproxy-src-port'

/**
 * Reads the client's address, TLS and edge properties from a Workers request. `dev` trusts the
 * bind header of `edgeproxy dev`'s listeners; at the edge it is an ordinary client header.
 */
export function toEngineRequest(req: Request, dev = false, clientIp?: string, raw?: [string, string][]): EngineRequest {
  const headers: [string, string][] = []
  let listener: { address: string; port: number; local?: string } | undefined
  let local: string | undefined
  let srcPort: number | undefined
  let src: string | undefined
  req.headers.forEach((v, n) => {
    raw?.push([n, v])
    if (n === 'cf-connecting-ip' && src === undefined) src = v
    if (dev && n === DEV_BIND_HEADER) {
      const i = v.lastIndexOf(':')
      listener = { address: v.slice(0, i).replace(/^\*$/, ''), port: Number(v.slice(i + 1)) }
      return
    }
    if (dev && n === DEV_DST_HEADER) {
      local = v
      return
    }
    if (dev && n === DEV_SRC_PORT_HEADER) {
      const p = Number(v)
      if (Number.isInteger(p) && p > 0 && p < 65536) srcPort = p
      return
    }
    headers.push([n, v])
  })
  if (listener && local) listener.local = local
  if (src === undefined && clientIp) {
    src = clientAddress(clientIp)
    headers.push(['cf-connecting-ip', src])
  }
  const cf = (req as Request & { cf?: Record<string, unknown> }).cf
  const auth = cf?.tlsClientAuth as Record<string, string> | undefined
  const tls: TlsClientInfo | undefined =
    auth && auth.certPresented === '1'
      ? {
          presented: true,
          verified: auth.certVerified === 'SUCCESS',
          subjectDn: auth.certSubjectDNRFC2253 ?? auth.certSubjectDN ?? '',
          issuerDn: auth.certIssuerDNRFC2253 ?? auth.certIssuerDN ?? '',
          ...(auth.certSerial ? { serial: auth.certSerial } : {}),
          ...(auth.certNotBefore ? { notBefore: auth.certNotBefore } : {}),
          ...(auth.certNotAfter ? { notAfter: auth.certNotAfter } : {}),
          ...(auth.certFingerprintSHA1 ? { fingerprintSha1: auth.certFingerprintSHA1 } : {}),
        }
      : undefined
  const proto = (cf?.httpProtocol as string | undefined) ?? 'HTTP/1.1'
  return {
    method: req.method,
    url: req.url,
    headers,
    src: src ?? '127.0.0.1',
    version: proto.replace(/^HTTP\//, '').replace(/^2$/, '2.0').replace(/^3$/, '3.0'),
    ...(srcPort !== undefined ? { srcPort } : {}),
    ...(tls ? { tls } : {}),
    ...(cf ? { cf } : {}),
    ...(listener ? { listener } : {}),
  }
}

/** workerd's `cf.clientIp` may carry a port (`1.2.3.4:5678`, `[::1]:5678`): the address alone. */
export function clientAddress(ip: string): string {
  return ip.replace(/^\[|\]:\d+$|:\d+$/g, '').replace(/^\[/, '')
}

export function toResponse(r: LocalResponse, method: string): Response {
  const headers = new Headers()
  for (const [n, v] of r.headers) if (n.toLowerCase() !== 'content-length') headers.append(n, v)
  // An empty body is no body: a string body, even empty, would make the runtime add a Content-Type.
  const body = method === 'HEAD' || r.status === 204 || r.status === 304 || r.body === '' ? null : r.body
  return new Response(body, { status: r.status, statusText: r.reason, headers })
}

/**
 * Request body bytes for bytes_in_*: the Content-Length (0 without one). HAProxy counts every
 * byte read from the client, request line and headers included (stream.c
 * stream_process_counters(): req.total), which the Worker does not see.
 */
function requestBytes(req: Request): number {
  const n = Number(req.headers.get('content-length'))
  return Number.isFinite(n) && n > 0 ? n : 0
}

/** A local response is sent at once: reports the stick-table end counts now. */
function localEnd(end: StickEnd | undefined, req: Request, res: Response, body: string, deps: HandlerDeps): Response {
  if (end) {
    end.end(requestBytes(req), end.bytesOut && res.body ? new TextEncoder().encode(body).byteLength : 0)
    deps.afterStick?.()
  }
  return res
}

/**
 * Handles one request. Never throws: failures become HAProxy's error responses. With `accounting`
 * or `accessLog`, every request ends exactly once (after its body was sent or abandoned) with one
 * RequestRecord handed to both; without them, nothing is measured.
 */
export async function handle(req: Request, deps: HandlerDeps): Promise<Response> {
  if (!deps.accounting && !deps.accessLog) return route(req, deps, undefined)
  const rec = new RequestRecord(deps.now())
  const res = await route(req, deps, rec)
  if (!rec.deferred) finish(rec, res, deps)
  return res
}

async function route(req: Request, deps: HandlerDeps, rec: RequestRecord | undefined): Promise<Response> {
  const { engine } = deps
  let d: Decision
  let er: EngineRequest
  // The request's header lines as received: forward() copies the request and changes only these.
  const raw: [string, string][] = []
  try {
    er = toEngineRequest(req, deps.dev === true, deps.clientIp, raw)
    if (rec) describeRequest(rec, req, er)
    d = await engine.decide(er)
  } catch {
    if (rec) outcome(rec, 'internal', 'I', 'R')
    return local500(req, rec)
  }
  const rt = engine.hydrated
  if (rec) enter(rec, d, er, rt, deps)
  const local = async (page: LocalResponse, fe: string | undefined, be: string | undefined, serverFailed = false): Promise<Response> => {
    const end = engine.responded(d, serverFailed ? { serverFailed } : {})
    const res = await afterResponse(rt, fe, be, page, d.request, NO_TRACE)
    if (rec) rec.bodyBytes = bodyBytesOf(res, req.method)
    return localEnd(end, req, toResponse(res, req.method), res.body, deps)
  }
  switch (d.kind) {
    case 'respond': {
      // A tarpit counts its error when it starts (http_ana.c `tarpit:`), not after the delay.
      const end = engine.responded(d, {})
      if (d.delayMs) {
        const t0 = rec ? deps.now() : 0
        await new Promise((r) => setTimeout(r, d.delayMs))
        // HAProxy logs the tarpit delay as Tw, with TR unset: `-1/102/-1/-1/101 … PT--`.
        if (rec) rec.Tw = deps.now() - t0
      }
      const res = await afterResponse(rt, d.frontend, d.backend, d.response, d.request, NO_TRACE)
      if (rec) rec.bodyBytes = bodyBytesOf(res, req.method)
      return localEnd(end, req, toResponse(res, req.method), res.body, deps)
    }
    case 'stats':
    case 'service': {
      const end = engine.responded(d, {})
      const res = deps.services ? await deps.services(d, req) : toResponse(errorResponse(503), req.method)
      // Applet answers (stats, Prometheus) are not counted in bytes_out: only conn_cur is released.
      if (end) {
        end.end(requestBytes(req), 0)
        deps.afterStick?.()
      }
      // The applet's page is made at once: it ends now (wrapping its body would lose its length).
      if (rec) rec.bodyBytes = lengthOf(res) ?? 0
      return res
    }
    case 'forward': {
      const be = rt.backends.get(d.backend)
      if (!be) {
        if (rec) outcome(rec, 'internal', 'I', 'C')
        return toResponse(errorResponse(503), req.method)
      }
      if (d.request.cache && deps.cache) {
        const hit = await lookupCache(d.request.cache, d.request.method, d.request.headers, deps.cache)
        if (hit) return serveHit(hit, d, rt, req, rec, deps)
      }
      const persistent = d.persistence?.direct === true || d.why.startsWith('stick ')
      const adm = rec ? await admitMeasured(engine, d, rec, persistent, deps) : await engine.admit(d)
      if ('timeout' in adm) {
        // Queued for `timeout queue` without a free slot (maxconn): HAProxy's 503.
        if (rec) {
          outcome(rec, 'queue', 's', 'Q')
          if (persistent) rec.server = d.server.name
        }
        return local(errorResponse(503, be.def.errorfiles), d.frontend, d.backend)
      }
      const release = adm.release
      if (adm.server !== d.server) d.request.server = adm.server.name
      // A queue may hand the request to another server: like a redispatch, persistence is dropped.
      const admitted: typeof d = adm.server === d.server ? d : { ...d, server: adm.server, ...(d.persistence ? { persistence: { ...d.persistence, direct: false } } : {}) }
      let hooks: ForwardHooks | undefined
      if (rec) {
        rec.server = admitted.server.name
        // A dispatched request counts on the backend only (no server row), as HAProxy's.
        if (admitted.server !== be.def.dispatch) deps.accounting?.server(rec, admitted.server.name, deps.now(), d.why.startsWith('balance') || admitted !== d)
        rec.connectAt = deps.now()
        hooks = attemptHooks(rec, deps)
      }
      const result = await forward(be.def, admitted.server, d.request, req.body, deps.upstream, (failed, retry) => engine.redispatch(admitted, failed, retry), hooks, { headers: req.headers, lines: raw })
      if (result.server.observe && deps.observe) {
        deps.observe(d.backend, result.server, passiveOutcome(result, result.server.observe))
      }
      if (result.kind === 'error') {
        release?.()
        if (rec) forwardFailed(rec, result, deps)
        // A read timeout (504) or broken response (502) counts in http_fail; a failed connection (503) does not.
        return local(errorResponse(result.status, be.def.errorfiles), d.frontend, d.backend, result.status !== 503)
      }
      let origin = result.response
      if (rec) {
        const t = deps.now()
        rec.serverStatus = origin.status
        // Tc: the failed attempts before this one (a fetch() connects and waits in one step).
        rec.Tc = rec.retries > 0 ? Math.max(0, rec.attemptAt - rec.connectAt) : 0
        rec.Tr = Math.max(0, t - (rec.retries > 0 ? rec.attemptAt : rec.connectAt))
        if (rec.redispatched && rec.cookieReq === 'V') rec.cookieReq = 'D'
      }
      // The server's status counts in http_err/http_fail before the response rules (http_ana.c).
      const end = engine.responded(d, { serverStatus: origin.status })
      const lines: [string, string][] = []
      origin.headers.forEach((v, n) => {
        lines.push([n, v])
      })
      const head = { status: origin.status, headers: new HeaderList(lines) }
      const serverCookies = rec && rec.cookieRes !== '-' ? persistenceCookies(rt, d.backend, head.headers) : undefined
      // A redispatch drops persistence (SF_DIRECT): the response gets the new server's cookie.
      const served: typeof d = result.redispatched ? { ...admitted, server: result.server, ...(admitted.persistence ? { persistence: { ...admitted.persistence, direct: false } } : {}) } : admitted
      if (result.redispatched) d.request.server = result.server.name
      // HAProxy runs http-response rules and cookie insertion on a 101 too (only other 1xx skip them).
      d.request.response = head
      engine.storeResponse(served)
      const out = await processResponse(rt, served, head, deps.now(), NO_TRACE)
      const socket = origin.status === 101 ? (origin as Response & { webSocket?: WebSocket | null }).webSocket : undefined
      if (out.kind === 'local') {
        release?.()
        if (socket) socket.close(1011, 'response denied')
        else await origin.body?.cancel()
        if (rec) {
          // http-response deny (502 by default) or return: the rule is not known here.
          if (out.response.status >= 500) outcome(rec, 'resp-denied', 'P', 'H')
          else outcome(rec, 'local', 'L', 'H')
          rec.bodyBytes = bodyBytesOf(out.response, req.method)
        }
        return localEnd(end, req, toResponse(out.response, req.method), out.response.body, deps)
      }
      if (d.request.cache && deps.cache) origin = cacheResponse(d.request.cache, origin, deps.cache)
      if (rec && serverCookies) rec.cookieRes = responseCookieChar(rt, served, serverCookies, out.head.headers)
      const outHeaders = out.head.headers.entries()
      const init = { status: out.head.status, statusText: out.head.reason ?? origin.statusText, headers: outHeaders as [string, string][] }
      if (origin.status === 101) {
        release?.()
        if (end) {
          end.end(requestBytes(req), 0)
          deps.afterStick?.()
        }
        return socket ? new Response(null, { ...init, webSocket: socket }) : origin
      }
      /** The response to send with `body`: the origin's head as the response rules left it. */
      const reply = (body: BodyInit | null): Response => forwardedResponse(body, origin, out.head, lines)
      const onEnd = end ? stickEnd(end, requestBytes(req), deps) : undefined
      const length = lengthOf(origin)
      if (origin.body && length !== undefined && length <= SMALL_BODY_MAX && !release) {
        // A small body (one HAProxy buffer) goes out with its head at once, as HAProxy writes it
        // into the socket in one go: the request ends now, with its Content-Length as the body's
        // bytes, and the origin's stream is handed to the runtime untouched (any stream or read in
        // JS between the origin and the client costs the runtime more than the rest of the request).
        const res = reply(origin.body)
        if (rec) rec.deferred = true
        bodyEnded(rec, res, undefined, onEnd, deps, length, 'end', outHeaders)
        return res
      }
      if (origin.body && length !== undefined && length <= SMALL_BODY_MAX) {
        // A maxconn slot is held until the body was read from the origin: a small body is read
        // whole before the response goes out (cheaper than a stream between origin and client).
        let buf: ArrayBuffer
        try {
          buf = await origin.arrayBuffer()
        } catch (e) {
          // The origin broke the body: the client gets the head and a body that fails (SD).
          if (rec) rec.deferred = true
          const res = reply(failing(e))
          bodyEnded(rec, res, release, onEnd, deps, 0, 'error')
          return res
        }
        const res = reply(buf)
        if (rec) rec.deferred = true
        bodyEnded(rec, res, release, onEnd, deps, buf.byteLength, 'end', outHeaders)
        return res
      }
      if (rec && origin.body) {
        // The request ends with its body (read asynchronously: `res` is set by then).
        rec.deferred = true
        let res: Response | undefined
        const body = atEnd(origin.body, release, onEnd, recordEnd(rec, () => res as Response, deps, outHeaders), length)
        res = reply(body)
        return res
      }
      return reply(release || onEnd ? atEnd(origin.body, release, onEnd, undefined, length) : origin.body)
    }
  }
}

/**
 * A cache hit (http-request cache-use found the object): HAProxy's cache applet answers instead of
 * a server, the response rules run (`res.cache_hit` true), no persistence cookie is set, and the
 * log names the server `<CACHE>`.
 */
async function serveHit(hit: CacheHit, d: Extract<Decision, { kind: 'forward' }>, rt: Hydrated, req: Request, rec: RequestRecord | undefined, deps: HandlerDeps): Promise<Response> {
  const ctx = d.request
  ctx.cacheHit = hit.cache
  ctx.server = undefined
  const end = deps.engine.responded(d, {})
  const { persistence: _p, ...rest } = d
  const head = { status: hit.status, headers: new HeaderList(hit.headers) }
  ctx.response = head
  const out = await processResponse(rt, rest, head, deps.now(), NO_TRACE)
  if (rec) {
    // HAProxy's applet answers: `LR--` (SF_ERR_LOCAL, SF_FINST_R), the request counted as served.
    rec.server = '<CACHE>'
    rec.cause = 'L'
    rec.phase = 'R'
    rec.Tc = 0
    rec.Tr = 0
  }
  if (out.kind === 'local') {
    await hit.body?.cancel()
    if (rec) rec.bodyBytes = bodyBytesOf(out.response, req.method)
    return localEnd(end, req, toResponse(out.response, req.method), out.response.body, deps)
  }
  if (rec) rec.bodyBytes = hit.bodyBytes
  // A body's length is the runtime's to send; a HEAD or 304 keeps the stored Content-Length.
  const headers = (hit.body ? out.head.headers.entries().filter(([k]) => k.toLowerCase() !== 'content-length') : out.head.headers.entries()) as [string, string][]
  const res = new Response(hit.body, { status: out.head.status, statusText: out.head.reason ?? hit.reason, headers })
  if (end) {
    end.end(requestBytes(req), end.bytesOut ? hit.bodyBytes : 0)
    deps.afterStick?.()
  }
  return res
}

/**
 * Largest origin body (by its Content-Length) treated as sent with its head: HAProxy's default
 * buffer size (tune.bufsize 16384), which HAProxy itself reads and writes in one go.
 */
const SMALL_BODY_MAX = 16384

/**
 * The forwarded response: a copy of the origin's (the runtime copies its head in one call, far
 * cheaper than building Headers line by line) with the response rules' changes applied to it:
 * `before` are the origin's header lines, `head` the status and lines after the rules.
 */
function forwardedResponse(body: BodyInit | null, origin: Response, head: { status: number; reason?: string; headers: HeaderList }, before: readonly (readonly [string, string])[]): Response {
  const res =
    head.status === origin.status && head.reason === undefined
      ? new Response(body, origin)
      : new Response(body, { status: head.status, statusText: head.reason ?? origin.statusText, headers: origin.headers })
  applyHeaderChanges(res.headers, before, head.headers.entries())
  return res
}

/** A body stream that fails at once with `e`. */
function failing(e: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (c) => c.error(e) })
}

/** A forwarded body already read whole (or broken): the request ends now. */
function bodyEnded(
  rec: RequestRecord | undefined,
  res: Response,
  release: (() => void) | undefined,
  onEnd: BodyEnd | undefined,
  deps: HandlerDeps,
  bytes: number,
  how: BodyEndHow,
  headers?: readonly (readonly [string, string])[],
): void {
  release?.()
  onEnd?.done(bytes)
  if (rec) recordEnd(rec, () => res, deps, headers)(bytes, how)
}

/** What a forward attempt tells passive health: layer4 sees connections, layer7 statuses too. */
function passiveOutcome(r: ForwardResult, level: 'layer4' | 'layer7'): PassiveOutcome {
  if (r.kind === 'error') return r.status === 504 ? { kind: 'read-timeout' } : { kind: 'connect-error' }
  return level === 'layer7' ? { kind: 'http-status', status: r.response.status } : { kind: 'connect-ok' }
}

/** The end of a forwarded response for the stick tables; `count` when the body bytes matter. */
interface BodyEnd {
  readonly count: boolean
  done(bytes: number): void
}

function stickEnd(end: StickEnd, bytesIn: number, deps: HandlerDeps): BodyEnd {
  return {
    count: end.bytesOut,
    done: (bytes) => {
      end.end(bytesIn, bytes)
      deps.afterStick?.()
    },
  }
}

/**
 * Calls `release` and `onEnd` once, when the body has been sent or when the client abandons it (a
 * TransformStream's flush would not run on cancel, leaking a maxconn slot and conn_cur); counts
 * the body's bytes only when `onEnd.count` (a tracked entry stores bytes_out_*).
 */
function atEnd(
  body: ReadableStream<Uint8Array> | null,
  release: (() => void) | undefined,
  onEnd: BodyEnd | undefined,
  onFinish?: (bytes: number, how: BodyEndHow) => void,
  length?: number,
): ReadableStream<Uint8Array> | null {
  let bytes = 0
  let ended = false
  const finish = (how: BodyEndHow = 'end'): void => {
    if (ended) return
    ended = true
    release?.()
    onEnd?.done(bytes)
    onFinish?.(bytes, how)
  }
  if (!body) {
    finish()
    return null
  }
  const reader = body.getReader()
  if (length !== undefined && FixedLength) {
    // A JS stream has no length: the runtime would send it chunked. A FixedLengthStream keeps the
    // origin's Content-Length; the pump sees the client going away as a failed write.
    const { readable, writable } = new FixedLength(length)
    const writer = writable.getWriter()
    void (async () => {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>
        try {
          r = await reader.read()
        } catch (e) {
          finish('error')
          await writer.abort(e).catch(() => {})
          return
        }
        if (r.done) {
          finish()
          await writer.close().catch(() => {})
          return
        }
        try {
          await writer.write(r.value)
        } catch (e) {
          finish('cancel')
          await reader.cancel(e).catch(() => {})
          return
        }
        bytes += r.value.byteLength
      }
    })()
    return readable
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await reader.read()
        if (r.done) {
          finish()
          controller.close()
          return
        }
        bytes += r.value.byteLength
        controller.enqueue(r.value)
      } catch (e) {
        finish('error')
        controller.error(e)
      }
    },
    cancel(reason) {
      finish('cancel')
      return reader.cancel(reason)
    },
  })
}

/** workerd's FixedLengthStream (a TransformStream whose readable has a known length); absent in Node. */
const FixedLength = (globalThis as { FixedLengthStream?: new (n: number) => TransformStream<Uint8Array, Uint8Array> }).FixedLengthStream

/** The Content-Length of a response, when it has a valid one. */
function lengthOf(res: Response): number | undefined {
  const v = res.headers.get('content-length')
  if (v === null) return undefined
  const n = Number(v)
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

type BodyEndHow = 'end' | 'cancel' | 'error'

// ---------------------------------------------------------------------------------------------
// Measuring requests (only with deps.accounting or deps.accessLog): src/log/entry.ts says what each
// field means at the edge.

const reqTarget = (url: string): string => {
  const i = url.indexOf('://')
  const j = url.indexOf('/', i < 0 ? 0 : i + 3)
  return j < 0 ? '/' : url.slice(j)
}

/** The request line, its estimated size in bytes (`%U`), before any rule rewrote it. */
function describeRequest(rec: RequestRecord, req: Request, er: EngineRequest): void {
  rec.method = er.method
  rec.uri = reqTarget(er.url)
  rec.version = `HTTP/${er.version}`
  rec.clientIp = er.src
  let n = rec.method.length + rec.uri.length + rec.version.length + 4
  for (const [k, v] of er.headers) n += k.length + v.length + 4
  rec.bytesIn = n + 2 + requestBytes(req)
}

/** Sets the end kind and the first two termination-state characters. */
function outcome(rec: RequestRecord, kind: RequestRecord['kind'], cause: string, phase: string): void {
  rec.kind = kind
  rec.cause = cause
  rec.phase = phase
}

/** The decision is known: frontend, backend, server fields, counters, and what a local answer was. */
function enter(rec: RequestRecord, d: Decision, er: EngineRequest, rt: Hydrated, deps: HandlerDeps): void {
  const ctx = d.request
  rec.frontend = d.frontend ?? ''
  if (ctx) {
    rec.request = ctx
    rec.clientIp = ctx.src
    rec.clientPort = ctx.srcPort
    rec.frontendIp = ctx.dst
    rec.frontendPort = ctx.dstPort
    rec.ssl = ctx.ssl
  } else rec.clientIp = er.src
  const backend = d.kind === 'forward' || d.kind === 'respond' ? d.backend : undefined
  rec.backend = backend ?? rec.frontend
  rec.backendAssigned = backend !== undefined
  const cookie = rt.backends.get(rec.backend)?.def.cookie
  if (cookie) {
    rec.cookieReq = 'N'
    rec.cookieRes = 'N'
  }
  const acct = deps.accounting
  if (acct && rec.frontend !== '') {
    acct.begin(rec)
    if (backend !== undefined) acct.backend(rec, rec.acceptDate)
  }
  switch (d.kind) {
    case 'forward':
      if (cookie) rec.cookieReq = d.cookie
      rec.Tw = 0
      return
    case 'stats':
    case 'service':
      rec.server = d.kind === 'stats' ? '<STATS>' : d.service === 'prometheus-exporter' ? '<PROMEX>' : `<${d.service.toUpperCase()}>`
      outcome(rec, 'local', 'L', 'R')
      rec.Tw = 0
      rec.Tc = 0
      rec.Tr = 0
      return
    case 'respond':
      break
  }
  const why = d.why
  if (d.delayMs !== undefined) {
    outcome(rec, 'deny', 'P', 'T')
    rec.TR = -1
  } else if (why.startsWith('deny')) outcome(rec, 'deny', 'P', 'R')
  else if (why.startsWith('return') || why.startsWith('redirect')) outcome(rec, 'local', 'L', 'R')
  else if (why === 'authentication required') outcome(rec, 'none', 'L', 'R')
  else if (why.startsWith('monitor-uri')) {
    // HAProxy never logs monitor-uri requests.
    outcome(rec, 'local', 'L', 'R')
    rec.nolog = true
  } else if (why.startsWith('server ') && why.endsWith(' redir')) {
    outcome(rec, 'none', 'L', 'C')
    rec.Tw = 0
    if (ctx?.server !== undefined) {
      rec.server = ctx.server
      acct?.server(rec, ctx.server, rec.acceptDate, false)
    }
  } else if (why === 'invalid request URL') outcome(rec, 'bad', 'P', 'R')
  else if (why.includes('has no backend')) {
    outcome(rec, 'noserver', 'S', 'C')
    rec.TR = -1
  } else if (d.backend !== undefined) outcome(rec, 'noserver', 'S', 'C')
  else outcome(rec, 'none', 'P', 'R')
}

/** The 500 answered when the engine failed. */
function local500(req: Request, rec: RequestRecord | undefined): Response {
  const page = errorResponse(500)
  if (rec) rec.bodyBytes = bodyBytesOf(page, req.method)
  return toResponse(page, req.method)
}

function bodyBytesOf(r: LocalResponse, method: string): number {
  return method === 'HEAD' || r.status === 204 || r.status === 304 ? 0 : utf8Length(r.body)
}

/**
 * True when `p` settles within a few microtask turns: an admission that got a slot at once does;
 * one that waits in a queue needs a timer or another request's release (a later task).
 */
async function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  let done = false
  p.then(
    () => (done = true),
    () => (done = true),
  )
  for (let i = 0; i < 16 && !done; i++) await undefined
  return done
}

/** engine.admit with the queue measured: Tw, the queue gauges and `%sq` / `%bq`. */
async function admitMeasured(engine: Engine, d: Extract<Decision, { kind: 'forward' }>, rec: RequestRecord, persistent: boolean, deps: HandlerDeps) {
  const p = engine.admit(d)
  if (await settlesSoon(p)) return p
  const t0 = deps.now()
  const pos = deps.accounting ? deps.accounting.queue(rec, persistent ? d.server.name : undefined) : 1
  if (persistent) rec.srvQueue = pos
  else rec.backendQueue = pos
  const r = await p
  deps.accounting?.unqueue(rec)
  rec.Tw = deps.now() - t0
  return r
}

/** forward()'s per-attempt hook: retries, redispatches, connection attempts, the attempt's start. */
function attemptHooks(rec: RequestRecord, deps: HandlerDeps): ForwardHooks {
  return {
    attempt: (server, retry, redispatch) => {
      const acct = deps.accounting
      if (retry > 0) {
        acct?.retry(rec, redispatch)
        rec.retries = retry
        if (redispatch) rec.redispatched = true
        if (server.name !== rec.server) {
          rec.server = server.name
          acct?.server(rec, server.name, deps.now(), true)
        }
      }
      acct?.connect(rec)
      rec.attemptAt = deps.now()
    },
  }
}

/** A forward that got no response: 503 connection failure, 504 timeout, 502 broken response. */
function forwardFailed(rec: RequestRecord, r: Extract<ForwardResult, { kind: 'error' }>, _deps: HandlerDeps): void {
  rec.server = r.server.name
  rec.retries = r.retries
  rec.redispatched = r.redispatched
  if (rec.redispatched && rec.cookieReq === 'V') rec.cookieReq = 'D'
  if (r.status === 503) {
    outcome(rec, 'conn', r.timedOut ? 's' : 'S', 'C')
    rec.Tc = -1
  } else {
    outcome(rec, 'resp', r.status === 504 ? 's' : 'S', 'H')
    rec.Tc = r.retries > 0 ? Math.max(0, rec.attemptAt - rec.connectAt) : 0
  }
  rec.Tr = -1
}

/** The server's own Set-Cookie values of the persistence cookie (before the response rules). */
function persistenceCookies(rt: Hydrated, backend: string, headers: HeaderList): string[] | undefined {
  const c = rt.backends.get(backend)?.def.cookie
  if (!c) return undefined
  return headers.all('set-cookie').filter((v) => setCookieName(v) === c.name && setCookieValue(v) !== '')
}

/**
 * `%tsc` character 4 (http_ana.c TX_SCK_*): I inserted, U date updated, D deleted, R rewritten,
 * P passed through, N none: what engine/cookie-insert.ts did, read off the headers before and after.
 */
function responseCookieChar(rt: Hydrated, d: Extract<Decision, { kind: 'forward' }>, before: readonly string[], after: HeaderList): string {
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

/**
 * The end of a forwarded body: how it ended, then the record's end. `headers`: the response's
 * header lines when known (else read back from the Response).
 */
function recordEnd(rec: RequestRecord, res: () => Response, deps: HandlerDeps, headers?: readonly (readonly [string, string])[]): (bytes: number, how: BodyEndHow) => void {
  return (bytes, how) => {
    rec.bodyBytes = bytes
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
    finish(rec, res(), deps, headers)
  }
}

/**
 * Estimated HTTP/1.1 head size of a response: status line, headers, blank line, and the
 * Content-Length the runtime adds to a local answer (`body` known).
 */
function headBytes(res: Response, body?: number, headers?: readonly (readonly [string, string])[]): number {
  let n = 13 + (res.statusText || reasonFor(res.status)).length + 2
  let length = false
  const line = (v: string, k: string): void => {
    n += k.length + v.length + 4
    if (k === 'content-length') length = true
  }
  if (headers) for (const [k, v] of headers) line(v, k.toLowerCase())
  else res.headers.forEach(line)
  if (!length && body !== undefined && body > 0) n += 18 + String(body).length
  return n + 2
}

const pos = (t: number): number => (Math.max(t , 0))

/** Ends the request once: timers, termination state, counters, log line. */
function finish(rec: RequestRecord, res: Response, deps: HandlerDeps, headers?: readonly (readonly [string, string])[]): void {
  if (rec.ended) return
  rec.ended = true
  rec.status = res.status
  rec.bytesOut = headBytes(res, rec.deferred ? undefined : rec.bodyBytes, headers) + rec.bodyBytes
  rec.Ta = Math.max(0, deps.now() - rec.acceptDate)
  rec.Tt = rec.Ta + pos(rec.Th) + pos(rec.Ti)
  rec.Td = rec.Tr >= 0 ? Math.max(0, rec.Ta - pos(rec.TR) - pos(rec.Tw) - pos(rec.Tc) - rec.Tr) : -1
  rec.finishTermination()
  deps.accounting?.end(rec)
  if (!rec.nolog && rec.frontend !== '') deps.accessLog?.(rec)
}
