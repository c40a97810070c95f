import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, type Pair, type Req, rawExchange, send, startPair } from './harness.ts'

/*
 * `tcp-request connection|content` and `tcp-response content` rules in HTTP proxies, under
 * HAProxy 2.6 and `edgeproxy dev`, from varied loopback sources:
 *
 * - what passes passes on both, with the same statuses and what the origin sees;
 * - `reject` (and `http-request reject`): HAProxy closes the connection without a response (the
 *   client reads nothing); a Worker cannot, so the edge answers 403 with HAProxy's deny page (502
 *   for tcp-response), as docs/differences.md says. The test asserts each side's own answer;
 * - `track-sc0 src` in content rules counts each request as `http-request track-sc0` does: the
 *   429 comes at the same request number;
 * - connection rules run per request at the edge: on one keep-alive connection HAProxy counts one
 *   connection (`sc0_conn_cnt` 1, 1), the edge one per request (1, 2); both count the requests;
 * - `accept` ends its rule set (the `reject` after it is skipped);
 * - `set-var` in content rules (frontend and backend) is visible to http-request rules.
 */
const LIMIT = 3

const CONFIG = `
${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    stick-table type ip size 1k expire 30s store http_req_rate(10s)
    tcp-request inspect-delay 1s
    tcp-request connection reject if { src 127.0.0.9 }
    tcp-request content reject if { path /rej }
    tcp-request content set-var(txn.x) str(y)
    tcp-request content track-sc0 src if { path_beg /rate }
    http-request reject if { path /hrej }
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${LIMIT} }
    http-request set-header x-var %[var(txn.x)]
    use_backend be_vars if { path_beg /vars }
    default_backend be

backend be
    tcp-response inspect-delay 1s
    tcp-response content reject if { status 503 }
    server a 127.0.0.1:@a@

backend be_vars
    tcp-request content set-var(txn.b) str(from-be)
    http-request set-header x-be %[var(txn.b)]
    server a 127.0.0.1:@a@

frontend fe_conn
    bind 127.0.0.1:@PORT3@
    stick-table type ip size 1k expire 30s store conn_cnt,http_req_cnt
    tcp-request connection track-sc0 src
    http-request return status 200 content-type text/plain lf-string "conn=%[sc0_conn_cnt] req=%[sc0_http_req_cnt]"

frontend fe_accept
    bind 127.0.0.1:@PORT2@
    tcp-request connection accept if { src 127.0.0.21 } || { src 127.0.0.23 }
    tcp-request connection reject
    tcp-request session reject if { src 127.0.0.23 }
    default_backend be
`

/** What the client got: a status, or the connection closed without a response. */
type Outcome = { readonly status: number; readonly body: string; readonly seen?: Readonly<Record<string, unknown>> } | { readonly closed: true }

async function attempt(port: number | undefined, r: Req): Promise<Outcome> {
  if (port === undefined) throw new Error('no port')
  try {
    const res = await send(port, r)
    return { status: res.status, body: res.body, ...(res.seen ? { seen: res.seen.headers } : {}) }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test(String(e))) return { closed: true }
    throw e
  }
}

