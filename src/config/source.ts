/**
 * @module
 * Source files and positions. Lines and columns are 1-based; columns count UTF-16 units.
 */

/** A region of a config file. */
export interface SourceSpan {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly length: number
}

/** A config file's text, split into lines once. */
export interface SourceFile {
  readonly name: string
  readonly text: string
  readonly lines: readonly string[]
}

export function createSourceFile(name: string, text: string): SourceFile {
  return { name, text, lines: text.split(/\r?\n/) }
}

/** A span covering `length` units from `column` on `line` of `file`. */
export function spanAt(file: string, line: number, column: number, length = 1): SourceSpan {
  return { file, line, column, length: Math.max(1, length) }
}

/** A span `offset` units into `span` (for errors inside a word), `length` long. */
export function subSpan(span: SourceSpan, offset: number, length: number): SourceSpan {
  const col = span.column + Math.max(0, Math.min(offset, span.length - 1))
  return { file: span.file, line: span.line, column: col, length: Math.max(1, length) }
}
