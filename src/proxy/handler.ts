/**
 * @module
 * The Worker's request path: Request → EngineRequest → decision → origin fetch (or a local
 * response) → response rules → Response. Runtime-specific pieces (the upstream fetch, the clock,
 * health states) are injected so tests run it in-process.
 */
import type { Decision } from '../engine/decide.ts'
import { errorResponse, type LocalResponse } from '../engine/errors.ts'
import type { Engine, StickEnd } from '../engine/index.ts'
import type { EngineRequest } from '../engine/request-state.ts'
import { afterResponse, processResponse } from '../engine/respond.ts'
import { NO_TRACE } from '../engine/trace.ts'
import { HeaderList } from '../sample/headers.ts'
import type { TlsClientInfo } from '../sample/types.ts'
import type { PassiveOutcome } from '../health/observe.ts'
import type { Server } from '../routemap/schema.ts'
import { type ForwardResult, forward, type Upstream } from './forward.ts'

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
}

/** Set by `edgeproxy dev`'s listeners: the bind (`address:port`) that received the request. */
export const DEV_BIND_HEADER = 'x-edgeproxy-bind'
/** Set by `edgeproxy dev`'s listeners: the local address of the connection (HAProxy's dst). */
export const DEV_DST_HEADER = 'x-edgeproxy-dst'

/**
 * Reads the client's address, TLS and edge properties from a Workers request. `dev` trusts the
 * bind header of `edgeproxy dev`'s listeners; at the edge it is an ordinary client header.
 */
export function toEngineRequest(req: Request, dev = false): EngineRequest {
  const headers: [string, string][] = []
  let listener: { address: string; port: number; local?: string } | undefined
  let local: string | undefined
  req.headers.forEach((v, n) => {
    if (dev && n === DEV_BIND_HEADER) {
      const i = v.lastIndexOf(':')
      listener = { address: v.slice(0, i).replace(/^\*$/, ''), port: Number(v.slice(i + 1)) }
      return
    }
    if (dev && n === DEV_DST_HEADER) {
      local = v
      return
    }
    headers.push([n, v])
  })
  if (listener && local) listener.local = local
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
    src: req.headers.get('cf-connecting-ip') ?? '127.0.0.1',
    version: proto.replace(/^HTTP\//, '').replace(/^2$/, '2.0').replace(/^3$/, '3.0'),
    ...(tls ? { tls } : {}),
    ...(cf ? { cf } : {}),
    ...(listener ? { listener } : {}),
  }
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

/** Handles one request. Never throws: failures become HAProxy's error responses. */
export async function handle(req: Request, deps: HandlerDeps): Promise<Response> {
  const { engine } = deps
  let d: Decision
  try {
    d = await engine.decide(toEngineRequest(req, deps.dev === true))
  } catch {
    return toResponse(errorResponse(500), req.method)
  }
  const rt = engine.hydrated
  const local = async (page: LocalResponse, fe: string | undefined, be: string | undefined, serverFailed = false): Promise<Response> => {
    const end = engine.responded(d, serverFailed ? { serverFailed } : {})
    const res = await afterResponse(rt, fe, be, page, d.request, NO_TRACE)
    return localEnd(end, req, toResponse(res, req.method), res.body, deps)
  }
  switch (d.kind) {
    case 'respond': {
      // A tarpit counts its error when it starts (http_ana.c `tarpit:`), not after the delay.
      const end = engine.responded(d, {})
      if (d.delayMs) await new Promise((r) => setTimeout(r, d.delayMs))
      const res = await afterResponse(rt, d.frontend, d.backend, d.response, d.request, NO_TRACE)
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
      return res
    }
    case 'forward': {
      const be = rt.backends.get(d.backend)
      if (!be) return toResponse(errorResponse(503), req.method)
      const adm = await engine.admit(d)
      if ('timeout' in adm) {
        // Queued for `timeout queue` without a free slot (maxconn): HAProxy's 503.
        return local(errorResponse(503, be.def.errorfiles), d.frontend, d.backend)
      }
      const release = adm.release
      if (adm.server !== d.server) d.request.server = adm.server.name
      // A queue may hand the request to another server: like a redispatch, persistence is dropped.
      const admitted: typeof d = adm.server === d.server ? d : { ...d, server: adm.server, ...(d.persistence ? { persistence: { ...d.persistence, direct: false } } : {}) }
      const result = await forward(be.def, admitted.server, d.request, req.body, deps.upstream, (failed, retry) => engine.redispatch(admitted, failed, retry))
      if (result.server.observe && deps.observe) {
        deps.observe(d.backend, result.server, passiveOutcome(result, result.server.observe))
      }
      if (result.kind === 'error') {
        release?.()
        // A read timeout (504) or broken response (502) counts in http_fail; a failed connection (503) does not.
        return local(errorResponse(result.status, be.def.errorfiles), d.frontend, d.backend, result.status !== 503)
      }
      const origin = result.response
      // The server's status counts in http_err/http_fail before the response rules (http_ana.c).
      const end = engine.responded(d, { serverStatus: origin.status })
      const head = { status: origin.status, headers: new HeaderList([...origin.headers]) }
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
        return localEnd(end, req, toResponse(out.response, req.method), out.response.body, deps)
      }
      const headers = new Headers()
      for (const [n, v] of out.head.headers.entries()) headers.append(n, v)
      if (origin.status === 101) {
        release?.()
        if (end) {
          end.end(requestBytes(req), 0)
          deps.afterStick?.()
        }
        return socket ? new Response(null, { status: 101, webSocket: socket, headers }) : origin
      }
      const onEnd = end ? stickEnd(end, requestBytes(req), deps) : undefined
      const body = release || onEnd ? atEnd(origin.body, release, onEnd) : origin.body
      return new Response(body, { status: out.head.status, statusText: out.head.reason ?? origin.statusText, headers })
    }
  }
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
function atEnd(body: ReadableStream<Uint8Array> | null, release: (() => void) | undefined, onEnd: BodyEnd | undefined): ReadableStream<Uint8Array> | null {
  let bytes = 0
  let ended = false
  const finish = (): void => {
    if (ended) return
    ended = true
    release?.()
    onEnd?.done(bytes)
  }
  if (!body) {
    finish()
    return null
  }
  const reader = body.getReader()
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
        finish()
        controller.error(e)
      }
    },
    cancel(reason) {
      finish()
      return reader.cancel(reason)
    },
  })
}
