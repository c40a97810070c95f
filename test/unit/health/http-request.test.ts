import { describe, expect, it } from 'vitest'
import { buildHttpCheckRequest, renderHttpCheckRequest, serverStateHeader, toFetchRequest } from '../../../src/health/http-request.ts'
import { backendPlan } from '../../../src/health/plan.ts'
import type { HttpProbeSpec } from '../../../src/health/probe-spec.ts'
import { compile } from '../../helpers/cfg.ts'

/** The HTTP check spec of backend `be` in a config with `lines` in the backend. */
function httpSpec(lines: string): HttpProbeSpec {
  const text = `defaults\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\nbackend be\n${lines
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n  server s1 192.0.2.1:80 check\n`
  const r = compile(text)
  const be = r.routeMap?.backends.find((b) => b.name === 'be')
  if (!r.routeMap || !be) throw new Error(r.diagnostics.map((d) => d.message).join('; '))
  const plan = backendPlan(r.routeMap, be)
  if (plan?.probe.type !== 'http') throw new Error('not an http check')
  return plan.probe.http
}

const wire = (lines: string, state?: string): string => renderHttpCheckRequest(buildHttpCheckRequest(httpSpec(lines), state))

describe('HTTP check request bytes (reference §3.1, verified on 2.6)', () => {
  it('option httpchk → OPTIONS / HTTP/1.0 with no headers at all', () => {
    expect(wire('option httpchk')).toBe('OPTIONS / HTTP/1.0\r\n\r\n')
  })

  it('option httpchk <uri> → OPTIONS <uri> HTTP/1.0', () => {
    expect(wire('option httpchk /ping')).toBe('OPTIONS /ping HTTP/1.0\r\n\r\n')
  })

  it('option httpchk <method> <uri> <version> (HTTP/1.1 adds connection: close, never a Host)', () => {
    expect(wire('option httpchk HEAD /health HTTP/1.1')).toBe('HEAD /health HTTP/1.1\r\nconnection: close\r\n\r\n')
  })

  it('option httpchk GET /health HTTP/1.1 + http-check send hdr Host', () => {
    expect(wire('option httpchk GET /health HTTP/1.1\nhttp-check send hdr Host www.example.com')).toBe('GET /health HTTP/1.1\r\nhost: www.example.com\r\nconnection: close\r\n\r\n')
  })

  it('4-argument form: the host goes in a host header', () => {
    expect(wire('option httpchk GET /h HTTP/1.1 api.example.com')).toBe('GET /h HTTP/1.1\r\nhost: api.example.com\r\nconnection: close\r\n\r\n')
  })

  it('the deprecated headers-in-version trick still yields headers (lowercased)', () => {
    expect(wire('option httpchk GET /h "HTTP/1.1\\r\\nHost: www"')).toBe('GET /h HTTP/1.1\r\nhost: www\r\nconnection: close\r\n\r\n')
  })

  it('http-check send alone: meth, uri, ver, several hdr (names lowercased, order kept)', () => {
    expect(wire('option httpchk\nhttp-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host api.example.com hdr X-Check-Token abc')).toBe(
      'GET /health/ready HTTP/1.1\r\nhost: api.example.com\r\nx-check-token: abc\r\nconnection: close\r\n\r\n',
    )
  })

  it('a configured Connection header replaces connection: close', () => {
    expect(wire('option httpchk GET / HTTP/1.1\nhttp-check send hdr Connection keep-alive')).toBe('GET / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n')
  })

  it('a body adds content-length; so does a method with a body and none given', () => {
    expect(wire('option httpchk POST /check HTTP/1.1\nhttp-check send body \'{"ping":1}\'')).toBe('POST /check HTTP/1.1\r\nconnection: close\r\ncontent-length: 10\r\n\r\n{"ping":1}')
    expect(wire('option httpchk POST /check HTTP/1.1')).toBe('POST /check HTTP/1.1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
    expect(wire('option httpchk GET /check HTTP/1.0\nhttp-check send body x')).toBe('GET /check HTTP/1.0\r\ncontent-length: 1\r\n\r\nx')
  })

  it('send-state adds x-haproxy-server-state after the configured headers', () => {
    const state = serverStateHeader({ statusText: 'UP 1/3', address: '127.0.0.1', port: 19202, backend: 'b3', server: 's', weight: 1, totalWeight: 1, node: 'vm' })
    expect(state).toBe('UP 1/3; address=127.0.0.1; port=19202; name=b3/s; node=vm; weight=1/1; scur=0/0; qcur=0')
    expect(wire('option httpchk GET / HTTP/1.1\nhttp-check send hdr X-A 1\nhttp-check send-state', state)).toBe(
      `GET / HTTP/1.1\r\nx-a: 1\r\nx-haproxy-server-state: ${state}\r\nconnection: close\r\n\r\n`,
    )
    expect(serverStateHeader({ statusText: 'UP', address: '10.0.0.1', port: 80, backend: 'b', server: 's', weight: 7, totalWeight: 107, throttlePct: 6 })).toBe(
      'UP; address=10.0.0.1; port=80; name=b/s; node=edgeproxy; weight=7/107; scur=0/0; qcur=0; throttle=6%',
    )
  })

  it('the seed health block: GET /health/ready HTTP/1.1 with host api.example.com', () => {
    expect(wire('option httpchk\nhttp-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host api.example.com')).toBe(
      'GET /health/ready HTTP/1.1\r\nhost: api.example.com\r\nconnection: close\r\n\r\n',
    )
  })
})

describe('the fetch() request of an HTTP check', () => {
  it('targets the check address and port, keeps configured headers, leaves framing and Host to fetch', async () => {
    const req = toFetchRequest(buildHttpCheckRequest(httpSpec('option httpchk POST /c HTTP/1.1\nhttp-check send hdr Host api.example.com hdr X-A b body hi')), {
      address: '10.0.0.5',
      port: 8080,
      ssl: false,
    })
    expect(req.url).toBe('http://10.0.0.5:8080/c')
    expect(req.method).toBe('POST')
    expect(req.redirect).toBe('manual')
    expect(req.headers.get('x-a')).toBe('b')
    expect(req.headers.has('connection')).toBe(false)
    expect(await req.text()).toBe('hi')
  })

  it('https with `ssl`, IPv6 in brackets, no body for GET', () => {
    const req = toFetchRequest(buildHttpCheckRequest(httpSpec('option httpchk GET /x HTTP/1.0\nhttp-check send body nope')), { address: '2001:db8::1', port: 443, ssl: true })
    expect(req.url).toBe('https://[2001:db8::1]/x')
    expect(req.body).toBeNull()
  })
})
