/**
 * @module
 * Request-line rewrites: set-path, set-pathq, set-query, set-uri, set-method, replace-path,
 * replace-pathq, replace-uri (reference §6.2).
 */
import { parseLogFormat } from '../log-format.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'
import { actionRegex, regexErrorMessage } from '../../sample/match/action-regex.ts'

function oneFmt(input: ActionInput): Record<string, unknown> | undefined {
  const w = input.args[0]
  if (!w || input.args.length > 1) return actionError(input, input.args[1], 'expects exactly 1 argument <format>')
  const fmt = parseLogFormat(w, 'request', input.sv)
  return fmt ? { fmt } : undefined
}

function regexFmt(input: ActionInput): Record<string, unknown> | undefined {
  const re = input.args[0]
  const f = input.args[1]
  if (!re || !f || input.args.length > 2) return actionError(input, input.args[2], 'expects exactly 2 arguments <match-regex> and <replace-format>')
  try {
    actionRegex(re.text)
  } catch (e) {
    input.sv.diag.error('invalid-regex', re.span, `'${input.ruleSet} ${input.name.text}' : ${regexErrorMessage(re.text, e)}`)
    return undefined
  }
  const fmt = parseLogFormat(f, 'request', input.sv)
  return fmt ? { regex: re.text, fmt } : undefined
}

const REQ = ['http-request'] as const

export const URI_ACTIONS: readonly ActionDef[] = [
  { name: 'set-path', ruleSets: REQ, support: 'yes', parse: oneFmt },
  { name: 'set-pathq', ruleSets: REQ, support: 'yes', parse: oneFmt },
  { name: 'set-query', ruleSets: REQ, support: 'yes', parse: oneFmt },
  { name: 'set-uri', ruleSets: REQ, support: 'yes', parse: oneFmt },
  { name: 'set-method', ruleSets: REQ, support: 'yes', parse: oneFmt },
  { name: 'replace-path', ruleSets: REQ, support: 'yes', parse: regexFmt },
  { name: 'replace-pathq', ruleSets: REQ, support: 'yes', parse: regexFmt },
  { name: 'replace-uri', ruleSets: REQ, support: 'yes', parse: regexFmt },
]
