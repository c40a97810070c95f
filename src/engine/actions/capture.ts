/**
 * @module
 * `http-request|response capture <sample> len|id <n>` at run time: the sample as a string goes
 * into the frontend's slot; a failed fetch captures nothing and the rules go on.
 */
import { sampleToString } from '../log-format.ts'
import { type Sample, storeCapture } from '../../sample/types.ts'
import type { SampleExpr } from '../../sample/expr.ts'
import type { RuntimeActionDef } from './types.ts'

export const CAPTURE_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'capture',
    build: (a, env) => {
      const fetch = env.expr(a.expr as SampleExpr)
      const slot = a.slot as number
      const response = env.ruleSet !== 'http-request'
      return (ctx) => {
        const r = fetch(ctx, false)
        const s = Array.isArray(r) ? r[r.length - 1] : (r as Sample | undefined)
        if (s === undefined) return undefined
        storeCapture(ctx.captures, response ? 'response' : 'request', slot, sampleToString(s))
        return undefined
      }
    },
  },
]
