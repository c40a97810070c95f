import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DevProcess, freePort, Origins, send, spawnDev } from '../diff/harness.ts'

const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-dev-'))

/** Writes `cfgText` to `name` and starts `edgeproxy dev` on it. */
function startDev(cfgText: string, name = 'dev.cfg'): DevProcess {
  const path = join(dir, name)
  writeFileSync(path, cfgText)
  return spawnDev(path, join(dir, 'state'))
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy()
      res(false)
    })
    s.on('error', () => res(true))
  })
}

/* `edgeproxy dev` as a user runs it: the real binary, workerd, one listener per bind as written. */
describe('edgeproxy dev', () => {
  const origins = new Origins()
  let dev: DevProcess
  let p1 = 0
  let p2 = 0

  beforeAll(async () => {
    await origins.start(['one', 'two'])
    p1 = await freePort()
    p2 = await freePort()
    dev = startDev(`defaults
    mode http
    option forwardfor
    timeout connect 2s
    timeout client 5s
    timeout server 5s

frontend first
    bind 127.0.0.1:${p1}
    default_backend be_one

frontend second
    bind 127.0.0.1:${p2}
    http-response set-header X-Frontend second
    default_backend be_two

backend be_one
    server one 127.0.0.1:${origins.port('one')}

backend be_two
    server two 127.0.0.1:${origins.port('two')}
`)
    await dev.ready
  }, 90_000)

  afterAll(async () => {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL')
    await origins.stop()
  })

  it('listens on each bind and picks the frontend by the socket, whatever the Host header says', async () => {
    const a = await send(p1, { path: '/', headers: { host: `127.0.0.1:${p2}` } })
    const b = await send(p2, { path: '/', headers: { host: 'example.com' } })
    expect([a.seen?.server, b.seen?.server]).toEqual(['one', 'two'])
    expect(b.headers['x-frontend']).toBe('second')
    expect(dev.output()).toContain(`frontend 'first' on http://127.0.0.1:${p1}`)
  })

  it('takes src from the connection, not from a client-supplied CF-Connecting-IP', async () => {
    const r = await send(p1, { path: '/', src: '127.0.0.7', headers: { 'CF-Connecting-IP': '203.0.113.99', 'x-edgeproxy-bind': `*:${p2}` } })
    expect(r.seen?.headers['x-forwarded-for']).toBe('127.0.0.7')
    expect(r.seen?.server).toBe('one')
    expect(r.seen?.headers['cf-connecting-ip']).toBeUndefined()
    expect(r.seen?.headers['x-edgeproxy-bind']).toBeUndefined()
  })

  it('stops cleanly on SIGTERM and frees its ports', async () => {
    dev.child.kill('SIGTERM')
    expect(await dev.exited).toBe(0)
    expect(dev.output()).toContain('stopping')
    expect(await portIsClosed(p1)).toBe(true)
    expect(await portIsClosed(p2)).toBe(true)
  })

  it('refuses to start on an invalid config, with the diagnostics and exit 1', async () => {
    const bad = startDev('defaults\n  mode http\nfrontend fe\n  bind 127.0.0.1:1\n  default_backend nowhere\n', 'bad.cfg')
    expect(await bad.exited).toBe(1)
    expect(bad.output()).toMatch(/bad\.cfg:5:\d+: error: .*nowhere/)
  })
})
