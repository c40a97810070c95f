/**
 * @module
 * Memory budgets of the runtime state: how many bytes the stick-table state may take in one Worker
 * isolate and in one StickTable Durable Object, and how an entry's bytes are counted. Every
 * structure that grows with distinct keys or clients is bounded here, in entries (a table's
 * `size`, a shard's share of it) and in bytes (these budgets):
 *
 * - the isolate's views of its tables (MemoryStickTable, remote-stick.ts): together at most
 *   ISOLATE_STATE_BUDGET_BYTES, split evenly between the RouteMap's tables;
 * - the isolate's queued deltas: at most `batch` (1,000) keys per shard before they are sent;
 * - one object (a home shard or a replica, stick-shard.ts / stick-replica.ts): its entries at most
 *   OBJECT_ENTRIES_BUDGET_BYTES, a replica's deltas waiting for the home sync and its writers'
 *   index at most OBJECT_QUEUE_BUDGET_BYTES each.
 *
 * Why these figures. A Worker isolate and a Durable Object each have 128 MB at the edge (the
 * platform ends an isolate over it), and several objects of one class may share an isolate. The
 * isolate's 128 MB also hold the RouteMap and its compiled engine (their own budget, from the
 * RouteMap's side), requests and responses in flight, and V8's headroom (a major GC needs room to
 * copy live objects): 24 MB for stick state leaves more than half for the rest. An object holds
 * nothing but its table's entries and the RPC payloads in flight (a batch of 1,000 entries,
 * serialized twice, is well under 1 MB): 48 MB for its entries and 2 × 8 MB for a replica's
 * queues keep two objects of one isolate within 128 MB.
 *
 * Bytes are counted, not measured: an entry costs STICK_ENTRY_BYTES (the entry, its two maps and
 * one freq_ctr, as V8 lays them out: measured with bench/memory.ts, rounded up) plus
 * STICK_DATA_BYTES per stored data type, plus its key (2 bytes per character: V8's two-byte
 * strings, the worst case). bench/memory.ts and test/unit/state/stick-memory.test.ts check the
 * counts against the V8 heap. HAProxy's own bound is `size` × the entry size it allocates up front;
 * a `size` whose entries would not fit the budget holds fewer entries (docs/differences.md).
 */

const MB = 1024 * 1024

/** All stick-table views of one Worker isolate (bytes). */
export const ISOLATE_STATE_BUDGET_BYTES = 24 * MB

/** One StickTable object's entries (home shard or replica; bytes). */
export const OBJECT_ENTRIES_BUDGET_BYTES = 48 * MB

/** One replica's deltas waiting for the home sync, and its index of writers (bytes each). */
export const OBJECT_QUEUE_BUDGET_BYTES = 8 * MB

/** One StickTable object in all: entries and both queues (what bench/memory.ts compares with). */
export const OBJECT_BUDGET_BYTES = OBJECT_ENTRIES_BUDGET_BYTES + 2 * OBJECT_QUEUE_BUDGET_BYTES

/** An entry's fixed cost in the V8 heap: the entry object, its counters and rates maps, their tables (bytes). */
export const STICK_ENTRY_BYTES = 480

/** Each stored data type's share of an entry (a map slot, a number or a freq_ctr; bytes). */
export const STICK_DATA_BYTES = 96

/** A queued delta run's fixed cost (the run, its array, its map slot; bytes). */
export const DELTA_BYTES = 320

/** A replica's record of a key's last writer (the record and its map slot; bytes, plus the key). */
export const WRITER_BYTES = 160

/** An isolate sends a shard's queue at once when it holds this many bytes (bounds its memory and the payload). */
export const ISOLATE_QUEUE_FLUSH_BYTES = 1 * MB

/** A key's bytes: 2 per UTF-16 code unit (V8's two-byte strings; one-byte ones take less). */
export function keyBytes(key: string): number {
  return 2 * key.length
}

/** The bytes counted for an entry of `key` in a table storing `dataTypes` types. */
export function entryBytes(key: string, dataTypes: number): number {
  return STICK_ENTRY_BYTES + STICK_DATA_BYTES * dataTypes + keyBytes(key)
}

/** Each of `tables` views' share of the isolate budget (bytes). */
export function viewBudget(tables: number): number {
  return Math.floor(ISOLATE_STATE_BUDGET_BYTES / Math.max(1, tables))
}
