import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffEnabled, type Pair, type Proxy as RunningProxy, send, startPair } from './harness.ts'

/*
 * Health checks under HAProxy 2.6 and `edgeproxy dev`, in front of the same origins (so
 * `origins.failing` flips /health to 503 for both at once). HAProxy's check timing is exact while
 * edgeproxy's data plane sees health through a snapshot refreshed at most every min(inter, 2 s), so each proxy
 * is polled on its own until its routing reaches the expected set (bounded), and only then are the
 * servers that answer the next requests compared: timings are never compared.
 *
 * The /probe backends check a URL the echo origin answers with a chosen status (302 with a
 * Location, or 404), under an expectation whose verdict differs from HAProxy's implicit 2xx/3xx
 * rule; `c` serves while it passes its check, the unchecked backup `bk` when it does not.
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
    use_backend be_all if { path_beg /all }
    use_backend be_s200 if { path_beg /s200 }
    use_backend be_d302 if { path_beg /d302 }
    use_backend be_nr5 if { path_beg /nr5 }
    use_backend be_d404 if { path_beg /d404 }
    default_backend be

backend be
    balance roundrobin
    option httpchk GET /health
    default-server inter 300 fall 2 rise 2
    server p1 127.0.0.1:@p1@ check
    server p2 127.0.0.1:@p2@ check
    server b1 127.0.0.1:@b1@ check backup
    server b2 127.0.0.1:@b2@ check backup

backend be_all
    balance roundrobin
    option allbackups
    option httpchk GET /health
    default-server inter 300 fall 2 rise 2
    server p1 127.0.0.1:@p1@ check
    server p2 127.0.0.1:@p2@ check
    server b1 127.0.0.1:@b1@ check backup
    server b2 127.0.0.1:@b2@ check backup

# 302 under an explicit "status 200": DOWN.
backend be_s200
    option httpchk GET /probe?status=302&rh=location:/health
    http-check expect status 200
    default-server inter 300 fall 2 rise 2
    server c 127.0.0.1:@c@ check
    server bk 127.0.0.1:@bk@ backup

# 302 under the implicit 2xx/3xx rule: UP.
backend be_d302
    option httpchk GET /probe?status=302&rh=location:/health
    default-server inter 300 fall 2 rise 2
    server c 127.0.0.1:@c@ check
    server bk 127.0.0.1:@bk@ backup

# 404 under "! rstatus ^5": UP.
backend be_nr5
    option httpchk GET /probe?status=404
    http-check expect ! rstatus ^5
    default-server inter 300 fall 2 rise 2
    server c 127.0.0.1:@c@ check
    server bk 127.0.0.1:@bk@ backup

# 404 under the implicit 2xx/3xx rule: DOWN.
backend be_d404
    option httpchk GET /probe?status=404
    default-server inter 300 fall 2 rise 2
    server c 127.0.0.1:@c@ check
    server bk 127.0.0.1:@bk@ backup
`

/** How long one proxy may take to reach the expected routing (edgeproxy: checks + a 2 s snapshot). */
const SETTLE_MS = 6_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The servers (sorted, distinct) that answer `n` requests for `path`, one at a time. */
async function servedSet(p: RunningProxy, path: string, n: number): Promise<string[]> {
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) {
    const r = await send(p.port, { path })
    seen.add(r.seen?.server ?? `status ${r.status}`)
  }
  return [...seen].sort()
}

/** Polls until 6 requests for `path` are served by exactly `want`, or SETTLE_MS passes. */
async function settle(p: RunningProxy, path: string, want: readonly string[]): Promise<void> {
  const end = Date.now() + SETTLE_MS
  while ((await servedSet(p, path, 6)).join() !== want.join() && Date.now() < end) await sleep(150)
}

describe.skipIf(!diffEnabled())('differential: health checks, HAProxy 2.6 vs edgeproxy dev', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['p1', 'p2', 'b1', 'b2', 'c', 'bk'] })
  }, 90_000)

  afterAll(async () => {
    await pair?.stop()
  })

  /**
   * For each `[path, want]`: lets each proxy converge on its own (concurrently), then takes the set of
   * servers answering `n` requests from each and expects both to be `want`.
   */
  async function compare(cases: readonly (readonly [string, readonly string[]])[], n: number): Promise<void> {
    const proxies = [pair.haproxy, pair.edge]
    await Promise.all(cases.flatMap(([path, want]) => proxies.map((p) => settle(p, path, want))))
    for (const [path, want] of cases) {
      const h = await servedSet(pair.haproxy, path, n)
      const e = await servedSet(pair.edge, path, n)
      expect(e, `edgeproxy vs HAProxy on ${path}\n${pair.edge.output().slice(-2000)}`).toEqual(h)
      expect(h, `HAProxy on ${path}`).toEqual(want)
    }
  }

  it('balances over every primary while all pass their checks', async () => {
    await compare(
      [
        ['/', ['p1', 'p2']],
        ['/all', ['p1', 'p2']],
      ],
      12,
    )
  })

  it('takes a primary failing /health out of rotation', async () => {
    pair.origins.failing.add('p1')
    await compare(
      [
        ['/', ['p2']],
        ['/all', ['p2']],
      ],
      8,
    )
  })

  it('sends traffic to the first backup, or to every backup with option allbackups, when all primaries fail', async () => {
    pair.origins.failing.add('p1')
    pair.origins.failing.add('p2')
    await compare(
      [
        ['/', ['b1']],
        ['/all', ['b1', 'b2']],
      ],
      8,
    )
  })

  it('brings the primaries back after rise', async () => {
    pair.origins.failing.clear()
    await compare(
      [
        ['/', ['p1', 'p2']],
        ['/all', ['p1', 'p2']],
      ],
      8,
    )
  })

  it('judges 302 and 404 check answers by http-check expect (status 200, ! rstatus ^5) and by the implicit 2xx/3xx rule', async () => {
    // Servers start UP: by now every /probe check has run many times, and one more second makes
    // sure the UP verdicts below rest on completed checks rather than on the initial state.
    await sleep(1_000)
    await compare(
      [
        ['/s200', ['bk']],
        ['/d302', ['c']],
        ['/nr5', ['c']],
        ['/d404', ['bk']],
      ],
      6,
    )
  })
})
