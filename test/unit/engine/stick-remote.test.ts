import { describe, expect, it } from 'vitest'
import { createEngine, type Decision, type Engine } from '../../../src/engine/index.ts'
import { RequestState } from '../../../src/engine/request-state.ts'
import { ALL_UP, ServerSelector } from '../../../src/engine/server-select.ts'
import { NO_TRACE } from '../../../src/engine/trace.ts'
import { type RemoteStickOptions, remoteStickStore } from '../../../src/state/remote-stick.ts'
import { FLUSH_LONG_MS, FLUSH_SHORT_MS } from '../../../src/state/stick-replica.ts'
import { shardOf } from '../../../src/state/stick-shard.ts'
import { FakeDOs } from '../../helpers/stick-fakes.ts'
import { routeMapOf as routeMap } from '../../helpers/cfg.ts'

/** A flush timer that never fires: the tests flush by batch size or explicitly. */
const NEVER = (): Promise<void> => new Promise<void>(() => {})
const CLOCK0 = 1_795_609_869_760
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

const cfg = (consistency: 'exact' | 'fast', limit = 20): string => `
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe
  bind :80
  stick-table type ip size 200k expire 30s store http_req_rate(10s),http_req_cnt,gpc0 consistency ${consistency}
  http-request track-sc0 src if { path_beg /api }
  http-request sc-inc-gpc0(0) if { path /api/bump }
  http-request return status 200 content-type text/plain lf-string "n=%[sc_http_req_cnt(0)] g=%[sc_get_gpc0(0)]" if { path_beg /api/count }
  http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${limit} }
  default_backend be
backend be
  server s1 192.0.2.10:80
`

const get = (path: string, src = '198.51.100.7') => ({ method: 'GET', url: `http://s.example${path}`, headers: [] as [string, string][], src })
const status = (d: Decision): number => (d.kind === 'respond' ? d.response.status : d.kind === 'forward' ? 200 : 0)
const body = (d: Decision): string => (d.kind === 'respond' ? d.response.body : '')

function engines(n: number, text: string, dos: FakeDOs, opts: Partial<RemoteStickOptions> = {}, clock = { now: CLOCK0 }) {
  const rm = routeMap(text)
  const factories = Array.from({ length: n }, () => remoteStickStore({ shard: dos.rpc, ...opts }))
  const es: Engine[] = factories.map((f) => createEngine(rm, { stick: f, now: () => clock.now }))
  return { es, factories, clock }
}

