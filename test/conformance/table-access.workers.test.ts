/**
 * The TableAccess conformance suite (table-access.suite.ts) over the StickTable Durable Objects
 * in workerd (durableTableAccess: every shard of a table); the data plane's writes go to the
 * key's shard as the engine's store sends them. In memory: table-access.test.ts.
 */
import { env } from 'cloudflare:workers'
import { durableTableAccess } from '../../durable-objects/table-access.ts'
import { tableSpecs } from '../../src/api/tables.ts'
import { shardName, shardOf, shardSpec } from '../../src/state/stick-shard.ts'
import { tableAccessConformance } from './table-access.suite.ts'

tableAccessConformance('Durable Objects (durableTableAccess)', (routeMap, now) => {
  const specs = tableSpecs(routeMap)
  return {
    access: durableTableAccess(env.STICK, routeMap, now),
    track: async (table, key, ops) => {
      const spec = specs.get(table)
      if (spec) await env.STICK.getByName(shardName(table, shardOf(spec, key))).track(shardSpec(spec), key, now(), ops)
    },
  }
})
