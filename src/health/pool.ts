/**
 * @module
 * Runs tasks with a cap on how many are in flight: a Worker invocation may hold 6 outgoing
 * connections at once (fetch and connect() both count), so health fan-out is batched.
 */

/** Outgoing connections one Worker / Durable Object invocation may hold at once. */
export const MAX_OUTGOING_CONNECTIONS = 6

/**
 * Calls `fn` on every item with at most `limit` calls in flight; `onResult` sees each result as
 * it arrives. Resolves when all are done. `fn` must not reject (probes never do); a rejection
 * is passed to `onError` and does not stop the others.
 */
export async function forEachLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  onResult: (item: T, result: R) => void,
  onError: (item: T, error: unknown) => void = () => {},
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      try {
        onResult(item, await fn(item))
      } catch (e) {
        onError(item, e)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker))
}

/** Connection slots shared by several runners (a monitor group's cores): at most `limit` tasks at once. */
export class Slots {
  readonly #limit: number
  #busy = 0
  readonly #waiting: (() => void)[] = []

  constructor(limit = MAX_OUTGOING_CONNECTIONS) {
    this.#limit = Math.max(1, limit)
  }

  /** Runs `fn` once a slot is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    else this.#busy++
    try {
      return await fn()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#busy--
    }
  }
}
