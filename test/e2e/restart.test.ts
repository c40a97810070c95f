import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort, send, spawnDev } from '../diff/harness.ts'

/* Stick-table state lives in the StickTable Durable Objects' SQLite storage under --persist-to. */
describe('edgeproxy dev restart', () => {
  it('keeps stick-table counters across a restart with the same state directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-restart-'))
    const port = await freePort()
    const cfg = join(dir, 'restart.cfg')
    writeFileSync(
      cfg,
      `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:${port}
    stick-table type ip size 1k expire 10m store http_req_cnt
    http-request track-sc0 src
    http-request return status 200 content-type text/plain lf-string "%[sc_http_req_cnt(0)]"
`,
    )
    const state = join(dir, 'state')
    const first = spawnDev(cfg, state)
    await first.ready
    const before: string[] = []
    for (let i = 0; i < 3; i++) before.push((await send(port, { path: '/', src: '127.0.0.9' })).body)
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)

    const second = spawnDev(cfg, state)
    await second.ready
    try {
      const after = (await send(port, { path: '/', src: '127.0.0.9' })).body
      const other = (await send(port, { path: '/', src: '127.0.0.10' })).body
      expect(before).toEqual(['1', '2', '3'])
      expect(after).toBe('4')
      expect(other).toBe('1')
    } finally {
      second.child.kill('SIGTERM')
      await second.exited
    }
  }, 120_000)
})
