import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, type Pair, type Req, send, startPair } from './harness.ts'

/*
 * Stick-table data types fed by the response and the end of a request, under HAProxy 2.6 and
 * `edgeproxy dev`:
 * - http_err_* counts 4xx from the server and denies (http_ana.c: `if (n == 4)
 *   stream_inc_http_err_ctr(s)` in http_wait_for_response; the `deny:` label of
 *   http_process_req_common), http_fail_* 5xx other than 501/505;
 * - conn_cur is +1 at track-sc (stream_start_counters) and -1 when the stream ends;
 * - bytes_in/bytes_out: HAProxy counts every byte of the request / response, headers included
 *   (stream_process_counters: req.total, res.total), edgeproxy the bodies only (the Worker does not
 *   see the wire bytes). So the byte counts are compared in kilobytes (sc_kbytes_*), with bodies of
 *   whole kilobytes and headers well under 1 kB per request, where both must agree.
 */
const CONFIG = `
${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    stick-table type ip size 200k expire 30s store http_req_cnt,http_err_cnt,http_err_rate(10s),http_fail_cnt,http_fail_rate(10s),conn_cur,bytes_in_cnt,bytes_out_cnt
    http-request track-sc0 src
    http-request return status 200 content-type text/plain lf-string "req=%[sc_http_req_cnt(0)] err=%[sc_http_err_cnt(0)] fail=%[sc_http_fail_cnt(0)] cur=%[sc_conn_cur(0)]" if { path /read }
    http-request return status 200 content-type text/plain lf-string "kin=%[sc_kbytes_in(0)] kout=%[sc_kbytes_out(0)]" if { path /bytes }
    http-request return status 404 content-type text/plain string "gone" if { path /r404 }
    http-request deny deny_status 429 if { sc_http_err_rate(0) gt 3 }
    default_backend be

backend be
    server a 127.0.0.1:@a@
`

const enabled = diffEnabled()

/** Lets each proxy finish the previous stream (conn_cur, bytes) before the next read. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150))

describe.skipIf(!enabled)('differential: response stick counters (HAProxy 2.6 vs edgeproxy dev)', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['a'] })
  }, 90_000)

  afterAll(async () => {
    await pair?.stop()
  })

  /** Sends `reqs` from `src` to one proxy, in order; returns status and body of each. */
  async function run(port: number | undefined, src: string, reqs: readonly Req[]): Promise<string[]> {
    if (port === undefined) throw new Error('no port')
    const out: string[] = []
    for (const r of reqs) {
      if (r.path === '/read' || r.path === '/bytes') await settle()
      const res = await send(port, { ...r, src })
      out.push(r.path === '/read' || r.path === '/bytes' ? `${res.status} ${res.body}` : String(res.status))
    }
    return out
  }

  it('http_err / http_fail / conn_cur readback and a deny on sc_http_err_rate after 404s', async () => {
    const reqs: Req[] = [
      { path: '/?status=404' },
      { path: '/?status=404' },
      { path: '/?status=200' },
      { path: '/?status=503' },
      { path: '/?status=501' },
      { path: '/?status=404' },
      // A local `return` is no error, whatever its status (only deny, tarpit and auth count).
      { path: '/r404' },
      { path: '/read' },
      { path: '/?status=404' },
      // The err rate is now 4 > 3: denied (429), which counts as an error too.
      { path: '/?status=200' },
      { path: '/read' },
    ]
    const h = await run(pair.haproxy.ports.PORT, '127.0.0.41', reqs)
    const e = await run(pair.edge.ports.PORT, '127.0.0.41', reqs)
    expect(h).toEqual(['404', '404', '200', '503', '501', '404', '404', '200 req=8 err=3 fail=1 cur=1', '404', '429', '200 req=11 err=5 fail=1 cur=1'])
    expect(e).toEqual(h)
  })

  it('bytes_in / bytes_out, in kilobytes', async () => {
    const body = 'x'.repeat(2048)
    const reqs: Req[] = [{ path: '/?size=4096' }, { path: '/?size=4096', method: 'POST', body }, { path: '/?size=2048', method: 'POST', body }, { path: '/bytes' }]
    const h = await run(pair.haproxy.ports.PORT, '127.0.0.42', reqs)
    const e = await run(pair.edge.ports.PORT, '127.0.0.42', reqs)
    expect(h).toEqual(['200', '200', '200', '200 kin=4 kout=10'])
    expect(e).toEqual(h)
  })
})
