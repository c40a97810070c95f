import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, diffEnabled, type Pair, send, startPair, DIFF_DEFAULTS } from './harness.ts'

/*
 * The seed's rate limit (04-acl: `stick-table type ip size 200k expire 30s store
 * http_req_rate(10s)` + `track-sc0 src` + `deny deny_status 429 if { sc_http_req_rate(0) gt N }`)
 * with a small threshold, under HAProxy 2.6 and `edgeproxy dev`: the 429 comes at exactly the
 * same request number for each source, sources are counted apart, and untracked paths pass.
 * The edge side runs whatever stick store the Worker wires (the in-isolate table today, the
 * StickTable Durable Objects once src/index.ts passes them): the verdicts must not change.
 */
const LIMIT = 5

const CONFIG = `
${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    stick-table type ip size 200k expire 30s store http_req_rate(10s)
    http-request return status 200 content-type text/plain string "free" if { path /free }
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${LIMIT} }
    http-request return status 200 content-type text/plain lf-string "rate=%[sc_http_req_rate(0)]" if { path /rate }
    default_backend be

backend be
    server a 127.0.0.1:@a@

frontend fe_stick
    bind 127.0.0.1:@PORT2@
    default_backend be_stick

backend be_stick
    balance roundrobin
    stick-table type ip size 1k expire 30m
    stick on src
    server a 127.0.0.1:@a@
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@
`

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: stick-table rate limit (HAProxy 2.6 vs edgeproxy dev)', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['a', 'b', 'c'], extraPorts: ['PORT2'] })
  }, 90_000)

  afterAll(async () => {
    await pair?.stop()
  })

  /** Statuses of `n` requests from `src` to one proxy, in order. */
  async function run(port: number | undefined, src: string, n: number, path = '/'): Promise<number[]> {
    if (port === undefined) throw new Error('no port')
    const out: number[] = []
    for (let i = 0; i < n; i++) out.push((await send(port, { path, src })).status)
    return out
  }

  it('429 at the same request number for two sources, counted separately', async () => {
    const h = pair.haproxy.ports.PORT
    const e = pair.edge.ports.PORT
    const sources = ['127.0.0.21', '127.0.0.22']
    const results = new Map(sources.map((s) => [s, { h: [] as number[], e: [] as number[] }]))
    // The two sources interleaved, one request at a time to each proxy.
    for (let i = 0; i < LIMIT + 3; i++) {
      for (const [src, r] of results) {
        r.h.push(...(await run(h, src, 1)))
        r.e.push(...(await run(e, src, 1)))
      }
    }
    const expected = [...Array<number>(LIMIT).fill(200), 429, 429, 429]
    for (const src of sources) {
      expect(results.get(src)?.h).toEqual(expected)
      expect(results.get(src)?.e).toEqual(results.get(src)?.h)
    }
  })

  it('the rate sc_http_req_rate reads is the same, and untracked requests are not counted', async () => {
    const src = '127.0.0.23'
    const h = pair.haproxy.ports.PORT
    const e = pair.edge.ports.PORT
    expect(await run(h, src, 3, '/free')).toEqual([200, 200, 200])
    expect(await run(e, src, 3, '/free')).toEqual([200, 200, 200])
    if (h === undefined || e === undefined) throw new Error('no port')
    const hb: string[] = []
    const eb: string[] = []
    for (let i = 0; i < 3; i++) {
      hb.push((await send(h, { path: '/rate', src })).body)
      eb.push((await send(e, { path: '/rate', src })).body)
    }
    expect(hb).toEqual(['rate=1', 'rate=2', 'rate=3'])
    expect(eb).toEqual(hb)
  })

  it('stick on src: the same server per client, the same sequence as HAProxy', async () => {
    const srcs = ['127.0.0.31', '127.0.0.32', '127.0.0.31', '127.0.0.31', '127.0.0.33', '127.0.0.32']
    const { h, e } = await both(
      pair,
      srcs.map((src) => ({ path: '/', src })),
      (r) => r.seen?.server ?? `status ${r.status}`,
      'PORT2',
    )
    expect(h).toEqual(['a', 'b', 'a', 'a', 'c', 'b'])
    expect(e).toEqual(h)
  })
})
