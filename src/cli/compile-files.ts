/**
 * @module
 * The shared front half of check/compile/explain/dev: read files, compile, print diagnostics.
 */
import { type CompileResult, compileConfig } from '../config/compile.ts'
import { renderDiagnostics } from '../config/diagnostics.ts'
import { fileLoader, readConfigs } from './files.ts'

export interface Io {
  readonly out: (s: string) => void
  readonly err: (s: string) => void
}

export function compileFiles(paths: readonly string[], io: Io, opts: { quiet?: boolean } = {}): CompileResult {
  const inputs = readConfigs(paths)
  const result = compileConfig(inputs, { env: (n) => process.env[n], readFile: fileLoader(paths) })
  const shown = opts.quiet ? result.diagnostics.filter((d) => d.severity === 'error') : result.diagnostics
  if (shown.length > 0) io.err(renderDiagnostics(shown, result.files))
  return result
}
