/**
 * @module
 * HAProxy's line tokenizer (tools.c parse_line): one statement per line, words split on unprotected
 * blanks, `#` comments, weak "double" and strong 'single' quotes, backslash escapes, and
 * environment variables expanded inside double quotes only.
 */
import type { DiagnosticBag } from './diagnostics.ts'
import { type SourceSpan, spanAt } from './source.ts'

/** One word of a statement, after unquoting and expansion. */
export interface Word {
  readonly text: string
  readonly span: SourceSpan
  /** Some part of the word was quoted (so `"{"` is not a brace, `""` is an empty word). */
  readonly quoted: boolean
}

/** Environment lookup: undefined when the variable is not set. */
export type EnvLookup = (name: string) => string | undefined

/** HAProxy's MAX_LINE_ARGS. */
export const MAX_WORDS = 64

const ESCAPES: Readonly<Record<string, string>> = {
  ' ': ' ',
  '\\': '\\',
  '#': '#',
  "'": "'",
  '"': '"',
  $: '$',
  n: '\n',
  r: '\r',
  t: '\t',
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*/

/**
 * Splits one line into words. Reports lexical errors (unmatched quote, bad escape, bad variable)
 * into `diag` and returns the words it could read, so parsing goes on.
 */
export function tokenizeLine(text: string, file: string, line: number, env: EnvLookup, diag: DiagnosticBag): Word[] {
  // HAProxy refuses a line with a NUL byte (cfgparse.c), which would otherwise end a pattern early.
  const nul = text.indexOf('\0')
  if (nul >= 0) {
    diag.error('syntax', spanAt(file, line, nul + 1), `Stray NUL character at position ${nul + 1}`, { help: 'remove the NUL byte (a binary file or a bad copy?)' })
    return []
  }
  const words: Word[] = []
  let i = 0
  const n = text.length
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++
    if (i >= n || text[i] === '#') break
    const start = i
    let cur = ''
    let quoted = false
    // Extra words produced by "${LIST[*]}" expansion, emitted before the current word continues.
    const pending: string[] = []
    let quote: '"' | "'" | undefined
    for (; i < n; i++) {
      const c = text[i] as string
      if (quote === "'") {
        if (c === "'") quote = undefined
        else cur += c
        continue
      }
      if (c === '\\') {
        const next = text[i + 1]
        if (next === undefined) {
          cur += c
          continue
        }
        const simple = ESCAPES[next]
        if (simple !== undefined) {
          cur += simple
          i++
          continue
        }
        if (next === 'x') {
          const hex = text.slice(i + 2, i + 4)
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
            diag.error('syntax', spanAt(file, line, i + 1, 2 + hex.length), 'truncated or invalid hexadecimal sequence', { help: "write '\\xNN' with two hexadecimal digits" })
            i += 1
            continue
          }
          cur += String.fromCharCode(Number.parseInt(hex, 16))
          i += 3
          continue
        }
        // Any other backslash is kept as written (regexes rely on it: `\.`).
        cur += c
        continue
      }
      if (quote === '"') {
        if (c === '"') {
          quote = undefined
          continue
        }
        if (c === '$') {
          const r = expandEnv(text, i, file, line, env, diag)
          if (r.fatal) {
            quote = undefined
            i = text.length
            break
          }
          if (r.split && r.values.length > 0) {
            cur += r.values[0]
            for (const v of r.values.slice(1)) {
              pending.push(cur)
              cur = v
            }
          } else {
            cur += r.values.join(' ')
          }
          i = r.end - 1
          continue
        }
        cur += c
        continue
      }
      if (c === '"' || c === "'") {
        quote = c
        quoted = true
        continue
      }
      if (c === ' ' || c === '\t' || c === '#') break
      cur += c
    }
    if (quote !== undefined) {
      diag.error('syntax', spanAt(file, line, start + 1, i - start), `unmatched quote at position ${start + 1}`, {
        help: `close the ${quote === '"' ? 'double' : 'single'} quote, or escape it with '\\${quote}'`,
      })
    }
    const span = spanAt(file, line, start + 1, i - start)
    for (const p of pending) words.push({ text: p, span, quoted: true })
    words.push({ text: cur, span, quoted })
  }
  if (words.length > MAX_WORDS) {
    const extra = words[MAX_WORDS] as Word
    diag.error('syntax', extra.span, `too many words, truncating after word ${MAX_WORDS}, position ${extra.span.column}: <${extra.text}>`, {
      help: 'split the statement into several lines (for ACLs, repeat the acl name)',
    })
    return words.slice(0, MAX_WORDS)
  }
  return words
}

interface Expansion {
  readonly values: string[]
  readonly split: boolean
  /** Index just after the variable reference. */
  readonly end: number
  /** The rest of the line cannot be read (HAProxy stops parsing it): no further errors. */
  readonly fatal?: boolean
}

/** Expands `$NAME`, `${NAME}`, `${NAME-default}` or `${NAME[*]}` starting at `text[at] === '$'`. */
function expandEnv(text: string, at: number, file: string, line: number, env: EnvLookup, diag: DiagnosticBag): Expansion {
  if (text[at + 1] === '{') {
    const close = text.indexOf('}', at + 2)
    if (close < 0) {
      diag.error('syntax', spanAt(file, line, at + 1, text.length - at), 'unmatched brace in environment variable name', {
        help: "close it with '}', or write '\\$' for a literal dollar",
      })
      return { values: [], split: false, end: text.length, fatal: true }
    }
    const inner = text.slice(at + 2, close)
    const m = ENV_NAME.exec(inner)
    if (!m) {
      diag.error('env', spanAt(file, line, at + 1, close - at + 1), `invalid environment variable name '${inner}'`)
      return { values: [], split: false, end: close + 1 }
    }
    const name = m[0]
    const rest = inner.slice(name.length)
    const value = env(name)
    if (rest === '[*]') {
      return { values: (value ?? '').split(/[ \t]+/).filter((w) => w !== ''), split: true, end: close + 1 }
    }
    if (rest.startsWith('-')) return { values: [value ?? rest.slice(1)], split: false, end: close + 1 }
    if (rest !== '') {
      diag.error('env', spanAt(file, line, at + 1, close - at + 1), `invalid environment variable reference '\${${inner}}'`, {
        help: "use '${NAME}', '${NAME-default}' or '${NAME[*]}'",
      })
      return { values: [], split: false, end: close + 1 }
    }
    if (value === undefined) warnUnset(name, file, line, at, close - at + 1, diag)
    return { values: [value ?? ''], split: false, end: close + 1 }
  }
  const m = ENV_NAME.exec(text.slice(at + 1))
  if (!m) return { values: ['$'], split: false, end: at + 1 }
  const value = env(m[0])
  if (value === undefined) warnUnset(m[0], file, line, at, m[0].length + 1, diag)
  return { values: [value ?? ''], split: false, end: at + 1 + m[0].length }
}

function warnUnset(name: string, file: string, line: number, at: number, len: number, diag: DiagnosticBag): void {
  diag.warning('env', spanAt(file, line, at + 1, len), `environment variable '${name}' is not set; it expands to an empty string`, {
    help: `set it, or give a default with '\${${name}-value}'`,
  })
}
