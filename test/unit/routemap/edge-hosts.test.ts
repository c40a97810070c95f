import { describe, expect, it } from 'vitest'
import { createEngine, type Decision } from '../../../src/engine/index.ts'
import { DomainError, parseDomain, withEdgeHosts } from '../../../src/routemap/edge-hosts.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'
import { canonicalJson, sha256Hex } from '../../../src/util/sha256.ts'
import { cfg, compile } from '../../helpers/cfg.ts'

const CONFIG = cfg`
  defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

  frontend web
    bind *:80
    default_backend app

  frontend stats
    bind *:8404
    stats enable
    stats uri /stats
    http-request return status 200 content-type text/plain string "stats frontend"

  backend app
    server a1 app.example.net:80
`

function routeMap(): RouteMap {
  const r = compile(CONFIG)
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics))
  return r.routeMap
}

const served = (d: Decision) => (d.kind === 'forward' ? `forward:${d.frontend ?? ''}:${d.backend}` : `${d.kind}:${d.kind === 'respond' ? d.response.status : ''}`)
const get = (url: string) => ({ method: 'GET', url, headers: [] as [string, string][], src: '198.51.100.7' })

describe('--domain values', () => {
  it('reads HOST and FRONTEND=HOST, lowercased, without a trailing dot', () => {
    expect(parseDomain('LB.Example.com.')).toEqual({ host: 'lb.example.com' })
    expect(parseDomain('stats=Stats.Example.com')).toEqual({ frontend: 'stats', host: 'stats.example.com' })
  })

  it('refuses a URL, a port, a wildcard or a missing frontend name', () => {
    for (const v of ['https://lb.example.com', 'lb.example.com:8443', '*.example.com', '=lb.example.com', 'localhost']) expect(() => parseDomain(v), v).toThrow(DomainError)
  })
})

describe('frontends selected by the deploy hostnames', () => {
  it('a bare --domain goes to the first HTTP frontend with a bind; FRONTEND=HOST to that frontend; the map is rehashed', () => {
    const base = routeMap()
    const rm = withEdgeHosts(base, [parseDomain('lb.example.com'), parseDomain('stats=stats.example.com')])
    expect(rm.frontends.map((f) => [f.name, f.edgeHosts])).toEqual([
      ['web', ['lb.example.com']],
      ['stats', ['stats.example.com']],
    ])
    const { hash, ...body } = rm
    expect(hash).toBe(sha256Hex(canonicalJson(body)))
    expect(hash).not.toBe(base.hash)
    expect(withEdgeHosts(base, [])).toBe(base)
  })

  it('refuses an unknown frontend and a host given to two frontends', () => {
    const base = routeMap()
    expect(() => withEdgeHosts(base, [parseDomain('admin=a.example.com')])).toThrow(/no frontend or listen 'admin' \(the configuration has: web, stats\)/)
    expect(() => withEdgeHosts(base, [parseDomain('web=x.example.com'), parseDomain('stats=x.example.com')])).toThrow(/given to both 'web' and 'stats'/)
  })

  it('serves stats.example.com from the stats frontend on port 443, whatever its bind says', async () => {
    const engine = createEngine(withEdgeHosts(routeMap(), [parseDomain('lb.example.com'), parseDomain('stats=STATS.example.com')]))
    const stats = await engine.decide(get('https://Stats.Example.com:443/'))
    expect(stats.kind).toBe('respond')
    expect(stats.kind === 'respond' && stats.response.body).toBe('stats frontend')
    expect(served(await engine.decide(get('https://lb.example.com/')))).toBe('forward:web:app')
    // A host no frontend lists falls back to the binds (port 8404 is the stats bind).
    expect(served(await engine.decide(get('http://other.example.com:8404/')))).toMatch(/^respond:200/)
    expect(served(await engine.decide(get('https://other.example.com/')))).toBe('forward:web:app')
  })

  it('without edgeHosts, the same request on 443 reaches the first frontend (the binds decide)', async () => {
    const engine = createEngine(routeMap())
    expect(served(await engine.decide(get('https://stats.example.com/')))).toBe('forward:web:app')
  })
})
