/**
 * @module
 * What every stats renderer derives from a `StatsInput` before formatting: the proxies in
 * configuration order (a `listen` section is one proxy with both capabilities), each server's
 * effective state (health snapshot + admin overrides + config, HAProxy's `cur_state`,
 * `cur_admin`, `check.state`, `cur_eweight`), and each backend's aggregates (stats.c
 * `stats_fill_be_stats_computesrv`, backend.c `recount_servers` / `update_backend_weight`,
 * proxy.c `proxy_adjust_all_maxconn`). Pure: time comes from `input.now`.
 */
import { BE_WEIGHT_SCALE } from '../balance/groups.ts'
import { hasDynamicWeights, slowstartW } from '../balance/slowstart.ts'
import type { ServerSnapshot } from '../health/snapshot.ts'
import { type CheckStatus, checkDescription } from '../health/status.ts'
import type { OpState } from '../health/state.ts'
import { type AdminServer, type AggregatedCounters, beKey, feKey, srvKey, zeroCounters } from '../ops/types.ts'
import type { StatsInput } from './input.ts'
import type { Backend, Frontend, Server } from '../routemap/schema.ts'

/** The global `maxconn` the edge reports when the config sets none (HAProxy derives it from ulimit-n). */
export const DEFAULT_MAXCONN = 4096

/** One proxy: its frontend and/or backend side, in configuration order. */
export interface ProxyView {
  readonly name: string
  readonly id: number
  readonly fe?: Frontend
  readonly be?: Backend
}

/** A server as the stats see it. */
export interface ServerView {
  readonly be: Backend
  readonly srv: Server
  readonly admin?: AdminServer
  /** The snapshot of the server whose check drives this one (itself, or the end of its `track` chain). */
  readonly snap?: ServerSnapshot
  /** `be/srv` this server tracks directly. */
  readonly track?: string
  /** Own active check configured and enabled (CHK_ST_ENABLED). */
  readonly checkEnabled: boolean
  /** The check of the reference server (end of the track chain) is enabled. */
  readonly refCheckEnabled: boolean
  /** Own maintenance: config `disabled` (CMAINT) or admin `maint` (FMAINT). */
  readonly maint: boolean
  /** Maintenance inherited from a tracked server (IMAINT). */
  readonly inheritedMaint: boolean
  readonly drain: boolean
  readonly opState: OpState
  /** Reference check health 0..rise+fall−1, rise and fall. */
  readonly health: number
  readonly rise: number
  readonly fall: number
  readonly checkStatus: CheckStatus
  readonly checkCode?: number
  readonly checkDurationMs?: number
  readonly checkInfo: string
  readonly checkDesc: string
  /** ms epoch of the last state change. */
  readonly lastChange: number
  readonly uweight: number
  readonly iweight: number
  /** Slowstart multiplier 1..16 (16 = full weight). */
  readonly w: number
  /** uweight × w (HAProxy's cur_eweight for dynamic algorithms). */
  readonly eweight: number
  /** srv_currently_usable: takes load-balanced traffic. */
  readonly usable: boolean
  /** The `status` column text. */
  readonly status: string
  /** Slowstart throttle percentage while STARTING (and not draining). */
  readonly throttle?: number
  readonly counters: AggregatedCounters
}

export interface BackendView {
  readonly be: Backend
  readonly servers: readonly ServerView[]
  readonly up: boolean
  /** ceil(tot_weight / 16). */
  readonly weight: number
  readonly act: number
  readonly bck: number
  readonly totuw: number
  readonly fullconn: number
  readonly lastChange: number
  readonly counters: AggregatedCounters
}

const ZERO: AggregatedCounters = { ...zeroCounters(), rate: 0, rate_max: 0, req_rate: 0, req_rate_max: 0, conn_rate: 0, conn_rate_max: 0 }

export function countersOf(input: StatsInput, key: string): AggregatedCounters {
  return input.counters(key) ?? ZERO
}

function originRank(input: StatsInput, o: { readonly file: string; readonly line: number }): number {
  const i = input.routeMap.sources.indexOf(o.file)
  return (i < 0 ? input.routeMap.sources.length : i) * 1e7 + o.line
}

