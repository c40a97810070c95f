import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffEnabled, type Pair, type RawReply, rawExchange, type Reply, type Req, startPair, expectSame } from './harness.ts'

/*
 * Errors the proxy produces itself (reference §6.3, §12, §13.2) under HAProxy 2.6 and
 * `edgeproxy dev`: `timeout server` → 504, refused connections → 503 after `retries`, redispatch
 * to another server, `errorfile` pages, and requests the HTTP parser rejects.
 */
const CONFIG = `
global
    nbthread 1

defaults
    mode http
    timeout connect 300ms
    timeout client 10s
    timeout server 10s

frontend fe
    bind 127.0.0.1:@PORT@
    http-request deny if { path_beg /deny }
    use_backend be_%[path,field(2,/)]
    default_backend be_live

backend be_live
    server a 127.0.0.1:@a@

backend be_slow
    timeout server 400ms
    server a 127.0.0.1:@a@

backend be_dead
    retries 2
    server dead 127.0.0.1:@dead@

backend be_rr_redisp
    balance roundrobin
    retries 2
    option redispatch
    server dead 127.0.0.1:@dead@
    server a 127.0.0.1:@a@

backend be_rr_noredisp
    balance roundrobin
    retries 1
    server dead 127.0.0.1:@dead@
    server a 127.0.0.1:@a@

backend be_src_redisp
    balance source
    retries 2
    option redispatch
    server dead 127.0.0.1:@dead@
    server a 127.0.0.1:@a@

backend be_uri_redisp
    balance uri
    retries 3
    option redispatch 2
    server dead 127.0.0.1:@dead@
    server a 127.0.0.1:@a@

backend be_noretry
    balance roundrobin
    retries 0
    option redispatch
    server dead 127.0.0.1:@dead@
    server a 127.0.0.1:@a@

backend be_ef
    errorfile 503 @DIR@/503.http
    errorfile 403 @DIR@/403.http
    http-request deny if { path_beg /ef/deny }
    server dead 127.0.0.1:@dead@

backend be_ef_slow
    errorfile 504 @DIR@/504.http
    timeout server 400ms
    server a 127.0.0.1:@a@

backend be_empty
    http-request set-header X-Empty 1
`

const FILES = {
  '503.http': 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nCache-Control: no-cache\r\nX-Custom: yes\r\n\r\nwe are down\n',
  '403.http': 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nno way\n',
  '504.http': 'HTTP/1.1 504 Gateway Time-out\r\nContent-Type: text/plain\r\n\r\ntoo slow\n',
}

