/**
 * @module
 * `edgeproxy migrate`: a HAProxy 1.x config in, the same config with each directive HAProxy 2.6
 * refuses rewritten to its 2.x equivalent (legacy-rewrite.ts) out. Every other line (comments,
 * blank lines, indentation, trailing comments) is kept byte for byte. Within a proxy, rewritten
 * rules take the place 1.x gave them among the `http-request`/`http-response` rules (block first,
 * filters after the rules, reqadd/rspadd last): when the file order differs, rule lines swap places
 * and the summary says so. Lines with no exact equivalent stay as they are, with an error.
 */
import { isSectionKind, type SectionKind } from './ast.ts'
import { DiagnosticBag } from './diagnostics.ts'
import { LEGACY_DIRECTIVES } from './keywords/legacy.ts'
import { PROXY_SECTIONS } from './keywords/types.ts'
import { RANK, REWRITES, type Rewrite, type RuleOrder } from './legacy-rewrite.ts'
import { tokenizeLine, type Word } from './lexer.ts'

export interface MigrateChange {
  readonly line: number
  readonly from: string
  readonly to: string
  /** The line number the rewritten rule ends up on when 1.x's rule order moved it. */
  readonly movedTo?: number
  readonly note?: string
}

export interface MigrateResult {
  readonly text: string
  readonly changes: readonly MigrateChange[]
  /** Errors ('deprecated') for lines left unchanged. */
  readonly diag: DiagnosticBag
}

const SECTIONS_OF = new Map(LEGACY_DIRECTIVES.map((d) => [d.name, d.sections]))
SECTIONS_OF.set('hash-type avalanche', PROXY_SECTIONS)
SECTIONS_OF.set('mode health', PROXY_SECTIONS)

/** Filters that 1.x skipped after a `reqallow` matched (in this proxy and in the backend). */
const VERDICT_FILTERS = new Set(['reqallow', 'reqiallow', 'reqdeny', 'reqideny', 'reqtarpit', 'reqitarpit', 'reqpass', 'reqipass'])

interface Line {
  readonly no: number
  readonly raw: string
  readonly eol: string
  readonly words: readonly Word[]
  readonly section?: SectionKind
  /** Index of the proxy section (for rule ordering). */
  readonly proxy: number
}

interface Entry {
  readonly line: Line
  /** The rendered line (rewritten, or the original). */
  readonly text: string
  readonly order?: RuleOrder
  readonly legacy?: { readonly name: string; readonly rewrite: Extract<Rewrite, { ok: true }> }
}

/** The removed directive a line starts with in `section`, and where its arguments start. */
function legacyName(words: readonly Word[], section: SectionKind | undefined): { name: string; argStart: number } | undefined {
  if (!section) return undefined
  const p = (words[0]?.text === 'no' || words[0]?.text === 'default') && words[1]?.text === 'option' ? 1 : 0
  const a = words[p]?.text
  const b = words[p + 1]?.text
  if (a === undefined || words[p]?.quoted) return undefined
  const candidates: [string, number][] = [
    [`${a} ${b}`, p + 2],
    [a, p + 1],
  ]
  for (const [name, argStart] of candidates) {
    if (REWRITES[name] && SECTIONS_OF.get(name)?.includes(section)) return { name, argStart }
  }
  return undefined
}

function ruleOrder(words: readonly Word[]): RuleOrder | undefined {
  const w = words[0]
  if (!w || w.quoted) return undefined
  if (w.text === 'http-request') return { side: 'request', rank: RANK.httpRules }
  if (w.text === 'http-response') return { side: 'response', rank: RANK.httpRules }
  return undefined
}

function render(l: Line, statement: string): string {
  const first = l.words[0] as Word
  const last = l.words[l.words.length - 1] as Word
  return `${l.raw.slice(0, first.span.column - 1)}${statement}${l.raw.slice(last.span.column - 1 + last.span.length)}`
}

