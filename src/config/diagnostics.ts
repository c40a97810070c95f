/**
 * @module
 * Diagnostics: collected, never thrown (HAProxy's ERR_ALERT/ERR_WARN accumulate the same way), and
 * rendered in one place as `FILE:LINE:COL: error|warning: MESSAGE`.
 */
import type { SourceFile, SourceSpan } from './source.ts'

export type Severity = 'error' | 'warning'

/** Stable diagnostic codes, asserted in tests. */
export type DiagnosticCode =
  | 'syntax'
  | 'unknown-section'
  | 'unknown-keyword'
  | 'keyword-out-of-section'
  | 'not-supported'
  | 'missing-argument'
  | 'too-many-arguments'
  | 'invalid-argument'
  | 'out-of-range'
  | 'duplicate-name'
  | 'unknown-backend'
  | 'unknown-acl'
  | 'unknown-table'
  | 'unknown-server'
  | 'unknown-fetch'
  | 'unknown-converter'
  | 'unknown-match'
  | 'invalid-pattern'
  | 'invalid-regex'
  | 'invalid-address'
  | 'file-not-found'
  | 'wrong-mode'
  | 'edge-mapping'
  /** A listener on a port Cloudflare does not proxy (stats, Prometheus). */
  | 'edge-port'
  /** A condition that can never hold at the edge (`stats admin if LOCALHOST`). */
  | 'edge-unreachable'
  /** A server the edge reaches only with a VPC network or on other ports (src/util/addresses.ts). */
  | 'edge-origin'
  /** A health check the edge cannot run as written (connect() cannot reach the target). */
  | 'edge-check'
  /** The RouteMap would exceed an isolate's memory budget (warning) or cannot load or be pushed at all (src/routemap/budget.ts). */
  | 'isolate-memory'
  | 'env'
  /** The compiler's own output failed the RouteMap schema (src/routemap/validate.ts): a compiler bug, nothing shipped. */
  | 'internal'
  | 'deprecated'
  | 'useless'

export interface Note {
  readonly message: string
  readonly span?: SourceSpan
}

export interface Diagnostic {
  readonly severity: Severity
  readonly code: DiagnosticCode
  /** Lowercase; user tokens in single quotes. */
  readonly message: string
  readonly span: SourceSpan
  readonly notes?: readonly Note[]
  /** What to do, e.g. "did you mean 'hdr'?". */
  readonly help?: string
}

/** Collects diagnostics for a whole run (every file, every phase). */
export class DiagnosticBag {
  readonly #items: Diagnostic[] = []

  error(code: DiagnosticCode, span: SourceSpan, message: string, extra?: Extra): void {
    this.add({ severity: 'error', code, span, message, ...cleanExtra(extra) })
  }

  warning(code: DiagnosticCode, span: SourceSpan, message: string, extra?: Extra): void {
    this.add({ severity: 'warning', code, span, message, ...cleanExtra(extra) })
  }

  add(d: Diagnostic): void {
    this.#items.push(d)
  }

  get items(): readonly Diagnostic[] {
    return this.#items
  }

  get errorCount(): number {
    return this.#items.filter((d) => d.severity === 'error').length
  }

  hasErrors(): boolean {
    return this.#items.some((d) => d.severity === 'error')
  }

  /** Diagnostics in file, line, column order (stable for equal positions). */
  sorted(): Diagnostic[] {
    return [...this.#items].sort((a, b) => a.span.file.localeCompare(b.span.file) || a.span.line - b.span.line || a.span.column - b.span.column)
  }
}

interface Extra {
  readonly notes?: readonly Note[] | undefined
  readonly help?: string | undefined
}

function cleanExtra(extra: Extra | undefined): { notes?: readonly Note[]; help?: string } {
  const out: { notes?: readonly Note[]; help?: string } = {}
  if (extra?.notes && extra.notes.length > 0) out.notes = extra.notes
  if (extra?.help) out.help = extra.help
  return out
}

/**
 * Renders diagnostics compiler-style. The first line of each is exactly
 * `FILE:LINE:COL: error|warning: MESSAGE`; the source line, a caret and help follow, indented.
 */
export function renderDiagnostics(diags: readonly Diagnostic[], files: ReadonlyMap<string, SourceFile>): string {
  const out: string[] = []
  for (const d of diags) {
    const s = d.span
    out.push(`${s.file}:${s.line}:${s.column}: ${d.severity}: ${d.message}`)
    const lineText = files.get(s.file)?.lines[s.line - 1]
    if (lineText !== undefined) {
      const gutter = String(s.line)
      out.push(`  ${gutter} | ${lineText.replace(/\t/g, ' ')}`)
      out.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(s.column - 1)}${'^'.repeat(s.length)}`)
    }
    for (const n of d.notes ?? []) {
      const where = n.span ? `${n.span.file}:${n.span.line}:${n.span.column}: ` : ''
      out.push(`  = note: ${where}${n.message}`)
    }
    if (d.help) out.push(`  = help: ${d.help}`)
  }
  return out.join('\n')
}
