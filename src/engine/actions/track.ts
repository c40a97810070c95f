/**
 * @module
 * track-sc0/1/2, sc-inc-gpc0/1, sc-set-gpt0 at run time, through the request's StickTracker.
 * track-sc returns a promise only when the table's store waits for a Durable Object (exact mode).
 */
import type { SampleExpr } from '../../sample/expr.ts'
import type { Sample } from '../../sample/types.ts'
import { sampleToString } from '../log-format.ts'
import type { RuntimeActionDef } from './types.ts'

export const TRACK_RUNTIME: readonly RuntimeActionDef[] = [
  ...[0, 1, 2].map(
    (n): RuntimeActionDef => ({
      name: `track-sc${n}`,
      build: (a, env) => {
        const key = env.expr(a.key as SampleExpr)
        const table = (a.table as string | undefined) ?? env.proxyName
        return (ctx) => {
          const r = key(ctx, false)
          const s = Array.isArray(r) ? r[r.length - 1] : (r as Sample | undefined)
          if (s === undefined) return undefined
          // A Durable Object-backed table in exact mode answers asynchronously: decide() awaits the promise.
          const pending = env.stick.track(ctx, a.counter as number, table, sampleToString(s))
          return pending instanceof Promise ? pending.then(() => undefined) : undefined
        }
      },
    }),
  ),
  ...(['gpc0', 'gpc1'] as const).map(
    (d): RuntimeActionDef => ({
      name: `sc-inc-${d}`,
      build: (a, env) => (ctx) => {
        env.stick.increment(ctx, a.counter as number, d)
        return undefined
      },
    }),
  ),
  {
    name: 'sc-inc-gpc',
    build: (a, env) => (ctx) => {
      const idx = a.index as number
      if (idx === 0 || idx === 1) env.stick.increment(ctx, a.counter as number, idx === 0 ? 'gpc0' : 'gpc1')
      return undefined
    },
  },
  {
    name: 'sc-set-gpt0',
    build: (a, env) => {
      const fetch = a.expr ? env.expr(a.expr as SampleExpr) : undefined
      return (ctx) => {
        let v = a.value as number | undefined
        if (fetch) {
          const r = fetch(ctx, false)
          const s = Array.isArray(r) ? r[r.length - 1] : (r as Sample | undefined)
          v = s?.type === 'int' ? s.value : s?.type === 'bool' ? Number(s.value) : undefined
        }
        if (v !== undefined) env.stick.setGpt0(ctx, a.counter as number, v)
        return undefined
      }
    },
  },
]
