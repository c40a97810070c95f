import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FIXTURES } from '../../helpers/cfg.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const BIN = join(ROOT, 'bin', 'edgeproxy.mjs')

/** Runs the real `edgeproxy` binary with the system's `node` (the launcher re-executes on Node 22). */
function run(args: string[], cwd = ROOT) {
  const r = spawnSync('node', [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const tmp = mkdtempSync(join(tmpdir(), 'edgeproxy-cli-'))

function write(name: string, text: string): string {
  const p = join(tmp, name)
  writeFileSync(p, text)
  return p
}

describe('edgeproxy check', () => {
  it('accepts a valid config with warnings and says so', () => {
    const r = run(['check', '-f', join(FIXTURES, 'seed/01-basic.cfg')])
    expect(r.code).toBe(0)
    expect(r.out.trim()).toBe('Configuration file is valid')
    expect(r.err).toMatch(/01-basic\.cfg:7:5: warning: 'ssl-default-bind-ciphersuites' is ignored at the edge/)
  })

  it('rejects an invalid config with FILE:LINE:COL diagnostics and exit 1', () => {
    const f = write(
      'bad.cfg',
      'defaults\n  mode http\n  timeout client 5s\n  timeout connect 5s\n  timeout server 5s\nfrontend fe\n  bind :80\n  use_backend missing if { path_beg /x }\n  default_backend be\nbackend be\n  server s1 192.0.2.1:80 weight 300\n',
    )
    const r = run(['check', '-f', f])
    expect(r.code).toBe(1)
    const lines = r.err.split('\n').filter((l) => / (error|warning): /.test(l))
    expect(lines).toEqual([`${f}:8:15: error: Proxy 'fe': unable to find required use_backend: 'missing'.`, `${f}:11:33: error: weight of server be/s1 is not within 0 and 256 (300)`])
    expect(r.err).toContain('Fatal errors found in configuration (2 errors).')
    expect(r.out).toBe('')
  })

  it('checks several files as one configuration', () => {
    const a = write('a.cfg', 'defaults\n  mode http\nfrontend fe\n  bind :80\n  default_backend be\n')
    const b = write('b.cfg', 'backend be\n  mode http\n  server s1 192.0.2.1:80\n')
    expect(run(['check', '-f', a, '-f', b]).code).toBe(0)
    expect(run(['check', '-f', a]).code).toBe(1)
  })

  it('reports a missing file without a stack trace', () => {
    const r = run(['check', '-f', join(tmp, 'nope.cfg')])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/nope\.cfg: error: cannot read configuration file: ENOENT/)
  })

  it('prints usage on a bad command line', () => {
    const r = run(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.err).toContain("unknown command 'frobnicate'")
  })
})

describe('edgeproxy compile', () => {
  it('writes the RouteMap JSON', () => {
    const out = join(tmp, 'rm.json')
    const r = run(['compile', '-f', join(FIXTURES, 'seed/02-balance.cfg'), '-o', out])
    expect(r.code).toBe(0)
    const m = JSON.parse(readFileSync(out, 'utf8'))
    expect(m.schema).toBe('edgeproxy.routemap/2')
    expect(m.backends.map((b: { name: string }) => b.name)).toEqual(['be_roundrobin', 'be_leastconn', 'be_source', 'be_uri', 'be_hdr'])
  })

  it('prints to stdout without -o, and nothing on error', () => {
    expect(JSON.parse(run(['compile', '-f', join(FIXTURES, 'seed/03-health.cfg')]).out).hash).toMatch(/^[0-9a-f]{64}$/)
    const bad = write('bad2.cfg', 'frontend fe\n  bind :80\n  default_backend nope\n')
    const r = run(['compile', '-f', bad])
    expect(r.code).toBe(1)
    expect(r.out).toBe('')
  })
})

describe('edgeproxy explain', () => {
  const seed = join(FIXTURES, 'seed/01-basic.cfg')

  it('traces a redirect', () => {
    const r = run(['explain', '-f', seed, '--url', 'http://shop.example.com/cart?x=1'])
    expect(r.code).toBe(0)
    expect(r.out).toContain("frontend: frontend 'http_front' (bind *:80 at line 26)")
    expect(r.out).toContain('http-request redirect scheme https unless { ssl_fc } → applied')
    expect(r.out).toContain('decision: respond 302 Found')
    expect(r.out).toContain('location: https://shop.example.com/cart?x=1')
  })

  it('traces routing to a backend and a server', () => {
    const r = run(['explain', '-f', seed, '--url', 'https://shop.example.com/api/v1/items', '--src', '198.51.100.7'])
    expect(r.out).toContain('use_backend api_servers if is_api → matched')
    expect(r.out).toContain("decision: forward to backend 'api_servers' server 'api1' (10.0.2.10:8080)")
    expect(r.out).toContain('X-Forwarded-For: 198.51.100.7')
  })

  it('follows the persistence cookie and removes it (insert indirect)', () => {
    const r = run(['explain', '-f', seed, '--url', 'https://shop.example.com/', '-H', 'Cookie: a=1; SERVERID=web3'])
    expect(r.out).toContain("decision: forward to backend 'web_servers' server 'web3'")
    expect(r.out).toContain('cookie SERVERID=web3')
    expect(r.out).toContain('cookie: a=1')
    expect(r.out).not.toContain('SERVERID=web3\n')
  })

  it('rebalances when the cookie names a server that is down', () => {
    const r = run(['explain', '-f', seed, '--url', 'https://shop.example.com/', '-H', 'Cookie: SERVERID=web1', '--down', 'web_servers/web1'])
    expect(r.out).toContain("decision: forward to backend 'web_servers' server 'web2'")
  })

  it("refuses the seed's mTLS bind without a certificate; with one, the client's forged CN is replaced", () => {
    const tls = join(FIXTURES, 'seed/06-tls.cfg')
    const none = run(['explain', '-f', tls, '--url', 'https://lb.example.com:8443/', '-H', 'X-SSL-Client-CN: admin'])
    expect(none.code).toBe(0)
    expect(none.out).toContain("bind 'verify required': no client certificate → TLS handshake refused")
    expect(none.out).toContain('decision: respond 403 Forbidden')
    expect(none.out).not.toContain('admin')
    const auth = JSON.stringify({ certPresented: '1', certVerified: 'SUCCESS', certRevoked: '0', certSubjectDNRFC2253: 'CN=alice,O=Example' })
    const ok = run(['explain', '-f', tls, '--url', 'https://lb.example.com:8443/', '-H', 'X-SSL-Client-CN: admin', '--tls-client-auth', auth])
    expect(ok.out).toContain("decision: forward to backend 'app' server 'app1'")
    expect(ok.out).toContain('X-SSL-Client-CN: alice')
    expect(ok.out).not.toContain('X-SSL-Client-CN: admin')
    const revoked = run(['explain', '-f', tls, '--url', 'https://lb.example.com:8443/', '--tls-client-auth', auth.replace('"certRevoked":"0"', '"certRevoked":"1"')])
    expect(revoked.out).toContain('the client certificate is revoked → TLS handshake refused')
  })
})
