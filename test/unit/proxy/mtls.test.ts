import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine } from '../../../src/engine/index.ts'
import type { AccessLogEntry } from '../../../src/log/entry.ts'
import { logSink } from '../../../src/log/sink.ts'
import { Accounting } from '../../../src/ops/accounting.ts'
import { type HandlerDeps, handle } from '../../../src/proxy/handler.ts'
import { DEV_BIND_HEADER, DEV_TLS_CLIENT_AUTH_HEADER } from '../../../src/proxy/request.ts'
import { routeMapOf as routeMap } from '../../helpers/cfg.ts'

/**
 * `bind … ssl ca-file … verify required|optional` enforced from request.cf.tlsClientAuth (or the
 * JSON `edgeproxy dev --edge` passes): a refused request runs no rule and reaches no server.
 */

const CFG = `
global
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend req
  bind :8443 ssl crt /c.pem ca-file /ca.pem verify required
  bind :8080
  tcp-request connection reject if { src 10.8.8.8 }
  tcp-request content reject if { src 10.9.9.9 }
  http-request set-header X-SSL-Client-CN %[ssl_c_s_dn(cn)] if { ssl_fc_has_crt }
  http-request set-header X-Verify %[ssl_c_verify]
  http-request set-header X-Der %[ssl_c_der,base64] if { ssl_c_used }
  default_backend app
frontend opt
  bind :9443 ssl crt /c.pem ca-file /ca.pem verify optional
  http-request set-header X-Verify %[ssl_c_verify]
  http-request set-header X-Used %[ssl_c_used]
  default_backend app
backend app
  server s1 192.0.2.10:80
`

const DER = 'MIIBszCCAVmgAwIBAgIUJ0VYhX0='
const GOOD = {
  certPresented: '1',
  certVerified: 'SUCCESS',
  certRevoked: '0',
  certSubjectDNRFC2253: 'CN=alice,O=Example',
  certIssuerDNRFC2253: 'CN=Example CA',
  certRFC9440: `:${DER}:`,
}

function setup(text = CFG) {
  const rm = routeMap(text)
  const seen: Request[] = []
  const lines: string[] = []
  const entries: AccessLogEntry[] = []
  const sink = logSink(rm, { dev: true, write: (l) => lines.push(l) })
  const deps: HandlerDeps = {
    engine: createEngine(rm),
    upstream: (r) => {
      seen.push(r)
      return Promise.resolve(new Response('origin'))
    },
    now: () => Date.now(),
    accounting: new Accounting(),
    accessLog: (e) => {
      entries.push({ ...e })
      sink?.(e)
    },
  }
  const send = async (url: string, tlsClientAuth?: Record<string, string>, headers: Record<string, string> = {}) => {
    const req = new Request(url, { headers: { 'cf-connecting-ip': '10.0.0.1', ...headers } })
    if (tlsClientAuth) Object.defineProperty(req, 'cf', { value: { tlsClientAuth } })
    const res = await handle(req, deps)
    return { status: res.status, body: await res.text() }
  }
  const sendDev = async (bind: string, auth: string | undefined, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = { 'cf-connecting-ip': '10.0.0.1', [DEV_BIND_HEADER]: bind, ...headers }
    if (auth !== undefined) h[DEV_TLS_CLIENT_AUTH_HEADER] = auth
    const res = await handle(new Request(`http://127.0.0.1:${bind.split(':').pop()}/`, { headers: h }), { ...deps, dev: true })
    return { status: res.status, body: await res.text() }
  }
  return { send, sendDev, seen, lines, entries }
}

