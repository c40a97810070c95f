/**
 * @module
 * The reviewed list: features of HAProxy 2.6 that the edge cannot carry (or that edgeproxy does not
 * carry yet), each with the reason and the alternative its error names. The reg-test corpus test
 * accepts a disagreement with `haproxy -c` only when every error edgeproxy reports for that config
 * is one of these; anything else fails the test.
 *
 * `match` is tested against the diagnostic's message; `names` is text the message or its help must
 * contain (the alternative offered to the user).
 */
export interface ReviewedFeature {
  readonly feature: string
  readonly match: RegExp
  /** Why the edge cannot carry it. */
  readonly why: string
}

export const REVIEWED: readonly ReviewedFeature[] = [
  {
    feature: 'Lua',
    match: /'(lua-load|lua-load-per-thread|lua-prepend-path|http-(request|response) lua|tcp-request content lua)'|service 'lua\.|fetch method 'lua\.|'lua\./,
    why: 'Lua scripts cannot run in a Worker; the logic is ported to rules or to Worker code',
  },
  {
    feature: 'UNIX and abstract sockets',
    match: /UNIX socket addresses|abns@|'unix@/,
    why: 'a Worker reaches origins over HTTP(S) and TCP, never through a local socket',
  },
  {
    feature: 'TLS session details',
    match: /fetch '(ssl_[cfs]_\w+|ssl_fc_\w+|ssl_bc\w*)' is not supported at the edge/,
    why: 'TLS is terminated by Cloudflare; only request.cf fields reach the Worker',
  },
  {
    feature: 'connection-level details',
    match: /fetch '(fc_\w+|bc_\w+|so_name|so_id|dst_conn|src_is_local|dst_is_local|req\.len|req_len)' is not supported at the edge/,
    why: 'the Worker sees HTTP requests, not the client or server sockets',
  },
  {
    feature: 'PROXY protocol',
    match: /'send-proxy(-v2)?'|'expect-proxy'|PROXY protocol/,
    why: 'Cloudflare connects to origins itself; the PROXY protocol header cannot be sent or received by a Worker',
  },
  {
    feature: 'client certificates to origins',
    match: /'crt' is not supported yet: client certificates to origins/,
    why: 'needs a Workers mTLS certificate binding per certificate (issue 12)',
  },
  {
    feature: 'first request of a connection',
    match: /fetch 'http_first_req'/,
    why: 'the Worker does not see client connections',
  },
]
