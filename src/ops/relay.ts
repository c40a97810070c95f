/**
 * @module
 * A relay of the state plane (the RuntimeState Durable Object named `loc:<colo>`, one per
 * Cloudflare location), free of the runtime. The isolates of a location sync with it — one call,
 * counters up and the whole PlaneState down when it changed — so no isolate talks to an object
 * outside its own location, and the hub sees one caller per location instead of one per isolate.
 *
 * - It keeps the hub's last state (persisted on change: a relay woken after an eviction answers at
 *   once when it was still in the hub's push lease, RELAY_STALE_MS) and the text of the RouteMap the
 *   pointer names, read from KV in its own location, so a cold isolate gets everything it decides
 *   on in one local round trip.
 * - It merges its isolates' counters and forwards them every RELAY_SYNC_MS, asking for the state at
 *   the same time (a backstop: the hub pushes every change).
 * - It tells each isolate when to sync next: ISOLATE_SYNC_MS, longer when many isolates share it.
 * Only a relay that has never heard from the hub, or not for RELAY_STALE_MS, makes its caller
 * wait for the hub.
 */
import type { HealthPlan } from '../health/plan.ts'
import type { LivePointer } from '../routemap/kv.ts'
import { MISSING_RETRY_MAX_MS, MISSING_RETRY_MS } from '../routemap/live.ts'
import type { PlaneStore } from './hub.ts'
import { type IsolateAnswer, type IsolateSync, nextSyncMs, type PlaneState, pointerId, RELAY_STALE_MS, RELAY_SYNC_MS, type RelayAnswer, type RelaySync, relayName } from './plane.ts'
import { MergedReports } from './relay-counters.ts'
import { Background } from './background.ts'

export interface RelayDeps {
  readonly store: PlaneStore
  readonly now: () => number
  /** The hub's relaySync (an RPC to RuntimeState `global`). */
  readonly hub: (req: RelaySync) => Promise<RelayAnswer>
  /** Reads a RouteMap version's text from KV in this location (null: not readable yet). */
  readonly readVersion?: (pointer: LivePointer) => Promise<string | null>
  readonly log?: (line: string) => void
}

/** The last contact with the hub is persisted at most this often (a restarted relay trusts its state within RELAY_STALE_MS of it). */
const HUB_AT_PERSIST_MS = RELAY_STALE_MS / 2

/** Plans already forwarded are not forwarded again for this long (the hub configures once per map). */
const PLANS_REPEAT_MS = 30_000

export class RelayCore {
  readonly #bg: Background
  readonly #d: RelayDeps
  #name = ''
  #state: PlaneState | undefined
  #hubAt = Number.NEGATIVE_INFINITY
  #hubAtSaved = Number.NEGATIVE_INFINITY
  /** When this relay last called the hub (counters go up every RELAY_SYNC_MS, pushes or not). */
  #syncedAt = Number.NEGATIVE_INFINITY
  #hubInflight: Promise<void> | undefined
  readonly #reports = new MergedReports()
  readonly #plans = new Map<string, { plan: HealthPlan; sentAt: number }>()
  #text: { id: string; text: string } | undefined
  #textRead: { id: string; misses: number; retryAt: number; inflight?: Promise<void> } | undefined

  constructor(d: RelayDeps) {
    this.#d = d
    this.#bg = new Background('relay', d.log)
    for (const [key, v] of d.store.entries()) {
      if (key === 'relay:state') this.#state = v as PlaneState
      else if (key === 'relay:hubAt') {
        this.#hubAt = v as number
        this.#hubAtSaved = v as number
        this.#syncedAt = v as number
      } else if (key === 'relay:name') this.#name = v as string
    }
  }

  /** Background work (pushes, reads, syncs) finished. */
  idle(): Promise<void> {
    return this.#bg.idle()
  }

  /** Calls answered, by method (tests and the simulation). */
  get calls(): Readonly<Record<string, number>> {
    return this.#bg.calls
  }

  get state(): PlaneState | undefined {
    return this.#state
  }

