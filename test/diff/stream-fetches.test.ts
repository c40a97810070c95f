import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, diffEnabled, type Pair, type Req, startPair } from './harness.ts'

/*
 * `http-request set-timeout`, the timeout fetches and last_rule_file/last_rule_line (stream.c)
 * under HAProxy 2.6 and `edgeproxy dev`: the configured and current server timeouts, and the
 * line of the rule that ended the last rule list.
 */
const CONFIG = `
global
    nbthread 1

defaults
    mode http
    timeout connect 2s
    timeout client 7s
    timeout server 5s

frontend fe
    bind 127.0.0.1:@PORT@
    http-request allow if { path /allowed }
    http-request deny if { path /denied }
    http-after-response set-header X-T "%[fe_client_timeout] %[be_server_timeout] %[cur_server_timeout]"
    http-after-response set-header X-LR "%[last_rule_line]"
    use_backend slow if { path_beg /slow }
    default_backend be

backend be
    server s1 127.0.0.1:@s1@

backend slow
    timeout server 4s
    http-request set-timeout server 300 if { path /slow/short }
    http-request set-timeout server int(3),mul(1000) if { path /slow/expr }
    server s1 127.0.0.1:@s1@
`

describe.skipIf(!diffEnabled())('differential: set-timeout, timeout fetches, last_rule_*', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s1'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('reports the timeouts and the last final rule as HAProxy does', async () => {
    const reqs: Req[] = [{ path: '/' }, { path: '/allowed' }, { path: '/denied' }, { path: '/slow/x' }, { path: '/slow/expr' }]
    const { h, e } = await both(pair, reqs, (r) => [r.status, r.headers['x-t'], r.headers['x-lr']])
    expect(h[0]).toEqual([200, '7000 5000 5000', ''])
    expect(h[4]).toEqual([200, '7000 4000 3000', ''])
    expect(e).toEqual(h)
  })

  it('set-timeout server bounds the wait for the server (504 after it)', async () => {
    const { h, e } = await both(pair, [{ path: '/slow/short?sleep=1500' }, { path: '/slow/x?sleep=600' }], (r) => r.status)
    expect(h).toEqual([504, 200])
    expect(e).toEqual(h)
  })
})
