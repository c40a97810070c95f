/**
 * @module
 * The results section of BENCHMARKS.md, generated from one run's results (between the
 * `<!-- results:begin -->` and `<!-- results:end -->` markers), so the page always shows the
 * figures of one run and never a mix.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { Results } from './targets.ts'

const n = (v: number | null | undefined, d = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : (Math.round(v * 10 ** d) / 10 ** d).toLocaleString('en-US'))

export function markdownResults(r: Results): string {
  const th = r.runtime.throughput
  const m = r.machine
  const out: string[] = []
  out.push(
    `Run of ${r.date} (${r.quick ? 'quick' : 'full'} mode, ${r.durationS} s): ${m.cores} × ${m.cpu}, ${m.memoryGB} GB, ${m.os}, load ${m.loadavg1m} at start; Node ${m.node}, Miniflare ${m.miniflare ?? '?'} (workerd), HAProxy ${m.haproxy ?? '?'}, nginx ${m.nginx ?? '?'}, wrk ${m.wrk ?? '?'}.`,
  )
  out.push('')
  out.push('### Targets')
  out.push('')
  out.push('| target | goal | measured | |')
  out.push('| --- | --- | --- | --- |')
  for (const t of r.targets) out.push(`| ${t.name} | ${t.target} | ${n(t.value, 3)} ${t.unit} | ${t.met ? 'met' : '**missed**'} |`)
  out.push('')
  out.push(`### Throughput and latency (\`${th.wrk}\`)`)
  out.push('')
  out.push(`Config: ${th.config}. ${th.method}`)
  out.push('')
  out.push('| target | req/s | p50 ms | p99 ms | non-2xx/3xx + socket errors |')
  out.push('| --- | --- | --- | --- | --- |')
  const rows: [string, typeof th.origin | undefined][] = [
    ['nginx direct (the origin)', th.origin],
    ['HAProxy 2.6, same config', th.haproxy],
    ['HAProxy 2.6, `http-keep-alive` instead of `http-server-close`', th.haproxyKeepAlive],
    ['edgeproxy in workerd', th.edgeproxy],
    ['bare pass-through Worker, same workerd', th.bare],
    ['bare Worker + JS body pump (diagnostic)', th.barePump],
  ]
  for (const [name, t] of rows) if (t) out.push(`| ${name} | ${n(t.requestsPerSec, 0)} | ${n(t.p50Ms)} | ${n(t.p99Ms)} | ${t.non2xx3xx + t.socketErrors} |`)
  out.push('')
  out.push(
    `Ratios: edgeproxy / bare Worker **${n(th.ratios.edgeproxyOverBare, 3)}** (goal ≥ ${th.edgeproxyOverBareTarget}), edgeproxy / HAProxy ${n(th.ratios.edgeproxyOverHaproxy, 3)}, bare Worker / nginx ${n(th.ratios.bareOverOrigin, 3)}, HAProxy / nginx ${n(th.ratios.haproxyOverOrigin, 3)}.`,
  )
  if (th.sequential)
    out.push(
      `One request at a time (\`${th.sequential.wrk}\`): edgeproxy p50 ${n(th.sequential.edgeproxy.p50Ms, 3)} ms, bare Worker ${n(th.sequential.bare.p50Ms, 3)} ms: edgeproxy adds ${n(th.sequential.addedP50Ms, 3)} ms.`,
    )
  out.push('')
  out.push('![throughput and latency](bench/throughput.png)')
  out.push('')
  const p = r.micro.pipeline
  out.push("### edgeproxy's own work per request (V8, in-process)")
  out.push('')
  out.push('| config | median µs | p99 µs | min µs | requests timed |')
  out.push('| --- | --- | --- | --- | --- |')
  for (const [name, f] of [
    ['seed (examples/haproxy.cfg, stick table in memory)', p.seed],
    ['seed without the stick table', p.seedNoStick],
    ['synthetic: 200 ACLs, 50 backends × 4 servers', p.synthetic],
  ] as const)
    out.push(`| ${name} | ${n(f.medianUs)} | ${n(f.p99Us)} | ${n(f.minUs)} | ${n(f.iterations, 0)} |`)
  out.push('')
  const c = r.micro.compile
  out.push('### Scale')
  out.push('')
  out.push('| what | figure |')
  out.push('| --- | --- |')
  for (const f of [c.servers1k, c.servers10k])
    out.push(
      `| compile ${n(f.servers, 0)} servers (${n(f.backends, 0)} backends) | ${n(f.compileMs, 0)} ms compile + ${n(f.hydrateMs, 0)} ms engine, RouteMap ${n(f.routeMapKB, 0)} kB, heap ${n(f.heapMB, 1)} MB |`,
    )
  out.push(`| 100k-entry CIDR list (\`src -f\`), per request | ${n(r.micro.cidr100k.acl.medianNs, 0)} ns (matcher alone ${n(r.micro.cidr100k.matcher.medianNs, 0)} ns) |`)
  out.push(`| consistent-hash ring of ${n(r.micro.chash1000.servers, 0)} servers, per pick | ${n(r.micro.chash1000.medianNs, 0)} ns (ring built in ${n(r.micro.chash1000.buildMs, 1)} ms) |`)
  out.push(`| stick table, one shard (SQLite-free shard logic) | ${n(r.micro.stick.oneShardOpsPerSec, 0)} ops/s |`)
  out.push(`| stick table, ${r.micro.stick.shards} shards | ${n(r.micro.stick.shardedOpsPerSec, 0)} ops/s |`)
  out.push(`| stick table, the isolate's view | ${n(r.micro.stick.memoryTableOpsPerSec, 0)} ops/s |`)
  out.push('')
  const s = r.runtime.stateCosts
  out.push('### State costs (counted in workerd)')
  out.push('')
  out.push('| route | StickTable calls / request (sequential, loaded) | all DO calls / request | added p50 |')
  out.push('| --- | --- | --- | --- |')
  for (const [name, x] of [
    ['no stick table', s.none],
    ['`consistency exact`', s.exact],
    ['`consistency fast`', s.fast],
  ] as const)
    out.push(
      `| ${name} | ${n(x.sequential.stickCallsPerRequest, 3)}, ${n(x.loaded.stickCallsPerRequest, 3)} | ${n(x.loaded.doCallsPerRequest, 4)} | ${name === 'no stick table' ? '-' : `${n(x.addedP50Ms, 3)} ms`} |`,
    )
  out.push('')
  out.push(`Health snapshot refreshes: ${n(s.healthSnapshotRefreshesPerIsolatePerSec)} per isolate per second (one checked backend, \`inter 1s\`).`)
  out.push('')
  const f = r.runtime.failover
  out.push(`### Failover (\`inter ${f.interMs / 1000}s fall ${f.fall} rise ${f.rise}\`, a request every ${f.requestIntervalMs} ms; goal ≤ ${f.targetMs} ms)`)
  out.push('')
  out.push('| how the origin goes down | down → last request to it | back → first request to it | requests to it while down | client errors |')
  out.push('| --- | --- | --- | --- | --- |')
  for (const x of f.runs)
    out.push(
      `| ${x.how === 'fail' ? '/health and requests answer 503' : 'its socket is closed'} | ${n(x.failoverMs, 0)} ms | ${n(x.recoveryMs, 0)} ms | ${x.requestsToDownServer} | ${x.clientErrors} |`,
    )
  out.push('')
  if (r.runtime.caveats.length > 0) {
    out.push('Caveats recorded by the run:')
    out.push('')
    for (const c2 of r.runtime.caveats) out.push(`* ${c2}`)
  }
  return out.join('\n')
}

/** Replaces the results block of BENCHMARKS.md. */
export function updateBenchmarksMd(path: string, r: Results): void {
  const text = readFileSync(path, 'utf8')
  const begin = '<!-- results:begin -->'
  const end = '<!-- results:end -->'
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  if (i < 0 || j < i) throw new Error(`${path} has no ${begin} … ${end} block`)
  writeFileSync(path, `${text.slice(0, i + begin.length)}\n${markdownResults(r)}\n${text.slice(j)}`)
}
