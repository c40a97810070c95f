/**
 * @module
 * Stick-table converters (stick_table.c): table_<data>(<table>) looks the input up as a key
 * without creating or refreshing the entry and returns 0 when the key is absent; in_table tells
 * whether the key is present. The key is the input's text form (as track-sc stores it).
 */
import { castTo } from '../cast.ts'
import { PROBE } from '../fetches/stick.ts'
import { bool, int } from '../fetches/util.ts'
import type { ConverterDef, Sample, SampleContext } from '../types.ts'

const ANY = ['str', 'int', 'ip', 'bin', 'bool', 'meth'] as const

function keyOf(s: Sample): string | undefined {
  if (s.type === 'str' || s.type === 'ip') return s.value
  const t = castTo(s, 'str')
  return t?.type === 'str' ? t.value : undefined
}

const kb = (v: number): number => Math.floor(v / 1024)

const READS: readonly (readonly [string, string, ((v: number) => number)?])[] = [
  ['bytes_in_rate', 'bytes_in_rate'],
  ['bytes_out_rate', 'bytes_out_rate'],
  ['conn_cnt', 'conn_cnt'],
  ['conn_cur', 'conn_cur'],
  ['conn_rate', 'conn_rate'],
  ['gpt0', 'gpt0'],
  ['gpc0', 'gpc0'],
  ['gpc1', 'gpc1'],
  ['gpc0_rate', 'gpc0_rate'],
  ['gpc1_rate', 'gpc1_rate'],
  ['http_err_cnt', 'http_err_cnt'],
  ['http_err_rate', 'http_err_rate'],
  ['http_fail_cnt', 'http_fail_cnt'],
  ['http_fail_rate', 'http_fail_rate'],
  ['http_req_cnt', 'http_req_cnt'],
  ['http_req_rate', 'http_req_rate'],
  ['kbytes_in', 'bytes_in_cnt', kb],
  ['kbytes_out', 'bytes_out_cnt', kb],
  ['server_id', 'server_id'],
  ['sess_cnt', 'sess_cnt'],
  ['sess_rate', 'sess_rate'],
  ['trackers', 'trackers'],
]

function present(ctx: SampleContext, table: string, key: string): boolean {
  const v = ctx.stick
  if (!v) return false
  for (const d of PROBE) if (v.lookup(table, key, d) !== undefined) return true
  return false
}

const ARRAY = 'not supported yet: the gpc/gpt arrays are not stored by edgeproxy tables; store and read gpc0, gpc1 or gpt0'

export const TABLE_CONVERTERS: readonly ConverterDef[] = [
  {
    name: 'in_table',
    args: [{ kind: 'table' }],
    input: [...ANY],
    output: 'bool',
    doc: 'true when the input is a key of stick table <table>',
    build: (args) => {
      const table = String(args[0] ?? '')
      return (input, ctx) => {
        const k = keyOf(input)
        return k === undefined ? undefined : bool(present(ctx, table, k))
      }
    },
  },
  ...READS.map(
    ([suffix, data, map]): ConverterDef => ({
      name: `table_${suffix}`,
      args: [{ kind: 'table' }],
      input: [...ANY],
      output: 'int',
      doc: `${suffix.replace(/_/g, ' ')} of the entry whose key is the input in <table> (0 without an entry)`,
      build: (args) => {
        const table = String(args[0] ?? '')
        return (input, ctx) => {
          const k = keyOf(input)
          if (k === undefined) return undefined
          const v = ctx.stick?.lookup(table, k, data) ?? 0
          return int(map ? map(v) : v)
        }
      },
    }),
  ),
  ...['table_gpt', 'table_gpc', 'table_gpc_rate'].map(
    (name): ConverterDef => ({
      name,
      args: [{ kind: 'int' }, { kind: 'table' }],
      input: [...ANY],
      output: 'int',
      unsupported: ARRAY,
      doc: 'not supported yet',
      build: () => () => undefined,
    }),
  ),
]
