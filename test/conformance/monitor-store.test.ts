/**
 * The MonitorStore conformance suite (monitor-store.suite.ts) on the in-memory store of the
 * health unit tests; the HealthMonitor object's SQLite: monitor-store.workers.test.ts.
 */
import { MemoryStore } from '../unit/health/fakes.ts'
import { monitorStoreConformance } from './monitor-store.suite.ts'

monitorStoreConformance('memory (MemoryStore)', async (test) => {
  const store = new MemoryStore()
  await test(store, () => store)
})
