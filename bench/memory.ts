/**
 * @module
 * `npm run bench:memory [-- --keys N] [--dev-keys N] [--no-dev] [--no-write]`: memory under a
 * key-spraying attack (issue 14, hole 6). A stick table `size 20k` (`type ip`, `track-sc0 src`,
 * and `type string`, `track-sc0 hdr(x-key)`) fed 20,480 then N (default 243,000) distinct keys:
 * - in Node, the Worker's isolate code and the StickTable objects' real core (bench/memory/cores.ts):
 *   the V8 heap of the isolate and of each object after gc, and what src/state/budget.ts counts;
 * - under `edgeproxy dev`, workerd's RSS before and after the attack (--dev-keys, default 50,000:
 *   the dev listener takes ~1,000 requests/s), with a frontend without a stick table as control;
 * - the Worker's own V8 heap inside workerd (Miniflare's inspector, --workerd-keys, default
 *   243,000), with and without the table.
 * `--no-node` / `--no-dev` / `--no-workerd` keep those figures from bench/memory-results.json.
 * Prints the figures, writes them to bench/memory-results.json and rewrites BENCHMARKS.md between `<!-- memory:begin -->` and
 * `<!-- memory:end -->`. Needs node --expose-gc (the npm script passes it).
 */
import './sim/hooks.ts'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import type { Point } from './memory/measure.ts'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const { measure, SCENARIOS, mb } = await import('./memory/measure.ts')

// `--point SCENARIO KEYS`: one measurement, in a process of its own (a fresh heap: what an earlier
// rig left reachable for a while cannot blur it), printed as JSON.
const point = process.argv.indexOf('--point')
if (point >= 0) {
  const s = SCENARIOS[Number(process.argv[point + 1])]
  if (!s) throw new Error('no such scenario')
  const [p] = await measure(s, [Number(process.argv[point + 2])], (l) => void process.stderr.write(`${l}\n`))
  process.stdout.write(JSON.stringify(p))
  process.exit(0)
}

const { devFigures } = await import('./memory/dev.ts')
const budget = await import('../src/state/budget.ts')

const keys = Number(arg('--keys') ?? 243_000)
const devKeys = Number(arg('--dev-keys') ?? 50_000)
const log = (l: string): void => void process.stderr.write(`${l}\n`)

// The figures also go to bench/memory-results.json; --no-node, --no-dev and --no-workerd keep
// those found there.
const resultsPath = new URL('./memory-results.json', import.meta.url).pathname
const previous = (() => {
  try {
    return JSON.parse(readFileSync(resultsPath, 'utf8')) as {
      node?: { scenario: string; points: Point[] }[]
      dev?: Awaited<ReturnType<typeof devFigures>>
      workerd?: import('./memory/workerd-heap.ts').WorkerdHeap[]
    }
  } catch {
    return {}
  }
})()

const nodeRuns: { scenario: string; points: Point[] }[] = process.argv.includes('--no-node') ? (previous.node ?? []) : []
for (const [i, s] of SCENARIOS.entries()) {
  if (process.argv.includes('--no-node')) break
  const points = [20_480, keys].map((n) => {
    const out = execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--point', String(i), String(n)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
    return JSON.parse(out) as Point
  })
  nodeRuns.push({ scenario: s.name, points })
}
const dev = process.argv.includes('--no-dev') ? (previous.dev ?? []) : await devFigures(devKeys, 18_470, log)
const { workerdHeap } = await import('./memory/workerd-heap.ts')
const { ipKey } = await import('./memory/plane.ts')
const workerdKeys = Number(arg('--workerd-keys') ?? 243_000)
const ipTable = `defaults\n    mode http\nfrontend fe\n    bind :80\n    stick-table type ip size 20k expire 30s store http_req_rate(10s),gpc0\n    http-request set-src hdr(x-forwarded-for)\n    http-request track-sc0 src\n    http-request return status 200\n`
const plain = `defaults\n    mode http\nfrontend fe\n    bind :80\n    http-request set-src hdr(x-forwarded-for)\n    http-request return status 200\n`
const workerd = process.argv.includes('--no-workerd')
  ? (previous.workerd ?? [])
  : [
      await workerdHeap('type ip size 20k, track-sc0 src', ipTable, workerdKeys, 'x-forwarded-for', ipKey, 9_393),
      await workerdHeap('no stick table (the control)', plain, workerdKeys, 'x-forwarded-for', ipKey, 9_393),
    ]