/** Proxies in configuration order (by origin), merging the two sides of `listen` sections. */
export function proxiesInOrder(input: StatsInput): ProxyView[] {
  const byName = new Map<string, { name: string; id: number; fe?: Frontend; be?: Backend; rank: number }>()
  for (const fe of input.routeMap.frontends) byName.set(fe.name, { name: fe.name, id: fe.id, fe, rank: originRank(input, fe.origin) })
  for (const be of input.routeMap.backends) {
    const p = byName.get(be.name)
    if (p?.fe?.listen && be.listen) p.be = be
    else byName.set(be.listen || !p ? be.name : `\0be:${be.name}`, { name: be.name, id: be.id, be, rank: originRank(input, be.origin) })
  }
  return [...byName.values()].sort((a, b) => a.rank - b.rank || a.id - b.id).map(({ rank: _, ...p }) => p)
}

/** A frontend's effective maxconn (proxy.c: the global one when unset). */
export function frontendMaxconn(input: StatsInput, fe: Frontend): number {
  return fe.maxconn ?? globalMaxconn(input)
}

export function globalMaxconn(input: StatsInput): number {
  return input.routeMap.global.maxconn ?? DEFAULT_MAXCONN
}

/** proxy.c `proxy_adjust_all_maxconn`: fullconn, or 10% of the maxconn of the frontends that reach the backend. */
export function fullconnOf(input: StatsInput, be: Backend): number {
  if (be.fullconn) return be.fullconn
  let total = 0
  for (const fe of input.routeMap.frontends) {
    const maxconn = frontendMaxconn(input, fe)
    if (fe.defaultBackend !== undefined) {
      if (fe.defaultBackend === be.name) total += maxconn
    } else if (fe.listen && be.listen && fe.name === be.name) total += maxconn
    // Each static use_backend target counts once, unless it is the default backend.
    const seen = new Set<string>()
    for (const u of fe.useBackends) {
      if (typeof u.backend !== 'string' || u.backend === fe.defaultBackend || seen.has(u.backend)) continue
      seen.add(u.backend)
      if (u.backend === be.name) total += maxconn
    }
  }
  return Math.max(1, Math.floor((total + 9) / 10))
}

function resolveTrack(input: StatsInput, be: Backend, track: string): { be: Backend; srv: Server } | undefined {
  const i = track.indexOf('/')
  const beName = i < 0 ? be.name : track.slice(0, i)
  const srvName = i < 0 ? track : track.slice(i + 1)
  const b = input.routeMap.backends.find((x) => x.name === beName)
  const s = b?.servers.find((x) => x.name === srvName)
  return b && s ? { be: b, srv: s } : undefined
}

interface CheckState {
  readonly enabled: boolean
  readonly opState: OpState
  readonly health: number
  readonly snap?: ServerSnapshot
  readonly lastChange: number
}

/** A server's own check and operational state, before maintenance (snapshot, forced health, `disable health`). */
function ownCheckState(input: StatsInput, be: Backend, srv: Server, admin: AdminServer | undefined): CheckState {
  const snap = input.health(be.name)?.servers[srv.name]
  const enabled = srv.check && !srv.track && !admin?.checksDisabled
  // An agent drives the state too (an agent-only server has no health check of its own).
  const driven = enabled || (srv.agent !== undefined && !admin?.checksDisabled)
  const full = srv.rise + srv.fall - 1
  let opState: OpState = 'RUNNING'
  let health = enabled ? full : srv.rise
  if (enabled || driven) {
    if (snap) {
      opState = snap.state
      if (enabled) health = snap.health
    } else if (enabled) health = srv.rise // before the first check: up, falling at the first failure
  }
  if (admin?.health === 'up') [opState, health] = ['RUNNING', full]
  else if (admin?.health === 'stopping') [opState, health] = ['STOPPING', full]
  else if (admin?.health === 'down') [opState, health] = ['STOPPED', 0]
  let lastChange = snap && driven ? snap.lastChange : input.startedAt
  if (admin && (admin.state !== undefined || admin.health !== undefined)) lastChange = Math.max(lastChange, admin.changedAt)
  return { enabled, opState, health, ...(snap && driven ? { snap } : {}), lastChange }
}

