/**
 * @module
 * The state plane's vocabulary: what the hub (RuntimeState `global`, src/ops/hub.ts) hands the
 * relays (RuntimeState `loc:<colo>`, src/ops/relay.ts) and what a relay hands the isolates of its
 * location (src/ops/runtime-client.ts), and the intervals that bound how fast a change travels.
 *
 *   monitors ──putHealth──▶ hub ◀──relaySync (counters up, state down)── relay ◀──sync── isolates
 *                             └────────push (on every change)─────────▶┘
 *
 * Everything an isolate needs to decide (admin overrides, map/ACL edits, the routing health of
 * every backend, the live RouteMap pointer) travels as one `PlaneState` under one sequence
 * number: an isolate makes one call to an object of its own location to get all of it.
 */
import type { HealthPlan } from '../health/plan.ts'
import type { HealthSnapshot } from '../health/snapshot.ts'
import type { LivePointer } from '../routemap/kv.ts'
import type { AdminServer, IsolateReport } from './types.ts'

export type PatternEntries = readonly (readonly [string, string])[]

/** The runtime state an isolate applies to its engine (admin overrides and pattern edits). */
export interface RuntimeView {
  readonly version: number
  /** Keyed by `backend/server`. */
  readonly admin: Readonly<Record<string, AdminServer>>
  /** Edited pattern references (map files, ACL ids) and their full entry lists. */
  readonly patterns: Readonly<Record<string, PatternEntries>>
}

export const EMPTY_VIEW: RuntimeView = { version: -1, admin: {}, patterns: {} }

/** Everything the hub distributes, under one sequence number bumped by any change. */
export interface PlaneState {
  readonly seq: number
  readonly view: RuntimeView
  /** The routing health of each checked backend (several regions already combined). */
  readonly health: Readonly<Record<string, HealthSnapshot>>
  /** The live RouteMap pointer in KV; null when KV has none; absent when the hub has no KV binding. */
  readonly pointer?: LivePointer | null
}

/** An isolate's sync with its relay. */
export interface IsolateSync {
  readonly isolate: string
  /** The relay's location (`request.cf.colo`; `local` under `edgeproxy dev`). */
  readonly location: string
  readonly report?: IsolateReport
  /** The PlaneState seq the isolate has (-1: none). */
  readonly seq: number
  /** `version@hash` of the live RouteMap the isolate runs ('' for its built-in one). */
  readonly routeMap: string
  /** Check plans the isolate runs but the state has no health for (rare: first start, a push). */
  readonly plans?: readonly HealthPlan[]
  /** Forward the counters to the hub before answering (the stats page, `show stat`). */
  readonly flush?: boolean
}

export interface IsolateAnswer {
  readonly seq: number
  /** Present when `seq` differs from the isolate's. */
  readonly state?: PlaneState
  /** The pointer's RouteMap text, when the isolate runs another one and the relay has read it. */
  readonly routeMapText?: string
  /** When to sync next (adaptive: the relay spreads its isolates' load). */
  readonly nextSyncMs: number
}

/** A relay's sync with the hub. */
export interface RelaySync {
  /** The relay's object name (`loc:<colo>`), for the hub's pushes. */
  readonly relay: string
  /** Its isolates' counters, merged (`isolates` says how many isolates it stands for). */
  readonly report?: IsolateReport
  readonly seq: number
  readonly plans?: readonly HealthPlan[]
  /** `version@hash` of the RouteMap text the relay has ('' for none). */
  readonly routeMap?: string
}

export interface RelayAnswer {
  readonly seq: number
  readonly state?: PlaneState
  /** The pointer's RouteMap text, when the relay has another one (or none). */
  readonly routeMapText?: string
}

/** The hub's object name. */
export const HUB_NAME = 'global'
/** A relay's object name. */
export const relayName = (location: string): string => `loc:${location}`

/** An isolate syncs at least this often while it has traffic (an admin change takes ≤ this + a push). */
export const ISOLATE_SYNC_MS = 3000
/** …and at most this rarely when its relay is busy (nextSyncMs never exceeds it: the 5 s target). */
export const ISOLATE_SYNC_MAX_MS = 4000
/** A relay aims to stay under this many isolate syncs per second (the platform's soft limit is 1,000). */
export const RELAY_TARGET_RPS = 300
/** A relay forwards counters and checks the hub's seq this often while its isolates sync (counters ≤ 10 s). */
export const RELAY_SYNC_MS = 6000
/** A relay that has not heard from the hub for this long waits for it before answering (after an eviction). */
export const RELAY_STALE_MS = 10 * 60_000
/** The hub pushes to a relay heard from within this lease. */
export const RELAY_LEASE_MS = 10 * 60_000
/** The hub re-reads the KV pointer this often while relays call it. */
export const POINTER_POLL_MS = 1000
/**
 * Isolates with traffic send their check plans this often (in a sync they make anyway), and the hub
 * configures the monitors again: it keeps their lease (15 min) without the cron, under `edgeproxy dev`.
 */
export const HEALTH_RENEW_MS = 5 * 60_000
/** The hub persists aggregated counters at most this often (rows written). */
export const COUNTERS_PERSIST_MS = 60_000

/** An isolate's next sync interval, given how many isolates its relay heard from recently. */
export function nextSyncMs(isolates: number): number {
  return Math.min(ISOLATE_SYNC_MAX_MS, Math.max(ISOLATE_SYNC_MS, Math.ceil((isolates * 1000) / RELAY_TARGET_RPS)))
}

/** `version@hash` of a pointer ('' for none). */
export function pointerId(p: LivePointer | null | undefined): string {
  return p ? `${p.version}@${p.hash}` : ''
}
