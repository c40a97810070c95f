/**
 * @module
 * The RouteMap an isolate runs: the live one from KV (or the embedded one) with the runtime
 * changes that alter compiled data applied — `set server … addr/port` (where requests and checks
 * go), `disable health` (the server is no longer checked: "no check"), and map/ACL edits. Its
 * hash gets a suffix per change set, so health monitors are reconfigured when checks change.
 * Weight and state overrides do not rebuild anything: src/ops/admin-states.ts applies them.
 */
import type { RouteMap, Server } from '../routemap/schema.ts'
import { fnv1a32 } from '../state/stick-shard.ts'
import type { AdminServer } from './types.ts'

/** The part of the admin state that changes the compiled RouteMap, as a stable string. */
export function structuralSignature(admin: Readonly<Record<string, AdminServer>>): string {
  const parts: string[] = []
  for (const k of Object.keys(admin).sort()) {
    const a = admin[k] as AdminServer
    if (a.addr !== undefined || a.port !== undefined || a.checksDisabled) parts.push(`${k}=${a.addr ?? ''}:${a.port ?? ''}:${a.checksDisabled ? 'nocheck' : ''}`)
  }
  return parts.join(';')
}

/** A short suffix for derived RouteMap hashes. */
function shortHash(s: string): string {
  return fnv1a32(s).toString(16).padStart(8, '0')
}

/** Applies addr/port and `disable health` overrides to the servers. */
export function withServerOverrides(rm: RouteMap, admin: Readonly<Record<string, AdminServer>>): RouteMap {
  const sig = structuralSignature(admin)
  if (sig === '') return rm
  const backends = rm.backends.map((be) => {
    let changed = false
    const servers = be.servers.map((s): Server => {
      const a = admin[`${be.name}/${s.name}`]
      if (!a || (a.addr === undefined && a.port === undefined && !a.checksDisabled)) return s
      changed = true
      return { ...s, ...(a.addr !== undefined ? { host: a.addr } : {}), ...(a.port !== undefined ? { port: a.port } : {}), ...(a.checksDisabled ? { check: false } : {}) }
    })
    return changed ? { ...be, servers } : be
  })
  return { ...rm, hash: `${rm.hash}+a${shortHash(sig)}`, backends }
}
