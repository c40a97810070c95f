/**
 * @module
 * `npm run bench [-- --quick] [--out FILE] [--no-plot]`: runs the micro benchmarks (edgeproxy's
 * own work in V8) and the runtime benchmarks (wrk on loopback: origin direct, HAProxy 2.6,
 * edgeproxy in workerd, a bare pass-through Worker; Durable Object calls counted; failover),
 * writes `bench/results.json` (named figures, the machine, the date, each target and whether it
 * was met), prints a table, and renders `bench/throughput.png`. Figures are measured side by side
 * in one run; on a noisy machine compare the ratios, not the absolute numbers. A full run also
 * rewrites the results section of BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { machineInfo } from './lib/machine.ts'
import { writePlot } from './lib/plot.ts'
import { runMicro } from './micro/index.ts'
import type { MicroResults } from './micro/types.ts'
import { runRuntime } from './runtime/index.ts'
import type { RuntimeResults } from './runtime/types.ts'
import { updateBenchmarksMd } from './report.ts'
import { evaluateTargets, formatTable, type Results } from './targets.ts'

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}

export async function main(argv: readonly string[]): Promise<Results> {
  const quick = argv.includes('--quick')
  const out = resolve(argValue(argv, '--out') ?? new URL('./results.json', import.meta.url).pathname)
  const started = Date.now()
  const machine = machineInfo()
  process.stderr.write(`bench: ${quick ? 'quick' : 'full'} run on ${machine.cores} × ${machine.cpu}\n`)
  process.stderr.write('bench: micro benchmarks (V8)…\n')
  const micro: MicroResults = await runMicro({ quick })
  process.stderr.write('bench: runtime benchmarks (wrk on loopback)…\n')
  const runtime: RuntimeResults = await runRuntime({ quick })
  const partial = { schema: 'edgeproxy.bench/1' as const, date: new Date(started).toISOString(), quick, durationS: 0, machine, micro, runtime }
  const results: Results = { ...partial, durationS: Math.round((Date.now() - started) / 100) / 10, targets: evaluateTargets(partial) }
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write(`${formatTable(results)}\n`)
  if (!argv.includes('--no-plot')) {
    const png = resolve(dirname(out), 'throughput.png')
    const th = results.runtime.throughput
    const rows = (
      [
        ['nginx direct', th.origin],
        ['HAProxy 2.6', th.haproxy],
        ['edgeproxy', th.edgeproxy],
        ['bare Worker', th.bare],
      ] as const
    ).map(([name, t]) => ({ name, rps: t.requestsPerSec, p50Ms: t.p50Ms, p99Ms: t.p99Ms }))
    const ok = await writePlot(rows, `wrk on loopback, ${machine.cores} cores (${results.date.slice(0, 10)})`, png)
    process.stderr.write(ok ? `bench: plot written to ${png}\n` : 'bench: no Chromium for the plot (the SVG is written next to the results)\n')
  }
  process.stderr.write(`bench: results written to ${out}\n`)
  // A full run with the default output also refreshes the results section of BENCHMARKS.md.
  if (!quick && argValue(argv, '--out') === undefined) {
    updateBenchmarksMd(new URL('../BENCHMARKS.md', import.meta.url).pathname, results)
    process.stderr.write('bench: BENCHMARKS.md results section updated\n')
  }
  return results
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`)
      process.exit(1)
    },
  )
}