  #adopt(state: PlaneState, now: number): void {
    this.#hubAt = now
    const fresh = !this.#state || state.seq > this.#state.seq
    // The time of contact is persisted with a new state, else at most every HUB_AT_PERSIST_MS (rows written).
    if (fresh || now - this.#hubAtSaved >= HUB_AT_PERSIST_MS) {
      this.#hubAtSaved = now
      this.#d.store.put('relay:hubAt', now)
    }
    if (!fresh) return
    this.#state = state
    this.#d.store.put('relay:state', state)
    this.#readText()
  }

  /** The hub's push of a new state (with the RouteMap's text when the pointer moved). */
  push(state: PlaneState, routeMapText?: string): void {
    this.#bg.count('push')
    this.#takeText(state, routeMapText)
    this.#adopt(state, this.#d.now())
  }

  /** The hub's copy of the pointer's text: no KV read of our own. */
  #takeText(state: PlaneState | undefined, text: string | undefined): void {
    const id = pointerId((state ?? this.#state)?.pointer)
    if (text !== undefined && id !== '') this.#text = { id, text }
  }

  /** One call to the hub at a time: counters up, state down. */
  syncHub(): Promise<void> {
    this.#hubInflight ??= (async () => {
      const now = this.#d.now()
      this.#syncedAt = now
      const report = this.#reports.take(this.#name, now)
      const plans = [...this.#plans.values()].filter((p) => now - p.sentAt >= PLANS_REPEAT_MS || p.sentAt === 0)
      for (const p of plans) p.sentAt = now
      try {
        const a = await this.#d.hub({
          relay: this.#name,
          seq: this.#state?.seq ?? -1,
          routeMap: this.#text?.id ?? '',
          ...(report ? { report } : {}),
          ...(plans.length ? { plans: plans.map((p) => p.plan) } : {}),
        })
        this.#takeText(a.state, a.routeMapText)
        this.#adopt(a.state ?? (this.#state as PlaneState), this.#d.now())
      } catch (e) {
        for (const p of plans) p.sentAt = 0
        throw e
      } finally {
        this.#hubInflight = undefined
      }
    })()
    return this.#hubInflight
  }

  /** The pointer's RouteMap text, read from KV here (retried with backoff while KV has not propagated it). */
  #readText(): void {
    const p = this.#state?.pointer
    const read = this.#d.readVersion
    if (!p || !read) return
    const id = pointerId(p)
    if (this.#text?.id === id) return
    const r = this.#textRead?.id === id ? this.#textRead : { id, misses: 0, retryAt: 0 }
    this.#textRead = r
    if (r.inflight || this.#d.now() < r.retryAt) return
    r.inflight = read(p)
      .then((text) => {
        if (text !== null) {
          this.#text = { id, text }
          return
        }
        r.misses++
        r.retryAt = this.#d.now() + Math.min(MISSING_RETRY_MS * 2 ** (r.misses - 1), MISSING_RETRY_MAX_MS)
      })
      .finally(() => delete r.inflight)
    this.#bg.later(r.inflight)
  }

  /** An isolate's sync. */
  async sync(req: IsolateSync): Promise<IsolateAnswer> {
    this.#bg.count('sync')
    const now = this.#d.now()
    if (!this.#name) {
      this.#name = relayName(req.location)
      this.#d.store.put('relay:name', this.#name)
    }
    if (req.report) this.#reports.add(req.report, now)
    for (const p of req.plans ?? []) {
      const key = `${p.backend}@${p.routeMapHash}`
      if (!this.#plans.has(key)) this.#plans.set(key, { plan: p, sentAt: 0 })
    }
    const plansPending = [...this.#plans.values()].some((p) => p.sentAt === 0)
    // Never heard from the hub (or not for a long time): this caller waits, once.
    if (!this.#state || now - this.#hubAt >= RELAY_STALE_MS || req.flush) {
      try {
        await this.syncHub()
      } catch (e) {
        this.#d.log?.(`[relay] hub sync failed: ${String(e)}`)
      }
    } else if (now - this.#syncedAt >= RELAY_SYNC_MS || plansPending) this.#bg.later(this.syncHub())
    if (this.#state && this.#text?.id !== pointerId(this.#state.pointer)) this.#readText()
    const state = this.#state
    const isolates = this.#reports.isolates(now)
    const answer: { -readonly [K in keyof IsolateAnswer]: IsolateAnswer[K] } = { seq: state?.seq ?? -1, nextSyncMs: nextSyncMs(isolates) }
    if (state && req.seq !== state.seq) answer.state = state
    if (state?.pointer && this.#text && this.#text.id === pointerId(state.pointer) && req.routeMap !== this.#text.id) answer.routeMapText = this.#text.text
    return answer
  }
}
