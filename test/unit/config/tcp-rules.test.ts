import { describe, expect, it } from 'vitest'
import { cfg, compile, diags, httpConfig } from '../../helpers/cfg.ts'

/*
 * `tcp-request connection|session|content` and `tcp-response content` (tcp_rules.c): what each
 * rule set accepts, warns about and refuses, with codes and positions, and the RouteMap lists the
 * engine runs. Messages follow `haproxy -c` (2.6.12) where HAProxy has one.
 */

/** Diagnostics of a frontend-only snippet (line 8 is the first snippet line). */
function check(frontend: string, backend?: string) {
  return diags(compile(httpConfig(frontend, backend)))
}

const at = (d: ReturnType<typeof check>, line: number) => d.filter((x) => x.line === line).map((x) => [x.severity, x.code, x.column, x.message])

describe('tcp-request rules: accepted and carried per rule set', () => {
  it('compiles connection, session and content rules in order into the RouteMap', () => {
    const r = compile(
      httpConfig(
        [
          'stick-table type ip size 1k store http_req_rate(10s)',
          'tcp-request inspect-delay 5s',
          'tcp-request connection accept if { src 10.0.0.0/8 }',
          'tcp-request connection reject if { src 192.0.2.9 }',
          'tcp-request session set-var(sess.tls) ssl_fc',
          'tcp-request content track-sc0 src',
          'tcp-request content set-var(txn.x) str(y)',
          'tcp-request content reject if { path /x }',
        ].join('\n'),
        'tcp-request content sc-inc-gpc0(0)\ntcp-response content accept if { status 200 }\nserver s1 192.0.2.1:80',
      ),
    )
    expect(r.errorCount).toBe(0)
    const fe = r.routeMap?.frontends[0]
    const be = r.routeMap?.backends[0]
    expect(fe?.tcpRules?.connection.map((x) => [x.action, x.origin.line])).toEqual([
      ['allow', 10],
      ['reject', 11],
    ])
    expect(fe?.tcpRules?.session.map((x) => x.action)).toEqual(['set-var'])
    expect(fe?.tcpRules?.content.map((x) => x.action)).toEqual(['track-sc0', 'set-var', 'reject'])
    expect(fe?.tcpRules?.content[2]?.args).toEqual({ status: 403, set: 'tcp-request content' })
    expect(fe?.tcpRules?.content[2]?.text).toBe('tcp-request content reject if { path /x }')
    expect(be?.tcpRules?.content.map((x) => x.action)).toEqual(['sc-inc-gpc0'])
    expect(be?.tcpRules?.response.map((x) => [x.action, x.args])).toEqual([['allow', {}]])
    expect(r.routeMap?.frontends[0]?.httpRequest).toEqual([])
  })

  it('warns once per proxy that connection and session rules run per request, and that reject answers 403', () => {
    const d = check('tcp-request connection reject if { src 192.0.2.9 }\ntcp-request connection reject if { src 192.0.2.10 }\ntcp-request session accept')
    expect(d.filter((x) => x.severity === 'error')).toEqual([])
    expect(at(d, 8)).toEqual([
      [
        'warning',
        'edge-mapping',
        15,
        "'tcp-request connection' rules run once per HTTP request at the edge, not once per client connection: Cloudflare holds the client connections, so each request is checked (and tracked) on its own",
      ],
      [
        'warning',
        'edge-mapping',
        26,
        "'tcp-request connection reject': a Worker cannot close the client connection: the edge answers 403 Forbidden (the proxy's 403 errorfile), as 'http-request deny' does, where HAProxy closes the connection without a response",
      ],
    ])
    expect(at(d, 9)).toEqual([])
    expect(at(d, 10)).toEqual([])
  })

  it('content rules alone get no per-request warning (HAProxy runs them per request in HTTP mode too)', () => {
    const d = check('tcp-request content set-var(txn.x) str(y)\ntcp-request content accept')
    expect(d.filter((x) => x.line === 8 || x.line === 9)).toEqual([])
  })

  it('accepts inspect-delay and warns on a second one as HAProxy does', () => {
    const d = check('tcp-request inspect-delay 5s\ntcp-request inspect-delay 10s\ntcp-request inspect-delay')
    expect(at(d, 8)).toEqual([])
    expect(at(d, 9)).toEqual([['warning', 'useless', 15, "ignoring tcp-request inspect-delay (was already defined) in frontend 'fe'"]])
    expect(at(d, 10)).toEqual([['error', 'invalid-argument', 15, "'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'fe'"]])
  })

  it('warns when a rule is placed after a rule that runs later', () => {
    const d = check('http-request set-header a b\ntcp-request content accept\ntcp-request connection accept')
    expect(at(d, 9)).toEqual([['warning', 'useless', 3, "a 'tcp-request' rule placed after a 'http-request' rule will still be processed before."]])
    expect(at(d, 10).filter((x) => x[1] === 'useless')).toEqual([['warning', 'useless', 3, "a 'tcp-request' rule placed after a 'tcp-request content' rule will still be processed before."]])
  })
})

