/**
 * @module
 * The simulation's virtual clock, a discrete-event loop: `install()` replaces `Date.now`,
 * `setTimeout`/`clearTimeout` and `setInterval`/`clearInterval` globally, so the real code's
 * timers (sync intervals, fast-mode flushes, RPC timeouts, retry backoffs) and every timestamp it
 * takes run on virtual time. `run(until)` pops the earliest event, sets the virtual now to its
 * time, runs it, then lets every microtask run (one turn of the real `setImmediate`, saved before
 * patching) before the next event: a promise the real code awaits resolves when the event that
 * settles it (a simulated round trip's answer) runs. Events at the same time run in the order
 * they were scheduled.
 */
import type { AsyncLocalStorage } from 'node:async_hooks'

interface Event {
  readonly at: number
  readonly seq: number
  readonly fn: () => void
  cancelled: boolean
  /** setInterval: re-armed after each run. */
  readonly every?: number
}

/** A binary heap of events ordered by (at, seq). */
class Heap {
  readonly #a: Event[] = []
  get size(): number {
    return this.#a.length
  }
  #less(i: number, j: number): boolean {
    const x = this.#a[i] as Event
    const y = this.#a[j] as Event
    return x.at < y.at || (x.at === y.at && x.seq < y.seq)
  }
  #swap(i: number, j: number): void {
    const t = this.#a[i] as Event
    this.#a[i] = this.#a[j] as Event
    this.#a[j] = t
  }
  push(e: Event): void {
    this.#a.push(e)
    let i = this.#a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.#less(i, p)) break
      this.#swap(i, p)
      i = p
    }
  }
  peek(): Event | undefined {
    return this.#a[0]
  }
  pop(): Event | undefined {
    const top = this.#a[0]
    const last = this.#a.pop()
    if (this.#a.length > 0 && last) {
      this.#a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < this.#a.length && this.#less(l, m)) m = l
        if (r < this.#a.length && this.#less(r, m)) m = r
        if (m === i) break
        this.#swap(i, m)
        i = m
      }
    }
    return top
  }
}

const realSetImmediate = globalThis.setImmediate
const realDateNow = Date.now

/** A timer handle as Node's: the real code only passes it back to clear*() (and may call unref()). */
class Handle {
  readonly event: Event
  constructor(e: Event) {
    this.event = e
  }
  unref(): this {
    return this
  }
  ref(): this {
    return this
  }
  hasRef(): boolean {
    return true
  }
  [Symbol.toPrimitive](): number {
    return this.event.seq
  }
}

export class VirtualClock {
  /** Virtual ms epoch. */
  now: number
  readonly #heap = new Heap()
  #seq = 0
  /** Events run so far. */
  events = 0
  /**
   * Context carried across timers: a callback runs in the context its timer was set in (Node's
   * AsyncLocalStorage follows promises by itself; the virtual timers restore it by hand).
   */
  readonly context: AsyncLocalStorage<unknown>

  constructor(start: number, context: AsyncLocalStorage<unknown>) {
    this.now = start
    this.context = context
  }

  /** Runs `fn` at virtual time `at` (not before now). */
  at(at: number, fn: () => void, every?: number): Event {
    const store = this.context.getStore()
    const run = store === undefined ? fn : () => this.context.run(store, fn)
    const e: Event = { at: Math.max(at, this.now), seq: this.#seq++, fn: run, cancelled: false, ...(every !== undefined ? { every } : {}) }
    this.#heap.push(e)
    return e
  }

  after(ms: number, fn: () => void): Event {
    return this.at(this.now + Math.max(0, ms), fn)
  }

  /** A promise settled `ms` from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.after(ms, r))
  }

  /**
   * >0 while a timer of the real code runs, with the microtasks it sets off: calls made then are
   * background work (a fast-mode flush, a retry), awaited by no request.
   */
  timerDepth = 0
  readonly #timers = new WeakSet<Event>()

  #timer(e: Event): Event {
    this.#timers.add(e)
    return e
  }

  /** Replaces the global clock and timers with this one's. */
  install(): () => void {
    const g = globalThis as unknown as Record<string, unknown>
    const saved = { now: Date.now, st: g.setTimeout, ct: g.clearTimeout, si: g.setInterval, ci: g.clearInterval }
    Date.now = () => this.now
    g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => new Handle(this.#timer(this.after(Number(ms) || 0, () => fn(...args))))
    g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const every = Math.max(1, Number(ms) || 1)
      const h: { e?: Event } = {}
      const tick = (): void => {
        h.e = this.#timer(this.after(every, tick))
        fn(...args)
      }
      h.e = this.#timer(this.after(every, tick))
      // clearInterval cancels the current event: the handle follows the re-armed one.
      return {
        get event() {
          return h.e as Event
        },
        unref() {
          return this
        },
        ref() {
          return this
        },
      }
    }
    const clear = (h: unknown): void => {
      const e = (h as { event?: Event } | undefined)?.event
      if (e) e.cancelled = true
    }
    g.clearTimeout = clear
    g.clearInterval = clear
    return () => {
      Date.now = saved.now
      g.setTimeout = saved.st
      g.clearTimeout = saved.ct
      g.setInterval = saved.si
      g.clearInterval = saved.ci
    }
  }

  /** Lets every pending microtask (and nextTick) run. */
  static drain(): Promise<void> {
    return new Promise((r) => realSetImmediate(r))
  }

  /** Runs events until virtual time `until` (events at exactly `until` run). */
  async run(until: number): Promise<void> {
    await VirtualClock.drain()
    for (;;) {
      const e = this.#heap.peek()
      if (!e || e.at > until) break
      this.#heap.pop()
      if (e.cancelled) continue
      this.now = e.at
      this.events++
      const timer = this.#timers.has(e)
      if (timer) this.timerDepth++
      e.fn()
      await VirtualClock.drain()
      if (timer) this.timerDepth--
    }
    this.now = Math.max(this.now, until)
  }

  get pending(): number {
    return this.#heap.size
  }
}

/** Real wall time (ms), for the run's own duration. */
export const wallNow = (): number => realDateNow()
