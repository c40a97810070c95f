import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffEnabled, type Pair, type Proxy as RunningProxy, send, startPair } from './harness.ts'

/*
 * Health checks in full under HAProxy 2.6 and `edgeproxy dev`, in front of the same origins:
 * an `http-check connect|send|expect` sequence whose second request fails, an agent on loopback
 * (a small TCP server here) whose reply changes over time, and `track` (same backend and across
 * backends). As in health.test.ts each proxy converges on its own (timings are never compared),
 * then what it shows is compared: the servers that answer, and `status`/`weight` of the stats CSV.
 */
const CONFIG = `
global
    nbthread 1

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s

frontend fe
    bind 127.0.0.1:@PORT@
    stats enable
    stats uri /stats
    use_backend be_seq_ko if { path_beg /seqko }
    use_backend be_seq_ok if { path_beg /seqok }
    use_backend be_agent if { path_beg /agent }
    use_backend be_vars_ko if { path_beg /varsko }
    use_backend be_vars_ok if { path_beg /varsok }
    use_backend be_track if { path_beg /track }
    use_backend be_track2 if { path_beg /xtrack }
    default_backend be_track

# Two requests per check, each on its own connection: only the second one fails (503), so s is DOWN.
backend be_seq_ko
    option httpchk GET /health
    http-check connect
    http-check send
    http-check expect status 200
    http-check connect
    http-check send meth GET uri /probe?status=503
    http-check expect status 200
    default-server inter 200 fall 1 rise 1
    server s 127.0.0.1:@s@ check
    server bk 127.0.0.1:@bk@ backup

# The same with a second request that passes, and a header expectation on it: s stays UP.
backend be_seq_ok
    option httpchk GET /health
    http-check connect
    http-check send
    http-check expect status 200
    http-check connect
    http-check send meth GET uri /probe?rh=x-state:all-good
    http-check expect status 200
    http-check expect hdr name x-state value -m beg all-
    default-server inter 200 fall 1 rise 1
    server s 127.0.0.1:@s@ check
    server bk 127.0.0.1:@bk@ backup

# The URI comes from a check variable: 503 → DOWN, 200 → UP (and a header expectation from a variable set from the response).
backend be_vars_ko
    option httpchk
    http-check connect
    http-check set-var(check.st) str(503)
    http-check send meth GET uri-lf "/probe?status=%[var(check.st)]&rh=x-who:%[srv_name]"
    http-check expect status 200
    default-server inter 200 fall 1 rise 1
    server s 127.0.0.1:@s@ check
    server bk 127.0.0.1:@bk@ backup

backend be_vars_ok
    option httpchk
    http-check connect
    http-check set-var(check.st) str(200)
    http-check send meth GET uri-lf "/probe?status=%[var(check.st)]&rh=x-who:%[srv_name]"
    http-check expect status 200
    http-check set-var(check.who) res.hdr(x-who)
    http-check expect hdr name x-who value-lf "%[var(check.who)]"
    default-server inter 200 fall 1 rise 1
    server s 127.0.0.1:@s@ check
    server bk 127.0.0.1:@bk@ backup

backend be_agent
    balance roundrobin
    server a1 127.0.0.1:@a1@ weight 100 agent-check agent-port @agent@ agent-inter 200 agent-send "hello\\n"
    server a2 127.0.0.1:@a2@ weight 100

backend be_track
    balance roundrobin
    option httpchk GET /health
    default-server inter 200 fall 1 rise 1
    server t1 127.0.0.1:@t1@ check
    server t2 127.0.0.1:@t2@ track t1
    server t3 127.0.0.1:@t3@

backend be_track2
    balance roundrobin
    option httpchk GET /health
    server u1 127.0.0.1:@u1@ track be_track/t1
    server u2 127.0.0.1:@u2@
`

const SETTLE_MS = 8_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The servers (sorted, distinct) answering `n` requests for `path`. */
async function servedSet(p: RunningProxy, path: string, n: number): Promise<string[]> {
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) {
    const r = await send(p.port, { path })
    seen.add(r.seen?.server ?? `status ${r.status}`)
  }
  return [...seen].sort()
}

/** `status` and `weight` of each server of `backend` in the stats CSV (`/stats;csv`). */
async function statsOf(p: RunningProxy, backend: string): Promise<Record<string, [string, string]>> {
  const r = await send(p.port, { path: '/stats;csv' })
  const lines = r.body.split('\n').filter((l) => l !== '')
  const header = (lines[0] ?? '').replace(/^# /, '').split(',')
  const col = (n: string) => header.indexOf(n)
  const out: Record<string, [string, string]> = {}
  for (const l of lines.slice(1)) {
    const f = l.split(',')
    if (f[col('pxname')] !== backend || f[col('svname')] === 'BACKEND' || f[col('svname')] === 'FRONTEND') continue
    out[f[col('svname')] ?? ''] = [f[col('status')] ?? '', f[col('weight')] ?? '']
  }
  return out
}

/** Polls `probe` on one proxy until it returns `want` (compared as JSON) or SETTLE_MS passes; returns the last value. */
async function until<T>(probe: () => Promise<T>, want: T): Promise<T> {
  const end = Date.now() + SETTLE_MS
  let last = await probe()
  while (JSON.stringify(last) !== JSON.stringify(want) && Date.now() < end) {
    await sleep(150)
    last = await probe()
  }
  return last
}

/** A TCP agent: answers every connection with the current `reply` (after reading the agent-send line), then closes. */
class Agent {
  reply = 'up\n'
  readonly received: string[] = []
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined

  async listen(port: number): Promise<void> {
    this.#server = createServer((sock) => {
      this.#sockets.add(sock)
      sock.on('close', () => this.#sockets.delete(sock))
      sock.on('error', () => sock.destroy())
      let got = ''
      sock.on('data', (d: Buffer) => {
        got += d.toString('latin1')
        if (!got.includes('\n')) return
        this.received.push(got)
        sock.end(this.reply)
      })
    })
    await new Promise<void>((r) => this.#server?.listen(port, '127.0.0.1', () => r()))
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()))
  }
}

