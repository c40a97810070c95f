/**
 * @module
 * The in-process (Node/V8) micro benchmarks of issue 6: pipeline cost per request, compile time
 * and memory for many servers, 100k-network CIDR lookups, a 1,000-server consistent-hash ring and
 * stick-table throughput. `runMicro({ quick })` returns the figures as plain JSON; run alone,
 * `node bench/micro/index.ts [--quick]` prints them. Quick mode stays under ~20 s on a 2-core
 * machine; full mode takes one to two minutes. Benchmarks only: nothing here asserts a time.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { measureCompile } from './compile-child.ts'
import { runPipeline } from './pipeline.ts'
import { runChash, runCidr, runStick } from './scale.ts'
import type { CompileFigure, MicroResults } from './types.ts'

export type { MicroResults } from './types.ts'

const CHILD = fileURLToPath(new URL('./compile-child.ts', import.meta.url))

/** Compile figures from a child with --expose-gc (heap after full GCs); in-process without heap if that fails. */
function compileFigure(servers: number, quick: boolean): CompileFigure {
  const r = spawnSync(process.execPath, ['--expose-gc', CHILD, String(servers), ...(quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: 120_000 })
  if (r.status === 0) {
    try {
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as CompileFigure
    } catch {
      // fall through
    }
  }
  return measureCompile(servers, quick)
}

export async function runMicro(opts: { quick: boolean }): Promise<MicroResults> {
  const t0 = performance.now()
  const quick = opts.quick
  const pipeline = await runPipeline({ quick })
  const compile = { servers1k: compileFigure(1000, quick), servers10k: compileFigure(10_000, quick) }
  const cidr100k = runCidr({ quick })
  const chash1000 = runChash({ quick })
  const stick = runStick({ quick })
  return {
    quick,
    node: process.version,
    pipeline: { ...pipeline, targetUs: 10 },
    compile,
    cidr100k,
    chash1000,
    stick,
    elapsedS: Math.round((performance.now() - t0) / 100) / 10,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const res = await runMicro({ quick: process.argv.includes('--quick') })
  process.stdout.write(`${JSON.stringify(res, null, 2)}\n`)
}
