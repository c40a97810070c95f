/**
 * @module
 * The Durable Object-backed StickStore. Each table is sharded (stick-shard.ts: `fnv1a32(key) %
 * shardCount(size)`); the home shard of a key is the object `${table}:${shard}`, its location's
 * replica `${table}:${shard}@${location}` (stick-replica.ts). The isolate keeps a view of every
 * table (a MemoryStickTable, LRU-bounded by the table's size) that the engine reads synchronously.
 *
 * - fast (the default; `consistency fast`): `track` counts in the view and queues the writes
 *   (stick-delta.ts runs) for the shard's replica in the isolate's location, or for the home shard
 *   when the store has no `location`. A queue is sent by time only, `flushMs` after its first
 *   write, where `flushMs` is what the replica answered last (stick-replica.ts: FLUSH_SHORT_MS
 *   while several isolates of the location are active, FLUSH_LONG_MS when this one is alone),
 *   FLUSH_SHORT_MS before the first answer (a timer armed with a longer interval restarts when
 *   the replica asks for a shorter one), the `flushMs` option without a replica; a queue of
 *   `batch` keys is sent at once (that bounds the payload, not the interval). The timer is handed
 *   to `defer` (ctx.waitUntil). The answer (the replica's merged entries) replaces the view's
 *   copies, with the writes queued since re-applied on top: an isolate alone gets its own counts
 *   back and decides exactly as HAProxy does; others' requests show up one flush later. No
 *   request waits on any object.
 * - exact (`consistency exact`): `track` is one awaited RPC to the key's home shard, wherever it
 *   lives; the entry it returns (counters and freq_ctr state) replaces the view's copy, so sc_*
 *   fetches read the shared counts at the isolate's clock. Later writes of the request
 *   (sc-inc-gpc0, sc-set-gpt0, stick store) are applied to the view and sent in one background
 *   RPC each.
 *
 * Calls per request: 0 for requests that track nothing (and for src_* reads, which read the
 * view); fast: one flush per shard and flush interval while the isolate tracks keys of that
 * shard, whatever the request rate (≤ 10/s per shard with FLUSH_SHORT_MS, 0.5/s alone; plus
 * refreshes of keys other isolates write too, stick-replica.ts); exact: 1
 * awaited per track-sc, +1 in the background per request that also writes (sc-inc-gpc0,
 * sc-set-gpt0, stick store), +1 in the background per tracked entry that stores http_err/http_fail
 * when the response is an error or failure, +1 in the background per tracked entry that stores
 * conn_cur or bytes_* at the end of the response, and +1 awaited per `stick match` key
 * (prefetch()).
 *
 * Over-admission in fast mode (stick-replica.ts; measured in test/unit/state/stick-accuracy.test.ts,
 * figures in docs/stick-tables.md): within a location, ≈ client rate × (flush interval + local
 * RTT) × share of its requests on other isolates; across locations, add the home sync (2–4 s of
 * the client's traffic in the other locations). One isolate: none.
 *
 * Failures (an RPC that throws or takes longer than `timeoutMs`) never fail a request. Per table
 * (`failure` option), `open` (default): the counter is not tracked, so its sc_* fetches fail like
 * an untracked counter's (ACL false: `deny if { sc_http_req_rate(0) gt N }` lets the request in);
 * `local`: the isolate's view counts instead. After a failure the shard is not asked again for
 * `retryAfterMs` (the policy applies at once, without waiting for a timeout). Fast-mode batches
 * that fail are dropped: the view keeps its own counts.
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import { ISOLATE_QUEUE_FLUSH_BYTES, viewBudget } from './budget.ts'
import { type EntryState, expiryOf, MemoryStickTable, type StickEntry, type StickOp } from './memory-stick.ts'
import { DeltaQueue, entrySig } from './stick-delta.ts'
import { FLUSH_LONG_MS, FLUSH_SHORT_MS, type FlushAnswer, REFRESH_WINDOW_MS } from './stick-replica.ts'
import { type BatchItem, type ShardSpec, shardName, shardOf, shardSpec } from './stick-shard.ts'
import type { StickStore, StickStoreFactory } from './stick-store.ts'

/** The RPC surface of one shard object (the StickTable Durable Object's methods). */
export interface StickShardRpc {
  /** Home shard: track-sc in exact mode. */
  track(spec: ShardSpec, key: string, now: number, ops: readonly StickOp[]): Promise<EntryState | null>
  lookup(key: string, now: number): Promise<EntryState | null>
  /** Home shard: a batch of writes (an isolate without location, or a replica's sync). */
  update(spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]>
  /**
   * Replica (`${table}:${shard}@${location}`): an isolate's flush; `home` names the home shard;
   * `refresh` lists keys (tracked lately, nothing queued) whose entries the isolate wants back.
   */
  flush(spec: ShardSpec, home: string, isolate: string, items: readonly BatchItem[], refresh?: readonly string[]): Promise<FlushAnswer>
}

