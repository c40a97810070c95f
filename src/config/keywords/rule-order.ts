/**
 * @module
 * HAProxy 2.6's warnings about rule order (cfgparse-listen.c): a rule after a final action without
 * a condition never runs, and rule families run in a fixed order whatever their place in the
 * section (http-request, then redirect, then use_backend), so one written after a later family
 * warns that it "will still be processed before".
 */
import type { Rule } from '../../routemap/schema.ts'
import { findAction } from '../actions/index.ts'
import type { ProxyDraft } from '../draft.ts'
import type { KeywordContext, Statement } from './types.ts'

/** `previous 'http-request' action is final and has no condition attached, further entries are NOOP.` */
export function warnAfterFinal(list: readonly Rule[], st: Statement, cx: KeywordContext): void {
  const prev = list[list.length - 1]
  if (!prev || prev.cond || !findAction(prev.action)?.final) return
  const kw = st.keyword[0]?.text ?? ''
  cx.sv.diag.warning('useless', st.span, `previous '${kw}' action is final and has no condition attached, further entries are NOOP.`, {
    help: `the '${prev.action}' rule at line ${prev.origin.line} always stops the '${kw}' rules: add a condition to it or remove this rule`,
  })
}

/** warnif_misplaced_http_req / warnif_misplaced_redirect: rules written after a family that runs later. */
export function warnMisplaced(p: ProxyDraft, kind: 'http-request' | 'redirect', st: Statement, cx: KeywordContext): void {
  const after = kind === 'http-request' && p.redirects.length > 0 ? 'redirect' : p.useBackends.length > 0 ? 'use_backend' : undefined
  if (!after) return
  const kw = st.keyword[0]?.text ?? kind
  cx.sv.diag.warning('useless', st.span, `a '${kw}' rule placed after a '${after}' rule will still be processed before.`, {
    help: `move it before the '${after}' rules: HAProxy runs ${kind === 'http-request' ? "'http-request' rules, then 'redirect' rules" : "'redirect' rules"}, then 'use_backend' rules`,
  })
}
