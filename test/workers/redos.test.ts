/**
 * Issue 14, hole 4: a regex that backtracks exponentially (`path_reg ^/(a+)+$` with `/` + 30 × a
 * + `!` took 7 s in V8 and stalled the isolate) answers within a budget measured as a ratio
 * against a benign request in the same run. Every regex site a request reaches is covered:
 * `path_reg`, `map_reg`, `regsub`, `replace-path` (src/util/regex runs them in linear time).
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../src/config/compile.ts'
import worker from '../../src/index.ts'

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind :80
  acl evil path_reg ^/(a+)+$
  acl mapped path,map_reg(/maps/evil.map) -m found
  http-request set-path /mapped if mapped
  http-request deny if evil
  http-request set-path %[path,regsub(\\"^/(a+)+x\\",/sub,g)]
  http-request replace-path ^/(b+)+$ /replaced
  default_backend be
backend be
  server s1 redos.test:8080
`
const MAP = '^/(c|cc)+$ evil\n'

const routeMap = (() => {
  const r = compileConfig([{ name: 'redos.cfg', text: CONFIG }], { readFile: (p) => (p === '/maps/evil.map' ? MAP : undefined) })
  if (!r.routeMap) throw new Error(`config does not compile: ${JSON.stringify(r.diagnostics)}`)
  return r.routeMap
})()
const workerEnv = { EDGEPROXY_ROUTEMAP: JSON.stringify(routeMap) }

async function get(path: string): Promise<{ status: number; path?: string; ms: number }> {
  const ctx = createExecutionContext()
  const t0 = performance.now()
  const res = await worker.fetch(new Request(`http://lb.test${path}`), workerEnv, ctx)
  const body = await res.text()
  const ms = performance.now() - t0
  await waitOnExecutionContext(ctx)
  return { status: res.status, path: res.status === 200 ? (JSON.parse(body) as { path: string }).path : undefined, ms }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

describe('hostile regexes in the Worker', () => {
  it('still match what they should', async () => {
    expect((await get('/aaa')).status).toBe(403)
    expect((await get('/cccc')).path).toBe('/mapped')
    expect((await get('/aaax')).path).toBe('/sub')
    expect((await get('/bbb')).path).toBe('/replaced')
    expect((await get('/index.html')).path).toBe('/index.html')
  })

  it('answer an attack within a budget: a ratio to a benign request of the same length', async () => {
    for (let i = 0; i < 5; i++) await get('/index.html') // warm the isolate's engine
    const benign: number[] = []
    for (let i = 0; i < 15; i++) benign.push((await get('/index.html')).ms)
    // workerd's clock moves on I/O only (each request fetches from the origin): 1 ms granularity
    const base = Math.max(median(benign), 1)
    const seen: string[] = []
    for (const n of [30, 5000]) {
      // a benign request as long as the attack: the path is copied, parsed and logged the same way
      const plain: number[] = []
      for (let i = 0; i < 5; i++) plain.push((await get(`/${'z'.repeat(n)}!`)).ms)
      const same = Math.max(median(plain), base)
      seen.push(`benign z×${n}: ${same.toFixed(1)} ms`)
      for (const ch of ['a', 'b', 'c']) {
        const attack = `/${ch.repeat(n)}!`
        const runs: { path?: string; ms: number }[] = []
        for (let i = 0; i < 5; i++) runs.push(await get(attack))
        const r = { path: runs[0]?.path, ms: median(runs.map((x) => x.ms)) }
        expect(r.path, attack.slice(0, 12)).toBe(attack)
        // 30 characters: the case, 20 × a benign request. 5000: the Pike VM is linear but
        // walks every character (~1-3 µs each in workerd, per regex), so 50 × a benign request
        // of the same length; exponential backtracking would take longer than the universe.
        const ratio = n === 30 ? 20 : 50
        expect(r.ms, `${ch} × ${n}: ${r.ms.toFixed(1)} ms vs a benign ${same.toFixed(2)} ms`).toBeLessThan(ratio * same)
        expect(r.ms).toBeLessThan(1000) // sanity guard only
        seen.push(`${ch}×${n}: ${r.ms.toFixed(1)} ms`)
      }
    }
    console.log(`ReDoS in the Worker: benign ${base.toFixed(1)} ms; ${seen.join(', ')}`)
  })
})
