/**
 * @module
 * What a decision is, as data: why the engine answered a request itself (`LocalCause`), how a
 * forwarded request's server was chosen (`Via`), and how each way of ending a request shows in
 * the counters and in `%tsc` (`TERMINATIONS`, HAProxy's http_set_term_flags() as one table).
 * The handler, the stats counters and the access log steer by these fields; a decision's `why`
 * is prose for `edgeproxy explain` only.
 */

/** Why the engine answered a request itself (a `respond` decision). */
export type LocalCause =
  /** http-request deny, reject, a header name refused by http-restrict-req-hdr-names (dreq, PR--). */
  | 'deny'
  /** http-request tarpit: answered after the delay (dreq, PT--). */
  | 'tarpit'
  /** http-request return (LR--). */
  | 'return'
  /** redirect rules (LR--). */
  | 'redirect'
  /** http-request auth: the 401 challenge (LR--, counted in the totals only). */
  | 'auth'
  /** monitor-uri (never logged). */
  | 'monitor'
  /** The chosen server has `redir` (LC--). */
  | 'server-redir'
  /** A request HAProxy refuses as malformed (ereq, PR--). */
  | 'bad-request'
  /** No use_backend matched and there is no default_backend (SC--, TR −1). */
  | 'no-backend'
  /** The backend has no usable server (econ, SC--). */
  | 'no-server'
  /** The request reached no HTTP frontend (mode tcp, no bind): answered 503 (PR--). */
  | 'no-frontend'
  /** The engine itself failed (eint, IR--). */
  | 'internal'
  /**
   * The bind says `verify required` and the client certificate is missing, unverified or revoked:
   * HAProxy fails the TLS handshake (CO_ER_SSL_HANDSHAKE), no request exists; at the edge the
   * Worker answers 403 and logs HAProxy 2.6's connection error line. HAProxy 2.6 gives such a
   * connection no termination state; PR-- is the one later versions log for a session that ended
   * before its stream (log.c sess_log: SF_ERR_PRXCOND | SF_FINST_R), and a proxy condition is
   * what refused it.
   */
  | 'tls-refused'

/** How a forwarded request's server was chosen. */
export type Via =
  /** `use-server` (SF_DIRECT, no cookie inserted). */
  | 'use-server'
  /** The persistence cookie named the server. */
  | 'cookie'
  /** `stick match` / `stick on` found the server. */
  | 'stick'
  /** Load balancing. */
  | 'balance'
  /** `dispatch`: the backend's fixed address (no server). */
  | 'dispatch'

/** How a request ended: each one sets the counters' kind and `%tsc`'s first two characters. */
export type Termination =
  | LocalCause
  /** A server's response was sent (`--` unless the body broke: see the handler's body end). */
  | 'served'
  /** The stats page, Prometheus, another applet (LR--). */
  | 'applet'
  /** A cache hit: the cache applet answered (LR--). */
  | 'cache-hit'
  /** `timeout queue` expired waiting for a `maxconn` slot (sQ--). */
  | 'queue-timeout'
  /** The connection to the server failed after the retries (SC--, sC-- on a connect timeout). */
  | 'connect-error'
  | 'connect-timeout'
  /** The server broke the response (SH--) or did not answer in `timeout server` (sH--). */
  | 'response-error'
  | 'response-timeout'
  /** http-response deny or tcp-response reject (dresp, PH--). */
  | 'response-denied'
  /** http-response return / redirect (LH--). */
  | 'response-local'
  /** The engine failed before a frontend was known (IC--: no backend could be looked up). */
  | 'internal-backend'

/** The stats counters' classification of an ended request. */
export type EndKind =
  | 'ok' // a server's response was sent
  | 'local' // redirect, return, auth, monitor-uri, applet (intercepted)
  | 'deny' // http-request deny / tarpit (dreq)
  | 'bad' // invalid request (ereq)
  | 'noserver' // no usable server (econ on the backend)
  | 'conn' // connection failure after the retries (econ)
  | 'queue' // timeout queue (econ)
  | 'resp' // server timeout / bad response (eresp)
  | 'resp-denied' // http-response deny (dresp)
  | 'internal' // the Worker failed (eint)
  | 'none' // counted in nothing but the totals (auth, server redir, mode tcp)

export interface TerminationState {
  readonly kind: EndKind
  /** `%tsc` character 1 (SF_ERR_*): `-` none, C client, S server, s server timeout, P proxy, L local, I internal. */
  readonly cause: string
  /** `%tsc` character 2 (SF_FINST_*): R request, Q queue, C connect, H headers, D data, T tarpit. */
  readonly phase: string
  /** The request's TR is unknown (−1), as HAProxy 2.6 logs it. */
  readonly noTR?: boolean
  /** Never logged (monitor-uri). */
  readonly nolog?: boolean
  /**
   * No HTTP request existed in HAProxy (the connection failed before one): the log line is the
   * connection error one, `IP:PORT [date] FE/BIND: <this text>` (session_kill_embryonic).
   */
  readonly connError?: string
}

/** Each way of ending, once (http_ana.c / stream.c set these flags where the decision is made). */
export const TERMINATIONS: Readonly<Record<Termination, TerminationState>> = {
  served: { kind: 'ok', cause: '-', phase: '-' },
  deny: { kind: 'deny', cause: 'P', phase: 'R' },
  tarpit: { kind: 'deny', cause: 'P', phase: 'T', noTR: true },
  return: { kind: 'local', cause: 'L', phase: 'R' },
  redirect: { kind: 'local', cause: 'L', phase: 'R' },
  auth: { kind: 'none', cause: 'L', phase: 'R' },
  monitor: { kind: 'local', cause: 'L', phase: 'R', nolog: true },
  'server-redir': { kind: 'none', cause: 'L', phase: 'C' },
  'bad-request': { kind: 'bad', cause: 'P', phase: 'R' },
  'no-backend': { kind: 'noserver', cause: 'S', phase: 'C', noTR: true },
  'no-server': { kind: 'noserver', cause: 'S', phase: 'C' },
  'no-frontend': { kind: 'none', cause: 'P', phase: 'R' },
  internal: { kind: 'internal', cause: 'I', phase: 'R' },
  'tls-refused': { kind: 'none', cause: 'P', phase: 'R', noTR: true, connError: 'SSL handshake failure' },
  'internal-backend': { kind: 'internal', cause: 'I', phase: 'C' },
  applet: { kind: 'local', cause: 'L', phase: 'R' },
  'cache-hit': { kind: 'ok', cause: 'L', phase: 'R' },
  'queue-timeout': { kind: 'queue', cause: 's', phase: 'Q' },
  'connect-error': { kind: 'conn', cause: 'S', phase: 'C' },
  'connect-timeout': { kind: 'conn', cause: 's', phase: 'C' },
  'response-error': { kind: 'resp', cause: 'S', phase: 'H' },
  'response-timeout': { kind: 'resp', cause: 's', phase: 'H' },
  'response-denied': { kind: 'resp-denied', cause: 'P', phase: 'H' },
  'response-local': { kind: 'local', cause: 'L', phase: 'H' },
}
