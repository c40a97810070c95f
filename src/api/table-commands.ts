/**
 * @module
 * `show table`, `clear table`, `set table` (HAProxy 2.6 stick_table.c cli_parse_table_req and
 * friends) over ApiContext.tables. Output as HAProxy prints it, with edgeproxy's ` shard=N`
 * after `exp=` (HAProxy 3.x prints its own shard there). Entry "pointers" are stable hashes of
 * the table and key.
 */
import type { StickTableSpec } from '../routemap/schema.ts'
import { type Args, arg, type Command, hasLevel, PERMISSION_DENIED } from './command.ts'
import type { ApiContext, TableEntryView } from './context.ts'
import { inetPton4, inetPton6 } from '../sample/match/ip-parse.ts'
import { fakePointer } from './pointer.ts'
import { tableSpecs } from './tables.ts'

/** stick_table.c stktable_data_types, in index order (the order `show table` prints data). */
export const DATA_TYPES: readonly string[] = [
  'server_id',
  'gpt0',
  'gpc0',
  'gpc0_rate',
  'conn_cnt',
  'conn_rate',
  'conn_cur',
  'sess_cnt',
  'sess_rate',
  'http_req_cnt',
  'http_req_rate',
  'http_err_cnt',
  'http_err_rate',
  'bytes_in_cnt',
  'bytes_in_rate',
  'bytes_out_cnt',
  'bytes_out_rate',
  'gpc1',
  'gpc1_rate',
  'server_key',
  'http_fail_cnt',
  'http_fail_rate',
  'gpt',
  'gpc',
  'gpc_rate',
]

const OPS = ['eq', 'ne', 'le', 'ge', 'lt', 'gt'] as const
type Op = (typeof OPS)[number]

interface DataFilter {
  readonly type: string
  readonly op: Op
  readonly value: number
}

/** tools.c strl2llrc: a whole signed decimal integer, or undefined. */
function strl2llrc(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined
}

/** Stored data types of `spec` (server_id is there for tables used by stick rules). */
function stores(spec: StickTableSpec, type: string): boolean {
  return spec.store.some((s) => s.type === type)
}

/** Value of data type `type` in a view (rates are stored under `type(period)`). */
function viewValue(v: TableEntryView, type: string): number {
  if (v.data[type] !== undefined) return v.data[type] as number
  for (const [k, n] of Object.entries(v.data)) if (k.startsWith(`${type}(`)) return n
  return 0
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case 'eq':
      return a === b
    case 'ne':
      return a !== b
    case 'le':
      return a <= b
    case 'ge':
      return a >= b
    case 'lt':
      return a < b
    case 'gt':
      return a > b
  }
}

/** table_prepare_data_request: up to 4 `data.<type> <op> <value>` filters from args[3]. */
function parseFilters(args: Args, spec: StickTableSpec): DataFilter[] | { readonly error: string } {
  const out: DataFilter[] = []
  let i = 0
  for (; i < 4; i++) {
    const w = arg(args, 3 + 3 * i)
    if (i > 0 && !w) break
    const type = w.slice(5)
    if (!DATA_TYPES.includes(type)) return { error: `Filter entry #${i + 1}: Unknown data type\n` }
    if (!stores(spec, type)) return { error: `Filter entry #${i + 1}: Data type not stored in this table\n` }
    const op = arg(args, 4 + 3 * i)
    if (!(OPS as readonly string[]).includes(op)) return { error: `Filter entry #${i + 1}: Require and operator among "eq", "ne", "le", "ge", "lt", "gt"\n` }
    const value = strl2llrc(arg(args, 5 + 3 * i))
    if (value === undefined) return { error: `Filter entry #${i + 1}: Require a valid integer value to compare against\n` }
    out.push({ type, op: op as Op, value })
  }
  if (arg(args, 3 + 3 * i)) return { error: `Detected extra data in filter, ${3 + 3 * i + 1}th word of input, after '${arg(args, 2 + 3 * i)}'\n` }
  return out
}

function header(spec: StickTableSpec, used: number): string {
  return `# table: ${spec.name}, type: ${spec.type}, size:${spec.size}, used:${used}\n`
}

