/**
 * @module
 * One server's health as HAProxy keeps it (reference §3.2, §3.3, §3.6): the rise/fall health
 * counter (check.c `set_server_check_status`), the operational state it drives
 * (`check_notify_failure|success|stopping` → STOPPED / RUNNING or STARTING / STOPPING),
 * the delay before the next check (server.c `srv_getinter`), the text shown in stats, and the
 * slowstart weight ramp (server.c `server_recalc_eweight`). Pure functions over plain records;
 * time is always passed in.
 */
import { BE_WEIGHT_SCALE } from '../balance/groups.ts'
import { slowstartW } from '../balance/slowstart.ts'
import type { CheckTiming } from './plan.ts'
import { type CheckResult, type CheckStatus, checkResultKind } from './status.ts'

/** HAProxy's `srv_state`: STARTING is UP during slowstart, STOPPING is NOLB (disable-on-404). */
export type OpState = 'RUNNING' | 'STARTING' | 'STOPPING' | 'STOPPED'

export interface ServerHealth {
  /** 0..rise+fall−1; the server is up when health ≥ rise. */
  readonly health: number
  readonly state: OpState
  /** `disabled` (MAINT): never checked, never up. */
  readonly maint: boolean
  readonly checkStatus: CheckStatus
  readonly checkCode?: number
  readonly checkInfo: string
  /** −1 for passive (HANA) results, like HAProxy. */
  readonly checkDurationMs?: number
  /** When the last active check finished (ms epoch). */
  readonly lastCheck?: number
  /** Last UP↔DOWN/NOLB transition (ms epoch). */
  readonly lastChange: number
  /** Due time of the next active check (ms epoch). */
  readonly nextCheck: number
  /** CHK_ST_FASTINTER: `on-error` asked for fastinter until the next check completes. */
  readonly fastinter: boolean
  /** Consecutive passive errors (observe). */
  readonly consecutiveErrors: number
  /** chkfail: failed checks that lowered health. */
  readonly failedChecks: number
  /** chkdown: UP→DOWN transitions. */
  readonly downTransitions: number
  /** hanafail: on-error actions triggered by passive health. */
  readonly hanaFailures: number
  /** The agent check's own state (`agent-check`), see agent.ts. */
  readonly agent?: AgentHealth
  /** User weight set by the agent (`75%`): absent means the configured weight. */
  readonly agentWeight?: number
  /** Admin state set by the agent: `drain` (no load balancing) or `maint` (out of everything, health check paused). */
  readonly agentAdmin?: 'drain' | 'maint'
}

/** An agent check's state (HAProxy's `srv->agent`: rise = fall = 1). */
export interface AgentHealth {
  /** 0 (down) or 1 (up). */
  readonly health: number
  readonly status: CheckStatus
  readonly code?: number
  readonly info: string
  readonly durationMs?: number
  readonly lastCheck?: number
  readonly nextCheck: number
}

/** What changed in the operational state, for logs. */
export type Transition = 'UP' | 'DOWN' | 'NOLB' | undefined

/** The server's health at start-up: UP with health = rise ("up, but will fall at first failure"); `disabled` starts DOWN in MAINT. */
export function initialHealth(t: CheckTiming, disabled: boolean, now: number): ServerHealth {
  return {
    health: disabled ? 0 : t.rise,
    state: disabled ? 'STOPPED' : 'RUNNING',
    maint: disabled,
    checkStatus: 'INI',
    checkInfo: '',
    lastChange: now,
    nextCheck: now,
    fastinter: false,
    consecutiveErrors: 0,
    failedChecks: 0,
    downTransitions: 0,
    hanaFailures: 0,
  }
}

export function fullHealth(t: CheckTiming): number {
  return t.rise + t.fall - 1
}

/** Moves a finished slowstart (STARTING for ≥ slowstart whole seconds) to RUNNING. */
export function settle(h: ServerHealth, t: CheckTiming, now: number): ServerHealth {
  if (h.state !== 'STARTING') return h
  const s = Math.floor(t.slowstartMs / 1000)
  const nowSec = Math.floor(now / 1000)
  const lastSec = Math.floor(h.lastChange / 1000)
  if (s > 0 && nowSec >= lastSec && nowSec < lastSec + s) return h
  // The warm-up task promotes the server on the first whole second past the ramp; last_change moves with it.
  return { ...h, state: 'RUNNING', lastChange: nowSec < lastSec || s <= 0 ? now : (lastSec + s) * 1000 }
}

