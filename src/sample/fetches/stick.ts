/**
 * @module
 * Stick-table fetches (stick_table.c): sc_<x>(ctr[,table]), sc0_/sc1_/sc2_<x>([table]) read the
 * entry a `track-sc` bound to a counter (the fetch fails when the counter tracks nothing);
 * src_<x>([table]) looks the client address up without tracking (0 when there is no entry).
 * They read through the request's StickView. Fetches that write (sc_inc_gpc0, src_clr_gpc0...)
 * and the gpc/gpt arrays are listed as not supported.
 */
import type { ArgSpec, FetchDef, FetchFn, SampleContext } from '../types.ts'
import { argInt, argStr, BOTH, bool, int } from './util.ts'

interface DataRead {
  /** Data type asked from the StickView. */
  readonly data: string
  /** Turns the stored value into the fetch's value (kbytes_in = bytes_in_cnt >> 10). */
  readonly map?: (v: number) => number
}

const kb = (v: number): number => Math.floor(v / 1024)

/** Fetch suffix → stored data type. */
const READS: Readonly<Record<string, DataRead>> = {
  bytes_in_rate: { data: 'bytes_in_rate' },
  bytes_out_rate: { data: 'bytes_out_rate' },
  conn_cnt: { data: 'conn_cnt' },
  conn_cur: { data: 'conn_cur' },
  conn_rate: { data: 'conn_rate' },
  get_gpt0: { data: 'gpt0' },
  get_gpc0: { data: 'gpc0' },
  get_gpc1: { data: 'gpc1' },
  gpc0_rate: { data: 'gpc0_rate' },
  gpc1_rate: { data: 'gpc1_rate' },
  http_err_cnt: { data: 'http_err_cnt' },
  http_err_rate: { data: 'http_err_rate' },
  http_fail_cnt: { data: 'http_fail_cnt' },
  http_fail_rate: { data: 'http_fail_rate' },
  http_req_cnt: { data: 'http_req_cnt' },
  http_req_rate: { data: 'http_req_rate' },
  kbytes_in: { data: 'bytes_in_cnt', map: kb },
  kbytes_out: { data: 'bytes_out_cnt', map: kb },
  sess_cnt: { data: 'sess_cnt' },
  sess_rate: { data: 'sess_rate' },
}

const WRITE_HINT: Readonly<Record<string, string>> = {
  inc_gpc0: "use the action 'http-request sc-inc-gpc0(<ctr>)' and read it with sc_get_gpc0",
  inc_gpc1: "use the action 'http-request sc-inc-gpc1(<ctr>)' and read it with sc_get_gpc1",
  inc_gpc: "use the action 'http-request sc-inc-gpc0(<ctr>)' or sc-inc-gpc1",
  clr_gpc0: "fetches cannot modify stick tables at the edge; use 'http-request sc-set-gpt0(<ctr>)' for a resettable flag",
  clr_gpc1: "fetches cannot modify stick tables at the edge; use 'http-request sc-set-gpt0(<ctr>)' for a resettable flag",
  clr_gpc: "fetches cannot modify stick tables at the edge; use 'http-request sc-set-gpt0(<ctr>)' for a resettable flag",
}

const ARRAY_HINT = 'the gpc/gpt arrays are not stored by edgeproxy tables yet; store and read gpc0, gpc1 or gpt0'

/**
 * Data types probed to tell whether an entry exists or a counter tracks one (the StickView has no
 * direct query): any of them answering means yes. Also read by the table converters (table_*).
 */
export const PROBE = [
  'trackers',
  'http_req_cnt',
  'http_req_rate',
  'conn_cnt',
  'conn_rate',
  'conn_cur',
  'sess_cnt',
  'sess_rate',
  'gpc0',
  'gpc1',
  'gpt0',
  'gpc0_rate',
  'gpc1_rate',
  'http_err_cnt',
  'http_err_rate',
  'http_fail_cnt',
  'http_fail_rate',
  'bytes_in_cnt',
  'bytes_out_cnt',
  'bytes_in_rate',
  'bytes_out_rate',
  'server_id',
  'server_key',
]

