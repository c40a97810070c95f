import { describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../../src/engine/index.ts'
import { createMemoryStickStore, type StickStore } from '../../../src/engine/stick.ts'
import { handle } from '../../../src/proxy/handler.ts'
import type { Upstream } from '../../../src/proxy/forward.ts'
import { type RemoteStickOptions, remoteStickStore } from '../../../src/state/remote-stick.ts'
import { FakeDOs } from '../../helpers/stick-fakes.ts'
import { routeMapOf as routeMap } from '../../helpers/cfg.ts'

/**
 * Stick-table data types that need the response or the end of the request (http_err_*, http_fail_*,
 * conn_cur, bytes_in_*, bytes_out_*), through the Worker's request path (handle) on the in-memory
 * store and on faked StickTable objects.
 */

const T0 = 1_795_609_869_760

const cfg = (store: string, rules = ''): string => `
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe
  bind :80
  stick-table type ip size 1k expire 30s store ${store}
  http-request track-sc0 src
${rules}  default_backend be
backend be
  server s1 192.0.2.10:80
`

/** An origin answering `?status=N` with N, and a body of `?size=N` bytes (default 5). */
const origin: Upstream = async (req) => {
  const u = new URL(req.url)
  const status = Number(u.searchParams.get('status') ?? '200')
  const size = Number(u.searchParams.get('size') ?? '5')
  return new Response('x'.repeat(size), { status })
}

function request(path: string, init: RequestInit = {}, src = '10.0.0.1'): Request {
  const headers = new Headers(init.headers)
  headers.set('cf-connecting-ip', src)
  return new Request(`http://s.example${path}`, { ...init, headers })
}

async function send(e: Engine, path: string, init: RequestInit = {}, upstream: Upstream = origin): Promise<Response> {
  const res = await handle(request(path, init), { engine: e, upstream, now: () => T0 })
  await res.text()
  return res
}

const stores = new WeakMap<Engine, StickStore>()

/** An engine on the in-memory store (kept to read it back). */
function memEngine(text: string): Engine {
  let store: StickStore | undefined
  const e = createEngine(routeMap(text), {
    now: () => T0,
    stick: (specs, now) => {
      store = createMemoryStickStore(specs, now)
      return store
    },
  })
  if (store) stores.set(e, store)
  return e
}

/** Reads the entry of 10.0.0.1 without tracking it. */
function read(e: Engine, data: string): number | undefined {
  const view = stores.get(e)?.table('fe')
  const entry = view?.peek('10.0.0.1', T0)
  return entry && view ? view.read(entry, data, T0) : undefined
}

describe('response stick counters on the memory store', () => {
  it('http_err_cnt counts 4xx from the origin and denies (whatever the deny status), not 2xx/5xx or return', async () => {
    const e = memEngine(cfg('http_err_cnt,http_err_rate(10s),http_fail_cnt,http_req_cnt', '  http-request deny deny_status 200 if { path /deny }\n  http-request return status 404 if { path /ret }\n'))
    await send(e, '/?status=404')
    await send(e, '/?status=200')
    await send(e, '/?status=403')
    await send(e, '/?status=500')
    expect(read(e, 'http_err_cnt')).toBe(2)
    expect(read(e, 'http_fail_cnt')).toBe(1)
    expect((await send(e, '/deny')).status).toBe(200)
    expect(read(e, 'http_err_cnt')).toBe(3)
    // `return` is not an error in HAProxy 2.6 (only the deny/tarpit/auth paths call stream_inc_http_err_ctr).
    expect((await send(e, '/ret')).status).toBe(404)
    expect(read(e, 'http_err_cnt')).toBe(3)
    expect(read(e, 'http_err_rate')).toBe(3)
    expect(read(e, 'http_req_cnt')).toBe(6)
  })

  it('http_fail counts 5xx except 501 and 505', async () => {
    const e = memEngine(cfg('http_fail_cnt,http_fail_rate(10s)'))
    for (const s of [500, 501, 502, 503, 505, 404]) await send(e, `/?status=${s}`)
    expect(read(e, 'http_fail_cnt')).toBe(3)
    expect(read(e, 'http_fail_rate')).toBe(3)
  })

  it('http_fail counts a server timeout (504) but not a failed connection (503)', async () => {
    const e = memEngine(cfg('http_fail_cnt'))
    const refused: Upstream = async () => {
      throw new Error('connection refused')
    }
    // Never answers: the `timeout server` (1s) aborts the fetch.
    const hang: Upstream = (r) => new Promise<Response>((_, reject) => r.signal.addEventListener('abort', () => reject(r.signal.reason)))
    expect((await send(e, '/', {}, refused)).status).toBe(503)
    expect(read(e, 'http_fail_cnt')).toBe(0)
    expect((await send(e, '/', {}, hang)).status).toBe(504)
    expect(read(e, 'http_fail_cnt')).toBe(1)
  })

  it('deny on sc_http_err_rate after origin 404s', async () => {
    const e = memEngine(cfg('http_err_rate(10s)', '  http-request deny deny_status 429 if { sc_http_err_rate(0) gt 3 }\n'))
    const out: number[] = []
    for (let i = 0; i < 6; i++) out.push((await send(e, '/?status=404')).status)
    expect(out).toEqual([404, 404, 404, 404, 429, 429])
  })

  it('conn_cur goes up while a request is in flight and back down at the end of its body', async () => {
    const e = memEngine(cfg('conn_cur,conn_cnt', '  http-request return status 200 content-type text/plain lf-string "%[sc_conn_cur(0)]" if { path /cur }\n'))
    let push: ((c: Uint8Array) => void) | undefined
    let close: (() => void) | undefined
    const slow: Upstream = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            push = (b) => c.enqueue(b)
            close = () => c.close()
          },
        }),
      )
    const res = await handle(request('/slow'), { engine: e, upstream: slow, now: () => T0 })
    expect(read(e, 'conn_cur')).toBe(1)
    // A second request sees itself and the one in flight (track happens before the return rule).
    expect(await (await handle(request('/cur'), { engine: e, upstream: origin, now: () => T0 })).text()).toBe('2')
    expect(read(e, 'conn_cur')).toBe(1)
    const body = res.text()
    push?.(new Uint8Array([104, 105]))
    close?.()
    expect(await body).toBe('hi')
    expect(read(e, 'conn_cur')).toBe(0)
    expect(read(e, 'conn_cnt')).toBe(2)
  })

  it('bytes_out counts the response body (origin and local), bytes_in the request Content-Length', async () => {
    const e = memEngine(cfg('bytes_in_cnt,bytes_in_rate(10s),bytes_out_cnt,bytes_out_rate(10s)', '  http-request deny if { path /deny }\n'))
    await send(e, '/?size=1000')
    expect(read(e, 'bytes_out_cnt')).toBe(1000)
    await send(e, '/?size=24', { method: 'POST', body: 'a'.repeat(300), headers: { 'content-length': '300' } })
    expect(read(e, 'bytes_out_cnt')).toBe(1024)
    expect(read(e, 'bytes_in_cnt')).toBe(300)
    const denied = await handle(request('/deny'), { engine: e, upstream: origin, now: () => T0 })
    const page = await denied.text()
    expect(denied.status).toBe(403)
    expect(read(e, 'bytes_out_cnt')).toBe(1024 + new TextEncoder().encode(page).byteLength)
    expect(read(e, 'bytes_out_rate')).toBe(1024 + new TextEncoder().encode(page).byteLength)
    expect(read(e, 'bytes_in_rate')).toBe(300)
  })

  it('a request that tracks only request types pays nothing at its end (the body is not wrapped)', async () => {
    const e = memEngine(cfg('http_req_cnt'))
    const body = new ReadableStream<Uint8Array>()
    const res = await handle(request('/'), { engine: e, upstream: async () => new Response(body), now: () => T0 })
    expect(res.body).toBe(body)
    const d = await e.decide({ method: 'GET', url: 'http://s.example/', headers: [], src: '10.0.0.2' })
    expect(e.responded(d, { serverStatus: 404 })).toBeUndefined()
  })
})

