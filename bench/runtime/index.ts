/**
 * @module
 * Runtime benchmarks (issue 6, parts 2–4), on loopback in one run:
 * 1. throughput: nginx direct, HAProxy 2.6, edgeproxy in workerd and a bare pass-through Worker in
 *    the same workerd (wrk, same parameters), with p50/p99 and the edgeproxy/bare ratio;
 * 2. state costs: Durable Object calls per request, counted by a wrapper Worker, for no stick
 *    table, exact and fast tracking, the latency each adds, and health snapshot refreshes;
 * 3. failover: `inter 1s fall 2 rise 2`, time to the last request routed to a downed origin and to
 *    the first request after it came back.
 * Every Worker runs in one workerd (Miniflare 5) on its own direct socket: no `edgeproxy dev`
 * listener and no Miniflare entry Worker in front. Every process started here is stopped at the end
 * (and at exit). Figures only: nothing here asserts on timings.
 *
 * `node bench/runtime/index.ts [--quick]` prints the RuntimeResults JSON (progress on stderr).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bundleEntry, freePort, runCleanups, startHaproxy, startNginx, startWorkerd, tempDir, type WorkerSpec } from '../lib/procs.ts'
import { compile, failoverConfig, seedConfig, trackingConfig } from './configs.ts'
import { measureFailover, Origin } from './failover.ts'
import { measureStateCosts } from './state-costs.ts'
import { CONNECTIONS, measureThroughput, THREADS } from './throughput.ts'
import type { FailoverRun, RuntimeResults } from './types.ts'

export type { RuntimeResults } from './types.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function compatibilityDate(): string {
  const m = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(`${ROOT}wrangler.toml`, 'utf8'))
  return m?.[1] ?? '2026-11-01'
}

/** The pass-through Worker plus a JS pump of the body through a FixedLengthStream (diagnostic). */
const BARE_PUMP = `export default {
  async fetch(request, env) {
    const u = new URL(request.url)
    const res = await fetch(new URL(u.pathname + u.search, env.ORIGIN), request)
    const length = Number(res.headers.get('content-length'))
    if (!res.body || !Number.isSafeInteger(length)) return res
    const { readable, writable } = new FixedLengthStream(length)
    const writer = writable.getWriter()
    const reader = res.body.getReader()
    void (async () => {
      for (;;) {
        const r = await reader.read()
        if (r.done) return writer.close()
        await writer.write(r.value)
      }
    })()
    return new Response(readable, res)
  },
}
`

