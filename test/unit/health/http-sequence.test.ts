/**
 * `http-check connect|send|expect` sequences: every rule kept in order (the `option httpchk`
 * request merged into the first send as tcpcheck.c `tcpcheck_add_http_rule` does, HAProxy's
 * ordering errors), cut into one phase per connection, and run phase by phase against fake
 * origins.
 */
import { describe, expect, it } from 'vitest'
import { backendPlan } from '../../../src/health/plan.ts'
import type { ProbeSpec } from '../../../src/health/probe-spec.ts'
import { runProbe } from '../../../src/health/probes/index.ts'
import type { FetchFn, ProbeTarget } from '../../../src/health/probes/types.ts'
import { cfg, compile, diags } from '../../helpers/cfg.ts'
import { fakeNet, probeIo } from './fakes.ts'

function build(rules: string): { probe?: ProbeSpec; errors: string[] } {
  const r = compile(cfg`
    defaults
      mode http
      timeout connect 1s
    backend be
      ${rules}
      server s1 192.0.2.1:80 check
  `)
  const errors = diags(r)
    .filter((d) => d.severity === 'error')
    .map((d) => d.message)
  const be = r.routeMap?.backends.find((b) => b.name === 'be')
  const plan = r.routeMap && be ? backendPlan(r.routeMap, be) : undefined
  return { ...(plan ? { probe: plan.probe } : {}), errors }
}

const phasesOf = (p: ProbeSpec | undefined) => (p?.type === 'http' ? p.http.phases : undefined)

describe('http-check rules are kept in order', () => {
  it('two connect/send/expect blocks become two phases; the option request fills the first send', () => {
    const { probe, errors } = build(`option httpchk GET /a HTTP/1.1
      http-check connect
      http-check send hdr host a.example
      http-check expect status 200
      http-check expect hdr name x-ready value yes
      http-check connect port 8081
      http-check send meth POST uri /b body ping
      http-check expect string pong`)
    expect(errors).toEqual([])
    expect(phasesOf(probe)).toEqual([
      {
        connect: { ssl: false },
        request: { method: 'GET', uri: '/a', version: 'HTTP/1.1', headers: [['host', 'a.example']] },
        expects: [
          { kind: 'status', negate: false, pattern: '200' },
          { kind: 'hdr', negate: false, pattern: 'x-ready', value: { match: 'str', pattern: 'yes' } },
        ],
      },
      {
        connect: { port: 8081, ssl: false },
        request: { method: 'POST', uri: '/b', version: 'HTTP/1.0', headers: [], body: 'ping' },
        expects: [{ kind: 'string', negate: false, pattern: 'pong' }],
      },
    ])
  })

  it('an explicit send before option httpchk takes the option values; a trailing send gets the implicit expect 200-399', () => {
    const { probe } = build(`http-check send hdr x-a 1
      option httpchk HEAD /h`)
    expect(phasesOf(probe)).toEqual([
      {
        connect: { ssl: 'server' },
        request: { method: 'HEAD', uri: '/h', version: 'HTTP/1.0', headers: [] },
        expects: [{ kind: 'status', negate: false, pattern: '200-399' }],
      },
    ])
  })

  it('a leading connect goes before the option request', () => {
    const { probe } = build(`option httpchk /x
      http-check connect addr 192.0.2.9:9000 ssl
      http-check send hdr x-a 1
      http-check expect rstatus ^2`)
    expect(phasesOf(probe)?.map((p) => [p.connect, p.request?.uri, p.expects.length])).toEqual([[{ addr: '192.0.2.9', port: 9000, ssl: true }, '/x', 1]])
  })

  it.each([
    [
      'option httpchk\n      http-check send uri /a\n      http-check expect status 200\n      http-check send uri /b',
      "'http-check send' : unable to add http-check send rule at step 3 (missing connect rule).",
    ],
    ['option httpchk\n      http-check connect\n      http-check expect status 200', "'http-check expect' : unable to add http-check expect rule at step 2 (missing send rule)."],
    [
      'option httpchk\n      http-check connect\n      http-check send uri /a\n      http-check connect',
      "'http-check connect' : unable to add http-check connect rule at step 3 (missing expect rule).",
    ],
    [
      'option httpchk\n      http-check expect status 200\n      http-check connect port 8081',
      "'http-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset.",
    ],
  ])('refuses a broken sequence: %s', (rules, message) => {
    expect(build(rules).errors).toEqual([message])
  })

  it("rules without option httpchk are kept unchecked and unused, with HAProxy's warning", () => {
    const r = compile(cfg`
      defaults
        mode http
      backend be
        http-check send uri /a
        http-check expect status 200
        http-check send uri /b
        server s1 192.0.2.1:80 check
    `)
    expect(
      diags(r)
        .filter((d) => d.code === 'useless')
        .map((d) => [d.severity, d.message]),
    ).toEqual([['warning', "backend 'be' uses http-check rules without 'option httpchk', so the rules are ignored."]])
    const be = r.routeMap?.backends[0]
    expect(r.routeMap && be ? backendPlan(r.routeMap, be)?.probe : undefined).toEqual({ type: 'connect' })
  })
})

