/**
 * @module
 * An isolate's side of the RuntimeState Durable Object: one `sync()` at most every `syncMs`
 * while the isolate has traffic, carrying its counter deltas and bringing back admin state and
 * pattern edits when their version changed. The first request of an isolate waits for one sync
 * (so a server in MAINT is never picked by a fresh isolate); later ones never wait.
 */
import type { IsolateReport } from './types.ts'

export interface RuntimeViewLike {
  readonly version: number
  readonly admin: Readonly<Record<string, import('./types.ts').AdminServer>>
  readonly patterns: Readonly<Record<string, readonly (readonly [string, string])[]>>
}

export interface RuntimeRemote {
  sync(report: IsolateReport | undefined, knownVersion: number): Promise<{ version: number; view?: RuntimeViewLike }>
}

export interface RuntimeClientOptions {
  readonly syncMs: number
  readonly now: () => number
  /** The isolate's counters since the last report (undefined: nothing new). */
  readonly report: () => IsolateReport | undefined
  readonly log?: (line: string) => void
}

export const EMPTY_VIEW: RuntimeViewLike = { version: -1, admin: {}, patterns: {} }

/** Default interval between two syncs of one isolate. */
export const DEFAULT_SYNC_MS = 1000

export class RuntimeClient {
  readonly #remote: () => RuntimeRemote
  readonly #o: RuntimeClientOptions
  #view: RuntimeViewLike = EMPTY_VIEW
  #syncedAt = Number.NEGATIVE_INFINITY
  #inflight: Promise<void> | undefined
  #ready = false

  constructor(remote: () => RuntimeRemote, o: RuntimeClientOptions) {
    this.#remote = remote
    this.#o = o
  }

  get view(): RuntimeViewLike {
    return this.#view
  }

  /** Adopts a view returned by a write (the API's own isolate sees its change at once). */
  adopt(view: RuntimeViewLike): void {
    if (view.version >= this.#view.version) this.#view = view
  }

  get ready(): boolean {
    return this.#ready
  }

  due(): boolean {
    return this.#inflight === undefined && this.#o.now() - this.#syncedAt >= this.#o.syncMs
  }

  /** Flushes counters and refreshes the view (one call at a time; failures keep the last view). */
  sync(): Promise<void> {
    this.#inflight ??= this.#sync().finally(() => {
      this.#syncedAt = this.#o.now()
      this.#ready = true
      this.#inflight = undefined
    })
    return this.#inflight
  }

  async #sync(): Promise<void> {
    const report = this.#o.report()
    try {
      const r = await this.#remote().sync(report, this.#view.version)
      if (r.view) this.#view = r.view
    } catch (e) {
      this.#o.log?.(`[runtime] sync failed: ${String(e)}`)
    }
  }
}
