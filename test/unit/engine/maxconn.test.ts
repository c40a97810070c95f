import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { type Decision, createEngine, type Engine } from '../../../src/engine/index.ts'
import { httpConfig } from '../../helpers/cfg.ts'

function engineFor(backend: string, frontend = ''): Engine {
  const r = compileConfig([{ name: 't.cfg', text: httpConfig(frontend, backend) }])
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')))
  return createEngine(r.routeMap)
}

async function forward(e: Engine, headers: [string, string][] = []): Promise<Extract<Decision, { kind: 'forward' }>> {
  const d = await e.decide({ method: 'GET', url: 'http://x/', headers, src: '192.0.2.9' })
  if (d.kind !== 'forward') throw new Error(`expected forward, got ${d.kind}`)
  return d
}

const nameOf = (a: Awaited<ReturnType<Engine['admit']>>) => ('server' in a ? a.server.name : `timeout`)

describe('maxconn, maxqueue and timeout queue (per isolate)', () => {
  it('skips a full server while another has room, then queues until a slot is freed', async () => {
    const e = engineFor('balance roundrobin\ntimeout queue 2s\nserver s1 192.0.2.1:80 maxconn 1\nserver s2 192.0.2.2:80 maxconn 1')
    const a = await e.admit(await forward(e))
    const b = await e.admit(await forward(e))
    expect([nameOf(a), nameOf(b)].sort()).toEqual(['s1', 's2'])
    // Both full: the third waits in the backend queue and gets the first slot freed.
    let third: Awaited<ReturnType<Engine['admit']>> | undefined
    const waiting = e.admit(await forward(e)).then((x) => (third = x))
    await new Promise((r) => setTimeout(r, 20))
    expect(third).toBeUndefined()
    if ('release' in b) b.release?.()
    await waiting
    expect(third && nameOf(third)).toBe(nameOf(b))
  })

  it('answers timeout (503) after timeout queue when no slot frees', async () => {
    const e = engineFor('timeout queue 50\nserver s1 192.0.2.1:80 maxconn 1')
    const first = await e.admit(await forward(e))
    expect(nameOf(first)).toBe('s1')
    const t0 = Date.now()
    const second = await e.admit(await forward(e))
    expect(second).toHaveProperty('timeout')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45)
  })

  it('keeps a persistent request on its server (server queue); over maxqueue it is redispatched', async () => {
    const e = engineFor('balance roundrobin\ntimeout queue 2s\ncookie SRV insert indirect\nserver s1 192.0.2.1:80 maxconn 1 maxqueue 1 cookie c1\nserver s2 192.0.2.2:80 maxconn 1 cookie c2')
    const cookie: [string, string][] = [['Cookie', 'SRV=c1']]
    const held = await e.admit(await forward(e, cookie))
    expect(nameOf(held)).toBe('s1')
    // s1 is full: the next c1 request waits for s1 (its queue holds 1) although s2 is free.
    let queued: Awaited<ReturnType<Engine['admit']>> | undefined
    const p = e.admit(await forward(e, cookie)).then((x) => (queued = x))
    await new Promise((r) => setTimeout(r, 20))
    expect(queued).toBeUndefined()
    // s1's queue is at maxqueue: a third c1 request goes to another server.
    expect(nameOf(await e.admit(await forward(e, cookie)))).toBe('s2')
    if ('release' in held) held.release?.()
    await p
    expect(queued && nameOf(queued)).toBe('s1')
  })

  it('counts nothing and never waits for backends without maxconn or in-flight balancing', async () => {
    const e = engineFor('balance roundrobin\nserver s1 192.0.2.1:80\nserver s2 192.0.2.2:80')
    const a = await e.admit(await forward(e))
    expect(a).not.toHaveProperty('release')
  })
})

describe('maxconn slots through the Worker path', () => {
  it('frees the slot when the client abandons the response body', async () => {
    const { handle } = await import('../../../src/proxy/handler.ts')
    const e = engineFor('timeout queue 50\nserver s1 192.0.2.1:80 maxconn 1')
    // An origin whose body never ends by itself.
    const upstream = async () => new Response(new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) }), { status: 200 })
    const req = () => new Request('http://x/', { headers: { 'cf-connecting-ip': '192.0.2.9' } })
    const first = await handle(req(), { engine: e, upstream, now: () => Date.now() })
    expect(first.status).toBe(200)
    // While the first body is open, the only slot is taken: the next request times out in the queue.
    expect((await handle(req(), { engine: e, upstream, now: () => Date.now() })).status).toBe(503)
    await first.body?.cancel()
    expect((await handle(req(), { engine: e, upstream, now: () => Date.now() })).status).toBe(200)
  })
})
