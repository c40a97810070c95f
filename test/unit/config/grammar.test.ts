import { describe, expect, it } from 'vitest'
import { parseTime } from '../../../src/util/time.ts'
import { HTTPSLOG_EDGE_FORMAT } from '../../../src/config/keywords/log-options.ts'
import { createEngine } from '../../../src/engine/index.ts'
import { compileLogLine } from '../../../src/log/httplog.ts'
import { defaultRegistry } from '../../../src/sample/index.ts'
import { compile, diags, errorsOf, httpConfig, warningsOf, routeMapOf as routeMap } from '../../helpers/cfg.ts'
import { logFormat } from '../../helpers/log-format.ts'

/*
 * HAProxy 2.6's grammar, form by form: what HAProxy accepts is accepted, what it only warns about is
 * a warning (with its wording), what it refuses is an error, each with its code and position.
 * Line 8, column 3 is the first frontend line of httpConfig().
 */

/** The condition of the first http-request rule of frontend 'fe'. */
function firstCond(line: string) {
  return routeMap(httpConfig(line)).frontends[0]?.httpRequest[0]?.cond
}

const terms = (c: ReturnType<typeof firstCond>) => c?.or.map((g) => g.map((t) => t.negate))

describe('ACL conditions (acl.c parse_acl_cond)', () => {
  it.each([
    ['!{ ssl_fc }', [[true]]],
    ['! { ssl_fc }', [[true]]],
    ['!!{ ssl_fc }', [[false]]],
    ['!TRUE', [[true]]],
    ['"{" ssl_fc "}"', [[false]]],
    ['TRUE OR FALSE', [[false], [false]]],
    ['TRUE Or FALSE', [[false], [false]]],
    ['TRUE || !FALSE', [[false], [true]]],
    ['TRUE "or" FALSE', [[false], [false]]],
    ['or TRUE or', [[false]]],
    ['TRUE FALSE or or METH_GET', [[false, false], [false]]],
    ['! or TRUE', [[false]]],
    ['', []],
    ['!', []],
  ])("accepts 'if %s' as HAProxy does", (cond, want) => {
    expect(terms(firstCond(`http-request deny if ${cond}`.trimEnd()))).toEqual(want)
  })

  it('keeps the policy of an empty condition: if never matches, unless always does', () => {
    expect(firstCond('http-request deny if')).toMatchObject({ unless: false, or: [] })
    expect(firstCond('http-request deny unless')).toMatchObject({ unless: true, or: [] })
  })

  it.each([
    ['{ }', 'syntax', 24, "missing fetch method in ACL expression '' in 'http-request deny'"],
    ['{ ssl_fc', 'syntax', 24, "missing closing '}' in condition of 'http-request deny'"],
    ['{ ssl_fc}', 'syntax', 24, "missing closing '}' in condition of 'http-request deny'"],
    ['{ssl_fc }', 'unknown-acl', 24, "no such ACL : '{ssl_fc' in 'http-request deny'"],
    ['{ ssl_fc } }', 'unknown-acl', 35, "no such ACL : '}' in 'http-request deny'"],
    ['TRUE && FALSE', 'unknown-acl', 29, "no such ACL : '&&' in 'http-request deny'"],
  ])("refuses 'if %s' as HAProxy does, at the first error", (cond, code, column, message) => {
    expect(errorsOf(httpConfig(`http-request deny if ${cond}`))).toEqual([{ severity: 'error', code, line: 8, column, message }])
  })

  it("says that braces are words of their own when '{' is glued to an ACL", () => {
    const r = compile(httpConfig('http-request deny if !{ssl_fc }'))
    expect(r.diagnostics.find((d) => d.severity === 'error')?.help).toMatch(/words of their own/)
  })

  it('evaluates negated anonymous ACLs and OR groups', async () => {
    const e = createEngine(
      routeMap(httpConfig('http-request return status 201 if !{ path_beg /a } { path_beg /b } OR { req.hdr(x-k) -m found }\nhttp-request return status 202 if or { path /c } || !!{ path /d } or')),
    )
    const status = async (path: string, headers: [string, string][] = []) => {
      const d = await e.decide({ method: 'GET', url: `http://h.example${path}`, headers, src: '198.51.100.7' })
      return d.kind === 'respond' ? d.response.status : d.kind
    }
    expect(await status('/b')).toBe(201)
    expect(await status('/a/b')).toBe('forward')
    expect(await status('/a', [['x-k', '1']])).toBe(201)
    expect(await status('/c')).toBe(202)
    expect(await status('/d')).toBe(202)
    expect(await status('/e')).toBe('forward')
  })
})

