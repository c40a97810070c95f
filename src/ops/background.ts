/**
 * @module
 * Work a Durable Object core starts and does not await (pushes, reads, hub syncs), kept so that
 * `idle()` can wait for it (tests, the simulation), with failures logged rather than thrown; and
 * the count of calls answered, by method.
 */
export class Background {
  readonly #pending = new Set<Promise<unknown>>()
  readonly #log: ((line: string) => void) | undefined
  readonly #tag: string
  /** Calls answered, by method (tests and the simulation). */
  readonly calls: Record<string, number> = {}

  constructor(tag: string, log?: (line: string) => void) {
    this.#tag = tag
    this.#log = log
  }

  count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1
  }

  /** Runs `p` in the background: a failure is logged. */
  later(p: Promise<unknown>): void {
    const q = p.catch((e) => this.#log?.(`[${this.#tag}] ${String(e)}`)).finally(() => this.#pending.delete(q))
    this.#pending.add(q)
  }

  /** Everything started so far (and whatever it started) finished. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
  }
}
