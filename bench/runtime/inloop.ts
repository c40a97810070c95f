/**
 * @module
 * edgeproxy's request path inside workerd without the network: for each source tree, one Worker
 * (bench/runtime/inloop/entry.template.ts) runs the handler on the seed config N times within one
 * request, in front of an origin stub; the workerd process' CPU time (from /proc) divided by N,
 * less the stub's own cost, is the path's cost per request. A loop keeps caches warmer than real
 * traffic and shares one request's timer list, so the figures are lower than under wrk; they move
 * far less than wrk's (a few percent), which makes A/B comparisons of source trees possible on a
 * busy machine. Trees are measured alternately, `--reps` times; medians are printed.
 *
 * `node bench/runtime/inloop.ts [--tree NAME=DIR]… [--reps N] [--ms M]`
 * - `--tree NAME=DIR` a directory holding a `src/` tree (default: this checkout, as `current`)
 * - `--ms M` target CPU time of one measuring request (default 200 ms)
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleEntry, freePort, median, runCleanups, startWorkerd, tempDir } from '../lib/procs.ts'
import { compile, seedConfig } from './configs.ts'
import { cpuMicros, workerdPid } from '../lib/cpu.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const trees: { name: string; dir: string }[] = []
  let reps = 7
  let targetUs = 200_000
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]
    const v = argv[++i] ?? ''
    if (k === '--tree') trees.push({ name: v.slice(0, v.indexOf('=')), dir: resolve(v.slice(v.indexOf('=') + 1)) })
    else if (k === '--reps') reps = Number(v)
    else if (k === '--ms') targetUs = Number(v) * 1000
    else throw new Error(`unknown option '${k}'`)
  }
  if (trees.length === 0) trees.push({ name: 'current', dir: ROOT })
  const template = readFileSync(`${ROOT}bench/runtime/inloop/entry.template.ts`, 'utf8')
  try {
    const workers = []
    for (const t of trees) {
      const entry = `${t.dir}/.inloop-entry.ts`
      writeFileSync(entry, template.replaceAll("'../../../src/", "'./src/"))
      let script: string
      try {
        script = await bundleEntry(entry)
      } finally {
        rmSync(entry, { force: true })
      }
      const port = await freePort()
      const routeMap = compile('seed.cfg', seedConfig({ port, statsPort: await freePort(), origin: '127.0.0.1:9', stick: 'none' }))
      workers.push({ name: t.name, script, port, bindings: { EDGEPROXY_ROUTEMAP: JSON.stringify(routeMap) } })
    }
    const workerd = await startWorkerd(workers, { persistTo: tempDir('bench-inloop-'), compatibilityDate: '2026-11-01' })
    const pid = workerdPid()
    if (pid === undefined) throw new Error('no workerd process')
    const run = async (name: string, mode: string, n: number): Promise<number> => {
      const c0 = cpuMicros(pid)
      const r = await fetch(`${workerd.url(name)}/?mode=${mode}&n=${n}`)
      const text = await r.text()
      if (r.status !== 200 || (n > 0 && text.trim() !== '200')) throw new Error(`${name} ${mode}: ${r.status} ${text}`)
      return cpuMicros(pid) - c0
    }
    const n = new Map<string, number>()
    for (const t of trees) {
      for (const mode of ['handle', 'stub']) {
        let k = 100
        for (;;) {
          const us = await run(t.name, mode, k)
          if (us >= targetUs / 4) {
            n.set(`${t.name} ${mode}`, Math.max(100, Math.round((k * targetUs) / us)))
            break
          }
          k *= 4
        }
      }
    }
    const per = new Map<string, number[]>(trees.map((t) => [t.name, []]))
    for (let rep = 0; rep < reps; rep++) {
      for (const t of rep % 2 ? [...trees].reverse() : trees) {
        const nh = n.get(`${t.name} handle`) as number
        const ns = n.get(`${t.name} stub`) as number
        const h = (await run(t.name, 'handle', nh)) / nh
        const s = (await run(t.name, 'stub', ns)) / ns
        per.get(t.name)?.push(h - s)
      }
    }
    process.stdout.write('µs of workerd CPU per request through the handler, origin stub excluded (median of reps; min–max):\n')
    const first = per.get(trees[0]?.name ?? '') as number[]
    for (const t of trees) {
      const xs = per.get(t.name) as number[]
      // Paired with the first tree in the same rep (measured next to it): steadier than the medians.
      const diff = xs.map((x, i) => x - (first[i] as number))
      const vs = t === trees[0] ? '' : `; minus ${trees[0]?.name} per rep: median ${median(diff).toFixed(1)}, ${diff.filter((d) => d < 0).length}/${diff.length} reps lower`
      process.stdout.write(`${median(xs).toFixed(1).padStart(8)}  (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})  ${t.name}${vs}\n`)
    }
    await workerd.dispose()
  } finally {
    await runCleanups()
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exit(1)
  },
)
