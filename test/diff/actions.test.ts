import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffEnabled, type Pair, type Reply, type Req, startPair, DIFF_DEFAULTS, expectSame } from './harness.ts'

/*
 * http-request / http-response actions (reference §6) under HAProxy 2.6 and `edgeproxy dev`:
 * header rewrites, URI rewrites, variables and converters, log-format rendering, deny/return
 * payloads with their exact status line and body, every redirect flavour, dynamic use_backend, and
 * response rules conditioned on `status` and `res.hdr`.
 */
const CONFIG = `
${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    http-request set-var(txn.path_up) path,upper
    http-request set-var(req.tenant) req.hdr(x-tenant),lower,field(1,.) if { req.hdr(x-tenant) -m found }
    http-request set-var-fmt(txn.quoted) %{+Q}[req.hdr(x-in)]
    http-request set-header X-Path-Up %[var(txn.path_up)]
    http-request set-header X-Tenant %[var(req.tenant)]
    http-request set-header X-Src %[src]
    http-request set-header X-Quoted %{+Q}[req.hdr(x-in)]
    http-request set-header X-Var-Quoted %[var(txn.quoted)]
    http-request set-header X-Ci %{+Q}ci
    http-request set-header X-Decoded %[url_param(d),url_dec] if { url_param(d) -m found }
    http-request set-header X-Mixed pre-%[method]-%[path]-post
    http-request add-header X-Added one
    http-request add-header X-Added two
    http-request del-header X-Drop
    http-request del-header X-Beg- -m beg
    http-request replace-header X-Rep (.*)-(\\d+) \\2:\\1
    http-request replace-value X-Vals ^a(.*)$ A\\1
    http-request set-header X-Extend %[req.hdr(x-extend)],more if { req.hdr(x-extend) -m found }
    http-request deny deny_status 429 if { path /deny429 }
    http-request deny if { path /deny }
    http-request deny deny_status 403 content-type text/plain string "nope" hdr X-Why blocked hdr X-Who %[src] if { path /denystr }
    http-request deny deny_status 400 content-type text/plain string "bad" if { path /deny400 }
    http-request return status 201 content-type "text/plain" string "made" hdr X-R1 v1 if { path /ret }
    http-request return status 200 content-type "application/json" lf-string "{\\"p\\":\\"%[path]\\",\\"m\\":\\"%[method]\\"}" if { path /retlf }
    http-request return status 204 if { path /ret204 }
    http-request return if { path /retdef }
    http-request return status 404 hdr X-None 1 if { path /ret404 }
    http-request return status 302 hdr Location /x if { path /ret302 }
    http-request return status 503 default-errorfiles if { path /ret503 }
    http-request redirect location /elsewhere if { path /r1 }
    http-request redirect location /elsewhere?a=1 code 301 if { path /r2 }
    http-request redirect prefix /pfx code 303 if { path_beg /r3 }
    http-request redirect prefix /pfx code 307 drop-query if { path_beg /r4 }
    http-request redirect prefix /pfx code 308 drop-query append-slash if { path_beg /r5 }
    http-request redirect prefix / drop-query append-slash if { path_beg /r6 }
    http-request redirect scheme https if { path_beg /r7 }
    http-request redirect scheme https code 301 drop-query if { path_beg /r8 }
    http-request redirect location /c set-cookie SEEN=1 if { path /r9 }
    http-request redirect location /c clear-cookie SEEN if { path /r10 }
    http-request redirect location /c clear-cookie SEEN= code 302 if { path /r11 }
    http-request redirect location %[req.hdr(x-to)] if { path /r12 } { req.hdr(x-to) -m found }
    http-request redirect location %[req.hdr(x-to)] ignore-empty if { path /r13 }
    http-request redirect scheme https if { path /r14 }
    http-request set-path /new%[path] if { path_beg /sp/ }
    http-request set-query q=1&%[query] if { path_beg /sq }
    http-request set-uri /uri/x?z=1 if { path_beg /su }
    http-request set-pathq /pq?y=2 if { path_beg /spq }
    http-request replace-path /rp/(.*) /replaced/\\1 if { path_beg /rp/ }
    http-request set-method PUT if { path_beg /meth }
    use_backend be_%[req.hdr(x-be),lower] if { req.hdr(x-be) -m found }
    use_backend be_two if { path_beg /two }
    default_backend be_one
    http-response set-header X-Fe-Resp %[status]
    http-response set-header X-Cond-404 yes if { status 404 }
    http-response del-header X-Origin-Drop
    http-response replace-header X-Origin-Rep (.*)-(.*) \\2-\\1
    http-response set-status 299 if { res.hdr(x-mark) -m str setme }
    http-response set-status 418 reason "I'm a teapot" if { res.hdr(x-mark) -m str teapot }
    http-response deny if { res.hdr(x-mark) -m str deny }
    http-response deny deny_status 503 if { res.hdr(x-mark) -m str deny503 }
    http-response return status 200 content-type text/plain string "replaced" if { res.hdr(x-mark) -m str ret }
    http-response add-header X-Status-Class 5xx if { status ge 500 }

backend be_one
    http-response set-header X-Be one
    server a 127.0.0.1:@a@

backend be_two
    http-request set-header X-In-Be two
    http-response set-header X-Be two
    http-response set-header X-Fe-Resp be-first
    server b 127.0.0.1:@b@
`

/** Headers that differ for reasons outside the proxy logic: dates, connection handling, workerd's own. */
const NOISE = new Set(['date', 'connection', 'keep-alive', 'host', 'accept-encoding', 'cf-worker', 'content-length'])

function pairs(raw: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = (raw[i] as string).toLowerCase()
    if (!NOISE.has(n)) out.push(`${n}: ${raw[i + 1] as string}`)
  }
  return out.sort()
}

