import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine, type Decision } from '../../../src/engine/index.ts'

/** Stick rules and counters on the in-memory store (explain, tests, a Worker without STICK). */
function engine(text: string, now = () => 1_795_609_869_760) {
  const r = compileConfig([{ name: 't.cfg', text }])
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')))
  return createEngine(r.routeMap, { now })
}

const get = (src: string, path = '/') => ({ method: 'GET', url: `http://s.example${path}`, headers: [] as [string, string][], src })
const server = (d: Decision): string => (d.kind === 'forward' ? d.server.name : `${d.kind}`)

const BASE = `
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe
  bind :80
  default_backend be
`

describe('stick rules on the memory store', () => {
  it('stick on src keeps a client on its server (server_id is stored without being declared, as in HAProxy)', async () => {
    const e = engine(
      `${BASE}backend be\n  balance roundrobin\n  stick-table type ip size 1k expire 30m\n  stick on src\n  server s1 192.0.2.10:80\n  server s2 192.0.2.11:80\n  server s3 192.0.2.12:80\n`,
    )
    const seq = [await e.decide(get('10.0.0.1')), await e.decide(get('10.0.0.2')), await e.decide(get('10.0.0.1')), await e.decide(get('10.0.0.1')), await e.decide(get('10.0.0.3'))].map(server)
    // Round robin alone would give s1 s2 s3 s1 s2.
    expect(seq).toEqual(['s1', 's2', 's1', 's1', 's3'])
  })

  it('track-sc0 with Date.now()-sized clocks: the rate keeps counting (429 after the limit)', async () => {
    const e = engine(
      `${BASE}  stick-table type ip size 200k expire 30s store http_req_rate(10s)\n  http-request track-sc0 src\n  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 3 }\nbackend be\n  server s1 192.0.2.10:80\n`,
    )
    const out: string[] = []
    for (let i = 0; i < 5; i++) {
      const d = await e.decide(get('10.0.0.9'))
      out.push(d.kind === 'respond' ? String(d.response.status) : server(d))
    }
    expect(out).toEqual(['s1', 's1', 's1', '429', '429'])
  })
})
