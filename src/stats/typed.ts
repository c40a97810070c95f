/**
 * @module
 * `show stat typed` and `show stat json` (stats.c `stats_dump_fields_typed`,
 * `stats_dump_fields_json`): only the filled fields of each row, each with its position, name,
 * process number, origin/nature/scope tags and value format.
 *
 * typed: `<F|B|S|L>.<iid>.<sid>.<pos>.<name>.1:<tags>:<format>:<value>` per line.
 * json: `[` rows joined by `,` `]`, each row an array of
 * `{"objType":…,"proxyId":…,"id":…,"field":{"pos":…,"name":…},"processNum":1,"tags":{…},"value":{"type":…,"value":…}}`.
 */
import { type FieldType, STAT_COLUMNS_26, type StatRow, statFieldType } from './fields.ts'

const TYPE_LETTER = ['F', 'B', 'S', 'L'] as const
const OBJ_TYPE = ['Frontend', 'Backend', 'Server', 'Listener'] as const

const ORIGIN: Record<string, string> = { M: 'Metric', S: 'Status', K: 'Key', C: 'Config', P: 'Product' }
const NATURE: Record<string, string> = {
  G: 'Gauge',
  L: 'Limit',
  m: 'Min',
  M: 'Max',
  R: 'Rate',
  C: 'Counter',
  D: 'Duration',
  A: 'Age',
  T: 'Time',
  N: 'Name',
  O: 'Output',
  a: 'Avg',
}
const SCOPE: Record<string, string> = { P: 'Process', S: 'Service', s: 'System', C: 'Cluster' }

export interface DumpOptions {
  /** End with the CLI's empty line (default true); the stats page's `;json` ends after `]\n`. */
  readonly trailingEmptyLine?: boolean
}

function* filled(r: StatRow): Generator<{ pos: number; name: string; type: FieldType; value: string | number }> {
  for (let pos = 0; pos < STAT_COLUMNS_26.length; pos++) {
    const value = r.values[pos]
    const type = statFieldType(r.type, pos)
    if (value === undefined || !type) continue
    yield { pos, name: STAT_COLUMNS_26[pos] as string, type, value }
  }
}

export function renderTyped(rows: readonly StatRow[], opts: DumpOptions = {}): string {
  let out = ''
  for (const r of rows) {
    for (const f of filled(r)) out += `${TYPE_LETTER[r.type]}.${r.iid}.${r.sid}.${f.pos}.${f.name}.1:${f.type.tags}:${f.type.format}:${f.value}\n`
  }
  return opts.trailingEmptyLine === false ? out : `${out}\n`
}

/** The JSON `tags` object for three tag letters (stats.c `stats_emit_json_field_tags`). */
export function jsonTags(tags: string): string {
  return `"tags":{"origin":"${ORIGIN[tags[0] ?? ''] ?? 'Unknown'}","nature":"${NATURE[tags[1] ?? ''] ?? 'Unknown'}","scope":"${SCOPE[tags[2] ?? ''] ?? 'Unknown'}"}`
}

/** The JSON `value` object (stats.c `stats_emit_json_data_field`). */
export function jsonValue(format: string, value: string | number): string {
  return `"value":{"type":"${format}","value":${format === 'str' ? JSON.stringify(String(value)) : String(value)}}`
}

export function renderStatJson(rows: readonly StatRow[], opts: DumpOptions = {}): string {
  const objs = rows.map((r) => {
    const fields = [...filled(r)].map(
      (f) =>
        `{"objType":"${OBJ_TYPE[r.type]}","proxyId":${r.iid},"id":${r.sid},"field":{"pos":${f.pos},"name":"${f.name}"},"processNum":1,${jsonTags(f.type.tags)},${jsonValue(f.type.format, f.value)}}`,
    )
    return `[${fields.join(',')}]`
  })
  const out = `[${objs.join(',')}]\n`
  return opts.trailingEmptyLine === false ? out : `${out}\n`
}