const DENY_403 = '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n'
const BAD_GATEWAY_502 = '<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n'

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: tcp-request / tcp-response rules (HAProxy 2.6 vs edgeproxy dev)', () => {
  let pair: Pair
  const hp = (n = 'PORT') => pair.haproxy.ports[n]
  const ep = (n = 'PORT') => pair.edge.ports[n]

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['a'], extraPorts: ['PORT2', 'PORT3'] })
  }, 90_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('tcp-request connection reject: HAProxy closes the connection, the edge answers 403; other sources pass on both', async () => {
    const h = await attempt(hp(), { path: '/', src: '127.0.0.9' })
    const e = await attempt(ep(), { path: '/', src: '127.0.0.9' })
    expect(h).toEqual({ closed: true })
    expect(e).toMatchObject({ status: 403, body: DENY_403 })
    for (const src of ['127.0.0.10', '127.0.0.11']) {
      const hs = await attempt(hp(), { path: '/', src })
      const es = await attempt(ep(), { path: '/', src })
      expect([hs, es].map((o) => ('status' in o ? o.status : 'closed'))).toEqual([200, 200])
    }
  })

  it('tcp-request connection track-sc0 on a keep-alive connection: HAProxy counts one connection, the edge one per request', async () => {
    const req = (close: boolean) => `GET / HTTP/1.1\r\nhost: shop.example.com\r\n${close ? 'connection: close\r\n' : ''}\r\n`
    const bodies = async (port: number | undefined): Promise<string[]> => {
      if (port === undefined) throw new Error('no port')
      const r = await rawExchange(port, req(false) + req(true))
      return [...r.text.matchAll(/conn=\d+ req=\d+/g)].map((m) => m[0])
    }
    // rawExchange connects from 127.0.0.1: both proxies have their own table, so the counts start at 1.
    expect(await bodies(hp('PORT3'))).toEqual(['conn=1 req=1', 'conn=1 req=2'])
    expect(await bodies(ep('PORT3'))).toEqual(['conn=1 req=1', 'conn=2 req=2'])
  })

  it('tcp-request content reject on a request fact (path): closed by HAProxy, 403 at the edge', async () => {
    expect(await attempt(hp(), { path: '/rej', src: '127.0.0.12' })).toEqual({ closed: true })
    expect(await attempt(ep(), { path: '/rej', src: '127.0.0.12' })).toMatchObject({ status: 403, body: DENY_403 })
  })

  it('http-request reject answers the same way: closed by HAProxy, 403 at the edge', async () => {
    expect(await attempt(hp(), { path: '/hrej', src: '127.0.0.13' })).toEqual({ closed: true })
    expect(await attempt(ep(), { path: '/hrej', src: '127.0.0.13' })).toMatchObject({ status: 403, body: DENY_403 })
  })

  it('tcp-request connection accept ends the rule set: the reject after it applies to the other sources only', async () => {
    const h21 = await attempt(hp('PORT2'), { path: '/', src: '127.0.0.21' })
    const e21 = await attempt(ep('PORT2'), { path: '/', src: '127.0.0.21' })
    expect([h21, e21].map((o) => ('status' in o ? o.status : 'closed'))).toEqual([200, 200])
    expect(await attempt(hp('PORT2'), { path: '/', src: '127.0.0.22' })).toEqual({ closed: true })
    expect(await attempt(ep('PORT2'), { path: '/', src: '127.0.0.22' })).toMatchObject({ status: 403, body: DENY_403 })
  })

  it('tcp-request session rules still run after a connection accept', async () => {
    expect(await attempt(hp('PORT2'), { path: '/', src: '127.0.0.23' })).toEqual({ closed: true })
    expect(await attempt(ep('PORT2'), { path: '/', src: '127.0.0.23' })).toMatchObject({ status: 403, body: DENY_403 })
  })

  it('tcp-request content track-sc0 src + http-request deny on sc_http_req_rate(0): the 429 comes at the same request', async () => {
    const run = async (port: number | undefined, src: string): Promise<number[]> => {
      const out: number[] = []
      for (let i = 0; i < LIMIT + 2; i++) {
        const o = await attempt(port, { path: '/rate', src })
        out.push('status' in o ? o.status : 0)
      }
      return out
    }
    const h = await run(hp(), '127.0.0.31')
    const e = await run(ep(), '127.0.0.31')
    expect(h).toEqual([200, 200, 200, 429, 429])
    expect(e).toEqual(h)
    // Another source has its own entry; untracked paths are never limited.
    expect(await run(ep(), '127.0.0.32')).toEqual(await run(hp(), '127.0.0.32'))
    const free = await Promise.all([attempt(hp(), { path: '/', src: '127.0.0.31' }), attempt(ep(), { path: '/', src: '127.0.0.31' })])
    expect(free.map((o) => ('status' in o ? o.status : 'closed'))).toEqual([200, 200])
  })

  it('tcp-request content set-var (frontend and backend) is visible to http-request rules', async () => {
    const h = await attempt(hp(), { path: '/vars', src: '127.0.0.41' })
    const e = await attempt(ep(), { path: '/vars', src: '127.0.0.41' })
    const view = (o: Outcome) => ('seen' in o && o.seen ? { x: o.seen['x-var'], b: o.seen['x-be'] } : o)
    expect(view(h)).toEqual({ x: 'y', b: 'from-be' })
    expect(view(e)).toEqual(view(h))
  })

  it('tcp-response content reject on the response status: closed by HAProxy, 502 at the edge; other statuses pass', async () => {
    expect(await attempt(hp(), { path: '/?status=503', src: '127.0.0.51' })).toEqual({ closed: true })
    expect(await attempt(ep(), { path: '/?status=503', src: '127.0.0.51' })).toMatchObject({ status: 502, body: BAD_GATEWAY_502 })
    const ok = await Promise.all([attempt(hp(), { path: '/?status=404', src: '127.0.0.51' }), attempt(ep(), { path: '/?status=404', src: '127.0.0.51' })])
    expect(ok.map((o) => ('status' in o ? o.status : 'closed'))).toEqual([404, 404])
  })
})
