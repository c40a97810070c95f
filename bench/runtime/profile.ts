/**
 * @module
 * Where edgeproxy's CPU goes in workerd: runs the seed config (as bench/runtime/pair.ts does) in one
 * workerd with its V8 inspector open, puts wrk load on the Worker and records a V8 CPU profile of
 * the Worker's isolate meanwhile. Prints the functions with the most self time (JS functions and
 * the runtime's native API calls they make, which V8 shows as their own frames) and the share of
 * each source file; writes the profile for DevTools.
 *
 * `node bench/runtime/profile.ts [options]`
 * - `--seconds N` wrk duration while profiling (default 5)
 * - `--entry FILE.ts` the Worker entry to profile (default src/index.ts)
 * - `--bare` profile the bare pass-through Worker (bench/runtime/bare-worker.ts) instead
 * - `--inloop DIR` profile bench/runtime/inloop.ts' Worker for the source tree in DIR (the handler
 *   run 20 times per request in front of an origin stub: no network, no origin)
 * - `--top N` functions listed (default 40)
 * - `--out FILE` where to write the .cpuprofile (default a temporary directory)
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleEntry, freePort, runCleanups, runWrk, startNginx, startWorkerd, tempDir } from '../lib/procs.ts'
import { compile, seedConfig } from './configs.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  hitCount?: number
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function cdp(url: string): Promise<{ send(method: string, params?: object): Promise<Record<string, unknown>>; close(): void }> {
  const ws = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve())
    ws.addEventListener('error', (e) => reject(new Error(`inspector: ${String((e as ErrorEvent).message ?? e)}`)))
  })
  let id = 0
  const waiting = new Map<number, (r: Record<string, unknown>) => void>()
  ws.addEventListener('message', (m) => {
    const msg = JSON.parse(String(m.data)) as { id?: number; result?: Record<string, unknown>; error?: unknown }
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.error ? { error: msg.error } : (msg.result ?? {}))
  })
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const n = ++id
        waiting.set(n, resolve)
        ws.send(JSON.stringify({ id: n, method, params }))
      }),
    close: () => ws.close(),
  }
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt
}

async function main(): Promise<void> {
  const seconds = Number(arg('--seconds', '5'))
  const bare = process.argv.includes('--bare')
  const inloop = process.argv.includes('--inloop') ? resolve(arg('--inloop', '.')) : undefined
  const entry = bare ? `${ROOT}bench/runtime/bare-worker.ts` : inloop ? `${inloop}/.inloop-entry.ts` : arg('--entry', `${ROOT}src/index.ts`)
  const top = Number(arg('--top', '40'))
  const out = arg('--out', `${tempDir('bench-profile-')}/edgeproxy.cpuprofile`)
  try {
    const nginx = await startNginx({ bodyBytes: 64 })
    const origin = `127.0.0.1:${nginx.port}`
    const statsPort = await freePort()
    let port = await freePort()
    while (port === statsPort) port = await freePort()
    const inspectorPort = await freePort()
    const routeMap = JSON.stringify(compile('seed.cfg', seedConfig({ port, statsPort, origin, stick: 'none' })))
    const bindings: Record<string, string> = bare ? { ORIGIN: `http://${origin}` } : { EDGEPROXY_ROUTEMAP: routeMap }
    if (inloop) writeFileSync(entry, readFileSync(`${ROOT}bench/runtime/inloop/entry.template.ts`, 'utf8').replaceAll("'../../../src/", "'./src/"))
    let script: string
    try {
      script = await bundleEntry(entry)
    } finally {
      if (inloop) rmSync(entry, { force: true })
    }
    const workerd = await startWorkerd([{ name: 'edgeproxy', script, port, bindings, edgeproxyBindings: !bare && !inloop }], {
      persistTo: tempDir('bench-profile-state-'),
      compatibilityDate: '2026-11-01',
      inspectorPort,
    })
    if (!bare && !inloop) await workerd.scheduled('edgeproxy')
    const url = `${workerd.url('edgeproxy')}/${inloop ? '?mode=handle&n=20' : ''}`
    await runWrk({ url, threads: 2, connections: 16, durationS: 2 })
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as { id: string; title?: string; webSocketDebuggerUrl: string }[]
    const target = targets.find((t) => t.id.includes('edgeproxy') || t.title?.includes('edgeproxy')) ?? targets[0]
    if (!target) throw new Error('no inspector target')
    const c = await cdp(target.webSocketDebuggerUrl.replace('localhost', '127.0.0.1'))
    await c.send('Profiler.enable')
    await c.send('Profiler.setSamplingInterval', { interval: 100 })
    await c.send('Profiler.start')
    const r = await runWrk({ url, threads: 2, connections: 16, durationS: seconds })
    const { profile } = (await c.send('Profiler.stop')) as unknown as { profile: Profile }
    c.close()
    writeFileSync(out, JSON.stringify(profile))
    const byId = new Map(profile.nodes.map((n) => [n.id, n]))
    const self = new Map<number, number>()
    const deltas = profile.timeDeltas ?? []
    const samples = profile.samples ?? []
    for (let i = 0; i < samples.length; i++) self.set(samples[i] as number, (self.get(samples[i] as number) ?? 0) + (deltas[i + 1] ?? 0))
    const total = profile.endTime - profile.startTime
    const fn = new Map<string, number>()
    const file = new Map<string, number>()
    for (const [id, us] of self) {
      const n = byId.get(id)
      if (!n) continue
      const f = n.callFrame
      const where = f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''
      const k = `${f.functionName || '(anonymous)'} ${where}`
      fn.set(k, (fn.get(k) ?? 0) + us)
      const fk = f.url ? (f.url.split('/').pop() ?? f.url) : f.functionName
      file.set(fk, (file.get(fk) ?? 0) + us)
    }
    const perReq = (us: number) => (us / (r.requests * (inloop ? 20 : 1))).toFixed(1)
    process.stdout.write(`${r.requests} requests in ${(total / 1e6).toFixed(1)} s (${Math.round(r.rps)} req/s); µs of isolate time per request, self time:\n`)
    for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${perReq(us).padStart(7)}  ${k}\n`)
    process.stdout.write('by file:\n')
    for (const [k, us] of [...file].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`${perReq(us).padStart(7)}  ${k}\n`)
    process.stdout.write(`profile: ${out}\n`)
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
