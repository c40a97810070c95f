import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Pair, type Seen, startPair } from './harness.ts'

/*
 * The seed's mTLS frontend (`bind … ssl crt … ca-file … verify required`) under HAProxy 2.6 and
 * `edgeproxy dev --edge` with the same openssl-generated CA, server and client certificates: what
 * the origin receives with a client certificate, and that it receives nothing without one.
 */

const dir = mkdtempSync(join(tmpdir(), 'diff-mtls-'))

function openssl(...args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`)
}

function makeCerts(): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=edgeproxy diff CA')
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  for (const [name, subj] of [
    ['server', '/O=edgeproxy/CN=localhost'],
    ['client', '/C=FR/O=edgeproxy/CN=admin-client'],
  ] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj)
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...(name === 'server' ? ['-extfile', 'san.ext'] : []))
  }
  writeFileSync(join(dir, 'server.pem'), readFileSync(join(dir, 'server.crt'), 'utf8') + readFileSync(join(dir, 'server.key'), 'utf8'))
}

const CONFIG = `defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s

frontend mtls
    bind 127.0.0.1:@PORT@ ssl crt @DIR@/server.pem ca-file @DIR@/ca.pem verify required
    http-request set-header X-SSL-Client-CN %[ssl_c_s_dn(cn)]
    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]
    http-request set-header X-SSL-Client-Verify %[ssl_c_verify]
    http-request set-header X-SSL-Issuer %[ssl_c_i_dn(cn)]
    default_backend be

backend be
    server web1 127.0.0.1:@web1@
`

/** What the origin received for one request (undefined: nothing), or the client's error. */
interface Outcome {
  readonly status?: number
  readonly error?: string
  readonly received?: Record<string, string | undefined>
}

const SHOWN = ['x-ssl-client-cn', 'x-ssl-client-dn', 'x-ssl-client-verify', 'x-ssl-issuer'] as const

function sendTls(port: number, withCert: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/who',
        servername: 'localhost',
        ca: readFileSync(join(dir, 'ca.pem')),
        headers: { 'X-SSL-Client-CN': 'forged' },
        ...(withCert ? { cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) } : {}),
      },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => {
          let seen: Seen | undefined
          try {
            seen = JSON.parse(body) as Seen
          } catch {}
          resolve({ status: res.statusCode ?? 0, ...(seen?.headers ? { received: Object.fromEntries(SHOWN.map((h) => [h, seen.headers[h] as string | undefined])) } : {}) })
        })
      },
    )
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')))
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
    req.end()
  })
}

const hasHaproxy = spawnSync('haproxy', ['-v']).status === 0

describe.skipIf(!hasHaproxy)('mTLS frontend: HAProxy vs edgeproxy dev --edge', () => {
  let p: Pair
  const hits = () => p.origins.hits.get('web1') ?? 0
  const outcomes: Record<'haproxy' | 'edge', { withCert: Outcome; withoutCert: Outcome; hitsWithout: number }> = {} as never

  beforeAll(async () => {
    makeCerts()
    const files = { 'server.pem': readFileSync(join(dir, 'server.pem'), 'utf8'), 'ca.pem': readFileSync(join(dir, 'ca.pem'), 'utf8') }
    p = await startPair(CONFIG, { live: ['web1'], files, devArgs: ['--edge', '--vpc-network', 'cf1:network', '--tls-cert', join(dir, 'server.pem'), '--tls-ca', join(dir, 'ca.pem')] })
    for (const [name, port] of [
      ['haproxy', p.haproxy.port],
      ['edge', p.edge.port],
    ] as const) {
      const withCert = await sendTls(port, true)
      const before = hits()
      const withoutCert = await sendTls(port, false)
      outcomes[name] = { withCert, withoutCert, hitsWithout: hits() - before }
    }
  }, 120_000)

  afterAll(async () => {
    await p?.stop()
  })

  it('HAProxy forwards the certificate holder with the fields its rules read, and refuses the handshake without one', () => {
    const h = outcomes.haproxy
    expect(h.withCert.status).toBe(200)
    expect(h.withCert.received).toEqual({ 'x-ssl-client-cn': 'admin-client', 'x-ssl-client-dn': '/C=FR/O=edgeproxy/CN=admin-client', 'x-ssl-client-verify': '0', 'x-ssl-issuer': 'edgeproxy diff CA' })
    expect(h.withoutCert.status).toBeUndefined()
    expect(h.hitsWithout).toBe(0)
  })

  it('edgeproxy dev --edge: the origin receives the same with a certificate, and nothing without one', () => {
    const [h, e] = [outcomes.haproxy, outcomes.edge]
    expect(e.withCert.received).toEqual(h.withCert.received)
    expect(e.hitsWithout).toBe(0)
    expect(e.withoutCert.received).toBeUndefined()
  })
})
