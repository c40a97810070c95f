/**
 * @module
 * Lines to sections (cfgparse.c readcfgfile): section keywords open a section that runs to the next
 * one or to the end of the file; each file must open its own section; `.if/.elif/.else/.endif`
 * blocks are evaluated here, like HAProxy's preprocessor.
 */
import { type ConfigAst, isSectionKind, type Section, type Statement } from './ast.ts'
import { evalCondDirective } from './cond-directive.ts'
import type { DiagnosticBag } from './diagnostics.ts'
import { type EnvLookup, tokenizeLine, type Word } from './lexer.ts'
import { type SourceFile, spanAt } from './source.ts'

interface CondFrame {
  /** This branch's lines are kept. */
  active: boolean
  /** Some earlier branch of this block was taken. */
  taken: boolean
  /** The enclosing block is active. */
  parentActive: boolean
  sawElse: boolean
  opener: Word
}

/**
 * Parses files in order into one tree. Never throws on user input: problems go to `diag` and the
 * offending line is skipped.
 */
export function parseConfig(files: readonly SourceFile[], baseEnv: EnvLookup, diag: DiagnosticBag): ConfigAst {
  const sections: Section[] = []
  // `setenv` and friends in `global` change how later lines expand (HAProxy applies them while parsing).
  const overlay = new Map<string, string | undefined>()
  let cleared = false
  const env: EnvLookup = (name) => (overlay.has(name) ? overlay.get(name) : cleared ? undefined : baseEnv(name))
  const setEnv = (words: readonly Word[]): void => {
    const [kw, name, value] = words
    if (!kw) return
    if (kw.text === 'setenv' && name && value) overlay.set(name.text, value.text)
    else if (kw.text === 'presetenv' && name && value && env(name.text) === undefined) overlay.set(name.text, value.text)
    else if (kw.text === 'unsetenv') for (const w of words.slice(1)) overlay.set(w.text, undefined)
    else if (kw.text === 'resetenv') {
      const keep = new Set(words.slice(1).map((w) => w.text))
      for (const k of [...overlay.keys()]) if (!keep.has(k)) overlay.delete(k)
      const kept = new Map([...keep].map((k) => [k, baseEnv(k)] as const))
      cleared = true
      for (const [k, v] of kept) if (!overlay.has(k)) overlay.set(k, v)
    } else if ((kw.text === 'setenv' || kw.text === 'presetenv') && !(name && value)) {
      diag.error('missing-argument', kw.span, `'${kw.text}' expects a name and a value`)
    }
  }
  for (const file of files) parseFile(file, env, diag, sections, setEnv)
  return { files: files.map((f) => f.name), sections }
}

