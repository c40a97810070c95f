import { describe, expect, it } from 'vitest'
import { createEngine } from '../../../src/engine/index.ts'
import type { AccessLogEntry } from '../../../src/log/entry.ts'
import { logSink } from '../../../src/log/sink.ts'
import { Accounting } from '../../../src/ops/accounting.ts'
import type { Upstream } from '../../../src/proxy/forward.ts'
import { type HandlerDeps, handle } from '../../../src/proxy/handler.ts'
import { routeMapOf as routeMap } from '../../helpers/cfg.ts'

/** Every path of the Worker's handler ends in exactly one access-log entry with HAProxy's fields. */

const CFG = `
global
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 1s
  timeout server 200ms
frontend fe
  bind :80
  monitor-uri /mon
  stats uri /stats
  http-request deny if { path /deny }
  http-request tarpit if { path /tarpit }
  http-request return status 200 content-type text/plain string hi if { path /ret }
  http-request redirect location /x if { path /redir }
  timeout tarpit 20ms
  use_backend nosrv if { path /nosrv }
  use_backend refused if { path /refused }
  use_backend ck if { path_beg /ck }
  use_backend rd if { path /rd }
  default_backend be
backend be
  server P1 192.0.2.1:80
backend nosrv
  server X 192.0.2.2:80 disabled
backend refused
  retries 2
  server X 192.0.2.3:80
backend rd
  retries 2
  option redispatch
  server A 192.0.2.3:80
  server B 192.0.2.4:80
backend ck
  cookie SRV insert indirect nocache
  server C1 192.0.2.5:80 cookie c1
`

const upstream: Upstream = (req) => {
  const u = new URL(req.url)
  if (u.hostname === '192.0.2.3') return Promise.reject(new TypeError('connection refused'))
  if (u.pathname === '/slow') return new Promise((_, rej) => req.signal.addEventListener('abort', () => rej(req.signal.reason)))
  return Promise.resolve(new Response('hello', { status: 200 }))
}

function setup() {
  const rm = routeMap(CFG)
  const engine = createEngine(rm)
  const lines: string[] = []
  const entries: AccessLogEntry[] = []
  const sink = logSink(rm, { dev: true, write: (l) => lines.push(l) })
  if (!sink) throw new Error('no sink')
  const accounting = new Accounting()
  const deps: HandlerDeps = {
    engine,
    upstream,
    now: () => Date.now(),
    accounting,
    accessLog: (e) => {
      entries.push({ ...e })
      sink(e)
    },
    services: async () => new Response('stats page'),
  }
  const send = async (path: string, headers: Record<string, string> = {}) => {
    const res = await handle(new Request(`http://s.example${path}`, { headers: { 'cf-connecting-ip': '10.0.0.1', ...headers } }), deps)
    await res.text()
    return res
  }
  return { send, lines, entries, accounting }
}

/** The httplog line without the date and the exact timer values: `fe be/srv TIMERS status tsc counts queues "req"`. */
function shape(line: string): string {
  const m = /^(\S+) \[[^\]]+\] (\S+) (\S+) (\S+) (\d+) (\d+) - - (\S{4}) (\S+) (\S+) (".*")$/.exec(line)
  if (!m) return `unparsed: ${line}`
  const timers = (m[4] as string)
    .split('/')
    .map((t) => (t === '-1' ? '-1' : 'n'))
    .join('/')
  return [m[2], m[3], timers, m[5], m[7], m[8], m[9], m[10]].join(' ')
}

