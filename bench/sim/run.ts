/**
 * @module
 * `npm run sim [-- --quick] [--out FILE] [--no-plot]`: the edge simulation (docs/simulation.md).
 * Runs the scenarios of bench/sim/scenarios.ts on the model of bench/sim/model.ts with the real
 * isolate code and the real Durable Object cores on a virtual clock, writes
 * bench/sim-results.json (every target met or missed, and by how much), prints a table, and
 * (full run, default output) rewrites the simulation section of BENCHMARKS.md with its plot.
 */
import './hooks.ts'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}

export async function main(argv: readonly string[]): Promise<unknown> {
  // The simulation's modules load after the hooks (cloudflare:* stubs, JSON modules).
  const { simulate } = await import('./sim.ts')
  const { measure } = await import('./measure.ts')
  const { FULL, QUICK } = await import('./params.ts')
  const { FULL_TIMELINE, QUICK_TIMELINE } = await import('./scenarios.ts')
  const { formatTable, updateBenchmarksMd, writeSimPlot } = await import('./report.ts')
  const quick = argv.includes('--quick')
  const out = resolve(argValue(argv, '--out') ?? new URL('../sim-results.json', import.meta.url).pathname)
  const config = resolve(argValue(argv, '--config') ?? new URL('../../examples/haproxy.cfg', import.meta.url).pathname)
  const p = quick ? QUICK : FULL
  const tl = quick ? QUICK_TIMELINE : FULL_TIMELINE
  process.stderr.write(`sim: ${quick ? 'quick' : 'full'} run: ${p.rps.toLocaleString('en-US')} requests/s over ${p.locations} locations, ${tl.durationMs / 1000} s of virtual time\n`)
  const raw = await simulate(p, tl, config, (s) => process.stderr.write(`sim: ${s}\n`))
  const results = measure(raw, p, quick)
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write(`${formatTable(results)}\n`)
  if (!argv.includes('--no-plot')) {
    const png = await writeSimPlot(results, resolve(dirname(out), 'sim.svg'))
    process.stderr.write(png ? 'sim: plot written (bench/sim.svg, bench/sim.png)\n' : 'sim: plot written (bench/sim.svg; no Chromium for the PNG)\n')
  }
  process.stderr.write(`sim: results written to ${out} (${results.wallS} s)\n`)
  if (!quick && argValue(argv, '--out') === undefined) {
    updateBenchmarksMd(new URL('../../BENCHMARKS.md', import.meta.url).pathname, results)
    process.stderr.write('sim: BENCHMARKS.md simulation section updated\n')
  }
  return results
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`sim: ${(e as Error).stack ?? String(e)}\n`)
      process.exit(1)
    },
  )
}
