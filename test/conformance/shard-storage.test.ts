/** The ShardStorage conformance suite (shard-storage.suite.ts) on the Map of unit tests; SQLite: shard-storage.workers.test.ts. */
import { memoryShardStorage } from '../../src/state/stick-shard.ts'
import { shardStorageConformance } from './shard-storage.suite.ts'

shardStorageConformance('memory (memoryShardStorage)', async (test) => test(memoryShardStorage()))
