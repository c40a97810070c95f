import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, diffEnabled, type Pair, type Req, send, startPair } from './harness.ts'

/*
 * Capture slots (cfgparse-listen.c "capture", "declare capture", http_act.c capture actions,
 * the capture.* fetches, the capture-req converter and %hr/%hs in logs) under HAProxy 2.6 and
 * `edgeproxy dev`: slots are numbered in declaration order (a frontend starts with its defaults
 * section's), header captures see the request as received (before rules), the last header line
 * wins, values are cut to the slot's length.
 */
const CONFIG = `
global
    nbthread 1
    log stdout format raw local0

defaults base
    mode http
    log global
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    http-request capture hdr(x-d) len 3

frontend fe from base
    bind 127.0.0.1:@PORT@
    log-format "CAP %ci %hr %hs %{+Q}r"
    capture request header Host len 8
    capture request header X-A len 5
    declare capture request len 6
    declare capture response len 4
    capture response header X-R len 3
    http-request set-header X-A rewritten
    http-request capture hdr(x-b) id 3
    http-request capture path len 4
    http-request set-var(txn.c) req.hdr(x-c),capture-req(3) if { req.hdr(x-c) -m found }
    http-response capture res.hdr(x-s) id 0
    http-response set-header C0 "%[capture.req.hdr(0)]"
    http-response set-header C1 "%[capture.req.hdr(1)]"
    http-response set-header C2 "%[capture.req.hdr(2)]"
    http-response set-header C3 "%[capture.req.hdr(3)]"
    http-response set-header C4 "%[capture.req.hdr(4)]"
    http-response set-header R0 "%[capture.res.hdr(0)]"
    http-response set-header R1 "%[capture.res.hdr(1)]"
    http-response set-header M "%[capture.req.method] %[capture.req.uri] %[capture.req.ver]"
    default_backend be

defaults plain
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

backend be from plain
    http-request set-method PUT if { path /m }
    server s1 127.0.0.1:@s1@
`

const HEADERS = ['c0', 'c1', 'c2', 'c3', 'c4', 'r0', 'r1', 'm'] as const

function logLines(output: string): string[] {
  return output.split('\n').filter((l) => l.startsWith('CAP '))
}

describe.skipIf(!diffEnabled())('differential: capture slots', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s1'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('fills the slots as HAProxy does (fetches in responses)', async () => {
    const reqs: Req[] = [
      { path: '/some/long/path?x=1', headers: { host: 'www.example.com', 'x-a': 'second-value', 'x-b': 'bbbbbbbbbb', 'x-d': 'dddd' } },
      { path: '/m', headers: { 'x-c': 'from-conv' } },
      { path: `/r?rh=${encodeURIComponent('x-r: abcdef')}&rh=${encodeURIComponent('x-s: s1234')}` },
    ]
    const { h, e } = await both(pair, reqs, (r) => Object.fromEntries(HEADERS.map((n) => [n, r.headers[n]])))
    expect(h[0]).toMatchObject({ c0: 'ddd', c1: 'www.exam', c2: 'secon', c4: '/som' })
    expect(e).toEqual(h)
  })

  it('%hr and %hs in the access log', async () => {
    const before = [logLines(pair.haproxy.output()).length, logLines(pair.edge.output()).length]
    await send(pair.haproxy.port, { path: '/log', headers: { 'x-a': 'a"b|c{}' } })
    await send(pair.edge.port, { path: '/log', headers: { 'x-a': 'a"b|c{}' } })
    const end = Date.now() + 5000
    let hl: string[] = []
    let el: string[] = []
    while (Date.now() < end) {
      hl = logLines(pair.haproxy.output()).slice(before[0])
      el = logLines(pair.edge.output()).slice(before[1])
      if (hl.length > 0 && el.length > 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(hl[0]).toMatch(/^CAP 127\.0\.0\.1 \{/)
    expect(el[0]).toBe(hl[0])
  })
})
