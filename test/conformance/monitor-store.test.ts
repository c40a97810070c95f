/**
 * The MonitorStore conformance suite (monitor-store.suite.ts) on the in-memory store of the
 * health unit tests; the HealthMonitor object's SQLite: monitor-store.workers.test.ts.
 */
import { memoryGroupStore } from '../../src/health/group.ts'
import { MemoryStore } from '../unit/health/fakes.ts'
import { groupStoreConformance, monitorStoreConformance } from './monitor-store.suite.ts'

monitorStoreConformance('memory (MemoryStore)', async (test) => {
  const store = new MemoryStore()
  await test(store, () => store)
})

groupStoreConformance('memory (memoryGroupStore)', async (test) => {
  const store = memoryGroupStore()
  await test(store, () => store)
})

monitorStoreConformance('memory (a backend of memoryGroupStore)', async (test) => {
  const store = memoryGroupStore()
  await test(store.monitor('be'), () => store.monitor('be'))
})
