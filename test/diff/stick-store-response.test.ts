import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, expectSame, type Pair, type Reply, startPair } from './harness.ts'

/*
 * `stick store-response` (reference §7.4) under HAProxy 2.6 and `edgeproxy dev`: the origin names
 * a session in a response header, the entry maps it to the server that answered, and later
 * requests carrying the session in a request header stick to that server (`stick match`).
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    default_backend be

backend be
    balance roundrobin
    stick-table type string len 32 size 1k expire 10m store server_id
    stick match req.hdr(X-Session)
    stick store-response res.hdr(X-Session)
    server a 127.0.0.1:@a@
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@
`

const view = (r: Reply) => ({ status: r.status, server: r.seen?.server })

describe.skipIf(!diffEnabled())('differential: stick store-response', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a', 'b', 'c'] })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  it('stores the session named by the response and routes later requests with it to that server', async () => {
    const h = await expectSame(
      p,
      [
        { path: '/login?rh=x-session:s1' },
        { path: '/login?rh=x-session:s2' },
        { path: '/x', headers: { 'X-Session': 's1' } },
        { path: '/x', headers: { 'X-Session': 's1' } },
        { path: '/x', headers: { 'X-Session': 's2' } },
        { path: '/x', headers: { 'X-Session': 'unknown' } },
        { path: '/x' },
        { path: '/x', headers: { 'X-Session': 's1' } },
      ],
      view,
    )
    // The sessions stay on the servers that created them while roundrobin moves on for the others.
    expect(h[2]?.server).toBe(h[0]?.server)
    expect(h[3]?.server).toBe(h[0]?.server)
    expect(h[4]?.server).toBe(h[1]?.server)
    expect(h[7]?.server).toBe(h[0]?.server)
  })
})
