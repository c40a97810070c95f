/**
 * The StickStore conformance suite (stick-store.suite.ts) on the Durable Object store over the
 * real StickTable objects in workerd (SQLite rows, RPC), in exact and in fast mode. The same
 * suite runs on the memory store in Node: stick-store.test.ts.
 */
import { env } from 'cloudflare:workers'
import { durableStickStore } from '../../durable-objects/stick-table.ts'
import { stickStoreConformance } from './stick-store.suite.ts'

stickStoreConformance('Durable Objects (workerd), exact', (specs, now) => {
  const store = durableStickStore(env.STICK)(specs, now)
  return { store, settle: () => store.settled() }
})

stickStoreConformance('Durable Objects (workerd), fast, flushed', (specs, now) => {
  const store = durableStickStore(env.STICK, { sleep: () => new Promise(() => {}) })(
    specs.map((s) => ({ ...s, consistency: 'fast' as const })),
    now,
  )
  return {
    store,
    settle: async () => {
      await store.flush()
      await store.settled()
    },
  }
})
