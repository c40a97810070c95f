/**
 * @module
 * `npm run bench:routemap-size [-- --quick] [--no-write]`: the size of a RouteMap with big `-f`
 * lists and maps (issue 14, hole 6), and what it costs an isolate to load it. Generates seeded
 * inputs (a 1,000,000-line `src -f` list of IPv4 addresses and networks, a 100,000-entry path map
 * used by `map_str` and `map_beg`, a 100,000-entry address map used by `map_ip`), compiles them,
 * and loads each RouteMap in a child process of its own (`node --expose-gc`) the way an isolate
 * does: the stored text parsed and validated (src/routemap/kv.ts `parseStoredRouteMap`), the
 * engine built (createEngine) and one request decided. It reports the RouteMap's bytes, the
 * load time, the V8 heap the loaded map and engine keep (after full collections, the text
 * dropped) and the budget estimate (src/routemap/budget.ts) next to it, and rewrites the
 * `routemap-size` section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileConfig } from '../src/config/compile.ts'
import { createEngine } from '../src/engine/index.ts'
import { engineNames } from '../src/engine/known-names.ts'
import { ISOLATE_ROUTEMAP_BUDGET, estimateLoadedBytes } from '../src/routemap/budget.ts'
import { parseStoredRouteMap } from '../src/routemap/kv.ts'
import { round } from './lib/stats.ts'
import { rngU32 as rng, v4 } from './lib/rng.ts'

export interface Inputs {
  readonly files: Readonly<Record<string, string>>
}

/** The issue's inputs: `lines` list entries (1 % networks /24–/31), `entries` per map. */
export function issueInputs(lines: number, entries: number): Inputs {
  const r = rng(14)
  const list: string[] = []
  for (let i = 0; i < lines; i++) list.push(i % 100 === 0 ? `${v4(r())}/${24 + (r() % 8)}` : v4(r()))
  const paths: string[] = []
  for (let i = 0; i < entries; i++) paths.push(`/p/${r().toString(36)}${r().toString(36)} be${i % 7}`)
  const ips: string[] = []
  for (let i = 0; i < entries; i++) ips.push(`${v4(r())}${i % 5 === 0 ? '/24' : ''} be${i % 7}`)
  const pathList = paths.map((l) => l.slice(0, l.indexOf(' ')))
  return { files: { 'ips.lst': `${list.join('\n')}\n`, 'paths.map': `${paths.join('\n')}\n`, 'ips.map': `${ips.join('\n')}\n`, 'paths.lst': `${pathList.join('\n')}\n` } }
}

/** The config, with the list ACL and/or the map converters. */
export function issueConfig(o: { list: boolean; maps: boolean; strings?: boolean }): string {
  return [
    'defaults',
    '  mode http',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout connect 5s',
    'frontend fe',
    '  bind 127.0.0.1:8080',
    ...(o.list ? ['  acl blocked src -f ips.lst', '  http-request deny if blocked'] : []),
    ...(o.strings ? ['  acl known path -f paths.lst', '  acl under path_beg -f paths.lst', '  http-request deny if known || under'] : []),
    ...(o.maps
      ? [
          '  http-request set-header X-Be %[path,map_str(paths.map,none)]',
          '  http-request set-header X-Beg %[path,map_beg(paths.map,none)]',
          '  http-request set-header X-Ip %[src,map_ip(ips.map,none)]',
        ]
      : []),
    '  default_backend be0',
    'backend be0',
    '  server s1 127.0.0.1:9001',
    '',
  ].join('\n')
}

interface LoadFigure {
  readonly parseMs: number
  readonly engineMs: number
  readonly heapMB: number
  readonly maxRssMB: number
}

const gc = (globalThis as { gc?: () => void }).gc

function heapUsed(): number {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
}

/** In the child: loads the RouteMap text at `file` as an isolate does; returns the figures. */
async function loadChild(file: string): Promise<LoadFigure> {
  const before = heapUsed()
  let text: string | undefined = readFileSync(file, 'utf8')
  const t0 = performance.now()
  const rm = parseStoredRouteMap(text, undefined, engineNames())
  if (typeof rm === 'string') throw new Error(rm)
  const t1 = performance.now()
  const engine = createEngine(rm)
  await engine.decide({ method: 'GET', url: 'http://127.0.0.1:8080/p/x', headers: [], src: '192.0.2.1' })
  const t2 = performance.now()
  text = undefined
  const after = heapUsed()
  if (!engine.hydrated) throw new Error('no engine')
  return { parseMs: round(t1 - t0, 1), engineMs: round(t2 - t1, 1), heapMB: round((after - before) / 2 ** 20, 1), maxRssMB: round(process.resourceUsage().maxRSS / 1024, 0) }
}

