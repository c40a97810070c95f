/**
 * @module
 * From a run's raw records to results: the targets of issue 13 (met or missed, and by how much),
 * the per-object rates, the cold starts, the propagation times, the clients' admitted requests
 * and the bill per million requests compared with src/cost/model.ts `estimate()`.
 */
import { assumptions, estimate, METRICS, type Metric, PRICES, type SourceName } from '../../src/cost/model.ts'
import { Platform } from './bindings.ts'
import type { ModelParams } from './model.ts'
import type { Timeline } from './scenarios.ts'
import type { Raw } from './sim.ts'

export interface Target {
  readonly name: string
  readonly goal: string
  readonly value: number | null
  readonly unit: string
  readonly met: boolean
  /** How far from the goal (positive: missed by), in `unit`. */
  readonly miss: number
  readonly note?: string
}

export interface Dist {
  readonly n: number
  readonly p50: number | null
  readonly p99: number | null
  readonly max: number | null
  /** Isolates that never got it before the end of the run. */
  readonly never: number
}

export interface ObjectRow {
  readonly binding: string
  readonly name: string
  readonly location: string
  readonly peakRps: number
  readonly steadyPeakRps: number
  readonly calls: Readonly<Record<string, number>>
  readonly rowsWritten: number
  readonly overloaded: number
}

export type CostRow = { readonly source: SourceName } & Readonly<Record<'doRequests' | 'rowsRead' | 'rowsWritten' | 'kvReads', { sim: number; formula: number; ratio: number | null }>>

export interface SimResults {
  readonly schema: 'edgeproxy.sim/1'
  readonly date: string
  readonly quick: boolean
  readonly wallS: number
  readonly model: ModelParams & { readonly locationCount: number; readonly doSites: readonly string[]; readonly meanIsolates: number; readonly rttMs: { min: number; median: number; max: number } }
  readonly timeline: Timeline
  readonly realRequests: number
  readonly events: number
  /** The 40 busiest objects (after the warm-up). */
  readonly objects: readonly ObjectRow[]
  /** Objects made, by binding. */
  readonly objectCount: Readonly<Record<string, number>>
  readonly cold: {
    readonly starts: number
    readonly waitedFar: number
    readonly waitedBeyondNearest: number
    readonly inLocationsWithoutSite: number
    readonly farObjects: Readonly<Record<string, number>>
    /** The most frequent sequences of calls a cold isolate waited for. */
    readonly patterns: Readonly<Record<string, number>>
    readonly doRoundTrips: Dist
    readonly kvRoundTrips: Dist
    readonly waitMs: Dist
  }
  readonly admin: readonly ({ readonly command: string } & Dist)[]
  readonly adminAll: Dist
  readonly push: { readonly learnedMs: Dist; readonly afterKvMs: Dist; readonly kvMs: Dist }
  readonly counters: { readonly lagMs: Dist; readonly samples: number }
  readonly failure: { readonly targetMs: number; readonly learnedMs: Dist; readonly perLocation: readonly { location: string; lastMs: number; requests: number }[]; readonly stopMs: Dist }
  readonly clients: readonly { readonly name: string; readonly locations: readonly string[]; readonly sent: number; readonly admitted: number; readonly limit: number; readonly ratio: number }[]
  readonly limit: { readonly requests: number; readonly periodMs: number }
  readonly consistency: { readonly generated: number; readonly accounted: number; readonly hubFinal: number; readonly lostEvicted: number; readonly lostSyncs: number; readonly unaccounted: number }
  readonly statuses: Readonly<Record<string, number>>
  readonly unhandledRejections: { readonly count: number; readonly samples: readonly string[] }
  readonly cost: { readonly proxiedSteady: number; readonly perMillion: readonly CostRow[]; readonly totals: CostRow; readonly simDollarsPerMillion: number; readonly formulaDollarsPerMillion: number }
  /** Sorted samples (at most 200 each) for the plot's CDFs, in seconds. */
  readonly cdf: Readonly<Record<'admin' | 'pushAfterKv' | 'counters' | 'failureStop', readonly number[]>>
  readonly targets: readonly Target[]
}

/** At most `n` evenly spaced values of the sorted finite ones, in seconds. */
function thin(values: readonly (number | undefined)[], n = 200): number[] {
  const s = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b)
  if (s.length <= n) return s.map((v) => v / 1000)
  return Array.from({ length: n }, (_, i) => (s[Math.round((i * (s.length - 1)) / (n - 1))] as number) / 1000)
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

