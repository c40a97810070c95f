/**
 * @module
 * The capacity fetches (nbsrv, srv_is_up, be_conn, connslots, queue, fe_conn, the rates and ids)
 * over the engine's ProxyStateView, their compile-time argument resolution (HAProxy 2.6.12's
 * smp_resolve_args messages, checked with `haproxy -c`), and `explain --down`.
 */
import { describe, expect, it } from 'vitest'
import { explain } from '../../../src/cli/explain.ts'
import { createEngine, type Decision } from '../../../src/engine/index.ts'
import { logSink } from '../../../src/log/sink.ts'
import { Accounting } from '../../../src/ops/accounting.ts'
import type { Upstream } from '../../../src/proxy/forward.ts'
import { handle } from '../../../src/proxy/handler.ts'
import { type LoadCounters, ProxyStates } from '../../../src/engine/proxy-state.ts'
import { RequestState } from '../../../src/engine/request-state.ts'
import type { ServerStates } from '../../../src/engine/server-states.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'
import { CONVERTERS } from '../../../src/sample/converters/index.ts'
import { FETCHES } from '../../../src/sample/fetches/index.ts'
import type { ArgValue, BuildEnv, Sample } from '../../../src/sample/types.ts'
import { cfg, compile, errorsOf } from '../../helpers/cfg.ts'

const CONFIG = cfg`
  defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s

  frontend fe
    bind :80
    use_backend spare if { nbsrv(main) lt 1 }
    http-request set-header X-Fe %[fe_conn]/%[fe_req_rate]/%[be_conn(main)]
    default_backend main

  frontend other
    bind :81
    default_backend spare

  backend main
    balance roundrobin
    server s1 10.0.0.1:80 weight 3
    server s2 10.0.0.2:80 maxconn 10 maxqueue 4
    server b1 10.0.0.3:80 backup
    server b2 10.0.0.4:80 backup
    http-request set-header X-Be %[be_conn]/%[be_sess_rate]/%[nbsrv]

  backend spare
    server sp 10.0.0.9:80 id 7

  backend lim
    option allbackups
    server l1 10.0.0.5:80 maxconn 10 maxqueue 5
    server l2 10.0.0.6:80 maxconn 4 maxqueue 2
    server lb1 10.0.0.7:80 maxconn 3 maxqueue 1 backup
    server lb2 10.0.0.8:80 maxconn 2 maxqueue 1 backup
`

function routeMap(text = CONFIG): RouteMap {
  const r = compile(text)
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')))
  return r.routeMap
}

/** Health, admin state and weights the tests set. */
class States implements ServerStates {
  readonly down = new Set<string>()
  readonly drain = new Set<string>()
  readonly weights = new Map<string, number>()
  readonly starting = new Map<string, number>()
  // Arrow functions: the engine reads these methods off the object.
  readonly isUp = (b: string, s: string): boolean => !this.down.has(`${b}/${s}`)
  readonly isUsable = (b: string, s: string): boolean => this.isUp(b, s) && !this.drain.has(`${b}/${s}`)
  readonly weight = (b: string, s: string): number | undefined => this.weights.get(`${b}/${s}`)
  readonly startedAt = (b: string, s: string): number | undefined => this.starting.get(`${b}/${s}`)
}

/** In-flight and queued counts the tests set (the Worker's Accounting at runtime). */
class Load implements LoadCounters {
  readonly counts = new Map<string, number>()
  #get(k: string): number {
    return this.counts.get(k) ?? 0
  }
  feConn(f: string): number {
    return this.#get(`fe:${f}`)
  }
  beConn(b: string): number {
    return this.#get(`be:${b}`)
  }
  srvConn(b: string, s: string): number {
    return this.#get(`srv:${b}/${s}`)
  }
  beQueued(b: string): number {
    return this.#get(`beq:${b}`)
  }
  srvQueued(b: string, s: string): number {
    return this.#get(`srvq:${b}/${s}`)
  }
}

interface World {
  readonly states: States
  readonly load: Load
  clock: number
  readonly view: ProxyStates
  readonly env: BuildEnv
}

function world(text = CONFIG): World {
  const states = new States()
  const load = new Load()
  const w = { states, load, clock: 1_000_000 } as { states: States; load: Load; clock: number; view: ProxyStates; env: BuildEnv }
  w.view = new ProxyStates(routeMap(text), states, () => w.clock, load)
  w.env = { map: () => [], proxies: w.view }
  return w
}