const TEMPLATE: Record<string, string> = {
  DOWN: 'DOWN',
  GOING_UP: 'DOWN %d/%d',
  UP_GOING_DOWN: 'UP %d/%d',
  UP: 'UP',
  NOLB_GOING_DOWN: 'NOLB %d/%d',
  NOLB: 'NOLB',
  DRAIN_GOING_DOWN: 'DRAIN %d/%d',
  DRAIN: 'DRAIN',
  DRAIN_AGENT: 'DRAIN (agent)',
  DOWN_AGENT: 'DOWN (agent)',
  NO_CHECK: 'no check',
}

/** stats.c `stats_fill_sv_stats_computestate` and the ST_F_STATUS text. */
function statusText(v: Omit<ServerView, 'status' | 'throttle' | 'usable' | 'counters'>, ownEnabled: boolean, hasTrack: boolean, viaName: string): string {
  if (v.maint) return 'MAINT'
  if (v.inheritedMaint) return `MAINT (via ${viaName})`
  const full = v.rise + v.fall - 1
  let state: string
  if (v.opState === 'RUNNING' || v.opState === 'STARTING') {
    state = v.refCheckEnabled && v.health < full ? 'UP_GOING_DOWN' : 'UP'
    if (v.drain) state = v.snap?.agent ? 'DRAIN_AGENT' : state === 'UP_GOING_DOWN' ? 'DRAIN_GOING_DOWN' : 'DRAIN'
    if (state === 'UP' && !v.refCheckEnabled) state = 'NO_CHECK'
  } else if (v.opState === 'STOPPING') {
    state = (!ownEnabled && !hasTrack) || v.health === full ? 'NOLB' : 'NOLB_GOING_DOWN'
  } else if (v.snap?.agent && v.snap.agent.health === 0) state = 'DOWN_AGENT'
  else if (v.refCheckEnabled && v.health === 0) state = 'DOWN'
  else state = v.refCheckEnabled || v.snap?.agent ? 'GOING_UP' : 'DOWN'
  const up = v.opState !== 'STOPPED'
  const args = up ? [v.health - v.rise + 1, v.fall] : [v.health, v.rise]
  let i = 0
  return (TEMPLATE[state] ?? state).replace(/%d/g, () => String(args[i++]))
}

