/**
 * The isolate's memory budget for a RouteMap (src/routemap/budget.ts, src/config/budget-check.ts):
 * `check` warns on the line of the biggest map or list when the estimate exceeds the budget, and
 * refuses a RouteMap no isolate can load; the estimate follows the heap a loaded RouteMap really
 * keeps (measured in a process of its own), and a packed address list keeps a fraction of what the
 * same ranges as JSON numbers would.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { estimateLoad, ISOLATE_ROUTEMAP_BUDGET } from '../../../src/routemap/budget.ts'
import { unpackRanges4 } from '../../../src/routemap/packed.ts'
import type { IpSetData, RouteMap } from '../../../src/routemap/schema.ts'
import { contentHash } from '../../../src/routemap/kv.ts'
import { compile } from '../../helpers/cfg.ts'
import { rngU32 as rng, v4 } from '../../../bench/lib/rng.ts'

const HEAP = join(import.meta.dirname, '..', '..', 'helpers', 'routemap-heap.ts')
const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-budget-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A map of `n` entries used by `methods` (map_str, map_beg…) on lines 5, 6… of the config. */
function mapConfig(n: number, methods: readonly string[]): { text: string; files: Record<string, string> } {
  const r = rng(7)
  const lines: string[] = []
  for (let i = 0; i < n; i++) lines.push(`/k/${r().toString(36)} v${i % 5}`)
  const text = [
    'defaults',
    '  mode http',
    'frontend fe',
    '  bind :80',
    ...methods.map((m, i) => `  http-request set-header X-${i} %[path,${m}(/maps/big.map,none)]`),
    '  default_backend be',
    'backend be',
    '  server s 192.0.2.1:80',
    '',
  ].join('\n')
  return { text, files: { '/maps/big.map': `${lines.join('\n')}\n` } }
}

/** The heap (bytes) the RouteMap keeps once loaded by an isolate, measured in a child process. */
function loadedHeap(rm: RouteMap, name: string): number {
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify(rm))
  return Number(execFileSync(process.execPath, ['--expose-gc', HEAP, file], { encoding: 'utf8', timeout: 120_000 }))
}

const SIX = ['map_str', 'map_beg', 'map_end', 'map_sub', 'map_dir', 'map_dom']

describe('the isolate memory budget', () => {
  it('warns on the line of the biggest map, saying how big and what to do', () => {
    const { text, files } = mapConfig(120_000, SIX)
    const r = compile(text, { files })
    expect(r.routeMap).toBeDefined()
    const w = r.diagnostics.filter((d) => d.code === 'isolate-memory')
    expect(w).toHaveLength(1)
    const d = w[0]
    expect(d?.severity).toBe('warning')
    // the first converter using the map: line 5, at `map_str`
    expect(d?.span).toMatchObject({ file: 'test.cfg', line: 5 })
    expect(d?.span.column).toBe((text.split('\n')[4]?.indexOf('map_str') ?? 0) + 1)
    expect(d?.message).toMatch(
      /^the compiled RouteMap \([\d.]+ MB of JSON\) needs about [\d.]+ MB of each isolate's memory, more than the 32 MB budget of an isolate's 128 MB; map file '\/maps\/big\.map' takes [\d.]+ MB \(120,000 entries\)$/,
    )
    expect(d?.help).toContain('use one match method per map file')
  })

  it('stays quiet under the budget', () => {
    const { text, files } = mapConfig(20_000, ['map_str'])
    expect(compile(text, { files }).diagnostics.filter((d) => d.code === 'isolate-memory')).toEqual([])
  })

  it('refuses a RouteMap no isolate could load', () => {
    const { text, files } = mapConfig(300_000, SIX)
    const r = compile(text, { files })
    expect(r.routeMap).toBeUndefined()
    const e = r.diagnostics.find((d) => d.code === 'isolate-memory')
    expect(e?.severity).toBe('error')
    expect(e?.span.line).toBe(5)
    expect(e?.message).toMatch(/an isolate has 128 MB and at most 80 MB of it for the RouteMap while it loads/)
  }, 60_000)

  it('estimates what a loaded RouteMap keeps (measured: within 25 %), and a packed list keeps a fraction of its ranges as numbers', () => {
    // an address list of 200,000 random addresses (as many merged ranges), and a map used twice
    const r = rng(9)
    const list = Array.from({ length: 200_000 }, () => v4(r()))
    const { text, files } = mapConfig(50_000, ['map_str', 'map_beg'])
    const cfg = text.replace('  bind :80\n', '  bind :80\n  acl bad src -f /lists/bad.lst\n  http-request deny if bad\n')
    const rm = compile(cfg, { files: { ...files, '/lists/bad.lst': `${list.join('\n')}\n` } }).routeMap as RouteMap
    const heap = loadedHeap(rm, 'packed')
    const est = estimateLoad(rm).loadedBytes
    expect(est).toBeLessThan(ISOLATE_ROUTEMAP_BUDGET)
    expect(est / heap).toBeGreaterThan(0.75)
    expect(est / heap).toBeLessThan(1.25)

    // the same ranges as a JSON array of numbers (the form schema 1 stored): same matches, more heap
    const t = rm.frontends[0]?.acls[0]?.tests[0]
    const data = t?.data as IpSetData
    const numbers = { ...data, v4: Array.from(unpackRanges4(data.v4 as string) as Uint32Array) }
    const fe = rm.frontends[0] as RouteMap['frontends'][number]
    const withTests = (tests: readonly unknown[]): RouteMap => {
      const { hash: _h, ...body } = { ...rm, frontends: [{ ...fe, acls: fe.acls.map((a, i) => (i === 0 ? { ...a, tests } : a)) }] }
      return { ...body, hash: contentHash(body) } as RouteMap
    }
    const rest = loadedHeap(withTests([]), 'none')
    const listHeap = heap - rest
    const unpackedListHeap = loadedHeap(withTests([{ ...t, data: numbers }]), 'unpacked') - rest
    expect(listHeap / unpackedListHeap).toBeLessThan(0.75)
  }, 120_000)
})