describe('ACL options (acl.c parse_acl_expr)', () => {
  const acl = (text: string) => routeMap(httpConfig(`acl a ${text}\nhttp-request deny if a`)).frontends[0]?.acls.find((x) => x.name === 'a')?.tests[0]

  it("lets '-m' override the method an ACL keyword implies, the last '-m' winning", () => {
    expect(acl('hdr_dom(host) -m end -i example.com')).toMatchObject({ match: 'end', icase: true })
    expect(acl('hdr(x) -m str -m beg foo')).toMatchObject({ match: 'beg' })
    expect(acl('hdr_dom(host) -m found')).toMatchObject({ match: 'found' })
  })

  it("uses the converter's output type after an ACL keyword with a converter", () => {
    expect(acl('hdr_dom(host),lower example.com')).toMatchObject({ match: 'str' })
    expect(acl('path_beg,length 5')).toMatchObject({ match: 'int' })
  })

  it.each([
    ['hdr(x) -x foo', 16, "'-x' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"],
    ['hdr(x) - foo', 16, "'-' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"],
    ['hdr(x) -u abc foo', 19, 'the argument of -u must be an integer'],
  ])("refuses 'acl a %s'", (text, column, message) => {
    expect(errorsOf(httpConfig(`acl a ${text}`))).toEqual([{ severity: 'error', code: 'invalid-argument', line: 8, column, message }])
  })

  it("accepts a pattern starting with '-' after '--'", () => {
    expect(acl('hdr(x) -- -x')).toMatchObject({ match: 'str', patternCount: 1 })
  })

  it("refuses '-m' after '-f'", () => {
    const errs = errorsOf(httpConfig('acl a hdr(x) -m str -f /p.lst -m beg'), { files: { '/p.lst': 'a\n' } })
    expect(errs).toEqual([{ severity: 'error', code: 'invalid-argument', line: 8, column: 33, message: "'-m' must only be specified before patterns and files in parsing ACL expression" }])
  })
})

describe('sample arguments (arg.c make_arg_list)', () => {
  it('reads a missing mandatory string argument as an empty one', () => {
    expect(errorsOf(httpConfig('http-request set-header x %[str()]\nhttp-request set-header y %[str]\nhttp-request set-uri %[str(),concat(/a,txn.x,/b)]'))).toEqual([])
  })

  it('refuses an empty mandatory integer argument', () => {
    expect(errorsOf(httpConfig('http-request set-header x %[int()]')).map((d) => [d.code, d.message])).toEqual([['invalid-argument', "expects an integer, not '' in argument 1 of 'int'"]])
  })
})

