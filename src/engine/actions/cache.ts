/**
 * @module
 * `http-request cache-use` and `http-response cache-store` at run time: they decide (engine/cache.ts)
 * and record the decision on the request's CacheTx; the Worker looks up and stores
 * (src/proxy/cache.ts). Neither action ever stops the rule set.
 */
import { type CacheParams, CacheTx, checkRequest, decideStore, primaryKey, requestSecondaryKey } from '../cache.ts'
import type { RuntimeActionDef } from './types.ts'

/** The cache section's settings, copied into the rule's arguments by the compiler. */
function paramsOf(a: Readonly<Record<string, unknown>>): CacheParams {
  return {
    name: a.cache as string,
    maxAgeS: (a.maxAgeS as number | undefined) ?? 60,
    maxObjectSize: (a.maxObjectSize as number | undefined) ?? 0,
    processVary: a.processVary === true,
    maxSecondaryEntries: (a.maxSecondaryEntries as number | undefined) ?? 10,
  }
}

export const CACHE_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'cache-use',
    build: (a) => {
      const p = paramsOf(a)
      return (ctx) => {
        if (!ctx.cache) ctx.cache = new CacheTx(ctx.method)
        const tx = ctx.cache
        checkRequest(tx, ctx.method, ctx.version, ctx.headers)
        // The key is computed for every method: a successful unsafe request invalidates it.
        const key = primaryKey(ctx.target, ctx.headers)
        if (key === undefined) return undefined
        tx.key = key
        if (tx.ignore) return undefined
        const secondary = p.processVary ? requestSecondaryKey(ctx.headers) : undefined
        if (secondary) tx.secondary = secondary
        tx.lookups.push({ cache: p.name, key, ...(secondary ? { secondary } : {}) })
        return undefined
      }
    },
  },
  {
    name: 'cache-store',
    build: (a) => {
      const p = paramsOf(a)
      return (ctx) => {
        if (ctx.cache && ctx.response) decideStore(ctx.cache, p, ctx, ctx.response, Math.floor(Date.now() / 1000))
        return undefined
      }
    },
  },
]
