/**
 * @module
 * Sends a decided request to its origin server (HAProxy's connect/retry/redispatch, reference §12,
 * §13.2): `timeout connect` bounds each attempt to get response headers started, `timeout server`
 * the wait for the headers; connection failures are retried `retries` times, on another server
 * when `option redispatch` allows. Bodies stream in both directions.
 */
import type { Backend, Server } from '../routemap/schema.ts'
import type { RequestState } from '../engine/request-state.ts'

/** Hop-by-hop headers never forwarded (RFC 9110 §7.6.1), plus those workerd sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'proxy-authorization', 'content-length'])

export type Upstream = (req: Request) => Promise<Response>

export type ForwardResult =
  | { readonly kind: 'response'; readonly response: Response; readonly server: Server; readonly retries: number }
  | { readonly kind: 'error'; readonly status: 503 | 504 | 502; readonly server: Server; readonly why: string; readonly retries: number }

/** Origin URL for `server` (`ssl` → https; no port → the client's port). */
export function originUrl(server: Server, ctx: RequestState): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host
  const port = server.port ?? ctx.dstPort + (server.portOffset ?? 0)
  return `${server.ssl ? 'https' : 'http'}://${host}:${port}${ctx.target.startsWith('/') ? ctx.target : `/${ctx.target}`}`
}

/** Request headers for the origin: rules already applied, hop-by-hop removed (Upgrade kept for WebSocket). */
export function originHeaders(ctx: RequestState, websocket: boolean): Headers {
  const h = new Headers()
  for (const [n, v] of ctx.headers.entries()) {
    const l = n.toLowerCase()
    if (HOP_BY_HOP.has(l) && !(websocket && (l === 'upgrade' || l === 'connection'))) continue
    if (l === 'cf-connecting-ip' || l === 'cf-ray' || l === 'cf-visitor' || l === 'cf-ipcountry' || l === 'cdn-loop' || l === 'cf-worker') continue
    h.append(n, v)
  }
  return h
}

/**
 * Fetches from `server`, retrying connection failures. `pickAgain(avoid)` returns another server for
 * a redispatch, or undefined. Never throws: failures become HAProxy's status codes.
 */
export async function forward(
  be: Backend,
  first: Server,
  ctx: RequestState,
  body: ReadableStream | null,
  upstream: Upstream,
  pickAgain: (avoid: Server) => Server | undefined,
): Promise<ForwardResult> {
  const websocket = (ctx.headers.first('upgrade') ?? '').toLowerCase() === 'websocket'
  const connectMs = be.timeouts.connect
  const serverMs = be.timeouts.server
  let server = first
  let attempt = 0
  // A streamed body cannot be replayed: with a body there is exactly one attempt.
  const maxAttempts = body ? 1 : be.retryOn.includes('conn-failure') || be.retryOn.includes('all-retryable-errors') ? be.retries + 1 : 1
  for (;;) {
    const limit = serverMs !== undefined || connectMs !== undefined ? (serverMs ?? 0) + (connectMs ?? 0) : undefined
    const signal = limit !== undefined && limit > 0 ? AbortSignal.timeout(limit) : undefined
    const init: RequestInit & { duplex?: string } = {
      method: ctx.method,
      headers: originHeaders(ctx, websocket),
      redirect: 'manual',
      ...(signal ? { signal } : {}),
      ...(body && ctx.method !== 'GET' && ctx.method !== 'HEAD' ? { body, duplex: 'half' } : {}),
    }
    try {
      const response = await upstream(new Request(originUrl(server, ctx), init))
      return { kind: 'response', response, server, retries: attempt }
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')
      attempt++
      if (timedOut && serverMs !== undefined) {
        return { kind: 'error', status: 504, server, why: `server '${server.name}' did not answer within timeout server ${serverMs} ms`, retries: attempt - 1 }
      }
      if (attempt >= maxAttempts) {
        return { kind: 'error', status: 503, server, why: `cannot connect to server '${server.name}' after ${attempt} attempt(s): ${(e as Error).message}`, retries: attempt - 1 }
      }
      const redispatch = be.options.redispatch
      const last = attempt === maxAttempts - 1
      if (redispatch !== undefined && redispatch !== 0 && (redispatch > 0 ? attempt % redispatch === 0 : last)) {
        server = pickAgain(server) ?? server
      }
    }
  }
}