function ctx(frontend = 'fe', backend?: string, server?: string): RequestState {
  const c = new RequestState({ method: 'GET', url: 'http://example.com/', headers: [], src: '127.0.0.1' }, frontend, () => 0)
  if (backend !== undefined) c.backend = backend
  if (server !== undefined) c.server = server
  return c
}

function value(w: World, name: string, args: ArgValue[], c: RequestState = ctx('fe', 'main')): string | number | boolean | undefined {
  const d = FETCHES.find((f) => f.name === name)
  if (!d) throw new Error(`no fetch ${name}`)
  expect(d.unsupported).toBeUndefined()
  const r = d.build(args, w.env)(c, false) as Sample | undefined
  return r === undefined ? undefined : (r.value as string | number | boolean)
}

describe('nbsrv (be_usable_srv)', () => {
  it('counts the usable active servers', () => {
    const w = world()
    expect(value(w, 'nbsrv', ['main'])).toBe(2)
    w.states.down.add('main/s1')
    expect(value(w, 'nbsrv', ['main'])).toBe(1)
  })

  it('leaves out drained servers and servers of weight 0', () => {
    const w = world()
    w.states.drain.add('main/s1')
    w.states.weights.set('main/s2', 0)
    // No active server is usable: the first usable backup stands for the farm.
    expect(value(w, 'nbsrv', ['main'])).toBe(1)
  })

  it('counts 1 for the first backup when no active server is usable, every backup with option allbackups', () => {
    const w = world()
    w.states.down.add('main/s1')
    w.states.down.add('main/s2')
    expect(value(w, 'nbsrv', ['main'])).toBe(1)
    w.states.down.add('lim/l1')
    w.states.down.add('lim/l2')
    expect(value(w, 'nbsrv', ['lim'])).toBe(2)
    w.states.down.add('main/b1')
    w.states.down.add('main/b2')
    expect(value(w, 'nbsrv', ['main'])).toBe(0)
  })

  it("reads the request's backend when the argument is empty (an expression of a defaults section)", () => {
    const w = world()
    expect(value(w, 'nbsrv', [''], ctx('fe', 'spare'))).toBe(1)
    expect(value(w, 'nbsrv', [''], ctx('fe'))).toBeUndefined()
  })

  it('reuses its count while the states version stays the same, and recounts when it moves', () => {
    const states = new (class extends States {
      v = 1
      readonly version = (): number => this.v
    })()
    const view = new ProxyStates(routeMap(), states, () => 0)
    const w = { env: { map: () => [], proxies: view } } as unknown as World
    expect(value(w, 'nbsrv', ['main'])).toBe(2)
    states.down.add('main/s1')
    expect(value(w, 'nbsrv', ['main'])).toBe(2)
    states.v++
    expect(value(w, 'nbsrv', ['main'])).toBe(1)
  })

  it('fails without a proxy view (outside an engine)', () => {
    const d = FETCHES.find((f) => f.name === 'nbsrv')
    expect(d?.build(['main'], { map: () => [] })(ctx(), false)).toBeUndefined()
  })
})

describe('srv_is_up', () => {
  it('is true unless the server is DOWN or in maintenance (a drained server is up)', () => {
    const w = world()
    expect(value(w, 'srv_is_up', ['main/s1'])).toBe(true)
    w.states.drain.add('main/s1')
    expect(value(w, 'srv_is_up', ['main/s1'])).toBe(true)
    w.states.down.add('main/s1')
    expect(value(w, 'srv_is_up', ['main/s1'])).toBe(false)
  })

  it('is false for a server disabled in the configuration', () => {
    const w = world(CONFIG.replace('server b2 10.0.0.4:80 backup', 'server b2 10.0.0.4:80 backup disabled'))
    expect(value(w, 'srv_is_up', ['main/b2'])).toBe(false)
  })

  it("looks a bare server name up in the request's backend", () => {
    const w = world()
    expect(value(w, 'srv_is_up', ['sp'], ctx('fe', 'spare'))).toBe(true)
    expect(value(w, 'srv_is_up', ['sp'], ctx('fe', 'main'))).toBeUndefined()
  })
})