export function migrateConfig(file: string, text: string): MigrateResult {
  const diag = new DiagnosticBag()
  const lexDiag = new DiagnosticBag()
  const lines: Line[] = []
  let section: SectionKind | undefined
  let proxy = -1
  const parts = text.split(/(?<=\n)/)
  for (const [i, part] of parts.entries()) {
    const eol = /\r?\n$/.exec(part)?.[0] ?? ''
    const raw = part.slice(0, part.length - eol.length)
    const words = tokenizeLine(raw, file, i + 1, () => undefined, lexDiag)
    const w0 = words[0]
    if (w0 && !w0.quoted && isSectionKind(w0.text)) {
      section = w0.text
      proxy++
    }
    lines.push({ no: i + 1, raw, eol, words, ...(section ? { section } : {}), proxy })
  }

  // Rewrite each legacy line on its own.
  const entries: Entry[] = lines.map((l) => {
    const found = l.words.length > 0 ? legacyName(l.words, l.section) : undefined
    if (!found) return { line: l, text: l.raw, ...(ruleOrder(l.words) ? { order: ruleOrder(l.words) as RuleOrder } : {}) }
    const rw = (REWRITES[found.name] as NonNullable<(typeof REWRITES)[string]>)({ raw: l.raw, words: l.words, name: found.name, argStart: found.argStart, section: l.section as SectionKind })
    if (!rw.ok) {
      diag.error('deprecated', rw.span, rw.message)
      return { line: l, text: l.raw }
    }
    return { line: l, text: render(l, rw.text), ...(rw.order ? { order: rw.order } : {}), legacy: { name: found.name, rewrite: rw } }
  })

  const { out, moved } = orderRules(entries, lines, diag)

  const changes: MigrateChange[] = []
  for (const e of entries) {
    if (!e.legacy) continue
    const idx = out.indexOf(e)
    if (idx < 0) continue
    const first = e.line.words[0] as Word
    const last = e.line.words[e.line.words.length - 1] as Word
    const from = e.line.raw.slice(first.span.column - 1, last.span.column - 1 + last.span.length)
    const to = e.legacy.rewrite.text
    const mv = moved.get(e)
    changes.push({ line: e.line.no, from, to, ...(mv !== undefined && mv !== e.line.no ? { movedTo: mv } : {}), ...(e.legacy.rewrite.note ? { note: e.legacy.rewrite.note } : {}) })
  }
  const textOut = out.map((e, i) => `${e.text}${(lines[i] as Line).eol}`).join('')
  return { text: textOut, changes, diag }
}

/**
 * Puts the rule lines of each proxy (request and response side apart) in 1.x's order: the sorted
 * rules fill the rule lines' places. Refuses a `reqallow` whose 2.x `allow` would skip more than 1.x
 * skipped. Returns the entry to print on each line, and where moved rewritten rules went.
 */
function orderRules(entries: readonly Entry[], lines: readonly Line[], diag: DiagnosticBag): { out: Entry[]; moved: Map<Entry, number> } {
  // `http-request allow` stops every later request rule of the proxy, and the backend's rules still
  // run in 2.x; 1.x's reqallow only skipped later verdict filters, in this proxy and the backend's.
  const backendVerdicts = lines.some((l) => (l.section === 'backend' || l.section === 'listen') && VERDICT_FILTERS.has(legacyName(l.words, l.section)?.name ?? ''))
  const byProxy = new Map<string, Entry[]>()
  for (const e of entries) {
    if (!e.order) continue
    const key = `${e.line.proxy}/${e.order.side}`
    byProxy.set(key, [...(byProxy.get(key) ?? []), e])
  }
  const out = [...entries]
  const moved = new Map<Entry, number>()
  for (const group of byProxy.values()) {
    let rules = group
    const sorted = () => [...rules].sort((a, b) => (a.order?.rank ?? 0) - (b.order?.rank ?? 0))
    for (const e of sorted()) {
      if (!e.legacy?.rewrite.allow) continue
      const s = sorted()
      // Later deny/tarpit/allow filters: 1.x skipped them after a matching reqallow, as 2.x does.
      const blocked = s.slice(s.indexOf(e) + 1).find((r) => !VERDICT_FILTERS.has(r.legacy?.name ?? ''))
      const why = blocked
        ? `a request rule follows it in 1.x's order (line ${blocked.line.no}) that 'http-request allow' would skip; 1.x's reqallow only skipped later reqdeny/reqtarpit/reqallow filters`
        : e.line.section === 'frontend' && backendVerdicts
          ? "a backend has reqdeny/reqtarpit/reqallow/reqpass filters, which 1.x skipped after a frontend's reqallow but 2.x backend rules still run"
          : undefined
      if (!why) continue
      const first = e.line.words[0] as Word
      diag.error('deprecated', first.span, `'${e.legacy.name}' has no exact 2.x equivalent here: ${why}`)
      const idx = entries.indexOf(e)
      out[idx] = { line: e.line, text: e.line.raw }
      rules = rules.filter((r) => r !== e)
    }
    const s = sorted()
    for (const [i, e] of rules.entries()) {
      const target = s[i] as Entry
      if (target === e) continue
      const idx = entries.indexOf(e)
      // The rule line keeps its own indentation and trailing comment; it moves to this slot.
      out[idx] = target
      if (target.legacy) moved.set(target, e.line.no)
    }
  }

  return { out, moved }
}