export function serverView(input: StatsInput, be: Backend, srv: Server): ServerView {
  const admin = input.admin(be.name, srv.name)
  const own = ownCheckState(input, be, srv, admin)
  // Follow the track chain to the server whose check drives this one.
  let ref = { be, srv, admin, st: own }
  let inheritedMaint = false
  let inheritedDrain = false
  for (let hops = 0; ref.srv.track && hops < 16; hops++) {
    const next = resolveTrack(input, ref.be, ref.srv.track)
    if (!next) break
    const a = input.admin(next.be.name, next.srv.name)
    const nextAgent = input.health(next.be.name)?.servers[next.srv.name]?.agentAdmin
    if (next.srv.disabled || a?.state === 'maint' || nextAgent === 'maint') inheritedMaint = true
    if (a?.state === 'drain' || nextAgent === 'drain') inheritedDrain = true
    ref = { be: next.be, srv: next.srv, admin: a, st: ownCheckState(input, next.be, next.srv, a) }
  }
  const agentAdmin = input.health(be.name)?.servers[srv.name]?.agentAdmin
  const maint = srv.disabled || admin?.state === 'maint' || agentAdmin === 'maint'
  const drain = admin?.state === 'drain' || agentAdmin === 'drain' || inheritedDrain
  const inMaint = maint || inheritedMaint
  const opState: OpState = inMaint ? 'STOPPED' : ref.st.opState
  const uweight = admin?.weight ?? own.snap?.agentWeight ?? srv.weight
  const dynamic = hasDynamicWeights(be.balance, be.hash)
  const snap = ref.st.snap
  const w = dynamic && opState === 'STARTING' && srv.slowstartMs > 0 ? slowstartW(srv.slowstartMs, ref.st.lastChange, input.now) : BE_WEIGHT_SCALE
  const checkStatus = (snap?.checkStatus as CheckStatus | undefined) ?? 'INI'
  const base = {
    be,
    srv,
    ...(admin ? { admin } : {}),
    ...(snap ? { snap } : {}),
    ...(srv.track ? { track: srv.track.includes('/') ? srv.track : `${be.name}/${srv.track}` } : {}),
    checkEnabled: own.enabled,
    refCheckEnabled: ref.st.enabled,
    maint,
    inheritedMaint,
    drain,
    opState,
    health: inMaint ? 0 : ref.st.health,
    rise: ref.srv.rise,
    fall: ref.srv.fall,
    checkStatus,
    ...(snap?.checkCode !== undefined ? { checkCode: snap.checkCode } : {}),
    ...(snap?.checkDurationMs !== undefined ? { checkDurationMs: snap.checkDurationMs } : {}),
    checkInfo: snap?.checkInfo ?? '',
    checkDesc: snap?.checkDesc ?? checkDescription(checkStatus),
    lastChange: Math.max(own.lastChange, ref.st.lastChange),
    uweight,
    iweight: srv.weight,
    w,
    eweight: uweight * w,
  }
  const usable = !inMaint && !drain && (opState === 'RUNNING' || opState === 'STARTING') && base.eweight > 0
  const via = srv.track ? (base.track ?? '') : ''
  const status = statusText(base, own.enabled, srv.track !== undefined, via)
  const throttle = opState === 'STARTING' && !drain ? (uweight === 0 ? 100 : Math.ceil((100 * w) / BE_WEIGHT_SCALE)) : undefined
  return { ...base, usable, status, ...(throttle !== undefined ? { throttle } : {}), counters: countersOf(input, srvKey(be.name, srv.name)) }
}

export function backendView(input: StatsInput, be: Backend): BackendView {
  const servers = be.servers.map((s) => serverView(input, be, s))
  const act = servers.filter((s) => s.usable && !s.srv.backup)
  const bckAll = servers.filter((s) => s.usable && s.srv.backup)
  const fbck = act.length === 0 && !be.options.allbackups ? bckAll[0] : undefined
  const totWeight = act.length > 0 ? sum(act.map((s) => s.eweight)) : fbck ? fbck.eweight : sum(bckAll.map((s) => s.eweight))
  let totuw = sum(servers.filter((s) => s.opState !== 'STOPPED' && s.usable && (act.length === 0) === s.srv.backup).map((s) => s.uweight))
  if (act.length === 0 && fbck) totuw = fbck.uweight
  const up = totWeight > 0 || servers.length === 0
  const lastChange = up ? input.startedAt : Math.max(input.startedAt, ...servers.map((s) => s.lastChange))
  return {
    be,
    servers,
    up,
    weight: Math.ceil(totWeight / BE_WEIGHT_SCALE),
    act: act.length,
    bck: bckAll.length,
    totuw,
    fullconn: fullconnOf(input, be),
    lastChange,
    counters: countersOf(input, beKey(be.name)),
  }
}

export function frontendCounters(input: StatsInput, fe: Frontend): AggregatedCounters {
  return countersOf(input, feKey(fe.name))
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0)
}

/** Whole seconds from `from` (ms) to `now` (ms), never negative. */
export function ageSec(now: number, from: number): number {
  return Math.max(0, Math.floor(now / 1000) - Math.floor(from / 1000))
}

/** HAProxy's server `addr` text: `ip:port`, IPv6 in brackets. */
export function serverAddr(v: ServerView): { host: string; port: number } {
  const host = v.admin?.addr ?? (v.srv.host === '' ? '0.0.0.0' : v.srv.host)
  const port = v.admin?.port ?? v.srv.port ?? v.srv.portOffset ?? 0
  return { host, port }
}

export function formatAddr(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