describe.skipIf(!diffEnabled())('differential: http-check sequences, agent checks and track, HAProxy 2.6 vs edgeproxy dev', () => {
  let pair: Pair
  const agent = new Agent()

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s', 'bk', 'a1', 'a2', 't1', 't2', 't3', 'u1', 'u2'], dead: ['agent'] })
    await agent.listen(pair.origins.port('agent'))
  }, 90_000)

  afterAll(async () => {
    await agent.stop()
    await pair?.stop()
  })

  /** Lets both proxies converge on `want` concurrently, then expects each to show it. */
  async function converge<T>(probe: (p: RunningProxy) => Promise<T>, want: T): Promise<void> {
    const [h, e] = await Promise.all([until(() => probe(pair.haproxy), want), until(() => probe(pair.edge), want)])
    expect({ haproxy: h, edgeproxy: e }).toEqual({ haproxy: want, edgeproxy: want })
  }

  it('an http-check sequence whose second request fails takes the server DOWN; when it passes the server stays UP', async () => {
    await converge((p) => servedSet(p, '/seqko', 4), ['bk'])
    await converge((p) => servedSet(p, '/seqok', 4), ['s'])
    await converge(async (p) => (await statsOf(p, 'be_seq_ko')).s?.[0], 'DOWN')
  }, 30_000)

  it('check variables and log-format URIs: the variable picks the status the origin answers', async () => {
    await converge((p) => servedSet(p, '/varsko', 4), ['bk'])
    await converge((p) => servedSet(p, '/varsok', 4), ['s'])
  }, 30_000)

  it('agent replies: 50% → weight 50; drain → DRAIN (agent); down → DOWN (agent); up 100% → still draining; ready → back at 100 ("no check": it has no health check)', async () => {
    agent.reply = '50%\n'
    await converge(async (p) => (await statsOf(p, 'be_agent')).a1, ['no check', '50'])
    // Weights 50:100 under roundrobin: a1 takes a third of the requests.
    const count = async (p: RunningProxy) => {
      let a1 = 0
      for (let i = 0; i < 30; i++) if ((await send(p.port, { path: '/agent' })).seen?.server === 'a1') a1++
      return a1
    }
    expect({ haproxy: await count(pair.haproxy), edgeproxy: await count(pair.edge) }).toEqual({ haproxy: 10, edgeproxy: 10 })
    agent.reply = 'drain\n'
    await converge(async (p) => (await statsOf(p, 'be_agent')).a1, ['DRAIN (agent)', '50'])
    await converge((p) => servedSet(p, '/agent', 4), ['a2'])
    agent.reply = 'down\n'
    await converge(async (p) => (await statsOf(p, 'be_agent')).a1, ['DOWN (agent)', '50'])
    agent.reply = 'up 100%\n'
    await converge(async (p) => (await statsOf(p, 'be_agent')).a1, ['DRAIN (agent)', '100'])
    await converge((p) => servedSet(p, '/agent', 4), ['a2'])
    agent.reply = 'ready\n'
    await converge(async (p) => (await statsOf(p, 'be_agent')).a1, ['no check', '100'])
    await converge((p) => servedSet(p, '/agent', 6), ['a1', 'a2'])
    expect(agent.received.every((r) => r === 'hello\n')).toBe(true)
  }, 90_000)

  it('a tracking server goes DOWN with the server it tracks, in its backend and in another one', async () => {
    await converge((p) => servedSet(p, '/track', 6), ['t1', 't2', 't3'])
    pair.origins.failing.add('t1')
    try {
      await converge((p) => servedSet(p, '/track', 6), ['t3'])
      await converge((p) => servedSet(p, '/xtrack', 4), ['u2'])
      await converge(
        async (p) => {
          const s = await statsOf(p, 'be_track')
          return [s.t1?.[0], s.t2?.[0]]
        },
        ['DOWN', 'DOWN'],
      )
    } finally {
      pair.origins.failing.delete('t1')
    }
    await converge((p) => servedSet(p, '/track', 6), ['t1', 't2', 't3'])
    await converge((p) => servedSet(p, '/xtrack', 4), ['u1', 'u2'])
  }, 60_000)
})
