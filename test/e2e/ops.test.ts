/**
 * The operations plane end to end under `edgeproxy dev`: the runtime API over HTTP (token
 * required, nothing changes without it), `edgeproxy api`, the config's `stats socket` (socat
 * and a plain socket), and route-map versions in the local KV — `edgeproxy push` (an invalid
 * config is rejected and changes nothing), `status`, `rollback`, and a push under wrk load with
 * zero failed requests; a garbage version (its declared hash matching its content) put live under
 * load: never served, logged once, zero failed requests.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wranglerKv } from '../../src/cli/wrangler-kv.ts'
import { contentHash, LIVE_KEY, versionKey } from '../../src/routemap/kv.ts'
import { type DevProcess, freePort, Origins, send, spawnDev } from '../diff/harness.ts'

const run = promisify(execFile)
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'edgeproxy.mjs')

let dir: string
let state: string
let sock: string
let port: number
let origins: Origins
let dev: DevProcess

function config(backend: 'be' | 'be2'): string {
  return `global
    stats socket ${sock} mode 660 level admin

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:${port}
    default_backend ${backend}

backend be
    balance roundrobin
    server s1 127.0.0.1:${origins.port('s1')} weight 10
    server s2 127.0.0.1:${origins.port('s2')} weight 10

backend be2
    server s3 127.0.0.1:${origins.port('s3')}
`
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run('node', [BIN, ...args], { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } })
    return { code: 0, out: r.stdout, err: r.stderr }
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string }
    return { code: x.code, out: x.stdout, err: x.stderr }
  }
}

/** Which origins answer `n` requests. */
async function served(n = 8): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push((await send(port, { path: '/' })).seen?.server ?? '-')
  return [...new Set(out)].sort()
}

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms
  let v = await f()
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200))
    v = await f()
  }
  return v
}

function socketCommand(path: string, command: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect(path)
    let out = ''
    s.on('data', (d) => {
      out += d.toString()
    })
    s.on('end', () => res(out))
    s.on('error', rej)
    s.write(`${command}\n`)
  })
}

function api(): { url: string; token: string } {
  return JSON.parse(readFileSync(join(state, 'edgeproxy-api.json'), 'utf8')) as { url: string; token: string }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeproxy-ops-'))
  state = join(dir, 'state')
  sock = join(dir, 'admin.sock')
  port = await freePort()
  origins = await new Origins().start(['s1', 's2', 's3'])
  writeFileSync(join(dir, 'a.cfg'), config('be'))
  writeFileSync(join(dir, 'b.cfg'), config('be2'))
  writeFileSync(join(dir, 'bad.cfg'), `${config('be2')}\nbackend broken\n    balance nosuchalgo\n`)
  dev = spawnDev(join(dir, 'a.cfg'), state)
  await dev.ready
}, 120_000)

afterAll(async () => {
  dev?.child.kill('SIGTERM')
  await dev?.exited
  await origins?.stop()
})

describe('runtime API', () => {
  it('answers 401 without a token and 403 with a wrong one, and changes nothing', async () => {
    const { url } = api()
    const target = new URL('/.edgeproxy/api', url)
    const none = await fetch(target, { method: 'POST', body: 'set server be/s1 state maint' })
    expect(none.status).toBe(401)
    const wrong = await fetch(target, { method: 'POST', body: 'set server be/s1 state maint', headers: { authorization: 'Bearer not-the-token' } })
    expect(wrong.status).toBe(403)
    expect(await served()).toEqual(['s1', 's2'])
  })

  it('edgeproxy api drains a server: it stops receiving new requests, and ready brings it back', async () => {
    const r = await cli('api', '--persist-to', state, 'set server be/s1 state drain')
    expect(r).toMatchObject({ code: 0, out: '\n' })
    expect(await served()).toEqual(['s2'])
    const stat = await cli('api', '--persist-to', state, 'show stat')
    const row = stat.out.split('\n').find((l) => l.startsWith('be,s1,'))
    expect(row?.split(',')[17]).toBe('DRAIN')
    expect((await cli('api', '--persist-to', state, 'set server be/s1 state ready')).code).toBe(0)
    expect(await served()).toEqual(['s1', 's2'])
  })

  it('bad commands get HAProxy error text', async () => {
    expect((await cli('api', '--persist-to', state, 'set server be/nope state drain')).out).toBe('No such server.\n\n')
    expect((await cli('api', '--persist-to', state, 'set server be state drain')).out).toBe("Require 'backend/server'.\n\n")
  })

  it('the stats socket of the config takes commands like HAProxy (socat and a plain socket)', async () => {
    const viaSocat = await new Promise<string>((res, rej) => {
      const p = spawn('socat', ['stdio', sock], { stdio: ['pipe', 'pipe', 'inherit'] })
      let out = ''
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString()
      })
      p.on('error', rej)
      p.on('close', () => res(out))
      p.stdin.end('show stat\n')
    })
    expect(viaSocat.split('\n')[0]).toMatch(/^# pxname,svname,qcur,qmax,scur,smax,slim,stot,/)
    expect(viaSocat).toMatch(/^be,s2,/m)
    expect(await socketCommand(sock, 'set weight be/s2 50%')).toBe('\n')
    expect(await socketCommand(sock, 'get weight be/s2')).toBe('5 (initial 10)\n\n')
  })
})