/** Status line, the headers an error page carries, and the body (or the origin that answered). */
function view(r: Reply) {
  return {
    status: r.status,
    reason: r.statusMessage,
    server: r.seen?.server,
    contentType: r.headers['content-type'],
    cacheControl: r.headers['cache-control'],
    custom: r.headers['x-custom'],
    body: r.seen ? undefined : r.body,
    bodyBytes: r.seen ? r.seen.bodyBytes : r.bodyBytes,
  }
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: errors, timeouts, retries', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a'], dead: ['dead'], files: FILES })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  const compare = (reqs: readonly Req[]) => expectSame(p, reqs, view)

  it('answers 504 with HAProxy’s page when the origin is slower than timeout server', async () => {
    const h = await compare([{ path: '/slow/x?sleep=1500' }, { path: '/slow/x?sleep=20' }])
    expect(h[0]).toMatchObject({ status: 504, reason: 'Gateway Time-out', bodyBytes: 92 })
    expect(h[1]).toMatchObject({ status: 200, server: 'a' })
  })

  it('lets a body flow past timeout server as long as it keeps coming (an inactivity timeout)', async () => {
    const h = await compare([{ path: '/slow/x?trickle=250&chunks=5' }])
    expect(h[0]).toMatchObject({ status: 200, body: 'chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n' })
  })

  it('answers 503 with HAProxy’s page when every attempt is refused, and when a backend has no server', async () => {
    const h = await compare([{ path: '/dead/x' }, { path: '/empty/x' }])
    expect(h[0]).toMatchObject({ status: 503, reason: 'Service Unavailable', bodyBytes: 107 })
    expect(h[1]).toMatchObject({ status: 503, bodyBytes: 107 })
  })

  it('retries and redispatches like HAProxy (roundrobin, hashing, redispatch interval, none)', async () => {
    const h = await compare([
      // roundrobin + redispatch: every retry may move, so the live server always answers (a body too).
      { path: '/rr_redisp/1' },
      { path: '/rr_redisp/2' },
      { path: '/rr_redisp/3', method: 'POST', body: 'hello body' },
      // no redispatch: a request that lands on the dead server fails after its retries.
      { path: '/rr_noredisp/1' },
      { path: '/rr_noredisp/2' },
      { path: '/rr_noredisp/3' },
      // hashing: the redispatch on the last retry looks the same server up again.
      { path: '/src_redisp/1', src: '127.0.0.2' },
      { path: '/src_redisp/1', src: '127.0.0.3' },
      { path: '/src_redisp/1', src: '127.0.0.5' },
      { path: '/uri_redisp/a' },
      { path: '/uri_redisp/b' },
      { path: '/uri_redisp/d' },
      // retries 0: the failure is final.
      { path: '/noretry/1' },
      { path: '/noretry/2' },
    ])
    expect(h.slice(0, 3).map((x) => x.server)).toEqual(['a', 'a', 'a'])
    expect(h[2]?.bodyBytes).toBe(10)
    expect(new Set(h.map((x) => x.status))).toEqual(new Set([200, 503]))
  })

  it('serves errorfile pages for deny, 503 and 504', async () => {
    const h = await compare([{ path: '/ef/x' }, { path: '/ef/deny' }, { path: '/ef_slow/x?sleep=1500' }, { path: '/deny' }])
    expect(h[0]).toMatchObject({ status: 503, body: 'we are down\n', custom: 'yes', contentType: 'text/plain' })
    expect(h[1]).toMatchObject({ status: 403, body: 'no way\n' })
    expect(h[2]).toMatchObject({ status: 504, body: 'too slow\n' })
    expect(h[3]).toMatchObject({ status: 403, bodyBytes: 93 })
  })

  describe('requests the HTTP parser rejects', () => {
    const HOST = 'Host: shop.example.com\r\n'
    /** Requests both parsers reject with HAProxy's 400 page. */
    const REJECTED: Record<string, string> = {
      'invalid method token': `G@T / HTTP/1.1\r\n${HOST}\r\n`,
      'space in the method': `GE T / HTTP/1.1\r\n${HOST}\r\n`,
      'header line without a colon': `GET / HTTP/1.1\r\n${HOST}BadHeaderLine\r\n\r\n`,
      'space in a header name': `GET / HTTP/1.1\r\n${HOST}Bad Name: x\r\n\r\n`,
      'space before the colon': `GET / HTTP/1.1\r\n${HOST}X-A : x\r\n\r\n`,
      'one 20 KB header': `GET / HTTP/1.1\r\n${HOST}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      '17 KB of headers': `GET / HTTP/1.1\r\n${HOST}${Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'b'.repeat(80)}\r\n`).join('')}\r\n`,
      'a 20 KB URI': `GET /${'u'.repeat(20_000)} HTTP/1.1\r\n${HOST}\r\n`,
      'two different Content-Lengths': `POST / HTTP/1.1\r\n${HOST}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
      'a non-numeric Content-Length': `POST / HTTP/1.1\r\n${HOST}Content-Length: abc\r\n\r\n`,
      'Transfer-Encoding without chunked': `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip\r\n\r\n`,
      'TLS bytes on a plain port': '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03',
    }
    /**
     * Requests HAProxy 2.6 accepts and Node's stricter parser (the `edgeproxy dev` listener; at the
     * edge, Cloudflare's front line decides) rejects with a 400: an unknown HTTP/1.x minor version,
     * Content-Length with Transfer-Encoding: chunked (HAProxy drops the length), obs-fold, bare LF.
     */
    const STRICTER: Record<string, string> = {
      'HTTP/2.5 request line': `GET / HTTP/2.5\r\n${HOST}Connection: close\r\n\r\n`,
      'Content-Length and chunked': `POST / HTTP/1.1\r\n${HOST}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      'obs-fold continuation line': `GET / HTTP/1.1\r\n${HOST}X-A: a\r\n b\r\nConnection: close\r\n\r\n`,
      'bare LF line endings': 'GET /lf HTTP/1.1\nHost: shop.example.com\nConnection: close\n\n',
    }
    /**
     * Requests HAProxy forwards and the echo origin (Node) rejects with its own 400, while the dev
     * listener rejects them first with HAProxy's page: the status matches, the body cannot.
     */
    const ORIGIN_REJECTS: Record<string, string> = {
      'a lower-case method': `get /lm HTTP/1.1\r\n${HOST}\r\n`,
      'a NUL byte in a header value': `GET / HTTP/1.1\r\n${HOST}X-A: a\0b\r\n\r\n`,
      'HTTP/1.1 without Host': 'GET /v HTTP/1.1\r\nConnection: close\r\n\r\n',
    }
    /**
     * Unusual but valid requests both answer from the origin. HAProxy forwards an absolute-form
     * target as it came; fetch() always sends the origin-form, so only the path is compared.
     */
    const ACCEPTED: Record<string, string> = {
      'absolute-form target': `GET http://shop.example.com/abs?q=1 HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
      'empty lines before the request': `\r\n\r\nGET /crlf HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    }

    async function exchange(data: string): Promise<{ h: RawReply; e: RawReply }> {
      return { h: await rawExchange(p.haproxy.port, data, 800), e: await rawExchange(p.edge.port, data, 800) }
    }

    /** The body after the head of a raw HTTP/1 response. */
    const bodyOf = (r: RawReply) => r.text.slice(r.text.indexOf('\r\n\r\n') + 4)

    it.each(Object.entries(REJECTED))('rejects %s with HAProxy’s 400 page and closes', async (_name, data) => {
      const { h, e } = await exchange(data)
      expect(h.status).toBe(400)
      expect({ status: e.status, closed: e.closed, body: bodyOf(e) }).toEqual({ status: h.status, closed: h.closed, body: bodyOf(h) })
    })

    it.each(Object.entries(STRICTER))('answers %s with a 400 where HAProxy forwards it, never a 5xx', async (_name, data) => {
      const { h, e } = await exchange(data)
      expect(h.status).toBe(200)
      expect(e.status).toBe(400)
      expect(bodyOf(e)).toContain('<h1>400 Bad request</h1>')
    })

    it.each(Object.entries(ORIGIN_REJECTS))('answers %s with a 400 like HAProxy’s origin, never a 5xx', async (_name, data) => {
      const { h, e } = await exchange(data)
      expect(h.status).toBe(400)
      expect(e.status).toBe(400)
    })

    it.each(Object.entries(ACCEPTED))('forwards an %s', async (_name, data) => {
      const { h, e } = await exchange(data)
      const seen = (r: RawReply) => {
        const s = JSON.parse(bodyOf(r)) as { url: string; method: string }
        return { method: s.method, path: s.url.replace(/^[a-z]+:\/\/[^/]*/, '') }
      }
      expect(h.status).toBe(200)
      expect(e.status).toBe(200)
      expect(seen(e)).toEqual(seen(h))
    })
  })
})
