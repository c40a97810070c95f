/**
 * @module
 * Header actions: set-header, add-header, del-header [-m method], replace-header, replace-value,
 * early-hint (reference §6.2). Values are log-format strings.
 */
import { parseLogFormat } from '../log-format.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'
import { actionRegex, regexErrorMessage } from '../../sample/match/action-regex.ts'
import { linearRegex } from '../../util/regex/index.ts'

const ALL = ['http-request', 'http-response', 'http-after-response'] as const
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function phaseOf(input: ActionInput) {
  return input.ruleSet === 'http-request' ? ('request' as const) : ('response' as const)
}

function headerName(input: ActionInput): string | undefined {
  const n = input.args[0]
  if (!n) return actionError(input, undefined, 'expects <name> as first argument')
  if (!TOKEN.test(n.text)) return actionError(input, n, `: invalid header name '${n.text}'`)
  return n.text
}

function setAdd(input: ActionInput): Record<string, unknown> | undefined {
  const name = headerName(input)
  if (name === undefined) return undefined
  const v = input.args[1]
  if (!v || input.args.length > 2) return actionError(input, input.args[2], 'expects exactly 2 arguments: <name> <fmt>')
  const value = parseLogFormat(v, phaseOf(input), input.sv)
  return value ? { name, value } : undefined
}

function del(input: ActionInput): Record<string, unknown> | undefined {
  const name = headerName(input)
  if (name === undefined) return undefined
  let method = 'str'
  if (input.args.length > 1) {
    const m = input.args[1]
    const v = input.args[2]
    if (m?.text !== '-m' || !v || input.args.length > 3) return actionError(input, m, 'expects <name> [-m <method>]')
    if (!['str', 'beg', 'end', 'sub', 'reg'].includes(v.text)) return actionError(input, v, `: '-m' only supports 'str', 'beg', 'end', 'sub' and 'reg' (got '${v.text}')`)
    if (v.text === 'reg') {
      try {
        linearRegex(name, 'i')
      } catch (e) {
        return actionError(input, input.args[0], `: ${regexErrorMessage(name, e)}`)
      }
    }
    method = v.text
  }
  return { name, method }
}

function replace(input: ActionInput): Record<string, unknown> | undefined {
  const name = headerName(input)
  if (name === undefined) return undefined
  const re = input.args[1]
  const fmtW = input.args[2]
  if (!re || !fmtW || input.args.length > 3) return actionError(input, input.args[3], 'expects exactly 3 arguments: <name> <regex> <fmt>')
  try {
    actionRegex(re.text)
  } catch (e) {
    input.sv.diag.error('invalid-regex', re.span, `'${input.ruleSet} ${input.name.text}' : ${regexErrorMessage(re.text, e)}`)
    return undefined
  }
  const fmt = parseLogFormat(fmtW, phaseOf(input), input.sv)
  return fmt ? { name, regex: re.text, fmt } : undefined
}

export const HEADER_ACTIONS: readonly ActionDef[] = [
  { name: 'set-header', ruleSets: ALL, support: 'yes', parse: setAdd },
  { name: 'add-header', ruleSets: ALL, support: 'yes', parse: setAdd },
  { name: 'del-header', ruleSets: ALL, support: 'yes', parse: del },
  { name: 'replace-header', ruleSets: ALL, support: 'yes', parse: replace },
  { name: 'replace-value', ruleSets: ALL, support: 'yes', parse: replace },
  { name: 'early-hint', ruleSets: ['http-request'], support: 'no', note: "103 Early Hints: use Cloudflare's Early Hints feature (Speed > Optimization)" },
]
