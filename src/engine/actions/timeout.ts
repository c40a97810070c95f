/**
 * @module
 * `set-timeout server|tunnel` at run time (http_act.c action_timeout_set_stream_timeout): a fixed
 * time, or an expression read as milliseconds (a failed fetch changes nothing).
 */
import { castTo } from '../../sample/cast.ts'
import type { SampleExpr } from '../../sample/expr.ts'
import type { Sample } from '../../sample/types.ts'
import type { RuntimeActionDef } from './types.ts'

export const TIMEOUT_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'set-timeout',
    build: (a, env) => {
      const which = a.timeout === 'tunnel' ? 'curTunnel' : 'curServer'
      if (a.expr === undefined) {
        const ms = a.ms as number
        return (ctx) => {
          // The timeouts object is shared by the requests of a proxy: copy it before the change.
          if (ctx.timeouts) ctx.timeouts = { ...ctx.timeouts, [which]: ms }
          return undefined
        }
      }
      const fetch = env.expr(a.expr as SampleExpr)
      return (ctx) => {
        const r = fetch(ctx, false)
        const s = Array.isArray(r) ? r[r.length - 1] : (r as Sample | undefined)
        const n = s === undefined ? undefined : castTo(s, 'int')
        if (n?.type === 'int' && ctx.timeouts) ctx.timeouts = { ...ctx.timeouts, [which]: n.value }
        return undefined
      }
    },
  },
]