describe("tcp-request content track-sc: HAProxy's warnings (action.c check_trk_action)", () => {
  it('warns on request contents without inspect-delay, and on a session-level key in an HTTP frontend', () => {
    const d = check('stick-table type string size 1k\ntcp-request content track-sc0 req.hdr(host)\ntcp-request content track-sc1 src if { path /x }\ntcp-request content track-sc2 src')
    const useless = (l: number) =>
      at(d, l)
        .filter((x) => x[1] === 'useless')
        .map((x) => [x[2], x[3]])
    expect(useless(9)).toEqual([
      [
        23,
        "frontend 'fe' : a 'tcp-request content track-sc*' rule explicitly depending on request contents without any 'tcp-request inspect-delay' setting. This means that this rule will randomly find its contents. This can be fixed by setting the tcp-request inspect-delay.",
      ],
    ])
    expect(useless(10)).toEqual([])
    expect(useless(11)).toEqual([
      [
        23,
        "frontend 'fe' : a 'tcp-request content track-sc*' rule not depending on request contents for an HTTP frontend should be executed at the session level, using a 'tcp-request session' rule (mandatory to track invalid HTTP requests).",
      ],
    ])
  })

  it('an inspect-delay silences the first', () => {
    const d = check('stick-table type string size 1k\ntcp-request inspect-delay 1s\ntcp-request content track-sc0 req.hdr(host)')
    expect(d.filter((x) => x.line === 10)).toEqual([])
  })
})

describe('tcp-request rules: fetches that need a later rule set', () => {
  it('refuses track-sc and set-var on HTTP facts in connection and session rules', () => {
    const d = check('stick-table type ip size 1k\ntcp-request connection track-sc0 req.hdr(host)\ntcp-request session set-var(txn.h) path')
    expect(at(d, 9)).toEqual([
      ['error', 'invalid-argument', 36, "'tcp-request connection track-sc0' : fetch method 'req.hdr(host)' extracts information from 'HTTP request headers', none of which is available here"],
    ])
    expect(at(d, 10)).toEqual([
      ['error', 'invalid-argument', 38, "'tcp-request session set-var(txn.h)' : fetch method 'path' extracts information from 'HTTP request headers', none of which is available here"],
    ])
  })

  it('refuses TLS facts in connection rules but accepts them in session rules', () => {
    const d = check('tcp-request connection set-var(sess.s) ssl_fc_sni\ntcp-request session set-var(sess.s) ssl_fc_sni')
    expect(at(d, 8)[0]?.slice(0, 2)).toEqual(['error', 'invalid-argument'])
    expect(at(d, 8)[0]?.[3]).toContain("extracts information from 'client-side connection'")
    expect(at(d, 9).filter((x) => x[0] === 'error')).toEqual([])
  })

  it('warns that a condition on HTTP facts never matches in connection rules', () => {
    const d = check('acl h req.hdr(host) -m found\ntcp-request connection reject if { req.hdr(x) -m found }\ntcp-request connection reject if h\ntcp-request connection reject if { src 192.0.2.1 } h')
    const useless = (l: number) =>
      at(d, l)
        .filter((x) => x[1] === 'useless')
        .map((x) => x[3])
    expect(useless(9)).toEqual(["anonymous acl will never match in 'tcp-request connection' because it uses keyword 'req.hdr' which is incompatible with 'frontend tcp-request connection rule'"])
    expect(useless(10)).toEqual(["acl 'h' will never match in 'tcp-request connection' because it only involves keywords that are incompatible with 'frontend tcp-request connection rule'"])
    expect(useless(11)).toEqual(["acl 'h' will never match in 'tcp-request connection' because it only involves keywords that are incompatible with 'frontend tcp-request connection rule'"])
  })

  it('refuses rules on raw bytes with not-supported', () => {
    const d = check('tcp-request content reject if { req.payload(0,1) -m bin 16 }\ntcp-request content reject if { req_ssl_hello_type 1 }\ntcp-request content set-var(txn.sni) req.ssl_sni')
    for (const l of [8, 9, 10]) expect(at(d, l).map((x) => [x[0], x[1]])).toEqual([['error', 'not-supported']])
    expect(at(d, 8)[0]?.[3]).toContain('the edge receives parsed HTTP requests, not raw bytes')
  })
})

