/**
 * @module
 * Queued fast-mode writes (deltas) of a stick table shard, as an isolate sends them to its
 * location's replica and a replica to the home shard (remote-stick.ts, stick-replica.ts).
 *
 * Writes of one key are coalesced into runs: a run adds up the writes made while every rate
 * counter of the entry stays in the same freq_ctr period (the `sig`nature: the entry's currTicks
 * after the write, as the sender's copy has them). A run is applied by the receiver as one track
 * at its first write's time (`at`), refreshing the expiry as of its last write (`last`); a
 * receiver whose copy of the entry is the sender's (one writer) then gets exactly the sender's
 * counts and rates, so one isolate decides as HAProxy does however long it waits between
 * flushes. Runs of several writers are applied one after the other (counts add up; rates are
 * those of the merged sequence).
 *
 * A queue counts its bytes (budget.ts: DELTA_BYTES per run, plus each key): the isolate sends a
 * queue at once when it reaches its byte bound, a replica drops its oldest keys beyond its own
 * (`trim`).
 */
import { DELTA_BYTES, keyBytes } from './budget.ts'
import type { CountedData, EntryState, StickEntry, StickOp } from './memory-stick.ts'
import type { BatchItem } from './stick-shard.ts'

/** One run of coalesced writes on a key: counts add up, sets keep the last value. */
interface Run {
  readonly at: number
  last: number
  readonly sig: string
  request: number
  gpc0: number
  gpc1: number
  gpt0?: number
  serverId?: number
  /** `count` ops (http_err, http_fail, bytes_in, bytes_out), summed per data type. */
  counts: Partial<Record<CountedData, number>>
  /** `end` ops (conn_cur releases). */
  end: number
}

/** The freq_ctr period signature of an entry (its rate counters' current ticks). */
export function rateSig(rates: ReadonlyMap<string, { readonly currTick: number }> | Readonly<Record<string, { readonly currTick: number }>>): string {
  let s = ''
  const values = rates instanceof Map ? rates.values() : Object.values(rates)
  for (const f of values) s += `${f.currTick},`
  return s
}

export function entrySig(e: StickEntry | EntryState): string {
  return rateSig(e.rates)
}

/** A shard's queue of deltas, per key, in arrival order. */
export class DeltaQueue {
  #runs = new Map<string, Run[]>()
  #ops = 0
  #bytes = 0

  /** Distinct keys queued. */
  get keys(): number {
    return this.#runs.size
  }

  /** Bytes the queued runs are counted for (budget.ts). */
  get bytes(): number {
    return this.#bytes
  }

  /** Writes queued since the last take. */
  get ops(): number {
    return this.#ops
  }

  /**
   * Queues `ops` on `key` made at `at` (expiry refreshed as of `last`, default `at`); `sig` is the
   * entry's rate signature after the write on the sender's copy.
   */
  add(key: string, ops: readonly StickOp[], sig: string, at: number, last = at): void {
    let runs = this.#runs.get(key)
    if (!runs) {
      runs = []
      this.#runs.set(key, runs)
      this.#bytes += keyBytes(key)
    }
    let r = runs[runs.length - 1]
    if (!r || r.sig !== sig) {
      r = { at, last, sig, request: 0, gpc0: 0, gpc1: 0, counts: {}, end: 0 }
      runs.push(r)
      this.#bytes += DELTA_BYTES
    }
    r.last = Math.max(r.last, last)
    applyTo(r, ops)
    this.#ops++
  }

  /** Runs still queued for `key` (re-applied on top of an answer that did not include them). */
  pending(key: string): BatchItem[] {
    return (this.#runs.get(key) ?? []).map((r) => toItem(key, r))
  }

  /** Empties the queue; returns its runs as batch items, keys in arrival order. */
  take(): BatchItem[] {
    const out: BatchItem[] = []
    for (const [key, runs] of this.#runs) for (const r of runs) out.push(toItem(key, r))
    this.#runs = new Map()
    this.#ops = 0
    this.#bytes = 0
    return out
  }

  /**
   * Drops the oldest keys' runs until at most `maxKeys` keys and `maxBytes` bytes are queued;
   * returns how many keys went (their writes never reach the receiver).
   */
  trim(maxKeys: number, maxBytes: number): number {
    let dropped = 0
    for (const [key, runs] of this.#runs) {
      if (this.#runs.size <= maxKeys && this.#bytes <= maxBytes) break
      this.#runs.delete(key)
      this.#bytes -= keyBytes(key) + DELTA_BYTES * runs.length
      dropped++
    }
    return dropped
  }

  /** Puts back items taken by a send that failed, ahead of what was queued since. */
  restore(items: readonly BatchItem[]): void {
    const before = new Map<string, Run[]>()
    for (const it of items) {
      let runs = before.get(it.key)
      if (!runs) {
        runs = []
        before.set(it.key, runs)
      }
      const r: Run = { at: it.at, last: it.last ?? it.at, sig: `restored:${runs.length}`, request: 0, gpc0: 0, gpc1: 0, counts: {}, end: 0 }
      runs.push(r)
      this.#ops++
      this.#bytes += DELTA_BYTES
      applyTo(r, it.ops)
    }
    for (const key of before.keys()) if (!this.#runs.has(key)) this.#bytes += keyBytes(key)
    for (const [key, runs] of this.#runs) before.set(key, [...(before.get(key) ?? []), ...runs])
    this.#runs = before
  }
}

function applyTo(r: Run, ops: readonly StickOp[]): void {
  for (const o of ops) {
    if (o.op === 'request') r.request += o.n ?? 1
    else if (o.op === 'inc') r[o.data] += o.n ?? 1
    else if (o.op === 'count') r.counts[o.data] = (r.counts[o.data] ?? 0) + o.n
    else if (o.op === 'end') r.end += o.n ?? 1
    else if (o.data === 'gpt0') r.gpt0 = o.value
    else r.serverId = o.value
  }
}

function toItem(key: string, r: Run): BatchItem {
  const ops: StickOp[] = []
  if (r.request > 0) ops.push({ op: 'request', n: r.request })
  if (r.gpc0 > 0) ops.push({ op: 'inc', data: 'gpc0', n: r.gpc0 })
  if (r.gpc1 > 0) ops.push({ op: 'inc', data: 'gpc1', n: r.gpc1 })
  if (r.gpt0 !== undefined) ops.push({ op: 'set', data: 'gpt0', value: r.gpt0 })
  if (r.serverId !== undefined) ops.push({ op: 'set', data: 'server_id', value: r.serverId })
  for (const [data, n] of Object.entries(r.counts) as [CountedData, number][]) if (n > 0) ops.push({ op: 'count', data, n })
  if (r.end > 0) ops.push({ op: 'end', n: r.end })
  return r.last !== r.at ? { key, at: r.at, last: r.last, ops } : { key, at: r.at, ops }
}