describe('access log through handle()', () => {
  it.each([
    ['/ok', {}, 'fe be/P1 n/n/n/n/n 200 ---- 1/1/0/0/0 0/0 "GET /ok HTTP/1.1"'],
    ['/deny', {}, 'fe fe/<NOSRV> n/-1/-1/-1/n 403 PR-- 1/1/0/0/0 0/0 "GET /deny HTTP/1.1"'],
    ['/tarpit', {}, 'fe fe/<NOSRV> -1/n/-1/-1/n 500 PT-- 1/1/0/0/0 0/0 "GET /tarpit HTTP/1.1"'],
    ['/ret', {}, 'fe fe/<NOSRV> n/-1/-1/-1/n 200 LR-- 1/1/0/0/0 0/0 "GET /ret HTTP/1.1"'],
    ['/redir', {}, 'fe fe/<NOSRV> n/-1/-1/-1/n 302 LR-- 1/1/0/0/0 0/0 "GET /redir HTTP/1.1"'],
    ['/stats', {}, 'fe fe/<STATS> n/n/n/n/n 200 LR-- 1/1/0/0/0 0/0 "GET /stats HTTP/1.1"'],
    ['/nosrv', {}, 'fe nosrv/<NOSRV> n/-1/-1/-1/n 503 SC-- 1/1/0/0/0 0/0 "GET /nosrv HTTP/1.1"'],
    ['/refused', {}, 'fe refused/X n/n/-1/-1/n 503 SC-- 1/1/0/0/2 0/0 "GET /refused HTTP/1.1"'],
    // A (refused) then redispatched to B, which answers.
    ['/rd', {}, 'fe rd/B n/n/n/n/n 200 ---- 1/1/0/0/+1 0/0 "GET /rd HTTP/1.1"'],
    ['/slow', {}, 'fe be/P1 n/n/n/-1/n 504 sH-- 1/1/0/0/0 0/0 "GET /slow HTTP/1.1"'],
    ['/ck', {}, 'fe ck/C1 n/n/n/n/n 200 --NI 1/1/0/0/0 0/0 "GET /ck HTTP/1.1"'],
    ['/ck', { cookie: 'SRV=c1' }, 'fe ck/C1 n/n/n/n/n 200 --VN 1/1/0/0/0 0/0 "GET /ck HTTP/1.1"'],
    ['/ck', { cookie: 'SRV=zz' }, 'fe ck/C1 n/n/n/n/n 200 --II 1/1/0/0/0 0/0 "GET /ck HTTP/1.1"'],
    ['/ck?x=1', { 'x-forwarded-proto': 'http' }, 'fe ck/C1 n/n/n/n/n 200 --NI 1/1/0/0/0 0/0 "GET /ck?x=1 HTTP/1.1"'],
  ] as const)('%s %o', async (path, headers, expected) => {
    const t = setup()
    await t.send(path, headers)
    expect(t.lines.map(shape)).toEqual([expected])
  })

  it('does not log monitor-uri requests', async () => {
    const t = setup()
    await t.send('/mon')
    expect(t.lines).toEqual([])
  })

  it('ends a streamed body once, when the client cancels it (CD)', async () => {
    const t = setup()
    const res = await handle(new Request('http://s.example/ok', { headers: { 'cf-connecting-ip': '10.0.0.1' } }), {
      engine: createEngine(routeMap(CFG)),
      upstream: async () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) })),
      now: () => Date.now(),
      accounting: t.accounting,
      accessLog: (e) => t.entries.push({ ...e }),
    })
    expect(t.entries).toEqual([])
    await res.body?.cancel()
    await res.body?.cancel()
    expect(t.entries.map((e) => e.termination)).toEqual(['CD--'])
  })

  it('counts bytes: the head estimate plus the body', async () => {
    const t = setup()
    await t.send('/ok')
    const e = t.entries[0] as AccessLogEntry
    // "HTTP/1.1 200 OK\r\n" (17) + "content-type: text/plain;charset=UTF-8\r\n" (40) + "\r\n" + "hello"
    expect(e.bytesOut).toBe(17 + 40 + 2 + 5)
    expect(e.bytesIn).toBeGreaterThan(0)
  })

  it('logs a queue timeout with the queue position and the concurrent counts (sQ--)', async () => {
    const rm = routeMap(`
global
  log stdout local0
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout queue 30ms
frontend fe
  bind :80
  default_backend q
backend q
  server P2 192.0.2.9:80 maxconn 1
`)
    const lines: string[] = []
    const accounting = new Accounting()
    const deps: HandlerDeps = {
      engine: createEngine(rm),
      upstream: async () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) })),
      now: () => Date.now(),
      accounting,
      accessLog: logSink(rm, { dev: true, write: (l) => lines.push(l) }),
    }
    const req = (p: string) => new Request(`http://s.example${p}`, { headers: { 'cf-connecting-ip': '10.0.0.1' } })
    const held = await handle(req('/q1'), deps)
    const queued = await handle(req('/q2'), deps)
    expect(queued.status).toBe(503)
    expect(lines.map(shape)).toEqual(['fe q/<NOSRV> n/n/-1/-1/n 503 sQ-- 2/2/1/0/0 0/1 "GET /q2 HTTP/1.1"'])
    await held.body?.cancel()
    expect(lines.map(shape)[1]).toBe('fe q/P2 n/n/n/n/n 200 CD-- 1/1/0/0/0 0/0 "GET /q1 HTTP/1.1"')
    const r = accounting.takeReport('i1', 1000)
    expect(r?.counters['be:q']).toMatchObject({ stot: 2, econ: 1, qmax: 1, cli_abrt: 1, hrsp_2xx: 1, hrsp_5xx: 1, req_tot: 2, lbtot: 1 })
    expect(r?.counters['srv:q/P2']).toMatchObject({ stot: 1, cli_abrt: 1, hrsp_2xx: 1, connect: 1, lbtot: 1 })
    expect(r?.counters['fe:fe']).toMatchObject({ stot: 2, req_tot: 2, smax: 2, hrsp_2xx: 1, hrsp_5xx: 1 })
  })

  it('does no measuring without accounting or access log', async () => {
    const rm = routeMap(CFG)
    const res = await handle(new Request('http://s.example/ok'), { engine: createEngine(rm), upstream, now: () => 0 })
    expect(await res.text()).toBe('hello')
  })
})
