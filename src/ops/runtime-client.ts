/**
 * @module
 * An isolate's side of the state plane (src/ops/plane.ts): one `sync()` with its location's relay
 * (RuntimeState `loc:<colo>`, src/ops/relay.ts) every `nextSyncMs` (2–4 s, the relay says) while
 * the isolate has traffic. One call carries the isolate's counter deltas up and brings back,
 * when its sequence number moved, everything the isolate decides on: admin overrides and pattern
 * edits (`view`), the routing health of each backend (`onHealth`) and the live RouteMap pointer
 * with the RouteMap's text (`onRouteMap`). The first request of an isolate waits for that one call
 * (so a server in MAINT, or one its monitor marked DOWN, is never picked by a fresh isolate); a
 * warm isolate's requests never wait.
 */
import type { HealthPlan } from '../health/plan.ts'
import type { HealthSnapshot } from '../health/snapshot.ts'
import type { LivePointer } from '../routemap/kv.ts'
import { EMPTY_VIEW, type IsolateAnswer, type IsolateSync, ISOLATE_SYNC_MS, type PlaneState, type RuntimeView } from './plane.ts'
import type { IsolateReport } from './types.ts'

export type RuntimeViewLike = RuntimeView
export { EMPTY_VIEW }

/** The relay's RPC surface an isolate uses. */
export interface RelayRemote {
  sync(req: IsolateSync): Promise<IsolateAnswer>
}

export interface RuntimeClientOptions {
  readonly now: () => number
  readonly isolate: string
  readonly location: string
  /** The isolate's counters since the last report (undefined: nothing new). */
  readonly report: () => IsolateReport | undefined
  /** `version@hash` of the live RouteMap the isolate runs ('' for the built-in one). */
  readonly routeMap: () => string
  /** Health snapshots of the state (all of them, when the state changed). */
  readonly onHealth?: (health: Readonly<Record<string, HealthSnapshot>>) => void
  /** The live pointer and, when the relay has it, the RouteMap's text. */
  readonly onRouteMap?: (pointer: LivePointer | null | undefined, text: string | undefined) => void
  /** The longest interval between two syncs, whatever the relay says (`edgeproxy dev`: 1 s, one isolate). */
  readonly maxSyncMs?: number
  readonly log?: (line: string) => void
}

/** Default interval between two syncs of one isolate (the relay may ask for a longer one). */
export const DEFAULT_SYNC_MS = ISOLATE_SYNC_MS

export class RuntimeClient {
  readonly #remote: () => RelayRemote
  readonly #o: RuntimeClientOptions
  #view: RuntimeView = EMPTY_VIEW
  #seq = -1
  #pointer: LivePointer | null | undefined
  #syncedAt = Number.NEGATIVE_INFINITY
  #syncMs: number
  #inflight: Promise<void> | undefined
  #ready = false
  #ok = false
  /** Plans to report with the next sync (their backends have no health in the state). */
  #plans: readonly HealthPlan[] = []
  /** Syncs made (tests and the simulation). */
  calls = 0

  constructor(remote: () => RelayRemote, o: RuntimeClientOptions) {
    this.#remote = remote
    this.#o = o
    this.#syncMs = Math.min(ISOLATE_SYNC_MS, o.maxSyncMs ?? Number.POSITIVE_INFINITY)
  }

  get view(): RuntimeView {
    return this.#view
  }

  /** The live pointer the state names (undefined: no state yet, or no KV). */
  get pointer(): LivePointer | null | undefined {
    return this.#pointer
  }

  /** Adopts a view returned by a write (the API's own isolate sees its change at once). */
  adopt(view: RuntimeView): void {
    if (view.version >= this.#view.version) this.#view = view
  }

  /** True after the first sync finished (whether or not it reached the relay). */
  get ready(): boolean {
    return this.#ready
  }

  /** True when the last sync reached the relay. */
  get connected(): boolean {
    return this.#ok
  }

  due(): boolean {
    return this.#inflight === undefined && (this.#o.now() - this.#syncedAt >= this.#syncMs || this.#plans.length > 0)
  }

  /** Plans whose backends have no health in the state: sent with the next sync (the hub configures their monitors). */
  want(plans: readonly HealthPlan[]): void {
    this.#plans = plans
  }

  /** Flushes counters and refreshes the state (one call at a time; failures keep the last state). */
  sync(flush = false): Promise<void> {
    if (flush && this.#inflight) return this.#inflight.then(() => this.sync(true))
    this.#inflight ??= this.#sync(flush).finally(() => {
      this.#syncedAt = this.#o.now()
      this.#ready = true
      this.#inflight = undefined
    })
    return this.#inflight
  }

  #apply(state: PlaneState): void {
    this.#seq = state.seq
    if (state.view.version !== this.#view.version) this.#view = state.view
    this.#o.onHealth?.(state.health)
    this.#pointer = state.pointer
  }

  async #sync(flush: boolean): Promise<void> {
    const report = this.#o.report()
    const plans = this.#plans
    this.#plans = []
    this.calls++
    try {
      const a = await this.#remote().sync({
        isolate: this.#o.isolate,
        location: this.#o.location,
        seq: this.#seq,
        routeMap: this.#o.routeMap(),
        ...(report ? { report } : {}),
        ...(plans.length ? { plans } : {}),
        ...(flush ? { flush } : {}),
      })
      this.#ok = true
      this.#syncMs = Math.min(a.nextSyncMs > 0 ? a.nextSyncMs : ISOLATE_SYNC_MS, this.#o.maxSyncMs ?? Number.POSITIVE_INFINITY)
      if (a.state) this.#apply(a.state)
      if (a.state || a.routeMapText !== undefined) this.#o.onRouteMap?.(this.#pointer, a.routeMapText)
    } catch (e) {
      this.#ok = false
      if (plans.length && this.#plans.length === 0) this.#plans = plans
      this.#o.log?.(`[runtime] sync failed: ${String(e)}`)
    }
  }
}
