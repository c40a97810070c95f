/**
 * @module
 * The Durable Object-backed StickStore. Each table is sharded (stick-shard.ts: `fnv1a32(key) %
 * shardCount(size)`, object `${table}:${shard}`); the isolate keeps a view of every table (a
 * MemoryStickTable, LRU-bounded by the table's size) that the engine reads synchronously.
 *
 * - exact (`consistency exact`, the default): `track` is one awaited RPC to the key's shard; the
 *   entry it returns (counters and freq_ctr state) replaces the view's copy, so sc_* fetches read
 *   the shared counts at the isolate's clock. Later writes of the request (sc-inc-gpc0,
 *   sc-set-gpt0, stick store) are applied to the view and sent in one background RPC each.
 * - fast: `track` counts in the view and queues the op for the shard; a shard's queue is sent as
 *   one `update` batch when it holds `batch` ops or `flushMs` after its first op (a timer handed
 *   to `defer`, i.e. ctx.waitUntil). The answer (the shard's authoritative entries) replaces the
 *   view's copies, with the ops queued since re-applied on top.
 *
 * Calls per request: 0 for requests that track nothing (and for src_* reads, which read the
 * view); exact: 1 awaited per track-sc, +1 in the background per request that also writes
 * (sc-inc-gpc0, sc-set-gpt0, stick store), +1 in the background per tracked entry that stores
 * http_err/http_fail when the response is an error or failure, +1 in the background per tracked
 * entry that stores conn_cur or bytes_* at the end of the response, and +1 awaited per
 * `stick match` key (prefetch());
 * fast: at most 1/`batch` per tracked request plus one per shard and `flushMs` (≤ 0.05 from 20
 * tracked requests/s per isolate with the defaults).
 *
 * Over-admission in fast mode: an isolate sees its own requests at once and the others' at its
 * next sync, so a key gets about limit + (isolates − 1) × batch requests admitted before every
 * isolate denies (plus what the others receive within `flushMs` when they sync by timer rather
 * than by batch). Measured (test/unit/engine/stick-remote.test.ts): 4 isolates taking turns,
 * batch 8, `deny if { sc_http_req_rate(0) gt 20 }`: 44 admitted, 24 over. One isolate: 0 over.
 * An exact-mode background write can arrive after the next track of the same key (it then counts
 * one request later); rate verdicts do not depend on it.
 *
 * Failures (an RPC that throws or takes longer than `timeoutMs`) never fail a request. Per table
 * (`failure` option), `open` (default): the counter is not tracked, so its sc_* fetches fail like
 * an untracked counter's (ACL false: `deny if { sc_http_req_rate(0) gt N }` lets the request in);
 * `local`: the isolate's view counts instead. After a failure the shard is not asked again for
 * `retryAfterMs` (the policy applies at once, without waiting for a timeout). Fast-mode batches
 * that fail are dropped: the view keeps its own counts.
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import { type CountedData, type EntryState, MemoryStickTable, type StickEntry, type StickOp } from './memory-stick.ts'
import { type BatchItem, type ShardSpec, shardName, shardOf, shardSpec } from './stick-shard.ts'
import type { StickStore, StickStoreFactory } from './stick-store.ts'

/** The RPC surface of one shard (the StickTable Durable Object's methods). */
export interface StickShardRpc {
  track(spec: ShardSpec, key: string, now: number, ops: readonly StickOp[]): Promise<EntryState | null>
  lookup(key: string, now: number): Promise<EntryState | null>
  update(spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]>
}

export type FailurePolicy = 'open' | 'local'

export interface RemoteStickOptions {
  /** The shard object named `${table}:${shard}` (the Worker: `(n) => env.STICK.getByName(n)`). */
  readonly shard: (name: string) => StickShardRpc
  /** Hands background work to the runtime (ctx.waitUntil); the store also tracks it for idle(). */
  readonly defer?: (p: Promise<unknown>) => void
  /** Exact-mode RPC timeout (ms, default 1000). */
  readonly timeoutMs?: number
  /** Per table failure policy, overriding the table's `on-error` (default `open`). */
  readonly failure?: Readonly<Record<string, FailurePolicy>>
  /** How long a failed shard is skipped (ms, default 5000). */
  readonly retryAfterMs?: number
  /** Fast mode: ops per shard that trigger a flush (default 32). */
  readonly batch?: number
  /** Fast mode: longest time an op waits in the queue (ms, default 1000). */
  readonly flushMs?: number
  /**
   * Most entries the isolate view keeps per table (default 50,000, never more than the table's
   * size): least recently used first out. A fast-mode key evicted from the view restarts from
   * the shard's count at its next sync.
   */
  readonly viewSize?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly log?: (line: string) => void
}

