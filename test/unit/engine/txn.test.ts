import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine } from '../../../src/engine/index.ts'
import type { RequestRecord } from '../../../src/log/entry.ts'

/**
 * The transaction (src/engine/txn.ts): decisions carry typed causes, and the record's termination
 * state comes from them through one table, never from a decision's prose.
 */

const CFG = `
global
  expose-experimental-directives
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
userlist admins
  user admin insecure-password secret
frontend fe
  bind :80
  monitor-uri /health
  http-request deny if { path /deny }
  http-request tarpit if { path /tarpit }
  http-request return status 200 content-type text/plain string ok if { path /return }
  http-request redirect location /elsewhere if { path /redirect }
  http-request auth realm r if { path /auth } !{ http_auth(admins) }
  http-request normalize-uri percent-decode-unreserved strict if { path_beg /strict }
  use_backend empty if { path /empty }
  use_backend be if { path_beg /be }
backend be
  server s1 192.0.2.10:80
backend empty
`

function engine() {
  const r = compileConfig([{ name: 't.cfg', text: CFG }])
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')))
  return createEngine(r.routeMap, { now: () => 1_700_000_000_000 })
}

const request = (path: string) => ({ method: 'GET', url: `http://example.com${path}`, headers: [['host', 'example.com']] as [string, string][], src: '192.0.2.1', version: '1.1' })

/** The record a request ends with (a local answer), through the transaction as the handler runs it. */
async function ended(path: string): Promise<{ cause: string; termination: string; kind: string; logged: boolean }> {
  const logged: RequestRecord[] = []
  const txn = engine().begin(request(path), { now: () => 1_700_000_000_000, log: (e) => logged.push(e as RequestRecord) })
  const d = await txn.decide()
  if (d.kind !== 'respond') throw new Error(`${path}: ${d.kind}`)
  txn.endLocal(await txn.localPage())
  const rec = txn.record as RequestRecord
  return { cause: d.cause, termination: rec.termination.slice(0, 2), kind: rec.kind, logged: logged.length === 1 }
}

describe('transaction outcomes', () => {
  it.each([
    ['/deny', 'deny', 'PR', 'deny', true],
    ['/tarpit', 'tarpit', 'PT', 'deny', true],
    ['/return', 'return', 'LR', 'local', true],
    ['/redirect', 'redirect', 'LR', 'local', true],
    ['/auth', 'auth', 'LR', 'none', true],
    ['/health', 'monitor', 'LR', 'local', false],
    ['/empty', 'no-server', 'SC', 'noserver', true],
    ['/nowhere', 'no-backend', 'SC', 'noserver', true],
    ['/strict%zz', 'bad-request', 'PR', 'bad', true],
  ])('%s: cause %s, %s--, counted as %s', async (path, cause, tsc, kind, logged) => {
    expect(await ended(path)).toEqual({ cause, termination: tsc, kind, logged })
  })

  it('a forwarded request says how its server was chosen', async () => {
    const txn = engine().begin(request('/be'), { now: () => 0 })
    const d = await txn.decide()
    expect(d.kind === 'forward' && d.via).toBe('balance')
  })

  it('ends once: a second end changes nothing', async () => {
    const logged: unknown[] = []
    const txn = engine().begin(request('/deny'), { now: () => 0, log: (e) => logged.push(e) })
    await txn.decide()
    const page = await txn.localPage()
    txn.endLocal(page)
    txn.endLocal(page)
    expect(logged).toHaveLength(1)
  })
})

/** Every TypeScript file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

describe('why is prose', () => {
  it('nothing outside explain (and the decision that carries it there) reads a decision’s why', () => {
    const root = new URL('../../../', import.meta.url).pathname
    const readers = [...sources(join(root, 'src')), ...sources(join(root, 'durable-objects'))].filter((f) => /\.why\b/.test(readFileSync(f, 'utf8'))).map((f) => f.slice(root.length))
    expect(readers.sort()).toEqual(['src/cli/explain.ts', 'src/engine/decide.ts'])
  })
})
