/**
 * @module
 * The StickTable Durable Object's logic, runtime-free (durable-objects/stick-table.ts wraps it
 * with SQLite, the alarm and the STICK namespace; the simulation with its own fakes). One object
 * plays one of two roles, decided by the methods called on it:
 * - the **home shard** `${table}:${shard}` (`track`, `lookup`, `update`, the runtime API's
 *   `size`/`dump`/`clear`/`setData`): a StickShard over the injected storage, whose dirty rows the
 *   alarm writes at most every PERSIST_MS (stick-shard.ts);
 * - a **replica** `${table}:${shard}@${location}` (`flush`): a StickReplica, which sends its
 *   location's writes to the home shard at most every HOME_SYNC_MS, with the flush that finds a
 *   sync due (not awaited by the isolate), else from the alarm (stick-replica.ts `schedule`).
 */
import type { EntryState, StickOp } from './memory-stick.ts'
import { type FlushAnswer, StickReplica } from './stick-replica.ts'
import { type BatchItem, PERSIST_MS, type ShardSpec, type ShardStorage, StickShard } from './stick-shard.ts'

/** What the object needs from its host (the Durable Object runtime, or the simulation). */
export interface StickObjectHost {
  /** The home role's storage, opened on first use (a replica never opens it). */
  readonly storage: () => ShardStorage
  /** The home shard of that name (a replica's `update` calls). */
  readonly home: (name: string) => { update(spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]> }
  readonly now: () => number
  /** The armed alarm's time, if any. */
  readonly getAlarm: () => Promise<number | null>
  readonly setAlarm: (at: number) => Promise<void>
  /** Keeps background work (a replica's sync) alive after the call returns. */
  readonly waitUntil: (p: Promise<unknown>) => void
  /** Runs `f` as one storage transaction (SQLite: transactionSync). */
  readonly transaction?: <T>(f: () => T) => T
  readonly log?: (line: string) => void
}

export class StickObject {
  readonly #host: StickObjectHost
  #home: StickShard | undefined
  #replica: { core: StickReplica; home: string } | undefined
  #lastPersist = 0
  /** When the alarm is armed (cached; undefined: not known to be armed). */
  #alarmAt: number | undefined

  constructor(host: StickObjectHost) {
    this.#host = host
  }

  /** The home shard core, its persistent rows loaded on first use. */
  #shard(): StickShard {
    if (!this.#home) this.#home = new StickShard(this.#host.storage())
    return this.#home
  }

  /** track-sc (exact mode) / stick store: creates or refreshes `key`, applies `ops`; null when refused (nopurge, full). */
  async track(spec: ShardSpec, key: string, now: number, ops: readonly StickOp[]): Promise<EntryState | null> {
    const r = this.#shard().track(spec, key, now, ops)
    await this.#armPersist()
    return r
  }

  /** src_* / table_*: the entry without creating or refreshing it (a replica: its location's copy). */
  async lookup(key: string, now: number): Promise<EntryState | null> {
    return this.#replica ? this.#replica.core.lookup(key, now) : this.#shard().lookup(key, now)
  }

  /** A batch of writes (an isolate without location, a replica's sync); returns each key's merged entry. */
  async update(spec: ShardSpec, items: readonly BatchItem[]): Promise<(EntryState | null)[]> {
    const r = this.#shard().update(spec, items)
    await this.#armPersist()
    return r
  }

