/**
 * @module
 * What runtime API commands run against. The Worker builds one per API request from its
 * Durable Objects (src/ops/); tests build one in memory. Commands never touch bindings directly.
 */
import type { RouteMap } from '../routemap/schema.ts'
import type { AdminPatch, AdminServer, ApiLevel } from '../ops/types.ts'
import type { StatsInput } from '../stats/input.ts'

export type { ApiLevel }

/** A stick table's entries (runtime `show table`, `clear table`, `set table`). */
export interface TableEntryView {
  readonly key: string
  /** Shard the entry lives in (edgeproxy: tables are sharded Durable Objects). */
  readonly shard: number
  /** Remaining ms before expiry (undefined: no expire). */
  readonly expMs?: number
  /** Data as `name` → value; rates already computed at read time (`http_req_rate(10000)` keys). */
  readonly data: Readonly<Record<string, number>>
  readonly use: number
}

export interface TableAccess {
  /** Entries of `table` (all shards). */
  dump(table: string): Promise<readonly TableEntryView[]>
  /** Number of entries per table. */
  used(table: string): Promise<number>
  /** Removes one entry (`key`) or every entry. Returns how many were removed. */
  clear(table: string, key?: string): Promise<number>
  /** `set table T key K data.X V…` */
  set(table: string, key: string, data: Readonly<Record<string, number>>): Promise<void>
}

/** Runtime edits of maps and ACL pattern lists, shared by every isolate (HAProxy's `add map`…). */
export interface PatternEdits {
  /** The current entries of pattern reference `ref` (a map/ACL file name or `acl-<n>` id) after edits, or undefined when unedited. */
  get(ref: string): readonly (readonly [string, string])[] | undefined
  /** Replaces the entries of `ref` (the new full list). */
  put(ref: string, entries: readonly (readonly [string, string])[]): Promise<void>
}

export interface ApiContext {
  readonly routeMap: RouteMap
  readonly level: ApiLevel
  /** Current stats (counters flushed and aggregated, health and admin state). */
  stats(): Promise<StatsInput>
  admin(backend: string, server: string): AdminServer | undefined
  /** Applies an admin change; every isolate sees it within the refresh interval. */
  setAdmin(backend: string, server: string, patch: AdminPatch): Promise<void>
  /** `clear counters`: maxima and rates, or every counter with `all`. */
  clearCounters(all: boolean): Promise<void>
  readonly tables: TableAccess
  readonly patterns: PatternEdits
}
