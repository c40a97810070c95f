import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DevProcess, freePort, Origins, type Reply, send, spawnDev } from '../diff/harness.ts'

/*
 * Failover on the capacity fetches under `edgeproxy dev`: `use_backend spare if { nbsrv(main) lt 1 }`
 * follows main's health checks (through the Worker's health snapshot), and be_conn / queue count
 * this isolate's requests in progress (workerd runs one isolate locally).
 */
describe('nbsrv failover and in-flight counts under edgeproxy dev', () => {
  const origins = new Origins()
  let dev: DevProcess | undefined
  const out = (): string => dev?.output() ?? ''
  let port = 0

  const get = (path: string): Promise<Reply> => send(port, { path })

  /** Polls until 4 requests in a row are served by a server in `want` (bounded). */
  async function until(want: readonly string[], ms: number): Promise<Reply> {
    const start = Date.now()
    for (;;) {
      const rs: Reply[] = []
      for (let i = 0; i < 4; i++) rs.push(await get('/'))
      if (rs.every((r) => want.includes(r.seen?.server ?? 'none'))) return rs[3] as Reply
      if (Date.now() - start > ms) throw new Error(`still served by ${rs.map((r) => r.seen?.server).join(',')} after ${ms} ms (want ${want.join('|')})\n${out()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  beforeAll(async () => {
    await origins.start(['m1', 'm2', 'sp', 'l1'])
    port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-failover-'))
    const cfg = join(dir, 'failover.cfg')
    writeFileSync(
      cfg,
      `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s
    timeout queue 5s

frontend fe
    bind 127.0.0.1:${port}
    use_backend spare if { nbsrv(main) lt 1 }
    use_backend lim if { path_beg /lim }
    http-request set-header X-Load %[be_conn(main)]/%[queue(lim)]/%[srv_conn(lim/l1)]/%[fe_conn]
    http-response set-header X-Nbsrv %[nbsrv(main)]
    default_backend main

backend main
    balance roundrobin
    option httpchk GET /health
    default-server inter 300 fall 2 rise 2
    server m1 127.0.0.1:${origins.port('m1')} check
    server m2 127.0.0.1:${origins.port('m2')} check

backend spare
    server sp 127.0.0.1:${origins.port('sp')}

backend lim
    server l1 127.0.0.1:${origins.port('l1')} maxconn 1
`,
    )
    dev = spawnDev(cfg, join(dir, 'state'))
    await dev.ready
  }, 90_000)

  afterAll(async () => {
    dev?.child.kill('SIGTERM')
    await origins.stop()
  })

  it('serves from main while its servers pass their checks', async () => {
    const r = await until(['m1', 'm2'], 5_000)
    expect(r.headers['x-nbsrv']).toBe('2')
  })

  it('fails over to spare when every server of main fails its checks, and back on recovery', async () => {
    origins.failing.add('m1')
    const one = await until(['m2'], 6_000)
    expect(one.headers['x-nbsrv']).toBe('1')
    origins.failing.add('m2')
    const none = await until(['sp'], 6_000)
    expect(none.headers['x-nbsrv']).toBe('0')
    origins.failing.clear()
    const back = await until(['m1', 'm2'], 6_000)
    expect(back.headers['x-nbsrv']).toBe('2')
  })

  it("counts this isolate's requests in progress (be_conn) and waiting (queue) for the next request's rules", async () => {
    // Three slow requests to main, and three to lim (maxconn 1: one served, two queued).
    const slow = [...Array(3)].map(() => get('/?sleep=800'))
    const queued = [...Array(3)].map(() => get('/lim?sleep=800'))
    await new Promise((r) => setTimeout(r, 300))
    const probe = await get('/')
    expect(probe.seen?.headers['x-load']).toBe('3/2/1/7')
    await Promise.all([...slow, ...queued])
    await new Promise((r) => setTimeout(r, 100))
    expect((await get('/')).seen?.headers['x-load']).toBe('0/0/0/1')
  })
})
