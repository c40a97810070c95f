/**
 * @module
 * `http-request capture <sample> [len <n> | id <n>]` and `http-response capture <sample> id <n>`
 * (http_act.c parse_http_req_capture / parse_http_res_capture): the sample, as a string, goes into
 * a capture slot of the frontend. `len` declares a new request slot (frontends only); `id` names
 * one declared with `declare capture` or `capture … header`.
 */
import { parseSampleExpr } from '../../sample/expr.ts'
import { reportExprErrors } from '../acl.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'

function parseCaptureRule(input: ActionInput): Record<string, unknown> | undefined {
  const dir = input.ruleSet === 'http-request' ? 'request' : 'response'
  const [exprW, kw, nW] = input.args
  if (!exprW || !kw || !nW) return actionError(input, undefined, dir === 'request' ? "expects <expression> [ 'len' <length> | id <idx> ]" : 'expects <expression> id <idx>')
  if (input.args.length > 3) return actionError(input, input.args[3], `: unexpected argument '${(input.args[3] as { text: string }).text}'`)
  const r = parseSampleExpr(exprW.text, input.sv.registry, { phase: dir, loadMap: input.sv.loadMap })
  if (reportExprErrors(r.errors, exprW, input.sv, 0) || !r.expr) return undefined
  if (kw.text === 'len' && dir === 'request') {
    const p = input.proxy
    if (p.kind === 'backend') return actionError(input, kw, `: proxy '${p.name}' has no frontend capability`)
    if (!/^\d+$/.test(nW.text) || Number(nW.text) <= 0) return actionError(input, nW, ': length must be > 0')
    p.captures.request.push({ len: Number(nW.text) })
    return { expr: r.expr, slot: p.captures.request.length - 1 }
  }
  if (kw.text !== 'id') return actionError(input, kw, dir === 'request' ? `expects 'len' or 'id', found '${kw.text}'` : `expects 'id', found '${kw.text}'`)
  if (!/^\d+$/.test(nW.text)) return actionError(input, nW, `: cannot parse id '${nW.text}'`)
  // HAProxy 2.6 checks the id of http-request/http-response rules only (not http-after-response).
  if (input.ruleSet !== 'http-after-response') input.proxy.captureRefs.push({ dir, id: Number(nW.text), span: nW.span })
  return { expr: r.expr, slot: Number(nW.text) }
}

export const CAPTURE_ACTIONS: readonly ActionDef[] = [{ name: 'capture', ruleSets: ['http-request', 'http-response', 'http-after-response'], support: 'yes', parse: parseCaptureRule }]
