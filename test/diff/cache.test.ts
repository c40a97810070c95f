import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, type Pair, type Reply, type Req, send, startPair } from './harness.ts'

/*
 * `cache` sections (HAProxy doc section 6) under HAProxy 2.6 and `edgeproxy dev` (the Workers
 * Cache API in Miniflare): a miss goes to the origin and a hit does not, with the same answer and
 * the same `res.cache_hit` / `res.cache_name`; what is not cacheable (no-store, private, no
 * freshness, Vary without process-vary, POST, Authorization, request no-cache) always reaches the
 * origin; an unsafe request invalidates; `max-age` caps the lifetime; conditional requests get a
 * 304 from the cache; HEAD gets the head only; objects over max-object-size are not stored.
 */
const CONFIG = `
${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    default_backend be

backend be
    http-request cache-use c
    server www 127.0.0.1:@www@
    http-response cache-store c
    http-response set-header X-Cache-Hit %[res.cache_hit]
    http-response set-header X-Cache-Name %[res.cache_name]

cache c
    total-max-size 4
    max-age 3
    max-object-size 3000

frontend fe_vary
    bind 127.0.0.1:@PORT2@
    default_backend be_vary

backend be_vary
    http-request cache-use v
    server www 127.0.0.1:@www@
    http-response cache-store v
    http-response set-header X-Cache-Hit %[res.cache_hit]

cache v
    total-max-size 4
    max-object-size 3000
    process-vary on
    max-secondary-entries 2
`