describe('connection counts and queues (this isolate)', () => {
  it('be_conn, srv_conn, fe_conn read the load counters plus the requests being decided', () => {
    const w = world()
    w.load.counts.set('be:main', 4)
    w.load.counts.set('srv:main/s2', 3)
    w.load.counts.set('fe:fe', 5)
    expect(value(w, 'be_conn', ['main'])).toBe(4)
    expect(value(w, 'srv_conn', ['main/s2'])).toBe(3)
    expect(value(w, 'fe_conn', ['fe'])).toBe(5)
    const c = ctx('fe', 'main')
    const req = { method: 'GET', url: 'http://x/', headers: [], src: '127.0.0.1' }
    w.view.entered(c, req)
    w.view.chose(c)
    expect(value(w, 'fe_conn', [''], c)).toBe(6)
    expect(value(w, 'be_conn', ['main'])).toBe(5)
    w.view.left(req, { kind: 'respond', frontend: 'fe', backend: 'main', request: c, response: { status: 200, reason: 'OK', headers: [], body: '' }, cause: 'return', why: 'test' })
    expect(value(w, 'fe_conn', ['fe'])).toBe(5)
    expect(value(w, 'be_conn', ['main'])).toBe(4)
    // A decide() that threw (no decision) is uncounted too; leaving twice changes nothing.
    const c2 = ctx('fe', 'main')
    const req2 = { ...req }
    w.view.entered(c2, req2)
    w.view.chose(c2)
    w.view.left(req2, undefined)
    w.view.left(req2, undefined)
    expect(value(w, 'fe_conn', ['fe'])).toBe(5)
    expect(value(w, 'be_conn', ['main'])).toBe(4)
  })

  it('queue sums the backend queue and its servers; avg_queue divides by the usable servers, rounded up', () => {
    const w = world()
    w.load.counts.set('beq:main', 3)
    w.load.counts.set('srvq:main/s2', 2)
    expect(value(w, 'queue', ['main'])).toBe(5)
    expect(value(w, 'srv_queue', ['main/s2'])).toBe(2)
    expect(value(w, 'avg_queue', ['main'])).toBe(3)
    w.states.down.add('main/s1')
    w.states.down.add('main/s2')
    w.states.down.add('main/b1')
    w.states.down.add('main/b2')
    expect(value(w, 'avg_queue', ['main'])).toBe(10)
  })

  it('connslots totals free connection and queue slots of the servers not DOWN, -1 when one is unlimited', () => {
    const w = world()
    expect(value(w, 'connslots', ['main'])).toBe(-1)
    expect(value(w, 'connslots', ['lim'])).toBe(10 + 5 + 4 + 2 + 3 + 1 + 2 + 1)
    w.load.counts.set('srv:lim/l1', 4)
    w.load.counts.set('srvq:lim/l2', 1)
    w.states.down.add('lim/lb2')
    expect(value(w, 'connslots', ['lim'])).toBe(6 + 5 + 4 + 1 + 3 + 1)
  })

  it('be_conn_free counts the serving servers only (backups when no active one is usable), -1 when one is unlimited', () => {
    const w = world()
    expect(value(w, 'be_conn_free', ['main'])).toBe(-1)
    expect(value(w, 'be_conn_free', ['lim'])).toBe(14)
    w.load.counts.set('srv:lim/l2', 6)
    expect(value(w, 'be_conn_free', ['lim'])).toBe(10)
    w.states.down.add('lim/l1')
    w.states.down.add('lim/l2')
    // option allbackups: every usable backup serves.
    expect(value(w, 'be_conn_free', ['lim'])).toBe(5)
    w.states.down.add('main/s1')
    w.states.down.add('main/s2')
    expect(value(w, 'be_conn_free', ['main'])).toBe(-1)
  })

  it('srv_conn_free is maxconn minus the connections (never negative), -1 without maxconn', () => {
    const w = world()
    expect(value(w, 'srv_conn_free', ['main/s1'])).toBe(-1)
    w.load.counts.set('srv:main/s2', 4)
    expect(value(w, 'srv_conn_free', ['main/s2'])).toBe(6)
    w.load.counts.set('srv:main/s2', 12)
    expect(value(w, 'srv_conn_free', ['main/s2'])).toBe(0)
  })
})

