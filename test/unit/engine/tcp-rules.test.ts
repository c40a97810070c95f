import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine, createTracer, type Decision } from '../../../src/engine/index.ts'
import { processResponse } from '../../../src/engine/respond.ts'
import { HeaderList } from '../../../src/sample/headers.ts'

/*
 * The engine runs tcp-request connection, session and content rules once per request, in that
 * order, before monitor-uri and the frontend's http-request rules; a backend's content rules
 * before its http-request rules; tcp-response content rules before http-response rules.
 */

function engineFor(text: string) {
  const r = compileConfig([{ name: 't.cfg', text }])
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')))
  return createEngine(r.routeMap)
}

const get = (path: string, src = '198.51.100.7') => ({ method: 'GET', url: `http://shop.example.com${path}`, headers: [] as [string, string][], src })

const outcome = (d: Decision): string => (d.kind === 'forward' ? `forward ${d.backend}` : d.kind === 'respond' ? `respond ${d.response.status}` : d.kind)

const BASE = `
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
`

describe('tcp-request rules in the engine', () => {
  const e = engineFor(`${BASE}
frontend fe
  bind :80
  monitor-uri /health
  tcp-request connection accept if { src 192.0.2.1 }
  tcp-request connection reject if { src 192.0.2.0/24 }
  tcp-request session set-var(txn.order) str(s)
  tcp-request content set-var-fmt(txn.order) "%[var(txn.order)]c"
  tcp-request content reject if { path /blocked }
  http-request set-var-fmt(txn.order) "%[var(txn.order)]h"
  http-request return status 200 content-type text/plain lf-string "%[var(txn.order)]" if { path /order }
  use_backend be2 if { path_beg /be2 }
  default_backend be
backend be
  server s1 192.0.2.10:80
backend be2
  tcp-request content set-var-fmt(txn.order) "%[var(txn.order)]B"
  tcp-request content reject if { path /be2/blocked }
  http-request return status 200 content-type text/plain lf-string "%[var(txn.order)]"
  server s1 192.0.2.10:80
`)

  it('reject answers 403 with the deny page, before monitor-uri', async () => {
    const d = await e.decide(get('/health', '192.0.2.7'))
    expect(outcome(d)).toBe('respond 403')
    if (d.kind !== 'respond') return
    expect(d.why).toBe('deny (tcp-request connection reject: status 403 where HAProxy closes the connection)')
    expect(d.response.body).toContain('Request forbidden by administrative rules.')
  })

  it('accept ends the connection rule set only: the next sets still run', async () => {
    expect(outcome(await e.decide(get('/', '192.0.2.1')))).toBe('forward be')
    expect(outcome(await e.decide(get('/blocked', '192.0.2.1')))).toBe('respond 403')
    expect(outcome(await e.decide(get('/', '198.51.100.7')))).toBe('forward be')
  })

  it("runs session, then content rules, then http-request rules; a backend's content rules after use_backend", async () => {
    const d = await e.decide(get('/order'))
    expect(d.kind === 'respond' ? d.response.body : d.kind).toBe('sch')
    const b = await e.decide(get('/be2/x'))
    expect(b.kind === 'respond' ? b.response.body : b.kind).toBe('schB')
    expect(outcome(await e.decide(get('/be2/blocked')))).toBe('respond 403')
  })

  it('explain names each tcp rule set', async () => {
    const t = createTracer()
    await e.decide(get('/', '192.0.2.1'), t)
    const rules = t.steps.filter((s) => s.stage === 'rule').map((s) => s.text)
    expect(rules.slice(0, 3)).toEqual([
      "frontend 'fe' tcp-request connection: tcp-request connection accept if { src 192.0.2.1 } → applied",
      "frontend 'fe' tcp-request session: tcp-request session set-var(txn.order) str(s) → applied",
      'frontend \'fe\' tcp-request content: tcp-request content set-var-fmt(txn.order) "%[var(txn.order)]c" → applied',
    ])
  })

  it('a listen section runs its content rules once', async () => {
    const l = engineFor(`${BASE}
listen li
  bind :80
  tcp-request content set-var-fmt(txn.n) "%[var(txn.n)]x"
  http-request return status 200 content-type text/plain lf-string "%[var(txn.n)]"
  server s1 192.0.2.10:80
`)
    const d = await l.decide(get('/'))
    expect(d.kind === 'respond' ? d.response.body : d.kind).toBe('x')
  })

  it('track-sc0 in content rules counts the request for sc_http_req_rate', async () => {
    const t = engineFor(`${BASE}
frontend fe
  bind :80
  stick-table type ip size 1k expire 30s store http_req_rate(10s)
  tcp-request content track-sc0 src
  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 2 }
  default_backend be
backend be
  server s1 192.0.2.10:80
`)
    const seen: string[] = []
    for (let i = 0; i < 4; i++) seen.push(outcome(await t.decide(get('/', '198.51.100.9'))))
    expect(seen).toEqual(['forward be', 'forward be', 'respond 429', 'respond 429'])
  })
})

describe('tcp-response content rules in the engine', () => {
  const e = engineFor(`${BASE}
frontend fe
  bind :80
  http-response set-header x-fe yes
  default_backend be
backend be
  tcp-response content reject if { status 503 }
  tcp-response content accept if { res.hdr(x-ok) -m found }
  tcp-response content reject if { res.hdr(x-bad) -m found }
  http-response set-header x-be yes
  server s1 192.0.2.10:80
`)

  async function respond(status: number, headers: [string, string][]) {
    const d = await e.decide(get('/'))
    if (d.kind !== 'forward') throw new Error(d.kind)
    return processResponse(e.hydrated, d, { status, headers: new HeaderList(headers) }, 0, createTracer())
  }

  it('reject replaces the response with a 502 before any http-response rule', async () => {
    const r = await respond(503, [])
    expect(r.kind).toBe('local')
    if (r.kind === 'local') expect(r.response.status).toBe(502)
  })

  it('accept ends the rule set; http-response rules then run', async () => {
    const r = await respond(200, [
      ['x-ok', '1'],
      ['x-bad', '1'],
    ])
    expect(r.kind).toBe('origin')
    if (r.kind === 'origin') expect([r.head.headers.first('x-be'), r.head.headers.first('x-fe')]).toEqual(['yes', 'yes'])
    expect((await respond(200, [['x-bad', '1']])).kind).toBe('local')
  })
})
