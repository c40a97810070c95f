import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffEnabled, type Pair, type Proxy as RunningProxy, type Reply, send, startPair } from './harness.ts'

/*
 * The failover and capacity fetches under HAProxy 2.6 and `edgeproxy dev`, in front of the same
 * origins: `use_backend spare if { nbsrv(main) lt 1 }`, `monitor fail if { nbsrv(main) lt 1 }`,
 * routing on `srv_is_up(main/m1)`, and the values of nbsrv, srv_is_up, the ids, weights,
 * connection counts and free slots as headers. Servers go DOWN through their health checks (`origins.failing` flips /health to 503 for
 * both proxies); each proxy is polled on its own until its routing settles (edgeproxy sees health
 * through a snapshot refreshed at most every 2 s), then the answers are compared.
 */
const CONFIG = `
global
    nbthread 1

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s

frontend fe
    bind 127.0.0.1:@PORT@
    monitor-uri /mon
    monitor fail if { nbsrv(main) lt 1 }
    acl m1_up srv_is_up(main/m1)
    http-request set-header X-Fe-Conn %[fe_conn]/%[fe_conn(fe)]/%[be_conn(main)]/%[queue(main)]
    http-request set-var(txn.pick) req.hdr(x-pick)
    use_backend spare if { nbsrv(main) lt 1 }
    use_backend spare if { path_beg /m1 } !m1_up
    use_backend spare if { path_beg /n1 } !{ srv_is_up(main/m1) }
    use_backend lim if { path_beg /lim }
    use_backend one if { path_beg /one }
    http-request set-header X-Load %[be_conn(one)]/%[queue(one)]/%[srv_conn(one/o1)]/%[srv_queue(one/o1)]/%[avg_queue(one)]/%[connslots(one)]
    http-response set-header X-Nbsrv %[nbsrv(main)]
    http-response set-header X-Up %[srv_is_up(main/m1)]/%[srv_is_up(main/m2)]
    http-response set-header X-Ids %[fe_id]/%[be_id]/%[srv_id]/%[fe_defbe]
    http-response set-header X-Conv %[var(txn.pick),nbsrv]/%[str(main/m2),srv_queue]
    default_backend main

backend main
    balance roundrobin
    option httpchk GET /health
    default-server inter 300 fall 2 rise 2
    server m1 127.0.0.1:@m1@ check weight 2
    server m2 127.0.0.1:@m2@ check
    http-request set-header X-Be %[nbsrv]/%[be_conn]/%[avg_queue]/%[connslots]/%[be_conn_free]
    http-response set-header X-Weights %[srv_weight(m1)]/%[srv_iweight(m1)]/%[srv_uweight(main/m2)]

backend spare
    server sp 127.0.0.1:@sp@

backend lim
    server l1 127.0.0.1:@l1@ maxconn 10 maxqueue 5
    server l2 127.0.0.1:@l2@ maxconn 4 maxqueue 2 backup
    http-request set-header X-Lim %[connslots]/%[be_conn_free]/%[srv_conn_free(l1)]/%[srv_conn(l1)]/%[srv_queue(l1)]
    http-response set-header X-Lim-Res %[srv_conn(l1)]/%[srv_conn_free(lim/l1)]/%[be_conn]/%[fe_conn(fe)]

backend one
    timeout queue 5s
    server o1 127.0.0.1:@o1@ maxconn 1 maxqueue 10
`

const SETTLE_MS = 6_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** What a client and the origin saw of one request. */
function view(r: Reply): Record<string, unknown> {
  const h = (n: string) => r.headers[n]
  const o = (n: string) => r.seen?.headers[n]
  return {
    status: r.status,
    server: r.seen?.server,
    nbsrv: h('x-nbsrv'),
    up: h('x-up'),
    ids: h('x-ids'),
    conv: h('x-conv'),
    weights: h('x-weights'),
    limRes: h('x-lim-res'),
    feConn: o('x-fe-conn'),
    be: o('x-be'),
    lim: o('x-lim'),
  }
}

/** Views of `n` requests for `path`, one at a time, sorted (the two proxies may start their rotation apart). */
async function views(p: RunningProxy, path: string, n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    out.push(JSON.stringify(view(await send(p.port, { path, headers: { 'x-pick': 'main' } }))))
    // The previous request has ended on both sides before the next one counts connections.
    await sleep(30)
  }
  return [...new Set(out)].sort()
}

async function servers(p: RunningProxy, path: string, n: number): Promise<string> {
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) seen.add((await send(p.port, { path })).seen?.server ?? 'none')
  return [...seen].sort().join()
}

/** Polls until 6 requests for `path` are served by exactly `want`, or SETTLE_MS passes. */
async function settle(p: RunningProxy, path: string, want: readonly string[]): Promise<void> {
  const end = Date.now() + SETTLE_MS
  while ((await servers(p, path, 6)) !== want.join() && Date.now() < end) await sleep(150)
}