describe('times (tools.c parse_time_err in 2.6)', () => {
  it.each([
    [
      '15min',
      900_000,
      "unexpected character 'i' after the timer value '15min', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.",
    ],
    [
      '10sec',
      10_000,
      "unexpected character 'e' after the timer value '10sec', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.",
    ],
    [
      '5mss',
      5,
      "unexpected character 's' after the timer value '5mss', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.",
    ],
  ])('accepts %s (%i ms) with the warning HAProxy 2.6 prints', (text, value, warning) => {
    expect(parseTime(text)).toEqual({ ok: true, value, warning })
  })

  it.each([
    ['1500us', 'ms', 2],
    ['1us', 'ms', 1],
    ['24d', 'ms', 2_073_600_000],
    ['2147483647', 'ms', 2_147_483_647],
    ['10', 's', 10_000],
    ['1500ms', 's', 2000],
    ['30d', 's', 2_592_000_000],
  ] as const)('reads %s in unit %s as %i ms, rounding up', (text, unit, value) => {
    expect(parseTime(text, unit)).toEqual({ ok: true, value })
  })

  it.each([
    ['10x', "unexpected character 'x' in time '10x' (units: us, ms, s, m, h, d)"],
    ['10u', "unexpected character 'u' in time '10u' (units: us, ms, s, m, h, d)"],
    ['10S', "unexpected character 'S' in time '10S' (units: us, ms, s, m, h, d)"],
    ['-5', "unexpected character '-' in time '-5'"],
    ['1.5s', "unexpected character '.' in time '1.5s' (units: us, ms, s, m, h, d)"],
    ['', 'expects an integer value (in milliseconds)'],
    ['2147483648', "timer overflow in '2147483648' (maximum value is 2147483647 ms or ~24.8 days)"],
    ['25d', "timer overflow in '25d' (maximum value is 2147483647 ms or ~24.8 days)"],
  ])('refuses %j', (text, error) => {
    expect(parseTime(text)).toEqual({ ok: false, error })
  })

  it("warns on 'timeout client 15min' at the value and applies 15 minutes", () => {
    const text = httpConfig('timeout client 15min')
    expect(warningsOf(text).filter((d) => d.code === 'deprecated')).toEqual([
      {
        severity: 'warning',
        code: 'deprecated',
        line: 8,
        column: 18,
        message:
          "unexpected character 'i' after the timer value '15min', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.",
      },
    ])
    expect(routeMap(text).frontends[0]?.timeouts.client).toBe(900_000)
  })
})

describe('redirect options (http_rules.c http_parse_redirect_rule)', () => {
  const args = (line: string) => {
    const fe = routeMap(httpConfig(line)).frontends[0]
    return (fe?.httpRequest[0] ?? fe?.redirects[0])?.args
  }

  it.each([
    ['http-request redirect code 301 location /x', { type: 'location', code: 301, value: [{ lit: '/x' }] }],
    ['http-request redirect drop-query code 308 prefix /p append-slash', { type: 'prefix', code: 308, dropQuery: true, appendSlash: true }],
    ['http-request redirect location /a location /b', { type: 'location', value: [{ lit: '/b' }] }],
    ['http-request redirect scheme https prefix /p', { type: 'prefix', value: [{ lit: '/p' }] }],
    ['http-request redirect code 302abc location /x', { code: 302 }],
    ['http-request redirect ignore-empty location %[req.hdr(x)]', { type: 'location', ignoreEmpty: true }],
    ['redirect code 301 location /static%[path]', { type: 'location', code: 301, value: [{ lit: '/static%[path]' }] }],
  ])('accepts %s', (line, want) => {
    expect(args(line)).toMatchObject(want)
  })

  it('keeps one cookie per rule: the last of set-cookie and clear-cookie', () => {
    expect(args('http-request redirect set-cookie A=1 location / clear-cookie B')).toMatchObject({ clearCookie: 'B' })
    expect(args('http-request redirect set-cookie A=1 location / clear-cookie B')?.setCookie).toBeUndefined()
    expect(args('http-request redirect clear-cookie B location / set-cookie A=1')).toMatchObject({ setCookie: 'A=1' })
  })

  it.each([
    ['http-request redirect', 16, "'http-request redirect' : redirection type expected ('prefix', 'location', or 'scheme')."],
    ['http-request redirect code 301', 16, "'http-request redirect' : redirection type expected ('prefix', 'location', or 'scheme')."],
    ['http-request redirect location', 25, "'http-request redirect' : missing argument for 'location'"],
    ['http-request redirect location /x code', 37, "'http-request redirect' : missing argument for 'code'"],
    ['http-request redirect code 304 location /x', 30, "'http-request redirect' : 'code': unsupported HTTP code '304' (must be one of 301, 302, 303, 307 or 308)."],
    [
      'http-request redirect location /x bogus',
      37,
      "'http-request redirect' : expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was 'bogus').",
    ],
    ['http-response redirect scheme https', 26, "'http-response redirect' : response only supports redirect type 'location'."],
  ])('refuses %s', (line, column, message) => {
    expect(errorsOf(httpConfig(line))).toEqual([{ severity: 'error', code: 'invalid-argument', line: 8, column, message }])
  })
})

