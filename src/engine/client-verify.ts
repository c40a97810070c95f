/**
 * @module
 * `bind … ssl ca-file … verify required|optional` at the edge. HAProxy asks for the client
 * certificate during the TLS handshake of the bind that accepted the connection; Cloudflare asks
 * for it (mTLS on the hostname) and reports it in request.cf.tlsClientAuth. The bind is the one the
 * frontend was selected by (frontend-select.ts): the listener's under `edgeproxy dev`, the one
 * whose port and address match at the edge; a frontend reached without a matching bind (the
 * fallback) applies the strictest of its binds, so no route skips a `verify required`. The
 * handshake happens between the `tcp-request connection` and `session` rules (session.c), and
 * decide.ts refuses the request there.
 */
import type { Bind } from '../routemap/schema.ts'
import type { TlsClientInfo } from '../sample/types.ts'
import type { RtFrontend } from './runtime.ts'

export type ClientVerify = NonNullable<Bind['verify']>

const any = (a: string): boolean => a === '' || a === '*' || a === '0.0.0.0' || a === '::'

/** The `verify` of the bind this request came in on (undefined: `verify none`). */
export function bindVerify(fe: RtFrontend, host: string, port: number, listener?: { readonly address: string; readonly port: number }): ClientVerify | undefined {
  if (!fe.verifies) return undefined
  const binds = fe.def.binds
  const b = listener
    ? binds.find((x) => listener.port >= x.port && listener.port <= x.portEnd && (any(x.address) ? any(listener.address) : x.address === listener.address))
    : binds.find((x) => port >= x.port && port <= x.portEnd && (any(x.address) || x.address === host))
  if (b) return b.verify
  return binds.some((x) => x.verify === 'required') ? 'required' : binds.some((x) => x.verify === 'optional') ? 'optional' : undefined
}

/** `verify required` holds: a certificate was presented, verified by the edge, and not revoked. */
export function certificateAccepted(tls: TlsClientInfo | undefined): boolean {
  return tls?.presented === true && tls.verified && tls.revoked !== true
}