export interface SizeFigure {
  readonly name: string
  readonly routeMapBytes: number
  readonly compileMs: number
  readonly estimateMB: number
  readonly load: LoadFigure
}

function measure(name: string, cfg: string, inputs: Inputs, dir: string): SizeFigure {
  const t0 = performance.now()
  const r = compileConfig([{ name: 'big.cfg', text: cfg }], { readFile: (p) => inputs.files[p] })
  const compileMs = round(performance.now() - t0, 0)
  if (!r.routeMap) throw new Error(`${name}: ${r.diagnostics.map((d) => d.message).join('; ')}`)
  const text = JSON.stringify(r.routeMap)
  const file = join(dir, `${name}.json`)
  writeFileSync(file, text)
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', file], { encoding: 'utf8', maxBuffer: 1 << 20 })
  const load = JSON.parse(out) as LoadFigure
  return { name, routeMapBytes: text.length, compileMs, estimateMB: round(estimateLoadedBytes(r.routeMap) / 2 ** 20, 1), load }
}

export function runRouteMapSize(quick: boolean): SizeFigure[] {
  const scale = quick ? 10 : 1
  const inputs = issueInputs(1_000_000 / scale, 100_000 / scale)
  const dir = join(tmpdir(), `edgeproxy-routemap-size-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  try {
    return [
      measure('empty', issueConfig({ list: false, maps: false }), inputs, dir),
      measure('list', issueConfig({ list: true, maps: false }), inputs, dir),
      measure('maps', issueConfig({ list: false, maps: true }), inputs, dir),
      measure('issue', issueConfig({ list: true, maps: true }), inputs, dir),
      measure('strings', issueConfig({ list: false, maps: false, strings: true }), inputs, dir),
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const LABELS: Readonly<Record<string, string>> = {
  empty: 'no list, no map (baseline)',
  list: '1,000,000-line `src -f` list',
  maps: '100,000-entry maps (`map_str`+`map_beg`, `map_ip`)',
  issue: 'the list and the maps (the issue)',
  strings: '100,000-line `path -f` and `path_beg -f` lists',
}

export function markdown(figs: readonly SizeFigure[], quick: boolean): string {
  const mb = (b: number): string => (b / 2 ** 20).toFixed(1)
  const out = [
    `Measured by \`npm run bench:routemap-size\`${quick ? ' (quick: a tenth of the inputs)' : ''} on ${new Date().toISOString().slice(0, 10)}; budget ${mb(ISOLATE_ROUTEMAP_BUDGET)} MB per isolate (src/routemap/budget.ts).`,
    '',
    '| RouteMap | bytes (KV) | compile | load: parse + validate + hash | engine | heap kept | estimate | peak RSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const f of figs) {
    out.push(
      `| ${LABELS[f.name] ?? f.name} | ${mb(f.routeMapBytes)} MB | ${f.compileMs} ms | ${f.load.parseMs} ms | ${f.load.engineMs} ms | ${f.load.heapMB} MB | ${f.estimateMB} MB | ${f.load.maxRssMB} MB |`,
    )
  }
  return out.join('\n')
}

function writeSection(md: string): void {
  const path = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url))
  const text = readFileSync(path, 'utf8')
  const begin = '<!-- routemap-size:begin -->'
  const end = '<!-- routemap-size:end -->'
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  if (i < 0 || j < i) throw new Error(`${path} has no ${begin} … ${end} block`)
  const k = text.indexOf('<!-- routemap-size:figures -->', i)
  if (k < 0 || k > j) throw new Error(`${path}: no <!-- routemap-size:figures --> line in the routemap-size block`)
  writeFileSync(path, `${text.slice(0, k)}<!-- routemap-size:figures -->\n${md}\n${text.slice(j)}`)
}

const argv = process.argv.slice(2)
if (argv[0] === '--child') {
  process.stdout.write(JSON.stringify(await loadChild(argv[1] as string)))
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = argv.includes('--quick')
  const figs = runRouteMapSize(quick)
  const md = markdown(figs, quick)
  process.stdout.write(`${md}\n`)
  if (!argv.includes('--no-write') && !quick) writeSection(md)
}
