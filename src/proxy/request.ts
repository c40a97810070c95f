/**
 * @module
 * Request conversion at the Worker's edge: a Workers Request becomes the engine's EngineRequest
 * (client address, TLS client certificate, edge properties, `edgeproxy dev`'s listener headers),
 * and the engine's local answers become Workers Responses.
 */
import type { LocalResponse } from '../engine/errors.ts'
import type { EngineRequest } from '../engine/request-state.ts'
import type { TlsClientInfo } from '../sample/types.ts'

/** Set by `edgeproxy dev`'s listeners: the bind (`address:port`) that received the request. */
export const DEV_BIND_HEADER = 'x-edgeproxy-bind'
/** Set by `edgeproxy dev`'s listeners: the local address of the connection (HAProxy's dst). */
export const DEV_DST_HEADER = 'x-edgeproxy-dst'
/** Set by `edgeproxy dev`'s listeners: the client's source port (`%cp`, `src_port`). */
export const DEV_SRC_PORT_HEADER = 'x-edgeproxy-src-port'
/**
 * Set by `edgeproxy dev --edge`'s TLS listener: the JSON of the client certificate it verified,
 * with request.cf.tlsClientAuth's field names. Its presence means the connection was TLS.
 */
export const DEV_TLS_CLIENT_AUTH_HEADER = 'x-edgeproxy-tls-client-auth'

/** `cf.httpProtocol` → the request's HTTP version as HAProxy writes it (`req.ver`, `%HV`). */
const VERSIONS: Readonly<Record<string, string>> = { 'HTTP/1.1': '1.1', 'HTTP/1.0': '1.0', 'HTTP/2': '2.0', 'HTTP/3': '3.0' }

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
  let devAuth: string | undefined
  req.headers.forEach((v, n) => {
    // One line object for both lists: the engine copies the lines it may change (HeaderList).
    const line: [string, string] = [n, v]
    raw?.push(line)
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
    if (dev && n === DEV_TLS_CLIENT_AUTH_HEADER) {
      devAuth = v
      return
    }
    if (dev && n === DEV_SRC_PORT_HEADER) {
      const p = Number(v)
      if (Number.isInteger(p) && p > 0 && p < 65536) srcPort = p
      return
    }
    headers.push(line)
  })
  if (listener && local) listener.local = local
  if (src === undefined && clientIp) {
    src = clientAddress(clientIp)
    headers.push(['cf-connecting-ip', src])
  }
  const cf = (req as Request & { cf?: Record<string, unknown> }).cf
  const auth = devAuth !== undefined ? parseAuth(devAuth) : (cf?.tlsClientAuth as Record<string, unknown> | undefined)
  const tls = auth ? clientCertificate(auth) : undefined
  const proto = (cf?.httpProtocol as string | undefined) ?? 'HTTP/1.1'
  return {
    method: req.method,
    url: req.url,
    headers,
    src: src ?? '127.0.0.1',
    version: VERSIONS[proto] ?? proto.replace(/^HTTP\//, ''),
    ...(srcPort !== undefined ? { srcPort } : {}),
    ...(devAuth !== undefined ? { ssl: true } : {}),
    ...(tls ? { tls } : {}),
    ...(cf ? { cf } : {}),
    ...(listener ? { listener } : {}),
  }
}

/** The dev listener's JSON; anything else than an object reads as no certificate information. */
function parseAuth(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { certPresented: '0' }
  } catch {
    return { certPresented: '0' }
  }
}

const field = (auth: Record<string, unknown>, name: string): string | undefined => {
  const v = auth[name]
  return typeof v === 'string' && v !== '' ? v : undefined
}

/**
 * request.cf.tlsClientAuth as the engine's client certificate, or undefined when none was
 * presented. `certVerified` is SUCCESS for a revoked certificate too: `certRevoked` says it.
 */
export function clientCertificate(auth: Record<string, unknown>): TlsClientInfo | undefined {
  if (field(auth, 'certPresented') !== '1') return undefined
  const status = field(auth, 'certVerified') ?? 'NONE'
  const revoked = field(auth, 'certRevoked') === '1'
  const der = field(auth, 'certRFC9440')?.replace(/^:|:$/g, '')
  const opt = (k: string) => field(auth, k)
  return {
    presented: true,
    verified: status === 'SUCCESS' && !revoked,
    ...(revoked ? { revoked: true } : {}),
    ...(status !== 'SUCCESS' ? { verifyError: status } : {}),
    subjectDn: opt('certSubjectDNRFC2253') ?? opt('certSubjectDN') ?? '',
    issuerDn: opt('certIssuerDNRFC2253') ?? opt('certIssuerDN') ?? '',
    ...(opt('certSerial') ? { serial: opt('certSerial') as string } : {}),
    ...(opt('certNotBefore') ? { notBefore: opt('certNotBefore') as string } : {}),
    ...(opt('certNotAfter') ? { notAfter: opt('certNotAfter') as string } : {}),
    ...(opt('certFingerprintSHA1') ? { fingerprintSha1: opt('certFingerprintSHA1') as string } : {}),
    ...(der ? { der } : {}),
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
