/**
 * @module
 * What one isolate keeps between requests: the live RouteMap, the stats counters, the runtime
 * client, the health snapshots, the stick-table store and the engine built for the current map.
 */
import { durableStickStore } from '../../durable-objects/stick-table.ts'
import { relayStub } from '../../durable-objects/runtime-state.ts'
import type { Engine } from '../engine/index.ts'
import type { BalancerStore } from '../engine/server-select.ts'
import { engineNames } from '../engine/known-names.ts'
import type { HealthPlan } from '../health/plan.ts'
import type { HealthSnapshot } from '../health/snapshot.ts'
import { SnapshotCache } from '../health/snapshot.ts'
import { Accounting } from '../ops/accounting.ts'
import { type RelayRemote, RuntimeClient } from '../ops/runtime-client.ts'
import type { HandlerDeps } from '../proxy/handler.ts'
import embedded from '../routemap/embedded.json'
import { DEFAULT_POLL_MS, LiveRouteMap } from '../routemap/live.ts'
import { ROUTEMAP_SCHEMA, type RouteMap } from '../routemap/schema.ts'
import type { RemoteStickFactory } from '../state/remote-stick.ts'
import type { Env } from './env.ts'

/** The engine for one effective RouteMap. */
export interface Built {
  readonly key: string
  readonly routeMap: RouteMap
  readonly engine: Engine
  readonly plans: readonly HealthPlan[]
  readonly backends: readonly string[]
  readonly accessLog: HandlerDeps['accessLog']
  /** Some frontend or backend has a stick table (else no request waits for the store). */
  readonly sticky: boolean
  /** Some server has `observe` (passive health). */
  readonly observes: boolean
  /** The origin fetch, per server: the VPC network binding or the global fetch() (egress.ts). */
  readonly upstream: HandlerDeps['upstream']
  /** The stats page and services for this engine, made for `servicesEnv`. */
  services?: NonNullable<HandlerDeps['services']>
  servicesEnv?: Env
}

/** Everything one isolate keeps. */
export interface Isolate {
  /** The fallback RouteMap text it was made for (tests run several in one isolate). */
  readonly envKey: string
  readonly id: string
  /** Its Cloudflare location (the relay it syncs with). */
  readonly location: string
  readonly startedAt: number
  readonly live: LiveRouteMap
  readonly accounting: Accounting
  readonly runtime?: RuntimeClient
  readonly health?: SnapshotCache
  readonly stick?: RemoteStickFactory
  /** The health snapshot loader for the current plans (swapped with the engine). */
  loader: (backend: string) => Promise<HealthSnapshot | undefined>
  built?: Built
  /** The live map and runtime view `built` was last checked against. */
  builtFrom?: { readonly routeMap: RouteMap; readonly view: object | undefined }
  /** The live version of `built`'s base RouteMap. */
  version?: string
  /** The plans last reported as lacking health (`backend@hash` list) and when. */
  wanted?: { readonly key: string; readonly at: number }
  /** Whether `built`'s plans lacked health, as of the snapshots' version (recomputed only when either changes). */
  healthSeen?: { readonly built: Built; readonly version: number; readonly missing: boolean }
  /** When all plans were last sent to keep the monitors' lease (HEALTH_RENEW_MS). */
  renewedAt?: number
  /** The balancers of the engines built for one RouteMap (runtime edits rebuild the engine, not them). */
  balancers?: { readonly hash: string; readonly store: BalancerStore }
}

let isolate: Isolate | undefined

/**
 * The user's compiled RouteMap, put in the bundle by `edgeproxy deploy` (wrangler's `define`:
 * src/cli/deploy-config.ts), so a first deploy serves the user's configuration, never the demo.
 * Undeclared (typeof 'undefined') in any other build.
 */
declare const __EDGEPROXY_ROUTEMAP__: RouteMap | undefined

function builtInRouteMap(): RouteMap {
  return typeof __EDGEPROXY_ROUTEMAP__ === 'undefined' ? (embedded as RouteMap) : __EDGEPROXY_ROUTEMAP__
}

function fallbackRouteMap(env: Env): RouteMap {
  const parsed = (env.EDGEPROXY_ROUTEMAP ? JSON.parse(env.EDGEPROXY_ROUTEMAP) : builtInRouteMap()) as RouteMap
  if (parsed.schema !== ROUTEMAP_SCHEMA) throw new Error(`unsupported RouteMap schema '${String(parsed.schema)}'`)
  return parsed
}

export interface IsolateOptions {
  /** The isolate's Cloudflare location (`request.cf.colo`; `local` under `edgeproxy dev`): its relay. */
  readonly location: string
  readonly now?: () => number
  readonly id?: string
  readonly log?: (line: string) => void
}

/**
 * A new isolate's state: the live RouteMap (fed by the state plane, read from KV when the relay
 * has no text), the counters, the runtime client (its relay `loc:<location>`), the routing health
 * (from the same sync), the stick-table store.
 */
export function createIsolate(env: Env, o: IsolateOptions): Isolate {
  const now = o.now ?? (() => Date.now())
  const log = o.log ?? ((l: string) => console.warn(l))
  const envKey = env.EDGEPROXY_ROUTEMAP ?? 'embedded'
  const pollMs = Number(env.EDGEPROXY_POLL_MS) > 0 ? Number(env.EDGEPROXY_POLL_MS) : DEFAULT_POLL_MS
  const live = new LiveRouteMap(env.ROUTEMAPS, () => fallbackRouteMap(env), { pollMs, now, log, names: engineNames() })
  const accounting = new Accounting()
  const id = o.id ?? crypto.randomUUID()
  const health = env.HEALTH ? new SnapshotCache({ load: (b) => self.loader(b), now }) : undefined
  const runtimeNs = env.RUNTIME
  const runtime = runtimeNs
    ? new RuntimeClient(() => relayStub(runtimeNs, o.location) as unknown as RelayRemote, {
        now,
        isolate: id,
        location: o.location,
        report: () => accounting.takeReport(id, now()),
        routeMap: () => live.id,
        // `edgeproxy dev` (EDGEPROXY_POLL_MS, one isolate): changes are picked up at that pace.
        ...(Number(env.EDGEPROXY_POLL_MS) > 0 ? { maxSyncMs: Number(env.EDGEPROXY_POLL_MS) } : {}),
        onHealth: (h) => health?.accept(h),
        onRouteMap: (pointer, text) => {
          live.offer(pointer, text).catch(() => {})
        },
        log,
      })
    : undefined
  const self: Isolate = {
    envKey,
    id,
    location: o.location,
    startedAt: now(),
    live,
    accounting,
    ...(runtime ? { runtime } : {}),
    ...(health ? { health } : {}),
    loader: async () => undefined,
    ...(env.STICK ? { stick: durableStickStore(env.STICK, { location: o.location, isolate: id, log }) } : {}),
  }
  return self
}

/** The isolate's state, made on its first request (again when the fallback RouteMap changes). */
export function init(env: Env, location = 'local'): Isolate {
  const envKey = env.EDGEPROXY_ROUTEMAP ?? 'embedded'
  if (isolate?.envKey === envKey) return isolate
  isolate = createIsolate(env, { location })
  return isolate
}
