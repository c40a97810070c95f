/**
 * @module
 * Sends a decided request to its origin server (HAProxy's connect/retry/redispatch, reference §12,
 * §13.2): `timeout connect` bounds each attempt to get response headers started, `timeout server`
 * the wait for the headers; connection failures are retried `retries` times, on another server
 * when `option redispatch` allows. Bodies stream in both directions.
 */
import type { Backend, Server } from '../routemap/schema.ts'
import type { RequestState } from '../engine/request-state.ts'
import { edgeErrorOr, mayBeEdgeError } from './edge-error.ts'
import { applyHeaderChanges, sameHeaderLines } from './header-changes.ts'

/**
 * Headers the runtime's fetch() manages itself (it drops or rewrites them whatever the Worker sets):
 * the connection-level ones and the framing. HAProxy 2.6 forwards Keep-Alive, TE: trailers and a
 * non-WebSocket Upgrade, which the edge cannot; Proxy-Connection and Proxy-Authorization pass as
 * in HAProxy.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length'])

/**
 * The origin fetch for one attempt: `server` is the server the request goes to (the Worker sends
 * servers that only a VPC network reaches through its binding: src/worker/egress.ts).
 */
export type Upstream = (req: Request, server: Server) => Promise<Response>

export type ForwardResult =
  | { readonly kind: 'response'; readonly response: Response; readonly server: Server; readonly retries: number; readonly redispatched: boolean }
  | {
      readonly kind: 'error'
      readonly status: 503 | 504 | 502
      readonly server: Server
      readonly why: string
      readonly retries: number
      readonly redispatched: boolean
      /** The last attempt ran out of time (`sC` / `sH` rather than `SC`). */
      readonly timedOut?: boolean
    }

/** Timing hooks for the access log and stats counters (src/proxy/handler.ts). */
export interface ForwardHooks {
  /**
   * Called before each attempt: `retry` is 0 for the first one; `redispatch` when this retry went
   * through redispatch (option redispatch), whether or not the server changed.
   */
  attempt(server: Server, retry: number, redispatch: boolean): void
}

/** Origin URL for `server` (`ssl` → https; no port → the client's port). */
export function originUrl(server: Server, ctx: RequestState): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host
  const port = server.port ?? ctx.dstPort + (server.portOffset ?? 0)
  return `${server.ssl ? 'https' : 'http'}://${host}:${port}${ctx.target.startsWith('/') ? ctx.target : `/${ctx.target}`}`
}

/** Headers the edge adds to the client's request, never forwarded to an origin. */
const EDGE_ONLY = new Set(['cf-connecting-ip', 'cf-ray', 'cf-visitor', 'cf-ipcountry', 'cdn-loop', 'cf-worker'])

/** Both (one lookup per line). */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, ...EDGE_ONLY])

/**
 * Request headers for the origin: rules already applied, hop-by-hop removed (Upgrade kept for
 * WebSocket). A list of pairs (the runtime builds its Headers from it in one call, cheaper than an
 * append per line).
 */
export function originHeaders(ctx: RequestState, websocket: boolean): [string, string][] {
  const out: [string, string][] = []
  for (const e of ctx.headers.entries()) {
    const n = e[0]
    const l = n.toLowerCase()
    if (NOT_FORWARDED.has(l) && !(websocket && (l === 'upgrade' || l === 'connection'))) continue
    out.push([n, e[1]])
  }
  return out
}

/** The wait for the response headers ran out. */
class HeadersTimeout extends Error {
  override name = 'TimeoutError'
}

/**
 * `pending`, or a HeadersTimeout once `ms` passed without an answer (the late answer's body is then
 * cancelled). One timer, cleared as soon as `pending` settles; a single promise rather than a race
 * between `pending` and a timer promise, which costs more promises and reactions per request.
 * (Measured in workerd: a cleared setTimeout costs less than an uncleared `scheduler.wait`, and both
 * less than an AbortController's signal on the fetch. A timer shared by the isolate's requests is
 * not possible: workerd cancels a request's timers when that request ends.)
 */
