import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DevProcess, freePort, Origins, send, spawnDev } from '../diff/harness.ts'

/*
 * Health checks under `edgeproxy dev` with real loopback origins: each backend's HealthMonitor
 * Durable Object runs `option httpchk` on its alarm (cron never fires locally), and the Worker
 * routes around DOWN servers through its health snapshot.
 */
describe('health checks under edgeproxy dev', () => {
  const origins = new Origins()
  let dev: DevProcess | undefined
  const out = (): string => dev?.output() ?? ''
  let port = 0

  async function servedBy(n: number): Promise<string[]> {
    const seen: string[] = []
    for (let i = 0; i < n; i++) seen.push((await send(port, { path: '/' })).seen?.server ?? 'none')
    return seen
  }

  /** Polls until every one of 4 requests is served by a server in `want` (bounded). */
  async function until(want: readonly string[], ms: number): Promise<number> {
    const start = Date.now()
    for (;;) {
      const s = await servedBy(4)
      if (s.every((x) => want.includes(x))) return Date.now() - start
      if (Date.now() - start > ms) throw new Error(`still served by ${s.join(',')} after ${ms} ms (want ${want.join('|')})\n${out()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** Polls until `name` serves a request again (bounded). */
  async function untilSeen(name: string, ms: number): Promise<void> {
    const start = Date.now()
    while (!(await servedBy(4)).includes(name)) {
      if (Date.now() - start > ms) throw new Error(`${name} serves nothing after ${ms} ms\n${out()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  beforeAll(async () => {
    await origins.start(['p1', 'p2', 'b1'])
    port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-health-'))
    const cfg = join(dir, 'health.cfg')
    writeFileSync(
      cfg,
      `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s

frontend fe
    bind 127.0.0.1:${port}
    use_backend be_observe if { path_beg /obs }
    use_backend be_slow if { path_beg /slow }
    default_backend be

backend be
    balance roundrobin
    option httpchk GET /health
    default-server inter 300 fall 2 rise 2
    server p1 127.0.0.1:${origins.port('p1')} check
    server p2 127.0.0.1:${origins.port('p2')} check
    server b1 127.0.0.1:${origins.port('b1')} check backup

backend be_slow
    balance roundrobin
    option httpchk GET /health
    default-server inter 300 fall 2 rise 2
    server s1 127.0.0.1:${origins.port('p1')} check slowstart 20s
    server s2 127.0.0.1:${origins.port('p2')} check

backend be_observe
    option httpchk GET /health
    server o1 127.0.0.1:${origins.port('p1')} check inter 30s observe layer7 error-limit 2 on-error mark-down
    server ob 127.0.0.1:${origins.port('b1')} backup
`,
    )
    dev = spawnDev(cfg, join(dir, 'state'))
    await dev.ready
  }, 90_000)

  afterAll(async () => {
    dev?.child.kill('SIGTERM')
    await origins.stop()
  })

  it('balances over the primaries while they pass their checks', async () => {
    await until(['p1', 'p2'], 5_000)
    expect(new Set(await servedBy(6))).toEqual(new Set(['p1', 'p2']))
  })

  it('takes a server whose /health fails out of rotation, and back after rise', async () => {
    origins.failing.add('p1')
    await until(['p2'], 5_000)
    // While DOWN, p1 gets nothing.
    expect(await servedBy(6)).toEqual(['p2', 'p2', 'p2', 'p2', 'p2', 'p2'])
    origins.failing.delete('p1')
    await untilSeen('p1', 5_000)
    expect(new Set(await servedBy(6))).toEqual(new Set(['p1', 'p2']))
  })

  it('sends traffic to the backup when every primary is down, and back when one recovers', async () => {
    origins.failing.add('p1')
    origins.failing.add('p2')
    await until(['b1'], 5_000)
    expect(await servedBy(4)).toEqual(['b1', 'b1', 'b1', 'b1'])
    origins.failing.delete('p2')
    await until(['p2'], 5_000)
    origins.failing.delete('p1')
    await untilSeen('p1', 5_000)
  })

  it('marks a server down from observed traffic errors (observe layer7, error-limit 2, on-error mark-down)', async () => {
    const first = await send(port, { path: '/obs?status=500' })
    expect(first.seen?.server).toBe('p1')
    await send(port, { path: '/obs?status=500' })
    // The two 500s reach the HealthMonitor in the background; the snapshot follows within 2 s.
    const start = Date.now()
    let server = ''
    while (Date.now() - start < 6_000) {
      server = (await send(port, { path: '/obs' })).seen?.server ?? ''
      if (server === 'b1') break
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(server).toBe('b1')
  })

  it('ramps a recovered server in with slowstart: a small share first', async () => {
    const served = async (n: number) => {
      const out: string[] = []
      for (let k = 0; k < n; k++) out.push((await send(port, { path: '/slow' })).seen?.server ?? 'none')
      return out
    }
    origins.failing.add('p1')
    const start = Date.now()
    while ((await served(4)).includes('p1')) {
      if (Date.now() - start > 6_000) throw new Error(`p1 still served after 6 s\n${out()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    origins.failing.delete('p1')
    const back = Date.now()
    while (!(await served(4)).includes('p1')) {
      if (Date.now() - back > 6_000) throw new Error(`p1 not back after 6 s\n${out()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    // Within the first seconds of a 20 s slowstart p1's weight is 1-3 of 16: it gets a small share.
    const share = (await served(36)).filter((x) => x === 'p1').length
    expect(share).toBeGreaterThan(0)
    expect(share).toBeLessThanOrEqual(8)
  })
})
