/**
 * @module
 * The keyword tables of the sample layer, looked up by name: fetches, converters, match methods
 * and ACL aliases (HAProxy's `sample_fetch_keywords`, `sample_conv_kws`, `pat_match_names`,
 * `acl_kws`). The compiler validates against it; the engine builds closures from it.
 */
import { closest } from '../util/closest.ts'
import type { AclAlias, ConverterDef, FetchDef, MatchDef } from './types.ts'

export type RegistryKind = 'fetch' | 'converter' | 'match' | 'alias'

export interface SampleRegistry {
  fetch(name: string): FetchDef | undefined
  converter(name: string): ConverterDef | undefined
  match(name: string): MatchDef | undefined
  alias(name: string): AclAlias | undefined
  /** The closest known name of that kind, for "did you mean" hints. */
  suggest(kind: RegistryKind, name: string): string | undefined
  /** Every keyword of a kind, in registration order (docs, `--help`). */
  list(kind: 'fetch'): readonly FetchDef[]
  list(kind: 'converter'): readonly ConverterDef[]
  list(kind: 'match'): readonly MatchDef[]
  list(kind: 'alias'): readonly AclAlias[]
}

export interface RegistryTables {
  readonly fetches: readonly FetchDef[]
  readonly converters: readonly ConverterDef[]
  readonly matches: readonly MatchDef[]
  readonly aliases: readonly AclAlias[]
}

function index<T extends { readonly name: string }>(list: readonly T[], what: string): Map<string, T> {
  const m = new Map<string, T>()
  for (const d of list) {
    if (m.has(d.name)) throw new Error(`duplicate ${what} keyword '${d.name}'`)
    m.set(d.name, d)
  }
  return m
}

export function createRegistry(t: RegistryTables): SampleRegistry {
  const fetches = index(t.fetches, 'fetch')
  const converters = index(t.converters, 'converter')
  const matches = index(t.matches, 'match')
  const aliases = index(t.aliases, 'alias')
  const names: Record<RegistryKind, Map<string, unknown>> = { fetch: fetches, converter: converters, match: matches, alias: aliases }
  const lists = { fetch: t.fetches, converter: t.converters, match: t.matches, alias: t.aliases }
  return {
    fetch: (n) => fetches.get(n),
    converter: (n) => converters.get(n),
    match: (n) => matches.get(n),
    alias: (n) => aliases.get(n),
    suggest: (kind, n) => closest(n, names[kind].keys()),
    list: ((kind: RegistryKind) => lists[kind]) as SampleRegistry['list'],
  }
}