describe.skipIf(!diffEnabled())('differential: capacity and failover fetches, HAProxy 2.6 vs edgeproxy dev', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['m1', 'm2', 'sp', 'l1', 'l2', 'o1'] })
  }, 90_000)

  afterAll(async () => {
    await pair?.stop()
  })

  /** The monitor-uri's status from both proxies (their pages compared). */
  async function monitor(): Promise<{ h: number; e: number }> {
    const h = await send(pair.haproxy.port, { path: '/mon' })
    const e = await send(pair.edge.port, { path: '/mon' })
    expect(e.body).toBe(h.body)
    return { h: h.status, e: e.status }
  }

  async function compare(cases: readonly (readonly [string, readonly string[]])[], n: number): Promise<Record<string, string[]>> {
    const proxies = [pair.haproxy, pair.edge]
    await Promise.all(cases.flatMap(([path, want]) => proxies.map((p) => settle(p, path, want))))
    const out: Record<string, string[]> = {}
    for (const [path, want] of cases) {
      const h = await views(pair.haproxy, path, n)
      const e = await views(pair.edge, path, n)
      expect(e, `edgeproxy vs HAProxy on ${path}\n${pair.edge.output().slice(-2000)}`).toEqual(h)
      expect([...new Set(h.map((v) => (JSON.parse(v) as { server: string }).server))].sort(), `HAProxy on ${path}`).toEqual(want)
      out[path] = h
    }
    return out
  }

  it('reports nbsrv, srv_is_up, ids, weights and counts identically while every server is up', async () => {
    const r = await compare(
      [
        ['/', ['m1', 'm2']],
        ['/m1', ['m1', 'm2']],
        ['/n1', ['m1', 'm2']],
        ['/lim', ['l1']],
      ],
      6,
    )
    const first = JSON.parse(r['/']?.[0] ?? '{}') as Record<string, string>
    expect(first.nbsrv).toBe('2')
    expect(await monitor()).toEqual({ h: 200, e: 200 })
    expect(first.up).toBe('1/1')
    expect(first.conv).toBe('2/0')
    expect(first.feConn).toBe('1/1/0/0')
    expect(first.be).toBe('2/1/0/-1/-1')
    const lim = JSON.parse(r['/lim']?.[0] ?? '{}') as Record<string, string>
    expect(lim.lim).toBe('21/10/10/0/0')
    expect(lim.limRes).toBe('1/9/1/1')
  })

  it('counts requests in progress and queued (be_conn, fe_conn, queue, srv_conn, connslots) like HAProxy', async () => {
    /** Three slow requests to main, three to `one` (maxconn 1: one served, two queued), then a probe. */
    const load = async (p: RunningProxy): Promise<unknown> => {
      const slow = [...Array(3)].map(() => send(p.port, { path: '/?sleep=800' }))
      const queued = [...Array(3)].map(() => send(p.port, { path: '/one?sleep=800' }))
      await sleep(300)
      const probe = await send(p.port, { path: '/' })
      const all = await Promise.all([...slow, ...queued])
      return { fe: probe.seen?.headers['x-fe-conn'], load: probe.seen?.headers['x-load'], statuses: all.map((r) => r.status) }
    }
    const h = await load(pair.haproxy)
    const e = await load(pair.edge)
    expect(e).toEqual(h)
    expect(h).toEqual({ fe: '7/7/3/0', load: '3/2/1/0/2/10', statuses: [200, 200, 200, 200, 200, 200] })
  })

  it('routes /m1 to spare once srv_is_up(main/m1) is false, and counts one server left', async () => {
    pair.origins.failing.add('m1')
    const r = await compare(
      [
        ['/', ['m2']],
        ['/m1', ['sp']],
        ['/n1', ['sp']],
      ],
      4,
    )
    const first = JSON.parse(r['/']?.[0] ?? '{}') as Record<string, string>
    expect(first.nbsrv).toBe('1')
    expect(first.up).toBe('0/1')
  })

  it('fails over to spare with use_backend spare if { nbsrv(main) lt 1 } when every server of main is down', async () => {
    pair.origins.failing.add('m2')
    const r = await compare(
      [
        ['/', ['sp']],
        ['/m1', ['sp']],
      ],
      4,
    )
    const first = JSON.parse(r['/']?.[0] ?? '{}') as Record<string, string>
    expect(first.nbsrv).toBe('0')
    // monitor fail if { nbsrv(main) lt 1 }: the monitor-uri reports the outage.
    expect(await monitor()).toEqual({ h: 503, e: 503 })
    expect(first.up).toBe('0/0')
    expect(first.conv).toBe('0/0')
  })

  it('comes back to main when its servers pass their checks again', async () => {
    pair.origins.failing.clear()
    const r = await compare(
      [
        ['/', ['m1', 'm2']],
        ['/m1', ['m1', 'm2']],
      ],
      6,
    )
    expect((JSON.parse(r['/']?.[0] ?? '{}') as Record<string, string>).nbsrv).toBe('2')
    expect(await monitor()).toEqual({ h: 200, e: 200 })
  })
})
