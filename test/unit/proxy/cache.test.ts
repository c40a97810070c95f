import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine } from '../../../src/engine/index.ts'
import type { CacheDeps, CacheLike } from '../../../src/proxy/cache.ts'
import { handle } from '../../../src/proxy/handler.ts'

/*
 * The Worker side of `cache` sections (src/proxy/cache.ts through the request handler), with an
 * in-memory stand-in for the Workers Cache API: what reaches the origin, what is stored under
 * which key, expiry by HAProxy's date rather than the Cache API's, streamed bodies over
 * max-object-size, and the variant index of a varying object. test/diff/cache.test.ts runs the
 * same paths against HAProxy with Miniflare's real Cache API.
 */
class MemoryCache implements CacheLike {
  readonly objects = new Map<string, { body: ArrayBuffer; init: ResponseInit }>()
  async match(req: Request) {
    const o = this.objects.get(req.url)
    return o ? new Response(o.body, o.init) : undefined
  }
  async put(req: Request, res: Response) {
    const headers: [string, string][] = []
    res.headers.forEach((v, k) => {
      headers.push([k, v])
    })
    this.objects.set(req.url, { body: await res.arrayBuffer(), init: { status: res.status, headers } })
  }
  async delete(req: Request) {
    return this.objects.delete(req.url)
  }
}

function setup(cacheLines: string, origin: (req: Request) => Response) {
  const text = `defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\nfrontend fe\n  bind :80\n  default_backend be\nbackend be\n  http-request cache-use c\n  http-response cache-store c\n  http-response set-header X-Hit %[res.cache_hit]\n  server s 192.0.2.1:80\ncache c\n${cacheLines}\n`
  const r = compileConfig([{ name: 't.cfg', text }])
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics))
  const engine = createEngine(r.routeMap)
  const store = new MemoryCache()
  const pending: Promise<unknown>[] = []
  const seen: string[] = []
  const cache: CacheDeps = {
    storage: { open: async (name) => (name === 'edgeproxy:c' ? store : new MemoryCache()) },
    waitUntil: (p) => pending.push(p),
    now: () => Date.now(),
  }
  const get = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const init = method === 'GET' ? { headers } : { headers, method, body: 'y' }
    const res = await handle(new Request(`http://shop.example.com${path}`, init), {
      engine,
      upstream: async (req) => {
        seen.push(new URL(req.url).pathname)
        return origin(req)
      },
      now: () => Date.now(),
      cache,
    })
    const body = await res.text()
    await Promise.all(pending.splice(0))
    return { status: res.status, hit: res.headers.get('x-hit'), age: res.headers.get('age'), body }
  }
  return { get, seen, store, advance: (s: number) => vi.setSystemTime(Date.now() + s * 1000) }
}

const fresh =
  (body: string, extra: Record<string, string> = {}) =>
  () =>
    new Response(body, { headers: { 'cache-control': 'max-age=60', 'content-type': 'text/plain', ...extra } })

describe('the Workers Cache API side of cache sections', () => {
  // One clock for the engine (cache-store) and the Worker (lookups): Date, at a whole second.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(1_800_000_000_000)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('stores a miss and serves the hit without the origin, with HAProxy head and Age', async () => {
    const t = setup('  total-max-size 1', fresh('hello', { age: '3' }))
    expect(await t.get('/a?x=1')).toMatchObject({ status: 200, hit: '0', body: 'hello' })
    expect([...t.store.objects.keys()]).toEqual([`https://edgeproxy.cache/${encodeURIComponent('https://shop.example.com/a?x=1')}`])
    t.advance(2)
    expect(await t.get('/a?x=1')).toMatchObject({ status: 200, hit: '1', age: '5', body: 'hello' })
    expect(t.seen).toEqual(['/a'])
  })

  it("expires objects at HAProxy's date (now + min(lifetime, max-age))", async () => {
    const t = setup('  total-max-size 1\n  max-age 10', fresh('x'))
    await t.get('/e')
    t.advance(9)
    expect((await t.get('/e')).hit).toBe('1')
    t.advance(1)
    expect((await t.get('/e')).hit).toBe('0')
    expect(t.seen).toEqual(['/e', '/e'])
  })

  it('does not store a streamed body over max-object-size', async () => {
    const chunked = (n: number) => () =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new Uint8Array(n))
            c.close()
          },
        }),
        { headers: { 'cache-control': 'max-age=60' } },
      )
    const big = setup('  total-max-size 1\n  max-object-size 1000', chunked(1000))
    await big.get('/big')
    expect(big.store.objects.size).toBe(0)
    const small = setup('  total-max-size 1\n  max-object-size 1000', chunked(900))
    await small.get('/small')
    expect(small.store.objects.size).toBe(1)
  })

  it('keeps varying objects behind an index, at most max-secondary-entries of them', async () => {
    const t = setup('  total-max-size 1\n  process-vary on\n  max-secondary-entries 2', (req) => fresh(`for ${req.headers.get('referer')}`, { vary: 'referer, accept-encoding' })())
    const from = (r: string) => t.get('/v', { referer: r })
    await from('a')
    await from('b')
    await from('c')
    expect(t.store.objects.size).toBe(3) // the index and two variants
    expect(await from('a')).toMatchObject({ hit: '1', body: 'for a' })
    expect(await from('b')).toMatchObject({ hit: '1', body: 'for b' })
    expect((await from('c')).hit).toBe('0')
  })

  it('drops the object after a successful POST to its URL', async () => {
    const t = setup('  total-max-size 1', fresh('x'))
    await t.get('/p')
    expect(t.store.objects.size).toBe(1)
    expect((await t.get('/p', {}, 'POST')).hit).toBe('0')
    expect(t.store.objects.size).toBe(0)
    expect((await t.get('/p')).hit).toBe('0')
    expect(t.seen).toEqual(['/p', '/p', '/p'])
  })
})
