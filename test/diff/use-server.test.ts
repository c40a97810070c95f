import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, DIFF_DEFAULTS, diffEnabled, type Pair, type Req, startPair } from './harness.ts'

/*
 * `use-server` (stream.c process_server_rules) under HAProxy 2.6 and `edgeproxy dev`: the first
 * matching rule whose server is not down takes the request before the balancer; a name given as a
 * log-format is resolved per request (no such server: the balancer decides); use-server comes before a
 * persistence cookie that names another server.
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    default_backend be

backend be
    balance roundrobin
    cookie SRV insert indirect nocache
    use-server s2 if { req.hdr(x-srv) s2 }
    use-server down if { req.hdr(x-srv) down }
    use-server %[req.hdr(x-dyn)] if { req.hdr(x-dyn) -m found }
    server s1 127.0.0.1:@s1@ cookie c1
    server s2 127.0.0.1:@s2@ cookie c2
    server s3 127.0.0.1:@s3@ cookie c3
    server down 127.0.0.1:@dead@ check inter 200 fall 1 rise 1 cookie cd
`

describe.skipIf(!diffEnabled())('differential: use-server', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s1', 's2', 's3'], dead: ['dead'] })
    await new Promise((r) => setTimeout(r, 1500))
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('routes as HAProxy does: static and dynamic names, a down server skipped, before the persistence cookie', async () => {
    const reqs: Req[] = [
      { path: '/', headers: { 'x-srv': 's2' } },
      { path: '/', headers: { 'x-srv': 's2' } },
      { path: '/', headers: { 'x-dyn': 's3' } },
      { path: '/', headers: { 'x-dyn': 'nope' } },
      { path: '/', headers: { 'x-srv': 'down' } },
      { path: '/', headers: { 'x-srv': 's2', cookie: 'SRV=c1' } },
      { path: '/' },
    ]
    const { h, e } = await both(pair, reqs, (r) => [r.status, r.seen?.server, r.headers['set-cookie']])
    expect(h.slice(0, 3).map((x) => x[1])).toEqual(['s2', 's2', 's3'])
    expect(h[5]?.[1]).toBe('s2')
    expect(e).toEqual(h)
  })
})