/** What a client sees of one exchange, and whether the origin was contacted for it. */
interface View {
  readonly status: number
  readonly origin: boolean
  readonly hit: string | undefined
  readonly name: string | undefined
  /** An Age header was sent (its value depends on timing: checked separately). */
  readonly age: boolean
  /** A body was sent (its bytes differ: the echo origin reports each proxy's request). */
  readonly body: boolean
  readonly etag?: string | string[] | undefined
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: cache sections', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['www'], extraPorts: ['PORT2'] })
  }, 60_000)

  afterAll(async () => {
    await p?.stop()
  })

  /** Sends one request to one proxy; notes whether the origin answered it. */
  async function one(port: number, r: Req): Promise<{ view: View; reply: Reply }> {
    const before = p.origins.hits.get('www') ?? 0
    const reply = await send(port, r)
    const view: View = {
      status: reply.status,
      origin: (p.origins.hits.get('www') ?? 0) > before,
      hit: reply.headers['x-cache-hit'] as string | undefined,
      name: reply.headers['x-cache-name'] as string | undefined,
      age: reply.headers.age !== undefined,
      body: reply.bodyBytes > 0,
      ...(reply.headers.etag !== undefined ? { etag: reply.headers.etag } : {}),
    }
    return { view, reply }
  }

  /**
   * Runs the same sequence against each proxy (HAProxy's first, then edgeproxy's, each with its own
   * cache) and asserts the views are equal; returns HAProxy's views and both proxies' replies.
   */
  async function sequence(reqs: readonly (Req | { readonly waitMs: number })[], bind = 'PORT'): Promise<{ views: View[]; h: Reply[]; e: Reply[] }> {
    const out: { views: View[]; replies: Reply[] }[] = []
    for (const port of [p.haproxy.ports[bind] as number, p.edge.ports[bind] as number]) {
      const views: View[] = []
      const replies: Reply[] = []
      for (const r of reqs) {
        if ('waitMs' in r) {
          await new Promise((res) => setTimeout(res, r.waitMs))
          continue
        }
        const { view, reply } = await one(port, r)
        views.push(view)
        replies.push(reply)
      }
      out.push({ views, replies })
    }
    const [h, e] = out as [{ views: View[]; replies: Reply[] }, { views: View[]; replies: Reply[] }]
    expect(e.views).toEqual(h.views)
    return { views: h.views, h: h.replies, e: e.replies }
  }

  it('serves the second GET from the cache without contacting the origin', async () => {
    const path = '/fresh?rh=Cache-Control:max-age=60'
    const { views, h, e } = await sequence([{ path }, { path }, { path }])
    expect(views.map((v) => [v.origin, v.hit, v.name])).toEqual([
      [true, '0', ''],
      [false, '1', 'c'],
      [false, '1', 'c'],
    ])
    expect(views[1]?.age).toBe(true)
    for (const r of [h, e]) {
      // The hit is the stored response: same body as the miss, an Age of a second or two at most.
      expect(r[1]?.bodySha).toBe(r[0]?.bodySha)
      expect(Number(r[1]?.headers.age)).toBeLessThanOrEqual(2)
      expect(r[1]?.headers['x-served-by']).toBe('www')
    }
  })

  it('never stores what is not cacheable', async () => {
    const cases = [
      '/nostore?rh=Cache-Control:no-store',
      '/private?rh=Cache-Control:private',
      '/nocache?rh=Cache-Control:no-cache',
      '/maxage0?rh=Cache-Control:max-age=0',
      '/pragma?rh=Pragma:no-cache&rh=Cache-Control:max-age=60',
      // Neither freshness information nor a validator.
      '/nofresh',
      // A Vary header, without process-vary.
      '/vary?rh=Cache-Control:max-age=60&rh=Vary:accept-encoding',
      '/status?status=404&rh=Cache-Control:max-age=60',
      '/expired?rh=Expires:Thu,%2001%20Jan%201970%2000:00:00%20GMT',
    ]
    for (const path of cases) {
      const { views } = await sequence([{ path }, { path }])
      expect(
        views.map((v) => v.origin),
        path,
      ).toEqual([true, true])
    }
  })

  it('stores a public response even when the request said no-store', async () => {
    const path = '/public?rh=Cache-Control:public,max-age=60'
    const { views } = await sequence([{ path, headers: { 'cache-control': 'no-store' } }, { path }])
    expect(views.map((v) => v.origin)).toEqual([true, false])
  })

  it('stores a response with Set-Cookie (as HAProxy 2.6 does) unless no-cache="set-cookie"', async () => {
    const path = '/cookie?rh=Cache-Control:max-age=60&set-cookie=a=1'
    const { views, h, e } = await sequence([{ path }, { path }])
    expect(views.map((v) => v.origin)).toEqual([true, false])
    // The stored Set-Cookie is replayed to whoever hits the object.
    expect(h[1]?.headers['set-cookie']).toEqual(['a=1'])
    expect(e[1]?.headers['set-cookie']).toEqual(['a=1'])
    const guarded = '/cookie2?rh=Cache-Control:max-age=60&rh=Cache-Control:no-cache=%22set-cookie%22&set-cookie=a=1'
    const g = await sequence([{ path: guarded }, { path: guarded }])
    expect(g.views.map((v) => v.origin)).toEqual([true, true])
  })

  it('stores with a validator only (ETag) and answers a matching If-None-Match with 304', async () => {
    const path = '/etag?rh=ETag:%22v1%22'
    const { views } = await sequence([{ path }, { path }, { path, headers: { 'if-none-match': '"v1"' } }, { path, headers: { 'if-none-match': '"v2"' } }])
    expect(views.map((v) => [v.status, v.origin])).toEqual([
      [200, true],
      [200, false],
      [304, false],
      [200, false],
    ])
  })

  it('answers If-Modified-Since from the stored Last-Modified', async () => {
    const lm = 'Sun, 06 Nov 1994 08:49:37 GMT'
    const path = `/lm?rh=Last-Modified:${encodeURIComponent(lm)}`
    const { views } = await sequence([
      { path },
      { path, headers: { 'if-modified-since': lm } },
      { path, headers: { 'if-modified-since': 'Sun, 06 Nov 1994 08:49:36 GMT' } },
      { path, headers: { 'if-modified-since': 'not a date' } },
    ])
    expect(views.map((v) => [v.status, v.origin])).toEqual([
      [200, true],
      [304, false],
      [200, false],
      [200, false],
    ])
  })

  it("drops the origin's Age from a stored response and adds it to the time spent in the cache", async () => {
    const path = '/aged?rh=Cache-Control:max-age=60&rh=Age:5'
    const { views, h, e } = await sequence([{ path }, { path }])
    expect(views.map((v) => [v.origin, v.age])).toEqual([
      [true, false],
      [false, true],
    ])
    for (const r of [h, e]) expect(Number(r[1]?.headers.age)).toBeGreaterThanOrEqual(5)
  })

  it('does not look up nor store for POST, Authorization and request no-cache; a POST invalidates', async () => {
    const path = '/unsafe?rh=Cache-Control:max-age=60'
    const { views } = await sequence([
      { path, method: 'POST', body: 'x' },
      { path },
      { path },
      { path, headers: { 'cache-control': 'no-cache' } },
      { path, headers: { authorization: 'Basic YTpi' } },
      { path, method: 'POST', body: 'x' },
      { path },
    ])
    expect(views.map((v) => v.origin)).toEqual([true, true, false, true, true, true, true])
  })

  it('answers HEAD from a stored GET with the head only', async () => {
    const path = '/head?rh=Cache-Control:max-age=60'
    const { views } = await sequence([{ path }, { path, method: 'HEAD' }])
    expect(views.map((v) => [v.origin, v.hit, v.body])).toEqual([
      [true, '0', true],
      [false, '1', false],
    ])
  })

  it("caps the lifetime with the section's max-age", async () => {
    const path = '/capped?rh=Cache-Control:max-age=60'
    const { views } = await sequence([{ path }, { path }, { waitMs: 3_200 }, { path }])
    expect(views.map((v) => v.origin)).toEqual([true, false, true])
  }, 20_000)

  it('honours a shorter s-maxage and Expires in the future', async () => {
    const path = '/short?rh=Cache-Control:s-maxage=1'
    const { views } = await sequence([{ path }, { path }, { waitMs: 2_200 }, { path }])
    expect(views.map((v) => v.origin)).toEqual([true, false, true])
  }, 20_000)

  it('does not store objects larger than max-object-size', async () => {
    const { views } = await sequence([
      { path: '/big?size=4000&rh=Cache-Control:max-age=60' },
      { path: '/big?size=4000&rh=Cache-Control:max-age=60' },
      { path: '/small?size=1000&rh=Cache-Control:max-age=60' },
      { path: '/small?size=1000&rh=Cache-Control:max-age=60' },
    ])
    expect(views.map((v) => v.origin)).toEqual([true, true, true, false])
  })

  describe('process-vary on', () => {
    const ae = (v: string) => ({ 'accept-encoding': v })

    it('serves an identity object to any Accept-Encoding', async () => {
      // Only unencoded variants: the Worker sees Accept-Encoding as Cloudflare normalizes it
      // ("br, gzip"), so objects whose encoding depends on it are chosen by that value
      // (docs/differences.md); an unencoded object is acceptable to every client either way.
      // (No gzip / br here: workerd would compress the JSON answer for such a client.)
      const path = '/ae-plain?rh=Vary:accept-encoding&rh=Cache-Control:max-age=60'
      const { views } = await sequence([{ path, headers: ae('compress') }, { path, headers: ae('identity') }, { path }], 'PORT2')
      expect(views.map((v) => v.origin)).toEqual([true, false, false])
    })

    it('never serves an object that varies on Referer alone (HAProxy 2.6 stores it, then cannot match it)', async () => {
      // The stored key's encoding part is the response's encoding, the request's is empty when the
      // signature does not name Accept-Encoding: accept_encoding_bitmap_cmp() never matches.
      const path = '/refonly?rh=Vary:referer&rh=Cache-Control:max-age=60'
      const r = (ref: string) => ({ path, headers: { referer: ref } })
      const { views } = await sequence([r('https://a/'), r('https://a/')], 'PORT2')
      expect(views.map((v) => v.origin)).toEqual([true, true])
    })

    it('varies on Referer', async () => {
      const path = '/ref?rh=Vary:referer,accept-encoding&rh=Cache-Control:max-age=60'
      const r = (ref: string) => ({ path, headers: { referer: ref } })
      const { views } = await sequence([r('https://a/'), r('https://a/'), r('https://b/'), r('https://b/'), r('https://a/')], 'PORT2')
      expect(views.map((v) => v.origin)).toEqual([true, false, true, false, false])
    })

    it('keeps at most max-secondary-entries variants, and never stores other Vary headers', async () => {
      const path = '/many?rh=Vary:referer,accept-encoding&rh=Cache-Control:max-age=60'
      const r = (ref: string) => ({ path, headers: { referer: ref } })
      const um = '/unmanaged?rh=Vary:accept-encoding,user-agent&rh=Cache-Control:max-age=60'
      const { views } = await sequence([r('https://1/'), r('https://2/'), r('https://3/'), r('https://1/'), r('https://3/'), { path: um }, { path: um }], 'PORT2')
      // Two variants kept (referers 1 and 2): the third is not stored, so it misses again.
      expect(views.map((v) => v.origin)).toEqual([true, true, true, false, true, true, true])
    })
  })
})

