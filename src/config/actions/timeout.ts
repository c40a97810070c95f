/**
 * @module
 * `http-request set-timeout server|tunnel <time>|<expr>` (http_act.c parse_http_set_timeout,
 * action.c cfg_parse_rule_set_timeout): a non-null time, or an expression read as milliseconds,
 * for this request only; proxies with a backend only.
 */
import { parseSampleExpr } from '../../sample/expr.ts'
import { reportExprErrors } from '../acl.ts'
import { parseTime } from '../../util/time.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'

function parseSetTimeout(input: ActionInput): Record<string, unknown> | undefined {
  if (input.proxy.kind === 'frontend') return actionError(input, undefined, `: proxy '${input.proxy.name}' has no backend capability`)
  const [nameW, valueW] = input.args
  if (!nameW || (nameW.text !== 'server' && nameW.text !== 'tunnel')) return actionError(input, nameW, `: 'set-timeout' rule supports 'server'/'tunnel' (got '${nameW?.text ?? ''}')`)
  if (!valueW || input.args.length > 2) return actionError(input, input.args[2] ?? nameW, `: expects 'set-timeout ${nameW.text} <timeout>|<expr>'`)
  const t = parseTime(valueW.text)
  if (t.ok) {
    if (t.value === 0) return actionError(input, valueW, `: null value is not valid for a 'set-timeout ${nameW.text}' rule`)
    return { timeout: nameW.text, ms: t.value }
  }
  const r = parseSampleExpr(valueW.text, input.sv.registry, { phase: 'request', loadMap: input.sv.loadMap })
  if (reportExprErrors(r.errors, valueW, input.sv, 0) || !r.expr) return undefined
  return { timeout: nameW.text, expr: r.expr }
}

export const TIMEOUT_ACTIONS: readonly ActionDef[] = [{ name: 'set-timeout', ruleSets: ['http-request'], support: 'yes', parse: parseSetTimeout }]
