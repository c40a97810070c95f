import { afterEach, describe, expect, it, vi } from 'vitest'
import { createEngine } from '../../../src/engine/index.ts'
import type { PassiveOutcome } from '../../../src/health/observe.ts'
import { logSink } from '../../../src/log/sink.ts'
import { Accounting } from '../../../src/ops/accounting.ts'
import type { Upstream } from '../../../src/proxy/forward.ts'
import { type HandlerDeps, handle } from '../../../src/proxy/handler.ts'
import { egressFor } from '../../../src/worker/egress.ts'
import { routeMapOf as routeMap } from '../../helpers/cfg.ts'

/**
 * Cloudflare's own answer to a subrequest it refuses (error 1003 for an IP literal) is a connection
 * failure, never the server's answer; and the Worker sends each server to the VPC network binding
 * or the global fetch() by its address. Fakes only: no packet is sent.
 */

const CFG = `
global
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe
  bind :80
  use_backend rd if { path /rd }
  use_backend obs if { path /obs }
  use_backend named if { path_beg /named }
  default_backend raw
backend raw
  retries 2
  server X 203.0.113.7:80
backend rd
  retries 2
  option redispatch
  balance first
  server A 203.0.113.8:80
  server B app.example.com:80
backend obs
  retries 0
  server O 203.0.113.9:80 check observe layer4 error-limit 1 on-error mark-down
backend named
  server N app.example.com:80
`

/** Cloudflare's answer to a fetch() of an IP literal, exactly as the edge sends it. */
function error1003(stream = false): Response {
  const body = 'error code: 1003'
  const headers: Record<string, string> = { server: 'cloudflare', 'content-type': 'text/plain; charset=UTF-8' }
  if (!stream) headers['content-length'] = String(body.length)
  const b = stream ? new Blob([body]).stream() : body
  return new Response(b, { status: 403, headers })
}

function setup(upstream: Upstream) {
  const rm = routeMap(CFG)
  const lines: string[] = []
  const seen: string[] = []
  const observed: [string, string, PassiveOutcome][] = []
  const accounting = new Accounting()
  const deps: HandlerDeps = {
    engine: createEngine(rm),
    upstream: (req, server) => {
      seen.push(server.name)
      return upstream(req, server)
    },
    now: () => Date.now(),
    accounting,
    accessLog: logSink(rm, { dev: true, write: (l) => lines.push(l) }),
    observe: (b, s, o) => observed.push([b, s.name, o]),
  }
  const send = async (path: string) => {
    const res = await handle(new Request(`http://s.example${path}`, { headers: { 'cf-connecting-ip': '10.0.0.1' } }), deps)
    return { res, body: await res.text() }
  }
  return { send, lines, seen, observed, accounting }
}

/** `be/srv status termination retries` of an httplog line. */
function brief(line: string | undefined): string {
  const m = /\] \S+ (\S+) \S+ (\d+) \d+ - - (\S{4}) \d+\/\d+\/\d+\/\d+\/(\+?\d+) /.exec(line ?? '')
  return m ? `${m[1]} ${m[2]} ${m[3]} ${m[4]}` : `unparsed: ${line}`
}

/** A fake edge: IP literals get the 1003 page, hostnames the origin's answer. */
const edge =
  (stream = false): Upstream =>
  async (req) =>
    /^\d/.test(new URL(req.url).hostname) ? error1003(stream) : new Response('from origin', { status: 200 })

