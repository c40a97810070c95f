import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Origins, type Proxy as RunningProxy, send, startEdgeproxy } from '../diff/harness.ts'

/*
 * Stick tables under `edgeproxy dev` (workerd): the rate limit in both consistency modes, counts
 * and gpc0 read back by sc_* fetches. With one isolate, `consistency fast` must give exactly the
 * verdicts of `exact` (its view holds every request). Once src/index.ts passes the StickTable
 * Durable Objects (binding STICK), this runs through them; before, through the isolate's tables.
 */
const LIMIT = 4

const CONFIG = `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend exact
    bind 127.0.0.1:@PORT@
    stick-table type ip size 200k expire 30s store http_req_rate(10s),http_req_cnt,gpc0 consistency exact
    http-request track-sc0 src
    http-request sc-inc-gpc0(0) if { path /flag }
    http-request return status 200 content-type text/plain lf-string "n=%[sc_http_req_cnt(0)] g=%[sc_get_gpc0(0)]" if { path /count }
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${LIMIT} }
    default_backend be

frontend fast
    bind 127.0.0.1:@PORT2@
    stick-table type ip size 200k expire 30s store http_req_rate(10s),http_req_cnt,gpc0 consistency fast
    http-request track-sc0 src
    http-request sc-inc-gpc0(0) if { path /flag }
    http-request return status 200 content-type text/plain lf-string "n=%[sc_http_req_cnt(0)] g=%[sc_get_gpc0(0)]" if { path /count }
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${LIMIT} }
    default_backend be

backend be
    server a 127.0.0.1:@a@
`

describe('stick tables under edgeproxy dev', () => {
  const origins = new Origins()
  let edge: RunningProxy

  beforeAll(async () => {
    await origins.start(['a'])
    edge = await startEdgeproxy(CONFIG, origins, {}, ['PORT2'])
  }, 90_000)

  afterAll(async () => {
    await edge?.stop()
    await origins.stop()
  })

  for (const [mode, port] of [
    ['exact', 'PORT'],
    ['fast', 'PORT2'],
  ] as const) {
    it(`${mode}: 429 from request ${LIMIT + 1}, per source; counts and gpc0 read back`, async () => {
      const p = edge.ports[port]
      if (p === undefined) throw new Error('no port')
      const statuses: number[] = []
      for (let i = 0; i < LIMIT + 2; i++) statuses.push((await send(p, { path: '/', src: '127.0.0.41' })).status)
      expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429, 429])
      expect((await send(p, { path: '/', src: '127.0.0.42' })).status).toBe(200)
      expect((await send(p, { path: '/flag', src: '127.0.0.42' })).status).toBe(200)
      expect((await send(p, { path: '/count', src: '127.0.0.42' })).body).toBe('n=3 g=1')
    })
  }
})