/** One entry line (table_dump_entry_to_buffer), data in data-type index order. */
export function entryLine(spec: StickTableSpec, v: TableEntryView): string {
  const names = Object.keys(v.data)
  const rank = (n: string): number => {
    const i = DATA_TYPES.indexOf(n.replace(/\(.*$/, ''))
    return i < 0 ? DATA_TYPES.length : i
  }
  names.sort((a, b) => rank(a) - rank(b))
  const data = names.map((n) => ` ${n}=${v.data[n]}`).join('')
  return `${fakePointer(`${spec.name}\0${v.key}`)}: key=${v.key} use=${v.use} exp=${v.expMs ?? 0} shard=${v.shard}${data}\n`
}

/** Key order of HAProxy's ebtrees: numeric for addresses and integers, bytewise for strings. */
function keyOrder(spec: StickTableSpec): (a: TableEntryView, b: TableEntryView) => number {
  if (spec.type === 'ip') return (a, b) => inetPton4(a.key) - inetPton4(b.key)
  if (spec.type === 'integer') return (a, b) => Number(a.key) - Number(b.key)
  return (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
}

/** The table's key from `key <k>` (table_process_entry_per_key), or HAProxy's error. */
function parseKey(spec: StickTableSpec, text: string, action: 'show' | 'clear' | 'set'): string | { readonly error: string } {
  if (!text) return { error: 'Key value expected\n' }
  switch (spec.type) {
    case 'ip': {
      const n = inetPton4(text)
      return n < 0 ? text : `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
    }
    case 'ipv6':
      return inetPton6(text, new Uint32Array(4)) ? text : { error: 'Invalid key\n' }
    case 'integer': {
      const m = /^[ \t]*\+?(\d+)/.exec(text)
      if (!m || Number(m[1]) > 0xffffffff) return { error: 'Invalid key\n' }
      return String(Number(m[1]))
    }
    case 'string':
      return text.slice(0, spec.keyLength)
    default:
      return {
        error: `${action === 'show' ? 'Showing keys from' : action === 'clear' ? 'Removing keys from' : 'Inserting keys into'} tables of type other than ip, ipv6, string and integer is not supported\n`,
      }
  }
}

const ERR_ARGS = {
  show: 'Optional argument only supports "data.<store_data_type>" <operator> <value> and key <key>\n',
  clear: 'Required arguments: <table> "data.<store_data_type>" <operator> <value> or <table> key <key>\n',
  set: 'Required arguments: <table> key <key> [data.<store_data_type> <value>]*\n',
} as const

/** Tables in `show table` order: HAProxy prepends each new table to its list (last declared first). */
function orderedTables(ctx: ApiContext): StickTableSpec[] {
  const specs = [...tableSpecs(ctx.routeMap).values()]
  const files = ctx.routeMap.sources
  specs.sort((a, b) => files.indexOf(a.origin.file) - files.indexOf(b.origin.file) || a.origin.line - b.origin.line)
  return specs.reverse()
}

async function perKey(args: Args, ctx: ApiContext, spec: StickTableSpec, action: 'show' | 'clear' | 'set'): Promise<string> {
  const key = parseKey(spec, arg(args, 4), action)
  if (typeof key !== 'string') return key.error
  if (!hasLevel(ctx.level, 'operator')) return PERMISSION_DENIED
  if (action === 'show') {
    const v = (await ctx.tables.dump(spec.name)).find((e) => e.key === key)
    if (!v) return ''
    return header(spec, await ctx.tables.used(spec.name)) + entryLine(spec, v)
  }
  if (action === 'clear') {
    await ctx.tables.clear(spec.name, key)
    return ''
  }
  const data: Record<string, number> = {}
  let error = ''
  for (let i = 5; arg(args, i); i += 2) {
    const w = arg(args, i)
    if (!w.startsWith('data.')) {
      error = '"data.<type>" followed by a value expected\n'
      break
    }
    const type = w.slice(5)
    if (!DATA_TYPES.includes(type)) {
      error = 'Unknown data type\n'
      break
    }
    if (!stores(spec, type)) {
      error = 'Data type not stored in this table\n'
      break
    }
    const v = strl2llrc(arg(args, i + 1))
    if (v === undefined) {
      error = 'Require a valid integer value to store\n'
      break
    }
    data[type] = v
  }
  // HAProxy creates the entry and keeps the values before the faulty one.
  await ctx.tables.set(spec.name, key, data)
  return error
}

function tableHandler(action: 'show' | 'clear' | 'set'): Command['handler'] {
  return async (args, ctx) => {
    const name = arg(args, 2)
    if (!name) {
      if (action !== 'show') return ERR_ARGS[action]
      let out = ''
      for (const spec of orderedTables(ctx)) out += header(spec, await ctx.tables.used(spec.name))
      return out
    }
    const spec = tableSpecs(ctx.routeMap).get(name)
    if (!spec) return 'No such table\n'
    const a3 = arg(args, 3)
    if (a3 === 'key') return perKey(args, ctx, spec, action)
    let filters: DataFilter[] = []
    if (a3.startsWith('data.')) {
      if (action === 'set') return 'content-based lookup is only supported with the "show" and "clear" actions\n'
      const f = parseFilters(args, spec)
      if (!Array.isArray(f)) return (f as { error: string }).error
      filters = f
    } else if (a3) return ERR_ARGS[action]
    if (action === 'set') return ''
    const entries = (await ctx.tables.dump(spec.name)).filter((v) => filters.every((f) => compare(viewValue(v, f.type), f.op, f.value)))
    if (action === 'clear') {
      if (!hasLevel(ctx.level, 'operator')) return PERMISSION_DENIED
      for (const v of entries) if (v.use === 0) await ctx.tables.clear(spec.name, v.key)
      return ''
    }
    let out = header(spec, await ctx.tables.used(spec.name))
    if (!hasLevel(ctx.level, 'operator')) return `${out}# contents not dumped due to insufficient privileges\n`
    for (const v of entries.sort(keyOrder(spec))) out += entryLine(spec, v)
    return out
  }
}

export const TABLE_COMMANDS: readonly Command[] = [
  {
    words: ['show', 'table'],
    usage: "show table <table> [<filter>]*          : report table usage stats or dump this table's contents (filter: data/key)",
    level: 'user',
    handler: tableHandler('show'),
  },
  { words: ['clear', 'table'], usage: 'clear table <table> [<filter>]*         : remove an entry from a table (filter: data/key)', level: 'user', handler: tableHandler('clear') },
  { words: ['set', 'table'], usage: "set table <table> key <k> [data.* <v>]* : update or create a table entry's data", level: 'user', handler: tableHandler('set') },
]
