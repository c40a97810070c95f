/**
 * @module
 * Compile time and memory of a config with many servers, in a process of its own (run with
 * --expose-gc so that heap figures are taken after full collections):
 * `node --expose-gc bench/micro/compile-child.ts <servers> [--quick]` prints a CompileFigure.
 */
import { fileURLToPath } from 'node:url'
import { compileConfig } from '../../src/config/compile.ts'
import { createEngine, type Engine } from '../../src/engine/index.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'
import { median, nowNs, round } from '../lib/stats.ts'
import { serversConfig } from './configs.ts'
import type { CompileFigure } from './types.ts'

const gc = (globalThis as { gc?: () => void }).gc

function heapUsed(): number {
  if (gc) {
    gc()
    gc()
  }
  return process.memoryUsage().heapUsed
}

/** Servers per backend: 10 for 1k servers, 100 for 10k (100 backends either way). */
export function measureCompile(servers: number, quick: boolean): CompileFigure {
  const backends = 100
  const text = serversConfig(backends, Math.ceil(servers / backends))
  const runs = quick ? (servers > 5000 ? 1 : 3) : servers > 5000 ? 3 : 7
  const compileMs: number[] = []
  const hydrateMs: number[] = []
  let routeMap: RouteMap | undefined
  for (let i = 0; i < runs; i++) {
    const t0 = nowNs()
    const r = compileConfig([{ name: 'servers.cfg', text }])
    const t1 = nowNs()
    if (!r.routeMap) throw new Error(`servers.cfg does not compile: ${r.diagnostics.find((d) => d.severity === 'error')?.message}`)
    routeMap = r.routeMap
    createEngine(routeMap)
    hydrateMs.push((nowNs() - t1) / 1e6)
    compileMs.push((t1 - t0) / 1e6)
  }
  const json = JSON.stringify(routeMap)
  routeMap = undefined
  // Heap held by a RouteMap (as the Worker gets it: parsed from JSON) and its engine.
  const before = heapUsed()
  const held: { rm?: RouteMap; engine?: Engine } = {}
  held.rm = JSON.parse(json) as RouteMap
  held.engine = createEngine(held.rm)
  const after = heapUsed()
  const heapMB = gc ? round((after - before) / 2 ** 20, 2) : null
  if (held.engine.hydrated.backends.size !== backends) throw new Error('unexpected backend count')
  return {
    servers: backends * Math.ceil(servers / backends),
    backends,
    compileMs: round(median(compileMs), 1),
    hydrateMs: round(median(hydrateMs), 2),
    routeMapKB: round(json.length / 1024, 1),
    heapMB,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const n = Number(process.argv[2] ?? 1000)
  process.stdout.write(`${JSON.stringify(measureCompile(n, process.argv.includes('--quick')))}\n`)
}
