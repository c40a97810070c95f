/**
 * @module
 * Pipeline cost: the CPU the Worker spends on edgeproxy's own work per request, without the
 * network and without the runtime's Request/Response/Headers objects. Per request it does what
 * src/proxy/handler.ts does around the origin fetch through the engine's transaction (engine.begin):
 * decide, admit (and the release at the end), the response head (stick counters, storeResponse,
 * http-response rules, cookie insertion, http-after-response), or the local page. Requests are EngineRequest objects built beforehand from fixed lists of paths, hosts,
 * headers and client addresses (what toEngineRequest would produce).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createEngine, type Decision, type Engine, type EngineRequest } from '../../src/engine/index.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'
import { keep, round, timeBatchesAsync } from '../lib/stats.ts'
import { compileOrThrow, SYN_BACKENDS, SYN_PER_KIND, seedNoStickText, seedText, syntheticConfig } from './configs.ts'
import type { PipelineFigure } from './types.ts'
import { rngU32 as rng } from '../lib/rng.ts'

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[r() % xs.length] as T

const UAS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'curl/8.5.0', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)']

/** Headers most browser requests carry (what toEngineRequest passes on, cf-* included). */
function baseHeaders(r: () => number, host: string, src: string): [string, string][] {
  return [
    ['host', host],
    ['user-agent', pick(r, UAS)],
    ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    ['accept-encoding', 'gzip, br'],
    ['accept-language', 'en-US,en;q=0.9'],
    ['cf-connecting-ip', src],
    ['cf-ray', `8f${(r() % 0xffffff).toString(16)}-CDG`],
    ['x-forwarded-proto', 'http'],
  ]
}

function clientIps(r: () => number, n: number): string[] {
  return Array.from({ length: n }, () => `${(r() % 200) + 11}.${r() % 256}.${r() % 256}.${(r() % 254) + 1}`)
}

/** The seed config's traffic on :8080: web (with and without SERVERID), API, static, canary, websocket. */
export function seedRequests(n: number): EngineRequest[] {
  const r = rng(1)
  const ips = clientIps(r, 512)
  const paths = ['/', '/index.html', '/cart', '/products/42?ref=home', '/api/items', '/api/items/7?fields=name', '/app.css', '/static/app.js', '/img/logo.png', '/fonts/a.woff2']
  return Array.from({ length: n }, (_, i) => {
    const src = pick(r, ips)
    const headers = baseHeaders(r, 'localhost:8080', src)
    const k = i % 20
    if (k < 6) headers.push(['cookie', `SERVERID=${pick(r, ['web1', 'web2', 'web3'])}; _ga=GA1.2.3`])
    if (k === 7) headers.push(['x-canary', 'true'])
    if (k === 8) headers.push(['upgrade', 'websocket'], ['connection', 'Upgrade'])
    if (k === 9) headers.push(['cookie', 'canary=true'])
    return { method: 'GET', url: `http://localhost:8080${pick(r, paths)}`, headers, src, version: '1.1' }
  })
}

/** Requests to the synthetic config: by path, by host, by tenant parameter and network, and unmatched. */
export function syntheticRequests(n: number): EngineRequest[] {
  const r = rng(2)
  const ips = clientIps(r, 512)
  return Array.from({ length: n }, (_, i) => {
    const svc = r() % SYN_PER_KIND
    const kind = i % 4
    let src = pick(r, ips)
    let host = 'www.example.org'
    let url: string
    if (kind === 0) url = `http://www.example.org/svc${svc}/items/${r() % 1000}`
    else if (kind === 1) {
      host = `svc${svc}.example.com`
      url = `http://${host}/index.html?userid=${r() % 5000}`
    } else if (kind === 2) {
      src = `10.${svc}.${r() % 8}.${(r() % 250) + 1}`
      url = `http://www.example.org/data?tenant=t${svc}&userid=${r() % 5000}`
    } else url = `http://www.example.org/unknown/${r() % 1000}?q=${r() % 100}`
    const headers = baseHeaders(r, host, src)
    if (i % 10 === 0) headers.push(['cookie', `SRV=s${r() % 4}`])
    return { method: i % 16 === 0 ? 'POST' : 'GET', url, headers, src, version: '1.1' }
  })
}

const ORIGIN_HEADERS: readonly (readonly [string, string])[] = [
  ['content-type', 'text/html; charset=utf-8'],
  ['content-length', '1234'],
  ['date', 'Wed, 25 Nov 2026 12:00:00 GMT'],
  ['cache-control', 'private, max-age=0'],
  ['etag', '"abc123"'],
]

/**
 * One request through the engine's transaction as src/proxy/handler.ts runs it, the origin
 * answering 200 with ORIGIN_HEADERS. Returns the decision kind (the mix) and the final status.
 */
