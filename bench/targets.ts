/**
 * @module
 * The results file's shape, the targets of issue 6 / DESIGN.md "Performance budget" checked
 * against the figures, and the table `npm run bench` prints.
 */
import type { MachineInfo } from './lib/machine.ts'
import type { MicroResults } from './micro/types.ts'
import type { RuntimeResults } from './runtime/types.ts'

export interface Target {
  readonly name: string
  readonly target: string
  readonly value: number | null
  readonly unit: string
  readonly met: boolean
}

export interface Results {
  readonly schema: 'edgeproxy.bench/1'
  readonly date: string
  readonly quick: boolean
  readonly durationS: number
  readonly machine: MachineInfo
  readonly micro: MicroResults
  readonly runtime: RuntimeResults
  readonly targets: readonly Target[]
}

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d

/** Every target with its measured value. */
export function evaluateTargets(r: Omit<Results, 'targets'>): Target[] {
  const t: Target[] = []
  const add = (name: string, target: string, value: number | null, unit: string, met: (v: number) => boolean) =>
    t.push({ name, target, value: value === null ? null : round(value, 3), unit, met: value !== null && met(value) })
  const p = r.micro.pipeline
  add('pipeline cost, seed config (median)', `≤ ${p.targetUs} µs`, p.seed.medianUs, 'µs/request', (v) => v <= p.targetUs)
  add('pipeline cost, seed config without stick table (median)', `≤ ${p.targetUs} µs`, p.seedNoStick.medianUs, 'µs/request', (v) => v <= p.targetUs)
  const th = r.runtime.throughput
  add('throughput edgeproxy / bare Worker (same workerd)', `≥ ${th.edgeproxyOverBareTarget}`, th.ratios.edgeproxyOverBare, 'ratio', (v) => v >= th.edgeproxyOverBareTarget)
  const s = r.runtime.stateCosts
  add('DO calls per request, no stick table', `= ${s.targets.none}`, s.none.loaded.stickCallsPerRequest, 'calls/request', () => s.met.none)
  add('DO calls per request, exact tracking', `= ${s.targets.exact}`, s.exact.loaded.stickCallsPerRequest, 'calls/request', () => s.met.exact)
  add('DO calls per request, fast tracking', `≤ ${s.targets.fast}`, s.fast.loaded.stickCallsPerRequest, 'calls/request', () => s.met.fast)
  const f = r.runtime.failover
  const worst = (k: 'failoverMs' | 'recoveryMs'): number | null => {
    const v = f.runs.map((x) => x[k]).filter((x): x is number => x !== null)
    return v.length === f.runs.length && v.length > 0 ? Math.max(...v) : null
  }
  add(`failover: origin down → last request to it (inter ${f.interMs / 1000}s fall ${f.fall})`, `≤ ${f.targetMs} ms`, worst('failoverMs'), 'ms', (v) => v <= f.targetMs)
  const c = r.micro.cidr100k
  add(`100k-entry CIDR list lookup (${c.entries} networks)`, `< ${c.targetNs} ns`, c.acl.medianNs, 'ns', (v) => v < c.targetNs)
  const h = r.micro.chash1000
  add(`consistent-hash ring pick (${h.servers} servers)`, `< ${h.targetNs} ns`, h.medianNs, 'ns', (v) => v < h.targetNs)
  return t
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length)
}

function fmt(n: number | null | undefined, d = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : String(round(n, d))
}

/** The table printed at the end of a run. */
export function formatTable(r: Results): string {
  const th = r.runtime.throughput
  const lines: string[] = []
  lines.push(`edgeproxy bench (${r.quick ? 'quick' : 'full'}) ${r.date} on ${r.machine.cores} × ${r.machine.cpu}, ${r.durationS}s`)
  lines.push('')
  lines.push(`throughput: ${th.wrk}`)
  lines.push(`  ${pad('target', 34)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}errors`)
  for (const [name, x] of [
    ['origin direct (nginx)', th.origin],
    ['HAProxy 2.6', th.haproxy],
    ['edgeproxy in workerd', th.edgeproxy],
    ['bare pass-through Worker', th.bare],
  ] as const) {
    lines.push(`  ${pad(name, 34)}${pad(fmt(x.requestsPerSec, 0), 10)}${pad(fmt(x.p50Ms), 9)}${pad(fmt(x.p99Ms), 9)}${x.non2xx3xx + x.socketErrors}`)
  }
  lines.push(`  edgeproxy / bare ${fmt(th.ratios.edgeproxyOverBare, 3)}, edgeproxy / HAProxy ${fmt(th.ratios.edgeproxyOverHaproxy, 3)}, bare / origin ${fmt(th.ratios.bareOverOrigin, 3)}`)
  lines.push('')
  const p = r.micro.pipeline
  lines.push(
    `pipeline (V8, µs/request median / p99): seed ${fmt(p.seed.medianUs)} / ${fmt(p.seed.p99Us)}, seed without stick table ${fmt(p.seedNoStick.medianUs)} / ${fmt(p.seedNoStick.p99Us)}, 200 ACLs × 50 backends ${fmt(p.synthetic.medianUs)} / ${fmt(p.synthetic.p99Us)}`,
  )
  const c = r.micro.compile
  lines.push(
    `compile: 1k servers ${fmt(c.servers1k.compileMs, 0)} ms (+${fmt(c.servers1k.hydrateMs, 0)} ms engine, ${fmt(c.servers1k.heapMB, 1)} MB), 10k servers ${fmt(c.servers10k.compileMs, 0)} ms (+${fmt(c.servers10k.hydrateMs, 0)} ms, ${fmt(c.servers10k.heapMB, 1)} MB)`,
  )
  lines.push(
    `lookups: 100k CIDR ${fmt(r.micro.cidr100k.acl.medianNs, 0)} ns, 1,000-server ring ${fmt(r.micro.chash1000.medianNs, 0)} ns; stick table ${fmt(r.micro.stick.oneShardOpsPerSec, 0)} ops/s (one shard), ${fmt(r.micro.stick.shardedOpsPerSec, 0)} ops/s (${r.micro.stick.shards} shards)`,
  )
  const s = r.runtime.stateCosts
  lines.push(
    `DO calls/request: none ${fmt(s.none.loaded.stickCallsPerRequest, 3)}, exact ${fmt(s.exact.loaded.stickCallsPerRequest, 3)}, fast ${fmt(s.fast.loaded.stickCallsPerRequest, 3)}; added p50: exact ${fmt(s.exact.addedP50Ms)} ms, fast ${fmt(s.fast.addedP50Ms)} ms; health snapshots ${fmt(s.healthSnapshotRefreshesPerIsolatePerSec)}/isolate/s`,
  )
  const f = r.runtime.failover
  lines.push(`failover (inter ${f.interMs}ms fall ${f.fall} rise ${f.rise}): ${f.runs.map((x) => `${x.how}: down ${fmt(x.failoverMs, 0)} ms, back ${fmt(x.recoveryMs, 0)} ms`).join('; ')}`)
  lines.push('')
  lines.push('targets:')
  for (const t of r.targets) lines.push(`  ${t.met ? 'met   ' : 'MISSED'} ${pad(t.name, 62)} ${pad(t.target, 12)} ${fmt(t.value, 3)} ${t.unit}`)
  return lines.join('\n')
}
