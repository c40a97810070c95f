import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, DIFF_DEFAULTS, diffEnabled, type Pair, startPair } from './harness.ts'

/*
 * `unique-id-format` / `unique-id-header` and the `unique-id` fetch (http_ana.c step 8,
 * smp_fetch_uniqueid) under HAProxy 2.6 and `edgeproxy dev`: the id is rendered once per request
 * (the same value in every place that reads it, before or after it is sent), from request-time
 * data, sent to the server in the header, and set in responses from the fetch.
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    unique-id-format ID-%[req.hdr(x-in)]-%[path]-%ci
    unique-id-header X-Unique-ID
    http-request set-header X-Early %[unique-id]
    http-response set-header A %[unique-id]
    http-response set-header B %[unique-id]
    default_backend be

frontend random
    bind 127.0.0.1:@PORT2@
    unique-id-format %[uuid]
    http-response set-header A %[unique-id]
    http-response set-header B %[unique-id]
    default_backend be

frontend none
    bind 127.0.0.1:@PORT3@
    http-response set-header A "[%[unique-id]]"
    default_backend be

frontend hex
    bind 127.0.0.1:@PORT4@
    unique-id-format %{+X}o%ci-%{-X}ci
    unique-id-header X-Unique-ID
    default_backend be

backend be
    server s1 127.0.0.1:@s1@
`

describe.skipIf(!diffEnabled())('differential: unique-id-format', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s1'], extraPorts: ['PORT2', 'PORT3', 'PORT4'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('renders the format once, sends it in unique-id-header and returns it from the fetch', async () => {
    const reqs = [
      { path: '/a/b', headers: { 'x-in': 'one' }, src: '127.0.0.7' },
      { path: '/c?q=1', src: '127.0.0.8' },
    ]
    const { h, e } = await both(pair, reqs, (r) => ({
      status: r.status,
      a: r.headers.a,
      b: r.headers.b,
      sent: r.seen?.headers['x-unique-id'],
      early: r.seen?.headers['x-early'],
    }))
    expect(h[0]).toEqual({ status: 200, a: 'ID-one-/a/b-127.0.0.7', b: 'ID-one-/a/b-127.0.0.7', sent: 'ID-one-/a/b-127.0.0.7', early: 'ID-one-/a/b-127.0.0.7' })
    expect(e).toEqual(h)
  })

  it('a random format is generated once per request and differs between requests', async () => {
    const { h, e } = await both(pair, [{ path: '/' }, { path: '/' }], (r) => ({ same: r.headers.a === r.headers.b, a: String(r.headers.a) }), 'PORT2')
    for (const side of [h, e]) {
      expect(side.map((x) => x.same)).toEqual([true, true])
      expect(side[0]?.a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(side[0]?.a).not.toBe(side[1]?.a)
    }
  })

  it("'%{+X}o' writes addresses in hexadecimal for every following alias, '%{-X}' turns it off", async () => {
    const { h, e } = await both(pair, [{ path: '/', src: '127.0.0.9' }], (r) => r.seen?.headers['x-unique-id'], 'PORT4')
    expect(h).toEqual(['7F000009-127.0.0.9'])
    expect(e).toEqual(h)
  })

  it('without unique-id-format the fetch fails (empty value)', async () => {
    const { h, e } = await both(pair, [{ path: '/' }], (r) => r.headers.a, 'PORT3')
    expect(h).toEqual(['[]'])
    expect(e).toEqual(h)
  })
})
