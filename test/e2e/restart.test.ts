import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort, Origins, send, spawnDev } from '../diff/harness.ts'

/*
 * Stick-table data a user sets or counts on purpose (gpc0 here) lives in the StickTable Durable
 * Objects' SQLite rows under --persist-to, written lazily (the first change at once, then at most
 * every 10 s); counters and rates of other entries live in memory and restart, as after an
 * HAProxy reload without `peers` (docs/stick-tables.md).
 */
describe('edgeproxy dev restart', () => {
  it('keeps gpc0 across a restart with the same state directory; plain counters restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-restart-'))
    const port = await freePort()
    const cfg = join(dir, 'restart.cfg')
    // `consistency exact`: the first request after the restart asks the home shard, which has
    // loaded its rows (a fast-mode isolate would read its own empty copy until its first flush).
    writeFileSync(
      cfg,
      `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:${port}
    stick-table type ip size 1k expire 10m store http_req_cnt,gpc0 consistency exact
    http-request track-sc0 src
    http-request sc-inc-gpc0(0) if { path /bump }
    http-request return status 200 content-type text/plain lf-string "%[sc_http_req_cnt(0)] %[sc_get_gpc0(0)]"
`,
    )
    const state = join(dir, 'state')
    const first = spawnDev(cfg, state)
    await first.ready
    const before: string[] = [(await send(port, { path: '/bump', src: '127.0.0.9' })).body]
    for (let i = 0; i < 3; i++) before.push((await send(port, { path: '/', src: '127.0.0.10' })).body)
    // The gpc0 write reaches the shard in the background; its row is written by the alarm.
    await new Promise((r) => setTimeout(r, 1_000))
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)

    const second = spawnDev(cfg, state)
    await second.ready
    try {
      const kept = (await send(port, { path: '/', src: '127.0.0.9' })).body
      const restarted = (await send(port, { path: '/', src: '127.0.0.10' })).body
      expect(before).toEqual(['1 1', '1 0', '2 0', '3 0'])
      expect(kept).toBe('2 1')
      expect(restarted).toBe('1 0')
    } finally {
      second.child.kill('SIGTERM')
      await second.exited
    }
  }, 120_000)

  it("sends a fresh isolate's first requests around a server its monitor already marked DOWN", async () => {
    const origins = new Origins()
    await origins.start(['p1', 'p2'])
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-restart-health-'))
    const port = await freePort()
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
    default_backend be

backend be
    balance roundrobin
    option httpchk GET /health
    default-server inter 300 fall 2 rise 2
    server p1 127.0.0.1:${origins.port('p1')} check
    server p2 127.0.0.1:${origins.port('p2')} check
`,
    )
    const state = join(dir, 'state')
    const served = async (n: number): Promise<string[]> => {
      const seen: string[] = []
      for (let i = 0; i < n; i++) seen.push((await send(port, { path: '/' })).seen?.server ?? 'none')
      return seen
    }
    try {
      origins.failing.add('p1')
      const first = spawnDev(cfg, state)
      await first.ready
      // Until its monitor has seen p2 fail twice, HAProxy too sends it traffic: wait for DOWN.
      const start = Date.now()
      while ((await served(4)).includes('p1')) {
        if (Date.now() - start > 10_000) throw new Error(`p1 still served after 10 s\n${first.output()}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      first.child.kill('SIGTERM')
      expect(await first.exited).toBe(0)

      // A new isolate: the monitor's stored state says p1 (roundrobin's first pick) is DOWN; its very first requests know it.
      const second = spawnDev(cfg, state)
      await second.ready
      try {
        expect(await served(6)).toEqual(['p2', 'p2', 'p2', 'p2', 'p2', 'p2'])
      } finally {
        second.child.kill('SIGTERM')
        await second.exited
      }
    } finally {
      await origins.stop()
    }
  }, 120_000)
})