describe('keywords in a proxy without the capability (cfgparse.c warnifnotcap)', () => {
  const fe = (line: string) => httpConfig(line)
  const be = (line: string) => httpConfig('', `${line}\nserver s1 192.0.2.1:80`)

  it.each([
    [fe('timeout server 9s'), 8, 11, "'timeout server' will be ignored because frontend 'fe' has no backend capability"],
    [fe('option checkcache'), 8, 10, "'checkcache' ignored because frontend 'fe' has no backend capability."],
    [fe('balance roundrobin'), 8, 3, "'balance' ignored because frontend 'fe' has no backend capability."],
    [fe('fullconn 10'), 8, 3, "'fullconn' ignored because frontend 'fe' has no backend capability. Maybe you want 'maxconn' instead ?"],
    [fe('stick on src'), 8, 9, "'stick' ignored because frontend 'fe' has no backend capability."],
    [fe('http-check expect status 200'), 8, 14, "'http-check' ignored because frontend 'fe' has no backend capability."],
    [be('option httplog'), 11, 10, "backend 'be' : 'option httplog' directive is ignored in backends."],
    [be('option httpslog'), 11, 10, "backend 'be' : 'option httpslog' directive is ignored in backends."],
    [be('log-format %ci'), 11, 3, "backend 'be' : 'log-format' directive is ignored in backends."],
    [be('timeout client 9s'), 11, 11, "'timeout client' will be ignored because backend 'be' has no frontend capability"],
    [be('maxconn 10'), 11, 3, "'maxconn' ignored because backend 'be' has no frontend capability. Maybe you want 'fullconn' instead ?"],
    [be('rate-limit sessions 10'), 11, 3, "rate-limit sessions will be ignored because backend 'be' has no frontend capability"],
    [be('bind :8080'), 11, 3, "'bind' ignored because backend 'be' has no frontend capability."],
  ])('warns and ignores (%#)', (text, line, column, message) => {
    expect(errorsOf(text)).toEqual([])
    expect(warningsOf(text).filter((d) => d.code === 'keyword-out-of-section')).toEqual([{ severity: 'warning', code: 'keyword-out-of-section', line, column, message }])
  })

  it('does not apply an ignored keyword', () => {
    expect(routeMap(fe('timeout server 9s')).frontends[0]?.timeouts.server).not.toBe(9000)
    expect(routeMap(be('timeout client 9s')).backends[0]?.timeouts.client).not.toBe(9000)
  })

  it.each([
    [fe('server s2 192.0.2.2:80'), 8, "'server' is not allowed in 'frontend' sections"],
    [fe('default-server inter 1s'), 8, "'default-server' is not allowed in 'frontend' sections"],
    [fe('retry-on conn-failure'), 8, "'retry-on' is not allowed in 'frontend' sections"],
    [`defaults\n  use_backend be if TRUE\n${httpConfig('')}`, 2, "'use_backend' is not allowed in 'defaults' sections"],
  ])('keeps the errors HAProxy reports (%#)', (text, line, message) => {
    expect(errorsOf(text)).toEqual([{ severity: 'error', code: 'keyword-out-of-section', line, column: 3, message }])
  })
})

