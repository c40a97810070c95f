/**
 * @module
 * `node --expose-gc test/helpers/routemap-heap.ts FILE`: loads the RouteMap text in FILE as an
 * isolate does (parsed, validated and hashed by parseStoredRouteMap, the engine built, one request
 * decided) and prints the V8 heap it keeps, in bytes, after full collections (the text dropped).
 * A process of its own, so nothing else of a test run is counted.
 */
import { readFileSync } from 'node:fs'
import { createEngine } from '../../src/engine/index.ts'
import { engineNames } from '../../src/engine/known-names.ts'
import { parseStoredRouteMap } from '../../src/routemap/kv.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const used = (): number => {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}
const before = used()
let text: string | undefined = readFileSync(process.argv[2] as string, 'utf8')
const rm = parseStoredRouteMap(text, undefined, engineNames())
if (typeof rm === 'string') throw new Error(rm)
const engine = createEngine(rm)
await engine.decide({ method: 'GET', url: 'http://127.0.0.1:80/p/x', headers: [], src: '192.0.2.1' })
text = undefined
process.stdout.write(String(used() - before))
if (!engine.hydrated) process.exit(1)
