/**
 * @module
 * The STICK namespace in one Node process, for measuring memory: objects run the real core
 * (StickObject, as durable-objects/stick-table.ts wraps it, over the in-memory ShardStorage), every
 * call structured-cloned both ways as RPC does, alarms run by `settle`. `heapOf` weighs a
 * component as the V8 heap freed when it is dropped (after full collections). Shared by
 * bench/memory.ts and test/unit/state/stick-memory.test.ts (no Worker module: runs under vitest).
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import { StickObject } from '../../src/state/stick-object.ts'
import { memoryShardStorage } from '../../src/state/stick-shard.ts'

/** The STICK namespace: objects made at their first call, their alarms run by `settle`. */
export class StickPlane {
  readonly objects = new Map<string, StickObject>()
  readonly #alarms = new Map<string, number>()
  readonly #pending = new Set<Promise<unknown>>()

  #object(name: string): StickObject {
    let o = this.objects.get(name)
    if (!o) {
      o = new StickObject({
        storage: () => memoryShardStorage(),
        home: (n) => this.getByName(n) as never,
        now: () => Date.now(),
        getAlarm: async () => this.#alarms.get(name) ?? null,
        setAlarm: async (at) => {
          this.#alarms.set(name, at)
        },
        waitUntil: (p) => this.#keep(p),
        log: (line) => process.env.BENCH_MEMORY_DEBUG && process.stderr.write(`${line}\n`),
      })
      this.objects.set(name, o)
    }
    return o
  }

  #keep(p: Promise<unknown>): void {
    const g = p.catch(() => {})
    this.#pending.add(g)
    void g.finally(() => this.#pending.delete(g))
  }

  /** A stub: each method call runs on the object with its arguments and result cloned. */
  getByName(name: string): Record<string, (...args: unknown[]) => Promise<unknown>> {
    return new Proxy(
      {},
      {
        get:
          (_, method: string) =>
          async (...args: unknown[]) => {
            const o = this.#object(name) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
            const f = o[method]
            if (typeof f !== 'function') throw new Error(`no method ${method}`)
            return structuredClone(await f.apply(o, structuredClone(args)))
          },
      },
    )
  }

  /** Runs the alarms due (a replica's home sync, a home's persist) and waits for background work. */
  async settle(): Promise<void> {
    for (const [name, at] of [...this.#alarms]) {
      if (at > Date.now()) continue
      this.#alarms.delete(name)
      await this.objects.get(name)?.alarm()
    }
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }
}

/** V8's used heap after two full collections (bytes). */
export function heapUsed(): number {
  const gc = collector()
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

let gcFn: (() => void) | undefined

/** `global.gc` (node --expose-gc), else the same function exposed at run time. */
function collector(): () => void {
  if (gcFn) return gcFn
  const g = (globalThis as { gc?: () => void }).gc
  if (g) gcFn = g
  else {
    v8.setFlagsFromString('--expose-gc')
    gcFn = vm.runInNewContext('gc') as () => void
  }
  return gcFn
}

/** The heap a component holds: the heap freed when `drop` releases it (bytes). */
export function heapOf(drop: () => void): number {
  const before = heapUsed()
  drop()
  return Math.max(0, before - heapUsed())
}

/** The n-th distinct IPv4 client address (10.0.0.0/8). */
export function ipKey(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
}