function withTimeout(pending: Promise<Response>, ms: number): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.then(
        (late) => late.body?.cancel().catch(() => {}),
        () => {},
      )
      reject(new HeadersTimeout(`no response headers within ${ms} ms`))
    }, ms)
    pending.then(
      (r) => {
        clearTimeout(timer)
        resolve(r)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}

/**
 * Largest request body kept for a retry. HAProxy retries a connection failure whatever the body
 * size (nothing was sent yet); fetch() cannot say when the connection is up, so the copy lives until
 * the response headers arrive, and is only affordable for bodies of a known, modest size.
 */
const REPLAY_MAX_BYTES = 1 << 20

/**
 * Hands out the request body once per attempt: each attempt reads one branch of a tee, the other
 * is kept for a retry (a connection failure happens before the origin took the body) and dropped
 * once an attempt got an answer. Without a body there is nothing to keep.
 */
class ReplayableBody {
  #spare: ReadableStream | null

  constructor(body: ReadableStream | null) {
    this.#spare = body
  }

  /** The body for the next attempt; `last` keeps no copy. */
  next(last: boolean): ReadableStream | null {
    const b = this.#spare
    if (!b || last) {
      this.#spare = null
      return b
    }
    const [use, keep] = b.tee()
    this.#spare = keep
    return use
  }

  /** An attempt succeeded: the kept copy is not needed. */
  drop(): void {
    const b = this.#spare
    this.#spare = null
    if (b) b.cancel().catch(() => undefined)
  }
}

/**
 * Fetches from `server`, retrying connection failures `retries` times (back_handle_st_cer).
 * `pickAgain(failed, retry)` returns the server to redispatch to before retry number `retry`, or
 * undefined to retry the same server. Never throws: failures become HAProxy's status codes.
 *
 * The edge cannot tell the TCP connect from the wait for the response headers (one fetch() does
 * both): the wait is bounded by `timeout server` when set (its expiry answers 504, as HAProxy does
 * before the headers), else by `timeout connect` (its expiry counts as a connection failure).
 * Cloudflare's own answer to a subrequest it refused (error 1003 for an IP literal) is a
 * connection failure too (`SC`): retried, redispatched, never forwarded as the server's answer.
 */
export async function forward(
  be: Backend,
  first: Server,
  ctx: RequestState,
  body: ReadableStream | null | (() => ReadableStream | null),
  upstream: Upstream,
  pickAgain: (failed: Server, retry: number) => Server | undefined,
  hooks?: ForwardHooks,
  incoming?: { readonly headers: Headers; readonly lines: readonly (readonly [string, string])[] },
): Promise<ForwardResult> {
  const websocket = (ctx.headers.first('upgrade') ?? '').toLowerCase() === 'websocket'
  const connectMs = be.timeouts.connect
  // `set-timeout server` may have changed it for this request (0: none).
  const serverMs = ctx.timeouts ? ctx.timeouts.curServer || undefined : be.timeouts.server
  let server = first
  let attempt = 0
  let redispatched = false
  let moved = false
  // A function gives the body only when the method can have one: a GET's body is never read (the
  // runtime makes a stream object on the first read of a request's `body`).
  const bodyOf = ctx.method !== 'GET' && ctx.method !== 'HEAD' ? (typeof body === 'function' ? body() : body) : null
  const hasBody = bodyOf !== null
  const replay = new ReplayableBody(bodyOf)
  const length = Number(ctx.headers.first('content-length') ?? Number.NaN)
  // A body of unknown length (chunked) or too large to keep gets a single attempt.
  const replayable = !hasBody || (Number.isSafeInteger(length) && length <= REPLAY_MAX_BYTES)
  const retriesOn = be.retryOn.includes('conn-failure') || be.retryOn.includes('all-retryable-errors')
  const maxAttempts = retriesOn && replayable ? be.retries + 1 : 1
  const headers = originHeaders(ctx, websocket)
  for (;;) {
    const limit = serverMs ?? connectMs
    const attemptBody = replay.next(attempt + 1 >= maxAttempts)
    hooks?.attempt(server, attempt, moved)
    // A copy of the client's headers (one native copy) changed where the rules and the hop-by-hop
    // filter changed them is far cheaper for the runtime than Headers built line by line.
    const init: RequestInit & { duplex?: string } = {
      method: ctx.method,
      headers: incoming ? incoming.headers : headers,
      redirect: 'manual',
      ...(attemptBody ? { body: attemptBody, duplex: 'half' } : {}),
    }
    // The timer bounds the wait for the response headers only: once they arrive it is cleared, so
    // a long but steady body is not cut (HAProxy's timeout server is inactivity, not a total). A
    // timer rather than an AbortSignal on the fetch: a signal costs the runtime more per request
    // than the whole timer. The attempt given up on is left to the runtime, which cancels a
    // request's pending subrequests when the request ends; should it still answer, its body is
    // cancelled.
    try {
      const request = new Request(originUrl(server, ctx), init)
      // Unchanged lines: the copy is already right, and its Headers object is never made in JS.
      if (incoming && !sameHeaderLines(incoming.lines, headers)) applyHeaderChanges(request.headers, incoming.lines, headers)
      const pending = upstream(request, server)
      let response = limit !== undefined && limit > 0 ? await withTimeout(pending, limit) : await pending
      // The (at most 64-byte) body of what may be Cloudflare's error page is read within the same bound.
      if (mayBeEdgeError(response)) response = limit !== undefined && limit > 0 ? await withTimeout(edgeErrorOr(response), limit) : await edgeErrorOr(response)
      replay.drop()
      return { kind: 'response', response, server, retries: attempt, redispatched }
    } catch (e) {
      const timedOut = e instanceof HeadersTimeout || (e instanceof Error && e.name === 'TimeoutError')
      attempt++
      if (timedOut && serverMs !== undefined) {
        replay.drop()
        return { kind: 'error', status: 504, server, why: `server '${server.name}' did not answer within timeout server ${serverMs} ms`, retries: attempt - 1, redispatched, timedOut: true }
      }
      if (attempt >= maxAttempts) {
        replay.drop()
        return {
          kind: 'error',
          status: 503,
          server,
          why: `cannot connect to server '${server.name}' after ${attempt} attempt(s): ${(e as Error).message}`,
          retries: attempt - 1,
          redispatched,
          timedOut,
        }
      }
      const next = pickAgain(server, attempt)
      moved = next !== undefined
      if (next) {
        server = next
        redispatched = true
      }
    }
  }
}
