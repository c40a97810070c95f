import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort, send } from '../diff/harness.ts'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'edgeproxy.mjs')

function startDev(cfg: string, state: string): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn('node', [BIN, 'dev', '-f', cfg, '--persist-to', state], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  })
  let out = ''
  const exited = new Promise<number | null>((res) => child.once('exit', (c) => res(c)))
  const ready = new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no ready:\n${out}`)), 60_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (/\bready\b/.test(out)) {
        clearTimeout(t)
        res()
      }
    })
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    void exited.then(() => rej(new Error(`edgeproxy dev exited:\n${out}`)))
  })
  return { child, ready, exited }
}

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
    const first = startDev(cfg, state)
    await first.ready
    const before: string[] = []
    for (let i = 0; i < 3; i++) before.push((await send(port, { path: '/', src: '127.0.0.9' })).body)
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)

    const second = startDev(cfg, state)
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
