/**
 * @module
 * `http-request`, `http-response`, `http-after-response` and the legacy `redirect` keyword:
 * `<action> [args] [if|unless <cond>]`, compiled through the action table.
 */
import type { Rule } from '../../routemap/schema.ts'
import { findAction, actionNames } from '../actions/index.ts'
import type { ActionInput, RuleSet } from '../actions/types.ts'
import { parseCondition } from '../condition.ts'
import { closest } from '../../util/closest.ts'
import type { Word } from '../lexer.ts'
import { condStart } from './args.ts'
import { noteDefaultsRule } from './proxy.ts'
import { warnAfterFinal, warnMisplaced } from './rule-order.ts'
import { type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'

function compileRule(st: Statement, cx: KeywordContext, ruleSet: RuleSet, actionWord: Word, rest: readonly Word[], legacy = false): Rule | undefined {
  const p = cx.proxy
  if (!p) return undefined
  const def = findAction(actionWord.text)
  if (!def?.ruleSets.includes(ruleSet)) {
    const valid = actionNames().filter((n) => findAction(n)?.ruleSets.includes(ruleSet))
    const s = closest(actionWord.text.replace(/\(.*/, ''), valid)
    cx.sv.diag.error(
      'unknown-keyword',
      actionWord.span,
      `'${ruleSet}' expects ${valid.map((v) => `'${v}'`).join(', ')}, but got '${actionWord.text}'.`,
      s ? { help: `did you mean '${s}'?` } : undefined,
    )
    return undefined
  }
  if (def.support === 'no') {
    cx.sv.diag.error('not-supported', actionWord.span, `'${ruleSet} ${def.name}' is not supported yet${def.note ? `: ${def.note}` : ''}`)
    return undefined
  }
  const ci = condStart(rest)
  const phase = ruleSet === 'http-request' ? 'request' : 'response'
  const cond = ci < rest.length ? parseCondition(rest.slice(ci), p, phase, cx.sv, `'${ruleSet} ${def.name}'`) : undefined
  if (ci < rest.length && !cond) return undefined
  if (def.support === 'ignored') {
    cx.sv.diag.warning('edge-mapping', actionWord.span, `'${ruleSet} ${def.name}' is ignored at the edge: ${def.note ?? ''}`)
    return undefined
  }
  const input: ActionInput = { name: actionWord, args: rest.slice(0, ci), ruleSet, proxy: p, sv: cx.sv, span: st.span, ...(legacy ? { legacy } : {}), ...(cond ? { hasCondition: true } : {}) }
  const args = def.parse ? def.parse(input) : {}
  if (!args) return undefined
  if (def.support === 'edge') cx.sv.diag.warning('not-supported', actionWord.span, `'${ruleSet} ${def.name}': ${def.note ?? ''}`)
  return {
    action: def.name,
    args,
    ...(cond ? { cond } : {}),
    origin: { file: st.span.file, line: st.span.line },
    text: st.words.map((w) => (w.quoted || /\s/.test(w.text) ? JSON.stringify(w.text) : w.text)).join(' '),
  }
}

function ruleKeyword(ruleSet: RuleSet) {
  return (st: Statement, cx: KeywordContext): void => {
    const p = cx.proxy
    if (!p) return
    if (cx.section === 'defaults' && !noteDefaultsRule(st, cx)) return
    const action = st.args[0]
    if (!action) {
      cx.sv.diag.error('missing-argument', st.span, `'${ruleSet}' expects an action`)
      return
    }
    const list = ruleSet === 'http-request' ? p.httpRequest : ruleSet === 'http-response' ? p.httpResponse : p.httpAfterResponse
    warnAfterFinal(list, st, cx)
    const rule = compileRule(st, cx, ruleSet, action, st.args.slice(1))
    if (!rule) return
    if (ruleSet === 'http-request') warnMisplaced(p, 'http-request', st, cx)
    if (ruleSet === 'http-request') p.httpRequest.push(rule)
    else if (ruleSet === 'http-response') p.httpResponse.push(rule)
    else p.httpAfterResponse.push(rule)
    p.needsHttp.push({ keyword: ruleSet, span: st.span })
  }
}

/** Legacy `redirect location|prefix|scheme …`: `http-request redirect` with a plain-string destination, run after them. */
function legacyRedirect(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const rule = compileRule(st, cx, 'http-request', st.keyword[0] as Word, st.args, true)
  if (rule) {
    p.redirects.push(rule)
    warnMisplaced(p, 'redirect', st, cx)
    p.needsHttp.push({ keyword: 'redirect', span: st.span })
  }
}

export const HTTP_RULE_KEYWORDS: readonly KeywordDef[] = [
  { name: 'http-request', sections: PROXY_SECTIONS, support: 'yes', parse: ruleKeyword('http-request') },
  { name: 'http-response', sections: PROXY_SECTIONS, support: 'yes', parse: ruleKeyword('http-response') },
  { name: 'http-after-response', sections: PROXY_SECTIONS, support: 'yes', parse: ruleKeyword('http-after-response') },
  { name: 'redirect', sections: ['frontend', 'backend', 'listen'], support: 'yes', parse: legacyRedirect },
]
