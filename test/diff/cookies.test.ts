import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffEnabled, type Pair, type Reply, type Req, startPair, DIFF_DEFAULTS, expectSame } from './harness.ts'

/*
 * Cookie persistence (reference §4) under HAProxy 2.6 and `edgeproxy dev`: the Set-Cookie each
 * mode writes, which server a cookie selects (valid, unknown, disabled, weight 0, backup, expired
 * dates), what the origin receives in Cookie, what the origin's own Set-Cookie becomes (rewrite,
 * prefix, preserve), `nocache`'s Cache-control heuristics, `option persist` and a redispatch that
 * drops persistence. `use_backend be_%[path,field(2,/)]` picks the backend from the first path
 * segment, so each request names the backend it tests.
 */
const CONFIG = `
${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    use_backend be_%[path,field(2,/)]
    default_backend be_ins

backend be_ins
    cookie SRV insert indirect nocache
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_attrs
    cookie SRV insert indirect nocache httponly secure domain .example.com domain .ex2.com attr SameSite=Lax
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb
    server c 127.0.0.1:@c@

backend be_pre
    cookie SRV insert preserve
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_preind
    cookie SRV insert indirect preserve
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_rw
    cookie JSESSIONID rewrite
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_pfx
    cookie JSESSIONID prefix
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_passive
    cookie SRV
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_idle
    cookie SRV insert maxidle 30m
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_life
    cookie SRV insert indirect maxidle 30m maxlife 8h
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_post
    cookie SRV insert postonly
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb

backend be_state
    cookie SRV insert indirect
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb disabled
    server c 127.0.0.1:@c@ cookie cc weight 0
    server d 127.0.0.1:@c@ cookie cd backup

backend be_persist
    cookie SRV insert indirect
    option persist
    server a 127.0.0.1:@a@ cookie ca
    server b 127.0.0.1:@b@ cookie cb disabled

backend be_redisp
    cookie SRV insert indirect
    option persist
    option redispatch
    retries 2
    timeout connect 200ms
    server dead 127.0.0.1:@dead@ cookie cx
    server a 127.0.0.1:@a@ cookie ca
`

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** HAProxy's cookie date for unix second `s` (s30tob64(s >> 2)). */
function date(s: number): string {
  let v = Math.floor(s / 4) & 0x3fffffff
  let out = ''
  for (let i = 0; i < 5; i++) {
    out = (B64[v & 63] as string) + out
    v = Math.floor(v / 64)
  }
  return out
}

function undate(d: string): number {
  let v = 0
  for (const c of d) v = v * 64 + B64.indexOf(c)
  return v * 4
}

/**
 * Replaces the dates of a persistence cookie (`SRV=x|LAST|FIRST`) written "now" by `<now>`, so the
 * two proxies' answers compare even when they straddle a 4-second tick; dates the client sent
 * (`kept`) stay as they are.
 */
function normDates(v: string, kept: ReadonlySet<string>): string {
  return v.replace(/\|([A-Za-z0-9+/]{5})/g, (m, d: string) => {
    if (kept.has(d)) return m
    return Math.abs(undate(d) - Date.now() / 1000) <= 12 ? '|<now>' : m
  })
}

