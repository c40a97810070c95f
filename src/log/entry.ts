/**
 * @module
 * The access log's and the stats counters' view of a request: the record the engine's transaction
 * fills (src/engine/record.ts), re-exported where the log and the counters read it.
 */
export type { EndKind } from '../engine/outcome.ts'
export { type AccessLogEntry, RequestRecord, utf8Length } from '../engine/record.ts'
