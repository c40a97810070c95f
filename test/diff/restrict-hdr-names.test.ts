import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, DIFF_DEFAULTS, diffEnabled, type Pair, type Req, startPair } from './harness.ts'

/*
 * `option http-restrict-req-hdr-names preserve|delete|reject` (http_ana.c) under HAProxy 2.6 and
 * `edgeproxy dev`: names outside [0-9A-Za-z-] are kept, removed or answered with a 403, after the
 * proxy's own http-request rules (so a rule can still read them), per frontend and per backend.
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    option http-restrict-req-hdr-names delete
    http-request set-header X-Seen %[req.hdr(x_under)]
    use_backend reject if { path /reject }
    use_backend preserve if { path /preserve }
    default_backend be

frontend fe2
    bind 127.0.0.1:@PORT2@
    option http-restrict-req-hdr-names reject
    default_backend be

backend be
    server s1 127.0.0.1:@s1@

backend reject
    option http-restrict-req-hdr-names reject
    server s1 127.0.0.1:@s1@

backend preserve
    http-request set-header X_Added yes
    server s1 127.0.0.1:@s1@
`

describe.skipIf(!diffEnabled())('differential: option http-restrict-req-hdr-names', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s1'], extraPorts: ['PORT2'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('deletes, rejects or keeps names outside [0-9A-Za-z-] as HAProxy does', async () => {
    const reqs: Req[] = [
      { path: '/', headers: { x_under: 'a', 'x.dot': 'b', 'x-ok': 'c' } },
      { path: '/reject', headers: { 'x-ok': 'c' } },
      { path: '/preserve', headers: { 'x-ok': 'c' } },
    ]
    const { h, e } = await both(pair, reqs, (r) => ({
      status: r.status,
      under: r.seen?.headers.x_under,
      dot: r.seen?.headers['x.dot'],
      ok: r.seen?.headers['x-ok'],
      seen: r.seen?.headers['x-seen'],
      added: r.seen?.headers.x_added,
    }))
    expect(h[0]).toMatchObject({ status: 200, under: undefined, dot: undefined, ok: 'c', seen: 'a' })
    expect(e).toEqual(h)
  })

  it('reject answers 403 when a name is outside the set', async () => {
    const reqs: Req[] = [
      { path: '/', headers: { x_under: 'a' } },
      { path: '/', headers: { 'x-fine': 'a' } },
    ]
    const { h, e } = await both(pair, reqs, (r) => ({ status: r.status, body: r.body.length > 0 && !r.seen ? r.body : '' }), 'PORT2')
    expect(h.map((x) => x.status)).toEqual([403, 200])
    expect(e).toEqual(h)
  })
})