describe('tcp-request rules: actions per rule set', () => {
  it.each([
    [
      'tcp-request content silent-drop',
      'not-supported',
      23,
      "'tcp-request content silent-drop' is not supported at the edge: a Worker cannot drop the client connection silently: use 'reject' (the edge answers 403) or Cloudflare WAF 'Block'",
    ],
    ['tcp-request content do-resolve(txn.ip,dns) str(x)', 'not-supported', 23, undefined],
    ['tcp-request content use-service lua.foo', 'not-supported', 35, "'tcp-request content use-service lua.foo' is not supported at the edge: Lua cannot run in a Worker"],
    ['tcp-request content use-service prometheus-exporter', 'invalid-argument', 35, "Prometheus exporter service only available on 'http-request' rulesets"],
    ['tcp-request content lua.check', 'not-supported', 23, "'tcp-request content lua.check' is not supported at the edge: Lua cannot run in a Worker"],
    ['tcp-request connection capture src len 10', 'invalid-argument', 26, "'capture src' is not allowed in 'tcp-request connection' rules in frontend 'fe'"],
    ['tcp-request content capture src', 'invalid-argument', 31, "'tcp-request content capture' : a positive 'len' argument is mandatory"],
    ['tcp-request session expect-proxy layer4', 'invalid-argument', 23, "'expect-proxy layer4' is not allowed in 'tcp-request session' rules in frontend 'fe'"],
    ['tcp-request connection expect-proxy layer7', 'invalid-argument', 39, "'tcp-request connection expect-proxy' only supports 'layer4' in frontend 'fe' (got 'layer7')"],
    ['tcp-request content accept foo', 'invalid-argument', 30, "'tcp-request content accept' only accepts 'if' or 'unless', in frontend 'fe' (got 'foo')"],
    ['tcp-request content track-sc3 src', 'invalid-argument', 23, "'tcp-request content track-sc3' : 3 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value"],
    ['tcp-request content sc-inc-gpc(0,0)', 'not-supported', 23, undefined],
    ['tcp-request frob accept', 'invalid-argument', 15, "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in frontend 'fe' (got 'frob')"],
    ['tcp-request', 'missing-argument', 3, "missing argument for 'tcp-request' in frontend 'fe'"],
    ['tcp-request content', 'missing-argument', 15, "'tcp-request content' expects an action"],
  ])('refuses %s', (line, code, column, message) => {
    const errs = check(line).filter((x) => x.severity === 'error')
    expect(errs.map((x) => [x.code, x.line, x.column])).toEqual([[code, 8, column]])
    if (message) expect(errs[0]?.message).toBe(message)
  })

  it('lists the valid actions of the rule set for an unknown one', () => {
    const errs = check('tcp-request session capture src len 4\ntcp-request connection frob').filter((x) => x.severity === 'error')
    const e = errs.find((x) => x.line === 9)
    expect(e?.code).toBe('unknown-keyword')
    expect(e?.column).toBe(26)
    expect(e?.message).toMatch(/^'tcp-request connection' expects 'accept', 'reject', 'capture', 'expect-proxy', .* in frontend 'fe' \(got 'frob'\)\.$/)
  })

  it.each([
    ['tcp-request content set-log-level err', [23]],
    ['tcp-request content switch-mode http proto h1', [23]],
    ['tcp-request content set-priority-class int(1)', [23]],
    // Connection rules also get the once-per-proxy "per request" warning (column 15).
    ['tcp-request connection expect-proxy layer4', [15, 26]],
    ['tcp-request connection set-mark 0x1', [15, 26]],
  ])('accepts %s with an edge-mapping warning and carries no rule', (line, columns) => {
    const r = compile(httpConfig(line))
    const d = diags(r)
    expect(d.filter((x) => x.severity === 'error')).toEqual([])
    expect(d.filter((x) => x.line === 8).map((x) => [x.code, x.column])).toEqual(columns.map((c) => ['edge-mapping', c]))
    expect(r.routeMap?.frontends[0]?.tcpRules).toBeUndefined()
  })
})