/** The replica of home shard `home` in `location`: `${table}:${shard}@${location}`. */
export function replicaName(home: string, location: string): string {
  return `${home}@${location}`
}

export type FailurePolicy = 'open' | 'local'

export interface RemoteStickOptions {
  /** The shard object of that name (the Worker: `(n) => env.STICK.getByName(n)`). */
  readonly shard: (name: string) => StickShardRpc
  /**
   * The isolate's location (the Worker: `request.cf.colo`; `local` under `edgeproxy dev`):
   * fast-mode writes go to the replicas of this location. Without it they go to the home shards.
   */
  readonly location?: string
  /** This isolate's id as its replicas know it (default: a random one). */
  readonly isolate?: string
  /** Hands background work to the runtime (ctx.waitUntil); the store also tracks it for idle(). */
  readonly defer?: (p: Promise<unknown>) => void
  /** Exact-mode RPC timeout (ms, default 1000). */
  readonly timeoutMs?: number
  /** Per table failure policy, overriding the table's `on-error` (default `open`). */
  readonly failure?: Readonly<Record<string, FailurePolicy>>
  /** How long a failed shard is skipped (ms, default 5000). */
  readonly retryAfterMs?: number
  /** Fast mode: keys per queue that trigger a flush at once (bounds the payload; default 1000). */
  readonly batch?: number
  /**
   * Fast mode: time an op waits in the queue (ms): the first flush to a replica (then the replica
   * says), every flush without a location (default FLUSH_SHORT_MS, 250).
   */
  readonly flushMs?: number
  /**
   * Most entries the isolate view keeps per table (default 50,000, never more than the table's
   * size): least recently used first out. A fast-mode key evicted from the view restarts from
   * the shard's count at its next sync.
   */
  readonly viewSize?: number
  /**
   * Most bytes each table's view takes (src/state/budget.ts; default: the isolate's budget split
   * evenly between the tables). A key evicted for bytes restarts from the shard's count, as above.
   */
  readonly viewBytes?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly log?: (line: string) => void
}

interface ShardQueue {
  /** The object the queue goes to: a replica, or the home shard without a location. */
  readonly name: string
  readonly home: string
  readonly table: string
  deltas: DeltaQueue
  timer: boolean
  /** Bumped by every flush: a timer armed before a flush (a full batch) must not flush the next one. */
  gen: number
  /** Flush interval the replica asked for last. */
  nextMs: number
  /** The running timer's interval (when `timer`). */
  armedMs: number
  /** Shared keys (the replica said others write them too) with the last time this isolate tracked them (least recent first). */
  readonly watched: Map<string, number>
}

interface Table {
  readonly spec: StickTableSpec
  readonly wire: ShardSpec
  readonly view: MemoryStickTable
}

export class RemoteStickStore implements StickStore {
  /** RPCs started (tests and metrics). */
  calls = 0
  /** Background work started: flush timers armed and RPCs sent (what `sent()` covers; see keepAlive). */
  started = 0
  readonly now: () => number
  readonly #tables = new Map<string, Table>()
  readonly #opts: RemoteStickOptions
  readonly #queues = new Map<string, ShardQueue>()
  readonly #downUntil = new Map<string, number>()
  readonly #background = new Set<Promise<unknown>>()
  /** Fast-mode flush timers still sleeping. */
  readonly #timers = new Set<Promise<void>>()
  readonly #isolate: string