describe('proxies without bind, modes, log formats', () => {
  it('never sends traffic to a frontend without bind', async () => {
    const text = 'defaults\n  mode http\nfrontend ghost\n  http-request return status 299\nfrontend fe\n  bind :8080\n  http-request return status 200\n'
    expect(errorsOf(text)).toEqual([])
    const d = await createEngine(routeMap(text)).decide({ method: 'GET', url: 'http://h.example:9999/', headers: [], src: '198.51.100.7' })
    expect(d.kind === 'respond' && d.response.status).toBe(200)
  })

  it('lets a tcp frontend use an http backend (HAProxy upgrades the stream)', () => {
    expect(errorsOf('frontend fe\n  mode tcp\n  bind :80\n  default_backend be\nbackend be\n  mode http\n  server s 192.0.2.1:80\n')).toEqual([])
  })

  it("accepts 'option httpslog' as the last log format, with the TLS fields the edge has", () => {
    const text = httpConfig('log-format %ci\noption httpslog')
    expect(warningsOf(text).find((d) => d.line === 9)).toMatchObject({ code: 'edge-mapping', column: 10 })
    expect(routeMap(text).frontends[0]?.logFormat).toBe(HTTPSLOG_EDGE_FORMAT)
    expect(routeMap(httpConfig('option httpslog\noption httplog')).frontends[0]?.logFormat).toBeUndefined()
    expect(() => compileLogLine(logFormat(HTTPSLOG_EDGE_FORMAT), defaultRegistry)).not.toThrow()
  })

  it("ignores 'error-log-format' with a warning", () => {
    const text = httpConfig('error-log-format "%[fc_err]"')
    expect(errorsOf(text)).toEqual([])
    expect(warningsOf(text).find((d) => d.line === 8)).toMatchObject({ code: 'edge-mapping', column: 3 })
  })
})

describe('option prefixes and defaults references (cfgparse-listen.c)', () => {
  it.each(['no option httplog', 'default option httplog', 'no option forwardfor', 'no option originalto', 'no option httpchk', 'no option tcp-check', 'no option tcplog', 'no option tcpka'])(
    "refuses '%s' as HAProxy 2.6 does",
    (line) => {
      const opt = line.split(' ')[2]
      expect(errorsOf(httpConfig(line))).toEqual([{ severity: 'error', code: 'invalid-argument', line: 8, column: 3, message: `negation/default is not supported for option '${opt}'.` }])
    },
  )

  it.each(['no option checkcache', 'no option transparent', 'no option dontlognull', 'no option redispatch', 'no option httpclose', 'no option http-buffer-request'])("accepts '%s'", (line) => {
    expect(errorsOf(httpConfig('', `${line}\nserver s1 192.0.2.1:80`)).filter((d) => d.message.includes('negation'))).toEqual([])
  })

  it('warns at every proxy that uses a defaults section both by name and implicitly', () => {
    const text = [
      'defaults d1',
      '  mode http',
      'backend b1',
      '  server s1 192.0.2.1:80',
      'frontend f1 from d1',
      '  bind :80',
      '  default_backend b1',
      'backend b2',
      '  server s1 192.0.2.1:80',
      'defaults d2 from d1',
      'backend b3 from d2',
      '  server s1 192.0.2.1:80',
      '',
    ].join('\n')
    expect(errorsOf(text)).toEqual([])
    const w = warningsOf(text).filter((d) => d.message.includes('explicitly referenced'))
    expect(w.map((d) => [d.line, d.column, d.code])).toEqual([
      [5, 1, 'syntax'],
      [8, 1, 'syntax'],
      [10, 1, 'syntax'],
    ])
    expect(w[0]?.message).toBe(
      "defaults section 'd1' (declared at test.cfg:1) is explicitly referenced by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.",
    )
  })
})

