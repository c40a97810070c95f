/**
 * @module
 * Regexes of rewriting actions (`replace-header`, `replace-value`, `replace-path`, `replace-uri`):
 * HAProxy compiles them with PCRE, capturing groups on, so they are JS regexes except for PCRE's
 * leading inline options: `(?i)` (what `edgeproxy migrate` writes for 1.x's `reqirep`), `(?s)`,
 * `(?m)`, which become JS flags here. They run on the linear-time engine (src/util/regex).
 * Throws like `new RegExp` on an invalid pattern, and a RegexError with a typed `refusal` on one
 * that needs backtracking (a back-reference, a lookaround).
 */
import { type Regex, RegexError, linearRegex } from '../../util/regex/index.ts'

/** The checker's message for a regex `actionRegex` (or `linearRegex`) threw on. */
export function regexErrorMessage(text: string, e: unknown): string {
  const why = e instanceof Error ? e.message : String(e)
  if (e instanceof RegexError && e.refusal) return `regex '${text}' cannot be used at the edge: ${why}`
  return `invalid regex '${text}': ${why}`
}

export function actionRegex(text: string): Regex {
  const m = /^\(\?([ism]+)\)/.exec(text)
  if (!m) return linearRegex(text)
  const flags = [...new Set(m[1] as string)].join('')
  return linearRegex(text.slice(m[0].length), flags)
}