describe('bind verify required', () => {
  it('refuses a request without a client certificate before any http rule, and logs the handshake failure', async () => {
    const t = setup()
    const r = await t.send('https://lb.example:8443/', undefined, { 'x-ssl-client-cn': 'admin' })
    expect(r.status).toBe(403)
    expect(t.seen).toHaveLength(0)
    expect(t.lines).toHaveLength(1)
    expect(t.lines[0]).toMatch(/^10\.0\.0\.1:0 \[\d\d\/\w{3}\/\d{4}:[\d:.]+\] req\/8443: SSL handshake failure$/)
    expect(t.entries[0]?.termination).toBe('PR--')
  })

  it('runs tcp-request connection rules first: HAProxy runs them at accept, before the handshake', async () => {
    const t = setup()
    const r = await t.send('https://lb.example:8443/', undefined, { 'cf-connecting-ip': '10.8.8.8' })
    expect(r.status).toBe(403)
    expect(t.entries[0]?.connError).toBeUndefined()
    expect(t.entries[0]?.termination).toBe('PR--')
    expect(t.seen).toHaveLength(0)
  })

  it('refuses before tcp-request session and content rules run', async () => {
    const t = setup()
    const r = await t.send('https://lb.example:8443/', { certPresented: '0', certVerified: 'NONE' }, { 'cf-connecting-ip': '10.9.9.9' })
    expect(r.status).toBe(403)
    // Not the tcp-request reject (a denied request): the handshake failure.
    expect(t.entries[0]?.connError).toBe('SSL handshake failure')
    expect(t.lines[0]).toMatch(/^10\.9\.9\.9:0 .* req\/8443: SSL handshake failure$/)
    // On the bind without verify the same client meets the tcp-request rule.
    await t.send('http://lb.example:8080/', undefined, { 'cf-connecting-ip': '10.9.9.9' })
    expect(t.entries[1]?.connError).toBeUndefined()
    expect(t.seen).toHaveLength(0)
  })

  it('refuses a revoked certificate that the edge reports as verified', async () => {
    const t = setup()
    const r = await t.send('https://lb.example:8443/', { ...GOOD, certRevoked: '1' })
    expect(r.status).toBe(403)
    expect(t.seen).toHaveLength(0)
  })

  it('refuses a certificate that failed verification', async () => {
    const t = setup()
    const r = await t.send('https://lb.example:8443/', { ...GOOD, certVerified: 'FAILED:unable to get local issuer certificate' })
    expect(r.status).toBe(403)
    expect(t.seen).toHaveLength(0)
  })

  it('forwards a verified certificate with the DN from the certificate, not the client header', async () => {
    const t = setup()
    const r = await t.send('https://lb.example:8443/', GOOD, { 'x-ssl-client-cn': 'admin' })
    expect(r.status).toBe(200)
    expect(t.seen).toHaveLength(1)
    const h = t.seen[0]?.headers
    expect(h?.get('x-ssl-client-cn')).toBe('alice')
    expect(h?.get('x-verify')).toBe('0')
    // ssl_c_der is the DER bytes of certRFC9440: base64 gives them back.
    expect(h?.get('x-der')).toBe(DER)
  })

  it('a frontend reached without a matching bind (a hostname route on 443) applies the strictest verify of its binds', async () => {
    // Port 443 matches no bind: the first frontend ('req': 8443 required, 8080 none) serves.
    const t = setup()
    expect((await t.send('https://lb.example/')).status).toBe(403)
    expect(t.seen).toHaveLength(0)
    expect((await t.send('https://lb.example/', GOOD)).status).toBe(200)
  })

  it('does not apply to the frontend bind without verify', async () => {
    const t = setup()
    const r = await t.send('http://lb.example:8080/')
    expect(r.status).toBe(200)
    expect(t.seen).toHaveLength(1)
  })

  it("reads `edgeproxy dev --edge`'s certificate header, only under dev, and never forwards it", async () => {
    const t = setup()
    expect((await t.sendDev('*:8443', undefined)).status).toBe(403)
    expect((await t.sendDev('*:8443', JSON.stringify({ certPresented: '0', certVerified: 'NONE' }))).status).toBe(403)
    expect((await t.sendDev('*:8443', 'not json')).status).toBe(403)
    expect(t.seen).toHaveLength(0)
    expect((await t.sendDev('*:8443', JSON.stringify(GOOD))).status).toBe(200)
    expect(t.seen[0]?.headers.get('x-ssl-client-cn')).toBe('alice')
    expect(t.seen[0]?.headers.has(DEV_TLS_CLIENT_AUTH_HEADER)).toBe(false)
    // At the edge the header is a client's header: it proves nothing.
    const edge = await t.send('https://lb.example:8443/', undefined, { [DEV_TLS_CLIENT_AUTH_HEADER]: JSON.stringify(GOOD) })
    expect(edge.status).toBe(403)
  })
})

describe('bind verify optional', () => {
  it.each([
    [GOOD, '0', '1'],
    [{ ...GOOD, certRevoked: '1' }, '23', '1'],
    [{ ...GOOD, certVerified: 'FAILED:certificate has expired' }, '10', '1'],
    [{ ...GOOD, certVerified: 'FAILED:unable to get local issuer certificate' }, '20', '1'],
    [{ certPresented: '0', certVerified: 'NONE' }, '0', '0'],
  ])('forwards %o with ssl_c_verify %s', async (auth, verify, used) => {
    const t = setup()
    const r = await t.send('https://lb.example:9443/', auth)
    expect(r.status).toBe(200)
    expect(t.seen[0]?.headers.get('x-verify')).toBe(verify)
    expect(t.seen[0]?.headers.get('x-used')).toBe(used)
  })
})

describe("the seed article's mTLS frontend", () => {
  const seed = readFileSync(new URL('../../fixtures/seed/06-tls.cfg', import.meta.url), 'utf8')
  it('refuses a request without a certificate on the verify-required bind; the forged CN reaches no server', async () => {
    const t = setup(seed)
    const r = await t.send('https://lb.example:8443/', undefined, { 'x-ssl-client-cn': 'admin' })
    expect(r.status).toBe(403)
    expect(t.seen).toHaveLength(0)
    const ok = await t.send('https://lb.example:8443/', GOOD, { 'x-ssl-client-cn': 'admin' })
    expect(ok.status).toBe(200)
    // mode http: +Q does not quote a sample expression (log-format.ts).
    expect(t.seen[0]?.headers.get('x-ssl-client-cn')).toBe('alice')
  })
})

describe("bind 'verify' in the compiler", () => {
  const fe = (bind: string) => compileConfig([{ name: 't.cfg', text: `defaults\n  mode http\nfrontend f\n  bind ${bind}\n` }])
  it('keeps optional and required on ssl binds; none and a bind without ssl keep nothing', () => {
    expect(fe(':443 ssl crt /c.pem verify optional').routeMap?.frontends[0]?.binds[0]?.verify).toBe('optional')
    expect(fe(':443 ssl crt /c.pem verify required').routeMap?.frontends[0]?.binds[0]?.verify).toBe('required')
    expect(fe(':443 ssl crt /c.pem verify none').routeMap?.frontends[0]?.binds[0]?.verify).toBeUndefined()
    expect(fe(':80 verify required').routeMap?.frontends[0]?.binds[0]?.verify).toBeUndefined()
  })
  it('rejects an unknown verify method with HAProxy-like text', () => {
    const r = fe(':443 ssl verify always')
    expect(r.routeMap).toBeUndefined()
    expect(r.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/unknown verify method 'always'/) })
  })
})