interface View {
  readonly status: number
  readonly reason: string
  readonly headers: readonly string[]
  /** The origin's view of the request, when an origin answered. */
  readonly origin?: { readonly server: string; readonly method: string; readonly url: string; readonly headers: readonly string[] }
  /** A body the proxy wrote itself must match byte for byte, with its length. */
  readonly body?: string
  readonly contentLength?: string | string[]
}

/** Status line, response headers, and either the origin's view of the request or the proxy's own body. */
function view(r: Reply): View {
  const base = { status: r.status, reason: r.statusMessage, headers: pairs(r.rawHeaders) }
  if (r.seen) return { ...base, origin: { server: r.seen.server, method: r.seen.method, url: r.seen.url, headers: pairs(r.seen.rawHeaders) } }
  const cl = r.headers['content-length']
  return { ...base, body: r.body, ...(cl !== undefined ? { contentLength: cl } : {}) }
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: http-request / http-response actions', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a', 'b'] })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  const compare = (reqs: readonly Req[]) => expectSame(p, reqs, view)

  it('rewrites request headers: set/add/del/replace-header/replace-value, variables, converters, log-format', async () => {
    const h = await compare([
      {
        path: '/a/b?x=1&d=%41%0Ab%22',
        headers: { 'x-tenant': 'ACME.corp', 'x-in': 'he said "hi"', 'x-drop': '1', 'x-beg-one': '1', 'x-beg-two': '2', 'x-rep': 'abc-123', 'x-vals': 'abc, bcd,  axe  , q', 'x-extend': 'v1' },
      },
      { path: '/plain' },
    ])
    const seen = h[0]?.origin?.headers ?? []
    expect(seen).toContain('x-quoted: he said "hi"')
    expect(seen).toContain('x-var-quoted: "he said "hi""')
    expect(seen).toContain('x-ci: "127.0.0.1"')
    expect(seen).toContain('x-decoded: A%0Ab"')
    expect(seen).toContain('x-vals: Abc, bcd,Axe, q')
    expect(h[1]?.origin?.headers).toContain('x-var-quoted: ""')
  })

  it('answers deny and return with the exact status line, headers and body', async () => {
    const h = await compare([
      { path: '/deny429' },
      { path: '/deny' },
      { path: '/denystr' },
      { path: '/deny400' },
      { path: '/ret' },
      { path: '/retlf?q=1', method: 'POST', body: 'x' },
      { path: '/ret204' },
      { path: '/retdef' },
      { path: '/ret404' },
      { path: '/ret302' },
      { path: '/ret503' },
    ])
    expect(h.map((x) => `${x.status} ${x.reason}`)).toEqual([
      '429 Too Many Requests',
      '403 Forbidden',
      '403 Forbidden',
      '400 Bad Request',
      '201 Created',
      '200 OK',
      '204 No Content',
      '200 OK',
      '404 Not Found',
      '302 Moved Temporarily',
      '503 Service Unavailable',
    ])
  })

  it('redirects with location, prefix and scheme, each code and option', async () => {
    const h = await compare([
      { path: '/r1?a=b' },
      { path: '/r2?q=z' },
      { path: '/r3/x?q=1' },
      { path: '/r4/x?q=1' },
      { path: '/r5/x?q=1' },
      { path: '/r5/x/?q=1' },
      { path: '/r6/y?k=1' },
      { path: '/r7/x?q=1' },
      { path: '/r8/x?q=1' },
      { path: '/r9' },
      { path: '/r10' },
      { path: '/r11' },
      { path: '/r12', headers: { 'x-to': 'https://other.example/p' } },
      { path: '/r13' },
      { path: '/r13', headers: { 'x-to': '/dest' } },
      { path: '/r14', headers: { host: 'shop.example.com:8080' } },
    ])
    expect(h.map((x) => x.status)).toEqual([302, 301, 303, 307, 308, 308, 302, 302, 301, 302, 302, 302, 302, 200, 302, 302])
  })

  it('rewrites the request line: set-path, set-query, set-uri, set-pathq, replace-path, set-method', async () => {
    await compare([
      { path: '/sp/a?k=v' },
      { path: '/sq?o=1' },
      { path: '/sq' },
      { path: '/su/a?b=c' },
      { path: '/spq/a?b=c' },
      { path: '/rp/deep/x?q=1' },
      { path: '/meth', method: 'POST', body: 'payload' },
    ])
  })

  it('routes with a dynamic use_backend name and falls back to default_backend on an unknown one', async () => {
    const h = await compare([{ path: '/x', headers: { 'x-be': 'TWO' } }, { path: '/x', headers: { 'x-be': 'nope' } }, { path: '/two' }])
    expect(h.map((x) => x.origin?.server)).toEqual(['b', 'a', 'b'])
  })

  it('runs http-response rules (backend first) on status and res.hdr conditions', async () => {
    const h = await compare([
      { path: '/x?status=404&rh=x-origin-drop:1&rh=x-origin-rep:left-right' },
      { path: '/x?rh=x-mark:setme' },
      { path: '/x?rh=x-mark:teapot' },
      { path: '/x?rh=x-mark:deny' },
      { path: '/x?rh=x-mark:deny503' },
      { path: '/x?rh=x-mark:ret' },
      { path: '/x?status=503' },
      { path: '/two' },
    ])
    expect(h.map((x) => `${x.status} ${x.reason}`)).toEqual([
      '404 Not Found',
      '299 Success',
      "418 I'm a teapot",
      '502 Bad Gateway',
      '503 Service Unavailable',
      '200 OK',
      '503 Service Unavailable',
      '200 OK',
    ])
  })
})
