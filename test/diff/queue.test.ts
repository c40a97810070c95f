import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, type Pair, send, startPair } from './harness.ts'

/*
 * Server `maxconn` with `timeout queue` (queue.c) under HAProxy 2.6 and `edgeproxy dev` (one
 * isolate, so its per-isolate limits are the whole limit): concurrent requests to a server with
 * maxconn 1 whose origin is slow. A queued request is served when the slot frees within
 * `timeout queue`, and gets HAProxy's 503 when it does not; with a second server with room, the
 * balancer skips the full one.
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    use_backend be_%[path,field(2,/)]

backend be_short
    timeout queue 300
    server a 127.0.0.1:@a@ maxconn 1

backend be_long
    timeout queue 5s
    server a 127.0.0.1:@a@ maxconn 1

backend be_two
    balance roundrobin
    timeout queue 300
    server a 127.0.0.1:@a@ maxconn 1
    server b 127.0.0.1:@b@ maxconn 1
`

/** Sends `paths` concurrently (the first one a head start) and returns status/server per request. */
async function burst(port: number, paths: readonly string[]): Promise<string[]> {
  const out: Promise<string>[] = []
  for (const p of paths) {
    out.push(send(port, { path: p }).then((r) => `${r.status}${r.seen ? ` ${r.seen.server}` : ''}`))
    await new Promise((r) => setTimeout(r, 60))
  }
  return Promise.all(out)
}

describe.skipIf(!diffEnabled())('differential: maxconn and timeout queue', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['a', 'b'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('503 after timeout queue while the only slot is busy', async () => {
    const paths = ['/short/x?sleep=1200', '/short/y']
    const [h, e] = await Promise.all([burst(pair.haproxy.port, paths), burst(pair.edge.port, paths)])
    expect(h).toEqual(['200 a', '503'])
    expect(e).toEqual(h)
  })

  it('a queued request is served once the slot frees within timeout queue', async () => {
    const paths = ['/long/x?sleep=600', '/long/y', '/long/z']
    const [h, e] = await Promise.all([burst(pair.haproxy.port, paths), burst(pair.edge.port, paths)])
    expect(h).toEqual(['200 a', '200 a', '200 a'])
    expect(e).toEqual(h)
  })

  it('skips a full server for one with room; queues when both are full', async () => {
    const paths = ['/two/x?sleep=1200', '/two/y?sleep=1200', '/two/z']
    const [h, e] = await Promise.all([burst(pair.haproxy.port, paths), burst(pair.edge.port, paths)])
    expect(h.slice(0, 2).sort()).toEqual(['200 a', '200 b'])
    expect(h[2]).toBe('503')
    expect(e.slice(0, 2).sort()).toEqual(h.slice(0, 2).sort())
    expect(e[2]).toBe(h[2])
  })
})
