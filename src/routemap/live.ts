/**
 * @module
 * The isolate's current RouteMap: the live version from KV when there is one, else the fallback
 * (the `EDGEPROXY_ROUTEMAP` binding or the embedded example). The first request of an isolate
 * waits for one pointer read; afterwards the pointer is re-read in the background at most every
 * `pollMs`, and a new version is swapped in only once it has been read and validated, so
 * requests in flight finish on the map they started with and new ones never wait. When KV
 * returns nothing or garbage, the last good map stays.
 *
 * KV is eventually consistent: right after a push an isolate may read the new pointer while the
 * version it names still reads as null (and KV caches that miss for a while). Such a version is
 * retried with backoff (1 s, 2 s, 4 s… capped at MISSING_RETRY_MAX_MS), never given up on; a
 * version that reads as garbage, fails validation (src/routemap/validate.ts: the whole structure,
 * the engine's names when `names` is given) or whose content does not hash to the pointer's hash
 * is bad for good: never swapped in (so no engine is ever built from it), logged once, not read
 * again until the pointer names another version. The check runs once per version, never per request.
 */
import { LIVE_KEY, type LivePointer, parsePointer, parseStoredRouteMap, versionKey } from './kv.ts'
import type { RouteMap } from './schema.ts'
import type { KnownNames } from './validate.ts'

/** The part of a KV namespace binding this module reads. */
export interface KvReader {
  get(key: string, options?: { cacheTtl?: number }): Promise<string | null>
}

export interface LiveOptions {
  readonly pollMs: number
  readonly now: () => number
  readonly log: (line: string) => void
  /** The names the engine resolves (actions, fetches…): a version naming others is unusable. */
  readonly names?: KnownNames
}

export interface Current {
  readonly routeMap: RouteMap
  /** The KV version, absent for the fallback. */
  readonly version?: string
}

/** How often an isolate re-reads the pointer by default (KV itself may take ~60 s to propagate a change). */
export const DEFAULT_POLL_MS = 5000

/** First retry of a version that read as null, doubled at each miss up to the cap. */
export const MISSING_RETRY_MS = 1000
/** KV caches a miss up to its cacheTtl (60 s by default): retrying more often than that is useless. */
export const MISSING_RETRY_MAX_MS = 60_000
/** An isolate told the pointer by the state plane within this long does not poll KV. */
export const OFFER_TRUST_MS = 30_000

/** A version the pointer names that read as null: retried at `retryAt`. */
interface Missing {
  readonly id: string
  readonly misses: number
  readonly retryAt: number
}

export class LiveRouteMap {
  readonly #kv: KvReader | undefined
  readonly #fallback: () => RouteMap
  readonly #o: LiveOptions
  #current: Current | undefined
  #checkedAt = Number.NEGATIVE_INFINITY
  #inflight: Promise<void> | undefined
  /** Versions already found unusable (logged once). */
  readonly #bad = new Set<string>()
  /** The pointed version that read as null (at most one: the pointer names one version). */
  #missing: Missing | undefined
  /** When the state plane last told this isolate the pointer (it then stops polling KV itself). */
  #offeredAt = Number.NEGATIVE_INFINITY

  constructor(kv: KvReader | undefined, fallback: () => RouteMap, o: LiveOptions) {
    this.#kv = kv
    this.#fallback = fallback
    this.#o = o
  }

