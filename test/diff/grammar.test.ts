import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, DIFF_DEFAULTS, diffEnabled, expectSame, type Pair, type Reply, startPair } from './harness.ts'

/*
 * HAProxy 2.6's config grammar (acl.c parse_acl_cond, http_rules.c http_parse_redirect_rule,
 * tools.c parse_time_err, keyword placement) under HAProxy 2.6 and `edgeproxy dev`: both accept the
 * same config, and the forms it uses make the same decisions. The config itself holds forms that
 * HAProxy only warns about: `15min`-style times, `timeout server` in a frontend, `option httplog`
 * in a backend, a frontend without `bind`.
 */
const CONFIG = `
${DIFF_DEFAULTS}
    timeout http-request 10sec

frontend fe
    bind 127.0.0.1:@PORT@
    timeout server 5s
    http-request set-header X-Empty-If yes if
    http-request set-header X-Empty-Unless yes unless
    http-request set-header X-Bang-Alone yes if ! { path_beg /nob }
    acl st status 200
    http-request set-header X-Neg-Status yes if !{ status 200 }
    http-request set-header X-Pos-Status yes if st
    http-response set-header X-Resp-St yes if st
    http-response set-header X-Resp-Path yes if { path_beg / }
    http-response set-header X-Resp-Method yes if { method GET }
    http-request redirect code 301 location /x if { path /r1 }
    http-request redirect drop-query code 308 prefix /p append-slash if { path_beg /r2 }
    http-request redirect set-cookie SEEN=1 code 303 location /y clear-cookie OLD if { path /r3 }
    http-request redirect location /a location /b code 307 if { path /r4 }
    http-request redirect code 302abc scheme https if { path /r5 }
    redirect code 301 location /static%[path] if { path /r6 }
    use_backend be_two if !{ path_beg /one } { path_beg /t } OR { req.hdr(x-two) -m found }
    use_backend be_two if { path /or1 } || { path /or2 } or { path /or3 }
    use_backend be_two if { hdr_dom(host) -m end -i two.example }
    use_backend be_two if or !!{ path /double } or
    use_backend be_dead if { path_beg /dead }
    default_backend be_one

frontend plain
    bind 127.0.0.1:@PORT2@
    redirect scheme https if !{ ssl_fc }
    default_backend be_one

frontend unbound
    default_backend be_one

backend be_one
    option httplog
    server a 127.0.0.1:@a@

backend be_two
    server b 127.0.0.1:@b@

backend be_dead
    retries 0
    errorloc303 503 /maintenance
    server d 127.0.0.1:@dead@
`

interface View {
  readonly status: number
  readonly location: string | string[] | undefined
  readonly setCookie: string | string[] | undefined
  readonly cacheControl: string | string[] | undefined
  readonly server: string | undefined
  readonly url: string | undefined
  readonly marks: readonly (string | string[] | undefined)[] | undefined
  readonly resp: readonly (string | string[] | undefined)[]
}

function view(r: Reply): View {
  const s = r.seen
  return {
    status: r.status,
    location: r.headers.location,
    setCookie: r.headers['set-cookie'],
    cacheControl: r.headers['cache-control'],
    server: s?.server,
    url: s?.url,
    marks: s ? ['x-empty-if', 'x-empty-unless', 'x-bang-alone', 'x-neg-status', 'x-pos-status'].map((h) => s.headers[h]) : undefined,
    resp: ['x-resp-st', 'x-resp-path', 'x-resp-method'].map((h) => r.headers[h]),
  }
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: HAProxy 2.6 grammar', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a', 'b'], dead: ['dead'], extraPorts: ['PORT2'] })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  it("redirects plain HTTP with 'redirect scheme https if !{ ssl_fc }'", async () => {
    const { h, e } = await both(p, [{ path: '/a/b?q=1' }, { path: '/' }], view, 'PORT2')
    expect(e).toEqual(h)
    expect(h.map((x) => [x.status, x.location])).toEqual([
      [302, 'https://shop.example.com/a/b?q=1'],
      [302, 'https://shop.example.com/'],
    ])
  })

  it('reads http-request redirect options in any order, before or after the type', async () => {
    const h = await expectSame(p, [{ path: '/r1' }, { path: '/r2/x?q=1' }, { path: '/r3' }, { path: '/r4' }, { path: '/r5?k=v' }, { path: '/r6' }], view)
    expect(h.map((x) => [x.status, x.location])).toEqual([
      [301, '/x'],
      [308, '/p/r2/x/'],
      [303, '/y'],
      [307, '/b'],
      [302, 'https://shop.example.com/r5?k=v'],
      [301, '/static%[path]'],
    ])
    // One cookie per rule: the later clear-cookie replaces the set-cookie.
    expect(h[2]?.setCookie).toEqual(['OLD; path=/; Max-Age=0;'])
  })

  it("routes on '!{ }', 'OR', '||', any-case 'or', '!!' and '-m' after an ACL keyword", async () => {
    const h = await expectSame(
      p,
      [
        { path: '/t' },
        { path: '/one/t' },
        { path: '/x', headers: { 'x-two': '1' } },
        { path: '/or1' },
        { path: '/or2' },
        { path: '/or3' },
        { path: '/or4' },
        { path: '/x', headers: { host: 'www.two.example' } },
        { path: '/double' },
      ],
      view,
    )
    expect(h.map((x) => x.server)).toEqual(['b', 'a', 'b', 'b', 'b', 'b', 'a', 'b', 'b'])
  })

  it("treats an empty condition as false and a lone '!' as negating the next term", async () => {
    const h = await expectSame(p, [{ path: '/x' }, { path: '/nob' }], view)
    expect(h.map((x) => x.marks)).toEqual([
      [undefined, 'yes', 'yes', 'yes', undefined],
      [undefined, 'yes', undefined, 'yes', undefined],
    ])
  })

  it('accepts ACLs whose keywords belong to the other phase: they never match there', async () => {
    const h = await expectSame(p, [{ path: '/x' }], view)
    expect(h[0]?.marks?.slice(3)).toEqual(['yes', undefined])
    // 'status' in a response rule and 'method' there match; 'path' there never does.
    expect(h[0]?.resp).toEqual(['yes', undefined, 'yes'])
  })

  it("answers an error with the redirect of 'errorloc303'", async () => {
    const h = await expectSame(p, [{ path: '/dead' }], view)
    expect(h.map((x) => [x.status, x.location, x.cacheControl])).toEqual([[303, '/maintenance', 'no-cache']])
  })
})
