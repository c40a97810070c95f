/**
 * @module
 * TableAccess over in-memory tables (MemoryStickTable) for `explain`, `edgeproxy dev` without the
 * binding, and tests, and what every TableAccess shares: the RouteMap's tables by name and stored
 * entries (counters and freq_ctr state) as TableEntryViews with rates read at `now`. The one over
 * the StickTable Durable Objects is durable-objects/table-access.ts.
 */
import type { RouteMap, StickTableSpec } from '../routemap/schema.ts'
import { type FreqCtr, readFreqCtr } from '../state/freq-ctr.ts'
import { type EntryState, entryState, type MemoryStickTable } from '../state/memory-stick.ts'
import type { TableAccess, TableEntryView } from './context.ts'

/** Every stick table of the RouteMap by name (a `listen` section's table once). */
export function tableSpecs(routeMap: RouteMap): Map<string, StickTableSpec> {
  const out = new Map<string, StickTableSpec>()
  for (const p of [...routeMap.frontends, ...routeMap.backends]) if (p.stickTable && !out.has(p.stickTable.name)) out.set(p.stickTable.name, p.stickTable)
  for (const t of routeMap.peerTables ?? []) out.set(t.name, t)
  return out
}

/** Entries expiring later than this have no expiry (src/state/memory-stick.ts NO_EXPIRY). */
const FOREVER = Number.MAX_SAFE_INTEGER / 4

/** The data name a view uses for a stored type: `gpc0`, `http_req_rate(10000)`. */
export function dataName(s: { readonly type: string; readonly periodMs?: number }): string {
  return s.periodMs !== undefined ? `${s.type}(${s.periodMs})` : s.type
}

/** A stored entry as the runtime API shows it, rates read at `now`. */
export function entryView(spec: StickTableSpec, e: EntryState, shard: number, now: number): TableEntryView {
  const data: Record<string, number> = {}
  if (e.counters.server_id !== undefined && !spec.store.some((s) => s.type === 'server_id')) data.server_id = e.counters.server_id
  for (const s of spec.store) {
    if (s.periodMs !== undefined) {
      const f: FreqCtr | undefined = e.rates[s.type]
      data[dataName(s)] = f ? readFreqCtr(f, s.periodMs, now) : 0
    } else data[s.type] = e.counters[s.type] ?? 0
  }
  return { key: e.key, shard, ...(e.expiresAt < FOREVER ? { expMs: Math.max(0, e.expiresAt - now) } : {}), data, use: 0 }
}

/**
 * TableAccess over in-memory tables (one shard each). `set` writes counters directly and rates
 * as HAProxy's `set table` does: the current period holds the value, starting now.
 */
export function memoryTableAccess(tables: ReadonlyMap<string, MemoryStickTable>, now: () => number = Date.now): TableAccess {
  return {
    dump: async (table) => {
      const t = tables.get(table)
      if (!t) return []
      const at = now()
      return t.entries(at).map((e) => entryView(t.spec, entryState(e), 0, at))
    },
    used: async (table) => tables.get(table)?.entries(now()).length ?? 0,
    clear: async (table, key) => {
      const t = tables.get(table)
      if (!t) return 0
      const keys = key !== undefined ? [key] : t.entries(now()).map((e) => e.key)
      let n = 0
      for (const k of keys) {
        if (t.peek(k, now())) {
          t.forget(k)
          n++
        }
      }
      return n
    },
    set: async (table, key, data) => {
      const t = tables.get(table)
      if (!t) return
      const at = now()
      const e = t.touch(key, at)
      if (!e) return
      for (const [type, value] of Object.entries(data)) {
        const s = t.spec.store.find((x) => x.type === type)
        if (s?.periodMs !== undefined) e.rates.set(type, { currTick: at - (((at % 2) + 2) % 2), currCtr: value, prevCtr: 0 })
        else e.counters.set(type, value)
      }
    },
  }
}
