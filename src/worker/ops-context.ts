/**
 * @module
 * The operations side of an isolate: stats as of now (counters of every isolate, health, admin
 * state), admin changes, and the runtime API's context.
 */
import { runtimeStub } from '../../durable-objects/runtime-state.ts'
import type { StickTableNamespace } from '../../durable-objects/stick-table.ts'
import type { ApiContext, ApiLevel } from '../api/context.ts'
import { durableTableAccess } from '../../durable-objects/table-access.ts'
import type { RuntimeViewLike } from '../ops/runtime-client.ts'
import type { AdminPatch } from '../ops/types.ts'
import type { HealthSnapshot } from '../health/snapshot.ts'
import type { StatsInput } from '../stats/input.ts'
import type { RouteMap } from '../routemap/schema.ts'
import type { Env } from './env.ts'
import type { Built, Isolate } from './isolate.ts'

/**
 * Stats as of now: this isolate's counters flushed through its relay to the hub first; each
 * backend's check details read from its monitor (the state plane carries routing changes only),
 * the routing snapshot when the monitor does not answer.
 */
export async function statsInput(env: Env, iso: Isolate, built: Built): Promise<StatsInput> {
  await iso.runtime?.sync(true)
  const details = new Map<string, HealthSnapshot>()
  await Promise.all(
    built.backends.map(async (b) => {
      const snap = await iso.loader(b).catch(() => undefined)
      if (snap) details.set(b, snap)
    }),
  )
  const dump = env.RUNTIME ? await runtimeStub(env.RUNTIME).stats() : undefined
  const admin = iso.runtime?.view.admin ?? {}
  return {
    routeMap: built.routeMap,
    now: Date.now(),
    startedAt: dump?.startedAt ?? iso.startedAt,
    counters: (k) => dump?.counters[k],
    health: (b) => details.get(b) ?? iso.health?.get(b),
    admin: (b, s) => admin[`${b}/${s}`],
    isolates: dump?.isolates ?? 1,
    ...(iso.version ? { version: iso.version } : {}),
  }
}

export async function setAdmin(env: Env, iso: Isolate, backend: string, server: string, patch: AdminPatch): Promise<void> {
  if (!env.RUNTIME) throw new Error('no RUNTIME Durable Object binding: admin changes need it')
  iso.runtime?.adopt((await runtimeStub(env.RUNTIME).setAdmin(backend, server, patch)) as unknown as RuntimeViewLike)
}

export function apiContext(env: Env, iso: Isolate, built: Built, base: RouteMap, level: ApiLevel): ApiContext {
  return {
    routeMap: base,
    level,
    stats: () => statsInput(env, iso, built),
    admin: (b, s) => iso.runtime?.view.admin[`${b}/${s}`],
    setAdmin: (b, s, p) => setAdmin(env, iso, b, s, p),
    clearCounters: async (all) => {
      await iso.runtime?.sync(true)
      if (env.RUNTIME) await runtimeStub(env.RUNTIME).clearCounters(all)
    },
    tables: durableTableAccess(env.STICK as StickTableNamespace, built.routeMap),
    patterns: {
      get: (ref) => iso.runtime?.view.patterns[ref],
      put: async (ref, entries) => {
        if (!env.RUNTIME) throw new Error('no RUNTIME Durable Object binding: map and ACL edits need it')
        iso.runtime?.adopt((await runtimeStub(env.RUNTIME).putPatterns(ref, entries)) as unknown as RuntimeViewLike)
      },
    },
  }
}