describe('rates (freq_ctr over one second, this isolate)', () => {
  it('fe_req_rate and fe_sess_rate count requests entering the frontend; be_sess_rate backend choices; srv_sess_rate forwards', () => {
    const w = world()
    for (let i = 0; i < 3; i++) {
      const c = ctx('fe', 'main', 's1')
      const req = { method: 'GET', url: 'http://x/', headers: [], src: '127.0.0.1' }
      w.view.entered(c, req)
      w.view.chose(c)
      w.view.left(req, { kind: 'forward', frontend: 'fe', backend: 'main', server: routeMap().backends[0]?.servers[0] as never, request: c, cookie: 'N', via: 'balance', why: 'test' } as Decision)
    }
    expect(value(w, 'fe_req_rate', ['fe'])).toBe(3)
    expect(value(w, 'fe_sess_rate', ['fe'])).toBe(3)
    expect(value(w, 'fe_req_rate', ['other'])).toBe(0)
    expect(value(w, 'be_sess_rate', ['main'])).toBe(3)
    expect(value(w, 'srv_sess_rate', ['main/s1'])).toBe(3)
    expect(value(w, 'srv_sess_rate', ['main/s2'])).toBe(0)
    // A second later the previous period is interpolated away; two seconds later it is gone.
    w.clock += 1500
    expect(value(w, 'fe_req_rate', ['fe'])).toBe(1)
    w.clock += 1000
    expect(value(w, 'fe_req_rate', ['fe'])).toBe(0)
  })
})

describe('weights and ids', () => {
  it('srv_iweight is the configured weight, srv_uweight the operator one, srv_weight scaled by slowstart', () => {
    const w = world(CONFIG.replace('server s1 10.0.0.1:80 weight 3', 'server s1 10.0.0.1:80 weight 32 slowstart 16s'))
    expect(value(w, 'srv_iweight', ['main/s1'])).toBe(32)
    expect(value(w, 'srv_uweight', ['main/s1'])).toBe(32)
    expect(value(w, 'srv_weight', ['main/s1'])).toBe(32)
    w.states.weights.set('main/s1', 20)
    expect(value(w, 'srv_uweight', ['main/s1'])).toBe(20)
    expect(value(w, 'srv_iweight', ['main/s1'])).toBe(32)
    // Up for 4 s of a 16 s slowstart: w = (16 × 4 + 16) / 16 = 5 → ceil(20 × 5 / 16) = 7.
    w.states.starting.set('main/s1', w.clock - 4000)
    expect(value(w, 'srv_weight', ['main/s1'])).toBe(7)
  })

  it("fe_id, be_id, srv_id and fe_defbe name the request's proxies with HAProxy's numbering", () => {
    const w = world()
    expect(value(w, 'fe_id', [], ctx('fe', 'main', 's2'))).toBe(1)
    expect(value(w, 'fe_id', [], ctx('other'))).toBe(2)
    expect(value(w, 'be_id', [], ctx('fe', 'main', 's2'))).toBe(3)
    expect(value(w, 'be_id', [], ctx('fe'))).toBeUndefined()
    expect(value(w, 'srv_id', [], ctx('fe', 'main', 's2'))).toBe(2)
    expect(value(w, 'srv_id', [], ctx('fe', 'spare', 'sp'))).toBe(7)
    expect(value(w, 'fe_defbe', [], ctx('fe'))).toBe('main')
    expect(value(w, 'fe_defbe', [], ctx('other'))).toBe('spare')
  })
})

describe('converters nbsrv and srv_queue', () => {
  const conv = (w: World, name: string, input: string, c = ctx('fe', 'main')): number | undefined => {
    const d = CONVERTERS.find((x) => x.name === name)
    expect(d?.unsupported).toBeUndefined()
    const r = d?.build([], w.env)({ type: 'str', value: input }, c)
    return r?.type === 'int' ? r.value : undefined
  }

  it('nbsrv reads the backend named by the input; an unknown name fails', () => {
    const w = world()
    expect(conv(w, 'nbsrv', 'main')).toBe(2)
    w.states.down.add('main/s1')
    expect(conv(w, 'nbsrv', 'main')).toBe(1)
    expect(conv(w, 'nbsrv', 'nope')).toBeUndefined()
  })

  it("srv_queue reads <backend>/<server>, or a server of the request's backend", () => {
    const w = world()
    w.load.counts.set('srvq:main/s2', 3)
    expect(conv(w, 'srv_queue', 'main/s2')).toBe(3)
    expect(conv(w, 'srv_queue', 's2')).toBe(3)
    expect(conv(w, 'srv_queue', 's2', ctx('fe'))).toBeUndefined()
    expect(conv(w, 'srv_queue', 'main/zz')).toBeUndefined()
  })
})

