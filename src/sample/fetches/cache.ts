/**
 * @module
 * `res.cache_hit` and `res.cache_name` (src/cache.c): whether the response was served from a
 * `cache` section (http-request cache-use found it), and that cache's name.
 */
import type { FetchDef } from '../types.ts'
import { bool, RES, str } from './util.ts'

export const CACHE_FETCHES: readonly FetchDef[] = [
  {
    name: 'res.cache_hit',
    args: [],
    output: 'bool',
    phases: RES,
    doc: 'true when the response was served from a cache (http-request cache-use)',
    build: () => (ctx) => bool(ctx.cacheHit !== undefined),
  },
  {
    name: 'res.cache_name',
    args: [],
    output: 'str',
    phases: RES,
    doc: 'the name of the cache the response was served from; fails on a response from a server',
    build: () => (ctx) => (ctx.cacheHit === undefined ? undefined : str(ctx.cacheHit)),
  },
]
