/**
 * @module
 * The StickStore contract between the engine and stick-table storage. Every store keeps an
 * isolate view of each table (a MemoryStickTable) that the engine reads synchronously (sc_*,
 * src_*, stick match); what differs is where writes go:
 * - the memory store (`explain`, unit tests, a Worker without the STICK binding): the view is the
 *   table;
 * - the Durable Object store (remote-stick.ts): `track` asks the table's shard (exact mode) or
 *   counts locally and ships batches (fast mode); `ship` sends writes made on the view.
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import { viewBudget } from './budget.ts'
import { MemoryStickTable, type StickEntry, type StickOp } from './memory-stick.ts'

export interface StickStore {
  now(): number
  /** The isolate view of table `name` (undefined: no such table). */
  table(name: string): MemoryStickTable | undefined
  /**
   * track-sc: gets or creates `key` in `table`, refreshes it and applies `ops`; the result is the
   * entry the request's sc_* fetches read, undefined when it cannot be tracked (table full with
   * nopurge, or a failed Durable Object under the fail-open policy). May be a promise (exact mode).
   */
  track(table: string, key: string, ops: readonly StickOp[]): StickEntry | undefined | Promise<StickEntry | undefined>
  /**
   * Sends writes already applied to the view (sc-inc-gpc0, sc-set-gpt0, stick store/match
   * refreshes) to the shared table, in the background. Memory stores have nothing to do.
   */
  ship?(table: string, key: string, ops: readonly StickOp[]): void
  /**
   * Brings `key`'s shared entry into the view before a synchronous read of it (stick match on an
   * exact table); undefined when the view is already authoritative (memory store, fast tables).
   */
  load?(table: string, key: string): Promise<void> | undefined
}

/** Builds a store for the RouteMap's tables (createEngine's `stick` option takes a store or this). */
export type StickStoreFactory = (specs: readonly StickTableSpec[], now: () => number) => StickStore

export function createMemoryStickStore(specs: readonly StickTableSpec[], now: () => number): StickStore {
  const maxBytes = viewBudget(specs.length)
  const tables = new Map(specs.map((s) => [s.name, new MemoryStickTable(s, { maxBytes })]))
  return {
    table: (n) => tables.get(n),
    now,
    track: (name, key, ops) => {
      const t = tables.get(name)
      const at = now()
      const e = t?.touch(key, at)
      if (t && e) t.apply(e, ops, at)
      return e
    },
  }
}