/** The log line of a hit: HAProxy names the server `<CACHE>`; timers as -1 or n, termination state. */
const LOG_CONFIG = `
global
    nbthread 1
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend fe
    bind 127.0.0.1:@PORT@
    default_backend be

backend be
    http-request cache-use c
    server www 127.0.0.1:@www@
    http-response cache-store c

cache c
    total-max-size 1
`

const LOG_LINE = /^\S+:\d+ \[[^\]]+\] (\S+) (\S+) (\S+) (\d+) \d+ \S+ \S+ (\S{4}) .* (".*")$/

describe.skipIf(!enabled)('differential: access log of a cache hit', () => {
  let p: Pair
  beforeAll(async () => {
    p = await startPair(LOG_CONFIG, { live: ['www'] })
  }, 60_000)
  afterAll(async () => {
    await p?.stop()
  })

  const lines = (out: string) => out.split('\n').filter((l) => LOG_LINE.test(l))
  const view = (l: string | undefined) => {
    const m = LOG_LINE.exec(l ?? '')
    const timers = (m?.[3] ?? '').split('/').map((t) => (t === '-1' ? '-1' : 'n'))
    return { frontend: m?.[1], backendServer: m?.[2], timers: timers.join('/'), status: m?.[4], tsc: m?.[5], request: m?.[6] }
  }

  it('names the server <CACHE> with the same timers and termination state', async () => {
    const path = '/logged?rh=Cache-Control:max-age=60'
    for (const port of [p.haproxy.port, p.edge.port]) {
      await send(port, { path })
      await send(port, { path })
    }
    const wait = async (out: () => string) => {
      const end = Date.now() + 5000
      // Only the lines of these two requests (HAProxy also logs the harness's readiness probe).
      const ours = () => lines(out()).filter((l) => l.includes('/logged'))
      while (ours().length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
      return ours()
    }
    const h = await wait(p.haproxy.output)
    const e = await wait(p.edge.output)
    expect(view(h[1])).toMatchObject({ backendServer: 'be/<CACHE>', status: '200', tsc: 'LR--', timers: 'n/n/n/n/n' })
    expect(view(e[1]), `haproxy:   ${h[1]}\nedgeproxy: ${e[1]}`).toEqual(view(h[1]))
  }, 20_000)
})
