import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, diffEnabled, type Pair, patternBytes, type Reply, type Req, sha256, startPair, DIFF_DEFAULTS } from './harness.ts'

/*
 * What the origin receives and what comes back (reference §6.4, §6.5) under HAProxy 2.6 and
 * `edgeproxy dev`: X-Forwarded-For with except/header/if-none set in the frontend and/or the
 * backend, X-Original-To, hop-by-hop headers, request bodies (content-length and chunked) and
 * streamed response bodies.
 *
 * Not compared, because the edge cannot match them (docs/differences.md):
 * - Host: workerd's fetch() sends the origin's own host:port, whatever the request carried.
 * - Connection, Keep-Alive, TE and a non-WebSocket Upgrade are managed by the runtime's fetch():
 *   HAProxy forwards `Keep-Alive`, `TE: trailers`, `Upgrade: h2c` and the non-close tokens of
 *   `Connection`, and sends `Connection: close` under `option http-server-close`/`httpclose`.
 * - workerd adds Accept-Encoding and CF-Worker to every subrequest.
 */
const CONFIG = `
${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    option forwardfor except 127.0.0.8
    use_backend be_%[path,field(2,/)]
    default_backend be_plain

frontend fe_none
    bind 127.0.0.1:@PORT2@
    use_backend be_%[path,field(2,/)]
    default_backend be_plain

backend be_plain
    server a 127.0.0.1:@a@

backend be_hdr
    option forwardfor header X-Client-IP
    server a 127.0.0.1:@a@

backend be_ifnone
    option forwardfor if-none
    server a 127.0.0.1:@a@

backend be_except
    option forwardfor except 127.0.0.0/29
    server a 127.0.0.1:@a@

backend be_sclose
    option http-server-close
    server a 127.0.0.1:@a@

backend be_orig
    option originalto
    server a 127.0.0.1:@a@

backend be_orighdr
    option originalto header X-Dst
    server a 127.0.0.1:@a@
`

/** Request headers the edge cannot reproduce (see above) or that only describe the connection. */
const NOT_COMPARED = new Set(['host', 'accept-encoding', 'cf-worker', 'connection', 'keep-alive', 'te', 'upgrade'])

/**
 * The origin's view: method, URL, body digest and the headers, each name with its values joined by
 * ', ' in arrival order. Line order across names and the split of one name over several lines are
 * not compared: workerd's Headers sorts names and joins repeated request headers, which HTTP
 * defines as equivalent (RFC 9110 §5.3).
 */
function originView(r: Reply) {
  const raw = r.seen?.rawHeaders ?? []
  const joined = new Map<string, string[]>()
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = (raw[i] as string).toLowerCase()
    if (NOT_COMPARED.has(n)) continue
    joined.set(n, [...(joined.get(n) ?? []), raw[i + 1] as string])
  }
  const headers = [...joined].map(([n, v]) => `${n}: ${v.join(', ')}`).sort()
  return { status: r.status, server: r.seen?.server, method: r.seen?.method, url: r.seen?.url, headers, bodyBytes: r.seen?.bodyBytes, bodySha: r.seen?.bodySha }
}

/** What the client got for a streamed response: status, server, length and digest of the body. */
function bodyView(r: Reply) {
  return { status: r.status, server: r.headers['x-served-by'], bytes: r.bodyBytes, sha: r.bodySha, type: r.headers['content-type'] }
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: forwarding', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a'], extraPorts: ['PORT2'] })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  async function compare<T>(reqs: readonly Req[], view: (r: Reply) => T, port = 'PORT') {
    const { h, e } = await both(p, reqs, view, port)
    expect(e).toEqual(h)
    return h
  }

  it('appends X-Forwarded-For (frontend option), honours except, header and if-none (backend options)', async () => {
    const h = await compare(
      [
        { path: '/plain/x', headers: { 'x-forwarded-for': '1.2.3.4' }, src: '127.0.0.3' },
        { path: '/plain/x', src: '127.0.0.8' },
        { path: '/hdr/x', headers: { 'x-client-ip': '9.9.9.9', 'x-forwarded-for': '1.1.1.1' }, src: '127.0.0.4' },
        { path: '/ifnone/x', headers: { 'x-forwarded-for': '1.2.3.4' }, src: '127.0.0.4' },
        { path: '/ifnone/x', src: '127.0.0.4' },
        { path: '/except/x', src: '127.0.0.5' },
        { path: '/except/x', src: '127.0.0.9' },
      ],
      originView,
    )
    expect(h[0]?.headers).toEqual(['x-forwarded-for: 1.2.3.4, 127.0.0.3'])
    expect(h[1]?.headers).toEqual([])
  })

  it('adds X-Forwarded-For from the backend alone, and X-Original-To (default and named header)', async () => {
    const h = await compare(
      [
        { path: '/plain/x', src: '127.0.0.3' },
        { path: '/ifnone/x', headers: { 'x-forwarded-for': '1.2.3.4' }, src: '127.0.0.3' },
        { path: '/ifnone/x', src: '127.0.0.3' },
        { path: '/hdr/x', src: '127.0.0.3' },
        { path: '/orig/x', src: '127.0.0.3' },
        { path: '/orighdr/x', src: '127.0.0.3' },
        { path: '/orighdr/x', src: '127.0.0.9' },
      ],
      originView,
      'PORT2',
    )
    expect(h[0]?.headers).toEqual([])
    expect(h[4]?.headers).toEqual(['x-original-to: 127.0.0.1'])
  })

  it('forwards end-to-end headers around the hop-by-hop ones', async () => {
    await compare(
      [
        { path: '/plain/hop', headers: { connection: 'close, X-Foo', 'x-foo': '1', 'keep-alive': 'timeout=5', te: 'trailers', 'proxy-connection': 'keep-alive', 'x-keep': 'k' } },
        { path: '/plain/hop', headers: { connection: 'close', 'proxy-authorization': 'Basic eA==', via: '1.1 other', expect: '100-continue' }, method: 'POST', body: 'abc' },
        { path: '/sclose/x', headers: { connection: 'keep-alive' } },
        { path: '/plain/hop', headers: { host: 'other.example:8443', 'x-dup': ['1', '2'] } },
      ],
      originView,
    )
  })

  it('forwards request bodies intact (content-length, chunked, empty)', async () => {
    const big = patternBytes(300_000)
    const h = await compare(
      [
        { path: '/plain/post', method: 'POST', body: big },
        { path: '/plain/chunked', method: 'POST', body: big, chunked: 65_536 },
        { path: '/plain/put', method: 'PUT', body: 'small' },
        { path: '/plain/empty', method: 'POST', body: '' },
        { path: '/sclose/post', method: 'POST', body: big.subarray(0, 123_457) },
      ],
      originView,
    )
    expect(h[0]?.bodyBytes).toBe(300_000)
    expect(h[0]?.bodySha).toBe(sha256(big))
    expect(h[1]?.bodySha).toBe(sha256(big))
  })

  it('streams response bodies intact', async () => {
    const h = await compare([{ path: '/plain/resp?size=500000' }, { path: '/plain/resp?size=1' }, { path: '/plain/resp?size=0' }, { path: '/sclose/resp?size=70000&status=206' }], bodyView)
    expect(h[0]).toMatchObject({ status: 200, bytes: 500_000, sha: sha256(patternBytes(500_000)) })
  })
})
