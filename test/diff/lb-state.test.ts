/**
 * Balancers across server state changes under HAProxy 2.6 and `edgeproxy dev`: requests, then a
 * server taken out (`set server … state maint|drain` on each proxy's admin stats socket, or a
 * failing health check), more requests, the server back, more requests, and `set server … weight`
 * in between. With one thread both must serve the same servers request for request: the
 * roundrobin (weights 3/2/1) and leastconn sequences carry on across the change as lb_fwrr.c and
 * lb_fwlc.c update their trees in place, rather than restarting.
 *
 * Commands go to both proxies before the next request; a health change is waited for on each
 * proxy through `show stat` (no request is sent while waiting: it would move the balancers).
 */
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, type Pair, type Proxy as RunningProxy, send, startPair } from './harness.ts'

const CONFIG = `${DIFF_DEFAULTS.replace('nbthread 1', 'nbthread 1\n    stats socket @DIR@/admin.sock level admin')}
frontend fe
    bind 127.0.0.1:@PORT@
    http-request set-header X-M %[path,map(@DIR@/m.map,none)]
    use_backend be_%[path,field(2,/)]

backend be_rr
    balance roundrobin
    server s1 127.0.0.1:@a@ weight 3
    server s2 127.0.0.1:@b@ weight 2
    server s3 127.0.0.1:@c@ weight 1

backend be_lc
    balance leastconn
    server s1 127.0.0.1:@a@
    server s2 127.0.0.1:@b@
    server s3 127.0.0.1:@c@

backend be_bk
    balance roundrobin
    option allbackups
    server s1 127.0.0.1:@a@ weight 2
    server s2 127.0.0.1:@b@
    server k1 127.0.0.1:@c@ backup
    server k2 127.0.0.1:@d@ backup weight 2

backend be_srr
    balance static-rr
    server s1 127.0.0.1:@a@ weight 3
    server s2 127.0.0.1:@b@ weight 2
    server s3 127.0.0.1:@c@ weight 1

backend be_hc
    balance roundrobin
    option httpchk GET /health
    timeout check 1s
    default-server inter 300 fall 2 rise 2
    server s1 127.0.0.1:@e@ check weight 3
    server s2 127.0.0.1:@f@ check weight 2
    server s3 127.0.0.1:@g@ check weight 1

backend be_hl
    balance leastconn
    option httpchk GET /health
    timeout check 1s
    default-server inter 300 fall 2 rise 2
    server s1 127.0.0.1:@e@ check weight 3
    server s2 127.0.0.1:@f@ check weight 2
    server s3 127.0.0.1:@g@ check weight 1
`

/** How long a proxy may take to see a health change (edgeproxy: checks + a 2 s snapshot). */
const SETTLE_MS = 8_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One command line on the proxy's admin stats socket; resolves with the answer. */
function command(p: RunningProxy, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const s = connect(join(p.dir, 'admin.sock'), () => s.end(`${line}\n`))
    s.on('data', (d: Buffer) => chunks.push(d))
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    s.on('error', reject)
  })
}

