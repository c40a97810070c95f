/**
 * @module
 * Variables: `set-var(<name>[,cond…]) <expr>`, `set-var-fmt(<name>) <fmt>`, `unset-var(<name>)`
 * (reference §5.8). Scopes: proc, sess, txn, req, res.
 */
import { parseSampleExpr } from '../../sample/expr.ts'
import { reportExprErrors } from '../acl.ts'
import { parseLogFormat } from '../log-format.ts'
import { subSpan } from '../source.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'

const VAR_NAME = /^(proc|sess|txn|req|res)\.[A-Za-z0-9_.]+$/
const SET_CONDS = new Set(['ifexists', 'ifnotexists', 'ifempty', 'ifnotempty', 'ifset', 'ifnotset', 'ifgt', 'iflt'])

/** Splits `set-var(txn.x,ifnotset)` into the variable and its conditions. */
function varArgs(input: ActionInput): { name: string; conds: string[] } | undefined {
  const m = /^[a-z-]+\(([^)]*)\)$/.exec(input.name.text)
  if (!m) return actionError(input, undefined, `: missing variable name, expects '${input.name.text.replace(/\(.*/, '')}(<scope>.<name>)'`)
  const [name, ...conds] = (m[1] as string).split(',').map((s) => s.trim())
  if (!name || !VAR_NAME.test(name)) {
    input.sv.diag.error(
      'invalid-argument',
      subSpan(input.name.span, input.name.text.indexOf('(') + 1, (name ?? '').length),
      `invalid variable name '${name ?? ''}': expects '<scope>.<name>' with scope proc, sess, txn, req or res`,
    )
    return undefined
  }
  for (const c of conds) if (!SET_CONDS.has(c)) return actionError(input, undefined, `: unknown condition '${c}' (expects ${[...SET_CONDS].join(', ')})`)
  return { name, conds }
}

export const VAR_ACTIONS: readonly ActionDef[] = [
  {
    name: 'set-var',
    ruleSets: ['http-request', 'http-response', 'http-after-response'],
    support: 'yes',
    parse: (input) => {
      const v = varArgs(input)
      const e = input.args[0]
      if (!v) return undefined
      if (!e || input.args.length > 1) return actionError(input, input.args[1], 'expects exactly one sample expression')
      const r = parseSampleExpr(e.text, input.sv.registry, { phase: input.ruleSet === 'http-request' ? 'request' : 'response', loadMap: input.sv.loadMap })
      if (reportExprErrors(r.errors, e, input.sv, 0) || !r.expr) return undefined
      return { name: v.name, conds: v.conds, expr: r.expr }
    },
  },
  {
    name: 'set-var-fmt',
    ruleSets: ['http-request', 'http-response', 'http-after-response'],
    support: 'yes',
    parse: (input) => {
      const v = varArgs(input)
      const f = input.args[0]
      if (!v) return undefined
      if (!f || input.args.length > 1) return actionError(input, input.args[1], 'expects exactly one format string')
      const fmt = parseLogFormat(f, input.ruleSet === 'http-request' ? 'request' : 'response', input.sv)
      return fmt ? { name: v.name, conds: v.conds, fmt } : undefined
    },
  },
  {
    name: 'unset-var',
    ruleSets: ['http-request', 'http-response', 'http-after-response'],
    support: 'yes',
    parse: (input) => {
      const v = varArgs(input)
      if (!v) return undefined
      if (input.args.length > 0) return actionError(input, input.args[0], 'takes no argument')
      return { name: v.name }
    },
  },
]
