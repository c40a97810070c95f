/**
 * @module
 * The throughput pair alone (a quick loop for performance work): edgeproxy (src/index.ts bundled,
 * the seed config as bench/runtime/index.ts runs it) and the bare pass-through Worker in one
 * workerd, both in front of the same nginx origin, measured alternately with wrk
 * (edgeproxy, bare, edgeproxy, bare, …). Prints each run, the ratio of each round and the median
 * and best-of ratios.
 *
 * `node bench/runtime/pair.ts [options]`
 * - `--seconds N`  wrk duration of each run (default 3)
 * - `--rounds N`   edgeproxy/bare rounds (default 3)
 * - `-c N` / `-t N` wrk connections / threads (default 16 / 2, as the full benchmark)
 * - `--config seed|simple`  the seed config (default) or one frontend + one backend (no checks)
 * - `--stick none|exact|fast` the seed's rate limit (default none, as the full benchmark)
 * - `--no-bindings` edgeproxy without Durable Object / KV bindings
 * - `--variant NAME=ENTRY.ts` another Worker entry (bundled, given the same bindings as
 *   edgeproxy) measured in each round after edgeproxy; repeatable. For A/B experiments.
 * - `--bare-variant NAME=ENTRY.js|ts` another baseline-style Worker (binding ORIGIN); repeatable.
 * - `--json` the results as JSON on stdout.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bundleEntry, freePort, median, runCleanups, runWrk, startNginx, startWorkerd, tempDir, type WorkerSpec, type WrkResult } from '../lib/procs.ts'
import { compile, seedConfig } from './configs.ts'
import { cpuMicros, workerdPid } from '../lib/cpu.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function compatibilityDate(): string {
  const m = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(`${ROOT}wrangler.toml`, 'utf8'))
  return m?.[1] ?? '2026-11-01'
}

interface Args {
  seconds: number
  rounds: number
  connections: number
  threads: number
  config: 'seed' | 'simple'
  stick: 'none' | 'exact' | 'fast'
  bindings: boolean
  variants: { name: string; entry: string }[]
  bareVariants: { name: string; entry: string }[]
  json: boolean
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { seconds: 3, rounds: 3, connections: 16, threads: 2, config: 'seed', stick: 'none', bindings: true, variants: [], bareVariants: [], json: false }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]
    const v = (): string => {
      const x = argv[++i]
      if (x === undefined) throw new Error(`${k} needs a value`)
      return x
    }
    const pair = (s: string) => {
      const j = s.indexOf('=')
      if (j < 1) throw new Error(`expected NAME=ENTRY, got '${s}'`)
      return { name: s.slice(0, j), entry: s.slice(j + 1) }
    }
    if (k === '--seconds') a.seconds = Number(v())
    else if (k === '--rounds') a.rounds = Number(v())
    else if (k === '-c') a.connections = Number(v())
    else if (k === '-t') a.threads = Number(v())
    else if (k === '--config') a.config = v() as Args['config']
    else if (k === '--stick') a.stick = v() as Args['stick']
    else if (k === '--no-bindings') a.bindings = false
    else if (k === '--variant') a.variants.push(pair(v()))
    else if (k === '--bare-variant') a.bareVariants.push(pair(v()))
    else if (k === '--json') a.json = true
    else throw new Error(`unknown option '${k}'`)
  }
  return a
}

function simpleConfig(port: number, origin: string): string {
  return `defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 10s

frontend fe
    bind *:${port}
    default_backend be

backend be
    server s1 ${origin}
`
}

async function script(entry: string): Promise<string> {
  return entry.endsWith('.js') || entry.endsWith('.mjs') ? readFileSync(entry, 'utf8') : bundleEntry(entry)
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const log = (line: string) => process.stderr.write(`${line}\n`)
  try {
    const nginx = await startNginx({ bodyBytes: 64 })
    const origin = `127.0.0.1:${nginx.port}`
    const statsPort = await freePort()
    const epNames = ['edgeproxy', ...args.variants.map((v) => v.name)]
    const bareNames = ['bare', ...args.bareVariants.map((v) => v.name)]
    const ports = new Map<string, number>()
    for (const n of [...epNames, ...bareNames]) {
      let p = await freePort()
      while (p === statsPort || [...ports.values()].includes(p)) p = await freePort()
      ports.set(n, p)
    }
    const routeMapFor = (p: number) =>
      JSON.stringify(args.config === 'seed' ? compile('seed.cfg', seedConfig({ port: p, statsPort, origin, stick: args.stick })) : compile('simple.cfg', simpleConfig(p, origin)))
    const workers: WorkerSpec[] = []
    const epEntries = [{ name: 'edgeproxy', entry: `${ROOT}src/index.ts` }, ...args.variants]
    for (const w of epEntries) {
      const port = ports.get(w.name) as number
      workers.push({ name: w.name, script: await script(w.entry), port, bindings: { EDGEPROXY_ROUTEMAP: routeMapFor(port) }, edgeproxyBindings: args.bindings })
    }
    for (const w of [{ name: 'bare', entry: `${ROOT}bench/runtime/bare-worker.ts` }, ...args.bareVariants]) {
      workers.push({ name: w.name, script: await script(w.entry), port: ports.get(w.name) as number, bindings: { ORIGIN: `http://${origin}` } })
    }
    const workerdLog = new Map<string, number>()
    const workerd = await startWorkerd(workers, {
      persistTo: tempDir('bench-pair-state-'),
      compatibilityDate: compatibilityDate(),
      onLog: (level, message) => {
        if (/^\s+at /.test(message)) return
        const key = `${level}: ${message.split('\n')[0]?.slice(0, 200) ?? ''}`
        workerdLog.set(key, (workerdLog.get(key) ?? 0) + 1)
      },
    })
    if (args.bindings) for (const w of workers) if (w.edgeproxyBindings) await workerd.scheduled(w.name)
    const order = [...epNames, ...bareNames]
    // Sanity and warm-up: 300 requests each, then 1 s of wrk each.
    for (const n of order) {
      for (let k = 0; k < 300; k++) {
        const r = await fetch(`${workerd.url(n)}/`)
        await r.arrayBuffer()
        if (r.status !== 200) throw new Error(`${n} answered ${r.status}`)
      }
      await runWrk({ url: `${workerd.url(n)}/`, threads: args.threads, connections: args.connections, durationS: 1 })
    }
    const runs = new Map<string, WrkResult[]>(order.map((n) => [n, []]))
    // workerd's CPU time per request: less sensitive than req/s to other load on the machine.
    const cpu = new Map<string, number[]>(order.map((n) => [n, []]))
    const pid = workerdPid()
    for (let round = 0; round < args.rounds; round++) {
      const line: string[] = []
      for (const n of order) {
        const cpu0 = cpuMicros(pid)
        const r = await runWrk({ url: `${workerd.url(n)}/`, threads: args.threads, connections: args.connections, durationS: args.seconds })
        const us = (cpuMicros(pid) - cpu0) / r.requests
        runs.get(n)?.push(r)
        cpu.get(n)?.push(us)
        line.push(
          `${n} ${Math.round(r.rps)} (${Math.round(us)} µs workerd CPU/req, p50 ${r.latencyMs.p50} ms${r.non2xx3xx ? `, ${r.non2xx3xx} non-2xx` : ''}${r.socketErrors ? `, ${r.socketErrors} socket errors` : ''})`,
        )
      }
      const bare = runs.get('bare')?.[round]?.rps ?? Number.NaN
      const ratios = epNames.map((n) => `${n}/bare ${((runs.get(n)?.[round]?.rps ?? 0) / bare).toFixed(3)}`)
      log(`round ${round + 1}: ${line.join(', ')}; ${ratios.join(', ')}`)
    }
    const rps = (n: string) => (runs.get(n) ?? []).map((r) => r.rps)
    const bareRps = rps('bare')
    const summary: Record<string, { rps: number[]; medianRps: number; bestRps: number; medianRatio: number; bestRatio: number; cpuUsPerReq: number[]; medianCpuUsPerReq: number }> = {}
    for (const n of order) {
      const xs = rps(n)
      const perRound = xs.map((x, i) => x / (bareRps[i] ?? Number.NaN))
      summary[n] = {
        rps: xs.map(Math.round),
        medianRps: Math.round(median(xs)),
        bestRps: Math.round(Math.max(...xs)),
        medianRatio: Math.round(median(perRound) * 1000) / 1000,
        bestRatio: Math.round((Math.max(...xs) / Math.max(...bareRps)) * 1000) / 1000,
        cpuUsPerReq: (cpu.get(n) ?? []).map(Math.round),
        medianCpuUsPerReq: Math.round(median(cpu.get(n) ?? [])),
      }
      log(
        `${n.padEnd(16)} median ${summary[n].medianRps} req/s, best ${summary[n].bestRps}; /bare median-of-rounds ${summary[n].medianRatio}, best/best ${summary[n].bestRatio}; workerd CPU ${summary[n].medianCpuUsPerReq} µs/req`,
      )
    }
    if (workerdLog.size > 0) for (const [k, c] of [...workerdLog].sort((x, y) => y[1] - x[1]).slice(0, 8)) log(`workerd log ×${c}: ${k}`)
    if (args.json) process.stdout.write(`${JSON.stringify({ args, summary }, null, 2)}\n`)
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