for (const w of workerd) log(`workerd user isolate, ${w.config}: heap ${mb(w.before)} → ${mb(w.after)} MB after ${w.keys} keys`)
writeFileSync(resultsPath, `${JSON.stringify({ date: new Date().toISOString(), keys, node: nodeRuns, dev, workerd }, null, 2)}\n`)

const lines: string[] = []
lines.push('## Memory under a key-spraying attack (`npm run bench:memory`)')
lines.push('')
lines.push(
  `Run ${new Date().toISOString().slice(0, 10)}. A stick table \`size 20k expire 30s store http_req_rate(10s),gpc0\` (fast mode, one location), fed distinct keys, one request each. Budgets (src/state/budget.ts): the isolate's stick state ≤ ${mb(budget.ISOLATE_STATE_BUDGET_BYTES)} MB, each StickTable object ≤ ${mb(budget.OBJECT_BUDGET_BYTES)} MB (entries ${mb(budget.OBJECT_ENTRIES_BUDGET_BYTES)} MB, each queue ${mb(budget.OBJECT_QUEUE_BUDGET_BYTES)} MB); the edge gives each 128 MB.`,
)
lines.push('')
lines.push(
  "**The real cores in Node** (bench/memory/cores.ts: `createIsolate` + `serveRequest`, the objects' StickObject; V8 heap after gc, grown since the first request; an object weighed by dropping it, the isolate as what remains):",
)
lines.push('')
lines.push('| table | keys | isolate heap (counted) | replica `fe:0@local` heap (counted) | home `fe:0` heap (counted) | entries: isolate / replica / home |')
lines.push('| --- | --- | --- | --- | --- | --- |')
for (const r of nodeRuns) {
  for (const p of r.points) {
    const rep = p.objects['fe:0@local']
    const home = p.objects['fe:0']
    const f = (o: { heap: number; counted: number } | undefined): string => (o ? `${mb(o.heap)} MB (${mb(o.counted)} MB)` : '—')
    lines.push(
      `| ${r.scenario} | ${p.keys.toLocaleString('en-US')} | ${mb(p.isolate)} MB (${mb(p.isolateCounted.bytes + p.isolateCounted.queuedBytes)} MB) | ${f(rep)} | ${f(home)} | ${p.isolateCounted.entries} / ${rep?.entries ?? 0} / ${home?.entries ?? 0} |`,
    )
  }
}
if (dev.length > 0) {
  lines.push('')
  lines.push(
    `**workerd under \`edgeproxy dev\`** (the Worker and all its objects in one process; RSS, keep-alive connections from loopback, ${(dev[0]?.keys ?? devKeys).toLocaleString('en-US')} keys):`,
  )
  lines.push('')
  lines.push('| frontend | RSS before | RSS after | requests/s |')
  lines.push('| --- | --- | --- | --- |')
  for (const d of dev) lines.push(`| ${d.frontend} | ${mb(d.before)} MB | ${mb(d.after)} MB | ${Math.round(d.keys / d.seconds)} |`)
  lines.push('')
  lines.push("The control (no stick table) grows about as much: workerd's RSS under load is mostly its native memory, not the Worker's heap (next table) nor the tables.")
}
if (workerd.length > 0) {
  lines.push('')
  lines.push(
    `**The Worker's V8 heap inside workerd** (bench/memory/workerd-heap.ts: the bundled Worker in Miniflare with the inspector, the attack dispatched to it directly; used heap after a forced GC. Locally the Worker and its StickTable objects share this isolate; workerd compresses pointers, so sizes are smaller than Node's):`,
  )
  lines.push('')
  lines.push('| config | keys | heap before | heap after |')
  lines.push('| --- | --- | --- | --- |')
  for (const w of workerd) lines.push(`| ${w.config} | ${w.keys.toLocaleString('en-US')} | ${mb(w.before)} MB | ${mb(w.after)} MB |`)
}
const section = lines.join('\n')
process.stdout.write(`${section}\n`)

if (!process.argv.includes('--no-write')) {
  const path = new URL('../BENCHMARKS.md', import.meta.url).pathname
  const text = readFileSync(path, 'utf8')
  const begin = '<!-- memory:begin -->'
  const end = '<!-- memory:end -->'
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  const next = i >= 0 && j > i ? `${text.slice(0, i + begin.length)}\n${section}\n${text.slice(j)}` : `${text.trimEnd()}\n\n${begin}\n${section}\n${end}\n`
  writeFileSync(path, next)
}