  /** The map to run; loads it first when the isolate has none. */
  async current(): Promise<Current> {
    if (!this.#current) {
      await this.poll()
      if (!this.#current) this.#current = { routeMap: this.#fallback() }
    }
    return this.#current
  }

  /** True when the pointer should be re-read. */
  due(): boolean {
    if (this.#kv === undefined || this.#inflight !== undefined) return false
    const now = this.#o.now()
    if (now - this.#offeredAt < OFFER_TRUST_MS) return false
    return now - this.#checkedAt >= this.#o.pollMs || (this.#missing !== undefined && now >= this.#missing.retryAt)
  }

  /**
   * The pointer as the state plane hands it (src/ops/runtime-client.ts), with the RouteMap's text
   * when the relay has read it: swapped in like a polled version (same validation). Without the
   * text, a pointer to another version is read from KV here. While offers keep coming, the isolate
   * does not poll KV itself.
   */
  offer(pointer: LivePointer | null | undefined, text: string | undefined): Promise<void> {
    if (pointer === undefined) return Promise.resolve()
    this.#offeredAt = this.#o.now()
    if (!pointer) {
      // KV has no live version: the fallback, without a read of our own.
      this.#current ??= { routeMap: this.#fallback() }
      return Promise.resolve()
    }
    const cur = this.#current
    if (cur?.version === pointer.version && cur.routeMap.hash === pointer.hash) return Promise.resolve()
    const id = `${pointer.version}@${pointer.hash}`
    if (this.#bad.has(id)) return Promise.resolve()
    if (text === undefined) return this.poll()
    this.#adopt(pointer, id, text, cur)
    return Promise.resolve()
  }

  /** `version@hash` of the live version running ('' for the fallback). */
  get id(): string {
    const cur = this.#current
    return cur?.version ? `${cur.version}@${cur.routeMap.hash}` : ''
  }

  /** Re-reads the pointer and swaps in a new valid version (one read at a time). */
  poll(): Promise<void> {
    if (!this.#kv) return Promise.resolve()
    this.#inflight ??= this.#poll(this.#kv).finally(() => {
      this.#checkedAt = this.#o.now()
      this.#inflight = undefined
    })
    return this.#inflight
  }

  async #poll(kv: KvReader): Promise<void> {
    let pointer: LivePointer | undefined
    try {
      pointer = parsePointer(await kv.get(LIVE_KEY))
    } catch (e) {
      this.#o.log(`[routemap] cannot read ${LIVE_KEY}: ${String(e)}; keeping the current RouteMap`)
      return
    }
    const id = pointer ? `${pointer.version}@${pointer.hash}` : ''
    // A retry is kept only while the pointer still names its version.
    const missing = this.#missing?.id === id ? this.#missing : undefined
    this.#missing = missing
    if (!pointer) return
    const cur = this.#current
    if (cur?.version === pointer.version && cur.routeMap.hash === pointer.hash) {
      this.#missing = undefined
      return
    }
    if (this.#bad.has(id)) return
    if (missing && this.#o.now() < missing.retryAt) return
    let text: string | null
    try {
      text = await kv.get(versionKey(pointer.version))
    } catch (e) {
      this.#o.log(`[routemap] cannot read version ${pointer.version}: ${String(e)}; keeping the current RouteMap`)
      return
    }
    if (text === null) {
      // Not there yet (eventual consistency), or not any more: try again later, never blacklist.
      const misses = (missing?.misses ?? 0) + 1
      const wait = Math.min(MISSING_RETRY_MS * 2 ** (misses - 1), MISSING_RETRY_MAX_MS)
      this.#missing = { id, misses, retryAt: this.#o.now() + wait }
      if (misses === 1) this.#o.log(`[routemap] live version ${pointer.version} is not readable yet; keeping ${cur?.version ?? 'the built-in RouteMap'} and retrying`)
      return
    }
    this.#missing = undefined
    this.#adopt(pointer, id, text, cur)
  }

  #adopt(pointer: LivePointer, id: string, text: string, cur: Current | undefined): void {
    const parsed = parseStoredRouteMap(text, pointer.hash, this.#o.names)
    if (typeof parsed === 'string') {
      this.#bad.add(id)
      this.#o.log(`[routemap] live version ${pointer.version} is unusable (${parsed}); keeping ${cur?.version ?? 'the built-in RouteMap'}`)
      return
    }
    this.#current = { routeMap: parsed, version: pointer.version }
    if (cur) this.#o.log(`[routemap] switched from ${cur.version ?? 'the built-in RouteMap'} to ${pointer.version} (${pointer.hash.slice(0, 12)})`)
  }
}
