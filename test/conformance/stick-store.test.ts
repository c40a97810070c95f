/**
 * The StickStore conformance suite (stick-store.suite.ts) in Node: the memory store, and the
 * Durable Object store (RemoteStickStore) over in-memory shards with RPC semantics (FakeDOs:
 * the StickTable object's logic, structured-cloned answers), in exact and in fast mode. The
 * same store over the real objects in workerd: stick-store.workers.test.ts.
 */
import { RemoteStickStore } from '../../src/state/remote-stick.ts'
import { createMemoryStickStore } from '../../src/state/stick-store.ts'
import { FakeDOs } from '../helpers/stick-fakes.ts'
import { stickStoreConformance } from './stick-store.suite.ts'

stickStoreConformance('memory', (specs, now) => ({ store: createMemoryStickStore(specs, now), settle: async () => {} }))

stickStoreConformance('Durable Objects (in-memory shards), exact', (specs, now) => {
  const store = new RemoteStickStore(specs, now, { shard: new FakeDOs().rpc })
  return { store, settle: () => store.settled() }
})

stickStoreConformance('Durable Objects (in-memory shards), fast, flushed', (specs, now) => {
  const store = new RemoteStickStore(
    specs.map((s) => ({ ...s, consistency: 'fast' as const })),
    now,
    { shard: new FakeDOs().rpc, sleep: () => new Promise(() => {}) },
  )
  return {
    store,
    settle: async () => {
      await store.flush()
      await store.settled()
    },
  }
})

stickStoreConformance('Durable Objects (in-memory shards), fast through a location replica, flushed', (specs, now) => {
  const store = new RemoteStickStore(
    specs.map((s) => ({ ...s, consistency: 'fast' as const })),
    now,
    { shard: new FakeDOs().rpc, sleep: () => new Promise(() => {}), location: 'AMS' },
  )
  return {
    store,
    settle: async () => {
      await store.flush()
      await store.settled()
    },
  }
})
