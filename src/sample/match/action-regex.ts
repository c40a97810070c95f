/**
 * @module
 * Regexes of rewriting actions (`replace-header`, `replace-value`, `replace-path`, `replace-uri`):
 * HAProxy compiles them with PCRE, capturing groups on, so they are JS regexes except for PCRE's
 * leading inline options: `(?i)` (what `edgeproxy migrate` writes for 1.x's `reqirep`), `(?s)`,
 * `(?m)`, which become JS flags here. Throws like `new RegExp` on an invalid pattern.
 */
export function actionRegex(text: string): RegExp {
  const m = /^\(\?([ism]+)\)/.exec(text)
  if (!m) return new RegExp(text)
  const flags = [...new Set(m[1] as string)].join('')
  return new RegExp(text.slice(m[0].length), flags)
}