/** The health counter after a result (check.c `set_server_check_status`). */
function nextHealth(h: ServerHealth, t: CheckTiming, status: CheckStatus): { health: number; failed: boolean } {
  const kind = checkResultKind(status)
  if (kind === 'failed') {
    if (h.health <= 0) return { health: h.health, failed: false }
    const health = h.health - 1
    return { health: health < t.rise ? 0 : health, failed: true }
  }
  if (kind === 'passed' || kind === 'condpass') {
    if (h.health >= fullHealth(t)) return { health: h.health, failed: false }
    const health = h.health + 1
    return { health: health >= t.rise ? fullHealth(t) : health, failed: false }
  }
  return { health: h.health, failed: false }
}

/** The operational state after the health changed (check.c `check_notify_*`, server.c `srv_set_*`). */
function nextState(h: ServerHealth, t: CheckTiming, status: CheckStatus, health: number): OpState {
  if (h.maint) return h.state
  const kind = checkResultKind(status)
  if (kind === 'failed') return health === 0 ? 'STOPPED' : h.state
  if (health < t.rise) return h.state
  if (kind === 'condpass') return 'STOPPING'
  if (kind === 'passed' && (h.state === 'STOPPED' || h.state === 'STOPPING')) {
    // check_notify_success: an agent that says the server is down keeps it down.
    if (h.agent && h.agent.health < 1) return h.state
    return t.slowstartMs > 0 ? 'STARTING' : 'RUNNING'
  }
  return h.state
}

function transitionOf(from: OpState, to: OpState): Transition {
  if (from === to) return undefined
  if (to === 'STOPPED') return 'DOWN'
  if (to === 'STOPPING') return 'NOLB'
  return from === 'STOPPED' || from === 'STOPPING' ? 'UP' : undefined
}

/**
 * Applies a check result (active, or HANA from passive health) to the server's health and
 * operational state. `nextCheck` is left alone; see `scheduleNext`.
 */
export function applyResult(h0: ServerHealth, t: CheckTiming, r: CheckResult, now: number): { readonly health: ServerHealth; readonly transition: Transition } {
  const h = settle(h0, t, now)
  const { health, failed } = nextHealth(h, t, r.status)
  // A server the agent put in maintenance keeps its state (its check is paused anyway).
  const state = h.agentAdmin === 'maint' ? h.state : nextState(h, t, r.status, health)
  const kind = checkResultKind(r.status)
  const transition = transitionOf(h.state, state)
  // Each check sets its own code (or none); a passive (HANA) result leaves the last one.
  const { checkCode: previousCode, ...rest } = h
  const code = r.code ?? (r.status === 'HANA' ? previousCode : undefined)
  return {
    transition,
    health: {
      ...rest,
      health,
      state,
      checkStatus: r.status,
      ...(code !== undefined ? { checkCode: code } : {}),
      checkInfo: r.info ?? '',
      checkDurationMs: r.status === 'HANA' ? -1 : r.durationMs,
      ...(r.status === 'HANA' ? {} : { lastCheck: now }),
      // srv_update_status: last_change moves on every change of the operational state.
      lastChange: state !== h.state ? now : h.lastChange,
      consecutiveErrors: kind === 'passed' || kind === 'condpass' ? 0 : h.consecutiveErrors,
      failedChecks: h.failedChecks + (failed ? 1 : 0),
      downTransitions: h.downTransitions + (transition === 'DOWN' ? 1 : 0),
    },
  }
}

/** server.c `srv_getinter`: inter when fully up, downinter when down, fastinter in between (or when forced). */
export function checkInterval(h: ServerHealth, t: CheckTiming): number {
  if (!h.fastinter && h.health === fullHealth(t)) return t.interMs
  if (h.state === 'STOPPED' && h.health === 0) return t.downinterMs ?? t.interMs
  return t.fastinterMs ?? t.interMs
}