/** The `status` column of `show stat` for backend/server. */
async function status(p: RunningProxy, backend: string, server: string): Promise<string> {
  const lines = (await command(p, 'show stat')).split('\n')
  const col = (lines[0] ?? '').replace(/^# /, '').split(',').indexOf('status')
  const row = lines.find((l) => l.startsWith(`${backend},${server},`))
  return row?.split(',')[col] ?? ''
}

/** Waits until the server's status is `want` on the proxy (bounded). */
async function until(p: RunningProxy, backend: string, server: string, want: string): Promise<string> {
  const end = Date.now() + SETTLE_MS
  let got = await status(p, backend, server)
  while (got !== want && Date.now() < end) {
    await sleep(100)
    got = await status(p, backend, server)
  }
  return got
}

describe.skipIf(!diffEnabled())('differential: balancers across state changes, HAProxy 2.6 vs edgeproxy dev', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], files: { 'm.map': '/none x\n' } })
  }, 90_000)

  afterAll(async () => {
    await pair?.stop()
  })

  /** The servers that answer `n` requests for the backend, per proxy (HAProxy first, one at a time). */
  async function serve(backend: string, n: number): Promise<{ h: string[]; e: string[] }> {
    const h: string[] = []
    const e: string[] = []
    for (let i = 0; i < n; i++) {
      const path = `/${backend}/${i}`
      h.push(await name(pair.haproxy, path))
      e.push(await name(pair.edge, path))
    }
    return { h, e }
  }

  async function name(p: RunningProxy, path: string): Promise<string> {
    const r = await send(p.port, { path })
    return r.seen ? serverName(r.headers['x-served-by'], path) : String(r.status)
  }

  /** Origins are shared by backends: name the server by the origin that answered. */
  function serverName(origin: string | string[] | undefined, path: string): string {
    const o = String(origin)
    const be = path.split('/')[1]
    const names: Record<string, Record<string, string>> = {
      rr: { a: 's1', b: 's2', c: 's3' },
      lc: { a: 's1', b: 's2', c: 's3' },
      srr: { a: 's1', b: 's2', c: 's3' },
      hl: { e: 's1', f: 's2', g: 's3' },
      bk: { a: 's1', b: 's2', c: 'k1', d: 'k2' },
      hc: { e: 's1', f: 's2', g: 's3' },
    }
    return names[be ?? '']?.[o] ?? o
  }

  /** Runs the steps on both proxies: a number sends that many requests, a string is a socket command. */
  async function scenario(backend: string, steps: readonly (number | string)[]): Promise<string> {
    const h: string[] = []
    const e: string[] = []
    for (const step of steps) {
      if (typeof step === 'number') {
        const r = await serve(backend, step)
        h.push(r.h.join(' '))
        e.push(r.e.join(' '))
      } else {
        // @DIR@: each proxy's own directory; @b@: origin b's port.
        const line = (p: RunningProxy) => step.replace('@DIR@', p.dir).replace('@b@', String(pair.origins.port('b')))
        const [ha, ea] = [await command(pair.haproxy, line(pair.haproxy)), await command(pair.edge, line(pair.edge))]
        expect(ea.trim(), `edgeproxy's answer to '${step}'`).toBe(ha.trim())
        h.push(`[${step.replace(/^set server \w+\//, '').replace('@DIR@/', '')}]`)
        e.push(h[h.length - 1] as string)
      }
    }
    expect(e.join('\n'), `edgeproxy vs HAProxy on be_${backend}\n${pair.edge.output().slice(-2000)}`).toBe(h.join('\n'))
    return h.join('\n')
  }

  it('roundrobin 3/2/1 carries on across maint, ready and weight changes', async () => {
    const h = await scenario('rr', [
      7,
      'set server be_rr/s1 state maint',
      8,
      'set server be_rr/s1 state ready',
      12,
      'set server be_rr/s3 weight 4',
      6,
      'set server be_rr/s2 state drain',
      4,
      'set server be_rr/s2 state ready',
      'set server be_rr/s3 weight 1',
      8,
    ])
    // The run after the recovery continues the window (s3 first) instead of restarting at s1.
    expect(h.split('\n')[4]).toBe('s3 s1 s2 s1 s2 s1 s3 s1 s2 s1 s2 s1')
  })

  it('roundrobin 3/2/1 carries on across runtime map and address edits', async () => {
    await scenario('rr', [5, 'add map @DIR@/m.map /rr/1 y', 6, 'set server be_rr/s2 addr 127.0.0.1 port @b@', 6])
  })

  it('leastconn keeps its order among equals across maint, ready and weight changes', async () => {
    await scenario('lc', [
      4,
      'set server be_lc/s2 state maint',
      4,
      'set server be_lc/s2 state ready',
      6,
      'set server be_lc/s1 weight 3',
      5,
      'set server be_lc/s3 state drain',
      3,
      'set server be_lc/s3 state ready',
      6,
    ])
  })

  it('static-rr keeps its map index across maint and ready (the map is recomputed)', async () => {
    await scenario('srr', [5, 'set server be_srr/s1 state maint', 6, 'set server be_srr/s1 state ready', 12, 'set server be_srr/s2 weight 0%', 5, 'set server be_srr/s2 weight 100%', 9])
  })

  it('roundrobin with allbackups: failover to the backup group and back', async () => {
    await scenario('bk', [
      3,
      'set server be_bk/s1 state maint',
      2,
      'set server be_bk/s2 state maint',
      6,
      'set server be_bk/k1 state maint',
      3,
      'set server be_bk/k1 state ready',
      4,
      'set server be_bk/s2 state ready',
      5,
      'set server be_bk/s1 state ready',
      6,
    ])
  })

  it('roundrobin 3/2/1 and leastconn carry on across a failing health check and its recovery', async () => {
    const backends = ['hc', 'hl'] as const
    const h: string[] = []
    const e: string[] = []
    const run = async (n: number) => {
      for (const b of backends) {
        const r = await serve(b, n)
        h.push(`${b}: ${r.h.join(' ')}`)
        e.push(`${b}: ${r.e.join(' ')}`)
      }
    }
    const settle = async (want: string) => {
      const waits = backends.flatMap((b) => [until(pair.haproxy, `be_${b}`, 's1', want), until(pair.edge, `be_${b}`, 's1', want)])
      expect(await Promise.all(waits), `s1 status in be_hc, be_hl on HAProxy, edgeproxy\n${pair.edge.output().slice(-2000)}`).toEqual(waits.map(() => want))
    }
    await settle('UP')
    await run(5)
    pair.origins.failing.add('e')
    await settle('DOWN')
    await run(7)
    pair.origins.failing.delete('e')
    await settle('UP')
    await run(9)
    expect(e.join('\n'), `edgeproxy vs HAProxy\n${pair.edge.output().slice(-2000)}`).toBe(h.join('\n'))
  }, 60_000)
})
