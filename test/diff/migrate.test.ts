import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateConfig } from '../../src/config/migrate.ts'
import { diffEnabled, expectSame, type Pair, type Reply, startPair } from './harness.ts'

/*
 * `edgeproxy migrate` on a HAProxy 1.x config, then the migrated config under HAProxy 2.6 and
 * `edgeproxy dev`: the rewritten header rules (reqadd, reqidel, reqideny, reqitarpit, block,
 * reqrep on the request line, reqirep on a header, reqdeny with 'unless', rspidel, rsprep, rspadd,
 * rspideny) must act the same on both.
 */
const LEGACY = `
global
    nbthread 1

defaults
    mode http
    contimeout 2s
    clitimeout 10s
    srvtimeout 10s
    timeout tarpit 200ms
    redispatch

frontend fe
    bind 127.0.0.1:@PORT@
    option forceclose
    acl is_api path_beg /api
    reqadd X-Forwarded-Proto:\\ http
    reqidel ^X-Debug:.*
    reqideny ^User-Agent:\\ .*evilbot
    reqitarpit ^X-Scanner:
    http-request set-header X-Frontend fe
    reqadd X-Api:\\ yes if is_api
    block if { path_beg /private }
    rspidel ^Server:
    rspadd X-Edge:\\ yes
    rspideny ^X-Internal-Secret:
    default_backend app

backend app
    acl from_lb src 127.0.0.2
    reqrep ^([^\\ :]*)\\ /static/(.*)     \\1\\ /assets/\\2
    reqirep ^(GET|HEAD)\\ /OLD/(.*)   \\1\\ /new/\\2
    reqirep ^X-Site:\\ old\\.example\\.com   X-Site:\\ new.example.com
    reqdeny ^[^\\ :]*\\ /admin unless from_lb
    rsprep ^X-Powered-By:\\ (.*)         X-Powered-By:\\ hidden-\\1
    rspadd Cache-Control:\\ no-store if { status 200 }
    server a 127.0.0.1:@a@
`

// The Host header the origin sees under 'edgeproxy dev' is workerd's (the origin's address).
const NOISE = new Set(['host', 'date', 'connection', 'keep-alive', 'accept-encoding', 'cf-worker', 'content-length', 'content-type'])

function pairs(raw: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = (raw[i] as string).toLowerCase()
    if (!NOISE.has(n)) out.push(`${n}: ${raw[i + 1] as string}`)
  }
  return out.sort()
}

function view(r: Reply) {
  return { status: r.status, headers: pairs(r.rawHeaders), origin: r.seen ? { url: r.seen.url, headers: pairs(r.seen.rawHeaders) } : undefined }
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: a 1.x config after edgeproxy migrate', () => {
  let p: Pair
  const migrated = migrateConfig('legacy.cfg', LEGACY)

  beforeAll(async () => {
    p = await startPair(migrated.text, { live: ['a'] })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  it('migrates every legacy line', () => {
    expect(migrated.diag.items).toEqual([])
    expect(migrated.changes).toHaveLength(20)
  })

  it('rewrites request headers and the path as the 1.x rules did', async () => {
    const h = await expectSame(
      p,
      [
        { path: '/static/app.js?v=2', headers: { 'x-debug': '1', 'x-site': 'OLD.example.COM' } },
        { path: '/api/items', headers: { 'user-agent': 'curl/8' } },
        { path: '/admin/panel', src: '127.0.0.2' },
        { path: '/old/page?q=1' },
        { path: '/old/page', method: 'POST', body: 'x' },
      ],
      view,
    )
    expect(h[3]?.origin?.url).toBe('/new/page?q=1')
    expect(h[4]?.origin?.url).toBe('/old/page')
    expect(h[0]?.origin?.url).toBe('/assets/app.js?v=2')
    expect(h[0]?.origin?.headers).toContain('x-site: new.example.com')
    expect(h[0]?.origin?.headers).toContain('x-forwarded-proto: http')
    expect(h[0]?.origin?.headers).not.toContain('x-debug: 1')
    expect(h[1]?.origin?.headers).toContain('x-api: yes')
    expect(h[2]?.status).toBe(200)
  })

  it('denies and tarpits as reqideny, reqitarpit, block and reqdeny did', async () => {
    const h = await expectSame(
      p,
      [{ path: '/', headers: { 'user-agent': 'Mozilla/5.0 EvilBot/1.0' } }, { path: '/', headers: { 'x-scanner': 'nikto' } }, { path: '/private/x' }, { path: '/admin/panel', src: '127.0.0.3' }],
      view,
    )
    expect(h.map((v) => v.status)).toEqual([403, 500, 403, 403])
  })

  it('rewrites, removes and adds response headers as rspidel, rsprep, rspadd and rspideny did', async () => {
    const h = await expectSame(p, [{ path: '/page?rh=Server:nginx&rh=X-Powered-By:PHP/7' }, { path: '/missing?status=404' }, { path: '/leak?rh=x-internal-secret:42' }], view)
    expect(h[0]?.headers).toEqual(expect.arrayContaining(['x-powered-by: hidden-PHP/7', 'x-edge: yes', 'cache-control: no-store']))
    expect(h[0]?.headers.some((l) => l.startsWith('server:'))).toBe(false)
    expect(h[1]?.headers).not.toContain('cache-control: no-store')
    expect(h[2]?.status).toBe(502)
  })
})