describe('in the engine', () => {
  const get = (url: string) => ({ method: 'GET', url, headers: [] as [string, string][], src: '198.51.100.7' })
  const header = (d: Decision, n: string): string | undefined => (d.kind === 'forward' ? d.request.headers.first(n) : undefined)

  it('fails over with use_backend spare if { nbsrv(main) lt 1 } when the states say main is down', async () => {
    const states = new States()
    const e = createEngine(routeMap(), { states })
    const first = await e.decide(get('http://x/'))
    expect(first.kind === 'forward' && first.backend).toBe('main')
    for (const s of ['s1', 's2', 'b1']) states.down.add(`main/${s}`)
    const still = await e.decide(get('http://x/'))
    expect(still.kind === 'forward' && still.server.name).toBe('b2')
    states.down.add('main/b2')
    const over = await e.decide(get('http://x/'))
    expect(over.kind === 'forward' && `${over.backend}/${over.server.name}`).toBe('spare/sp')
  })

  it('routes on a negated anonymous ACL: use_backend spare if !{ srv_is_up(main/s1) } (acl.c strips leading !)', async () => {
    const text = cfg`
      defaults
        mode http
        timeout connect 1s
        timeout client 1s
        timeout server 1s
      frontend fe
        bind :80
        use_backend spare if !{ srv_is_up(main/s1) }
        use_backend spare if { path /x } ! !{ path /x }
        default_backend main
      backend main
        server s1 10.0.0.1:80
        server s2 10.0.0.2:80
      backend spare
        server sp 10.0.0.9:80
    `
    const states = new States()
    const e = createEngine(routeMap(text), { states })
    const at = async (path: string) => {
      const d = await e.decide(get(`http://x${path}`))
      return d.kind === 'forward' ? d.backend : d.kind
    }
    expect(await at('/')).toBe('main')
    // '!' then '!{': negated twice, so the second rule matches /x.
    expect(await at('/x')).toBe('spare')
    states.down.add('main/s1')
    expect(await at('/')).toBe('spare')
  })

  it('counts the request being decided: fe_conn in the frontend, be_conn once the backend is chosen', async () => {
    const load = new Load()
    load.counts.set('fe:fe', 2)
    load.counts.set('be:main', 1)
    let now = 5_000_000
    const e = createEngine(routeMap(), { load, now: () => now })
    const d = await e.decide(get('http://x/'))
    expect(header(d, 'x-fe')).toBe('3/1/1')
    expect(header(d, 'x-be')).toBe('2/1/2')
    now += 10
    const d2 = await e.decide(get('http://x/'))
    // The first request left decide(): it counts in the load counters (the Worker's accounting) only.
    expect(header(d2, 'x-fe')).toBe('3/2/1')
    expect(header(d2, 'x-be')).toBe('2/2/2')
  })
})

describe("through the Worker's handler, with its Accounting as the load counters", () => {
  const text = cfg`
    global
      log stdout format raw local0
    defaults
      mode http
      log global
      timeout connect 1s
      timeout client 1s
      timeout server 1s
    frontend fe
      bind :80
      log-format "%[fe_req_rate]/%[nbsrv(be)]/%[be_sess_rate(be)]/%[srv_sess_rate(be/s1)]"
      http-request set-header X-In %[fe_conn]/%[be_conn(be)]/%[srv_conn(be/s1)]
      http-response set-header X-Out %[fe_conn]/%[be_conn(be)]/%[srv_conn(be/s1)]
      default_backend be
    backend be
      server s1 192.0.2.1:80
  `

  it('counts requests in progress in every phase, and logs the rates', async () => {
    const rm = routeMap(text)
    const accounting = new Accounting()
    const engine = createEngine(rm, { load: accounting })
    const lines: string[] = []
    const sink = logSink(rm, { dev: true, write: (l) => lines.push(l), proxies: engine.proxies })
    const seen: string[] = []
    const hold: (() => void)[] = []
    const upstream: Upstream = async (req) => {
      seen.push(req.headers.get('x-in') ?? '')
      if (new URL(req.url).pathname === '/hold') await new Promise<void>((r) => hold.push(r))
      return new Response('ok')
    }
    const deps = { engine, upstream, now: () => Date.now(), accounting, ...(sink ? { accessLog: sink } : {}) }
    const send = (path: string) => handle(new Request(`http://s.example${path}`, { headers: { 'cf-connecting-ip': '10.0.0.1' } }), deps)
    const waitHeld = async (n: number) => {
      while (hold.length < n) await new Promise((r) => setTimeout(r, 1))
    }
    const held = [send('/hold')]
    await waitHeld(1)
    held.push(send('/hold'))
    await waitHeld(2)
    const res = await send('/')
    await res.text()
    // Before the server: this request in fe (being decided) plus the two held ones everywhere.
    expect(seen).toEqual(['1/0/0', '2/1/1', '3/2/2'])
    // In response rules the request is counted at the frontend, the backend and the server.
    expect(res.headers.get('x-out')).toBe('3/3/3')
    for (const h of hold) h()
    for (const r of await Promise.all(held)) await r.text()
    const last = await send('/')
    await last.text()
    expect(last.headers.get('x-out')).toBe('1/1/1')
    expect(lines.at(-1)).toBe('4/1/4/4')
  })
})

