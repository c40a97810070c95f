/**
 * The ShardStorage conformance suite (shard-storage.suite.ts) on the StickTable object's SQLite
 * (sqlShardStorage), inside a fresh object per test; `reopen` builds another storage over the
 * same database, as the object does when it is constructed again.
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { sqlShardStorage } from '../../durable-objects/stick-table.ts'
import { shardStorageConformance } from './shard-storage.suite.ts'

let serial = 0

shardStorageConformance('SQLite (sqlShardStorage in the StickTable object)', (test) =>
  runInDurableObject(env.STICK.getByName(`shard-storage-conformance:${++serial}`), (_, state) => {
    const sql = state.storage.sql
    test(sqlShardStorage(sql), () => sqlShardStorage(sql))
  }),
)
