/**
 * @module
 * The request of an HTTP check (tcpcheck.c `tcpcheck_eval_send`, reference §3.1): request line
 * from `option httpchk` / `http-check send`, the configured headers (names lowercased, empty
 * values skipped), `x-haproxy-server-state` with `send-state`, `connection: close` unless a
 * Connection header was configured (implicit, so not written, in HTTP/1.0), and
 * `content-length` for a body or a method that carries one. Rendered as HAProxy's wire bytes
 * (for tests and docs) and as a fetch() Request.
 */
import type { HttpRequestSpec } from './probe-spec.ts'

export interface HttpCheckRequest {
  readonly method: string
  readonly uri: string
  readonly version: string
  /** The header block as HAProxy writes it, in order. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string
}

const NO_BODY_METHODS = new Set(['OPTIONS', 'GET', 'HEAD', 'DELETE'])

/** The request HAProxy sends for this check. `serverState` is the send-state header value. */
export function buildHttpCheckRequest(spec: HttpRequestSpec & { readonly sendState: boolean }, serverState?: string): HttpCheckRequest {
  const headers: [string, string][] = []
  let connection = false
  for (const [name, value] of spec.headers) {
    if (value === '') continue
    const n = name.toLowerCase()
    headers.push([n, value])
    if (n === 'connection') connection = true
  }
  if (spec.sendState && serverState !== undefined) headers.push(['x-haproxy-server-state', serverState])
  // The H1 mux drops `connection: close` from HTTP/1.0 messages: close is their default.
  if (!connection && is11(spec.version)) headers.push(['connection', 'close'])
  const body = spec.body ?? ''
  if (!NO_BODY_METHODS.has(spec.method) || body.length > 0) headers.push(['content-length', String(new TextEncoder().encode(body).length)])
  return { method: spec.method, uri: spec.uri, version: spec.version, headers, body }
}

function is11(version: string): boolean {
  const m = /^HTTP\/(\d)\.(\d)$/.exec(version)
  return !!m && (Number(m[1]) > 1 || (m[1] === '1' && Number(m[2]) >= 1))
}

/** The request as bytes on the wire (HTTP/1.x). */
export function renderHttpCheckRequest(r: HttpCheckRequest): string {
  return `${r.method} ${r.uri} ${r.version}\r\n${r.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${r.body}`
}

/** A hostname or IP literal as it goes in a URL authority (IPv6 in brackets). */
export function urlHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address
}

/** Headers fetch() manages itself: it sets Host from the URL, and the framing headers from the body. */
const RUNTIME_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding'])

/**
 * The fetch() equivalent of the check request. Differences the runtime imposes: HTTP/1.1 on
 * the wire whatever the configured version, Host from the URL, framing headers by fetch, and
 * no body for GET/HEAD (fetch rejects one).
 */
export function toFetchRequest(r: HttpCheckRequest, target: { readonly address: string; readonly port: number; readonly ssl: boolean }, signal?: AbortSignal): Request {
  const base = `${target.ssl ? 'https' : 'http'}://${urlHost(target.address)}:${target.port}`
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(r.uri) ? r.uri : `${base}${r.uri.startsWith('/') ? '' : '/'}${r.uri}`
  const headers = new Headers()
  for (const [n, v] of r.headers) if (!RUNTIME_HEADERS.has(n)) headers.append(n, v)
  const canHaveBody = r.method !== 'GET' && r.method !== 'HEAD'
  return new Request(url, {
    method: r.method,
    headers,
    redirect: 'manual',
    ...(canHaveBody && r.body.length > 0 ? { body: new TextEncoder().encode(r.body) } : {}),
    ...(signal ? { signal } : {}),
  })
}

export interface ServerStateInfo {
  readonly statusText: string
  readonly address: string
  readonly port?: number
  readonly backend: string
  readonly server: string
  /** ceil(eweight / 16) of the server and of the backend total. */
  readonly weight: number
  readonly totalWeight: number
  /** Slowstart progress in percent, when the server is STARTING. */
  readonly throttlePct?: number
  readonly node?: string
}

/** The `x-haproxy-server-state` value (check.c `httpchk_build_status_header`). */
export function serverStateHeader(s: ServerStateInfo): string {
  const throttle = s.throttlePct !== undefined ? `; throttle=${s.throttlePct}%` : ''
  return `${s.statusText}; address=${s.address}; port=${s.port ?? ''}; name=${s.backend}/${s.server}; node=${s.node ?? 'edgeproxy'}; weight=${s.weight}/${s.totalWeight}; scur=0/0; qcur=0${throttle}`
}
