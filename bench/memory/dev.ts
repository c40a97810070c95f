/**
 * @module
 * The same attack against `edgeproxy dev` (the Worker and its objects in workerd): RSS of the
 * workerd process before and after `keys` distinct keys, sent over keep-alive connections from
 * loopback (the key in `X-Forwarded-For`, which the config makes the source with `set-src`, or in
 * `X-Key`). A frontend without a stick table takes the same number of requests as the control:
 * what workerd grows by whatever the Worker keeps.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ipKey } from './plane.ts'
import { workerdPid } from '../lib/cpu.ts'
import { spawnDev } from '../lib/dev-process.ts'

export interface DevFigures {
  readonly frontend: string
  readonly keys: number
  /** workerd's RSS (bytes) before and after. */
  readonly before: number
  readonly after: number
  readonly seconds: number
  readonly failed: number
}

const config = (ports: readonly number[]): string => `global
    log stdout format raw local0
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe_ip
    bind 127.0.0.1:${ports[0]}
    stick-table type ip size 20k expire 30s store http_req_rate(10s),gpc0
    http-request set-src hdr(x-forwarded-for)
    http-request track-sc0 src
    http-request return status 200 content-type text/plain string ok
frontend fe_str
    bind 127.0.0.1:${ports[1]}
    stick-table type string len 32 size 20k expire 30s store http_req_rate(10s),gpc0
    http-request track-sc0 hdr(x-key)
    http-request return status 200 content-type text/plain string ok
`

const control = (port: number): string => `defaults
    mode http
frontend fe_plain
    bind 127.0.0.1:${port}
    http-request return status 200 content-type text/plain string ok
`

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}

/** The workerd process under the dev process `parent` (a direct child). */
const workerdOf = (parent: number): number | undefined => workerdPid(parent)

/** Sends `n` requests, `conc` at a time over keep-alive connections, header `header` = key(i). */
async function attack(port: number, header: string, key: (i: number) => string, n: number, conc = 32): Promise<{ failed: number; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conc })
  let next = 0
  let failed = 0
  const t0 = performance.now()
  const worker = async (): Promise<void> => {
    while (next < n) {
      const k = key(next++)
      await new Promise<void>((res) => {
        const r = http.request({ port, host: '127.0.0.1', path: '/', agent, headers: { [header]: k } }, (s) => {
          if (s.statusCode !== 200) failed++
          s.resume()
          s.on('end', () => res())
        })
        r.on('error', () => {
          failed++
          res()
        })
        r.end()
      })
    }
  }
  await Promise.all(Array.from({ length: conc }, worker))
  agent.destroy()
  return { failed, seconds: (performance.now() - t0) / 1000 }
}

async function startDev(text: string): Promise<{ child: ChildProcess; workerd: number; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'))
  const path = join(dir, 'haproxy.cfg')
  writeFileSync(path, text)
  const dev = spawnDev(path, join(dir, 'state'))
  const { child, exited } = dev
  const stop = async (): Promise<void> => {
    try {
      process.kill(-(child.pid as number), 'SIGTERM')
    } catch {}
    const t = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL')
      } catch {}
    }, 5000)
    await exited
    clearTimeout(t)
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL')
    } catch {}
  })
  await dev.ready
  const workerd = workerdOf(child.pid as number)
  if (workerd === undefined) {
    await stop()
    throw new Error('no workerd process under edgeproxy dev')
  }
  return { child, workerd, stop }
}

/** The attack on each frontend of one `edgeproxy dev` (fresh for each), and the control. */
export async function devFigures(keys: number, port: number, log: (line: string) => void): Promise<DevFigures[]> {
  const out: DevFigures[] = []
  const runs: { frontend: string; text: string; port: number; header: string; key: (i: number) => string }[] = [
    { frontend: 'fe_ip (type ip, set-src hdr(x-forwarded-for), track-sc0 src)', text: config([port, port + 1]), port, header: 'x-forwarded-for', key: ipKey },
    { frontend: 'fe_str (type string len 32, track-sc0 hdr(x-key))', text: config([port, port + 1]), port: port + 1, header: 'x-key', key: (i) => `client-${i}` },
    { frontend: 'fe_plain (no stick table: the control)', text: control(port + 2), port: port + 2, header: 'x-key', key: (i) => `client-${i}` },
  ]
  for (const r of runs) {
    const dev = await startDev(r.text)
    try {
      // One request first: the Worker, its engine and its objects exist before the baseline.
      await attack(r.port, r.header, () => '192.0.2.250', 1, 1)
      const before = rssOf(dev.workerd)
      const a = await attack(r.port, r.header, r.key, keys)
      const after = rssOf(dev.workerd)
      out.push({ frontend: r.frontend, keys, before, after, seconds: a.seconds, failed: a.failed })
      log(`edgeproxy dev, ${r.frontend}: workerd RSS ${(before / 1048576).toFixed(0)} → ${(after / 1048576).toFixed(0)} MB after ${keys} keys (${a.seconds.toFixed(0)} s, ${a.failed} failed)`)
    } finally {
      await dev.stop()
    }
  }
  return out
}