describe('ACLs used in the other phase (cfgparse.c)', () => {
  it('accepts a declared ACL on a response fetch and uses it in response rules', () => {
    expect(diags(compile(httpConfig('acl st status 500\nhttp-response set-header X y if st')))).not.toContainEqual(expect.objectContaining({ severity: 'error' }))
  })

  it('warns that an ACL never matches where its keywords cannot be fetched, and points the term at a never-matching ACL', async () => {
    const text = httpConfig('acl st status 500\nhttp-request return status 201 if st\nhttp-request return status 202 if !{ res.hdr(x) -m found }')
    expect(warningsOf(text).filter((d) => d.code === 'useless')).toEqual([
      {
        severity: 'warning',
        code: 'useless',
        line: 9,
        column: 37,
        message: "acl 'st' will never match because it only involves keywords that are incompatible with 'frontend http-request header rule'",
      },
      {
        severity: 'warning',
        code: 'useless',
        line: 10,
        column: 40,
        message: "anonymous acl will never match because it uses keyword 'res.hdr' which is incompatible with 'frontend http-request header rule'",
      },
    ])
    const d = await createEngine(routeMap(text)).decide({ method: 'GET', url: 'http://h.example/', headers: [], src: '198.51.100.7' })
    expect(d.kind === 'respond' && d.response.status).toBe(202)
  })

  it("never matches 'path' in a response rule", () => {
    const text = httpConfig('http-response set-header X y if { path_beg / }')
    expect(warningsOf(text).find((d) => d.code === 'useless')?.message).toBe(
      "anonymous acl will never match because it uses keyword 'path_beg' which is incompatible with 'frontend http-response header rule'",
    )
  })
})

describe('proxy keywords HAProxy 2.6 accepts (proxy-extra.ts)', () => {
  it("builds the 'errorloc' redirect as HAProxy does", () => {
    const fe = routeMap(httpConfig('errorloc 503 http://x.example/down\nerrorloc303 502 /bad')).frontends[0]
    expect(fe?.errorfiles['503']).toBe('HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: http://x.example/down\r\n\r\n')
    expect(fe?.errorfiles['502']).toBe('HTTP/1.1 303 See Other\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: /bad\r\n\r\n')
  })

  it.each([
    ['errorloc303 999 /x', 'invalid-argument', 15, "errorloc303 : status code '999' not handled."],
    ['errorloc 503', 'missing-argument', 3, 'errorloc : expects <status_code> and <url> as arguments.'],
  ])("refuses '%s'", (line, code, column, message) => {
    expect(errorsOf(httpConfig(line))).toEqual([{ severity: 'error', code, line: 8, column, message }])
  })

  it.each([
    'bind-process 1',
    'clitcpka-cnt 3',
    'clitcpka-idle 10s',
    'clitcpka-intvl 5s',
    'log-tag foo',
    'log-format-sd "[x]"',
    'max-session-srv-conns 10',
    'option http-use-proxy-header',
    'option idle-close-on-response',
  ])("accepts '%s' with a warning", (line) => {
    const text = httpConfig(line)
    expect(errorsOf(text)).toEqual([])
    expect(warningsOf(text).some((d) => d.line === 8 && d.code === 'edge-mapping')).toBe(true)
  })

  it.each(['srvtcpka-cnt 3', 'server-state-file-name foo', 'source 0.0.0.0 usesrc clientip'])("accepts '%s' in a backend with a warning", (line) => {
    expect(errorsOf(httpConfig('', `${line}\nserver s1 192.0.2.1:80`))).toEqual([])
  })

  it.each(['option http-use-htx', 'option httpchk-ssl'])("refuses '%s' (unknown in HAProxy 2.6)", (line) => {
    expect(errorsOf(httpConfig(line)).map((d) => d.code)).toEqual(['unknown-keyword'])
  })
})

describe('global keywords of HAProxy 2.6', () => {
  const g = (line: string) => `global\n  ${line}\n${httpConfig('')}`

  it.each(['h1-accept-payload-with-any-method', 'no-memory-trimming', 'thread-group 1 1', 'fd-hard-limit 100', 'expose-experimental-directives'])("accepts '%s'", (line) => {
    expect(errorsOf(g(line))).toEqual([])
  })

  it.each(['debug', 'anonkey 1', 'key-base /k', 'stats-file /s', 'ssl-security-level 1', 'ssl-default-bind-sigalgs x', 'harden.reject-privileged-ports.tcp on'])(
    "refuses '%s' (a later HAProxy version's keyword)",
    (line) => {
      expect(errorsOf(g(line)).map((d) => [d.code, d.line])).toEqual([['unknown-keyword', 2]])
    },
  )
})

