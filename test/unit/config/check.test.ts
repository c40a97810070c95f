import { describe, expect, it } from 'vitest'
import { cfg, compile, errorsOf, httpConfig, warningsOf } from '../../helpers/cfg.ts'

/*
 * httpConfig(fe, be) lays a config out as:
 *   1-5 defaults (mode http, timeouts)   6 frontend fe   7 bind :80   8.. frontend lines (indented 2)
 *   then default_backend be, backend be, backend lines (indented 2).
 * With one frontend line, the first backend line is line 11.
 */
describe('semantic checks', () => {
  it.each([
    ['unknown keyword, with a suggestion', httpConfig('bindd :81'), 'unknown-keyword', 8, 3, "unknown keyword 'bindd' in 'frontend' section"],
    ['keyword out of its section', httpConfig('default-server inter 1s'), 'keyword-out-of-section', 8, 3, "'default-server' is not allowed in 'frontend' sections"],
    ['missing argument', httpConfig('use_backend'), 'missing-argument', 8, 3, "'use_backend' expects <backend> [{if | unless} <condition>]"],
    ['server weight out of range', httpConfig('acl x path /', 'server s1 192.0.2.1:80 weight 300'), 'out-of-range', 11, 33, 'weight of server be/s1 is not within 0 and 256 (300)'],
    ['bad time unit', httpConfig('timeout client 5x'), 'invalid-argument', 8, 18, "'timeout client': unexpected character 'x' in time '5x' (units: us, ms, s, m, h, d)"],
    ['deny status out of range', httpConfig('http-request deny deny_status 999'), 'invalid-argument', 8, 33, "'http-request deny' : status code '999' is not valid (expects 200..599)"],
    [
      'redirect code',
      httpConfig('http-request redirect location / code 305'),
      'invalid-argument',
      8,
      41,
      "'http-request redirect' : 'code': unsupported HTTP code '305' (must be one of 301, 302, 303, 307 or 308).",
    ],
    ['undefined backend', httpConfig('use_backend nope if TRUE'), 'unknown-backend', 8, 15, "Proxy 'fe': unable to find required use_backend: 'nope'."],
    ['undefined ACL', httpConfig('use_backend be if nope'), 'unknown-acl', 8, 21, "no such ACL : 'nope' in 'use_backend'"],
    ['invalid regex', httpConfig('acl a path_reg ^(foo'), 'invalid-regex', 8, 18, undefined],
    ['invalid port', httpConfig('acl x path /', 'server s1 10.0.0.1:99999'), 'invalid-address', 11, 13, undefined],
    ['unknown fetch', httpConfig('acl a hdrr(host) -i x'), 'unknown-fetch', 8, 9, undefined],
    ['unknown converter', httpConfig('acl a path,lowr -m str x'), 'unknown-converter', 8, 14, undefined],
    ['unknown match method', httpConfig('acl a path -m bogus x'), 'unknown-match', 8, 17, "unknown matching method 'bogus'"],
    ['unknown http-request action', httpConfig('http-request frob'), 'unknown-keyword', 8, 16, undefined],
    ['unsupported action', httpConfig('http-request lua.hello'), 'not-supported', 8, 16, undefined],
    ['unsupported keyword', httpConfig('rate-limit sessions 10'), 'not-supported', 8, 3, undefined],
    ['unknown option', httpConfig('option forwardfro'), 'unknown-keyword', 8, 10, "unknown keyword 'option forwardfro' in 'frontend' section"],
    ['bad balance', httpConfig('acl x path /', 'balance roundrobbin'), 'invalid-argument', 11, 11, undefined],
    ['bad hash-type', httpConfig('acl x path /', 'hash-type ring'), 'invalid-argument', 11, 13, "'hash-type' only supports 'consistent' and 'map-based'."],
    ['track-sc without a table', httpConfig('http-request track-sc0 src'), 'unknown-table', 8, 16, undefined],
    ['unknown server parameter', httpConfig('acl x path /', 'server s1 192.0.2.1:80 chekc'), 'unknown-keyword', 11, 26, "'server be/s1' : unknown keyword 'chekc'"],
    ['cookie modes', httpConfig('acl x path /', 'cookie S insert rewrite'), 'invalid-argument', 11, 19, "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible."],
  ])('reports %s', (_name, text, code, line, column, message) => {
    const errs = errorsOf(text)
    expect(errs.length, JSON.stringify(errs)).toBeGreaterThan(0)
    const e = errs[0]
    expect({ code: e?.code, line: e?.line, column: e?.column }).toEqual({ code, line, column })
    if (message) expect(e?.message).toBe(message)
  })

  it('points a missing default_backend at the default_backend line', () => {
    const errs = errorsOf(cfg`
      defaults
        mode http
      frontend fe
        bind :80
        default_backend web
    `)
    expect(errs).toEqual([{ severity: 'error', code: 'unknown-backend', line: 5, column: 19, message: "Proxy 'fe': unable to find required default_backend: 'web'." }])
  })

  it('reports duplicate servers with the first definition', () => {
    const r = compile(httpConfig('acl x path /', 'server s1 192.0.2.1:80\nserver s1 192.0.2.2:80'))
    const e = r.diagnostics.find((d) => d.code === 'duplicate-name')
    expect(e?.span.line).toBe(12)
    expect(e?.message).toBe("backend 'be', another server named 's1' was already defined at line 11, please use distinct names")
  })

  it('reports duplicate proxy names', () => {
    const errs = errorsOf('backend b\n  mode http\nbackend b\n  mode http\n')
    expect(errs.map((e) => [e.code, e.line, e.column])).toEqual([['duplicate-name', 3, 9]])
  })

  it('accepts a frontend or listen without bind with HAProxy 2.6 warning (it receives no traffic)', () => {
    expect(errorsOf('frontend fe\n  mode http\n')).toEqual([])
    const w = warningsOf('frontend fe\n  mode http\nlisten li\n  mode http\n  server s 192.0.2.1:80\n').filter((d) => d.code === 'useless')
    expect(w.map((d) => [d.line, d.message])).toEqual([
      [1, "frontend 'fe' has no 'bind' directive. Please declare it as a backend if this was intended."],
      [3, "proxy 'li' has no 'bind' directive. Please declare it as a backend if this was intended."],
    ])
  })

  it('rejects using a tcp backend from an http frontend', () => {
    const errs = errorsOf('frontend fe\n  mode http\n  bind :80\n  default_backend db\nbackend db\n  mode tcp\n  server d 192.0.2.1:3306\n')
    expect(errs.map((e) => [e.code, e.line, e.message])).toEqual([['wrong-mode', 4, "Proxy 'fe': unable to use proxy 'db' with wrong mode, required: http, has: tcp."]])
  })

  it('warns when HTTP-only settings sit in a tcp proxy', () => {
    const w = warningsOf('backend db\n  mode tcp\n  cookie S insert\n  server d 192.0.2.1:3306\n')
    expect(w.find((d) => d.code === 'wrong-mode')).toMatchObject({ line: 3, message: "'cookie' ignored for backend 'db' as it requires HTTP mode" })
  })

  it('rejects ACLs and rules in anonymous defaults sections', () => {
    expect(errorsOf('defaults\n  mode http\n  acl a path /\n').map((e) => [e.code, e.line])).toEqual([['keyword-out-of-section', 3]])
  })

  it('requires ACLs to be declared before use', () => {
    const errs = errorsOf(httpConfig('use_backend be if is_api\nacl is_api path_beg /api'))
    expect(errs.map((e) => [e.code, e.line])).toEqual([['unknown-acl', 8]])
  })

  it('rejects a missing pattern file and names it', () => {
    const errs = errorsOf(httpConfig('acl kr src -f /etc/haproxy/kr.lst'))
    expect(errs.map((e) => [e.code, e.line, e.column, e.message])).toEqual([['file-not-found', 8, 17, 'failed to open pattern file </etc/haproxy/kr.lst>']])
  })

  it('keeps going after an error and reports every problem', () => {
    const errs = errorsOf(httpConfig('bindd :81\nuse_backend nope\nacl a path -m bogus x'))
    expect(errs.map((e) => e.line)).toEqual([8, 9, 10])
  })

  it('warns about what the edge does differently', () => {
    const w = warningsOf(cfg`
      global
        ssl-default-bind-options no-sslv3
        log 127.0.0.1 local0
      defaults
        mode http
      frontend fe
        bind :443 ssl crt /etc/cert.pem
        default_backend be
      backend be
        server s1 10.0.0.1:80
        server s2 203.0.113.5:80
    `)
    const msgs = w.map((d) => `${d.line}:${d.message}`)
    expect(msgs.some((m) => m.startsWith("2:'ssl-default-bind-options' is ignored at the edge: TLS is terminated by Cloudflare"))).toBe(true)
    expect(msgs.some((m) => m.startsWith("3:'log 127.0.0.1': at the edge, logs go to Workers Logs"))).toBe(true)
    expect(msgs.some((m) => m.startsWith("7:'bind ... ssl': TLS is terminated by Cloudflare"))).toBe(true)
    expect(msgs.some((m) => m.startsWith("10:'server be/s1' : 10.0.0.1 is a private address: the edge reaches it only through a Workers VPC network"))).toBe(true)
    expect(msgs.some((m) => m.startsWith("11:'server be/s2' : Workers cannot fetch() a raw IP address (Cloudflare answers error 1003)"))).toBe(true)
  })

  describe('what the edge can reach (src/util/addresses.ts)', () => {
    const be = (lines: string) => `defaults
  mode http
backend be
${lines}`
    const diag = (text: string) => {
      const r = compile(text)
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
      return r.diagnostics.filter((d) => d.code === 'edge-origin' || d.code === 'edge-check').map((d) => ({ code: d.code, line: d.span.line, column: d.span.column, message: d.message, help: d.help }))
    }

    it.each([
      ['10.0.1.10:3000', 'private'],
      ['127.0.0.1:9001', 'loopback'],
      ['localhost:9001', 'loopback'],
      ['[fd00::1]:80', 'private'],
    ])('a %s server needs a VPC network at the edge', (addr, cls) => {
      const [d, ...rest] = diag(be(`  server s ${addr}\n`))
      expect(rest).toEqual([])
      expect(d).toMatchObject({ code: 'edge-origin', line: 4, column: 12 })
      expect(d?.message).toContain(`is a ${cls} address: the edge reaches it only through a Workers VPC network ('edgeproxy deploy --vpc-network cf1:network' and a Cloudflare Tunnel`)
      expect(d?.message).toContain("'edgeproxy dev' reaches it directly")
    })

    it.each(['203.0.113.5:80', '104.16.1.1:443', '[2001:db8::1]:80'])('a raw IP %s names both fixes: a hostname or a VPC network', (addr) => {
      const [d, ...rest] = diag(be(`  server s ${addr}\n`))
      expect(rest).toEqual([])
      expect(d?.code).toBe('edge-origin')
      expect(d?.message).toMatch(/Cloudflare answers error 1003\): give the origin a DNS name, or reach it through a Workers VPC network \('edgeproxy deploy --vpc-network/)
      expect(d?.help).toMatch(/^e\.g\. 'server s s\.example\.com:\d+'/)
    })

    it('warns about a hostname on a port Cloudflare does not proxy, naming the allowed ports', () => {
      const [d, ...rest] = diag(be('  server s app.example.com:3000\n'))
      expect(rest).toEqual([])
      expect(d).toMatchObject({ code: 'edge-origin', line: 4, column: 12 })
      expect(d?.message).toBe(
        "'server be/s' : port 3000 is not one of Cloudflare's proxy ports: if 'app.example.com' is proxied (orange-clouded), the edge reaches it only on 80, 8080, 8880, 2052, 2082, 2086, 2095 (HTTP) or 443, 2053, 2083, 2087, 2096, 8443 (HTTPS)",
      )
      expect(d?.help).toContain('allow_custom_ports')
    })

    it.each(['app.example.com:8443', 'app.example.com:80', 'app.example.com', 'app.example.com:2095'])('says nothing about a hostname on %s', (addr) => {
      expect(diag(be(`  server s ${addr} check\n`))).toEqual([])
    })

    it('warns that a layer-4 check of a private server cannot run, with the httpchk fix', () => {
      const d = diag(be('  server s 10.0.1.10:3000 check\n')).filter((x) => x.code === 'edge-check')
      expect(d).toHaveLength(1)
      expect(d[0]).toMatchObject({ line: 4, column: 3 })
      expect(d[0]?.message).toContain('its layer-4 health check connects to 10.0.1.10, but connect() cannot reach a private address from the edge')
      expect(d[0]?.help).toContain("add 'option httpchk' to backend 'be'")
      expect(d[0]?.help).toContain('--vpc-network')
    })

    it("warns about a layer-4 check of a Cloudflare address (its 'addr' too), not about an HTTP check", () => {
      expect(diag(be('  server s app.example.com:80 check addr 104.16.0.1\n')).map((x) => [x.code, x.message.includes("connect() refuses Cloudflare's own address ranges")])).toEqual([
        ['edge-check', true],
      ])
      expect(diag(be('  option httpchk GET /health\n  server s 10.0.1.10:3000 check\n')).map((x) => x.code)).toEqual(['edge-origin'])
      expect(diag(be('  server s 203.0.113.5:80 check\n')).map((x) => x.code)).toEqual(['edge-origin'])
    })

    it('a tcp backend gets the fix that fits it', () => {
      const d = diag('backend db\n  mode tcp\n  server d 10.0.3.10:3306 check\n').find((x) => x.code === 'edge-check')
      expect(d?.help).toBe("give the server a hostname connect() reaches, or check it over HTTP ('option httpchk') if it speaks HTTP")
    })
  })

  it('warns that a tcp backend is checked but not proxied', () => {
    const w = warningsOf('backend db\n  mode tcp\n  server d db.internal:3306 check\n')
    expect(w.map((d) => d.message)).toContain("backend 'db' is 'mode tcp': its servers are health-checked (over connect()) and shown in stats, but inbound TCP is not proxied at the edge")
  })

  it('suggests the closest keyword', () => {
    const r = compile(httpConfig('bindd :81'))
    expect(r.diagnostics[0]?.help).toBe("did you mean 'bind'?")
  })

  it('accepts named defaults with rules and from', () => {
    const r = compile(cfg`
      defaults base
        mode http
        acl internal src 10.0.0.0/8
        http-request deny if !internal
      frontend fe from base
        bind :80
        http-request set-header X-Fe 1
        default_backend be
      defaults plain
        mode http
      backend be
        server s 192.0.2.1:80
    `)
    expect(r.errorCount).toBe(0)
    expect(r.routeMap?.frontends[0]?.httpRequest.map((x) => x.action)).toEqual(['deny', 'set-header'])
    expect(r.routeMap?.backends[0]?.httpRequest).toEqual([])
  })

  it('rejects a defaults section with rules used by a frontend and a backend', () => {
    const errs = errorsOf(cfg`
      defaults base
        mode http
        http-request deny if { path /x }
      frontend fe
        bind :80
        default_backend be
      backend be
        server s 192.0.2.1:80
    `)
    expect(errs.map((e) => [e.code, e.line])).toEqual([['keyword-out-of-section', 7]])
  })

  it('reads -f files as map files after -M (keys are the patterns)', () => {
    const r = compile(httpConfig('acl known hdr(host) -M -f hosts.map\nhttp-request deny if !known'), { files: { 'hosts.map': 'a.example be_a\n# comment\nb.example be_b\n' } })
    expect(r.errorCount).toBe(0)
    expect(r.routeMap?.frontends[0]?.acls[0]?.tests[0]?.patternCount).toBe(2)
  })

  it('classifies an unknown fetch inside a log-format string', () => {
    const e = errorsOf(httpConfig('http-request set-header X %[nosuchfetch]'))
    expect(e.map((d) => [d.code, d.line, d.column])).toEqual([['unknown-fetch', 8, 31]])
  })
})
