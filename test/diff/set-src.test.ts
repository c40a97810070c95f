import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, DIFF_DEFAULTS, diffEnabled, type Pair, type Req, startPair } from './harness.ts'

/*
 * `http-request set-src|set-dst|set-src-port|set-dst-port` (tcp_act.c) under HAProxy 2.6 and
 * `edgeproxy dev`: later rules, ACLs, X-Forwarded-For and fetches see the new address; a value
 * that is not an address changes nothing.
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    option forwardfor
    http-request set-src hdr(x-real-ip) if { req.hdr(x-real-ip) -m found }
    http-request set-src-port int(1234) if { path /port }
    http-request set-dst ipv4(127.0.0.99) if { path /dst }
    http-request set-dst-port int(8081) if { path /dst }
    http-request deny if { src 127.0.0.50 }
    http-request set-header X-Src %[src]
    http-request set-header X-Src-Port %[src_port] if { path /port }
    http-request set-header X-Dst %[dst]:%[dst_port] if { path /dst }
    default_backend be

backend be
    server s1 127.0.0.1:@s1@

listen to_dst_port
    bind 127.0.0.1:@PORT2@
    http-request set-dst-port hdr(x-port)
    server any 127.0.0.1:0
`

describe.skipIf(!diffEnabled())('differential: set-src and set-dst', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s1', 's2'], extraPorts: ['PORT2'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('later rules, X-Forwarded-For and fetches see the address set from a header', async () => {
    const reqs: Req[] = [
      { path: '/', headers: { 'x-real-ip': '127.0.0.60' }, src: '127.0.0.7' },
      { path: '/', headers: { 'x-real-ip': '127.0.0.50' }, src: '127.0.0.7' },
      { path: '/', headers: { 'x-real-ip': '2001:db8::1' }, src: '127.0.0.7' },
      { path: '/', headers: { 'x-real-ip': 'not-an-address' }, src: '127.0.0.8' },
      { path: '/port', src: '127.0.0.9' },
      { path: '/dst', src: '127.0.0.9' },
    ]
    const { h, e } = await both(pair, reqs, (r) => ({
      status: r.status,
      xff: r.seen?.headers['x-forwarded-for'],
      src: r.seen?.headers['x-src'],
      port: r.seen?.headers['x-src-port'],
      dst: r.seen?.headers['x-dst'],
    }))
    expect(h.map((x) => x.status)).toEqual([200, 403, 200, 200, 200, 200])
    expect(h[0]).toMatchObject({ xff: '127.0.0.60', src: '127.0.0.60' })
    expect(h[5]?.dst).toBe('127.0.0.99:8081')
    expect(e).toEqual(h)
  })

  it("a server on port 0 is reached on the request's destination port (set-dst-port)", async () => {
    const reqs: Req[] = ['s1', 's2'].map((n) => ({ path: '/', headers: { 'x-port': String(pair.origins.ports.get(n)) } }))
    const { h, e } = await both(pair, reqs, (r) => [r.status, r.seen?.server], 'PORT2')
    expect(h).toEqual([
      [200, 's1'],
      [200, 's2'],
    ])
    expect(e).toEqual(h)
  })
})
