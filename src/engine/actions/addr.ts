/**
 * @module
 * set-src / set-dst / set-src-port / set-dst-port at run time (tcp_act.c tcp_action_req_set_src…):
 * an expression that converts to an address replaces the address and keeps the port; one that
 * converts to an integer replaces the port; anything else changes nothing.
 */
import { castTo } from '../../sample/cast.ts'
import type { SampleExpr } from '../../sample/expr.ts'
import type { Sample } from '../../sample/types.ts'
import type { RequestState } from '../request-state.ts'
import type { RuntimeActionDef } from './types.ts'

type Setter = (ctx: RequestState, s: Sample) => void

const setters: Readonly<Record<string, Setter>> = {
  'set-src': (ctx, s) => {
    const a = castTo(s, 'ip')
    if (a?.type === 'ip') ctx.src = a.value
  },
  'set-dst': (ctx, s) => {
    const a = castTo(s, 'ip')
    if (a?.type === 'ip') ctx.dst = a.value
  },
  'set-src-port': (ctx, s) => {
    const n = castTo(s, 'int')
    if (n?.type === 'int') ctx.srcPort = n.value & 0xffff
  },
  'set-dst-port': (ctx, s) => {
    const n = castTo(s, 'int')
    if (n?.type === 'int') ctx.dstPort = n.value & 0xffff
  },
}

export const ADDR_RUNTIME: readonly RuntimeActionDef[] = Object.entries(setters).map(([name, set]) => ({
  name,
  build: (a, env) => {
    const fetch = env.expr(a.expr as SampleExpr)
    return (ctx) => {
      const r = fetch(ctx, false)
      const s = Array.isArray(r) ? r[r.length - 1] : (r as Sample | undefined)
      if (s !== undefined) set(ctx, s)
      return undefined
    }
  },
}))