const FAST = { connectMs: 200, totalMs: 200 }
const target: ProbeTarget = { backend: 'be', server: 's1', address: '10.0.0.1', port: 80, ssl: false, timeouts: FAST }

/** Fake origins by `host:port path`: status, headers, body. */
function origins(routes: Record<string, { status: number; headers?: Record<string, string>; body?: string }>, seen: string[] = []): FetchFn {
  return async (req) => {
    const u = new URL(req.url)
    const key = `${u.host} ${req.method} ${u.pathname}`
    seen.push(key)
    const r = routes[key]
    if (!r) throw new TypeError('Network connection lost.')
    return new Response(r.body ?? null, { status: r.status, statusText: r.status === 200 ? 'OK' : 'Service Unavailable', headers: r.headers ?? {} })
  }
}

describe('the probe runs the phases in order', () => {
  const seq = build(`option httpchk GET /one HTTP/1.1
      http-check connect
      http-check send
      http-check expect status 200
      http-check connect port 8081
      http-check send meth GET uri /two ver HTTP/1.1
      http-check expect status 200
      http-check expect hdr name -m beg x-st value -m sub ok`).probe as ProbeSpec

  it('all pass → L7OK with the last code; each phase on its own connection', async () => {
    const seen: string[] = []
    const f = origins({ '10.0.0.1 GET /one': { status: 200 }, '10.0.0.1:8081 GET /two': { status: 200, headers: { 'x-state': 'all ok' } } }, seen)
    expect(await runProbe(seq, target, probeIo(fakeNet({}), f))).toMatchObject({ status: 'L7OK', code: 200 })
    expect(seen).toEqual(['10.0.0.1 GET /one', '10.0.0.1:8081 GET /two'])
  })

  it('only the second request failing fails the check (L7STS with its reason); a failing first stops the check', async () => {
    const second = origins({ '10.0.0.1 GET /one': { status: 200 }, '10.0.0.1:8081 GET /two': { status: 503 } })
    expect(await runProbe(seq, target, probeIo(fakeNet({}), second))).toMatchObject({ status: 'L7STS', code: 503, info: 'Service Unavailable' })
    const header = origins({ '10.0.0.1 GET /one': { status: 200 }, '10.0.0.1:8081 GET /two': { status: 200, headers: { 'x-state': 'degraded' } } })
    expect(await runProbe(seq, target, probeIo(fakeNet({}), header))).toMatchObject({ status: 'L7STS', code: 200 })
    const seen: string[] = []
    const first = origins({ '10.0.0.1 GET /one': { status: 503 } }, seen)
    expect(await runProbe(seq, target, probeIo(fakeNet({}), first))).toMatchObject({ status: 'L7STS', code: 503 })
    expect(seen).toEqual(['10.0.0.1 GET /one'])
    const refused = origins({ '10.0.0.1 GET /one': { status: 200 } })
    expect(await runProbe(seq, target, probeIo(fakeNet({}), refused))).toMatchObject({ status: 'L4CON' })
  })

  it('ok-status and on-success of the last expect make the result; error-status and on-error a failure', async () => {
    const p = build(`option httpchk /
      http-check connect
      http-check send
      http-check expect ok-status L7OKC on-success "warming" status 200
      http-check connect port 8081
      http-check send uri /deep
      http-check expect error-status L7RSP on-error "deep check failed" status 200
      http-check expect ok-status L6OK on-success "all good" string up`).probe as ProbeSpec
    const ok = origins({ '10.0.0.1 OPTIONS /': { status: 200 }, '10.0.0.1:8081 OPTIONS /deep': { status: 200, body: 'up' } })
    expect(await runProbe(p, target, probeIo(fakeNet({}), ok))).toMatchObject({ status: 'L6OK', info: 'all good', code: 200 })
    const ko = origins({ '10.0.0.1 OPTIONS /': { status: 200 }, '10.0.0.1:8081 OPTIONS /deep': { status: 500 } })
    expect(await runProbe(p, target, probeIo(fakeNet({}), ko))).toMatchObject({ status: 'L7RSP', info: 'deep check failed', code: 500 })
  })

  it('disable-on-404: a 404 skips its expects and, when last, means L7OKC', async () => {
    const p = build(`option httpchk /
      http-check disable-on-404
      http-check expect status 200`).probe as ProbeSpec
    const f = origins({ '10.0.0.1 OPTIONS /': { status: 404 } })
    expect(await runProbe(p, target, probeIo(fakeNet({}), f))).toMatchObject({ status: 'L7OKC', code: 404 })
    expect(await runProbe(p, { ...target, serverDown: true }, probeIo(fakeNet({}), f))).toMatchObject({ status: 'L7STS', code: 404 })
  })
})

