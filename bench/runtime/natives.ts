/**
 * @module
 * What the workerd primitives on edgeproxy's request path cost, per call: one workerd runs
 * bench/runtime/natives/worker.ts, each operation runs N times inside one request, and the workerd
 * process' CPU time (from /proc, not wall time: other load on the machine matters less) is divided
 * by N, less the cost of a request that runs it zero times. Each operation is measured `--reps`
 * times, alternating with the others; the median is printed.
 *
 * `node bench/runtime/natives.ts [--reps N] [--ms M] [--only SUBSTRING]`
 * - `--ms M` target CPU time of one measuring request (default 150 ms)
 */
import { fileURLToPath } from 'node:url'
import { bundleEntry, freePort, median, runCleanups, startNginx, startWorkerd, tempDir } from '../lib/procs.ts'
import { cpuMicros, workerdPid } from '../lib/cpu.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt
}

async function main(): Promise<void> {
  const reps = Number(arg('--reps', '5'))
  const targetUs = Number(arg('--ms', '150')) * 1000
  const only = arg('--only', '')
  try {
    const nginx = await startNginx({ bodyBytes: 64 })
    const port = await freePort()
    const workerd = await startWorkerd([{ name: 'natives', script: await bundleEntry(`${ROOT}bench/runtime/natives/worker.ts`), port, bindings: { ORIGIN: `http://127.0.0.1:${nginx.port}/` } }], {
      persistTo: tempDir('bench-natives-'),
      compatibilityDate: '2026-11-01',
    })
    const pid = workerdPid()
    if (pid === undefined) throw new Error('no workerd process')
    const base = workerd.url('natives')
    const ops = (await (await fetch(`${base}/`)).text()).split('\n').filter((o) => o.includes(only))
    const run = async (op: string, n: number): Promise<number> => {
      const c0 = cpuMicros(pid)
      const r = await fetch(`${base}/${encodeURIComponent(op)}?n=${n}`, { headers: { 'user-agent': 'wrk', accept: '*/*' } })
      await r.text()
      if (r.status !== 200) throw new Error(`${op}: ${r.status}`)
      return cpuMicros(pid) - c0
    }
    // Calibrate N per operation for about `targetUs` of CPU per request.
    const n = new Map<string, number>()
    for (const op of ops) {
      let k = 1000
      for (;;) {
        const us = await run(op, k)
        if (us >= targetUs / 4 || k >= 4_000_000) {
          n.set(op, Math.max(1000, Math.round((k * targetUs) / Math.max(us, 1))))
          break
        }
        k *= 8
      }
    }
    const per = new Map<string, number[]>(ops.map((o) => [o, []]))
    for (let rep = 0; rep < reps; rep++) {
      const empty = median([await run('noop', 0), await run('noop', 0), await run('noop', 0)])
      for (const op of rep % 2 ? [...ops].reverse() : ops) {
        const k = n.get(op) as number
        per.get(op)?.push(Math.max(0, (await run(op, k)) - empty) / k)
      }
    }
    process.stdout.write('µs of workerd CPU per call (median of reps; min–max):\n')
    for (const op of ops) {
      const xs = per.get(op) as number[]
      process.stdout.write(`${median(xs).toFixed(2).padStart(8)}  (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})  ${op}  [n=${n.get(op)}]\n`)
    }
    await workerd.dispose()
    await nginx.stop()
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