function isTracked(ctx: SampleContext, counter: number, table: string | undefined): boolean {
  const v = ctx.stick
  if (!v) return false
  for (const d of PROBE) if (v.tracked(counter, d, table) !== undefined) return true
  return false
}

type Family = 'sc' | 'scN' | 'src'

function readTracked(r: DataRead, counter: number, table: string | undefined): FetchFn {
  return (ctx) => {
    const v = ctx.stick?.tracked(counter, r.data, table)
    return v === undefined ? undefined : int(r.map ? r.map(v) : v)
  }
}

/**
 * src_*: looks the client address up in <table> (default: the proxy of the rule, i.e. the backend
 * once chosen, else the frontend). A missing entry reads as 0, like stick_table.c.
 */
function readSrc(r: DataRead, table: string | undefined): FetchFn {
  return (ctx) => {
    const t = table ?? ctx.backend ?? ctx.frontend
    const v = ctx.stick?.lookup(t, ctx.src, r.data) ?? 0
    return int(r.map ? r.map(v) : v)
  }
}

/** Builds `counter` and `table` from the args of each family. */
function counterOf(family: Family, n: number, args: readonly (string | number)[]): { counter: number; table: string | undefined } {
  if (family === 'sc') return { counter: argInt(args, 0) ?? 0, table: argStr(args, 1) }
  return { counter: n, table: argStr(args, 0) }
}

const SC_ARGS: readonly ArgSpec[] = [{ kind: 'int' }, { kind: 'table', optional: true }]
const TABLE_OPT: readonly ArgSpec[] = [{ kind: 'table', optional: true }]

function argsOf(family: Family): readonly ArgSpec[] {
  return family === 'sc' ? SC_ARGS : TABLE_OPT
}

function familyDoc(family: Family, n: number, what: string): string {
  if (family === 'src') return `${what} of the client address's entry in <table> (no tracking; 0 without an entry)`
  return `${what} of the entry tracked by ${family === 'sc' ? 'counter <ctr>' : `sc${n}`} (fails when nothing is tracked)`
}

const DOC: Readonly<Record<string, string>> = {
  bytes_in_rate: 'request bytes rate',
  bytes_out_rate: 'response bytes rate',
  conn_cnt: 'connection count',
  conn_cur: 'current connections',
  conn_rate: 'connection rate',
  get_gpt0: 'gpt0 tag',
  get_gpc0: 'gpc0 counter',
  get_gpc1: 'gpc1 counter',
  gpc0_rate: 'gpc0 increment rate',
  gpc1_rate: 'gpc1 increment rate',
  http_err_cnt: 'HTTP error count',
  http_err_rate: 'HTTP error rate',
  http_fail_cnt: 'HTTP failure count',
  http_fail_rate: 'HTTP failure rate',
  http_req_cnt: 'HTTP request count',
  http_req_rate: 'HTTP request rate',
  kbytes_in: 'request kilobytes',
  kbytes_out: 'response kilobytes',
  sess_cnt: 'session count',
  sess_rate: 'session rate',
}

function readDef(prefix: string, family: Family, n: number, suffix: string): FetchDef {
  const r = READS[suffix] as DataRead
  return {
    name: `${prefix}${suffix}`,
    args: argsOf(family),
    output: 'int',
    phases: BOTH,
    doc: familyDoc(family, n, DOC[suffix] ?? suffix),
    build: (args) => {
      if (family === 'src') return readSrc(r, argStr(args, 0))
      const { counter, table } = counterOf(family, n, args)
      return readTracked(r, counter, table)
    },
  }
}

