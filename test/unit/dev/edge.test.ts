import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dev } from '../../../src/cli/dev.ts'
import { cfFromHeaders, decideOutbound, type EdgeRules, isVpcNetworkId, NO_CLIENT_CERT, parseEdgeHost, tlsClientAuth } from '../../../src/dev/edge.ts'

const rules: EdgeRules = { hosts: new Map([['app.example.com', { host: '127.0.0.1', port: 3001 }]]) }
const decide = (url: string) => decideOutbound(new URL(url), rules)

describe("dev --edge: the edge's answer to the Worker's fetch()", () => {
  it.each(['http://203.0.113.7:3000/', 'http://10.0.1.10:3000/', 'http://127.0.0.1:8080/', 'http://104.16.0.1/', 'http://[2606:4700::1]/', 'http://[::1]:3000/', 'http://localhost:3000/'])(
    'refuses the IP literal %s with error 1003 (403)',
    (url) => {
      expect(decide(url)).toEqual({ kind: 'refuse', refusal: { status: 403, code: 1003 } })
    },
  )

  it("answers an unknown hostname with Cloudflare's DNS error 1016 (530)", () => {
    expect(decide('http://other.example.com/')).toEqual({ kind: 'refuse', refusal: { status: 530, code: 1016 } })
  })

  it('reaches a mapped hostname on a proxy port only', () => {
    for (const url of ['http://app.example.com/', 'http://APP.example.com:8080/', 'https://app.example.com/', 'https://app.example.com:8443/'])
      expect(decide(url)).toEqual({ kind: 'forward', to: { host: '127.0.0.1', port: 3001 } })
    expect(decide('http://app.example.com:3000/')).toEqual({ kind: 'refuse', refusal: { status: 522, code: 522 } })
  })

  it('parses --edge-host and refuses what the edge could not resolve that way', () => {
    expect(parseEdgeHost('App.example.com=127.0.0.1:3001')).toEqual({ name: 'app.example.com', to: { host: '127.0.0.1', port: 3001 } })
    expect(parseEdgeHost('a.example=[::1]:80')).toEqual({ name: 'a.example', to: { host: '::1', port: 80 } })
    expect(parseEdgeHost('a.example=10.0.0.1:80')).toMatch(/not a loopback address/)
    expect(parseEdgeHost('10.0.0.1=127.0.0.1:80')).toMatch(/not a hostname/)
    expect(parseEdgeHost('a.example')).toMatch(/expected NAME=127.0.0.1:PORT/)
  })

  it('knows the VPC network ids wrangler takes', () => {
    expect(isVpcNetworkId('cf1:network')).toBe(true)
    expect(isVpcNetworkId('cf1:vnet:0192f5a4-1234-4abc-8def-0123456789ab')).toBe(true)
    expect(isVpcNetworkId('my-network')).toBe(false)
  })
})

describe('dev --edge: request.cf', () => {
  it('takes the documented x-edgeproxy-cf-* headers, typed as Cloudflare types them', () => {
    expect(cfFromHeaders({ 'x-edgeproxy-cf-country': 'FR', 'x-edgeproxy-cf-asn': '3215', 'x-edgeproxy-cf-colo': 'CDG', 'x-edgeproxy-cf-asn-bogus': 'x', 'x-other': '1' })).toEqual({
      httpProtocol: 'HTTP/1.1',
      country: 'FR',
      asn: 3215,
      colo: 'CDG',
    })
  })

  it("builds tlsClientAuth from a client certificate as Cloudflare's variables say", () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-cert-'))
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/C=FR/O=Acme, Inc/CN=client'], {
      stdio: 'ignore',
    })
    const pem = readFileSync(join(dir, 'c.pem'), 'utf8')
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
    const a = tlsClientAuth(der, undefined)
    expect(a.certPresented).toBe('1')
    expect(a.certVerified).toBe('SUCCESS')
    expect(a.certRevoked).toBe('0')
    expect(a.certSubjectDNRFC2253).toBe('CN=client,O=Acme\\, Inc,C=FR')
    expect(a.certRFC9440).toBe(`:${der.toString('base64')}:`)
    expect(a.certFingerprintSHA256).toMatch(/^[0-9a-f]{64}$/)
    expect(tlsClientAuth(der, 'self-signed certificate').certVerified).toBe('FAILED:self-signed certificate')
    expect(tlsClientAuth(undefined, 'whatever')).toEqual(NO_CLIENT_CERT)
  })
})

describe('edgeproxy dev: the --edge options', () => {
  const run = async (o: Partial<Parameters<typeof dev>[0]>) => {
    const err: string[] = []
    const code = await dev({ files: ['none.cfg'], demoOrigins: false, ...o }, { out: () => {}, err: (s: string) => err.push(s) })
    return { code, err: err.join('\n') }
  }

  it('refuses the edge options without --edge, and bad values with it, before starting anything', async () => {
    expect(await run({ vpcNetwork: 'cf1:network', tlsCert: 'x.pem' })).toEqual({ code: 2, err: 'edgeproxy dev: --vpc-network, --tls-cert need --edge' })
    expect(await run({ edge: true, vpcNetwork: 'net1' })).toEqual({ code: 2, err: "edgeproxy dev: --vpc-network 'net1': expected cf1:network or cf1:vnet:<UUID>" })
    expect((await run({ edge: true, edgeHosts: ['a.example=192.0.2.1:80'] })).err).toMatch(/not a loopback address/)
    expect((await run({ edge: true, tlsCa: 'ca.pem' })).err).toBe('edgeproxy dev: --tls-key and --tls-ca need --tls-cert')
  })
})
