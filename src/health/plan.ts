/**
 * @module
 * The check plan of a backend: what the HealthMonitor Durable Object runs, extracted from a
 * compiled RouteMap. Which servers are checked (those with `check` or `agent-check`),
 * their agent (address, port, interval, what to send), where the check connects
 * (`addr`/`port` or the server's own address), its timing (inter, fastinter, downinter, rise,
 * fall, slowstart), its timeouts (reference §3.3), passive health (`observe`, `on-error`,
 * `error-limit`), and what the probe sends and expects (src/health/probe-spec.ts).
 * Plain JSON: it crosses the Worker → Durable Object RPC boundary and is stored by the object.
 */
import { hasDynamicWeights as dynamicWeights } from '../balance/slowstart.ts'
import type { Backend, RouteMap, Server } from '../routemap/schema.ts'
import { type ProbeSpec, probeSpec } from './probe-spec.ts'

export type OnError = 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down'

/** Timing and thresholds of one server's checks (all times in ms). */
export interface CheckTiming {
  readonly rise: number
  readonly fall: number
  readonly interMs: number
  readonly fastinterMs?: number
  readonly downinterMs?: number
  /** Whole seconds × 1000 (HAProxy stores slowstart in seconds, rounded up). 0 = none. */
  readonly slowstartMs: number
}

/**
 * Check timeouts (tcpcheck.c `tcpcheck_eval_connect`): the connection may take `connectMs`;
 * once connected, the rest of the check may take `readMs` when `timeout check` is set.
 * Without `timeout check`, `inter` bounds the whole check.
 */
export interface CheckTimeouts {
  /** `min(inter, timeout connect)` when both `timeout check` and `timeout connect` are set, else inter. */
  readonly connectMs: number
  /** `timeout check`, counted from the moment the connection is established. */
  readonly readMs?: number
  /** Bound of the whole check when `timeout check` is unset: inter. */
  readonly totalMs: number
}

export interface ServerPlan extends CheckTiming {
  readonly name: string
  /** puid (1-based unless `id` was set). */
  readonly id: number
  /** `addr` if set, else the server's host (empty for `0.0.0.0`/`*`: not checkable). */
  readonly address: string
  /** `port` if set, else the server's port; undefined when neither is known. */
  readonly port?: number
  /** `ssl` on the server line: HTTPS / TLS for the check too. */
  readonly ssl: boolean
  readonly backup: boolean
  /** `disabled`: MAINT from the start, never checked. */
  readonly disabled: boolean
  /** uweight (0..256). */
  readonly weight: number
  readonly timeouts: CheckTimeouts
  readonly observe?: 'layer4' | 'layer7'
  readonly onError: OnError
  readonly errorLimit: number
  /** `agent-check`: the agent this monitor also polls. */
  readonly agent?: AgentPlan
  /** The server has `agent-check` but no `check`: only the agent drives its state. */
  readonly agentOnly?: boolean
}

/** An agent check (`agent-check`, `agent-port`, `agent-addr`, `agent-inter`, `agent-send`). */
export interface AgentPlan {
  readonly address: string
  readonly port: number
  readonly interMs: number
  /** `agent-send`: sent once connected (nothing when unset). */
  readonly send?: string
  readonly timeouts: CheckTimeouts
}

export interface HealthPlan {
  readonly backend: string
  /** The RouteMap the plan came from (configure() is idempotent per hash). */
  readonly routeMapHash: string
  readonly probe: ProbeSpec
  /** True for algorithms whose weights are dynamic (roundrobin, leastconn, first, random, consistent hashing): slowstart ramps them. */
  readonly dynamicWeights: boolean
  /** Global `spread-checks` (0..50): ±% random on every interval. */
  readonly spreadChecks: number
  /** Checked servers only, in declaration order. Servers without `check` are always UP ("no check"). */
  readonly servers: readonly ServerPlan[]
  /** `health-location`: where the backend's HealthMonitor (and so its checks) runs. */
  readonly locationHint?: string
  /**
   * `health-regions`: the backend is checked from each of these location hints (one monitor group
   * per region) and its servers are DOWN only when a strict majority says so (vote.ts).
   */
  readonly regions?: readonly string[]
}

/** True when HAProxy's lbprm has `BE_LB_PROP_DYN` (weights may change at run time). */
export function hasDynamicWeights(be: Backend): boolean {
  return dynamicWeights(be.balance, be.hash)
}

export function checkTimeouts(interMs: number, t: { readonly connect?: number; readonly check?: number }): CheckTimeouts {
  if (t.check !== undefined && t.check > 0) {
    const connectMs = t.connect !== undefined && t.connect > 0 ? Math.min(interMs, t.connect) : interMs
    return { connectMs, readMs: t.check, totalMs: connectMs + t.check }
  }
  return { connectMs: interMs, totalMs: interMs }
}

function serverPlan(be: Backend, s: Server): ServerPlan {
  const port = s.checkPort ?? s.port
  return {
    name: s.name,
    id: s.id,
    address: s.checkAddr ?? s.host,
    ...(port !== undefined ? { port } : {}),
    ssl: s.ssl,
    backup: s.backup,
    disabled: s.disabled,
    weight: s.weight,
    rise: s.rise,
    fall: s.fall,
    interMs: s.interMs,
    ...(s.fastinterMs !== undefined ? { fastinterMs: s.fastinterMs } : {}),
    ...(s.downinterMs !== undefined ? { downinterMs: s.downinterMs } : {}),
    slowstartMs: s.slowstartMs,
    timeouts: checkTimeouts(s.interMs, be.timeouts),
    ...(s.observe ? { observe: s.observe } : {}),
    onError: isOnError(s.onError) ? s.onError : 'fail-check',
    errorLimit: s.errorLimit,
    ...(s.agent
      ? {
          agent: {
            address: s.agent.addr ?? s.checkAddr ?? s.host,
            port: s.agent.port,
            interMs: s.agent.interMs,
            ...(s.agent.send !== undefined ? { send: s.agent.send } : {}),
            timeouts: checkTimeouts(s.agent.interMs, be.timeouts),
          },
        }
      : {}),
    ...(!s.check ? { agentOnly: true } : {}),
  }
}

function isOnError(v: string | undefined): v is OnError {
  return v === 'fastinter' || v === 'fail-check' || v === 'sudden-death' || v === 'mark-down'
}

/** The plan of one backend, or undefined when none of its servers has `check` or `agent-check`. */
export function backendPlan(map: RouteMap, be: Backend): HealthPlan | undefined {
  const servers = be.servers.filter((s) => s.check || s.agent).map((s) => serverPlan(be, s))
  if (servers.length === 0) return undefined
  return {
    backend: be.name,
    routeMapHash: map.hash,
    probe: probeSpec(be.check),
    dynamicWeights: hasDynamicWeights(be),
    spreadChecks: Math.max(0, Math.min(50, map.global.spreadChecks ?? 0)),
    servers,
    ...(be.healthLocation ? { locationHint: be.healthLocation } : {}),
    ...(be.healthRegions && be.healthRegions.length > 0 ? { regions: [...be.healthRegions] } : {}),
  }
}

/** Plans of every backend that has at least one checked server, in config order. */
export function healthPlans(map: RouteMap): HealthPlan[] {
  const out: HealthPlan[] = []
  for (const be of map.backends) {
    const p = backendPlan(map, be)
    if (p) out.push(p)
  }
  return out
}
