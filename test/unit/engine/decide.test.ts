import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine, type Decision } from '../../../src/engine/index.ts'
import type { EngineOptions } from '../../../src/engine/index.ts'
import { fixture, httpConfig } from '../../helpers/cfg.ts'

const KR = fixture('seed/maps/kr-ips.lst')

function engineFor(text: string, opts: EngineOptions = {}) {
  const r = compileConfig([{ name: 't.cfg', text }], { readFile: (p) => (p.endsWith('kr-ips.lst') ? KR : undefined) })
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')))
  return createEngine(r.routeMap, opts)
}

function header(d: Decision, name: string): string | undefined {
  if (d.kind === 'respond') return d.response.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]
  if (d.kind === 'forward') return d.request.headers.first(name)
  return undefined
}

function serverOf(d: Decision): string {
  return d.kind === 'forward' ? `${d.backend}/${d.server.name}` : `${d.kind}:${d.kind === 'respond' ? d.response.status : ''}`
}

const get = (url: string, headers: [string, string][] = [], src = '198.51.100.7') => ({ method: 'GET', url, headers, src })

describe('request decisions on the seed configs', () => {
  const basic = fixture('seed/01-basic.cfg')

  it('redirects plain HTTP to HTTPS with a 302 and no-cache', async () => {
    const d = await engineFor(basic).decide(get('http://shop.example.com/cart?x=1'))
    expect(d.kind).toBe('respond')
    if (d.kind !== 'respond') return
    expect(d.response.status).toBe(302)
    expect(d.response.headers).toEqual([
      ['content-length', '0'],
      ['location', 'https://shop.example.com/cart?x=1'],
      ['cache-control', 'no-cache'],
    ])
  })

  it('routes by path, header and extension with use_backend order', async () => {
    const e = engineFor(basic)
    expect(serverOf(await e.decide(get('https://s.example/api/v1')))).toBe('api_servers/api1')
    expect(serverOf(await e.decide(get('https://s.example/chat', [['Upgrade', 'WebSocket']])))).toBe('ws_servers/ws1')
    expect(serverOf(await e.decide(get('https://s.example/app.css')))).toBe('static_servers/static1')
    expect(serverOf(await e.decide(get('https://s.example/api/app.css')))).toBe('api_servers/api1')
  })

  it('balances web_servers with HAProxy roundrobin order for weights 100/100/50', async () => {
    const e = engineFor(basic)
    const seq: string[] = []
    for (let i = 0; i < 10; i++) seq.push(serverOf(await e.decide(get('https://s.example/'))).split('/')[1] ?? '')
    // lb_fwrr sequence measured on HAProxy 2.6: A B A B C A B A B C
    expect(seq).toEqual(['web1', 'web2', 'web1', 'web2', 'web3', 'web1', 'web2', 'web1', 'web2', 'web3'])
  })

  it('keeps a client on its cookie server and strips the cookie (insert indirect)', async () => {
    const d = await engineFor(basic).decide(get('https://s.example/', [['Cookie', 'a=1; SERVERID=web3; b=2']]))
    expect(serverOf(d)).toBe('web_servers/web3')
    expect(header(d, 'cookie')).toBe('a=1; b=2')
    if (d.kind === 'forward') expect(d.cookie).toBe('V')
  })

  it('ignores a cookie that names a down server and load-balances', async () => {
    const down = { isUp: (_b: string, s: string) => s !== 'web1', isUsable: (_b: string, s: string) => s !== 'web1' }
    const d = await engineFor(basic, { states: down }).decide(get('https://s.example/', [['Cookie', 'SERVERID=web1']]))
    expect(serverOf(d)).toBe('web_servers/web2')
    if (d.kind === 'forward') expect(d.cookie).toBe('D')
  })

  it('appends X-Forwarded-For after the existing one (option forwardfor)', async () => {
    const d = await engineFor(basic).decide(get('https://s.example/', [['X-Forwarded-For', '1.2.3.4']], '203.0.113.9'))
    expect(d.kind === 'forward' && d.request.headers.all('x-forwarded-for')).toEqual(['1.2.3.4', '203.0.113.9'])
  })

  it("answers 503 with HAProxy's page when no server is usable", async () => {
    const none = { isUp: () => false, isUsable: () => false }
    const d = await engineFor(basic, { states: none }).decide(get('https://s.example/'))
    expect(d.kind).toBe('respond')
    if (d.kind !== 'respond') return
    expect(d.response.status).toBe(503)
    expect(d.response.body).toBe('<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n')
    expect(header(d, 'content-length')).toBe('107')
  })

  it('routes canary traffic and KR source networks (04-acl)', async () => {
    const e = engineFor(fixture('seed/04-acl.cfg'))
    expect(serverOf(await e.decide(get('https://s.example/', [['X-Canary', 'TRUE']])))).toBe('canary_servers/canary1')
    expect(serverOf(await e.decide(get('https://s.example/', [], '1.209.3.4')))).toBe('kr_servers/kr1')
    expect(serverOf(await e.decide(get('https://s.example/', [], '8.8.8.8')))).toBe('prod_servers/prod1')
  })

  it('never fires the seed A/B rule: cook(canary) -m len 0 fails without the cookie (measured on HAProxy 2.6)', async () => {
    // HAProxy 2.6 answered "other" for no Cookie header, 'Cookie: a=1' and 'Cookie: canary=':
    // a fetch that finds nothing makes the ACL false, whatever the match method.
    const low = engineFor(fixture('seed/04-acl.cfg'), { random32: () => 0 })
    expect(header(await low.decide(get('https://s.example/')), 'set-cookie')).toBeUndefined()
    expect(header(await low.decide(get('https://s.example/', [['Cookie', 'a=1']])), 'set-cookie')).toBeUndefined()
  })

  it('splits A/B traffic from rand(100) stored in a variable', async () => {
    const text = httpConfig(
      [
        'http-request set-var(txn.rand) rand(100)',
        'http-request return status 200 content-type text/plain string A if { var(txn.rand) -m int lt 10 }',
        'http-request return status 200 content-type text/plain string B',
      ].join('\n'),
    )
    const low = await engineFor(text, { random32: () => 0x10000000 }).decide(get('https://s.example/'))
    const high = await engineFor(text, { random32: () => 0x20000000 }).decide(get('https://s.example/'))
    // rand(100) = (random32 * 100) >> 32: 0x10000000 → 6, 0x20000000 → 12.
    expect(low.kind === 'respond' && low.response.body).toBe('A')
    expect(high.kind === 'respond' && high.response.body).toBe('B')
  })

  it('denies with 429 once the tracked request rate exceeds 200 per 10 s (04-acl)', async () => {
    let now = 1_000_000
    const e = engineFor(fixture('seed/04-acl.cfg'), { now: () => now })
    const statuses: number[] = []
    for (let i = 0; i < 202; i++) {
      const d = await e.decide(get('https://s.example/', [], '192.0.2.50'))
      statuses.push(d.kind === 'respond' ? d.response.status : 200)
    }
    expect(statuses.slice(0, 200).every((s) => s === 200)).toBe(true)
    expect(statuses.slice(200)).toEqual([429, 429])
    const other = await e.decide(get('https://s.example/', [], '192.0.2.51'))
    expect(other.kind).toBe('forward')
    // Two full periods later the rate has decayed to zero.
    now += 20_001
    expect((await e.decide(get('https://s.example/', [], '192.0.2.50'))).kind).toBe('forward')
  })

  it('renders the 429 page byte for byte', async () => {
    const e = engineFor(httpConfig('http-request deny deny_status 429'))
    const d = await e.decide(get('http://s.example/'))
    expect(d.kind === 'respond' && [d.response.status, d.response.body.length, header(d, 'content-type')]).toEqual([429, 117, 'text/html'])
  })

  it('sets headers from samples; %{+Q} does not quote a sample in a header value (06-tls)', async () => {
    const e = engineFor(fixture('seed/06-tls.cfg'))
    const tls = { presented: true, verified: true, subjectDn: 'CN=alice,O=Example', issuerDn: 'CN=ca' }
    const d = await e.decide({ ...get('https://s.example:8443/', [], '203.0.113.5'), tls })
    expect(header(d, 'x-forwarded-proto')).toBe('https')
    expect(header(d, 'x-real-ip')).toBe('203.0.113.5')
    // HAProxy 2.6 renders header formats with LOG_OPT_HTTP: sample expressions are %-encoded and
    // +Q is ignored for them (test/diff/actions.test.ts compares it with a real HAProxy).
    expect(header(d, 'x-ssl-client-cn')).toBe('alice')
    const plain = await e.decide(get('https://s.example/'))
    expect(header(plain, 'x-ssl-client-cn')).toBeUndefined()
  })

  it('hands /metrics to the prometheus exporter and /stats to the stats page (07)', async () => {
    const e = engineFor(fixture('seed/07-prometheus.cfg'))
    expect((await e.decide(get('http://s.example:8404/metrics'))).kind).toBe('service')
    expect((await e.decide(get('http://s.example:8404/stats;csv'))).kind).toBe('stats')
  })
})