describe('argument resolution at compile time (smp_resolve_args)', () => {
  const base = (rules: string) => cfg`
    defaults
      mode http
      timeout connect 1s
      timeout client 1s
      timeout server 1s
    frontend fe
      bind :80
    ${rules}
      default_backend main
    backend main
      server s1 10.0.0.1:80
      http-request set-header X-N %[nbsrv]/%[srv_conn(s1)]/%[be_conn]
  `

  it('completes omitted proxies and servers with the proxy holding the expression', () => {
    const rm = routeMap(base('  http-request set-header X %[fe_conn]'))
    const fe = rm.frontends[0]
    const main = rm.backends[0]
    expect(JSON.stringify(fe?.httpRequest[0]?.args)).toContain('"fetch":"fe_conn","args":["fe"]')
    const args = JSON.stringify(main?.httpRequest[0]?.args)
    expect(args).toContain('"fetch":"nbsrv","args":["main"]')
    expect(args).toContain('"fetch":"srv_conn","args":["main/s1"]')
    expect(args).toContain('"fetch":"be_conn","args":["main"]')
  })

  it("refuses unknown proxies and servers with HAProxy's messages", () => {
    const errs = errorsOf(
      base(
        [
          '  acl a nbsrv(nope) lt 1',
          '  acl b srv_is_up(main/zz)',
          '  acl c srv_is_up(s1)',
          '  acl d nbsrv lt 1',
          '  acl e be_conn(fe) gt 1',
          '  acl f fe_conn(main) gt 1',
          '  acl g srv_conn(nope/s1) gt 1',
          '  http-request set-header Y %[srv_queue(zz)] if a b c d e f g',
        ].join('\n'),
      ),
    ).map((e) => `${e.line} ${e.code}: ${e.message}`)
    expect(errs).toEqual([
      "8 unknown-backend: unable to find backend 'nope' referenced in arg 1 of ACL keyword 'nbsrv' in proxy 'fe'.",
      "9 unknown-server: unable to find server 'zz' in proxy 'main', referenced in arg 1 of ACL keyword 'srv_is_up' in proxy 'fe'.",
      "10 unknown-server: unable to find server 's1' in proxy 'fe', referenced in arg 1 of ACL keyword 'srv_is_up' in proxy 'fe'.",
      "11 unknown-backend: proxy 'fe', referenced in arg 1 of ACL keyword 'nbsrv' in proxy 'fe', has not backend capability.",
      "12 unknown-backend: unable to find backend 'fe' referenced in arg 1 of ACL keyword 'be_conn' in proxy 'fe'.",
      "13 unknown-backend: unable to find frontend 'main' referenced in arg 1 of ACL keyword 'fe_conn' in proxy 'fe'.",
      "14 unknown-backend: unable to find proxy 'nope' referenced in arg 1 of ACL keyword 'srv_conn' in proxy 'fe'.",
      "15 unknown-server: unable to find server 'zz' in proxy 'fe', referenced in arg 1 of sample fetch keyword 'srv_queue' in http-request expression in proxy 'fe'.",
    ])
  })

  it('leaves expressions of a defaults section to name the proxy running them (HAProxy accepts them unresolved)', async () => {
    const text = (rule: string) => cfg`
      defaults d1
        mode http
        timeout connect 1s
        timeout client 1s
        timeout server 1s
        acl unused nbsrv lt 1
        http-request set-header X-N ${rule}
      defaults d2
        mode http
        timeout connect 1s
        timeout client 1s
        timeout server 1s
        acl unused2 srv_is_up(s1)
      frontend fe from d2
        bind :80
        use_backend other if { path /other }
        default_backend main
      backend main from d1
        server s1 10.0.0.1:80
      backend other from d1
        server s0 10.0.0.2:80
        server s1 10.0.0.3:80
        server s2 10.0.0.4:80
    `
    const ok = text('%[nbsrv]/%[srv_is_up(other/s1)]')
    expect(errorsOf(ok)).toEqual([])
    const states = new States()
    states.down.add('other/s1')
    const e = createEngine(routeMap(ok), { states })
    const at = async (path: string) => {
      const d = await e.decide({ method: 'GET', url: `http://x${path}`, headers: [], src: '10.0.0.9' })
      return d.kind === 'forward' ? d.request.headers.first('x-n') : undefined
    }
    expect(await at('/')).toBe('1/0')
    expect(await at('/other')).toBe('2/0')
    // A bare server name cannot be resolved for every proxy using the section.
    expect(errorsOf(text('%[srv_is_up(s1)]')).map((d) => `${d.line}: ${d.message}`)).toEqual([
      "7: backend name must be set in arg 1 of sample fetch keyword 'srv_is_up' in http-request expression in proxy 'd1'.",
    ])
  })

  it('accepts the fetches in a listen section without arguments (it is both frontend and backend)', () => {
    const text = cfg`
      defaults
        mode http
        timeout connect 1s
        timeout client 1s
        timeout server 1s
      listen web
        bind :80
        server w1 10.0.0.1:80
        http-request set-header X %[nbsrv]/%[fe_conn]/%[srv_is_up(w1)]
    `
    expect(errorsOf(text)).toEqual([])
    expect(JSON.stringify(routeMap(text).frontends[0]?.httpRequest[0]?.args)).toContain('"args":["web/w1"]')
  })
})

