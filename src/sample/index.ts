/**
 * @module
 * The default sample registry (every fetch, converter, match method and ACL alias edgeproxy
 * knows) and the ACL default match method per sample type (acl.c: the fetch's output type picks
 * the method when `-m` is absent).
 */
import { ACL_ALIASES } from './acl-aliases.ts'
import { CONVERTERS } from './converters/index.ts'
import { FETCHES } from './fetches/index.ts'
import { MATCHES } from './match/index.ts'
import { createRegistry, type SampleRegistry } from './registry.ts'
import type { FetchDef, SampleType } from './types.ts'

export const defaultRegistry: SampleRegistry = createRegistry({ fetches: FETCHES, converters: CONVERTERS, matches: MATCHES, aliases: ACL_ALIASES })

const BY_TYPE: Readonly<Record<SampleType, string>> = { bool: 'bool', int: 'int', ip: 'ip', str: 'str', bin: 'bin', meth: 'meth' }

/** The match method an ACL uses without `-m`: the fetch's own default, else its output type's. */
export function defaultMatchFor(type: SampleType, fetch?: FetchDef): string | undefined {
  return fetch?.defaultMatch ?? BY_TYPE[type]
}
