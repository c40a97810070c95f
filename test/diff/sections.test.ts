import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, expectSame, type Pair, type Reply, type Req, startPair } from './harness.ts'

/*
 * The auxiliary sections under HAProxy 2.6 and `edgeproxy dev`: a userlist checked by http_auth
 * and http_auth_group (insecure-password and $6$/$5$/$1$ crypt hashes, from `openssl passwd`),
 * `http-request auth` and its 401; an http-errors section used through `errorfiles` and
 * `http-request return ... errorfiles`, with `http-error`; a table declared in a peers section
 * that rate-limits with track-sc0; and proc variables set in `global`.
 */
const CONFIG = `${DIFF_DEFAULTS.replace('global\n', 'global\n    set-var proc.greeting str(hello)\n    set-var-fmt proc.both "%[var(proc.greeting)]-%[int(42)]"\n')}
userlist L
    group admins
    group ops users alice
    user alice insecure-password plain
    user bob password $6$s6salt$udvPw/rfV2iToc3uupfelb3kxerU5xKrHZptWZSDNIGG6kXFt/qkJFYyGgk9o1Ek/PyvAiJECSQcbj3651pnd/ groups admins
    user carol password $5$s5salt$n0z5Mi9ceD5byJyqZv4KWr0U0xpklmi9ZWqujqaL.n3 groups admins,ops
    user dave password $1$s1salt$qHVo7VrgdtiG3MGklEobT.

http-errors site
    errorfile 403 @DIR@/403.http
    errorfile 404 @DIR@/404.http

peers mypeers
    table stkt type ip size 1m expire 60s store http_req_rate(10s)

frontend fe
    bind 127.0.0.1:@PORT@
    acl auth_path path_beg /auth
    acl is_admin http_auth_group(L) admins
    acl is_ops http_auth_group(L) ops
    acl authed http_auth(L)
    http-request auth realm Staff if auth_path !authed
    http-request return status 200 content-type text/plain lf-string "admin %[http_auth_group(L)]" if auth_path is_admin
    http-request return status 200 content-type text/plain string ops if auth_path is_ops
    http-request return status 200 content-type text/plain string user if auth_path
    http-request return status 200 content-type text/plain lf-string "%[var(proc.both)] %[var(proc.greeting),upper]" if { path /vars }
    use_backend be_err if { path_beg /err }
    use_backend be_rate if { path_beg /rate }
    use_backend be_bauth if { path_beg /bauth }
    default_backend be_live

backend be_live
    server a 127.0.0.1:@a@

backend be_err
    errorfiles site
    http-error status 500 content-type text/plain string "custom 500"
    http-error status 502 content-type text/plain lf-string "bad gateway for %[path]" hdr x-path "%[path]"
    http-error status 200 content-type text/plain string "fine"
    http-request deny deny_status 502 if { path /err/502 }
    http-request return status 200 default-errorfiles if { path /err/200 }
    http-request deny deny_status 403 if { path /err/403 }
    http-request deny deny_status 404 if { path /err/404 }
    http-request deny deny_status 500 if { path /err/500 }
    http-request deny deny_status 400 if { path /err/400 }
    http-request return status 404 errorfiles site if { path /err/ret }
    server a 127.0.0.1:@a@

backend be_bauth
    http-request auth unless { http_auth(L) }
    server a 127.0.0.1:@a@

backend be_rate
    http-request track-sc0 src table mypeers/stkt
    http-request deny if { sc_http_req_rate(0) gt 2 }
    server a 127.0.0.1:@a@
`

const FILES = {
  '403.http': 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Page: site\r\n\r\nsite forbids this\n',
  '404.http': 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Page: site\r\n\r\nsite has no such page\n',
}

function view(r: Reply) {
  return {
    status: r.status,
    reason: r.statusMessage,
    server: r.seen?.server,
    authenticate: r.headers['www-authenticate'],
    contentType: r.headers['content-type'],
    page: r.headers['x-page'],
    xpath: r.headers['x-path'],
    body: r.seen ? undefined : r.body,
  }
}

const basic = (user: string, pw: string): Req['headers'] => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` })

describe.skipIf(!diffEnabled())('differential: userlist, http-errors, peers tables, global variables', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a'], files: FILES })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  it('authenticates insecure-password, SHA-512, SHA-256 and MD5 users and routes by group', async () => {
    const h = await expectSame(
      p,
      [
        { path: '/auth', headers: basic('alice', 'plain') },
        { path: '/auth', headers: basic('bob', 'pw6') },
        { path: '/auth', headers: basic('carol', 'pw5') },
        { path: '/auth', headers: basic('dave', 'pw1') },
      ],
      view,
    )
    expect(h.map((x) => [x.status, x.body])).toEqual([
      [200, 'ops'],
      [200, 'admin bob'],
      [200, 'admin carol'],
      [200, 'user'],
    ])
  })

  it('answers wrong, unknown and missing credentials with the same 401 and WWW-Authenticate', async () => {
    const h = await expectSame(
      p,
      [
        { path: '/auth', headers: basic('bob', 'pw5') },
        { path: '/auth', headers: basic('alice', 'Plain') },
        { path: '/auth', headers: basic('mallory', 'pw1') },
        { path: '/auth', headers: { authorization: 'Bearer abc' } },
        { path: '/auth' },
        { path: '/bauth', headers: basic('dave', 'pw2') },
        { path: '/bauth', headers: basic('dave', 'pw1') },
      ],
      view,
    )
    for (const x of h.slice(0, 5)) expect(x).toMatchObject({ status: 401, authenticate: 'Basic realm="Staff"' })
    // Without a realm, the realm is the name of the proxy whose rule asks.
    expect(h[5]).toMatchObject({ status: 401, authenticate: 'Basic realm="be_bauth"' })
    expect(h[6]).toMatchObject({ status: 200, server: 'a' })
  })

  it('serves the http-errors pages, http-error replies and the built-in pages', async () => {
    const h = await expectSame(
      p,
      [{ path: '/err/403' }, { path: '/err/404' }, { path: '/err/500' }, { path: '/err/400' }, { path: '/err/ret' }, { path: '/err/ok' }, { path: '/err/502' }, { path: '/err/200' }],
      view,
    )
    expect(h.map((x) => [x.status, x.page ?? x.server ?? null])).toEqual([
      [403, 'site'],
      [404, 'site'],
      [500, null],
      [400, null],
      [404, 'site'],
      [200, 'a'],
      [502, null],
      [200, null],
    ])
    expect(h[2]?.body).toBe('custom 500')
    expect(h[6]).toMatchObject({ body: 'bad gateway for /err/502', xpath: '/err/502' })
    expect(h[7]?.body).toBe('fine')
  })

  it('rate-limits with a table declared in a peers section', async () => {
    const h = await expectSame(p, [{ path: '/rate/1' }, { path: '/rate/2' }, { path: '/rate/3' }, { path: '/rate/4' }], view)
    expect(h.map((x) => x.status)).toEqual([200, 200, 403, 403])
  })

  it('reads the proc variables set in global', async () => {
    const h = await expectSame(p, [{ path: '/vars' }], view)
    expect(h[0]?.body).toBe('hello-42 HELLO')
  })
})
