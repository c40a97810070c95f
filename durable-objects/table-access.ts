/**
 * @module
 * The runtime API's TableAccess (src/api/context.ts) over the StickTable Durable Objects: every
 * shard of a table (`${table}:${shard}`, src/state/stick-shard.ts), stored entries turned into
 * TableEntryViews with rates read at `now` (src/api/tables.ts entryView). The Worker builds one
 * per API request; the in-memory TableAccess is src/api/tables.ts's.
 */
import type { TableAccess } from '../src/api/context.ts'
import { entryView, tableSpecs } from '../src/api/tables.ts'
import type { RouteMap, StickTableSpec } from '../src/routemap/schema.ts'
import { shardCount, shardName, shardOf, shardSpec } from '../src/state/stick-shard.ts'
import type { StickTableNamespace } from './stick-table.ts'

/** TableAccess over the StickTable Durable Objects: every call fans out to all shards. */
export function durableTableAccess(ns: StickTableNamespace, routeMap: RouteMap, now: () => number = Date.now): TableAccess {
  const specs = tableSpecs(routeMap)
  const shards = (table: string): { spec: StickTableSpec; n: number } | undefined => {
    const spec = specs.get(table)
    return spec ? { spec, n: shardCount(spec.size) } : undefined
  }
  const each = <T>(table: string, fn: (stub: ReturnType<StickTableNamespace['getByName']>, shard: number, spec: StickTableSpec) => Promise<T>): Promise<T[]> => {
    const t = shards(table)
    if (!t) return Promise.resolve([])
    return Promise.all(Array.from({ length: t.n }, (_, i) => fn(ns.getByName(shardName(table, i)), i, t.spec)))
  }
  return {
    dump: async (table) => {
      const at = now()
      const per = await each(table, async (stub, shard, spec) => (await stub.dump(at)).map((e) => entryView(spec, e, shard, at)))
      return per.flat()
    },
    used: async (table) => (await each(table, (stub) => stub.size(now()))).reduce((a, b) => a + b, 0),
    clear: async (table, key) => {
      if (key !== undefined) {
        const spec = specs.get(table)
        if (!spec) return 0
        return ns.getByName(shardName(table, shardOf(spec, key))).clear(key, now())
      }
      return (await each(table, (stub) => stub.clear(undefined, now()))).reduce((a, b) => a + b, 0)
    },
    set: async (table, key, data) => {
      const spec = specs.get(table)
      if (!spec) return
      await ns.getByName(shardName(table, shardOf(spec, key))).setData(shardSpec(spec), key, now(), data)
    },
  }
}
