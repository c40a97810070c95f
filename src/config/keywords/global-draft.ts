/**
 * @module
 * Settings collected from `global` and the auxiliary sections (userlist, peers, resolvers).
 */
import type { ProcVar, StickTableSpec, Userlist } from '../../routemap/schema.ts'
import type { SourceSpan } from '../source.ts'
import { type CacheConfigDraft, createCacheConfig } from './cache.ts'
import type { HttpErrorsSection } from './http-errors.ts'

export interface GlobalDraft {
  maxconn?: number
  statsSockets: { path: string; level: string }[]
  /** How many proxies were declared before the first `stats socket` (its internal proxy takes an id there). */
  statsSocketSlot?: number
  log: boolean
  spreadChecks?: number
  userlists: Map<string, Userlist & { span: SourceSpan; users: Userlist['users'][number][]; groups: Userlist['groups'][number][] }>
  /** The `userlist` section currently open (its `user`/`group` lines). */
  currentUserlist?: string
  peers: Map<string, SourceSpan>
  resolvers: Map<string, SourceSpan>
  /** `server ... resolvers <name>` references, checked against `resolvers` sections. */
  resolverRefs: { readonly name: string; readonly span: SourceSpan; readonly what: string }[]
  /** `peers` section currently open (for its `table` lines). */
  currentPeers?: string
  /** `cache` sections and `filter cache` lines. */
  caches: CacheConfigDraft
  /** Tables declared in peers sections, named `<peers>/<table>`. */
  peerTables: StickTableSpec[]
  /** `http-errors` sections by name, and the one currently open. */
  httpErrors: Map<string, HttpErrorsSection>
  currentHttpErrors?: string
  /** `set-var proc.*` in global, in order (src/config/keywords/global-vars.ts). */
  procVars: Map<string, ProcVar>
}

export function createGlobalDraft(): GlobalDraft {
  return {
    statsSockets: [],
    log: false,
    userlists: new Map(),
    peers: new Map(),
    resolvers: new Map(),
    resolverRefs: [],
    peerTables: [],
    httpErrors: new Map(),
    procVars: new Map(),
    caches: createCacheConfig(),
  }
}
