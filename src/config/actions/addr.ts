/**
 * @module
 * `http-request set-src|set-dst <expr>` and `set-src-port|set-dst-port <expr>` (tcp_act.c): the
 * request's client or destination address as every later fetch, rule, header and log sees it.
 */
import { parseSampleExpr } from '../../sample/expr.ts'
import { reportExprErrors } from '../acl.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'

function parseAddr(input: ActionInput): Record<string, unknown> | undefined {
  const w = input.args[0]
  if (!w || input.args.length > 1) return actionError(input, input.args[1], 'expects exactly 1 argument (an expression)')
  const r = parseSampleExpr(w.text, input.sv.registry, { phase: 'request', loadMap: input.sv.loadMap })
  if (reportExprErrors(r.errors, w, input.sv, 0) || !r.expr) return undefined
  return { expr: r.expr }
}

const REQ = ['http-request'] as const

export const ADDR_ACTIONS: readonly ActionDef[] = ['set-src', 'set-src-port', 'set-dst', 'set-dst-port'].map((name): ActionDef => ({ name, ruleSets: REQ, support: 'yes', parse: parseAddr }))
