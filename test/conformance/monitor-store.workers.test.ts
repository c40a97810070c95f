/**
 * The MonitorStore conformance suite (monitor-store.suite.ts) on the HealthMonitor object's
 * SQLite (sqlStore), inside a fresh object per test; `reopen` builds another store over the same
 * database, as the object does when it is constructed again. In memory: monitor-store.test.ts.
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { sqlGroupStore, sqlStore } from '../../durable-objects/health-monitor.ts'
import { groupStoreConformance, monitorStoreConformance } from './monitor-store.suite.ts'

let serial = 0

monitorStoreConformance('SQLite (sqlStore in the HealthMonitor object)', (test) =>
  runInDurableObject(env.HEALTH.getByName(`monitor-store-conformance-${++serial}`), async (_, state) => {
    const sql = state.storage.sql
    await test(sqlStore(sql), () => sqlStore(sql))
  }),
)

groupStoreConformance('SQLite (sqlGroupStore in the HealthMonitor object)', (test) =>
  runInDurableObject(env.HEALTH.getByName(`group-store-conformance-${++serial}`), async (_, state) => {
    const sql = state.storage.sql
    await test(sqlGroupStore(sql), () => sqlGroupStore(sql))
  }),
)
