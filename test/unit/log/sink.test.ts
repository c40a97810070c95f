import { describe, expect, it } from 'vitest'
import { createEngine } from '../../../src/engine/index.ts'
import { logSink } from '../../../src/log/sink.ts'
import { handle } from '../../../src/proxy/handler.ts'
import { toEngineRequest } from '../../../src/proxy/request.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'
import { routeMapOf as routeMap } from '../../helpers/cfg.ts'

/** Which frontends log, in which format, and how lines are written under dev and at the edge. */

const cfg = (global: string, fe: string) => `
global
${global}
defaults
  mode http
  log global
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe
  bind :80
${fe}
  default_backend be
backend be
  server s1 192.0.2.1:80
`

async function run(rm: RouteMap, dev: boolean, path = '/p?q=1'): Promise<string[]> {
  const out: string[] = []
  const accessLog = logSink(rm, { dev, write: (l) => out.push(l) })
  const res = await handle(new Request(`http://s.example${path}`, { headers: { 'cf-connecting-ip': '10.9.8.7' } }), {
    engine: createEngine(rm),
    upstream: async () => new Response('ok'),
    now: () => Date.now(),
    ...(accessLog ? { accessLog } : {}),
  })
  await res.text()
  return out
}

describe('logSink', () => {
  it('logs nothing without a global log target', () => {
    expect(logSink(routeMap(cfg('  nbthread 1', '  option httplog')))).toBeUndefined()
  })

  it('follows each frontend: no log turns it off, a target of its own turns it on without a global one', async () => {
    expect(logSink(routeMap(cfg('  log stdout format raw local0', '  no log\n  option httplog')))).toBeUndefined()
    const [line] = await run(routeMap(cfg('  nbthread 1', '  log stdout format raw local0\n  option httplog')), true)
    expect(line).toMatch(/ fe be\/s1 /)
  })

  it('writes the raw httplog line under dev', async () => {
    const [line] = await run(routeMap(cfg('  log stdout format raw local0', '  option httplog')), true)
    expect(line).toMatch(/^10\.9\.8\.7:0 \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe be\/s1 0\/0\/0\/\d+\/\d+ 200 \d+ - - ---- 1\/1\/0\/0\/0 0\/0 "GET \/p\?q=1 HTTP\/1\.1"$/)
  })

  it('writes a JSON object with the line and indexed fields at the edge', async () => {
    const [line] = await run(routeMap(cfg('  log 127.0.0.1:514 local0', '  option httplog')), false)
    const o = JSON.parse(line as string) as Record<string, unknown>
    expect(o).toMatchObject({ frontend: 'fe', backend: 'be', server: 's1', status: 200, tsc: '----', retries: 0, client: '10.9.8.7', method: 'GET', uri: '/p?q=1' })
    expect(o.message).toMatch(/ fe be\/s1 /)
  })

  it('uses the frontend log-format, with samples', async () => {
    const [line] = await run(routeMap(cfg('  log stdout local0', '  log-format "%ci %ST %[src] %[status] %{+Q}HU"')), true)
    expect(line).toBe('10.9.8.7 200 10.9.8.7 200 "/p?q=1"')
  })

  it("falls back to HAProxy's legacy line without a format", async () => {
    const [line] = await run(routeMap(cfg('  log stdout local0', '')), true)
    expect(line).toMatch(/^Connect from 10\.9\.8\.7:0 to .+:80 \(fe\/HTTP\)$/)
  })
})

describe('toEngineRequest', () => {
  it("reads the client's port from edgeproxy dev's listener header only under dev", () => {
    const req = new Request('http://s.example/', { headers: { 'x-edgeproxy-src-port': '40123' } })
    expect(toEngineRequest(req, true).srcPort).toBe(40123)
    expect(toEngineRequest(req, false).srcPort).toBeUndefined()
  })
})