describe('monitor fail', () => {
  const text = (lines: string) => cfg`
    defaults
      mode http
      timeout connect 1s
      timeout client 1s
      timeout server 1s
    frontend fe
      bind :80
      monitor-uri /mon
    ${lines}
      default_backend main
    backend main
      server s1 10.0.0.1:80
  `

  it('answers 503 on the monitor-uri while a condition holds, 200 otherwise', async () => {
    const states = new States()
    const e = createEngine(routeMap(text('  monitor fail if { nbsrv(main) lt 1 }\n  monitor fail unless { req.hdr(x-ok) -m found }')), { states })
    const mon = async (headers: [string, string][] = [['x-ok', '1']]) => {
      const d = await e.decide({ method: 'GET', url: 'http://x/mon', headers, src: '10.0.0.9' })
      return d.kind === 'respond' ? d.response.status : d.kind
    }
    expect(await mon()).toBe(200)
    expect(await mon([])).toBe(503)
    states.down.add('main/s1')
    expect(await mon()).toBe(503)
  })

  it('refuses what HAProxy refuses, with its messages', () => {
    expect(errorsOf(text('  monitor fail')).map((d) => d.message)).toEqual(["'monitor fail' requires either 'if' or 'unless' followed by a condition."])
    expect(errorsOf(text('  monitor foo if TRUE')).map((d) => d.message)).toEqual(["'monitor' only supports 'fail'."])
  })
})

describe('edgeproxy explain --down', () => {
  it('fails over to spare when --down marks every server of main down', async () => {
    const text = cfg`
      defaults
        mode http
        timeout connect 1s
        timeout client 1s
        timeout server 1s
      frontend fe
        bind :80
        use_backend spare if { nbsrv(main) lt 1 }
        default_backend main
      backend main
        server s1 10.0.0.1:80
        server s2 10.0.0.2:80
      backend spare
        server sp 10.0.0.9:80
    `
    const rm = routeMap(text)
    const up = await explain(rm, { url: 'http://localhost/', method: 'GET', headers: [], src: '127.0.0.1', down: ['main/s1'] })
    expect(up).toContain("decision: forward to backend 'main' server 's2'")
    const out = await explain(rm, { url: 'http://localhost/', method: 'GET', headers: [], src: '127.0.0.1', down: ['main/s1', 'main/s2'] })
    expect(out).toContain('acl: {nbsrv(main) lt 1} → true')
    expect(out).toContain("decision: forward to backend 'spare' server 'sp'")
  })
})