  constructor(specs: readonly StickTableSpec[], now: () => number, opts: RemoteStickOptions) {
    this.now = now
    this.#opts = opts
    this.#isolate = opts.isolate ?? randomId()
    const cap = opts.viewSize ?? 50_000
    const maxBytes = opts.viewBytes ?? viewBudget(specs.length)
    for (const s of specs) {
      this.#tables.set(s.name, { spec: s, wire: shardSpec(s), view: new MemoryStickTable({ ...s, size: Math.min(s.size, cap), nopurge: viewNopurge(s, cap) }, { maxBytes }) })
    }
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
      const e = t.view.peek(key, this.now())
      if (e) this.#enqueue(t, key, ops, entrySig(e), this.now())
      return
    }
    if (this.#isDown(name)) return
    this.calls++
    this.#bg(
      this.#timed(this.#opts.shard(name).track(t.wire, key, this.now(), ops)).then(
        (state) => {
          if (state) this.#merge(t, state, [])
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

  /** What the isolate holds, as src/state/budget.ts counts it (bench/memory.ts, tests). */
  usage(): { entries: number; bytes: number; queuedKeys: number; queuedBytes: number; watched: number } {
    let entries = 0
    let bytes = 0
    for (const t of this.#tables.values()) {
      entries += t.view.size
      bytes += t.view.bytes
    }
    let queuedKeys = 0
    let queuedBytes = 0
    let watched = 0
    for (const q of this.#queues.values()) {
      queuedKeys += q.deltas.keys
      queuedBytes += q.deltas.bytes
      watched += q.watched.size
    }
    return { entries, bytes, queuedKeys, queuedBytes, watched }
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

  /**
   * Resolves when the flush timers sleeping now have fired and the RPCs they and others started
   * have settled: what one request's writes need (they are queued behind a timer already armed).
   * Unlike idle(), bounded under continuous traffic (≤ one flush interval plus one RPC): a
   * request's ctx.waitUntil(idle()) would never resolve while requests keep arming timers, and
   * would keep every request's context alive up to the platform's waitUntil limit (30 s).
   */
  async sent(): Promise<void> {
    const timers = [...this.#timers]
    await Promise.allSettled([...timers, ...this.#background])
    if (timers.length > 0) await Promise.allSettled([...this.#background])
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
    if (queue) this.#enqueue(t, key, ops, entrySig(e), now)
    return e
  }

  #failed(t: Table, key: string, ops: readonly StickOp[]): StickEntry | undefined {
    return (this.#opts.failure?.[t.spec.name] ?? t.spec.onError ?? 'open') === 'local' ? this.#local(t, key, ops, false) : undefined
  }

  #enqueue(t: Table, key: string, ops: readonly StickOp[], sig: string, now: number): void {
    const home = shardName(t.spec.name, shardOf(t.spec, key))
    const loc = this.#opts.location
    const name = loc === undefined ? home : replicaName(home, loc)
    let q = this.#queues.get(name)
    if (!q) {
      q = { name, home, table: t.spec.name, deltas: new DeltaQueue(), timer: false, gen: 0, nextMs: this.#opts.flushMs ?? FLUSH_SHORT_MS, armedMs: 0, watched: new Map() }
      this.#queues.set(name, q)
    }
    q.deltas.add(key, ops, sig, now)
    const max = this.#opts.batch ?? 1000
    if (q.watched.has(key)) {
      q.watched.delete(key)
      q.watched.set(key, now)
    }
    if (q.deltas.keys >= max || q.deltas.bytes >= ISOLATE_QUEUE_FLUSH_BYTES) this.#bg(this.#flushQueue(q))
    else this.#arm(q)
  }

  /** Starts the queue's flush timer (`nextMs`) unless one is running. */
  #arm(q: ShardQueue): void {
    if (q.timer) return
    q.timer = true
    q.armedMs = q.nextMs
    const gen = q.gen
    const sleep = this.#opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
    this.started++
    const timer: Promise<void> = sleep(q.nextMs).then(() => {
      this.#timers.delete(timer)
      if (q.gen === gen) this.#bg(this.#flushQueue(q))
    })
    this.#timers.add(timer)
    this.#opts.defer?.(timer)
  }

  /** Keys to refresh: shared keys this isolate tracked within REFRESH_WINDOW_MS, while other isolates of the location are active. */
  #refreshKeys(q: ShardQueue, sent: readonly BatchItem[]): string[] {
    if (q.name === q.home || q.nextMs >= FLUSH_LONG_MS) return []
    const since = this.now() - REFRESH_WINDOW_MS
    for (const [k, at] of q.watched) {
      if (at >= since) break
      q.watched.delete(k)
    }
    if (q.watched.size === 0) return []
    const inBatch = new Set(sent.map((it) => it.key))
    return [...q.watched.keys()].filter((k) => !inBatch.has(k))
  }

  async #flushQueue(q: ShardQueue): Promise<void> {
    q.timer = false
    q.gen++
    const t = this.#tables.get(q.table)
    if (!t) return
    const items = q.deltas.take()
    const refresh = this.#refreshKeys(q, items)
    if (items.length === 0 && refresh.length === 0) return
    if (this.#isDown(q.name)) return
    this.calls++
    try {
      const rpc = this.#opts.shard(q.name)
      let states: (EntryState | null)[]
      let refreshed: (EntryState | null)[] = []
      if (q.name === q.home) states = await this.#timed(rpc.update(t.wire, items))
      else {
        const answer = await this.#timed(rpc.flush(t.wire, q.home, this.#isolate, items, refresh))
        states = answer.states
        refreshed = answer.refreshed
        q.nextMs = answer.nextFlushMs
        const at = new Map(items.map((it) => [it.key, it.last ?? it.at]))
        for (const k of answer.shared) {
          if (!q.watched.has(k)) q.watched.set(k, at.get(k) ?? this.now())
        }
        while (q.watched.size > (this.#opts.batch ?? 1000)) q.watched.delete(q.watched.keys().next().value as string)
        // A timer armed meanwhile with a longer interval (this isolate was alone): restart it.
        if (q.timer && q.armedMs > q.nextMs) {
          q.gen++
          q.timer = false
          this.#arm(q)
        }
      }
      const last = new Map<string, EntryState>()
      items.forEach((it, i) => {
        const s = states[i]
        if (s) last.set(it.key, s)
      })
      for (const s of refreshed) if (s && !last.has(s.key)) last.set(s.key, s)
      for (const s of last.values()) this.#merge(t, s, q.deltas.pending(s.key))
    } catch (e) {
      this.#markDown(q.name, e)
      return
    }
    // Others are active: keep this isolate's view of its recent keys fresh.
    if (this.#refreshKeys(q, []).length > 0) this.#arm(q)
  }

  /** Installs the merged copy of an entry in the view, then re-applies what was queued since. */
  #merge(t: Table, state: EntryState, since: readonly BatchItem[]): void {
    const e = t.view.install(state)
    for (const p of since) {
      t.view.apply(e, p.ops, p.at)
      e.expiresAt = expiryOf(t.spec, p.last ?? p.at)
    }
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
    this.started++
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

function randomId(): string {
  return Math.random().toString(36).slice(2, 12)
}

/** createEngine's `stick` option for Durable Object-backed tables, plus access to the store it built. */
export interface RemoteStickFactory extends StickStoreFactory {
  /** The store of the most recent engine (one per RouteMap), if built. */
  readonly current: () => RemoteStickStore | undefined
  /** current()?.idle(): all background work, timers armed later included (tests, shutdown). */
  readonly idle: () => Promise<void>
  /** The work started so far, taken before a request runs (for keepAlive). */
  readonly mark: () => WorkMark
  /**
   * After a request: the work its ctx.waitUntil must keep alive (a flush timer it armed or an RPC
   * it started: they run in its context; sent()), undefined when it started none (its writes ride
   * on a timer an earlier request armed and keeps alive). So at most one request per flush and
   * timer waits, instead of every request.
   */
  readonly keepAlive: (since: WorkMark) => Promise<void> | undefined
}

/** A store and its `started` count at some point. */
export interface WorkMark {
  readonly store: RemoteStickStore | undefined
  readonly started: number
}

export function remoteStickStore(opts: RemoteStickOptions): RemoteStickFactory {
  let current: RemoteStickStore | undefined
  const factory = (specs: readonly StickTableSpec[], now: () => number): RemoteStickStore => {
    current = new RemoteStickStore(specs, now, opts)
    return current
  }
  return Object.assign(factory, {
    current: () => current,
    idle: async () => current?.idle(),
    mark: (): WorkMark => ({ store: current, started: current?.started ?? 0 }),
    keepAlive: (since: WorkMark): Promise<void> | undefined => {
      const s = current
      if (!s || (s === since.store && s.started === since.started)) return undefined
      return s.sent()
    },
  })
}
