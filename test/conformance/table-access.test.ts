/**
 * The TableAccess conformance suite (table-access.suite.ts) over in-memory tables
 * (memoryTableAccess); over the StickTable Durable Objects: table-access.workers.test.ts.
 */
import { memoryTableAccess, tableSpecs } from '../../src/api/tables.ts'
import { MemoryStickTable } from '../../src/state/memory-stick.ts'
import { tableAccessConformance } from './table-access.suite.ts'

tableAccessConformance('memory tables (memoryTableAccess)', (routeMap, now) => {
  const tables = new Map([...tableSpecs(routeMap).values()].map((s) => [s.name, new MemoryStickTable(s)]))
  return {
    access: memoryTableAccess(tables, now),
    track: async (table, key, ops) => {
      const t = tables.get(table)
      const e = t?.touch(key, now())
      if (t && e) t.apply(e, ops, now())
    },
  }
})
