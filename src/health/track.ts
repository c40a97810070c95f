/**
 * @module
 * Server tracking (`track [<backend>/]<server>`, server.c `srv_set_*` propagating to
 * `trackers`): a tracking server has no check of its own and takes the operational state of the
 * server at the end of its chain (DOWN, NOLB, slowstart), and inherits its maintenance and
 * drain; its own admin state (maint, drain, weight) still applies. `withTracking` wraps the
 * engine's server states so balancing follows the tracked server; the compiler has already
 * refused unknown targets and loops (src/config/finalize.ts).
 */
import type { ServerStates } from '../engine/server-states.ts'
import type { RouteMap } from '../routemap/schema.ts'

/** `backend/server` → the `backend/server` its chain ends at, for every tracking server. */
export function trackTargets(map: RouteMap): Map<string, { readonly backend: string; readonly server: string }> {
  const byKey = new Map<string, string | undefined>()
  for (const be of map.backends) for (const s of be.servers) byKey.set(`${be.name}/${s.name}`, s.track === undefined ? undefined : s.track.includes('/') ? s.track : `${be.name}/${s.track}`)
  const out = new Map<string, { backend: string; server: string }>()
  for (const [key, first] of byKey) {
    if (first === undefined) continue
    let ref = first
    for (let hops = 0; hops < 64; hops++) {
      const next = byKey.get(ref)
      if (next === undefined) break
      ref = next
    }
    const i = ref.lastIndexOf('/')
    out.set(key, { backend: ref.slice(0, i), server: ref.slice(i + 1) })
  }
  return out
}

/** The states with tracking applied; `inner` unchanged when no server tracks another. */
export function withTracking(inner: ServerStates, map: RouteMap): ServerStates {
  const targets = trackTargets(map)
  if (targets.size === 0) return inner
  const ref = (b: string, s: string) => targets.get(`${b}/${s}`)
  return {
    ...(inner.version ? { version: inner.version.bind(inner) } : {}),
    isUp: (b, s) => {
      const r = ref(b, s)
      return inner.isUp(b, s) && (!r || inner.isUp(r.backend, r.server))
    },
    isUsable: (b, s) => {
      const r = ref(b, s)
      return inner.isUsable(b, s) && (!r || inner.isUsable(r.backend, r.server))
    },
    startedAt: (b, s) => {
      const r = ref(b, s)
      return r ? inner.startedAt?.(r.backend, r.server) : inner.startedAt?.(b, s)
    },
    ...(inner.weight ? { weight: inner.weight.bind(inner) } : {}),
  }
}