export async function onePass(engine: Engine, req: EngineRequest, now: number): Promise<string> {
  const txn = engine.begin(req, { now: () => now })
  const d: Decision = await txn.decide()
  switch (d.kind) {
    case 'respond': {
      const page = await txn.localPage()
      txn.endLocal(page)
      return `respond ${page.status}`
    }
    case 'stats':
    case 'service':
      txn.end({ head: { status: 200, headers: [] }, bodyBytes: 0, stickBytes: 0 })
      return d.kind
    case 'forward': {
      const adm = await txn.admit()
      if (adm.kind === 'refused') return 'queue timeout'
      const out = await txn.responseHead(
        200,
        ORIGIN_HEADERS.map(([k, v]) => [k, v]),
        adm.server,
        false,
      )
      // The handler copies the head into a Headers object here (runtime work, not measured).
      if (out.kind === 'origin') keep(out.head.headers.entries().length)
      txn.end({ head: { status: 200, headers: [] }, bodyBytes: 1234 })
      return out.kind === 'origin' ? `forward ${d.backend}` : `local ${out.response.status}`
    }
  }
}

export interface PipelineOptions {
  readonly quick: boolean
}

/**
 * The engine with a simulated clock that moves 1 ms per request (an isolate serving 1,000
 * requests/s): the seed's 512 clients then make about 20 requests per 10 s each, under its
 * rate limit (200), as real traffic from that many clients would.
 */
function engineFor(routeMap: RouteMap): { engine: Engine; tick: () => number } {
  let t = 1_700_000_000_000
  const engine = createEngine(routeMap, { now: () => t, random32: rng(7) })
  return { engine, tick: () => ++t }
}

async function measure(routeMap: RouteMap, reqs: readonly EngineRequest[], opts: PipelineOptions): Promise<PipelineFigure> {
  const { engine, tick } = engineFor(routeMap)
  const batch = 2000
  const res = await timeBatchesAsync((i) => onePass(engine, reqs[i % reqs.length] as EngineRequest, tick()), {
    batch,
    batches: opts.quick ? 40 : 400,
    warmup: opts.quick ? 5 : 20,
    maxMs: opts.quick ? 2000 : 20_000,
  })
  // The mix as the timed requests met it (after warm-up and the timed batches: state has built up).
  const mix: Record<string, number> = {}
  for (const r of reqs) {
    const k = await onePass(engine, r, tick())
    const key = k.startsWith('forward ') ? `forward ${k.slice(8).replace(/^be\d+$/, 'beN')}` : k
    mix[key] = (mix[key] ?? 0) + 1
  }
  return {
    medianUs: round(res.medianNs / 1000, 3),
    p99Us: round(res.p99Ns / 1000, 3),
    minUs: round(res.minNs / 1000, 3),
    iterations: res.iterations,
    batch,
    mix,
  }
}

export type PipelineCase = 'seed' | 'seedNoStick' | 'synthetic'
export const PIPELINE_CASES: readonly PipelineCase[] = ['seed', 'seedNoStick', 'synthetic']

/** One case in this process. */
export async function runPipelineCase(which: PipelineCase, opts: PipelineOptions): Promise<PipelineFigure> {
  switch (which) {
    case 'seed':
      return measure(compileOrThrow('examples/haproxy.cfg', seedText()), seedRequests(4096), opts)
    case 'seedNoStick':
      return measure(compileOrThrow('examples/haproxy.cfg', seedNoStickText()), seedRequests(4096), opts)
    case 'synthetic': {
      const syn = syntheticConfig()
      const routeMap = compileOrThrow('synthetic.cfg', syn.text, syn.files)
      if (routeMap.backends.length !== SYN_BACKENDS) throw new Error('synthetic config: unexpected backend count')
      return measure(routeMap, syntheticRequests(4096), opts)
    }
  }
}

const SELF = fileURLToPath(import.meta.url)

/**
 * Every case, each in a fresh process by default, as a Worker isolate runs one config: in one
 * process the engine's functions would see every config's shapes and the JIT would tune them for
 * none (the later cases then measure slower).
 */
export async function runPipeline(opts: PipelineOptions & { readonly inProcess?: boolean }): Promise<Record<PipelineCase, PipelineFigure>> {
  const out: Partial<Record<PipelineCase, PipelineFigure>> = {}
  for (const which of PIPELINE_CASES) {
    if (!opts.inProcess) {
      const r = spawnSync(process.execPath, [SELF, which, ...(opts.quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: 300_000 })
      const line = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined
      if (line) {
        out[which] = JSON.parse(line) as PipelineFigure
        continue
      }
    }
    out[which] = await runPipelineCase(which, opts)
  }
  return out as Record<PipelineCase, PipelineFigure>
}

if (process.argv[1] && SELF === process.argv[1]) {
  const which = process.argv[2] as PipelineCase
  if (!PIPELINE_CASES.includes(which)) {
    process.stderr.write(`usage: node bench/micro/pipeline.ts ${PIPELINE_CASES.join('|')} [--quick]\n`)
    process.exit(2)
  }
  process.stdout.write(`${JSON.stringify(await runPipelineCase(which, { quick: process.argv.includes('--quick') }))}\n`)
}