describe('request decisions on focused configs', () => {
  it('builds redirect prefix and location targets like HAProxy', async () => {
    const e = engineFor(httpConfig('http-request redirect prefix https://new.example code 301 if { path_beg /old }\nhttp-request redirect location /login keep-query if { path /signin }'))
    const a = await e.decide(get('http://s.example/old/page?q=1'))
    expect(a.kind === 'respond' && [a.response.status, header(a, 'location'), header(a, 'cache-control')]).toEqual([301, 'https://new.example/old/page?q=1', undefined])
    const b = await e.decide(get('http://s.example/signin?next=%2F'))
    expect(header(b, 'location')).toBe('/login?next=%2F')
  })

  it('runs header actions in order and set-header replaces every occurrence', async () => {
    const e = engineFor(
      httpConfig('http-request add-header X-A 1\nhttp-request add-header X-A 2\nhttp-request set-header X-B %[req.hdr(X-A)],3\nhttp-request set-header X-A only\nhttp-request del-header X-Del'),
    )
    const d = await e.decide(get('http://s.example/', [['X-Del', 'x']]))
    if (d.kind !== 'forward') throw new Error(d.kind)
    expect(d.request.headers.all('x-a')).toEqual(['only'])
    expect(d.request.headers.first('x-b')).toBe('2,3')
    expect(d.request.headers.has('x-del')).toBe(false)
  })

  it('stops at the first final action and honours allow', async () => {
    const e = engineFor(httpConfig('http-request allow if { src 10.0.0.0/8 }\nhttp-request deny'))
    expect((await e.decide(get('http://s.example/', [], '10.1.2.3'))).kind).toBe('forward')
    const d = await e.decide(get('http://s.example/', [], '192.0.2.1'))
    expect(d.kind === 'respond' && [d.response.status, d.response.body.length]).toEqual([403, 93])
  })

  it('returns a configured payload', async () => {
    const e = engineFor(httpConfig('http-request return status 200 content-type text/plain string ok hdr X-Y yes if { path /ping }'))
    const d = await e.decide(get('http://s.example/ping'))
    expect(d.kind === 'respond' && [d.response.status, d.response.body, d.response.headers]).toEqual([
      200,
      'ok',
      [
        ['content-length', '2'],
        ['content-type', 'text/plain'],
        ['X-Y', 'yes'],
      ],
    ])
  })

  it('resolves dynamic use_backend names and falls back to default_backend', async () => {
    const text = `defaults\n  mode http\nfrontend fe\n  bind :80\n  use_backend be_%[req.hdr(X-Tenant),lower]\n  default_backend be_default\nbackend be_acme\n  server a 192.0.2.1:80\nbackend be_default\n  server d 192.0.2.2:80\n`
    const e = engineFor(text)
    expect(serverOf(await e.decide(get('http://s.example/', [['X-Tenant', 'ACME']])))).toBe('be_acme/a')
    expect(serverOf(await e.decide(get('http://s.example/', [['X-Tenant', 'other']])))).toBe('be_default/d')
  })

  it('uses the first usable backup only when every active server is down', async () => {
    const text = httpConfig('acl x path /', 'server a 192.0.2.1:80\nserver b1 192.0.2.2:80 backup\nserver b2 192.0.2.3:80 backup')
    const downA = { isUp: (_b: string, s: string) => s !== 'a', isUsable: (_b: string, s: string) => s !== 'a' }
    const e = engineFor(text, { states: downA })
    expect([serverOf(await e.decide(get('http://x/'))), serverOf(await e.decide(get('http://x/')))]).toEqual(['be/b1', 'be/b1'])
  })

  it('answers the monitor-uri before any rule', async () => {
    const e = engineFor(httpConfig('monitor-uri /healthz\nhttp-request deny'))
    const d = await e.decide(get('http://s.example/healthz'))
    expect(d.kind === 'respond' && d.response.status).toBe(200)
  })

  it('asks for credentials with http-request auth', async () => {
    const e = engineFor(httpConfig('http-request auth realm Admins if { path_beg /admin }'))
    const d = await e.decide(get('http://s.example/admin'))
    expect(d.kind === 'respond' && [d.response.status, header(d, 'www-authenticate')]).toEqual([401, 'Basic realm="Admins"'])
  })

  it('rewrites the path and keeps the query (set-path)', async () => {
    const e = engineFor(httpConfig('http-request set-path /v2%[path]'))
    const d = await e.decide(get('http://s.example/items?id=4'))
    expect(d.kind === 'forward' && d.request.target).toBe('/v2/items?id=4')
  })

  it('answers a malformed URL with 400, never an exception', async () => {
    const e = engineFor(httpConfig('acl x path /'))
    const d = await e.decide({ method: 'GET', url: 'not a url', headers: [], src: '192.0.2.1' })
    expect(d.kind === 'respond' && d.response.status).toBe(400)
  })
})
