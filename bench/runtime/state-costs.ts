/**
 * @module
 * State costs, counted: the counting wrapper (counting-worker.ts) runs the real Worker with every
 * Durable Object stub and the ROUTEMAPS KV namespace wrapped in counting Proxies. For a route with
 * no stick table, exact tracking and fast tracking, one sequential wrk run (latency each mode adds)
 * and one loaded run (calls per request under load), each between a reset and a read of the counts.
 */
import { runWrk } from '../lib/procs.ts'
import type { CountedRun, StateCostResults, StickModeResults } from './types.ts'

interface Counters {
  readonly requests: number
  readonly sinceMs: number
  readonly calls: Readonly<Record<string, number>>
}

async function counters(url: string): Promise<Counters> {
  const r = await fetch(`${url}/__bench/counters`)
  return (await r.json()) as Counters
}

async function reset(url: string): Promise<void> {
  await (await fetch(`${url}/__bench/reset`, { method: 'POST' })).arrayBuffer()
}

const r4 = (v: number): number => Math.round(v * 10_000) / 10_000

function sum(calls: Readonly<Record<string, number>>, prefixes: readonly string[]): number {
  let n = 0
  for (const [k, v] of Object.entries(calls)) if (prefixes.some((p) => k.startsWith(p))) n += v
  return n
}

async function countedRun(url: string, threads: number, connections: number, durationS: number): Promise<CountedRun> {
  await reset(url)
  const w = await runWrk({ url: `${url}/`, threads, connections, durationS })
  // Background work of the last requests (waitUntil) lands shortly after the response.
  await new Promise((r) => setTimeout(r, 200))
  const c = await counters(url)
  const seconds = c.sinceMs / 1000
  const req = Math.max(1, c.requests)
  return {
    wrk: w.command,
    requests: c.requests,
    seconds: Math.round(seconds * 100) / 100,
    requestsPerSec: Math.round(w.rps),
    p50Ms: w.latencyMs.p50,
    p99Ms: w.latencyMs.p99,
    calls: c.calls,
    stickCallsPerRequest: r4(sum(c.calls, ['STICK.']) / req),
    doCallsPerRequest: r4(sum(c.calls, ['STICK.', 'HEALTH.', 'RUNTIME.']) / req),
    healthSnapshotsPerSec: r4((c.calls['HEALTH.snapshot'] ?? 0) / seconds),
    runtimeSyncsPerSec: r4((c.calls['RUNTIME.sync'] ?? 0) / seconds),
    non2xx3xx: w.non2xx3xx,
  }
}

export interface StateCostInput {
  readonly quick: boolean
  /** Counting-wrapper Workers, one per mode, each with its own config and Durable Objects. */
  readonly urls: { readonly none: string; readonly exact: string; readonly fast: string }
  readonly configs: { readonly none: string; readonly exact: string; readonly fast: string }
  readonly threads: number
  readonly connections: number
  readonly log: (line: string) => void
  /** Told which mode runs (to attribute workerd's log lines). */
  readonly phase?: (name: string) => void
}

export async function measureStateCosts(i: StateCostInput): Promise<StateCostResults> {
  const seqS = i.quick ? 1 : 5
  const loadS = i.quick ? 1 : 10
  const modes = ['none', 'exact', 'fast'] as const
  const out: Partial<Record<(typeof modes)[number], { config: string; sequential: CountedRun; loaded: CountedRun }>> = {}
  for (const m of modes) {
    const url = i.urls[m]
    i.phase?.(`state costs ${m}`)
    // Warm: the isolate's first request waits for the runtime state; JIT; connection pool.
    for (let k = 0; k < 20; k++) await (await fetch(`${url}/`)).arrayBuffer()
    const sequential = await countedRun(url, 1, 1, seqS)
    const loaded = await countedRun(url, i.threads, i.connections, loadS)
    i.log(
      `state ${m}: sequential p50 ${sequential.p50Ms} ms, STICK/req ${sequential.stickCallsPerRequest}; loaded ${loaded.requestsPerSec} req/s, STICK/req ${loaded.stickCallsPerRequest}, DO/req ${loaded.doCallsPerRequest}, snapshots/s ${loaded.healthSnapshotsPerSec}`,
    )
    const line = /stick-table .*/.exec(i.configs[m])?.[0]
    out[m] = { config: line ?? 'no stick table, no track-sc', sequential, loaded }
  }
  const none = out.none
  if (!none || !out.exact || !out.fast) throw new Error('missing mode')
  const withAdded = (r: { config: string; sequential: CountedRun; loaded: CountedRun }): StickModeResults => ({
    ...r,
    addedP50Ms: Math.round((r.sequential.p50Ms - none.sequential.p50Ms) * 1000) / 1000,
    addedP99Ms: Math.round((r.sequential.p99Ms - none.sequential.p99Ms) * 1000) / 1000,
  })
  const runs = modes.flatMap((m) => [out[m]?.sequential, out[m]?.loaded]).filter((r): r is CountedRun => r !== undefined)
  const snapshots = runs.reduce((a, r) => a + (r.calls['HEALTH.snapshot'] ?? 0), 0)
  const seconds = runs.reduce((a, r) => a + r.seconds, 0)
  const e = withAdded(out.exact)
  const f = withAdded(out.fast)
  const n = withAdded(none)
  return {
    method:
      'Each mode runs in its own counting-wrapper Worker (one isolate, its own Durable Objects) in the same workerd; ' +
      'counts are reset, wrk runs, and the counts are read: calls per request = counted calls / requests the wrapper counted. ' +
      `Sequential: wrk -t1 -c1 -d${seqS}s; loaded: wrk -t${i.threads} -c${i.connections} -d${loadS}s. ` +
      'All requests come from one client address (one stick-table key). doCallsPerRequest includes background calls (health snapshots, runtime sync).',
    none: n,
    exact: e,
    fast: f,
    targets: { none: 0, exact: 1, fast: 0.05 },
    met: {
      none: n.loaded.stickCallsPerRequest === 0 && n.sequential.stickCallsPerRequest === 0,
      exact: Math.abs(e.loaded.stickCallsPerRequest - 1) <= 0.01,
      fast: f.loaded.stickCallsPerRequest <= 0.05,
    },
    healthSnapshotRefreshesPerIsolatePerSec: r4(snapshots / seconds),
  }
}
