/**
 * @module
 * The reviewed list: features of HAProxy 2.6 that the edge cannot carry, or that edgeproxy refuses
 * for now, each with why and the alternative its error names. The reg-test corpus test accepts a
 * disagreement with `haproxy -c` only when every error edgeproxy reports for that config matches
 * one of these; anything else fails the test. `edge: false` marks features that could be carried
 * and are simply not implemented yet.
 */
export interface ReviewedFeature {
  readonly feature: string
  /** Tested against the diagnostic's message. */
  readonly match: RegExp
  /** Why the edge cannot carry it (or what is missing). */
  readonly why: string
  /** Whether the edge itself rules it out (false: edgeproxy could carry it and does not yet). */
  readonly edge: boolean
}

export const REVIEWED: readonly ReviewedFeature[] = [
  {
    feature: 'Lua',
    match: /'(lua-load|lua-load-per-thread|lua-prepend-path|http-(request|response) lua|tcp-request content lua)'|use-service lua\.|fetch 'lua\./,
    why: 'Lua scripts cannot run in a Worker; the error says to port the logic to rules or Worker code',
    edge: true,
  },
  {
    feature: 'UNIX and abstract sockets as servers',
    match: /UNIX socket addresses are not supported/,
    why: 'a Worker reaches origins over HTTP(S) and TCP, never through a local socket (reg-tests use them to chain an HAProxy frontend to itself)',
    edge: true,
  },
  {
    feature: 'TLS session details',
    match: /fetch '(ssl_[cfs]_\w+|ssl_fc_\w+|ssl_bc\w*)' is not supported at the edge/,
    why: 'TLS is terminated by Cloudflare; only the request.cf fields (version, cipher, client certificate) reach the Worker',
    edge: true,
  },
  {
    feature: 'connection and socket details',
    match: /fetch '(fc_\w+|bc_\w+|so_name|so_id|dst_conn|src_is_local|dst_is_local)' is not supported at the edge/,
    why: 'the Worker sees HTTP requests, not the client socket, the listener or the connection to the server',
    edge: true,
  },
  {
    feature: 'raw TCP payload',
    match: /fetch '(req|res)\.(payload|payload_lv|len|ssl_\w+|rdp_cookie\w*)' is not supported at the edge|fetch '(req|rep|res)_(len|ssl_\w+)' is not supported at the edge/,
    why: 'Cloudflare delivers parsed HTTP requests to the Worker; the bytes of the connection are never seen',
    edge: true,
  },
  {
    feature: 'PROXY protocol',
    match: /'send-proxy(-v2)?' is not supported|fetch 'fc_pp_\w+'/,
    why: 'Cloudflare connects to origins itself; a Worker cannot send or receive a PROXY protocol header (option forwardfor carries the client address)',
    edge: true,
  },
  {
    feature: 'client certificates to origins',
    match: /'crt' is not supported yet: client certificates to origins/,
    why: 'needs one Workers mTLS certificate binding per certificate, derived by the deployment (issue 12)',
    edge: false,
  },
  {
    feature: 'first request of a connection',
    match: /fetch 'http_first_req'/,
    why: 'the Worker does not see client connections, so it cannot tell the first request of one',
    edge: true,
  },
  {
    feature: 'JWT signature checks',
    match: /converter 'jwt_verify'/,
    why: 'signature checks need crypto.subtle, which is asynchronous, while converters run synchronously',
    edge: true,
  },
  {
    feature: 'buffered request bodies',
    match: /fetch '(req|res)\.(body|body_len|body_size|body_param)' is not supported yet/,
    why: 'bodies are streamed to the origin; buffering them (option http-buffer-request) is not implemented',
    edge: false,
  },
  {
    feature: 'SPOE agents and filters',
    match: /'option spop-check'|'filter (trace|compression|spoe|bwlim-in|bwlim-out|fcgi-app)'/,
    why: 'SPOA agents cannot be reached from the edge; Cloudflare compresses responses itself; traces are Workers Logs',
    edge: true,
  },
  {
    feature: 'transparent proxying',
    match: /'option transparent'/,
    why: 'needs the kernel (IP_TRANSPARENT); the edge connects to configured origins only',
    edge: true,
  },
  {
    feature: 'SOCKS4 servers',
    match: /'socks4' is not supported/,
    why: 'fetch() cannot go through a SOCKS4 proxy; a Cloudflare Tunnel reaches private origins',
    edge: true,
  },
  {
    feature: "HAProxy's internal buffers",
    match: /HAProxy's internal HTX buffers do not exist/,
    why: 'internal.htx.* and internal.strm.* debug HAProxy itself',
    edge: true,
  },
  {
    feature: 'dispatch',
    match: /'dispatch' is not supported yet/,
    why: "deprecated in HAProxy; not implemented: write a 'server' line",
    edge: false,
  },
  {
    feature: 'stick tables keyed by server address',
    match: /'srvkey addr' is not supported yet|unable to find stick-table 'mypeers\/mytable'/,
    why: "not implemented yet: edge tables keep numeric server ids, not the address string ('srvkey name' is accepted); the second message follows from the refused table",
    edge: false,
  },
]
