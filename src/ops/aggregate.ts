/**
 * @module
 * Stats counters aggregated across isolates (the RuntimeState Durable Object's logic, free of the
 * runtime). Each isolate reports deltas, maxima and gauges (src/ops/types.ts `COUNTERS`); sums
 * add up, maxima keep the largest, gauges are the sum of each live isolate's latest value, and
 * the rates (`rate`, `req_rate`, `conn_rate`, per second, with their maxima) are HAProxy's
 * freq_ctr over the deltas as they arrive, so they lag by at most the isolates' flush interval.
 */
import { createFreqCtr, type FreqCtr, readFreqCtr, updateFreqCtr } from '../state/freq-ctr.ts'
import { type AggregatedCounters, COUNTER_FIELDS, COUNTERS, type Counters, type IsolateReport, type ObjectKey, zeroCounters } from './types.ts'

/** An isolate silent for this long no longer counts in the gauges (scur, qcur). */
export const ISOLATE_TTL_MS = 30_000

interface Entry {
  readonly c: Counters
  readonly rate: FreqCtr
  readonly req: FreqCtr
  readonly conn: FreqCtr
  rateMax: number
  reqMax: number
  connMax: number
}

export interface AggregateState {
  readonly counters: Readonly<Record<ObjectKey, Counters & { rate_max: number; req_rate_max: number; conn_rate_max: number }>>
}

export class StatsAggregate {
  readonly #entries = new Map<ObjectKey, Entry>()
  /** Latest gauges per isolate and object. */
  readonly #gauges = new Map<string, { at: number; isolates: number; values: Map<ObjectKey, { scur: number; qcur: number }> }>()

  /** Restores persisted sums and maxima (rates start again from zero). */
  constructor(saved?: AggregateState) {
    for (const [k, v] of Object.entries(saved?.counters ?? {})) {
      const e = this.#entry(k)
      for (const f of COUNTER_FIELDS) e.c[f] = COUNTERS[f] === 'gauge' ? 0 : (v[f] ?? 0)
      e.rateMax = v.rate_max ?? 0
      e.reqMax = v.req_rate_max ?? 0
      e.connMax = v.conn_rate_max ?? 0
    }
  }

  #entry(key: ObjectKey): Entry {
    let e = this.#entries.get(key)
    if (!e) {
      e = { c: zeroCounters(), rate: createFreqCtr(), req: createFreqCtr(), conn: createFreqCtr(), rateMax: 0, reqMax: 0, connMax: 0 }
      this.#entries.set(key, e)
    }
    return e
  }

  /** Merges one isolate's report; returns the keys that changed. */
  merge(r: IsolateReport, now: number): ObjectKey[] {
    let g = this.#gauges.get(r.isolate)
    if (!g) {
      g = { at: now, isolates: 1, values: new Map() }
      this.#gauges.set(r.isolate, g)
    }
    g.at = now
    g.isolates = r.isolates ?? 1
    const changed: ObjectKey[] = []
    for (const [key, rep] of Object.entries(r.counters)) {
      const e = this.#entry(key)
      changed.push(key)
      for (const f of COUNTER_FIELDS) {
        const v = rep[f]
        if (v === undefined) continue
        switch (COUNTERS[f]) {
          case 'sum':
            e.c[f] += v
            break
          case 'max':
          case 'last':
            if (v > e.c[f]) e.c[f] = v
            break
          case 'gauge': {
            const cur = g.values.get(key) ?? { scur: 0, qcur: 0 }
            cur[f as 'scur' | 'qcur'] = v
            g.values.set(key, cur)
            break
          }
        }
      }
      if (rep.stot) updateFreqCtr(e.rate, 1000, now, rep.stot)
      if (rep.req_tot) updateFreqCtr(e.req, 1000, now, rep.req_tot)
      if (rep.conn_tot) updateFreqCtr(e.conn, 1000, now, rep.conn_tot)
      e.rateMax = Math.max(e.rateMax, readFreqCtr(e.rate, 1000, now))
      e.reqMax = Math.max(e.reqMax, readFreqCtr(e.req, 1000, now))
      e.connMax = Math.max(e.connMax, readFreqCtr(e.conn, 1000, now))
    }
    return changed
  }

  /** Number of isolates heard from within ISOLATE_TTL_MS (a relay's report counts its isolates). */
  isolates(now: number): number {
    let n = 0
    for (const [id, g] of this.#gauges) {
      if (now - g.at <= ISOLATE_TTL_MS) n += g.isolates
      else this.#gauges.delete(id)
    }
    return n
  }

  get(key: ObjectKey, now: number): AggregatedCounters | undefined {
    const e = this.#entries.get(key)
    if (!e) return undefined
    let scur = 0
    let qcur = 0
    for (const g of this.#gauges.values()) {
      if (now - g.at > ISOLATE_TTL_MS) continue
      const v = g.values.get(key)
      if (v) {
        scur += v.scur
        qcur += v.qcur
      }
    }
    return {
      ...e.c,
      scur,
      qcur,
      smax: Math.max(e.c.smax, scur),
      qmax: Math.max(e.c.qmax, qcur),
      rate: readFreqCtr(e.rate, 1000, now),
      rate_max: e.rateMax,
      req_rate: readFreqCtr(e.req, 1000, now),
      req_rate_max: e.reqMax,
      conn_rate: readFreqCtr(e.conn, 1000, now),
      conn_rate_max: e.connMax,
    }
  }

  /** Every object's aggregate. */
  all(now: number): Record<ObjectKey, AggregatedCounters> {
    const out: Record<ObjectKey, AggregatedCounters> = {}
    for (const k of this.#entries.keys()) out[k] = this.get(k, now) as AggregatedCounters
    return out
  }

  /** What to persist (sums, maxima, last; not gauges or rates). */
  save(keys?: Iterable<ObjectKey>): AggregateState {
    const counters: Record<ObjectKey, Counters & { rate_max: number; req_rate_max: number; conn_rate_max: number }> = {}
    for (const k of keys ?? this.#entries.keys()) {
      const e = this.#entries.get(k)
      if (e) counters[k] = { ...e.c, rate_max: e.rateMax, req_rate_max: e.reqMax, conn_rate_max: e.connMax }
    }
    return { counters }
  }

  /** `clear counters`: maxima and rates (HAProxy's default), or everything with `all`. */
  clear(all: boolean): void {
    for (const e of this.#entries.values()) {
      for (const f of COUNTER_FIELDS) if (all || COUNTERS[f] === 'max') e.c[f] = 0
      e.rateMax = 0
      e.reqMax = 0
      e.connMax = 0
    }
  }
}
