/**
 * @module
 * `http-request cache-use <name>` and `http-response cache-store <name>` (HAProxy doc 6.2.2): the
 * cache is looked up / the response stored by the Worker through the Workers Cache API. Whether
 * the cache exists is checked once every section is read (keywords/cache.ts).
 */
import { type ActionDef, type ActionInput, actionError } from './types.ts'

function cacheName(input: ActionInput): Record<string, unknown> | undefined {
  const name = input.args[0]
  if (!name) return actionError(input, undefined, 'expects a cache name')
  if (input.args.length > 1) return actionError(input, input.args[1], `expects either 'if' or 'unless' followed by a condition but found '${input.args[1]?.text}'`)
  return { cache: name.text }
}

export const CACHE_ACTIONS: readonly ActionDef[] = [
  { name: 'cache-use', ruleSets: ['http-request'], support: 'yes', parse: cacheName },
  { name: 'cache-store', ruleSets: ['http-response'], support: 'yes', parse: cacheName },
]
