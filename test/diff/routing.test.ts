import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveHaproxy, Origins, type Proxy as RunningProxy, type Reply, type Req, send, startEdgeproxy, startHaproxy } from './harness.ts'

/*
 * The same config and the same requests against HAProxy 2.6 and `edgeproxy dev`: routing, ACLs,
 * balancing sequences, hashing, redirects, header rules, cookies, forwarding headers, errors.
 * Requests are sent one at a time, in the same order, to both.
 */
const CONFIG = `
global
    nbthread 1

defaults
    mode http
    option forwardfor
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend fe
    bind 127.0.0.1:@PORT@
    acl is_api path_beg /api/
    acl is_static path_end .css .js
    acl is_canary hdr(X-Canary) -i true
    acl blocked src 127.0.0.66
    acl local_net src 127.0.0.0/29
    http-request deny deny_status 403 if blocked
    http-request redirect scheme https code 301 if { path_beg /secure }
    http-request redirect location /moved code 302 if { path /old }
    http-request redirect prefix /v2 code 307 if { path_beg /legacy }
    http-request return status 200 content-type text/plain string "pong" if { path /ping }
    http-request set-header X-Real-IP %[src]
    http-request add-header X-Method %[method]
    http-request set-header X-Local yes if local_net
    http-request del-header X-Remove-Me
    http-request set-path /rewritten%[path] if { path_beg /rw/ }
    http-request set-header X-Tenant-Lower %[req.hdr(X-Tenant),lower] if { req.hdr(X-Tenant) -m found }
    http-response set-header X-Frontend fe
    use_backend be_api if is_api
    use_backend be_static if is_static
    use_backend be_hdr if is_canary
    use_backend be_cookie if { path_beg /sticky }
    use_backend be_dead if { path_beg /dead }
    use_backend be_param if { url_param(user) -m found }
    default_backend be_rr

backend be_rr
    balance roundrobin
    server a 127.0.0.1:@a@ weight 100
    server b 127.0.0.1:@b@ weight 100
    server c 127.0.0.1:@c@ weight 50

backend be_api
    balance source
    hash-type consistent
    server a 127.0.0.1:@a@
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@

backend be_static
    balance uri
    server a 127.0.0.1:@a@
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@ weight 3

backend be_hdr
    balance hdr(X-Tenant)
    hash-type consistent
    server a 127.0.0.1:@a@
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@

backend be_param
    balance url_param user
    server a 127.0.0.1:@a@
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@

backend be_cookie
    balance roundrobin
    cookie SRV insert indirect nocache
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_dead
    retries 1
    server dead 127.0.0.1:@dead@
`

const FORWARDED = ['x-forwarded-for', 'x-real-ip', 'x-method', 'x-local', 'x-remove-me', 'x-tenant-lower', 'cookie']

/** What must be identical between the two proxies for one request. */
function view(r: Reply) {
  return {
    status: r.status,
    server: r.seen?.server,
    path: r.seen?.url,
    location: r.headers.location,
    setCookie: r.headers['set-cookie'],
    cacheControl: r.headers['cache-control'],
    xFrontend: r.headers['x-frontend'],
    forwarded: r.seen ? Object.fromEntries(FORWARDED.map((h) => [h, r.seen?.headers[h]])) : undefined,
    body: r.seen ? undefined : r.status === 200 ? r.body : undefined,
  }
}

const enabled = haveHaproxy()
if (!enabled && process.env.CI) throw new Error('the differential suite needs haproxy: .ci/run installs it')

describe.skipIf(!enabled)('differential: HAProxy 2.6 vs edgeproxy dev', () => {
  const origins = new Origins()
  let haproxy: RunningProxy
  let edge: RunningProxy

  beforeAll(async () => {
    await origins.start(['a', 'b', 'c'])
    await origins.reserve('dead')
    ;[haproxy, edge] = await Promise.all([startHaproxy(CONFIG, origins), startEdgeproxy(CONFIG, origins)])
  }, 90_000)

  afterAll(async () => {
    await Promise.all([haproxy?.stop(), edge?.stop()])
    await origins.stop()
  })

  async function both(reqs: readonly Req[]) {
    const h: ReturnType<typeof view>[] = []
    const e: ReturnType<typeof view>[] = []
    for (const r of reqs) {
      h.push(view(await send(haproxy.port, r)))
      e.push(view(await send(edge.port, r)))
    }
    return { h, e }
  }

  it('follows the roundrobin sequence for weights 100/100/50', async () => {
    const { h, e } = await both(Array.from({ length: 25 }, () => ({ path: '/' })))
    expect(e).toEqual(h)
    expect(new Set(h.map((x) => x.server))).toEqual(new Set(['a', 'b', 'c']))
  })

  it('hashes the source address onto the same servers (balance source, consistent)', async () => {
    const reqs = Array.from({ length: 24 }, (_, i) => ({ path: '/api/items', src: `127.0.${i % 3}.${((i * 7) % 250) + 1}` }))
    const { h, e } = await both(reqs)
    expect(e).toEqual(h)
  })

  it('hashes the URI (balance uri, map-based) and a header (balance hdr, consistent)', async () => {
    const uris = Array.from({ length: 20 }, (_, i) => ({ path: `/assets/${i}/app${i}.css?v=${i}` }))
    const hdrs = Array.from({ length: 20 }, (_, i) => ({ path: '/x', headers: { 'X-Canary': 'true', 'X-Tenant': `Tenant-${i * 13}` } }))
    const params = Array.from({ length: 20 }, (_, i) => ({ path: `/p?a=1&user=u${i * 31}` }))
    const { h, e } = await both([...uris, ...hdrs, ...params])
    expect(e).toEqual(h)
  })

  it('answers redirects, deny, return and path rewrites identically', async () => {
    const { h, e } = await both([{ path: '/secure/area?x=1' }, { path: '/old' }, { path: '/legacy/page?q=2' }, { path: '/ping' }, { path: '/', src: '127.0.0.66' }, { path: '/rw/thing?z=9' }])
    expect(e).toEqual(h)
    expect(h.map((x) => x.status)).toEqual([301, 302, 307, 200, 403, 200])
  })

  it('sets forwarding headers and header rules identically', async () => {
    const { h, e } = await both([
      { path: '/h', headers: { 'X-Forwarded-For': '203.0.113.1', 'X-Remove-Me': 'x' }, src: '127.0.0.3' },
      { path: '/h', src: '127.0.0.9' },
      { path: '/x', headers: { 'X-Canary': 'TRUE', 'X-Tenant': 'MiXeD' } },
    ])
    expect(e).toEqual(h)
  })

  it('inserts and honours the persistence cookie (insert indirect nocache)', async () => {
    const { h, e } = await both([
      { path: '/sticky' },
      { path: '/sticky' },
      { path: '/sticky', headers: { Cookie: 'SRV=cb; other=1' } },
      { path: '/sticky', headers: { Cookie: 'SRV=ca' } },
      { path: '/sticky', headers: { Cookie: 'SRV=unknown' } },
    ])
    expect(e).toEqual(h)
  })

  it('answers 503 when the only server refuses connections', async () => {
    const { h, e } = await both([{ path: '/dead' }])
    expect(e).toEqual(h)
    expect(h[0]?.status).toBe(503)
  })
})