  /** Replica: an isolate's flush (`home`: the home shard's name; `refresh`: keys whose entries it wants back). */
  async flush(spec: ShardSpec, home: string, isolate: string, items: readonly BatchItem[], refresh: readonly string[] = []): Promise<FlushAnswer> {
    if (!this.#replica) this.#replica = { core: new StickReplica(), home }
    const now = this.#host.now()
    const answer = this.#replica.core.flush(spec, isolate, items, now, refresh)
    // A sync due now goes with this flush (not awaited by the isolate): no alarm. An isolate alone
    // flushes every FLUSH_LONG_MS ≥ HOME_SYNC_MS, so its replica syncs without alarms.
    const next = this.#replica.core.schedule(now)
    if (next.sync) this.#host.waitUntil(this.#syncHome(next.sync))
    else if (next.alarmAt !== undefined) await this.#arm(next.alarmAt)
    return answer
  }

  /** Sends a replica's writes to its home shard and takes the merged entries back. */
  async #syncHome(out: { spec: ShardSpec; items: BatchItem[] }): Promise<void> {
    const r = this.#replica
    if (!r) return
    try {
      const states = await this.#host.home(r.home).update(out.spec, out.items)
      r.core.applyHome(out.items, states, this.#host.now())
    } catch (e) {
      r.core.homeFailed(out.items)
      this.#host.log?.(`[stick] replica sync to ${r.home}: ${e instanceof Error ? e.message : String(e)}`)
    }
    // Writes queued meanwhile: sent now if this sync took HOME_SYNC_MS, else at the alarm.
    const next = r.core.schedule(this.#host.now())
    if (next.sync) await this.#syncHome(next.sync)
    else if (next.alarmAt !== undefined) await this.#arm(next.alarmAt)
  }

  /** What the object holds, as src/state/budget.ts counts it (bench/memory.ts, tests). */
  usage(): { role: 'home' | 'replica' | 'idle'; entries: number; bytes: number } {
    if (this.#replica) {
      const u = this.#replica.core.usage()
      return { role: 'replica', entries: u.entries, bytes: u.entryBytes + u.pendingBytes + u.writerBytes }
    }
    if (this.#home) return { role: 'home', entries: this.#home.count, bytes: this.#home.bytes }
    return { role: 'idle', entries: 0, bytes: 0 }
  }

  /** Number of live entries (tests, `show table`). */
  async size(now: number): Promise<number> {
    return this.#shard().size(now)
  }

  /** Runtime API `show table`: every live entry of this shard, in key order. */
  async dump(now: number): Promise<EntryState[]> {
    return this.#shard().entries(now)
  }

  /**
   * Runtime API `clear table`: removes `key`, or every entry; returns how many live entries went
   * (entries expired at `now` are purged first and not counted).
   */
  async clear(key?: string, now: number = this.#host.now()): Promise<number> {
    const n = this.#shard().clear(key, now)
    await this.#armPersist()
    return n
  }

  /**
   * Runtime API `set table <t> key <k> data.<type> <v>…`: creates or refreshes `key` and writes
   * each value; a rate is set as HAProxy does (current period = value, previous = 0, starting
   * now). Null when the shard is full and the table is `nopurge`.
   */
  async setData(spec: ShardSpec, key: string, now: number, data: Readonly<Record<string, number>>): Promise<EntryState | null> {
    const r = this.#shard().setData(spec, key, now, data)
    await this.#armPersist()
    return r
  }

  /** Writes the home's dirty rows now (tests; the alarm does it at most every PERSIST_MS); returns rows written or deleted. */
  async persist(): Promise<number> {
    const now = this.#host.now()
    this.#lastPersist = now
    const home = this.#home
    if (!home) return 0
    const tx = this.#host.transaction ?? (<T>(f: () => T): T => f())
    return tx(() => home.persist(now))
  }

  /** The alarm: dirty rows due, a replica's sync due; re-armed for what remains. */
  async alarm(): Promise<void> {
    this.#alarmAt = undefined
    const now = this.#host.now()
    if (this.#home?.dirty && now >= this.#lastPersist + PERSIST_MS) await this.persist()
    const next = this.#replica?.core.schedule(now)
    if (next?.sync) await this.#syncHome(next.sync)
    else if (next?.alarmAt !== undefined) await this.#arm(next.alarmAt)
    if (this.#home?.dirty) await this.#arm(this.#lastPersist + PERSIST_MS)
  }

  async #armPersist(): Promise<void> {
    if (this.#home?.dirty) await this.#arm(Math.max(this.#host.now(), this.#lastPersist + PERSIST_MS))
  }

  /** Arms the alarm for `at` unless one is armed earlier. */
  async #arm(at: number): Promise<void> {
    if (this.#alarmAt === undefined) this.#alarmAt = (await this.#host.getAlarm()) ?? undefined
    if (this.#alarmAt !== undefined && this.#alarmAt <= at) return
    this.#alarmAt = at
    await this.#host.setAlarm(at)
  }
}