/**
 * The delay until the next check, with `spread-checks` (check.c `process_chk_conn`):
 * `rv = inter × P / 100; rv −= 2 × rv × random` (random in [0, 1]).
 */
export function nextDelay(h: ServerHealth, t: CheckTiming, spreadChecks: number, random: () => number): number {
  const inter = checkInterval(h, t)
  if (spreadChecks <= 0) return inter
  let rv = Math.trunc((inter * spreadChecks) / 100)
  rv -= Math.trunc(2 * rv * random())
  return inter + rv
}

/** Schedules the next check `delay` after `finishedAt` and clears the forced-fastinter flag. */
export function scheduleNext(h: ServerHealth, finishedAt: number, delay: number): ServerHealth {
  return { ...h, nextCheck: finishedAt + delay, fastinter: false }
}

/** RUNNING or STARTING or STOPPING (NOLB keeps persistence), and not in MAINT. */
export function isUp(h: ServerHealth): boolean {
  return !h.maint && h.agentAdmin !== 'maint' && h.state !== 'STOPPED'
}

/** Takes load-balanced traffic: RUNNING or STARTING, not MAINT nor DRAIN, weight not set to 0 by the agent. */
export function isUsable(h: ServerHealth): boolean {
  return !h.maint && h.agentAdmin === undefined && h.agentWeight !== 0 && (h.state === 'RUNNING' || h.state === 'STARTING')
}

/**
 * The status text of stats and `x-haproxy-server-state` (check.c `httpchk_build_status_header`):
 * `UP`, `UP 2/3` (going down), `DOWN`, `DOWN 1/2` (going up), `NOLB`, `NOLB 2/3`, `MAINT`.
 */
export function statusText(h: ServerHealth, t: CheckTiming): string {
  if (h.maint || h.agentAdmin === 'maint') return 'MAINT'
  if (h.state === 'STOPPED' && h.agent && h.agent.health < 1) return 'DOWN (agent)'
  if (h.agentAdmin === 'drain' && h.state !== 'STOPPED' && h.state !== 'STOPPING') return 'DRAIN (agent)'
  if (h.state !== 'STOPPED') {
    const word = h.state === 'STOPPING' ? 'NOLB' : 'UP'
    return h.health === fullHealth(t) ? word : `${word} ${h.health - t.rise + 1}/${t.fall}`
  }
  return h.health === 0 ? 'DOWN' : `DOWN ${h.health}/${t.rise}`
}

/** BE_WEIGHT_SCALE: HAProxy's eweight is uweight × 16 for dynamic algorithms. */
export const WEIGHT_SCALE = BE_WEIGHT_SCALE

/**
 * Effective weight (server.c `server_recalc_eweight`), on HAProxy's scale (uweight × 16 when
 * fully up). During slowstart, with S = slowstart in whole seconds and t = whole seconds since
 * the server came up: `w = (16 × t + S) / S` (integer), so the weight climbs in 16 steps from
 * uweight/16 to uweight. Static algorithms (`dynamic` false) keep their full weight.
 * A server that is not usable has weight 0.
 */
export function effectiveWeight(server: CheckTiming & { readonly weight: number }, h: ServerHealth, now: number, dynamic = true): number {
  const hs = settle(h, server, now)
  if (!isUsable(hs)) return 0
  return (hs.agentWeight ?? server.weight) * slowstartFactor(server, hs, now, dynamic)
}

/** The weight multiplier w (1..16) of `server_recalc_eweight`. */
export function slowstartFactor(t: CheckTiming, h: ServerHealth, now: number, dynamic = true): number {
  if (!dynamic || h.state !== 'STARTING') return WEIGHT_SCALE
  return slowstartW(t.slowstartMs, h.lastChange, now)
}

/** The effective weight as a percentage of the configured one (3.x `throttle`: ceil(100 × w / 16)); 0 when not usable. */
export function effectiveWeightPct(t: CheckTiming, h: ServerHealth, now: number, dynamic = true): number {
  const hs = settle(h, t, now)
  if (!isUsable(hs)) return 0
  return Math.ceil((100 * slowstartFactor(t, hs, now, dynamic)) / WEIGHT_SCALE)
}
