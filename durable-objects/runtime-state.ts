/**
 * @module
 * The RuntimeState Durable Object: the state plane (src/ops/plane.ts). One class, two roles, told
 * apart by the methods called:
 * - the hub, object `global` (src/ops/hub.ts): admin overrides, map/ACL edits, aggregated
 *   counters, the routing health the monitors publish, the live RouteMap pointer (read from KV),
 *   pushed to every relay on change;
 * - a relay, object `loc:<colo>` (src/ops/relay.ts): what the isolates of one location sync with.
 * The runtime glue only: SQLite storage, the stubs of the other objects, KV.
 */
import { DurableObject } from 'cloudflare:workers'
import type { HealthSnapshot } from '../src/health/snapshot.ts'
import { HubCore, type PlaneStore, type StatsDump } from '../src/ops/hub.ts'
import {
  HUB_NAME,
  type IsolateAnswer,
  type IsolateSync,
  type PatternEntries,
  type PlaneState,
  POINTER_POLL_MS,
  type RelayAnswer,
  type RelaySync,
  type RuntimeView,
  relayName,
} from '../src/ops/plane.ts'
import { RelayCore } from '../src/ops/relay.ts'
import type { AdminPatch } from '../src/ops/types.ts'
import { LIVE_KEY, type LivePointer, parsePointer, versionKey } from '../src/routemap/kv.ts'
import type { KvReader } from '../src/routemap/live.ts'
import { combineSources } from '../src/health/vote.ts'
import { type HealthMonitorNamespace, monitorAccess } from './health-monitor.ts'

export type { PatternEntries, RuntimeView, StatsDump }

const SCHEMA = 'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)'

interface PlaneEnv {
  readonly RUNTIME?: RuntimeStateNamespace
  readonly ROUTEMAPS?: KvReader
  readonly HEALTH?: HealthMonitorNamespace
  readonly EDGEPROXY_POLL_MS?: string
}

/** PlaneStore over the object's SQLite `kv` table (JSON values). */
export function sqlPlaneStore(sql: SqlStorage): PlaneStore {
  sql.exec(SCHEMA)
  return {
    entries: () => [...sql.exec<{ key: string; value: string }>('SELECT key, value FROM kv')].map((r) => [r.key, JSON.parse(r.value) as unknown] as const),
    put: (key, value) => {
      sql.exec('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, JSON.stringify(value))
    },
    delete: (key) => {
      sql.exec('DELETE FROM kv WHERE key = ?', key)
    },
  }
}

export class RuntimeState extends DurableObject<unknown> {
  readonly #store: PlaneStore
  #hub: HubCore | undefined
  #relay: RelayCore | undefined

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env)
    this.#store = sqlPlaneStore(ctx.storage.sql)
  }

  get #env(): PlaneEnv {
    return (this.env ?? {}) as PlaneEnv
  }

  get hub(): HubCore {
    if (!this.#hub) {
      const env = this.#env
      const kv = env.ROUTEMAPS
      const runtime = env.RUNTIME
      this.#hub = new HubCore({
        store: this.#store,
        now: () => Date.now(),
        ...(kv ? { readPointer: async () => parsePointer(await kv.get(LIVE_KEY)) ?? null } : {}),
        push: async (relay, state, text) => {
          if (runtime) await runtime.getByName(relay).push(state, text)
        },
        ...(kv ? { readVersion: (p: LivePointer) => kv.get(versionKey(p.version)) } : {}),
        ...(env.HEALTH ? { monitors: monitorAccess(env.HEALTH) } : {}),
        combine: (_plan, bySource) => combineSources(Object.values(bySource)),
        ...(Number(env.EDGEPROXY_POLL_MS) > 0 ? { pointerPollMs: Math.min(Number(env.EDGEPROXY_POLL_MS), POINTER_POLL_MS) } : {}),
        log: (l) => console.warn(l),
      })
    }
    return this.#hub
  }

  get relay(): RelayCore {
    if (!this.#relay) {
      const env = this.#env
      const kv = env.ROUTEMAPS
      const runtime = env.RUNTIME
      this.#relay = new RelayCore({
        store: this.#store,
        now: () => Date.now(),
        hub: async (req) => {
          if (!runtime) throw new Error('no RUNTIME binding')
          return (await hubStub(runtime).relaySync(req)) as RelayAnswer
        },
        ...(kv ? { readVersion: (p) => kv.get(versionKey(p.version)) } : {}),
        log: (l) => console.warn(l),
      })
    }
    return this.#relay
  }

  // ─── relay (`loc:<colo>`) ────────────────────────────────────────────────

  /** An isolate's sync (relay role). */
  async sync(req: IsolateSync): Promise<IsolateAnswer> {
    return this.relay.sync(req)
  }

  /** The hub's push of a new state, with the RouteMap's text when the pointer moved (relay role). */
  async push(state: PlaneState, routeMapText?: string): Promise<void> {
    this.relay.push(state, routeMapText)
  }

  // ─── hub (`global`) ──────────────────────────────────────────────────────

  async relaySync(req: RelaySync): Promise<RelayAnswer> {
    return this.hub.relaySync(req)
  }

  async putHealth(source: string, snapshot: HealthSnapshot): Promise<void> {
    this.hub.putHealth(source, snapshot)
  }

  async stats(): Promise<StatsDump> {
    return this.hub.stats()
  }

  async setAdmin(backend: string, server: string, patch: AdminPatch): Promise<RuntimeView> {
    return this.hub.setAdmin(backend, server, patch)
  }

  async putPatterns(ref: string, entries: PatternEntries): Promise<RuntimeView> {
    return this.hub.putPatterns(ref, entries)
  }

  async clearCounters(all: boolean): Promise<void> {
    this.hub.clearCounters(all)
  }

  /** The hub's state now (the cron watchdog re-reads the pointer first). */
  async state(pollPointer = false): Promise<PlaneState> {
    if (pollPointer) await this.hub.pollPointer()
    return this.hub.state()
  }
}

export type RuntimeStateNamespace = DurableObjectNamespace<RuntimeState>

/** The hub (the object named `global`). */
export function hubStub(ns: RuntimeStateNamespace): DurableObjectStub<RuntimeState> {
  return ns.getByName(HUB_NAME)
}

/** The hub: operators' writes and the stats pages go to it. */
export const runtimeStub = hubStub

/** The relay of a location (created near its first caller: in or next to that location). */
export function relayStub(ns: RuntimeStateNamespace, location: string): DurableObjectStub<RuntimeState> {
  return ns.getByName(relayName(location))
}