/** p50/p99/max of the values; `undefined` (never) counts as +∞ in the percentiles. */
export function dist(values: readonly (number | undefined)[]): Dist {
  const never = values.filter((v) => v === undefined).length
  const s = values.map((v) => v ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b)
  const fin = (v: number | null): number | null => (v === null || Number.isFinite(v) ? v : null)
  return { n: values.length, p50: fin(quantile(s, 0.5)), p99: fin(quantile(s, 0.99)), max: fin(quantile(s, 1)), never }
}

/** A percentile that is null because some never arrived is a miss. */
function target(name: string, goal: string, value: number | null, limit: number, unit: string, note?: string): Target {
  const v = value === null ? null : Math.round(value * 1000) / 1000
  const met = v !== null && v <= limit
  return { name, goal, value: v, unit, met, miss: v === null ? Number.POSITIVE_INFINITY : Math.max(0, v - limit), ...(note ? { note } : {}) }
}

export function measure(raw: Raw, p: ModelParams, quick: boolean): SimResults {
  const tl = raw.timeline
  const warmS = tl.warmupMs / 1000
  const endS = tl.durationMs / 1000
  const objects: ObjectRow[] = [...raw.platform.objects.values()]
    .map((o) => {
      const m = o.meter
      let steady = 0
      for (const [sec, v] of m.windows) if (sec >= warmS && sec < endS && v > steady) steady = v
      return { binding: m.binding, name: m.name, location: m.location, peakRps: Platform.peak(m), steadyPeakRps: steady, calls: m.calls, rowsWritten: m.rowsWritten, overloaded: m.overloaded }
    })
    .sort((a, b) => b.steadyPeakRps - a.steadyPeakRps)

  const farObjects: Record<string, number> = {}
  for (const c of raw.cold) for (const f of new Set(c.far.map((x) => x.replace(/@.*/, '')))) farObjects[f] = (farObjects[f] ?? 0) + 1
  const cold = {
    starts: raw.cold.length,
    waitedFar: raw.cold.filter((c) => c.far.length > 0).length,
    waitedBeyondNearest: raw.cold.filter((c) => c.beyond.length > 0).length,
    inLocationsWithoutSite: raw.cold.filter((c) => c.far.length > 0 && !raw.world.byId.get(c.location)?.doSite).length,
    farObjects,
    patterns: Object.fromEntries(
      Object.entries(
        raw.cold.reduce<Record<string, number>>((m, c) => {
          const k = c.waited.join(' → ') || '(none)'
          m[k] = (m[k] ?? 0) + 1
          return m
        }, {}),
      )
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5),
    ),
    doRoundTrips: dist(raw.cold.map((c) => c.doRoundTrips)),
    kvRoundTrips: dist(raw.cold.map((c) => c.kvRoundTrips)),
    waitMs: dist(raw.cold.map((c) => c.waitMs)),
  }

  const admin = raw.admin.map((a) => ({ command: a.command, ...dist(a.learned) }))
  const adminAll = dist(raw.admin.flatMap((a) => a.learned))
  const push = {
    learnedMs: dist(raw.push.map((x) => x.learnedMs)),
    afterKvMs: dist(raw.push.map((x) => (x.learnedMs === undefined ? undefined : Math.max(0, x.learnedMs - x.kvMs)))),
    kvMs: dist(raw.push.map((x) => x.kvMs)),
  }

  // Counter lag: for each sample after the warm-up, how long until the hub's count reached it.
  const lags: (number | undefined)[] = []
  const cs = raw.counters
  let j = 0
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i] as (typeof cs)[number]
    // The last 10 s are left out: traffic stops at the end, and syncs ride on requests.
    if (c.at < tl.warmupMs || c.at >= tl.durationMs - 10_000) continue
    if (j < i) j = i
    while (j < cs.length && (cs[j] as (typeof cs)[number]).hub < c.generated) j++
    lags.push(j < cs.length ? (cs[j] as (typeof cs)[number]).at - c.at : undefined)
  }

  const srv = raw.routeMap.backends.find((b) => b.name === tl.failure.backend)?.servers.find((s) => s.name === tl.failure.server)
  const failTarget = (srv?.interMs ?? 2000) * (srv?.fall ?? 3) + 5000
  const perLocation = [...raw.failureLast].map(([location, v]) => ({ location, ...v })).sort((a, b) => b.lastMs - a.lastMs)
  const failure = { targetMs: failTarget, learnedMs: dist(raw.failureLearned), perLocation, stopMs: dist(perLocation.map((x) => x.lastMs)) }

  const clients = raw.clients.map((c) => ({ name: c.name, locations: c.locations, sent: c.sent, admitted: c.admitted, limit: raw.limit.requests, ratio: c.admitted / raw.limit.requests }))

  // The bill: the simulation's counts per million proxied requests vs the formula's.
  const a = assumptions(p.rps, { locations: raw.world.locations.filter((l) => l.share > 0).length, isolates: Math.round(raw.meanIsolates) })
  const est = estimate(raw.routeMap, a)
  const M = ['doRequests', 'rowsRead', 'rowsWritten', 'kvReads'] as const
  const per = 1e6 / Math.max(1, raw.generatedSteady)
  const ratio = (s: number, f: number): number | null => (f > 0 ? Math.round((s / f) * 1000) / 1000 : s === 0 ? 1 : null)
  const sources = [...new Set<SourceName>([...est.sources.map((s) => s.name), ...raw.platform.usage.keys()])].filter((s) => s !== 'worker')
  const rows: CostRow[] = sources.map((name) => {
    const u = raw.platform.usage.get(name)
    const f = est.sources.find((s) => s.name === name)?.usage
    const row: Record<string, unknown> = { source: name }
    for (const m of M) {
      const sim = (u?.[m] ?? 0) * per
      const formula = ((f?.[m] ?? 0) * 1e6) / p.rps
      row[m] = { sim: Math.round(sim * 100) / 100, formula: Math.round(formula * 100) / 100, ratio: ratio(sim, formula) }
    }
    return row as unknown as CostRow
  })
  const totals: Record<string, unknown> = { source: 'total' }
  for (const m of M) {
    const sim = rows.reduce((x, r) => x + r[m].sim, 0)
    const formula = rows.reduce((x, r) => x + r[m].formula, 0)
    totals[m] = { sim: Math.round(sim * 100) / 100, formula: Math.round(formula * 100) / 100, ratio: ratio(sim, formula) }
  }
  const dollars = (pick: (m: (typeof M)[number]) => number): number => M.reduce((x, m) => x + (pick(m) / 1e6) * (PRICES.find((pr) => pr.metric === (m as Metric))?.perMillion ?? 0), 0)
  const tot = totals as unknown as CostRow
  const cost = {
    proxiedSteady: raw.generatedSteady,
    perMillion: rows,
    totals: tot,
    simDollarsPerMillion: dollars((m) => tot[m].sim),
    formulaDollarsPerMillion: dollars((m) => tot[m].formula),
  }
  void METRICS

  const consistency = {
    generated: raw.generated,
    accounted: raw.accounted,
    hubFinal: raw.hubFinal,
    lostEvicted: raw.lostEvicted,
    lostSyncs: raw.lostSyncs,
    unaccounted: raw.accounted - raw.hubFinal - raw.lostEvicted - raw.lostSyncs,
  }

  const hot = clients[0]
  const steadyPeak = objects[0]?.steadyPeakRps ?? 0
  const top = objects[0]
  const doRatio = tot.doRequests.ratio
  const targets: Target[] = [
    target('busiest object', '≤ 500 requests/s', steadyPeak, 500, 'req/s', top ? `${top.binding} ${top.name} at ${top.location}` : undefined),
    target(
      'cold isolates that waited on an object outside their location',
      '0',
      cold.waitedFar,
      0,
      'isolates',
      `of ${cold.starts} cold starts, ${cold.inLocationsWithoutSite} of them in locations that host no object (their nearest object site is elsewhere); ${Object.entries(farObjects)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`,
    ),
    target('cold isolates that waited on an object beyond their nearest object site', '0', cold.waitedBeyondNearest, 0, 'isolates', `of ${cold.starts} cold starts`),
    target(
      'round trips a cold isolate waited (max)',
      '≤ 1',
      cold.doRoundTrips.max,
      1,
      'round trips',
      `Durable Object round trips, overlapping calls counted once; plus ${cold.kvRoundTrips.max ?? 0} KV reads in its location`,
    ),
    target('admin change reaches every isolate (p99)', '≤ 5 s', adminAll.p99 === null ? null : adminAll.p99 / 1000, 5, 's', `${adminAll.n} isolate × change pairs, ${adminAll.never} never`),
    target(
      'config push runs everywhere (max after the push)',
      `≤ KV's propagation (${p.kvPropagationMaxMs / 1000} s) + 5 s`,
      push.learnedMs.max === null ? null : push.learnedMs.max / 1000,
      p.kvPropagationMaxMs / 1000 + 5,
      's',
      `p50 ${push.learnedMs.p50 === null ? 'never' : `${push.learnedMs.p50 / 1000} s`}, p99 ${push.learnedMs.p99 === null ? 'never' : `${push.learnedMs.p99 / 1000} s`}`,
    ),
    target(
      "config push runs after its location's KV propagation (p99)",
      '≤ 5 s after KV reached the location',
      push.afterKvMs.p99 === null ? null : push.afterKvMs.p99 / 1000,
      5,
      's',
      `max ${push.afterKvMs.max === null ? 'never' : `${push.afterKvMs.max / 1000} s`}; the pointer is read where the hub is`,
    ),
    target('counters reach the hub (p99)', '≤ 10 s', lags.length === 0 ? null : (dist(lags).p99 ?? null) === null ? null : (dist(lags).p99 as number) / 1000, 10, 's'),
    target(
      'origin failure: traffic to it stops in every location (max)',
      `≤ inter × fall + 5 s = ${failTarget / 1000} s`,
      failure.stopMs.max === null ? null : failure.stopMs.max / 1000,
      failTarget / 1000,
      's',
      `from its last request per location; isolates' health views: p99 ${failure.learnedMs.p99 === null ? 'never' : `${failure.learnedMs.p99 / 1000} s`}`,
    ),
    target(
      'hot client in one location: admitted / limit',
      '≤ 1.10',
      hot ? hot.ratio : null,
      1.1,
      '×',
      hot ? `${hot.admitted} admitted of ${hot.sent} sent; limit ${raw.limit.requests} per ${raw.limit.periodMs / 1000} s` : undefined,
    ),
    {
      ...target(
        'cost formula vs simulation: Durable Object requests per million',
        'ratio within 0.8–1.25',
        doRatio,
        1.25,
        '×',
        `simulation ${tot.doRequests.sim} vs formula ${tot.doRequests.formula} per million requests`,
      ),
      met: doRatio !== null && doRatio >= 0.8 && doRatio <= 1.25,
      miss: doRatio === null ? Number.POSITIVE_INFINITY : doRatio < 0.8 ? Math.round((0.8 - doRatio) * 1000) / 1000 : Math.max(0, Math.round((doRatio - 1.25) * 1000) / 1000),
    },
  ]

  // The bill's targets, by the formula the simulation just checked (src/cost/model.ts): the seed
  // config at 1,000 requests/s over the model's locations (one isolate each: the widest spread),
  // and its health checks against the Free plan's daily limits.
  const bill = estimate(raw.routeMap, assumptions(1000, { locations: p.locations }))
  const stick = bill.sources.find((s) => s.name === 'stick')
  const stickCost = stick ? PRICES.reduce((x, pr) => x + (stick.usage[pr.metric] / 1000) * pr.perMillion, 0) : 0
  const stickShare = stickCost / Math.max(1e-12, bill.marginalPerMillion.overhead)
  targets.push(
    target(
      "edgeproxy's own platform cost at 1,000 req/s (formula)",
      '≤ $0.05 per million proxied requests',
      bill.marginalPerMillion.overhead,
      0.05,
      '$/M',
      `${Math.round(stickShare * 100)}% of it the stick table's fast-mode flushes and home syncs (per shard and location); without them $${(bill.marginalPerMillion.overhead * (1 - stickShare)).toFixed(3)}`,
    ),
    {
      ...target('health checks of the config within the Free plan at their inter (formula)', 'every daily limit', bill.healthFree.exceeded.length, 0, 'limits exceeded'),
    },
  )

  const rtts: number[] = []
  for (const row of raw.world.rtt) for (const v of row) rtts.push(v)
  rtts.sort((x, y) => x - y)
  return {
    schema: 'edgeproxy.sim/1',
    date: new Date(Date.now()).toISOString(),
    quick,
    wallS: Math.round(raw.wallMs / 100) / 10,
    model: {
      ...p,
      locationCount: raw.world.locations.filter((l) => l.share > 0).length,
      doSites: raw.world.doSites.map((l) => l.id),
      meanIsolates: Math.round(raw.meanIsolates),
      rttMs: { min: rtts[0] ?? 0, median: quantile(rtts, 0.5) ?? 0, max: rtts[rtts.length - 1] ?? 0 },
    },
    timeline: tl,
    realRequests: raw.realRequests,
    events: raw.events,
    objects: objects.slice(0, 40),
    objectCount: objects.reduce<Record<string, number>>((m, o) => {
      m[o.binding] = (m[o.binding] ?? 0) + 1
      return m
    }, {}),
    cold,
    admin,
    adminAll,
    push,
    counters: { lagMs: dist(lags), samples: lags.length },
    failure,
    clients,
    limit: raw.limit,
    consistency,
    statuses: raw.statuses,
    unhandledRejections: raw.unhandled,
    cost,
    cdf: {
      admin: thin(raw.admin.flatMap((x) => x.learned)),
      pushAfterKv: thin(raw.push.map((x) => (x.learnedMs === undefined ? undefined : Math.max(0, x.learnedMs - x.kvMs)))),
      counters: thin(lags),
      failureStop: thin(perLocation.map((x) => x.lastMs)),
    },
    targets,
  }
}
