/**
 * @module
 * The RUNTIME binding's objects in the simulation: what durable-objects/runtime-state.ts does —
 * one class, two roles: the hub (`global`, HubCore of src/ops/hub.ts) and a relay per location
 * (`loc:<colo>`, RelayCore of src/ops/relay.ts) — over the same runtime-free cores, with a
 * PlaneStore that counts the rows SQLite would write, and the other objects and KV reached from
 * the object's own site through the platform. Keep in step with the Durable Object class.
 */
import type { SourceName } from '../../../src/cost/model.ts'
import { combineSources } from '../../../src/health/vote.ts'
import { HubCore, type PlaneStore } from '../../../src/ops/hub.ts'
import { HUB_NAME, type RelayAnswer } from '../../../src/ops/plane.ts'
import { RelayCore } from '../../../src/ops/relay.ts'
import type { IsolateReport } from '../../../src/ops/types.ts'
import { LIVE_KEY, parsePointer, versionKey } from '../../../src/routemap/kv.ts'
import { type HealthMonitorNamespace, monitorAccess } from '../../../durable-objects/health-monitor.ts'
import type { RuntimeStateNamespace } from '../../../durable-objects/runtime-state.ts'
import type { BindingSpec, ObjectCore, Platform, RowMeter } from '../bindings.ts'

/** A PlaneStore in a Map; every put or delete is a row written. */
function countedStore(rows: RowMeter): PlaneStore {
  const m = new Map<string, unknown>()
  return {
    entries: () => [...m],
    put: (k, v) => {
      rows.write()
      m.set(k, structuredClone(v))
    },
    delete: (k) => {
      rows.write()
      m.delete(k)
    },
  }
}

/** Requests (frontend `stot`) a report carries: counted as lost when its call fails. */
export function reportedRequests(report: IsolateReport | undefined): number {
  let n = 0
  for (const [k, c] of Object.entries(report?.counters ?? {})) if (k.startsWith('fe:')) n += c.stot ?? 0
  return n
}

/** The requests the hub has heard of: the sum of every frontend's `stot` in its aggregate. */
export function hubRequests(hub: HubCore): number {
  let n = 0
  for (const [k, c] of Object.entries(hub.stats().counters)) if (k.startsWith('fe:')) n += c.stot
  return n
}

export interface RuntimeBinding {
  readonly spec: BindingSpec
  /** The hub's core, once made. */
  hub?: HubCore
  readonly relays: Map<string, RelayCore>
  /** Requests carried by syncs that failed (their counters are gone). */
  lost: number
}

/** Cost source per method: isolate syncs, relay syncs, state pushed (health), the cron's poll. */
const SOURCES: Readonly<Record<string, SourceName>> = { sync: 'runtime', relaySync: 'relay', push: 'snapshots', putHealth: 'snapshots', state: 'cron' }

export function runtimeBinding(platform: Platform): RuntimeBinding {
  const b: RuntimeBinding = {
    relays: new Map(),
    lost: 0,
    spec: {
      binding: 'RUNTIME',
      create: (name: string, site: string, rows: RowMeter): ObjectCore => {
        const store = countedStore(rows)
        const runtime = platform.namespace('RUNTIME', site) as unknown as RuntimeStateNamespace
        const kv = platform.kv(site)
        const health = platform.namespace('HEALTH', site) as unknown as HealthMonitorNamespace
        let hub: HubCore | undefined
        let relay: RelayCore | undefined
        // The roles are made on first use, as the class's getters do.
        const hubOf = (): HubCore => {
          hub ??= new HubCore({
            store,
            now: () => Date.now(),
            readPointer: async () => parsePointer(await kv.get(LIVE_KEY)) ?? null,
            push: async (r, state, text) => {
              await (runtime.getByName(r) as unknown as { push(s: unknown, t?: string): Promise<void> }).push(state, text)
            },
            readVersion: (p) => kv.get(versionKey(p.version)),
            monitors: monitorAccess(health),
            combine: (_plan, bySource) => combineSources(Object.values(bySource)),
          })
          if (name === HUB_NAME) b.hub = hub
          return hub
        }
        const relayOf = (): RelayCore => {
          relay ??= new RelayCore({
            store,
            now: () => Date.now(),
            hub: async (req) => (await (runtime.getByName(HUB_NAME) as unknown as { relaySync(r: unknown): Promise<RelayAnswer> }).relaySync(req)) as RelayAnswer,
            readVersion: (p) => kv.get(versionKey(p.version)),
          })
          b.relays.set(name, relay)
          return relay
        }
        return {
          methods: {
            sync: async (req: never) => relayOf().sync(req),
            push: async (state: never, text?: string) => relayOf().push(state, text),
            relaySync: async (req: never) => hubOf().relaySync(req),
            putHealth: async (source: string, snap: never) => hubOf().putHealth(source, snap),
            stats: async () => hubOf().stats(),
            setAdmin: async (backend: string, server: string, patch: never) => hubOf().setAdmin(backend, server, patch),
            putPatterns: async (ref: string, entries: never) => hubOf().putPatterns(ref, entries),
            clearCounters: async (all: boolean) => hubOf().clearCounters(all),
            state: async (poll?: boolean) => {
              if (poll) await hubOf().pollPointer()
              return hubOf().state()
            },
          },
        }
      },
      source: (method): SourceName => SOURCES[method] ?? 'runtime',
      lost: (method, args) => {
        if (method === 'sync' || method === 'relaySync') b.lost += reportedRequests((args[0] as { report?: IsolateReport } | undefined)?.report)
      },
    },
  }
  return b
}
