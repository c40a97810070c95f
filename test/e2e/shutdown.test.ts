import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type DevProcess, freePort, send, spawnDev } from '../diff/harness.ts'

/*
 * `edgeproxy dev` stops every time (issue 14, hole 7): under traffic on both frontends, with a
 * WebSocket, a stats-socket session and an upload held open and the stats page and `/metrics`
 * just served, SIGINT or SIGTERM (to the process, or to its whole process group, which reaches
 * workerd too) ends the node process and every process it started within `hard-stop-after`
 * (5 s here, the default), by its ordered stop rather than by the hard timer; the upload in
 * flight gets its answer. With `hard-stop-after` set, an upload that never ends bounds nothing.
 */

const HARD_STOP_MS = 5000
const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-shutdown-'))
const live = new Set<DevProcess>()

/** The pids of every descendant of `pid` (from /proc: Linux). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>()
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parent.set(Number(e), ppid)
    } catch {
      // The process ended while listed.
    }
  }
  const out: number[] = []
  const walk = (p: number) => {
    for (const [c, pp] of parent) {
      if (pp === p) {
        out.push(c)
        walk(c)
      }
    }
  }
  walk(pid)
  return out
}

/** The process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

function connected(port: number, path?: string): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = path !== undefined ? connect(path) : connect(port, '127.0.0.1')
    s.once('connect', () => res(s))
    s.once('error', rej)
  })
}

/** Reads from `s` until `pattern` shows in what arrived (or 5 s pass). */
function readUntil(s: Socket, pattern: RegExp): Promise<string> {
  return new Promise((res, rej) => {
    let got = ''
    const t = setTimeout(() => rej(new Error(`no ${pattern} in ${JSON.stringify(got)}`)), 5000)
    const on = (d: Buffer) => {
      got += d.toString('latin1')
      if (!pattern.test(got)) return
      clearTimeout(t)
      s.off('data', on)
      res(got)
    }
    s.on('data', on)
  })
}

function config(p1: number, p2: number, o1: number, o2: number, hardStopMs?: number): string {
  return `global
    stats socket ${dir}/admin-${p1}.sock level admin
    ${hardStopMs !== undefined ? `hard-stop-after ${hardStopMs}ms` : ''}

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout tunnel 1h

frontend web
    bind 127.0.0.1:${p1}
    stats enable
    stats uri /stats
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend be_one

frontend api
    bind 127.0.0.1:${p2}
    default_backend be_two

backend be_one
    server one 127.0.0.1:${o1}

backend be_two
    server two 127.0.0.1:${o2}
`
}

type Signal = {
  readonly sig: NodeJS.Signals
  readonly group: boolean
  readonly hardStopMs?: number
  /** The upload in flight never sends the rest of its body (else: it does, 300 ms into the stop). */
  readonly stalled?: boolean
}

