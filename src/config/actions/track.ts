/**
 * @module
 * Stick-counter actions: `track-sc0|1|2 <key> [table <t>]`, `sc-inc-gpc0|1(<sc>)`,
 * `sc-inc-gpc(<idx>,<sc>)`, `sc-set-gpt0(<sc>) <int|expr>` (reference §7.2).
 */
import { parseSampleExpr } from '../../sample/expr.ts'
import { reportExprErrors } from '../acl.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'

function track(input: ActionInput): Record<string, unknown> | undefined {
  const counter = Number(/^track-sc(\d+)$/.exec(input.name.text)?.[1] ?? Number.NaN)
  if (!(counter >= 0 && counter <= 2)) return actionError(input, undefined, ': stick counter must be 0, 1 or 2 (tune.stick-counters is 3)')
  const keyW = input.args[0]
  if (!keyW) return actionError(input, undefined, 'expects a key expression')
  const r = parseSampleExpr(keyW.text, input.sv.registry, { phase: input.ruleSet === 'http-request' ? 'request' : 'response', loadMap: input.sv.loadMap })
  if (reportExprErrors(r.errors, keyW, input.sv, 0) || !r.expr) return undefined
  let table: string | undefined
  if (input.args.length > 1) {
    const t = input.args[1]
    const n = input.args[2]
    if (t?.text !== 'table' || !n || input.args.length > 3) return actionError(input, t, "expects '<key> [table <name>]'")
    table = n.text
    input.proxy.refs.push({ kind: 'table', name: n.text, span: n.span, context: `in '${input.name.text}'` })
  } else {
    input.proxy.refs.push({ kind: 'table', name: input.proxy.name, span: input.name.span, context: `in '${input.name.text}' (no 'table' given, so the proxy's own)` })
  }
  return { counter, key: r.expr, ...(table ? { table } : {}) }
}

function scArgs(input: ActionInput, withIdx: boolean): Record<string, unknown> | undefined {
  const m = /^[a-z0-9-]+\(([^)]*)\)$/.exec(input.name.text)
  const parts = (m?.[1] ?? '').split(',').map((s) => s.trim())
  const nums = parts.map(Number)
  if (!m || nums.some((n) => !Number.isInteger(n)) || parts.length !== (withIdx ? 2 : 1)) {
    return actionError(input, undefined, `: expects '${input.name.text.replace(/\(.*/, '')}(${withIdx ? '<idx>,' : ''}<sc-id>)'`)
  }
  const counter = nums[nums.length - 1] as number
  if (counter < 0 || counter > 2) return actionError(input, undefined, ': stick counter must be 0, 1 or 2')
  return withIdx ? { index: nums[0], counter } : { counter }
}

const RULES = ['http-request', 'http-response'] as const

export const TRACK_ACTIONS: readonly ActionDef[] = [
  ...[0, 1, 2].map((n): ActionDef => ({ name: `track-sc${n}`, ruleSets: RULES, support: 'yes', parse: track })),
  { name: 'sc-inc-gpc0', ruleSets: RULES, support: 'yes', parse: (i) => (i.args.length ? actionError(i, i.args[0], 'takes no argument') : scArgs(i, false)) },
  { name: 'sc-inc-gpc1', ruleSets: RULES, support: 'yes', parse: (i) => (i.args.length ? actionError(i, i.args[0], 'takes no argument') : scArgs(i, false)) },
  { name: 'sc-inc-gpc', ruleSets: RULES, support: 'no', note: "the 'gpc(N)' array is not counted: use 'sc-inc-gpc0'/'sc-inc-gpc1' with 'store gpc0'/'gpc1'" },
  {
    name: 'sc-set-gpt0',
    ruleSets: RULES,
    support: 'yes',
    parse: (input) => {
      const base = scArgs(input, false)
      const v = input.args[0]
      if (!base) return undefined
      if (!v || input.args.length > 1) return actionError(input, input.args[1], 'expects exactly one integer or expression')
      if (/^-?\d+$/.test(v.text)) return { ...base, value: Number(v.text) }
      const r = parseSampleExpr(v.text, input.sv.registry, { phase: input.ruleSet === 'http-request' ? 'request' : 'response', loadMap: input.sv.loadMap })
      if (reportExprErrors(r.errors, v, input.sv, 0) || !r.expr) return undefined
      return { ...base, expr: r.expr }
    },
  },
  { name: 'sc-add-gpc', ruleSets: RULES, support: 'no', note: "the 'gpc(N)' array is not counted" },
  { name: 'sc-set-gpt', ruleSets: RULES, support: 'no', note: "the 'gpt(N)' array is not stored: use 'sc-set-gpt0'" },
]