export async function runRuntime(opts: { quick: boolean }): Promise<RuntimeResults> {
  const started = Date.now()
  const log = (line: string) => process.stderr.write(`[runtime ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`)
  const quick = opts.quick
  try {
    const nginx = await startNginx({ bodyBytes: 64 })
    const origin = `127.0.0.1:${nginx.port}`
    const port = { ep: 0, bare: 0, pump: 0, none: 0, exact: 0, fast: 0, fail: 0, ha: 0, haKa: 0, stats: 0 }
    for (const k of Object.keys(port) as (keyof typeof port)[]) port[k] = await freePort()

    // Configurations: edgeproxy and HAProxy run the same text (only the bind port differs).
    const seedFor = (p: number, keepAlive = false) => seedConfig({ port: p, statsPort: port.stats, origin, keepAlive })
    const seedEp = compile('seed.cfg', seedFor(port.ep))
    const track = {
      none: trackingConfig({ port: port.none, origin, stick: 'none' }),
      exact: trackingConfig({ port: port.exact, origin, stick: 'exact' }),
      fast: trackingConfig({ port: port.fast, origin, stick: 'fast' }),
    }
    const a = await new Origin('a').start()
    const b = await new Origin('b').start()
    const failText = failoverConfig({ port: port.fail, a: `127.0.0.1:${a.port}`, b: `127.0.0.1:${b.port}` })

    const [epScript, bareScript, countingScript] = await Promise.all([
      bundleEntry(`${ROOT}src/index.ts`),
      bundleEntry(`${ROOT}bench/runtime/bare-worker.ts`),
      bundleEntry(`${ROOT}bench/runtime/counting-worker.ts`),
    ])
    const rm = (name: string, text: string) => ({ EDGEPROXY_ROUTEMAP: JSON.stringify(compile(name, text)) })
    const workers: WorkerSpec[] = [
      { name: 'edgeproxy', script: epScript, port: port.ep, bindings: { EDGEPROXY_ROUTEMAP: JSON.stringify(seedEp) }, edgeproxyBindings: true },
      { name: 'bare', script: bareScript, port: port.bare, bindings: { ORIGIN: `http://${origin}` } },
      ...(quick ? [] : [{ name: 'bare-pump', script: BARE_PUMP, port: port.pump, bindings: { ORIGIN: `http://${origin}` } }]),
      { name: 'count-none', script: countingScript, port: port.none, bindings: rm('none.cfg', track.none), edgeproxyBindings: true },
      { name: 'count-exact', script: countingScript, port: port.exact, bindings: rm('exact.cfg', track.exact), edgeproxyBindings: true },
      { name: 'count-fast', script: countingScript, port: port.fast, bindings: rm('fast.cfg', track.fast), edgeproxyBindings: true },
      { name: 'failover', script: epScript, port: port.fail, bindings: rm('failover.cfg', failText), edgeproxyBindings: true },
    ]
    // workerd's log lines (console output of the Workers, runtime warnings), counted by text.
    const workerdLog = new Map<string, number>()
    let phase = 'start'
    const onLog = (level: string, message: string) => {
      if (/^\s+at /.test(message)) return
      const key = `[${phase}] ${level}: ${message.split('\n')[0]?.slice(0, 200) ?? ''}`
      workerdLog.set(key, (workerdLog.get(key) ?? 0) + 1)
    }
    const workerd = await startWorkerd(workers, { persistTo: tempDir('bench-runtime-state-'), compatibilityDate: compatibilityDate(), onLog })
    // The cron never fires locally: run the watchdog once so each Worker's health monitors start.
    for (const w of workers) if (w.edgeproxyBindings) await workerd.scheduled(w.name)
    const haproxy = await startHaproxy(seedFor(port.ha), port.ha)
    const haproxyKa = quick ? undefined : await startHaproxy(seedFor(port.haKa, true), port.haKa)
    log(`ready: nginx :${nginx.port}, haproxy :${port.ha}, workerd (${workers.length} Workers)`)

    phase = 'throughput'
    const throughput = await measureThroughput({
      quick,
      originUrl: `http://${origin}`,
      haproxyUrl: `http://127.0.0.1:${port.ha}`,
      ...(haproxyKa ? { haproxyKeepAliveUrl: `http://127.0.0.1:${port.haKa}` } : {}),
      edgeproxyUrl: workerd.url('edgeproxy'),
      bareUrl: workerd.url('bare'),
      ...(quick ? {} : { barePumpUrl: workerd.url('bare-pump') }),
      config:
        'examples/haproxy.cfg (the seed config) with every server at the nginx origin, the binds on free ports, and without the rate limit ' +
        '(stick-table, track-sc0, deny), the stats socket and the access log (log stdout / log global); ' +
        '5 backends, 11 checked servers, ACL routing, cookie insert, HSTS, forwardfor, X-Real-IP. Requests hit / → web_servers (roundrobin, cookie)',
      log,
    })
    await haproxy.stop()
    await haproxyKa?.stop()

    phase = 'state costs'
    const stateCosts = await measureStateCosts({
      quick,
      urls: { none: workerd.url('count-none'), exact: workerd.url('count-exact'), fast: workerd.url('count-fast') },
      configs: track,
      threads: THREADS,
      connections: CONNECTIONS,
      log,
      phase: (p) => {
        phase = p
      },
    })

    phase = 'failover'
    const runs: FailoverRun[] = []
    for (const how of quick ? (['fail'] as const) : (['fail', 'kill'] as const)) {
      runs.push(
        await measureFailover({
          url: workerd.url('failover'),
          a,
          b,
          how,
          intervalMs: 20,
          quietMs: quick ? 800 : 1500,
          log,
          phase: (p) => {
            phase = p
          },
        }),
      )
    }
    const targetMs = 1000 * 2 + 1000
    await workerd.dispose()
    await a.close()
    await b.close()
    await nginx.stop()

    return {
      mode: quick ? 'quick' : 'full',
      startedAt: new Date(started).toISOString(),
      durationSec: Math.round((Date.now() - started) / 100) / 10,
      runtime: 'workerd through Miniflare 5 (convertV4MiniflareOptions), each Worker on its own direct socket (unsafeDirectSockets), EDGEPROXY_DEV unset',
      throughput,
      stateCosts,
      failover: {
        config: failText.trim().replace(/\n\s*/g, '; '),
        interMs: 1000,
        fall: 2,
        rise: 2,
        targetMs,
        requestIntervalMs: 20,
        runs,
        met: runs.every((r) => r.failoverMs !== null && r.failoverMs <= targetMs),
      },
      workerdLog: Object.fromEntries([...workerdLog].sort((x, y) => y[1] - x[1])),
      caveats: [
        'Loopback on a small shared machine: wrk, nginx, HAProxy and workerd compete for the same cores; compare ratios within one run, not absolute figures across runs.',
        'workerd runs each Worker on one thread; HAProxy uses nbthread = cores (its default); nginx runs 1 worker process.',
        'HAProxy runs the seed config as written, with option http-server-close (a new origin connection per request); full mode also measures it with option http-keep-alive.',
        'All requests come from 127.0.0.1: one stick-table key, one shard.',
        'Local Durable Objects are in the same workerd process: a DO call costs a local RPC and SQLite, not a network round trip as at the edge.',
        'Throughput uses the bundle of src/ as it is when the run starts (work in progress included).',
        'Failover is measured with one request every 20 ms: the times have ±20 ms resolution (plus the 20 ms polling of the waits).',
      ],
    }
  } finally {
    await runCleanups()
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick')
  runRuntime({ quick })
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
      process.exit(0)
    })
    .catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
      process.exit(1)
    })
}