describe('route-map versions in KV', () => {
  it('rejects an invalid config with its diagnostics and leaves the live version alone', async () => {
    const before = await cli('status', '--local', '--persist-to', state)
    expect(before.out).toMatch(/live: v1 /)
    const bad = await cli('push', '-f', join(dir, 'bad.cfg'), '--local', '--persist-to', state)
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/bad\.cfg:\d+:13: error: 'balance' only supports/)
    expect(bad.err).toMatch(/nothing pushed, the live version is unchanged/)
    expect((await cli('status', '--local', '--persist-to', state)).out).toMatch(/live: v1 /)
    expect(await served()).toEqual(['s1', 's2'])
  })

  it('push switches the running Worker without a restart; rollback goes back', async () => {
    const pushed = await cli('push', '-f', join(dir, 'b.cfg'), '--local', '--persist-to', state)
    expect(pushed.code, pushed.err).toBe(0)
    expect(pushed.out).toMatch(/pushed v2 .*live: v1 → v2/)
    expect(await eventually(served, (s) => s.join() === 's3')).toEqual(['s3'])
    expect((await cli('status', '--local', '--persist-to', state)).out).toMatch(/live: v2 [\s\S]*\* v2/)
    const back = await cli('rollback', '--local', '--persist-to', state)
    expect(back.out).toMatch(/live: v2 → v1/)
    expect(await eventually(served, (s) => s.join() === 's1,s2')).toEqual(['s1', 's2'])
  }, 60_000)

  it('a push under load fails no request', async () => {
    const wrk = spawn('wrk', ['-t1', '-c8', '-d8s', `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    wrk.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const done = new Promise<void>((res) => wrk.on('close', () => res()))
    await new Promise((r) => setTimeout(r, 1500))
    expect((await cli('push', '-f', join(dir, 'b.cfg'), '--local', '--persist-to', state)).code).toBe(0)
    await new Promise((r) => setTimeout(r, 1500))
    expect((await cli('rollback', '--local', '--persist-to', state)).code).toBe(0)
    await done
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
    expect(requests, out).toBeGreaterThan(100)
    expect(out).not.toMatch(/Non-2xx or 3xx responses/)
    expect(out).not.toMatch(/Socket errors/)
  }, 60_000)

  it('a garbage RouteMap put live under load is never served, is logged once, and fails no request', async () => {
    const kv = wranglerKv({ remote: false, persistTo: state })
    const live = await kv.get(LIVE_KEY)
    expect(live).not.toBeNull()
    const current = JSON.parse((await kv.get(versionKey((JSON.parse(live as string) as { version: string }).version))) ?? 'null') as Record<string, unknown>
    // What the live version serves (the previous test's rollback may still be reaching the isolate).
    const rm = current as { frontends: { defaultBackend: string }[]; backends: { name: string; servers: { name: string }[] }[] }
    const before = (rm.backends.find((b) => b.name === rm.frontends[0]?.defaultBackend)?.servers ?? []).map((x) => x.name).sort()
    expect(await eventually(served, (x) => x.join() === before.join(), 20_000)).toEqual(before)
    // The live map with one field broken, its declared hash recomputed to match: only validation refuses it.
    const garbage = JSON.parse(JSON.stringify(current)) as Record<string, unknown> & { backends: { balance: unknown; servers: { weight: unknown }[] }[] }
    const be = garbage.backends[0] as (typeof garbage.backends)[number]
    be.balance = { algo: 'fastest' }
    ;(be.servers[0] as { weight: unknown }).weight = 'heavy'
    const body = { ...garbage, hash: contentHash(garbage) }
    const wrk = spawn('wrk', ['-t1', '-c8', '-d25s', `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    wrk.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const done = new Promise<void>((res) => wrk.on('close', () => res()))
    await new Promise((r) => setTimeout(r, 1000))
    await kv.putMany([
      { key: versionKey('v99'), value: JSON.stringify(body) },
      { key: LIVE_KEY, value: JSON.stringify({ version: 'v99', hash: body.hash, at: new Date().toISOString(), by: 'push' }) },
    ])
    await eventually(
      async () => dev.output(),
      (o) => /live version v99 is unusable/.test(o),
      20_000,
    )
    await done
    await kv.putMany([{ key: LIVE_KEY, value: live as string }])
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
    expect(requests, out).toBeGreaterThan(100)
    expect(out).not.toMatch(/Non-2xx or 3xx responses/)
    expect(out).not.toMatch(/Socket errors/)
    const refusals = dev.output().match(/live version v99 is unusable[^\n]*/g) ?? []
    expect(refusals).toHaveLength(1)
    expect(refusals[0]).toMatch(/invalid RouteMap: \$\.backends\[0\]\.balance\.algo/)
    expect(await served()).toEqual(before)
  }, 90_000)
})