describe('response stick counters on the Durable Object store', () => {
  const NEVER = (): Promise<void> => new Promise<void>(() => {})

  for (const consistency of ['exact', 'fast'] as const) {
    it(`${consistency}: http_err, conn_cur and bytes_out reach the shard`, async () => {
      const dos = new FakeDOs()
      const opts: RemoteStickOptions = { shard: dos.rpc, sleep: NEVER, batch: 1000 }
      const factory = remoteStickStore(opts)
      const text = cfg('http_err_cnt,http_err_rate(10s),conn_cur,bytes_out_cnt').replace('store ', `consistency ${consistency} store `)
      const e = createEngine(routeMap(text), { now: () => T0, stick: factory })
      for (let i = 0; i < 3; i++) await send(e, '/?status=404&size=10')
      await send(e, '/?status=200&size=7')
      const store = factory.current()
      await store?.flush()
      await store?.settled()
      const row = dos.shards.get('fe:0')?.lookup('10.0.0.1', T0)
      expect(row?.counters).toMatchObject({ http_err_cnt: 3, conn_cur: 0, bytes_out_cnt: 37 })
      expect(row?.rates.http_err_rate?.currCtr).toBe(3)
      if (consistency === 'exact') {
        // Per request: the awaited track, one write at the response head (4xx only), one at the end.
        expect(dos.calls.filter((c) => c.startsWith('track')).length).toBe(4 + 3 + 4)
      } else expect(dos.calls).toEqual(['update fe:0'])
    })
  }

  it('exact: a request that tracks a table without response types makes no call after its track', async () => {
    const dos = new FakeDOs()
    const factory = remoteStickStore({ shard: dos.rpc, sleep: NEVER })
    const e = createEngine(routeMap(cfg('http_req_cnt').replace('store ', 'consistency exact store ')), { now: () => T0, stick: factory })
    await send(e, '/?status=404')
    await factory.current()?.settled()
    expect(dos.calls).toEqual(['track fe:0'])
  })
})
