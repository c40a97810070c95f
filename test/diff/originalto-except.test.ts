import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, DIFF_DEFAULTS, diffEnabled, type Pair, type Req, startPair } from './harness.ts'

/*
 * `option forwardfor except` (client address) and `option originalto except` (destination
 * address) under HAProxy 2.6 and `edgeproxy dev`, after the HAProxy reg-test
 * http-rules/except-forwardfor-originalto: set-src/set-dst move the addresses, the `except`
 * networks suppress the headers. Every address stays on loopback.
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    http-request set-src hdr(x-src) if { req.hdr(x-src) -m found }
    http-request set-dst hdr(x-dst) if { req.hdr(x-dst) -m found }
    use_backend be1 if { path /1 }
    use_backend be2 if { path /2 }
    default_backend be3

backend be1
    option forwardfor except 127.0.0.2
    option originalto except 127.0.0.2
    server s1 127.0.0.1:@s1@

backend be2
    option forwardfor except 127.0.0.0/24
    option originalto except 127.0.0.0/24 header X-Dst-Orig
    server s1 127.0.0.1:@s1@

backend be3
    option forwardfor except ::1
    option originalto except ::1
    server s1 127.0.0.1:@s1@
`

describe.skipIf(!diffEnabled())('differential: forwardfor and originalto except', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s1'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('adds or suppresses X-Forwarded-For and X-Original-To as HAProxy does', async () => {
    const reqs: Req[] = []
    for (const path of ['/1', '/2', '/3']) {
      const hs: Record<string, string>[] = [
        { 'x-src': '127.0.0.2', 'x-dst': '127.0.0.2' },
        { 'x-src': '127.0.0.3', 'x-dst': '127.0.1.3' },
        { 'x-src': '::1', 'x-dst': '::1' },
        { 'x-dst': '127.0.0.9' },
      ]
      for (const h of hs) reqs.push({ path, headers: h, src: '127.0.0.5' })
    }
    const { h, e } = await both(pair, reqs, (r) => [r.status, r.seen?.headers['x-forwarded-for'], r.seen?.headers['x-original-to'], r.seen?.headers['x-dst-orig']])
    expect(h[0]).toEqual([200, undefined, undefined, undefined])
    expect(e).toEqual(h)
  })
})