/** Queued fast-mode writes of one key, coalesced: counts add up, sets keep the last value. */
interface PendingKey {
  readonly key: string
  readonly at: number
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

interface ShardQueue {
  readonly name: string
  readonly table: string
  items: Map<string, PendingKey>
  ops: number
  timer: boolean
  /** Bumped by every flush: a timer armed before a flush (a full batch) must not flush the next, partial one. */
  gen: number
}

interface Table {
  readonly spec: StickTableSpec
  readonly wire: ShardSpec
  readonly view: MemoryStickTable
}

export class RemoteStickStore implements StickStore {
  /** RPCs started (tests and metrics). */
  calls = 0
  readonly now: () => number
  readonly #tables = new Map<string, Table>()
  readonly #opts: RemoteStickOptions
  readonly #queues = new Map<string, ShardQueue>()
  readonly #downUntil = new Map<string, number>()
  readonly #background = new Set<Promise<unknown>>()
  /** Fast-mode flush timers still sleeping. */
  readonly #timers = new Set<Promise<void>>()

  constructor(specs: readonly StickTableSpec[], now: () => number, opts: RemoteStickOptions) {
    this.now = now
    this.#opts = opts
    const cap = opts.viewSize ?? 50_000
    for (const s of specs) this.#tables.set(s.name, { spec: s, wire: shardSpec(s), view: new MemoryStickTable({ ...s, size: Math.min(s.size, cap), nopurge: viewNopurge(s, cap) }) })
  }

  table(name: string): MemoryStickTable | undefined {
    return this.#tables.get(name)?.view
  }

  track(table: string, key: string, ops: readonly StickOp[]): StickEntry | undefined | Promise<StickEntry | undefined> {
    const t = this.#tables.get(table)
    if (!t) return undefined
    if (t.spec.consistency === 'fast') return this.#local(t, key, ops, true)
    const name = shardName(table, shardOf(t.spec, key))
    if (this.#isDown(name)) return this.#failed(t, key, ops)
    this.calls++
    const now = this.now()
    return this.#timed(this.#opts.shard(name).track(t.wire, key, now, ops)).then(
      (state) => (state ? t.view.install(state) : undefined),
      (e: unknown) => {
        this.#markDown(name, e)
        return this.#failed(t, key, ops)
      },
    )
  }

  ship(table: string, key: string, ops: readonly StickOp[]): void {
    const t = this.#tables.get(table)
    if (!t) return
    const name = shardName(table, shardOf(t.spec, key))
    if (t.spec.consistency === 'fast') {
      this.#enqueue(t, name, key, ops, this.now())
      return
    }
    if (this.#isDown(name)) return
    this.calls++
    this.#bg(
      this.#timed(this.#opts.shard(name).track(t.wire, key, this.now(), ops)).then(
        (state) => {
          if (state) this.#merge(t, state, undefined)
        },
        (e: unknown) => this.#markDown(name, e),
      ),
    )
  }

  load(table: string, key: string): Promise<void> | undefined {
    const t = this.#tables.get(table)
    if (!t || t.spec.consistency === 'fast') return undefined
    const name = shardName(table, shardOf(t.spec, key))
    if (this.#isDown(name)) return undefined
    this.calls++
    return this.#timed(this.#opts.shard(name).lookup(key, this.now())).then(
      (state) => {
        if (state) t.view.install(state)
        else t.view.forget(key)
      },
      (e: unknown) => this.#markDown(name, e),
    )
  }

  /** Sends every queued fast-mode batch now. */
  async flush(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => this.#flushQueue(q)))
  }