describe("Cloudflare's error 1003 is a connection failure", () => {
  it.each([false, true])('retries it, then answers 503 with SC-- (body streamed: %s)', async (stream) => {
    const t = setup(edge(stream))
    const { res, body } = await t.send('/')
    expect(res.status).toBe(503)
    expect(body).not.toContain('error code')
    expect(t.seen).toEqual(['X', 'X', 'X'])
    expect(t.lines.map(brief)).toEqual(['raw/X 503 SC-- 2'])
    const r = t.accounting.takeReport('i1', 1000)
    expect(r?.counters['be:raw']).toMatchObject({ econ: 1, hrsp_5xx: 1 })
    expect(r?.counters['srv:raw/X']).toMatchObject({ econ: 1, wretr: 2 })
  })

  it('redispatches to a server that answers', async () => {
    const t = setup(edge())
    const { res, body } = await t.send('/rd')
    expect(res.status).toBe(200)
    expect(body).toBe('from origin')
    expect(t.seen).toEqual(['A', 'A', 'B'])
    expect(t.lines.map(brief)).toEqual(['rd/B 200 ---- +2'])
  })

  it('tells passive health of a connection error', async () => {
    const t = setup(edge())
    await t.send('/obs')
    expect(t.observed).toEqual([['obs', 'O', { kind: 'connect-error' }]])
  })

  it.each([
    ['an origin 403 with a short text body', 'Forbidden', true],
    ['an origin 403 with a long text body', 'x'.repeat(200), true],
    ['an origin 403 of unknown length with a long text body', 'y'.repeat(200), false],
    ['an origin 403 that only looks like an error code', 'error code: 1003 (made by the app)', true],
  ])('forwards %s untouched', async (_name, text, withLength) => {
    const t = setup(async () => {
      const headers: Record<string, string> = { server: 'cloudflare', 'content-type': 'text/plain', 'x-app': '1' }
      if (withLength) headers['content-length'] = String(text.length)
      return new Response(withLength ? text : new Blob([text]).stream(), { status: 403, statusText: 'Nope', headers })
    })
    const { res, body } = await t.send('/named')
    expect(res.status).toBe(403)
    expect(res.headers.get('x-app')).toBe('1')
    expect(body).toBe(text)
    expect(t.seen).toEqual(['N'])
    expect(t.lines.map(brief)).toEqual(['named/N 403 ---- 0'])
  })

  it('forwards a 403 page from another server software, even if it reads like the error page', async () => {
    const t = setup(async () => new Response('error code: 1003', { status: 403, headers: { server: 'nginx', 'content-type': 'text/plain' } }))
    const { res, body } = await t.send('/named')
    expect([res.status, body]).toEqual([403, 'error code: 1003'])
  })
})

describe('egress per server', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  const EGRESS = `
defaults
  mode http
backend be
  server priv 10.0.1.10:3000
  server lo 127.0.0.1:9001
  server ip 203.0.113.5:80
  server v6 [2001:db8::1]:80
  server name app.example.com:80
  server local localhost:9002
`

  async function route(vpc: boolean): Promise<Record<string, string>> {
    const rm = routeMap(EGRESS)
    const via: Record<string, string> = {}
    vi.stubGlobal('fetch', async (r: Request) => {
      via[new URL(r.url).host] = 'fetch'
      return new Response('')
    })
    const binding = {
      fetch: async (r: Request | string) => {
        via[new URL(typeof r === 'string' ? r : r.url).host] = 'vpc'
        return new Response('')
      },
    }
    const up = egressFor(rm, vpc ? binding : undefined)
    for (const s of rm.backends[0]?.servers ?? []) {
      const host = s.host.includes(':') ? `[${s.host}]` : s.host
      await up(new Request(`http://${host}:${s.port}/`), s)
    }
    return via
  }

  it('sends addresses through the VPC network and hostnames through fetch()', async () => {
    expect(await route(true)).toEqual({
      '10.0.1.10:3000': 'vpc',
      '127.0.0.1:9001': 'vpc',
      '203.0.113.5': 'vpc',
      '[2001:db8::1]': 'vpc',
      'app.example.com': 'fetch',
      'localhost:9002': 'vpc',
    })
  })

  it('sends everything through fetch() without a VPC network', async () => {
    expect(Object.values(await route(false))).toEqual(['fetch', 'fetch', 'fetch', 'fetch', 'fetch', 'fetch'])
  })
})

describe('a 403 that may be the error page but whose body stalls', () => {
  it('is bounded by timeout server (504), not waited on forever', async () => {
    const t = setup(async () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) }), { status: 403, headers: { server: 'cloudflare', 'content-type': 'text/plain' } }))
    const t0 = Date.now()
    const { res } = await t.send('/named')
    expect(res.status).toBe(504)
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(t.lines.map(brief)).toEqual(['named/N 504 sH-- 0'])
  })
})