describe('tcp-request rules that run as their http-request twin', () => {
  it.each([
    ['tcp-request content capture src len 10', 'capture'],
    ['tcp-request connection set-src ipv4(192.0.2.9)', 'set-src'],
    ['tcp-request session set-dst-port int(81)', 'set-dst-port'],
  ])('%s', (line, action) => {
    const r = compile(httpConfig(line))
    expect(diags(r).filter((x) => x.severity === 'error')).toEqual([])
    const t = r.routeMap?.frontends[0]?.tcpRules
    expect(
      Object.values(t ?? {})
        .flat()
        .map((x) => x.action),
    ).toEqual([action])
  })
})

describe('tcp rules: where they are allowed', () => {
  it('refuses connection and session rules in a backend, accepts content rules there', () => {
    const d = check('acl x path /', 'tcp-request connection accept\ntcp-request session accept\ntcp-request content accept\nserver s1 192.0.2.1:80')
    expect(d.filter((x) => x.severity === 'error').map((x) => [x.line, x.code, x.column, x.message])).toEqual([
      [11, 'keyword-out-of-section', 15, "tcp-request connection is not allowed because backend 'be' is not a frontend"],
      [12, 'keyword-out-of-section', 15, "tcp-request session is not allowed because backend 'be' is not a frontend"],
    ])
  })

  it('refuses tcp-response in a frontend and in anonymous defaults', () => {
    expect(
      check('tcp-response content accept')
        .filter((x) => x.severity === 'error')
        .map((x) => [x.line, x.column, x.message]),
    ).toEqual([[8, 3, "'tcp-response' is not allowed in 'frontend' sections"]])
    const d = diags(
      compile(cfg`
      defaults
        mode http
        tcp-request content accept
      frontend fe
        bind :80
    `),
    )
    expect(d.filter((x) => x.severity === 'error').map((x) => [x.line, x.code, x.message])).toEqual([
      [3, 'keyword-out-of-section', "tcp-request content is not allowed in anonymous 'defaults' sections"],
    ])
  })

  it("refuses a named defaults section's connection rules for a backend", () => {
    const r = compile(cfg`
      defaults web
        mode http
        tcp-request connection reject if { src 192.0.2.9 }
      defaults plain
        mode http
      frontend fe
        bind :80
        default_backend be
      backend be from web
        server s1 192.0.2.1:80
    `)
    const errs = diags(r).filter((x) => x.severity === 'error')
    expect(errs.map((x) => [x.line, x.code])).toEqual([[9, 'keyword-out-of-section']])
    expect(errs[0]?.message).toContain("a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules")
  })

  it("carries a named defaults section's rules before the proxy's own", () => {
    const r = compile(cfg`
      defaults web
        mode http
        tcp-request connection reject if { src 192.0.2.9 }
      frontend fe from web
        bind :80
        tcp-request connection accept
        default_backend be
      defaults plain
        mode http
      backend be from plain
        server s1 192.0.2.1:80
    `)
    expect(r.errorCount).toBe(0)
    expect(r.routeMap?.frontends[0]?.tcpRules?.connection.map((x) => [x.action, x.origin.line])).toEqual([
      ['reject', 3],
      ['allow', 6],
    ])
  })

  it('refuses a defaults section that inherits from one holding rules', () => {
    const d = diags(
      compile(cfg`
      defaults web
        tcp-response content accept
      defaults other from web
        mode http
    `),
    )
    expect(d.filter((x) => x.severity === 'error').map((x) => [x.line, x.column, x.message])).toEqual([
      [3, 21, 'a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at test.cfg:1).'],
    ])
  })

  it("puts a listen section's content rules on its frontend side once, its response rules on its backend side", () => {
    const r = compile(cfg`
      listen li
        mode http
        bind :80
        tcp-request content set-var(txn.x) str(y)
        tcp-response content reject if { status 500 }
        server s1 192.0.2.1:80
    `)
    expect(r.errorCount).toBe(0)
    expect(r.routeMap?.frontends[0]?.tcpRules?.content.map((x) => x.action)).toEqual(['set-var'])
    expect(r.routeMap?.backends[0]?.tcpRules?.content).toEqual([])
    expect(r.routeMap?.backends[0]?.tcpRules?.response.map((x) => [x.action, x.args])).toEqual([['reject', { status: 502, set: 'tcp-response content' }]])
  })
})