function arr(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/** What must match for one request: status, server, cookies both ways, Cache-control. */
function viewWith(kept: ReadonlySet<string>) {
  return (r: Reply) => ({
    status: r.status,
    server: r.seen?.server,
    setCookie: arr(r.headers['set-cookie']).map((v) => normDates(v, kept)),
    // HAProxy adds its own `Cache-control: private` line; Node's client joins repeated lines with ', '.
    cacheControl: r.headers['cache-control'],
    originCookie: r.seen?.headers.cookie,
  })
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: cookie persistence', () => {
  let p: Pair
  const now = Math.floor(Date.now() / 1000)
  const d = {
    future40: date(now + 40),
    past10: date(now - 10),
    past2h: date(now - 7200),
    past9h: date(now - 9 * 3600),
    future2d: date(now + 2 * 86_400),
  }
  const kept = new Set(Object.values(d))
  const view = viewWith(kept)

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a', 'b', 'c'], dead: ['dead'] })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  const compare = (reqs: readonly Req[]) => expectSame(p, reqs, view)

  it('inserts with every attribute, clears the cookie of a cookieless server, strips it when indirect', async () => {
    const h = await compare([
      { path: '/attrs/x' },
      { path: '/attrs/x' },
      { path: '/attrs/x' },
      { path: '/attrs/x', headers: { cookie: 'a=1; SRV=cb; z=2' } },
      { path: '/attrs/x', headers: { cookie: 'SRV=cb' } },
      { path: '/ins/x', headers: { cookie: 'SRV=unknown' } },
      { path: '/ins/x', headers: { cookie: 'SRV=' } },
    ])
    expect(h[0]?.setCookie).toEqual(['SRV=ca; path=/; domain=.example.com; domain=.ex2.com; HttpOnly; Secure; SameSite=Lax'])
    expect(h[2]?.setCookie).toEqual(['SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/; domain=.example.com; domain=.ex2.com; HttpOnly; Secure; SameSite=Lax'])
    expect(h[3]).toMatchObject({ server: 'b', setCookie: [], originCookie: 'a=1; z=2' })
  })

  it('takes the first occurrence of the cookie that names a server', async () => {
    await compare([
      { path: '/ins/x', headers: { cookie: 'SRV=zz; SRV=cb' } },
      { path: '/ins/x', headers: { cookie: 'SRV=; SRV=cb' } },
      { path: '/ins/x', headers: { cookie: 'SRV=cb; SRV=ca' } },
      { path: '/ins/x', headers: { cookie: 'other=1;SRV=cb;x=2' } },
    ])
  })

  it("deletes or preserves the origin's own cookie of that name (insert, preserve, indirect)", async () => {
    const h = await compare([
      { path: '/ins/x?set-cookie=SRV%3Dorigin', headers: { cookie: 'SRV=cb' } },
      { path: '/ins/x?set-cookie=SRV%3Dorigin' },
      { path: '/ins/x?set-cookie=other%3D1%3B%20Path%3D%2F' },
      { path: '/pre/x?set-cookie=SRV%3Dorigin' },
      { path: '/pre/x' },
      { path: '/pre/x', headers: { cookie: 'SRV=ca' } },
      { path: '/preind/x?set-cookie=SRV%3Dorigin', headers: { cookie: 'SRV=cb' } },
      { path: '/preind/x?set-cookie=SRV%3Dorigin' },
    ])
    expect(h[3]?.setCookie).toEqual(['SRV=origin'])
    expect(h[6]?.setCookie).toEqual(['SRV=origin'])
  })

  it("rewrites (rewrite) or prefixes (prefix) the origin's cookie and routes on it", async () => {
    const h = await compare([
      { path: '/rw/x?set-cookie=JSESSIONID%3Dabc%3B%20Path%3D%2F' },
      { path: '/rw/x', headers: { cookie: 'JSESSIONID=cb' } },
      { path: '/rw/x?set-cookie=other%3D1' },
      { path: '/pfx/x?set-cookie=JSESSIONID%3Dabc%3B%20Path%3D%2F' },
      { path: '/pfx/x?set-cookie=JSESSIONID%3Dabc%3B%20Path%3D%2F', headers: { cookie: 'JSESSIONID=cb~abc; k=v' } },
      { path: '/pfx/x', headers: { cookie: 'JSESSIONID=zz~abc' } },
      { path: '/pfx/x', headers: { cookie: 'JSESSIONID=cb' } },
      { path: '/passive/x', headers: { cookie: 'SRV=cb' } },
      { path: '/passive/x?set-cookie=SRV%3Dzz' },
    ])
    expect(h[0]?.setCookie).toEqual(['JSESSIONID=ca; Path=/'])
    expect(h[4]).toMatchObject({ server: 'b', setCookie: ['JSESSIONID=cb~abc; Path=/'], originCookie: 'JSESSIONID=abc; k=v' })
    expect(h[6]?.server).toBe('b')
  })

  it('dates cookies (maxidle, maxlife), refreshes only past dates and ignores expired ones', async () => {
    const h = await compare([
      { path: '/idle/x' },
      { path: '/idle/x', headers: { cookie: 'SRV=cb' } },
      { path: '/idle/x', headers: { cookie: `SRV=cb|${d.future40}` } },
      { path: '/idle/x', headers: { cookie: `SRV=cb|${d.past10}` } },
      { path: '/idle/x', headers: { cookie: `SRV=cb|${d.past2h}` } },
      { path: '/idle/x', headers: { cookie: `SRV=cb|${d.future40}|${d.future40}` } },
      { path: '/life/x' },
      { path: '/life/x', headers: { cookie: `SRV=cb|${d.future40}|${d.past2h}` } },
      { path: '/life/x', headers: { cookie: `SRV=cb|${d.past10}|${d.past2h}` } },
      { path: '/life/x', headers: { cookie: `SRV=cb|${d.future40}` } },
      { path: '/life/x', headers: { cookie: `SRV=cb|${d.future40}|${d.past9h}` } },
      { path: '/life/x', headers: { cookie: `SRV=cb|${d.future40}|${d.future2d}` } },
      { path: '/ins/x', headers: { cookie: `SRV=cb|${d.future40}` } },
      { path: '/ins/x', headers: { cookie: `SRV=cb|${d.past10}` } },
      { path: '/ins/x', headers: { cookie: `SRV=cb|${d.past10}|${d.past10}` } },
    ])
    expect(h[0]?.setCookie).toEqual(['SRV=ca|<now>; path=/'])
    expect(h[2]?.setCookie).toEqual([])
    expect(h[6]?.setCookie).toEqual(['SRV=ca|<now>|<now>; path=/'])
    expect(h[7]?.setCookie).toEqual([])
    expect(h[8]?.setCookie).toEqual([`SRV=cb|<now>|${d.past2h}; path=/`])
  })

  it('inserts on POST only with postonly', async () => {
    await compare([{ path: '/post/x' }, { path: '/post/x', method: 'POST', body: 'hello' }, { path: '/post/x', method: 'PUT', body: 'hello' }])
  })

  it('honours cookies for weight 0 and backup servers, rebalances for disabled or unknown ones', async () => {
    const h = await compare([
      { path: '/state/x' },
      { path: '/state/x' },
      { path: '/state/x', headers: { cookie: 'SRV=cb' } },
      { path: '/state/x', headers: { cookie: 'SRV=cc' } },
      { path: '/state/x', headers: { cookie: 'SRV=cd' } },
      { path: '/state/x', headers: { cookie: 'SRV=nope' } },
    ])
    expect(h.map((x) => x.server)).toEqual(['a', 'a', 'a', 'c', 'c', 'a'])
  })

  it('sends a cookie for a disabled server there with option persist', async () => {
    const h = await compare([{ path: '/persist/x', headers: { cookie: 'SRV=cb' } }, { path: '/persist/x' }])
    expect(h[0]?.server).toBe('b')
  })

  it('redispatches a persistent request whose server refuses connections and re-inserts the cookie', async () => {
    const h = await compare([{ path: '/redisp/x', headers: { cookie: 'SRV=cx' } }])
    expect(h[0]).toMatchObject({ status: 200, server: 'a', setCookie: ['SRV=ca; path=/'] })
  })

  it('adds Cache-control: private with nocache only to responses HAProxy deems cacheable', async () => {
    const cc = (v: string) => `/ins/x?rh=${encodeURIComponent(`cache-control:${v}`)}`
    const h = await compare([
      { path: '/ins/x' },
      { path: cc('max-age=60') },
      { path: cc('public') },
      { path: '/ins/x?rh=expires:Thu,%2001%20Jan%202037%2000:00:00%20GMT' },
      { path: '/ins/x?rh=etag:%22x%22' },
      { path: '/ins/x?rh=last-modified:Thu,%2001%20Jan%202015%2000:00:00%20GMT' },
      { path: `${cc('max-age=60')}&rh=pragma:no-cache` },
      { path: cc('max-age=60, no-cache="set-cookie"') },
      { path: cc('max-age=60, private') },
      { path: cc('no-store, max-age=60') },
      { path: `${cc('max-age=60')}&status=302` },
      { path: `${cc('max-age=60')}&status=404` },
      { path: `${cc('public, max-age=60')}&status=302` },
      { path: cc('public, max-age=60'), method: 'POST', body: 'x' },
      { path: cc('max-age=60'), method: 'POST', body: 'x' },
      { path: cc('s-maxage=0, max-age=60') },
      { path: cc('max-age=0') },
      { path: cc('Max-Age=60') },
      { path: cc('max-age=60'), method: 'HEAD' },
    ])
    expect(h[0]?.cacheControl).toBeUndefined()
    expect(h[1]?.cacheControl).toBe('max-age=60, private')
  })
})