describe('server parameters of HAProxy 2.6', () => {
  it('accepts the TLS, TCP and PROXY-protocol negations HAProxy accepts', () => {
    const line =
      'server s1 192.0.2.1:80 allow-0rtt npn h2 tls-tickets no-tls-tickets no-tfo tcp-ut 10s max-reuse 5 log-proto legacy resolve-net 10.0.0.0/8 no-send-proxy-v2 no-send-proxy-v2-ssl no-send-proxy-v2-ssl-cn'
    expect(errorsOf(httpConfig('', line))).toEqual([])
  })

  it("refuses 'socks4' with the edge alternative", () => {
    expect(errorsOf(httpConfig('', 'server s1 192.0.2.1:80 socks4 127.0.0.1:1080')).map((d) => d.code)).toEqual(['not-supported'])
  })
})

describe('http-after-response actions of HAProxy 2.6', () => {
  it.each(['strict-mode on', 'capture hdr(x) id 0'])("accepts 'http-after-response %s'", (action) => {
    expect(errorsOf(httpConfig(`http-after-response ${action}`))).toEqual([])
  })

  it.each(['return status 200', 'set-log-level err'])("refuses 'http-after-response %s' (not a 2.6 after-response action)", (action) => {
    expect(errorsOf(httpConfig(`http-after-response ${action}`)).map((d) => [d.code, d.column])).toEqual([['unknown-keyword', 23]])
  })
})

describe('rule order warnings (cfgparse-listen.c)', () => {
  it('warns as HAProxy 2.6 does about final rules without condition and rules written after later families', () => {
    const text = httpConfig(
      'http-request deny\nhttp-request set-header x y\nuse_backend be if TRUE\nhttp-request set-header z y\nredirect location /x if FALSE\nhttp-request allow if TRUE\nhttp-response deny\nhttp-response set-header a b',
    )
    expect(errorsOf(text)).toEqual([])
    expect(
      warningsOf(text)
        .filter((d) => d.code === 'useless')
        .map((d) => [d.line, d.message]),
    ).toEqual([
      [9, "previous 'http-request' action is final and has no condition attached, further entries are NOOP."],
      [11, "a 'http-request' rule placed after a 'use_backend' rule will still be processed before."],
      [12, "a 'redirect' rule placed after a 'use_backend' rule will still be processed before."],
      [13, "a 'http-request' rule placed after a 'redirect' rule will still be processed before."],
      [15, "previous 'http-response' action is final and has no condition attached, further entries are NOOP."],
    ])
  })
})

describe('phase warnings name the place as HAProxy does', () => {
  it.each([
    ['use_backend be if { status 200 }', '', 'frontend use-backend rule'],
    ['', 'stick-table type ip size 1k\nstick on src if { status 200 }', 'backend use-server, balance or stick-match rule'],
    ['', 'stick-table type ip size 1k\nstick store-response src if { path / }', 'backend stick-store rule'],
  ])('%s%s', (fe, be, where) => {
    const text = httpConfig(fe, `${be}\nserver s1 192.0.2.1:80`)
    expect(errorsOf(text)).toEqual([])
    expect(warningsOf(text).find((d) => d.code === 'useless')?.message).toMatch(new RegExp(`which is incompatible with '${where}'$`))
  })
})

describe('fcgi-app sections', () => {
  it("reads an 'fcgi-app' section as a section (ignored with a warning) and refuses 'use-fcgi-app' with the edge alternative", () => {
    const text = `${httpConfig('', 'use-fcgi-app php\nserver s1 192.0.2.1:80')}fcgi-app php\n  docroot /var/www\n  index index.php\n`
    expect(errorsOf(text).map((d) => [d.code, d.line])).toEqual([['not-supported', 11]])
  })
})
