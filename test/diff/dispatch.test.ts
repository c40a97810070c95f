import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, diffEnabled, type Pair, send, startPair } from './harness.ts'

/*
 * `dispatch <address>:<port>` (backend.c assign_server / assign_server_address) under HAProxy 2.6
 * and `edgeproxy dev`: with no `balance`, a request that use-server or the persistence cookie did
 * not give to a server goes to the dispatch address, with the backend as target (`%s` is
 * `<NOSRV>`, no cookie inserted); with a `balance` the address is ignored (with a warning).
 */
const CONFIG = `
global
    nbthread 1
    log stdout format raw local0

defaults
    mode http
    log global
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend fe
    bind 127.0.0.1:@PORT@
    log-format "%b/%s %ST %tsc %rc %{+Q}r"
    http-response set-header X-S %s
    http-response set-header X-N "[%[srv_name]]"
    use_backend dead if { path_beg /dead }
    use_backend mixed if { path_beg /m }
    use_backend balanced if { path_beg /b }
    default_backend only

backend only
    dispatch 127.0.0.1:@d1@

backend mixed
    dispatch 127.0.0.1:@d1@
    cookie SRV insert indirect nocache
    use-server s2 if { path_beg /m/two }
    server s2 127.0.0.1:@s2@ cookie c2
    server s3 127.0.0.1:@s3@ cookie c3

backend balanced
    balance roundrobin
    dispatch 127.0.0.1:@d1@
    server s2 127.0.0.1:@s2@

backend dead
    retries 1
    dispatch 127.0.0.1:@gone@
`

describe.skipIf(!diffEnabled())('differential: dispatch', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['d1', 's2', 's3'], dead: ['gone'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  const view = (r: { status: number; headers: Record<string, string | string[] | undefined>; seen?: { server: string } }) => ({
    status: r.status,
    origin: r.seen?.server,
    s: r.headers['x-s'],
    n: r.headers['x-n'],
    setCookie: r.headers['set-cookie'] ?? null,
  })

  it('a backend with only a dispatch address sends every request there; %s is <NOSRV>', async () => {
    const { h, e } = await both(pair, [{ path: '/' }, { path: '/x?y=1', method: 'POST', body: 'abc' }], view)
    expect(h).toEqual([
      { status: 200, origin: 'd1', s: '<NOSRV>', n: '[]', setCookie: null },
      { status: 200, origin: 'd1', s: '<NOSRV>', n: '[]', setCookie: null },
    ])
    expect(e).toEqual(h)
  })

  it('servers are reached only through use-server or the cookie; the rest is dispatched without a cookie', async () => {
    const reqs = [{ path: '/m/two' }, { path: '/m/a', headers: { cookie: 'SRV=c3' } }, { path: '/m/a' }, { path: '/m/a', headers: { cookie: 'SRV=zz' } }]
    const { h, e } = await both(pair, reqs, view)
    expect(h.map((x) => [x.origin, x.s, x.n])).toEqual([
      ['s2', 's2', '[s2]'],
      ['s3', 's3', '[s3]'],
      ['d1', '<NOSRV>', '[]'],
      ['d1', '<NOSRV>', '[]'],
    ])
    // use-server and a valid cookie are direct (SF_DIRECT): nothing to insert; a dispatched request has no server.
    expect(h.map((x) => x.setCookie)).toEqual([null, null, null, null])
    expect(e).toEqual(h)
  })

  it("with a 'balance' the dispatch address is ignored", async () => {
    const { h, e } = await both(pair, [{ path: '/b' }, { path: '/b' }], view)
    expect(h.map((x) => x.origin)).toEqual(['s2', 's2'])
    expect(e).toEqual(h)
  })
})

/** The access-log lines in a proxy's output so far (the frontend's log-format starts with `backend/`). */
function logLines(output: string): string[] {
  return output.split('\n').filter((l) => /^(only|mixed|dead|balanced)\//.test(l))
}

async function lastLine(output: () => string, before: number): Promise<string> {
  const end = Date.now() + 5000
  for (;;) {
    const lines = logLines(output())
    if (lines.length > before || Date.now() > end) return lines[before] ?? '(no line)'
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe.skipIf(!diffEnabled())('differential: dispatch in the access log', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['d1', 's2', 's3'], dead: ['gone'] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it.each([
    ['dispatched (%s is <NOSRV>, no cookie inserted)', '/m/a', 'mixed/<NOSRV> 200 --NN 0 "GET /m/a HTTP/1.1"'],
    ['use-server in the same backend', '/m/two', 'mixed/s2 200 --NN 0 "GET /m/two HTTP/1.1"'],
    ['a refused dispatch address is retried, then 503', '/dead', 'dead/<NOSRV> 503 SC-- 1 "GET /dead HTTP/1.1"'],
  ])(
    '%s',
    async (_name, path, expected) => {
      const hBefore = logLines(pair.haproxy.output()).length
      const eBefore = logLines(pair.edge.output()).length
      await send(pair.haproxy.port, { path })
      await send(pair.edge.port, { path })
      const h = await lastLine(pair.haproxy.output, hBefore)
      const e = await lastLine(pair.edge.output, eBefore)
      expect(h).toBe(expected)
      expect(e).toBe(h)
    },
    20_000,
  )
})