  /**
   * Resolves when all background work has settled, sleeping flush timers included (the Worker:
   * ctx.waitUntil(store.idle()), which keeps a fast-mode flush alive up to `flushMs`).
   */
  async idle(): Promise<void> {
    while (this.#background.size > 0 || this.#timers.size > 0) await Promise.allSettled([...this.#background, ...this.#timers])
  }

  /** Resolves when the RPCs in flight have settled (not waiting for sleeping flush timers). */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background])
  }

  /** Counts in the view (fast mode, and the `local` failure policy); queues the ops when `queue`. */
  #local(t: Table, key: string, ops: readonly StickOp[], queue: boolean): StickEntry | undefined {
    const now = this.now()
    const e = t.view.touch(key, now)
    if (!e) return undefined
    t.view.apply(e, ops, now)
    if (queue) this.#enqueue(t, shardName(t.spec.name, shardOf(t.spec, key)), key, ops, now)
    return e
  }

  #failed(t: Table, key: string, ops: readonly StickOp[]): StickEntry | undefined {
    return (this.#opts.failure?.[t.spec.name] ?? t.spec.onError ?? 'open') === 'local' ? this.#local(t, key, ops, false) : undefined
  }

  #enqueue(t: Table, name: string, key: string, ops: readonly StickOp[], now: number): void {
    let q = this.#queues.get(name)
    if (!q) {
      q = { name, table: t.spec.name, items: new Map(), ops: 0, timer: false, gen: 0 }
      this.#queues.set(name, q)
    }
    let p = q.items.get(key)
    if (!p) {
      p = { key, at: now, request: 0, gpc0: 0, gpc1: 0, counts: {}, end: 0 }
      q.items.set(key, p)
    }
    for (const o of ops) {
      if (o.op === 'request') p.request += o.n ?? 1
      else if (o.op === 'inc') p[o.data] += o.n ?? 1
      else if (o.op === 'count') p.counts[o.data] = (p.counts[o.data] ?? 0) + o.n
      else if (o.op === 'end') p.end += o.n ?? 1
      else if (o.data === 'gpt0') p.gpt0 = o.value
      else p.serverId = o.value
    }
    q.ops++
    if (q.ops >= (this.#opts.batch ?? 32)) this.#bg(this.#flushQueue(q))
    else if (!q.timer) {
      q.timer = true
      const queue = q
      const gen = q.gen
      const sleep = this.#opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
      const timer: Promise<void> = sleep(this.#opts.flushMs ?? 1000).then(() => {
        this.#timers.delete(timer)
        if (queue.gen === gen) this.#bg(this.#flushQueue(queue))
      })
      this.#timers.add(timer)
      this.#opts.defer?.(timer)
    }
  }

  async #flushQueue(q: ShardQueue): Promise<void> {
    q.timer = false
    q.gen++
    if (q.items.size === 0) return
    const t = this.#tables.get(q.table)
    if (!t) return
    const items = [...q.items.values()]
    q.items = new Map()
    q.ops = 0
    if (this.#isDown(q.name)) return
    this.calls++
    try {
      const states = await this.#timed(this.#opts.shard(q.name).update(t.wire, items.map(toBatchItem)))
      for (const s of states) if (s) this.#merge(t, s, q.items.get(s.key))
    } catch (e) {
      this.#markDown(q.name, e)
    }
  }

  /** Installs the shard's copy of an entry in the view, then re-applies what was queued since. */
  #merge(t: Table, state: EntryState, since: PendingKey | undefined): void {
    const e = t.view.install(state)
    if (since) t.view.apply(e, toBatchItem(since).ops, since.at)
  }

  #timed<T>(p: Promise<T>): Promise<T> {
    const ms = this.#opts.timeoutMs ?? 1000
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`stick table RPC timed out after ${ms} ms`)), ms)
    })
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
  }

  #isDown(name: string): boolean {
    const until = this.#downUntil.get(name)
    if (until === undefined) return false
    if (this.now() < until) return true
    this.#downUntil.delete(name)
    return false
  }

  #markDown(name: string, e: unknown): void {
    this.#downUntil.set(name, this.now() + (this.#opts.retryAfterMs ?? 5000))
    this.#opts.log?.(`[stick] ${name}: ${e instanceof Error ? e.message : String(e)}; failure policy applies for ${this.#opts.retryAfterMs ?? 5000} ms`)
  }

  #bg(p: Promise<unknown>): void {
    const guarded = p.catch((e: unknown) => this.#opts.log?.(`[stick] background: ${String(e)}`))
    this.#background.add(guarded)
    void guarded.finally(() => this.#background.delete(guarded))
    this.#opts.defer?.(guarded)
  }
}

/**
 * Whether the isolate view refuses new keys when full: in fast mode the view answers track-sc, so
 * a full `nopurge` table refuses there as the shard would (when the view holds the whole table);
 * in exact mode the view only caches the shard's answers and must never refuse.
 */
function viewNopurge(s: StickTableSpec, cap: number): boolean {
  return s.consistency === 'fast' && s.nopurge && s.size <= cap
}

function toBatchItem(p: PendingKey): BatchItem {
  const ops: StickOp[] = []
  if (p.request > 0) ops.push({ op: 'request', n: p.request })
  if (p.gpc0 > 0) ops.push({ op: 'inc', data: 'gpc0', n: p.gpc0 })
  if (p.gpc1 > 0) ops.push({ op: 'inc', data: 'gpc1', n: p.gpc1 })
  if (p.gpt0 !== undefined) ops.push({ op: 'set', data: 'gpt0', value: p.gpt0 })
  if (p.serverId !== undefined) ops.push({ op: 'set', data: 'server_id', value: p.serverId })
  for (const [data, n] of Object.entries(p.counts) as [CountedData, number][]) if (n > 0) ops.push({ op: 'count', data, n })
  if (p.end > 0) ops.push({ op: 'end', n: p.end })
  return { key: p.key, at: p.at, ops }
}

/** createEngine's `stick` option for Durable Object-backed tables, plus access to the store it built. */
export interface RemoteStickFactory extends StickStoreFactory {
  /** The store of the most recent engine (one per RouteMap), if built. */
  readonly current: () => RemoteStickStore | undefined
  /** current()?.idle(): the Worker passes it to ctx.waitUntil after each request that used a table. */
  readonly idle: () => Promise<void>
}

export function remoteStickStore(opts: RemoteStickOptions): RemoteStickFactory {
  let current: RemoteStickStore | undefined
  const factory = (specs: readonly StickTableSpec[], now: () => number): RemoteStickStore => {
    current = new RemoteStickStore(specs, now, opts)
    return current
  }
  return Object.assign(factory, { current: () => current, idle: async () => current?.idle() })
}
