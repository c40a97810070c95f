/**
 * @module
 * Server `maxconn`, `maxqueue` and `timeout queue` (HAProxy's queue.c), per isolate: at most
 * `maxconn` requests in flight to a server; a request for a full server waits in that server's
 * queue (persistence) or in the backend's queue (load-balanced), FIFO, for at most `timeout
 * queue`, then gets a 503. A slot freed on a server goes to its own queue first, then to the
 * backend's. Each isolate enforces its own limits: see docs/differences.md.
 */

interface Waiter {
  readonly server?: number
  readonly wake: (server: number) => void
}

interface BackendQueue {
  /** In flight per server id. */
  readonly inflight: Map<number, number>
  /** Waiters for one server (persistence), by server id. */
  readonly perServer: Map<number, Waiter[]>
  /** Load-balanced waiters: any server of the backend with a free slot. */
  readonly shared: Waiter[]
}

export interface Limits {
  /** maxconn per server id (0: unlimited). */
  maxconn(serverId: number): number
  /** maxqueue per server id (0: unlimited). */
  maxqueue(serverId: number): number
}

export type Admission = { readonly kind: 'ok'; readonly server: number; readonly release: () => void } | { readonly kind: 'timeout'; readonly waitedMs: number } | { readonly kind: 'redispatch' }

export class ConnLimiter {
  readonly #backends = new Map<string, BackendQueue>()

  #q(backend: string): BackendQueue {
    let q = this.#backends.get(backend)
    if (!q) {
      q = { inflight: new Map(), perServer: new Map(), shared: [] }
      this.#backends.set(backend, q)
    }
    return q
  }

  inflight(backend: string): ReadonlyMap<number, number> {
    return this.#q(backend).inflight
  }

  /** True when `serverId` has no free slot. */
  isFull(backend: string, serverId: number, limits: Limits): boolean {
    const max = limits.maxconn(serverId)
    return max > 0 && (this.#q(backend).inflight.get(serverId) ?? 0) >= max
  }

  /** Takes a slot now, or undefined when the server is full. */
  tryAcquire(backend: string, serverId: number, limits: Limits): (() => void) | undefined {
    if (this.isFull(backend, serverId, limits)) return undefined
    return this.#take(backend, serverId, limits)
  }

  /**
   * Waits for a slot: on `serverId` when `persistent` (its queue, unless `maxqueue` is reached:
   * then 'redispatch'), else on any server of `candidates`. Resolves 'timeout' after `timeoutMs`.
   */
  wait(backend: string, serverId: number, persistent: boolean, candidates: readonly number[], limits: Limits, timeoutMs: number, now: () => number, onQueued?: () => void): Promise<Admission> {
    const q = this.#q(backend)
    if (persistent) {
      const list = q.perServer.get(serverId) ?? []
      const mq = limits.maxqueue(serverId)
      if (mq > 0 && list.length >= mq) return Promise.resolve({ kind: 'redispatch' })
    }
    const start = now()
    return new Promise<Admission>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const waiter: Waiter = {
        ...(persistent ? { server: serverId } : {}),
        wake: (server) => {
          if (timer !== undefined) clearTimeout(timer)
          resolve({ kind: 'ok', server, release: this.#take(backend, server, limits) })
        },
      }
      const list = persistent ? (q.perServer.get(serverId) ?? []) : q.shared
      if (persistent) q.perServer.set(serverId, list)
      list.push(waiter)
      timer = setTimeout(
        () => {
          const i = list.indexOf(waiter)
          if (i >= 0) list.splice(i, 1)
          resolve({ kind: 'timeout', waitedMs: now() - start })
        },
        Math.max(0, timeoutMs),
      )
      // A slot may have been freed between the caller's check and now.
      this.#dispatch(backend, candidates, limits)
      // Still waiting: the request is queued (Tw, the queue gauges, %sq / %bq).
      if (onQueued && list.includes(waiter)) onQueued()
    })
  }

  /** Takes a slot without checking the limit (load accounting, or a slot handed over by a release). */
  take(backend: string, serverId: number, limits: Limits): () => void {
    return this.#take(backend, serverId, limits)
  }

  #take(backend: string, serverId: number, limits: Limits): () => void {
    const q = this.#q(backend)
    q.inflight.set(serverId, (q.inflight.get(serverId) ?? 0) + 1)
    let done = false
    return () => {
      if (done) return
      done = true
      q.inflight.set(serverId, Math.max(0, (q.inflight.get(serverId) ?? 1) - 1))
      this.#dispatch(backend, [serverId], limits)
    }
  }

  /** Hands free slots of `servers` to waiters: the server's own queue first, then the backend's. */
  #dispatch(backend: string, servers: readonly number[], limits: Limits): void {
    const q = this.#q(backend)
    for (const id of servers) {
      while (!this.isFull(backend, id, limits)) {
        const own = q.perServer.get(id)
        const next = own?.shift() ?? q.shared.shift()
        if (!next) break
        next.wake(id)
      }
    }
  }
}