/** Starts `edgeproxy dev --demo-origins`, uses it as a person would, signals it, and measures the stop. */
async function runOnce(signal: Signal, i: number): Promise<{ ms: number; left: number[]; code: number | null; output: string; upload: string }> {
  const [p1, p2, o1, o2] = [await freePort(), await freePort(), await freePort(), await freePort()]
  const cfg = join(dir, `run-${i}.cfg`)
  writeFileSync(cfg, config(p1, p2, o1, o2, signal.hardStopMs))
  const dev = spawnDev(cfg, join(dir, `state-${i}`), ['--demo-origins'])
  live.add(dev)
  await dev.ready
  const pid = dev.child.pid as number
  const held: Socket[] = []
  try {
    // Requests on both frontends, the stats page, /metrics.
    for (let n = 0; n < 10; n++) {
      expect((await send(p1, { path: `/a${n}` })).status).toBe(200)
      expect((await send(p2, { path: `/b${n}` })).status).toBe(200)
    }
    expect((await send(p1, { path: '/stats' })).status).toBe(200)
    expect((await send(p1, { path: '/metrics' })).status).toBe(200)
    // A WebSocket through the Worker to a demo origin, held open.
    const ws = await connected(p1)
    held.push(ws)
    ws.write(
      `GET /ws HTTP/1.1\r\nHost: t.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from('shutdown-test-16').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    )
    await readUntil(ws, /^HTTP\/1\.1 101 /)
    // An interactive stats-socket session, held open.
    const cli = await connected(0, `${dir}/admin-${p1}.sock`)
    held.push(cli)
    cli.write('prompt\nshow info\n')
    await readUntil(cli, /Name: /)
    // A keep-alive connection idle between requests, and an upload in flight (half its body sent).
    const idle = await connected(p2)
    held.push(idle)
    idle.write('GET /idle HTTP/1.1\r\nHost: t.example\r\n\r\n')
    await readUntil(idle, /\r\n\r\n/)
    const upload = await connected(p2)
    held.push(upload)
    upload.write('POST /upload HTTP/1.1\r\nHost: t.example\r\nContent-Length: 100000\r\n\r\n')
    upload.write('x'.repeat(50_000))
    let uploadAnswer = ''
    upload.on('data', (d: Buffer) => (uploadAnswer += d.toString('latin1')))
    for (const s of held) s.on('error', () => {})
    // Traffic keeps coming while it stops.
    let traffic = true
    const load = (async () => {
      for (let n = 0; traffic; n++) await send(n % 2 === 0 ? p1 : p2, { path: '/load' }).catch(() => undefined)
    })()
    const tree = [pid, ...descendants(pid)]
    expect(tree.length).toBeGreaterThan(1) // workerd runs
    const started = Date.now()
    process.kill(signal.group ? -pid : pid, signal.sig)
    if (!signal.stalled) setTimeout(() => upload.writable && upload.write('x'.repeat(50_000)), 300)
    const code = await Promise.race([dev.exited, new Promise<null>((r) => setTimeout(() => r(null), HARD_STOP_MS + 3000))])
    // Every process of the tree must be gone within the bound too.
    while (tree.some(alive) && Date.now() - started < HARD_STOP_MS + 3000) await new Promise((r) => setTimeout(r, 50))
    const ms = Date.now() - started
    traffic = false
    await load
    return { ms, left: tree.filter(alive), code, output: dev.output(), upload: uploadAnswer }
  } finally {
    for (const s of held) s.destroy()
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // Already gone: what the test expects.
    }
    live.delete(dev)
  }
}

describe('edgeproxy dev stops every time, under traffic', () => {
  afterAll(() => {
    for (const d of live) {
      try {
        if (d.child.pid !== undefined) process.kill(-d.child.pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
  })

  const runs: readonly Signal[] = [
    { sig: 'SIGTERM', group: false },
    { sig: 'SIGTERM', group: true },
    { sig: 'SIGINT', group: false },
    { sig: 'SIGTERM', group: true },
    { sig: 'SIGINT', group: true },
  ]
  runs.forEach((signal, i) => {
    it(`run ${i + 1}: ${signal.sig} to the ${signal.group ? 'process group' : 'process'}: node and workerd gone within hard-stop-after`, async () => {
      const r = await runOnce(signal, i)
      expect(r.left, r.output).toEqual([])
      expect(r.ms, r.output).toBeLessThan(HARD_STOP_MS + 500)
      expect(r.code, r.output).toBe(0)
      expect(r.output).toContain('edgeproxy dev: stopping')
      // The ordered stop finished before the hard timer had to end it.
      expect(r.output).not.toMatch(/hard-stop-after \d+ ms reached|did not stop within/)
      // The upload in flight got its answer, and the connection closes after it. (A signal to the
      // group reaches workerd too, which may end it first.)
      if (!signal.group) {
        expect(r.upload).toMatch(/^HTTP\/1\.1 200 /)
        expect(r.upload).toMatch(/\r\nconnection: close\r\n/i)
      }
    }, 60_000)
  })

  it('hard-stop-after in the config bounds the stop: 1.5 s with an upload in flight', async () => {
    const r = await runOnce({ sig: 'SIGTERM', group: false, hardStopMs: 1500, stalled: true }, runs.length)
    expect(r.left, r.output).toEqual([])
    // The default (5 s) would have waited 3 s for the upload.
    expect(r.ms, r.output).toBeLessThan(1500 + 500)
    expect(r.code, r.output).toBe(0)
  }, 60_000)
})
