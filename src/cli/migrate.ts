/**
 * @module
 * `edgeproxy migrate -f old.cfg [-o new.cfg]`: prints (or writes) the config with HAProxy 1.x
 * directives rewritten to their 2.x equivalents (src/config/migrate.ts). Diagnostics for lines
 * with no exact equivalent and a summary of the rewrites go to stderr; exit 1 when a line was left.
 */
import { writeFileSync } from 'node:fs'
import { renderDiagnostics } from '../config/diagnostics.ts'
import { migrateConfig } from '../config/migrate.ts'
import { createSourceFile } from '../config/source.ts'
import { UsageError } from './args.ts'
import type { Io } from './compile-files.ts'
import { readConfigs } from './files.ts'

export function migrateCommand(paths: readonly string[], outPath: string | undefined, io: Io): number {
  if (paths.length !== 1) throw new UsageError("migrate takes one '-f FILE'")
  const input = readConfigs(paths)[0] as { name: string; text: string }
  const r = migrateConfig(input.name, input.text)
  if (outPath) writeFileSync(outPath, r.text)
  else io.out(r.text.endsWith('\n') ? r.text.slice(0, -1) : r.text)
  const report: string[] = []
  const errors = r.diag.sorted()
  if (errors.length > 0) report.push(renderDiagnostics(errors, new Map([[input.name, createSourceFile(input.name, input.text)]])))
  for (const c of r.changes) {
    const where = c.movedTo !== undefined ? ` (moved to line ${c.movedTo}: HAProxy 1.x ran it there among the rules)` : ''
    report.push(`${input.name}:${c.line}: rewrote '${c.from}' as '${c.to}'${where}${c.note ? `; note: ${c.note}` : ''}`)
  }
  report.push(`edgeproxy migrate: ${r.changes.length} line${r.changes.length === 1 ? '' : 's'} rewritten, ${errors.length} left unchanged (no exact HAProxy 2.x equivalent)`)
  io.err(report.join('\n'))
  return errors.length > 0 ? 1 : 0
}
