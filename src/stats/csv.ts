/**
 * @module
 * `show stat` / `<stats uri>;csv` (stats.c `stats_dump_csv_header`, `stats_dump_fields_csv`):
 * a `# `-prefixed header, one line per row, a trailing comma after every field (and a `-,`
 * between the static and the module columns). Strings are quoted only when they contain a comma,
 * a double quote, CR or LF (tools.c `csv_enc_append`), with `"` doubled.
 */
import { STAT_COLUMNS_26, STATIC_COLUMN_COUNT, type StatRow } from './fields.ts'

export interface CsvOptions {
  /**
   * End with an empty line, as every CLI command's output does (`show stat`): default true.
   * The stats page's `;csv` body ends right after the last row's newline.
   */
  readonly trailingEmptyLine?: boolean
}

/** tools.c `csv_enc_append(str, 1, …)`. */
export function csvField(v: string | number | undefined): string {
  if (v === undefined) return ''
  const s = String(v)
  return /[\n\r,"]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function line(fields: readonly string[]): string {
  let out = ''
  for (let i = 0; i < fields.length; i++) {
    out += `${fields[i]},`
    if (i + 1 === STATIC_COLUMN_COUNT) out += '-,'
  }
  return `${out}\n`
}

export function csvHeader(): string {
  return `# ${line(STAT_COLUMNS_26)}`
}

export function renderCsv(rows: readonly StatRow[], opts: CsvOptions = {}): string {
  let out = csvHeader()
  for (const r of rows) out += line(STAT_COLUMNS_26.map((_, i) => csvField(r.values[i])))
  return opts.trailingEmptyLine === false ? out : `${out}\n`
}
