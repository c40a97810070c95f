/**
 * @module
 * The names a RouteMap may use that the engine resolves at build time (rule actions, sample
 * fetches, converters, match methods): src/routemap/validate.ts refuses a version naming others,
 * so an isolate never builds an engine that would throw on it.
 */
import type { KnownNames } from '../routemap/validate.ts'
import { defaultRegistry } from '../sample/index.ts'
import type { SampleRegistry } from '../sample/registry.ts'
import { RUNTIME_ACTIONS } from './actions/index.ts'

export function engineNames(registry: SampleRegistry = defaultRegistry): KnownNames {
  return {
    action: (n) => RUNTIME_ACTIONS.has(n),
    fetch: (n) => registry.fetch(n) !== undefined,
    converter: (n) => registry.converter(n) !== undefined,
    match: (n) => registry.match(n) !== undefined,
  }
}