describe('Durable Object-backed stick tables in the engine', () => {
  it('requests that track nothing make no Durable Object call', async () => {
    const dos = new FakeDOs()
    const { es } = engines(1, cfg('exact'), dos)
    const e = es[0] as Engine
    for (let i = 0; i < 50; i++) expect(status(await e.decide(get('/static')))).toBe(200)
    expect(dos.calls).toEqual([])
    // A config without any stick table: none either.
    const plain = createEngine(routeMap('defaults\n  mode http\nfrontend fe\n  bind :80\n  default_backend be\nbackend be\n  server s1 192.0.2.10:80\n'), {
      stick: remoteStickStore({ shard: dos.rpc }),
    })
    await plain.decide(get('/api'))
    expect(dos.calls).toEqual([])
  })

  it('exact: one RPC per tracked request, to the key shard; sc_* read the shared counts; 429 at request 21 across isolates', async () => {
    const dos = new FakeDOs()
    const { es, factories } = engines(3, cfg('exact'), dos)
    const statuses: number[] = []
    for (let i = 0; i < 25; i++) statuses.push(status(await (es[i % 3] as Engine).decide(get('/api/x'))))
    expect(statuses.indexOf(429)).toBe(20)
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true)
    expect(dos.calls.length).toBe(25)
    expect(new Set(dos.calls)).toEqual(new Set([`track fe:${shardOf({ size: 200 * 1024 }, '198.51.100.7')}`]))
    const n = body(await (es[0] as Engine).decide(get('/api/count')))
    expect(n).toBe('n=26 g=0')
    expect(factories.reduce((a, f) => a + (f.current()?.calls ?? 0), 0)).toBe(26)
  })

  it('exact: sc-inc-gpc0 is applied at once and shipped in the background (no extra wait)', async () => {
    const dos = new FakeDOs()
    const { es, factories } = engines(2, cfg('exact'), dos)
    await (es[0] as Engine).decide(get('/api/bump'))
    await factories[0]?.idle()
    expect(dos.calls.length).toBe(2)
    expect(body(await (es[1] as Engine).decide(get('/api/count')))).toBe('n=2 g=1')
  })

  it('fast: decides from the isolate view and ships batches (≤ 0.05 calls per request)', async () => {
    const dos = new FakeDOs()
    const { es, factories, clock } = engines(1, cfg('fast', 1000), dos, { batch: 32, sleep: NEVER })
    const e = es[0] as Engine
    for (let i = 0; i < 640; i++) expect(status(await e.decide(get('/api/x', `10.0.${i % 4}.1`)))).toBe(200)
    await factories[0]?.current()?.flush()
    const perRequest = dos.calls.length / 640
    expect(perRequest).toBeLessThanOrEqual(0.05)
    const total = [...dos.shards.values()].reduce((a, s) => a + [0, 1, 2, 3].reduce((b, i) => b + (s.lookup(`10.0.${i}.1`, clock.now)?.counters.http_req_cnt ?? 0), 0), 0)
    expect(total).toBe(640)
  })

  it('fast: flushes by time only (one call per shard and interval, whatever the request count); a full batch of keys goes at once', async () => {
    const dos = new FakeDOs()
    const wakes: (() => void)[] = []
    const sleeps: number[] = []
    const sleep = (ms: number) =>
      new Promise<void>((r) => {
        sleeps.push(ms)
        wakes.push(r)
      })
    const shard = shardOf({ size: 200 * 1024 }, '198.51.100.7')
    const { es } = engines(1, cfg('fast', 1000), dos, { batch: 4, sleep, location: 'AMS' })
    const e = es[0] as Engine
    const sameShard = Array.from({ length: 200 }, (_, i) => `10.1.${i}.1`).filter((k) => shardOf({ size: 200 * 1024 }, k) === shard)
    for (let i = 0; i < 50; i++) await e.decide(get('/api/x'))
    await tick()
    expect(dos.calls).toEqual([])
    wakes.shift()?.() // the interval has passed: one flush for 50 requests
    await tick()
    expect(dos.calls).toEqual([`flush fe:${shard}@AMS`])
    for (let i = 0; i < 4; i++) await e.decide(get('/api/x', sameShard[i]))
    await tick()
    expect(dos.calls.length).toBe(2) // 4 keys: the batch is full, sent at once
    await e.decide(get('/api/x', sameShard[5])) // a new partial batch, with its own timer
    wakes.shift()?.() // the full batch's timer fires late: it does not flush the partial one
    await tick()
    expect(dos.calls.length).toBe(2)
    wakes.shift()?.() // the partial batch's own timer flushes it
    await tick()
    expect(dos.calls.length).toBe(3)
    // The first flush waits FLUSH_SHORT_MS; then the replica says how long (alone: FLUSH_LONG_MS).
    expect(sleeps).toEqual([FLUSH_SHORT_MS, FLUSH_LONG_MS, FLUSH_LONG_MS])
  })

  it('fast: the view merges the counts of other isolates on each flush (via the location replica)', async () => {
    const dos = new FakeDOs()
    const { es, factories } = engines(2, cfg('fast'), dos, { sleep: NEVER, location: 'AMS' })
    for (let i = 0; i < 5; i++) await (es[0] as Engine).decide(get('/api/x'))
    await factories[0]?.current()?.flush()
    for (let i = 0; i < 5; i++) await (es[1] as Engine).decide(get('/api/x'))
    await factories[1]?.current()?.flush()
    // Isolate 1 flushed after isolate 0: it sees all 10 (+ this one).
    expect(body(await (es[1] as Engine).decide(get('/api/count')))).toBe('n=11 g=0')
    const [name, replica] = [...dos.replicas.entries()][0] ?? []
    if (!name || !replica) throw new Error('no replica')
    expect(replica.core.active(Date.now())).toBe(2)
    // Nothing has reached the home shard yet: the replica's sync (its alarm) sends it.
    expect(dos.shards.size).toBe(0)
    expect(await dos.syncReplica(name, Date.now())).toBe(true)
    expect(dos.calls.at(-1)).toBe(`update ${replica.home}`)
    expect(dos.shards.get(replica.home)?.lookup('198.51.100.7', CLOCK0 + 1)?.counters.http_req_cnt).toBe(10)
  })

  it('fast, no location: batches go to the home shard directly', async () => {
    const dos = new FakeDOs()
    const { es, factories } = engines(1, cfg('fast'), dos, { sleep: NEVER })
    await (es[0] as Engine).decide(get('/api/x'))
    await factories[0]?.current()?.flush()
    expect(dos.calls).toEqual([`update fe:${shardOf({ size: 200 * 1024 }, '198.51.100.7')}`])
  })

  it('fail-open: a failing shard lets requests through untracked, and is skipped for retryAfterMs', async () => {
    const dos = new FakeDOs()
    const logs: string[] = []
    const { es, clock } = engines(1, cfg('exact', 0), dos, { log: (l) => logs.push(l), retryAfterMs: 5_000 })
    const e = es[0] as Engine
    dos.mode = 'throw'
    expect(status(await e.decide(get('/api/x')))).toBe(200)
    expect(status(await e.decide(get('/api/x')))).toBe(200)
    expect(dos.calls.length).toBe(1)
    expect(logs[0]).toMatch(/fe:\d: Durable Object is overloaded; failure policy applies for 5000 ms/)
    dos.mode = 'ok'
    clock.now += 5_000
    // Tracked again: rate 1 > limit 0.
    expect(status(await e.decide(get('/api/x')))).toBe(429)
    expect(dos.calls.length).toBe(2)
  })

  it('fail-open on timeout; the `local` policy counts in the isolate instead', async () => {
    const dos = new FakeDOs()
    dos.mode = 'hang'
    const open = engines(1, cfg('exact', 1), dos, { timeoutMs: 20 })
    const t = Date.now()
    expect(status(await (open.es[0] as Engine).decide(get('/api/x')))).toBe(200)
    expect(Date.now() - t).toBeLessThan(1000)
    const local = engines(1, cfg('exact', 2), dos, { timeoutMs: 20, failure: { fe: 'local' } })
    const e = local.es[0] as Engine
    expect([await e.decide(get('/api/x')), await e.decide(get('/api/x')), await e.decide(get('/api/x'))].map(status)).toEqual([200, 200, 429])
  })

  it("the table's 'on-error local' option chooses the local policy from the config", async () => {
    const dos = new FakeDOs()
    dos.mode = 'hang'
    const text = cfg('exact', 2).replace('consistency exact', 'consistency exact on-error local')
    expect(routeMap(text).frontends[0]?.stickTable?.onError).toBe('local')
    const e = engines(1, text, dos, { timeoutMs: 20 }).es[0] as Engine
    expect([await e.decide(get('/api/x')), await e.decide(get('/api/x')), await e.decide(get('/api/x'))].map(status)).toEqual([200, 200, 429])
  })

  it('explain and tests without a store keep the in-memory tables (no RPC surface at all)', async () => {
    const e = createEngine(routeMap(cfg('exact', 2)), { now: () => 1_000_000 })
    const s = [await e.decide(get('/api/x')), await e.decide(get('/api/x')), await e.decide(get('/api/x'))].map(status)
    expect(s).toEqual([200, 200, 429])
  })

  it("stick on: the server id is stored in the shard; prefetch() lets another isolate's stick match find it", async () => {
    const dos = new FakeDOs()
    const text = `
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe
  bind :80
  default_backend be
backend be
  balance roundrobin
  stick-table type ip size 1k expire 30m consistency exact
  stick on src
  server s1 192.0.2.10:80
  server s2 192.0.2.11:80
`
    const { es, factories } = engines(2, text, dos)
    const first = await (es[0] as Engine).decide(get('/', '203.0.113.1'))
    expect(first.kind === 'forward' && first.server.name).toBe('s1')
    await factories[0]?.current()?.settled()
    expect(dos.calls.filter((c) => c.startsWith('track'))).toHaveLength(1)
    // Isolate 2: its roundrobin would pick s2 for the next client; the stored entry says s1.
    const store = factories[1]?.current()
    const be = (es[1] as Engine).hydrated.backends.get('be')
    if (!store || !be) throw new Error('setup')
    const sel = new ServerSelector(store)
    const other = new RequestState(get('/', '203.0.113.2'), 'fe', () => 0)
    expect(sel.assign(be, other, ALL_UP, NO_TRACE).server?.name).toBe('s1')
    const ctx = new RequestState(get('/', '203.0.113.1'), 'fe', () => 0)
    const before = dos.calls.length
    await sel.prefetch(be, ctx, NO_TRACE)
    expect(dos.calls.length - before).toBe(1)
    expect(sel.assign(be, ctx, ALL_UP, NO_TRACE)).toMatchObject({ server: { name: 's1' }, why: expect.stringContaining('stick on 203.0.113.1') })
    // The memory store needs no prefetch.
    const mem = createEngine(routeMap(text))
    const mbe = mem.hydrated.backends.get('be')
    if (!mbe) throw new Error('setup')
    expect(new ServerSelector({ now: () => 0, table: () => undefined, track: () => undefined }).prefetch(mbe, ctx, NO_TRACE)).toBeUndefined()
  })
})
