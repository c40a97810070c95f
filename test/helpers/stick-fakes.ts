/**
 * StickTable Durable Objects faked in memory for unit tests: the same shard logic as the object
 * (StickShard), structured-cloned answers as RPC gives, every call recorded as `<method> <name>`,
 * and a switchable failure mode (`throw`, `hang`) for the failure-policy tests.
 */
import type { StickShardRpc } from '../../src/state/remote-stick.ts'
import { memoryShardStorage, StickShard } from '../../src/state/stick-shard.ts'

export class FakeDOs {
  readonly shards = new Map<string, StickShard>()
  readonly calls: string[] = []
  mode: 'ok' | 'throw' | 'hang' = 'ok'

  rpc = (name: string): StickShardRpc => {
    let s = this.shards.get(name)
    if (!s) {
      s = new StickShard(memoryShardStorage())
      this.shards.set(name, s)
    }
    const shard = s
    const call = async <T>(what: string, f: () => T): Promise<T> => {
      this.calls.push(`${what} ${name}`)
      await Promise.resolve()
      if (this.mode === 'throw') throw new Error('Durable Object is overloaded')
      if (this.mode === 'hang') await new Promise((r) => setTimeout(r, 10_000))
      // Structured clone, as RPC does.
      return structuredClone(f())
    }
    return {
      track: (spec, key, now, ops) => call('track', () => shard.track(spec, key, now, ops)),
      lookup: (key, now) => call('lookup', () => shard.lookup(key, now)),
      update: (spec, items) => call('update', () => shard.update(spec, items)),
    }
  }
}
