/**
 * StickTable Durable Objects faked in memory for unit tests: the same logic as the object (home
 * shards: StickShard; replicas `…@location`: StickReplica), structured-cloned answers as RPC
 * gives, every call recorded as `<method> <name>`, and a switchable failure mode (`throw`,
 * `hang`) for the failure-policy tests. `delay` adds a latency to every call (the accuracy tests'
 * fake RPC latency); `syncReplica` runs a replica's home sync as the object's alarm does.
 */
import type { EntryState } from '../../src/state/memory-stick.ts'
import type { StickShardRpc } from '../../src/state/remote-stick.ts'
import { StickReplica } from '../../src/state/stick-replica.ts'
import { memoryShardStorage, StickShard } from '../../src/state/stick-shard.ts'

export interface FakeDOsOptions {
  /** The objects' clock (replicas stamp flushes with it; default Date.now). */
  readonly now?: () => number
  /** Waited before and after each call runs (half a round trip each way). */
  readonly delay?: (name: string) => Promise<void>
}

export class FakeDOs {
  readonly shards = new Map<string, StickShard>()
  readonly replicas = new Map<string, { core: StickReplica; home: string }>()
  readonly calls: string[] = []
  mode: 'ok' | 'throw' | 'hang' = 'ok'
  readonly #o: FakeDOsOptions

  constructor(o: FakeDOsOptions = {}) {
    this.#o = o
  }

  home(name: string): StickShard {
    let s = this.shards.get(name)
    if (!s) {
      s = new StickShard(memoryShardStorage())
      this.shards.set(name, s)
    }
    return s
  }

  rpc = (name: string): StickShardRpc => {
    const now = this.#o.now ?? Date.now
    const call = async <T>(what: string, f: () => T): Promise<T> => {
      this.calls.push(`${what} ${name}`)
      await (this.#o.delay?.(name) ?? Promise.resolve())
      if (this.mode === 'throw') throw new Error('Durable Object is overloaded')
      if (this.mode === 'hang') await new Promise((r) => setTimeout(r, 10_000))
      // Structured clone, as RPC does.
      const r = structuredClone(f())
      await this.#o.delay?.(name)
      return r
    }
    return {
      track: (spec, key, at, ops) => call('track', () => this.home(name).track(spec, key, at, ops)),
      lookup: (key, at) => call('lookup', () => this.home(name).lookup(key, at)),
      update: (spec, items) => call('update', () => this.home(name).update(spec, items)),
      flush: (spec, home, isolate, items, refresh) =>
        call('flush', () => {
          let r = this.replicas.get(name)
          if (!r) {
            r = { core: new StickReplica(), home }
            this.replicas.set(name, r)
          }
          return r.core.flush(spec, isolate, items, now(), refresh)
        }),
    }
  }

  /** A replica's home sync, if due at `at` (the object's alarm): one `update` to its home shard. */
  async syncReplica(name: string, at: number): Promise<boolean> {
    const r = this.replicas.get(name)
    const out = r?.core.takeHome(at)
    if (!r || !out) return false
    let states: (EntryState | null)[]
    try {
      states = await this.rpc(r.home).update(out.spec, out.items)
    } catch {
      r.core.homeFailed(out.items)
      return true
    }
    r.core.applyHome(out.items, states, (this.#o.now ?? Date.now)())
    return true
  }
}