function parseFile(file: SourceFile, env: EnvLookup, diag: DiagnosticBag, out: Section[], setEnv: (words: readonly Word[]) => void): void {
  let current: Section | undefined
  const conds: CondFrame[] = []
  const lines = file.lines
  // split() leaves a last empty element when the file ends with a newline.
  const count = lines.length > 0 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length
  if (file.text.length > 0 && !file.text.endsWith('\n')) {
    diag.warning(
      'syntax',
      spanAt(file.name, count, (lines[count - 1] ?? '').length + 1),
      `missing LF on last line, file might have been truncated at position ${(lines[count - 1] ?? '').length + 1}`,
      {
        help: 'end the file with a newline',
      },
    )
  }
  for (let idx = 0; idx < count; idx++) {
    const text = lines[idx] ?? ''
    const lineNo = idx + 1
    const active = conds.every((c) => c.active)
    const first = text.trimStart()
    if (first.startsWith('.')) {
      const words = tokenizeLine(text, file.name, lineNo, env, diag)
      if (words.length > 0) {
        handleDirective(words, conds, active, env, diag)
        continue
      }
    }
    if (!active) continue
    const all = tokenizeLine(text, file.name, lineNo, env, diag)
    // HAProxy's keyword parsers read arguments up to the first empty one (`""`, or a variable that
    // expands to nothing): what follows it is never seen, and a line that starts with one is skipped.
    const empty = all.findIndex((w) => w.text === '')
    const words = empty < 0 ? all : all.slice(0, empty)
    if (words.length === 0) continue
    const kw = words[0] as Word
    const span = spanAt(file.name, lineNo, kw.span.column, Math.max(1, text.trimEnd().length - kw.span.column + 1))
    if (!kw.quoted && isSectionKind(kw.text)) {
      current = { kind: kw.text, keyword: kw, args: words.slice(1), statements: [], span }
      out.push(current)
      continue
    }
    if (!current) {
      diag.error('keyword-out-of-section', kw.span, `unknown keyword '${kw.text}' out of section`, {
        help: "every file must start a section: 'global', 'defaults', 'frontend', 'backend' or 'listen'",
      })
      continue
    }
    if (current.kind === 'global' && ['setenv', 'presetenv', 'unsetenv', 'resetenv'].includes(kw.text)) setEnv(words)
    const stmt: Statement = { words, span }
    current.statements.push(stmt)
  }
  for (const c of conds) {
    diag.error('syntax', c.opener.span, "'.if' block is not closed", { help: "add '.endif'" })
  }
}

/** HAProxy's MAXNESTEDCONDS (cfgparse.c). */
export const MAX_NESTED_CONDS = 100

function handleDirective(words: readonly Word[], conds: CondFrame[], active: boolean, env: EnvLookup, diag: DiagnosticBag): void {
  const kw = words[0] as Word
  const top = conds[conds.length - 1]
  switch (kw.text) {
    case '.if': {
      // HAProxy's MAXNESTEDCONDS: its nesting level counts from 1, so the 100th nested '.if' is
      // already fatal (reported once; the rest of the block is skipped).
      if (conds.length === MAX_NESTED_CONDS - 1) {
        diag.error('syntax', kw.span, `too many nested '.if', max is ${MAX_NESTED_CONDS}`, { help: 'flatten the conditions: combine them with && and || in one .if' })
      }
      if (conds.length >= MAX_NESTED_CONDS - 1) {
        conds.push({ active: false, taken: true, parentActive: false, sawElse: false, opener: kw })
        return
      }
      const v = active ? evalCondDirective(words.slice(1), kw, env, diag) : false
      conds.push({ active: active && v, taken: active && v, parentActive: active, sawElse: false, opener: kw })
      return
    }
    case '.elif': {
      if (!top || top.sawElse) {
        diag.error('syntax', kw.span, top ? "'.elif' after '.else'" : "'.elif' without '.if'")
        return
      }
      const v = top.parentActive && !top.taken ? evalCondDirective(words.slice(1), kw, env, diag) : false
      top.active = v
      top.taken ||= v
      return
    }
    case '.else': {
      if (!top || top.sawElse) {
        diag.error('syntax', kw.span, top ? "second '.else' in one '.if' block" : "'.else' without '.if'")
        return
      }
      top.sawElse = true
      top.active = top.parentActive && !top.taken
      top.taken = true
      return
    }
    case '.endif':
      if (!top) diag.error('syntax', kw.span, "'.endif' without '.if'")
      else conds.pop()
      return
    case '.notice':
    case '.warning':
    case '.diag':
      if (active)
        diag.warning(
          'syntax',
          kw.span,
          words
            .slice(1)
            .map((w) => w.text)
            .join(' '),
        )
      return
    case '.alert':
      if (active)
        diag.error(
          'syntax',
          kw.span,
          words
            .slice(1)
            .map((w) => w.text)
            .join(' '),
        )
      return
    default:
      if (active) {
        diag.error('unknown-keyword', kw.span, `unknown directive '${kw.text}'`, {
          help: "known: '.if', '.elif', '.else', '.endif', '.notice', '.warning', '.alert', '.diag'",
        })
      }
  }
}
