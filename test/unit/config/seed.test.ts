import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { fixture } from '../../helpers/cfg.ts'

const KR = fixture('seed/maps/kr-ips.lst')

function compileSeed(name: string) {
  return compileConfig([{ name, text: fixture(`seed/${name}`) }], {
    readFile: (p) => (p === '/etc/haproxy/maps/kr-ips.lst' ? KR : undefined),
    env: () => undefined,
  })
}

/*
 * Every config block of the seed article (shared/seeds/000_a55d058241f501bf.txt), assembled into
 * whole configs under test/fixtures/seed/, compiles without error; the RouteMap holds what each
 * block says.
 */
describe('seed article configs', () => {
  it.each(['01-basic.cfg', '02-balance.cfg', '03-health.cfg', '04-acl.cfg', '05-stats.cfg', '06-tls.cfg', '07-prometheus.cfg'])('%s compiles without errors', (name) => {
    const r = compileSeed(name)
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(r.routeMap?.schema).toBe('edgeproxy.routemap/2')
    expect(r.routeMap?.hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('01: frontend, routing rules, cookie and weights', () => {
    const m = compileSeed('01-basic.cfg').routeMap
    const fe = m?.frontends[0]
    expect(fe?.binds.map((b) => [b.port, b.ssl])).toEqual([
      [80, false],
      [443, true],
    ])
    expect(fe?.httpRequest.map((r) => [r.action, r.args.type, r.cond?.unless])).toEqual([['redirect', 'scheme', true]])
    expect(fe?.httpResponse.map((r) => [r.action, r.args.name])).toEqual([['set-header', 'Strict-Transport-Security']])
    expect(fe?.useBackends.map((u) => u.backend)).toEqual(['api_servers', 'ws_servers', 'static_servers'])
    expect(fe?.defaultBackend).toBe('web_servers')
    expect(fe?.options.forwardfor).toEqual({ header: 'X-Forwarded-For', ifNone: false })
    expect(fe?.timeouts).toMatchObject({ client: 30000, httpKeepAlive: 10000 })
    const be = m?.backends.find((b) => b.name === 'web_servers')
    expect(be?.balance).toEqual({ algo: 'roundrobin' })
    expect(be?.cookie).toMatchObject({ name: 'SERVERID', mode: 'insert', indirect: true, nocache: true })
    expect(be?.servers.map((s) => [s.name, s.id, s.host, s.port, s.weight, s.cookie, s.check])).toEqual([
      ['web1', 1, '10.0.1.10', 3000, 100, 'web1', true],
      ['web2', 2, '10.0.1.11', 3000, 100, 'web2', true],
      ['web3', 3, '10.0.1.12', 3000, 50, 'web3', true],
    ])
    expect(be?.check?.http).toMatchObject({ method: 'GET', uri: '/health', version: 'HTTP/1.0', expect: { kind: 'status', pattern: '200', negate: false } })
    expect(be?.timeouts).toMatchObject({ connect: 5000, server: 30000, check: 5000 })
    expect(m?.global.statsSockets).toEqual([{ path: '/var/run/haproxy.sock', level: 'admin' }])
    expect(m?.global.maxconn).toBe(50000)
  })

  it('01: the article config warns about what the edge maps differently', () => {
    const r = compileSeed('01-basic.cfg')
    const lines = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.span.line)
    // ssl-default-bind-*, tune.ssl, the ssl bind, private server addresses, init-addr, log targets.
    for (const l of [5, 7, 8, 9, 23, 27]) expect(lines).toContain(l)
  })

  it('02: each balance algorithm and hash-type', () => {
    const m = compileSeed('02-balance.cfg').routeMap
    const by = (n: string) => m?.backends.find((b) => b.name === n)
    expect(by('be_roundrobin')?.balance).toEqual({ algo: 'roundrobin' })
    expect(by('be_leastconn')?.balance).toEqual({ algo: 'leastconn' })
    expect(by('be_source')?.balance).toEqual({ algo: 'source' })
    expect(by('be_source')?.hash).toEqual({ type: 'consistent', fn: 'sdbm', avalanche: true })
    expect(by('be_uri')?.balance).toEqual({ algo: 'uri', len: 0, depth: 0, whole: false, pathOnly: false })
    expect(by('be_hdr')?.balance).toEqual({ algo: 'hdr', header: 'X-Tenant-Id', useDomainOnly: false })
    expect(by('be_roundrobin')?.hash).toEqual({ type: 'map-based', fn: 'sdbm', avalanche: false })
  })

  it('03: http-check send/expect, default-server, slowstart, backup and mysql-check', () => {
    const m = compileSeed('03-health.cfg').routeMap
    const api = m?.backends.find((b) => b.name === 'api_servers')
    expect(api?.check?.http).toMatchObject({
      method: 'GET',
      uri: '/health/ready',
      version: 'HTTP/1.1',
      headers: [['host', 'api.example.com']],
      expect: { kind: 'rstatus', negate: false, pattern: '^2[0-9]{2}' },
    })
    expect(api?.check?.http?.steps?.map((s) => s.step)).toEqual(['send', 'expect'])
    expect(api?.servers.map((s) => [s.name, s.interMs, s.fall, s.rise, s.slowstartMs, s.backup])).toEqual([
      ['api1', 3000, 3, 2, 30000, false],
      ['api2', 3000, 3, 2, 30000, false],
      ['api3', 3000, 3, 2, 30000, true],
    ])
    const db = m?.backends.find((b) => b.name === 'db_tcp')
    expect(db?.mode).toBe('tcp')
    expect(db?.check).toMatchObject({ type: 'mysql', mysqlUser: 'haproxy', mysqlVariant: 'post-41' })
    expect(db?.servers.map((s) => s.backup)).toEqual([false, true])
  })

  it('04: canary ACLs, A/B variables, rate-limit table and the KR pattern file', () => {
    const m = compileSeed('04-acl.cfg').routeMap
    const fe = m?.frontends[0]
    expect(fe?.acls.filter((a) => !a.name.startsWith('{')).map((a) => a.name)).toEqual(['is_canary', 'is_canary_cookie', 'no_ab_cookie', 'is_kr'])
    expect(fe?.httpRequest.map((r) => r.action)).toEqual(['set-var', 'add-header', 'add-header', 'track-sc0', 'deny'])
    expect(fe?.httpRequest[4]?.args).toMatchObject({ status: 429 })
    expect(fe?.stickTable).toMatchObject({ type: 'ip', size: 204800, expireMs: 30000, store: [{ type: 'http_req_rate', periodMs: 10000 }], consistency: 'fast' })
    expect(fe?.acls.find((a) => a.name === 'is_kr')?.tests[0]?.patternCount).toBe(4)
    expect(fe?.useBackends.map((u) => u.backend)).toEqual(['canary_servers', 'kr_servers'])
  })

  it('05/07: stats page settings and the prometheus service', () => {
    const s = compileSeed('05-stats.cfg').routeMap?.frontends[0]?.stats
    expect(s).toMatchObject({ uri: '/stats', realm: 'HAProxy Statistics', auth: ['admin:securepass123'], refreshMs: 10000 })
    expect(s?.admin?.text).toBe('if TRUE')
    const p = compileSeed('07-prometheus.cfg').routeMap?.frontends[0]
    expect(p?.httpRequest.map((r) => [r.action, r.args.service])).toEqual([['use-service', 'prometheus-exporter']])
  })

  it('06: TLS binds are accepted and the client-certificate header rule compiles', () => {
    const r = compileSeed('06-tls.cfg')
    const fe = r.routeMap?.frontends[0]
    expect(fe?.binds.map((b) => [b.port, b.ssl, b.verify])).toEqual([
      [443, true, undefined],
      [8443, true, 'required'],
    ])
    expect(r.diagnostics.find((d) => d.span.line === 18)?.help).toMatch(/'verify required' is applied to the certificate Cloudflare verified .*docs\/mtls\.md.*every request to this bind is refused/)
    expect(fe?.httpRequest.map((x) => [x.action, x.args.name])).toEqual([
      ['set-header', 'X-Forwarded-Proto'],
      ['set-header', 'X-Real-IP'],
      ['set-header', 'X-SSL-Client-CN'],
    ])
  })

  it('gives the same hash for the same config and a different one after a change', () => {
    const a = compileSeed('02-balance.cfg').routeMap?.hash
    const b = compileSeed('02-balance.cfg').routeMap?.hash
    const c = compileConfig([{ name: '02-balance.cfg', text: fixture('seed/02-balance.cfg').replace('10.0.0.3', '10.0.0.4') }]).routeMap?.hash
    expect(a).toBe(b)
    expect(c).not.toBe(a)
  })
})
