/**
 * @module
 * set-var, set-var-fmt, unset-var at run time, with set-var's conditions (ifexists, ifnotset…).
 */
import type { LogFormat } from '../../routemap/schema.ts'
import type { SampleExpr } from '../../sample/expr.ts'
import type { Sample } from '../../sample/types.ts'
import type { RequestState } from '../request-state.ts'
import type { RuntimeActionDef } from './types.ts'

function allowed(conds: readonly string[], ctx: RequestState, name: string, next: Sample): boolean {
  const cur = ctx.vars.get(name)
  for (const c of conds) {
    const ok =
      c === 'ifexists' || c === 'ifset'
        ? cur !== undefined
        : c === 'ifnotexists' || c === 'ifnotset'
          ? cur === undefined
          : c === 'ifempty'
            ? cur === undefined || (cur.type === 'str' && cur.value === '')
            : c === 'ifnotempty'
              ? cur !== undefined && !(cur.type === 'str' && cur.value === '')
              : c === 'ifgt'
                ? cur !== undefined && cur.type === 'int' && next.type === 'int' && cur.value > next.value
                : c === 'iflt'
                  ? cur !== undefined && cur.type === 'int' && next.type === 'int' && cur.value < next.value
                  : true
    if (!ok) return false
  }
  return true
}

export const VAR_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'set-var',
    build: (a, env) => {
      const fetch = env.expr(a.expr as SampleExpr)
      const name = a.name as string
      const conds = (a.conds as string[] | undefined) ?? []
      return (ctx) => {
        const r = fetch(ctx, false)
        const s = Array.isArray(r) ? r[r.length - 1] : (r as Sample | undefined)
        if (s !== undefined && allowed(conds, ctx, name, s)) ctx.vars.set(name, s)
        return undefined
      }
    },
  },
  {
    name: 'set-var-fmt',
    build: (a, env) => {
      const render = env.format(a.fmt as LogFormat, false)
      const name = a.name as string
      const conds = (a.conds as string[] | undefined) ?? []
      return (ctx) => {
        const s: Sample = { type: 'str', value: render(ctx) }
        if (allowed(conds, ctx, name, s)) ctx.vars.set(name, s)
        return undefined
      }
    },
  },
  {
    name: 'unset-var',
    build: (a) => {
      const name = a.name as string
      return (ctx) => {
        ctx.vars.delete(name)
        return undefined
      }
    },
  },
]