describe('tcp-check shares the connect and expect parsing', () => {
  const tcp = (rules: string) => {
    const r = compile(cfg`
      defaults
        mode tcp
      backend be
        option tcp-check
        ${rules}
        server s1 192.0.2.1:6379 check
    `)
    return {
      steps: r.routeMap?.backends[0]?.check?.tcpSteps,
      errors: diags(r)
        .filter((d) => d.severity === 'error')
        .map((d) => d.message),
    }
  }

  it('connect addr/port/default, expect options and a glued !', () => {
    expect(tcp('tcp-check connect addr 192.0.2.7:6380 default\n        tcp-check send PING\\r\\n\n        tcp-check expect min-recv 5 error-status L7STS !rstring ^-ERR')).toEqual({
      steps: [
        { step: 'connect', addr: '192.0.2.7', port: 6380, ssl: false, default: true },
        { step: 'send', data: 'PING\r\n', binary: false },
        { step: 'expect', kind: 'rstring', negate: true, pattern: '^-ERR', minRecv: 5, errorStatus: 'L7STS' },
      ],
      errors: [],
    })
  })

  it('a connect after other rules is refused like HAProxy', () => {
    expect(tcp('tcp-check send PING\\r\\n\n        tcp-check connect port 6380').errors).toEqual([
      "'tcp-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset.",
    ])
  })
})

describe('check variables and log-format strings (http-check.vtc be4, http-check-expect.vtc)', () => {
  it('set-var/unset-var feed uri-lf, header values and body-lf; names and values of header expects come from the response', async () => {
    const p = build(`option httpchk
      http-check connect
      http-check set-var(check.server) "str(srv)"
      http-check set-var(check.path) "str(/req1)"
      http-check send meth GET uri-lf "%[var(check.path)]" ver HTTP/1.1 hdr x-test "server=%[var(check.server)]"
      http-check expect status 200
      http-check set-var(check.hdr_name) res.fhdr(x-hdr-name)
      http-check expect hdr name-lf -m str "%[var(check.hdr_name)]" value-lf -m beg "%[str(yes)]"
      http-check connect
      http-check unset-var(check.server)
      http-check unset-var(check.path)
      http-check send meth POST uri-lf "%[var(check.path)]" hdr x-test "server=%[var(check.server)]" body-lf "health-check on %[be_name]-%[srv_name]"
      http-check expect status 200`)
    expect(p.errors).toEqual([])
    const seen: { url: string; xtest: string | null; body: string }[] = []
    const f: FetchFn = async (req) => {
      seen.push({ url: new URL(req.url).pathname, xtest: req.headers.get('x-test'), body: await req.text() })
      return new Response(null, { status: 200, headers: { 'x-hdr-name': 'x-ready', 'x-ready': 'yes please' } })
    }
    expect(await runProbe(p.probe as ProbeSpec, target, probeIo(fakeNet({}), f))).toMatchObject({ status: 'L7OK' })
    expect(seen).toEqual([
      { url: '/req1', xtest: 'server=srv', body: '' },
      { url: '/', xtest: 'server=', body: 'health-check on be-s1' },
    ])
    // The header named by the response is missing: L7STS.
    const missing: FetchFn = async () => new Response(null, { status: 200, headers: { 'x-hdr-name': 'x-other' } })
    expect(await runProbe(p.probe as ProbeSpec, target, probeIo(fakeNet({}), missing))).toMatchObject({ status: 'L7STS' })
    // No header to take the name from: HAProxy's empty log-format message.
    const none: FetchFn = async () => new Response(null, { status: 200 })
    expect(await runProbe(p.probe as ProbeSpec, target, probeIo(fakeNet({}), none))).toMatchObject({ status: 'L7RSP', info: 'log-format string evaluated to an empty string' })
  })
})
