/**
 * @module
 * All config keywords in one table, and the lookup that turns a statement into a keyword with
 * HAProxy's diagnostics: unknown keyword (with a suggestion), keyword out of section, bad prefix.
 */
import type { SectionKind } from '../ast.ts'
import { closest } from '../../util/closest.ts'
import type { Word } from '../lexer.ts'
import type { Services } from '../services.ts'
import { BALANCE_KEYWORDS } from './balance.ts'
import { CAPTURE_KEYWORDS } from './capture.ts'
import { CACHE_KEYWORDS } from './cache.ts'
import { CHECK_KEYWORDS } from './checks.ts'
import { COOKIE_KEYWORDS } from './cookie.ts'
import { EDGE_KEYWORDS } from './edge.ts'
import { GLOBAL_KEYWORDS } from './global.ts'
import { GLOBAL_VAR_KEYWORDS } from './global-vars.ts'
import { HTTP_ERRORS_KEYWORDS } from './http-errors.ts'
import { HTTP_RULE_KEYWORDS } from './http-rules.ts'
import { LEGACY_KEYWORDS } from './legacy.ts'
import { LOG_OPTION_KEYWORDS } from './log-options.ts'
import { OPTION_KEYWORDS } from './option.ts'
import { PEERS_KEYWORDS } from './peers.ts'
import { misplacedWarning } from './placement.ts'
import { PROXY_KEYWORDS } from './proxy.ts'
import { PROXY_EXTRA_KEYWORDS } from './proxy-extra.ts'
import { SECTION_KEYWORDS } from './sections.ts'
import { SERVER_KEYWORDS } from './server.ts'
import { STATS_KEYWORDS } from './stats.ts'
import { STICK_KEYWORDS } from './stick.ts'
import { TCP_RULE_KEYWORDS } from './tcp-rules.ts'
import { TIMEOUT_KEYWORDS } from './timeout.ts'
import { USERLIST_KEYWORDS } from './userlist.ts'
import type { KeywordDef, Statement } from './types.ts'

export const KEYWORDS: readonly KeywordDef[] = [
  ...PROXY_KEYWORDS,
  ...OPTION_KEYWORDS,
  ...CHECK_KEYWORDS,
  ...TIMEOUT_KEYWORDS,
  ...SERVER_KEYWORDS,
  ...BALANCE_KEYWORDS,
  ...COOKIE_KEYWORDS,
  ...HTTP_RULE_KEYWORDS,
  ...STICK_KEYWORDS,
  ...STATS_KEYWORDS,
  ...GLOBAL_KEYWORDS,
  ...SECTION_KEYWORDS,
  ...CAPTURE_KEYWORDS,
  ...TCP_RULE_KEYWORDS,
  ...LEGACY_KEYWORDS,
  ...CACHE_KEYWORDS,
  ...PEERS_KEYWORDS,
  ...HTTP_ERRORS_KEYWORDS,
  ...GLOBAL_VAR_KEYWORDS,
  ...USERLIST_KEYWORDS,
  ...LOG_OPTION_KEYWORDS,
  ...PROXY_EXTRA_KEYWORDS,
  ...EDGE_KEYWORDS,
]

/** Families whose second word is part of the keyword. */
const FAMILIES = new Set(['option', 'timeout', 'stats', 'http-check', 'tcp-check', 'stick'])

const BY_NAME = new Map<string, KeywordDef[]>()
for (const k of KEYWORDS) {
  const list = BY_NAME.get(k.name) ?? []
  for (const other of list) {
    if (other.sections.some((s) => k.sections.includes(s))) throw new Error(`keyword '${k.name}' defined twice for one section`)
  }
  list.push(k)
  BY_NAME.set(k.name, list)
}

export interface Resolved {
  readonly def: KeywordDef
  readonly statement: Statement
}

/**
 * Finds the keyword of a statement in `section`. Reports unknown keywords, keywords out of their
 * section and misplaced `no`/`default` prefixes; returns undefined then.
 */
export function resolveKeyword(words: readonly Word[], span: Statement['span'], section: SectionKind, sv: Services, proxyName?: string): Resolved | undefined {
  let prefix: 'no' | 'default' | undefined
  let w = words
  const w0 = words[0] as Word
  // `no option X`, `default option X` and `no log` (cfgparse.c: the prefix applies to the next keyword).
  if ((w0.text === 'no' || w0.text === 'default') && (words[1]?.text === 'option' || (w0.text === 'no' && words[1]?.text === 'log'))) {
    prefix = w0.text
    w = words.slice(1)
  }
  const first = w[0] as Word
  const second = w[1]
  let name: string | undefined
  let kwCount = 1
  // `http-check set-var(check.x)`: the second word carries its argument in parentheses.
  const sub = second?.text.replace(/\(.*$/, '')
  if (FAMILIES.has(first.text) && second && BY_NAME.has(`${first.text} ${sub}`)) {
    name = `${first.text} ${sub}`
    kwCount = 2
  } else if (BY_NAME.has(first.text) && (!FAMILIES.has(first.text) || (BY_NAME.get(first.text) ?? []).some((d) => d.sections.includes(section)))) {
    name = first.text
  }
  if (name === undefined) {
    if (FAMILIES.has(first.text)) {
      const family = KEYWORDS.filter((k) => k.name.startsWith(`${first.text} `) && k.sections.includes(section)).map((k) => k.name.slice(first.text.length + 1))
      const target = second ?? first
      const s = second ? closest(second.text, family) : undefined
      sv.diag.error('unknown-keyword', target.span, second ? `unknown keyword '${first.text} ${second.text}' in '${section}' section` : `'${first.text}' expects an argument`, {
        help: s ? `did you mean '${first.text} ${s}'?` : `known: ${family.slice(0, 12).join(', ')}${family.length > 12 ? ', …' : ''}`,
      })
      return undefined
    }
    const valid = KEYWORDS.filter((k) => k.sections.includes(section)).map((k) => k.name.split(' ')[0] as string)
    const s = closest(first.text, new Set(valid))
    sv.diag.error('unknown-keyword', first.span, `unknown keyword '${first.text}' in '${section}' section`, s ? { help: `did you mean '${s}'?` } : undefined)
    return undefined
  }
  const defs = BY_NAME.get(name) ?? []
  // cfgparse-listen.c refuses 'no'/'default' on the options it does not list as negatable, wherever they are.
  if (prefix && !defs.some((d) => d.negatable)) {
    sv.diag.error('invalid-argument', w0.span, `negation/default is not supported for ${name.startsWith('option ') ? `option '${name.slice(7)}'` : `'${name}'`}.`, {
      help: `remove '${prefix}': '${name}' cannot be negated`,
    })
    return undefined
  }
  const def = defs.find((d) => d.sections.includes(section))
  if (!def) {
    const allowed = [...new Set(defs.flatMap((d) => d.sections))]
    const target = w[kwCount - 1] as Word
    const misplaced = misplacedWarning(
      name,
      allowed,
      section,
      proxyName,
      w.map((x) => x.text),
    )
    if (misplaced) {
      sv.diag.warning('keyword-out-of-section', target.span, misplaced.message, { help: misplaced.help })
      return undefined
    }
    sv.diag.error('keyword-out-of-section', target.span, `'${name}' is not allowed in '${section}' sections`, {
      help: `it belongs in ${allowed.map((s) => `'${s}'`).join(', ')}`,
    })
    return undefined
  }
  const statement: Statement = {
    words,
    keyword: w.slice(0, kwCount),
    args: w.slice(kwCount),
    ...(prefix ? { prefix } : {}),
    span,
  }
  return { def, statement }
}
