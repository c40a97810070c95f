import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine, type Decision } from '../../../src/engine/index.ts'
import type { ServerStates } from '../../../src/engine/server-states.ts'
import { diags } from '../../helpers/cfg.ts'

/*
 * `dispatch <address>:<port>` (cfgparse-listen.c, cfgparse.c, backend.c): what `check` says, as
 * `haproxy -c` 2.6.12 does, and where the engine sends requests (measured against HAProxy in
 * test/diff/dispatch.test.ts).
 */
const HEAD = 'defaults\n  mode http\n  timeout connect 5s\n  timeout server 5s\n  timeout client 5s\nfrontend fe\n  bind :80\n  default_backend be\n'

function compile(text: string, extraDefaults = '') {
  return compileConfig([{ name: 't.cfg', text: HEAD.replace('timeout client 5s\n', `timeout client 5s\n${extraDefaults}`) + text }], {})
}

const serverOf = (d: Decision): string => (d.kind === 'forward' ? `${d.server.name} ${d.server.host}:${d.server.port}` : d.kind)
const get = (path: string, headers: [string, string][] = []) => ({ method: 'GET', url: `http://s.example${path}`, headers, src: '198.51.100.7' })

describe('dispatch: configuration', () => {
  it('carries the address as a <NOSRV> target outside the server list', () => {
    const r = compile('backend be\n  dispatch origin.example.com:8080\n')
    expect(diags(r).filter((d) => d.severity !== 'info')).toEqual([])
    const be = r.routeMap?.backends.find((b) => b.name === 'be')
    expect(be?.servers).toEqual([])
    expect([be?.dispatch?.name, be?.dispatch?.host, be?.dispatch?.port]).toEqual(['<NOSRV>', 'origin.example.com', 8080])
  })

  it.each([
    ['dispatch 127.0.0.1', "'dispatch' : missing port specification in '127.0.0.1'"],
    ['dispatch 127.0.0.1:80-90', "'dispatch' : port range not permitted here in '127.0.0.1:80-90'"],
    ['dispatch 127.0.0.1:+80', "'dispatch' : port offset not permitted here in '127.0.0.1:+80'"],
    ['dispatch a.example.com:80 x', "'dispatch' cannot handle unexpected argument 'x'"],
  ])('refuses %s as HAProxy does', (line, message) => {
    const errors = diags(compile(`backend be\n  ${line}\n`)).filter((d) => d.severity === 'error')
    expect(errors.map((d) => [d.line, d.message])).toEqual([[10, message]])
  })

  it('is refused in defaults and ignored, with a warning, in a frontend', () => {
    expect(
      diags(compile('backend be\n  server s1 a.example.com:80\n', '  dispatch a.example.com:80\n'))
        .filter((d) => d.severity === 'error')
        .map((d) => d.line),
    ).toEqual([6])
    const r = compileConfig([{ name: 't.cfg', text: `${HEAD.replace('default_backend be\n', 'default_backend be\n  dispatch a.example.com:80\n')}backend be\n  server s1 a.example.com:80\n` }], {})
    expect(
      diags(r)
        .filter((d) => d.severity === 'warning')
        .map((d) => d.message),
    ).toContain("'dispatch' ignored because frontend 'fe' has no backend capability.")
  })

  it.each([
    ['its own balance', '', 'backend be\n  balance roundrobin\n  dispatch a.example.com:80\n  server s1 b.example.com:80\n'],
    ['a balance from defaults', '  balance first\n', 'backend be\n  dispatch a.example.com:80\n  server s1 b.example.com:80\n'],
  ])('is ignored with HAProxy warning under %s', (_what, defaults, text) => {
    const r = compile(text, defaults)
    expect(
      diags(r)
        .filter((d) => d.severity === 'warning')
        .map((d) => d.message),
    ).toEqual(["dispatch address of backend 'be' will be ignored in balance mode."])
    expect(r.routeMap?.backends.find((b) => b.name === 'be')?.dispatch).toBeUndefined()
  })
})

describe('dispatch: server assignment', () => {
  const text = `backend be
  dispatch d.example.com:8080
  cookie SRV insert indirect
  use-server s1 if { path_beg /one }
  server s1 one.example.com:80 cookie c1
  server s2 two.example.com:80 cookie c2
`
  const engine = (states?: ServerStates) => {
    const r = compile(text)
    if (!r.routeMap) throw new Error('no routemap')
    return createEngine(r.routeMap, states ? { states } : {})
  }

  it('sends what persistence does not place to the dispatch address, never load balancing the servers', async () => {
    const e = engine()
    const seen: string[] = []
    for (const p of ['/', '/a', '/b', '/one']) seen.push(serverOf(await e.decide(get(p))))
    seen.push(serverOf(await e.decide(get('/', [['Cookie', 'SRV=c2']]))))
    expect(seen).toEqual(['<NOSRV> d.example.com:8080', '<NOSRV> d.example.com:8080', '<NOSRV> d.example.com:8080', 's1 one.example.com:80', 's2 two.example.com:80'])
  })

  it('falls back to the dispatch address when the persistent server is down', async () => {
    const down: ServerStates = { isUp: (_b, s) => s !== 's1', isUsable: (_b, s) => s !== 's1' }
    const e = engine(down)
    expect(serverOf(await e.decide(get('/one')))).toBe('<NOSRV> d.example.com:8080')
    expect(serverOf(await e.decide(get('/', [['Cookie', 'SRV=c1']])))).toBe('<NOSRV> d.example.com:8080')
  })
})
