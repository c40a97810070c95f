/**
 * @module
 * An in-memory stick table with HAProxy's data types, expiry and size limit (oldest unused entry
 * evicted). Used by `explain` and unit tests; the Durable Object tables keep the same semantics.
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import { createFreqCtr, type FreqCtr, readFreqCtr, updateFreqCtr } from './freq-ctr.ts'

export interface StickEntry {
  readonly key: string
  expiresAt: number
  counters: Map<string, number>
  rates: Map<string, FreqCtr>
}

/** One table's entries, keyed by the table's key text. */
export class MemoryStickTable {
  readonly spec: StickTableSpec
  readonly #entries = new Map<string, StickEntry>()

  constructor(spec: StickTableSpec) {
    this.spec = spec
  }

  get size(): number {
    return this.#entries.size
  }

  /** Looks up `key` without creating or refreshing it. */
  peek(key: string, now: number): StickEntry | undefined {
    const e = this.#entries.get(key)
    if (e && this.spec.expireMs !== undefined && e.expiresAt <= now) {
      this.#entries.delete(key)
      return undefined
    }
    return e
  }

  /** Gets or creates `key` and refreshes its expiry (track-sc, stick match/store). */
  touch(key: string, now: number): StickEntry | undefined {
    let e = this.peek(key, now)
    if (!e) {
      if (this.#entries.size >= this.spec.size) {
        if (this.spec.nopurge) return undefined
        const oldest = this.#entries.keys().next()
        if (!oldest.done) this.#entries.delete(oldest.value)
      }
      e = { key, expiresAt: 0, counters: new Map(), rates: new Map() }
    } else this.#entries.delete(key)
    // Re-insertion keeps Map order = least recently used first.
    this.#entries.set(key, e)
    e.expiresAt = now + (this.spec.expireMs ?? Number.MAX_SAFE_INTEGER / 2)
    return e
  }

  /** Adds `inc` to counter `type` and to its `_rate` sibling if stored. */
  bump(e: StickEntry, cnt: string, rate: string, now: number, inc = 1): void {
    for (const s of this.spec.store) {
      if (s.type === cnt) e.counters.set(cnt, (e.counters.get(cnt) ?? 0) + inc)
      if (s.type === rate && s.periodMs !== undefined) {
        let f = e.rates.get(rate)
        if (!f) {
          f = createFreqCtr()
          e.rates.set(rate, f)
        }
        updateFreqCtr(f, s.periodMs, now, inc)
      }
    }
  }

  /** Value of data type `type` for `e`, or undefined when the table does not store it. */
  read(e: StickEntry, type: string, now: number): number | undefined {
    const s = this.spec.store.find((x) => x.type === type)
    if (!s) return undefined
    if (s.periodMs !== undefined) {
      const f = e.rates.get(type)
      return f ? readFreqCtr(f, s.periodMs, now) : 0
    }
    return e.counters.get(type) ?? 0
  }

  set(e: StickEntry, type: string, value: number): void {
    if (this.spec.store.some((x) => x.type === type)) e.counters.set(type, value)
  }

  entries(now: number): StickEntry[] {
    return [...this.#entries.keys()].map((k) => this.peek(k, now)).filter((e): e is StickEntry => e !== undefined)
  }
}
