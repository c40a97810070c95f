/**
 * The StickStore conformance suite (stick-store.suite.ts) on the Durable Object store over the
 * real StickTable objects in workerd (SQLite rows, RPC), in exact and in fast mode. The same
 * suite runs on the memory store in Node: stick-store.test.ts.
 */
import { env } from 'cloudflare:workers'
import { durableStickStore } from '../../durable-objects/stick-table.ts'
import type { RemoteStickFactory, RemoteStickStore } from '../../src/state/remote-stick.ts'
import { stickStoreConformance } from './stick-store.suite.ts'

/** The store the Worker's factory builds (its `current()`). */
function built(f: RemoteStickFactory): RemoteStickStore {
  const store = f.current()
  if (!store) throw new Error('no store built')
  return store
}

stickStoreConformance('Durable Objects (workerd), exact', (specs, now) => {
  const f = durableStickStore(env.STICK)
  f(specs, now)
  const store = built(f)
  return { store, settle: () => store.settled() }
})

stickStoreConformance('Durable Objects (workerd), fast, flushed', (specs, now) => {
  const f = durableStickStore(env.STICK, { sleep: () => new Promise(() => {}) })
  f(
    specs.map((s) => ({ ...s, consistency: 'fast' as const })),
    now,
  )
  const store = built(f)
  return {
    store,
    settle: async () => {
      await store.flush()
      await store.settled()
    },
  }
})
