/**
 * @module
 * A relay's counters: the reports of its isolates merged into one, forwarded to the hub as if the
 * relay were one isolate standing for several (`IsolateReport.isolates`). Sums add up, maxima and
 * `last` keep the largest; gauges (scur, qcur) are the sum of each live isolate's latest value,
 * reported when that sum changed — the hub's StatsAggregate then sums relays the same way.
 */
import { ISOLATE_TTL_MS } from './aggregate.ts'
import { COUNTERS, type CounterField, type CounterReport, type IsolateReport, type ObjectKey } from './types.ts'

type Gauge = { scur: number; qcur: number }

export class MergedReports {
  #pending = new Map<ObjectKey, Partial<Record<CounterField, number>>>()
  readonly #gauges = new Map<string, { at: number; values: Map<ObjectKey, Gauge> }>()
  /** Gauge sums last reported, by object. */
  readonly #reported = new Map<ObjectKey, Gauge>()
  #dirty = false

  /** Adds one isolate's report. */
  add(r: IsolateReport, now: number): void {
    let g = this.#gauges.get(r.isolate)
    if (!g) {
      g = { at: now, values: new Map() }
      this.#gauges.set(r.isolate, g)
    }
    g.at = now
    for (const [key, rep] of Object.entries(r.counters)) {
      let p = this.#pending.get(key)
      if (!p) {
        p = {}
        this.#pending.set(key, p)
      }
      for (const [f, v] of Object.entries(rep) as [CounterField, number][]) {
        switch (COUNTERS[f]) {
          case 'sum':
            p[f] = (p[f] ?? 0) + v
            break
          case 'max':
          case 'last':
            p[f] = Math.max(p[f] ?? 0, v)
            break
          case 'gauge': {
            const cur = g.values.get(key) ?? { scur: 0, qcur: 0 }
            cur[f as keyof Gauge] = v
            g.values.set(key, cur)
            break
          }
        }
      }
    }
    this.#dirty = true
  }

  /** Isolates heard from within ISOLATE_TTL_MS. */
  isolates(now: number): number {
    let n = 0
    for (const [id, g] of this.#gauges) {
      if (now - g.at <= ISOLATE_TTL_MS) n++
      else this.#gauges.delete(id)
    }
    return n
  }

  /** True when something was added since the last take(). */
  get dirty(): boolean {
    return this.#dirty
  }

  /** The merged report since the last take (undefined when nothing changed). */
  take(relay: string, now: number): IsolateReport | undefined {
    const isolates = this.isolates(now)
    const sums = new Map<ObjectKey, Gauge>()
    for (const g of this.#gauges.values()) {
      for (const [k, v] of g.values) {
        const s = sums.get(k) ?? { scur: 0, qcur: 0 }
        s.scur += v.scur
        s.qcur += v.qcur
        sums.set(k, s)
      }
    }
    const counters: Record<ObjectKey, CounterReport> = {}
    for (const [k, p] of this.#pending) counters[k] = { ...p }
    for (const k of new Set([...sums.keys(), ...this.#reported.keys()])) {
      const s = sums.get(k) ?? { scur: 0, qcur: 0 }
      const prev = this.#reported.get(k)
      if (prev && prev.scur === s.scur && prev.qcur === s.qcur) continue
      counters[k] = { ...(counters[k] ?? {}), scur: s.scur, qcur: s.qcur }
      if (s.scur === 0 && s.qcur === 0) this.#reported.delete(k)
      else this.#reported.set(k, s)
    }
    this.#pending = new Map()
    this.#dirty = false
    if (Object.keys(counters).length === 0) return undefined
    return { isolate: relay, at: now, counters, isolates }
  }
}