function unsupportedDef(name: string, family: Family, why: string): FetchDef {
  return {
    name,
    args:
      family === 'sc'
        ? [{ kind: 'int' }, { kind: 'int', optional: true }, { kind: 'table', optional: true }]
        : [
            { kind: 'int', optional: true },
            { kind: 'table', optional: true },
          ],
    output: 'int',
    phases: BOTH,
    unsupported: `not supported yet: ${why}`,
    doc: 'not supported yet',
    build: () => () => undefined,
  }
}

const READ_SUFFIXES = Object.keys(READS)
const WRITE_SUFFIXES = ['clr_gpc0', 'clr_gpc1', 'inc_gpc0', 'inc_gpc1']

function family(prefix: string, fam: Family, n: number): FetchDef[] {
  const out: FetchDef[] = READ_SUFFIXES.map((s) => readDef(prefix, fam, n, s))
  for (const s of WRITE_SUFFIXES) out.push(unsupportedDef(`${prefix}${s}`, fam, WRITE_HINT[s] as string))
  if (fam !== 'src') {
    out.push({
      name: `${prefix}tracked`,
      args: argsOf(fam),
      output: 'bool',
      phases: BOTH,
      doc: `true when ${fam === 'sc' ? 'counter <ctr>' : `sc${n}`} tracks an entry`,
      build: (args) => {
        const { counter, table } = counterOf(fam, n, args)
        return (ctx) => bool(isTracked(ctx, counter, table))
      },
    })
    out.push({
      name: `${prefix}trackers`,
      args: argsOf(fam),
      output: 'int',
      phases: BOTH,
      doc: `number of requests tracking the entry of ${fam === 'sc' ? 'counter <ctr>' : `sc${n}`}`,
      build: (args) => {
        const { counter, table } = counterOf(fam, n, args)
        return (ctx) => {
          const v = ctx.stick?.tracked(counter, 'trackers', table)
          if (v !== undefined) return int(v)
          return isTracked(ctx, counter, table) ? int(1) : undefined
        }
      },
    })
  }
  return out
}

export const STICK_FETCHES: readonly FetchDef[] = [
  ...family('sc_', 'sc', 0),
  unsupportedDef('sc_inc_gpc', 'sc', WRITE_HINT.inc_gpc as string),
  unsupportedDef('sc_clr_gpc', 'sc', WRITE_HINT.clr_gpc as string),
  unsupportedDef('sc_get_gpc', 'sc', ARRAY_HINT),
  unsupportedDef('sc_get_gpt', 'sc', ARRAY_HINT),
  unsupportedDef('sc_gpc_rate', 'sc', ARRAY_HINT),
  ...family('sc0_', 'scN', 0),
  ...family('sc1_', 'scN', 1),
  unsupportedDef('sc1_clr_gpc', 'scN', WRITE_HINT.clr_gpc as string),
  ...family('sc2_', 'scN', 2),
  ...family('src_', 'src', 0),
  unsupportedDef('src_inc_gpc', 'src', WRITE_HINT.inc_gpc as string),
  unsupportedDef('src_clr_gpc', 'src', WRITE_HINT.clr_gpc as string),
  unsupportedDef('src_get_gpc', 'src', ARRAY_HINT),
  unsupportedDef('src_get_gpt', 'src', ARRAY_HINT),
  unsupportedDef('src_gpc_rate', 'src', ARRAY_HINT),
  unsupportedDef('src_updt_conn_cnt', 'src', 'fetches cannot modify stick tables at the edge; track the client with track-sc and read src_conn_cnt'),
  {
    name: 'table_avl',
    args: TABLE_OPT,
    output: 'int',
    phases: BOTH,
    unsupported: 'not supported yet: the per-request stick-table view does not expose table sizes',
    doc: 'not supported yet',
    build: () => () => undefined,
  },
  {
    name: 'table_cnt',
    args: TABLE_OPT,
    output: 'int',
    phases: BOTH,
    unsupported: 'not supported yet: the per-request stick-table view does not expose table sizes',
    doc: 'not supported yet',
    build: () => () => undefined,
  },
]
