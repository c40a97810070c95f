/**
 * @module
 * The HealthMonitor's logic, free of the Workers runtime: one backend's plan and per-server
 * health, `configure` (idempotent, keeps the state of servers that still exist), `snapshot`,
 * `report` (passive health), and `runDue` (the alarm: run the checks that are due, at most 6
 * at once, apply the results, re-arm for the earliest next check); agent checks (`agent-check`)
 * run on their own schedule next to the health checks (agent.ts). Storage, the alarm and the
 * network are injected: a monitor group (group.ts, the Durable Object) hosts one MonitorCore per
 * backend with one shared alarm; unit tests pass in-memory fakes.
 *
 * What is stored (no row per probe): a server's row is written when its routing state changes
 * (state, maint, agent weight or admin state, a rise/fall transition) and otherwise at most once
 * every CHECKPOINT_MS while something else changed (health within rise/fall, counters, check
 * status); the time of the last and next check are never a reason to write. The alarm time is
 * kept in memory. `onChange` is called with the backend's snapshot when the routing state of a
 * server changes (up, usable, state, agent weight, agent admin), not on every probe.
 */
import { type AgentOutcome, agentInterval, applyAgentOutcome } from './agent.ts'
import { type PassiveOutcome, applyObservation } from './observe.ts'
import type { AgentPlan, HealthPlan, ServerPlan } from './plan.ts'
import { forEachLimited, MAX_OUTGOING_CONNECTIONS, type Slots } from './pool.ts'
import { runAgentProbe } from './probes/agent.ts'
import { runProbe } from './probes/index.ts'
import type { ProbeIo, ProbeTarget } from './probes/types.ts'
import { serverStateFor, transitionLines } from './reporting.ts'
import { buildSnapshot, type HealthSnapshot } from './snapshot.ts'
import { type AgentHealth, applyResult, checkInterval, fullHealth, initialHealth, nextDelay, type ServerHealth, scheduleNext, type Transition } from './state.ts'
import type { CheckResult } from './status.ts'

/** Synchronous storage of one monitor (SQLite in the Durable Object). */
export interface MonitorStore {
  getMeta(key: string): string | undefined
  setMeta(key: string, value: string): void
  loadServers(): Map<string, ServerHealth>
  saveServer(name: string, h: ServerHealth): void
  deleteServer(name: string): void
}

/** The Durable Object alarm. */
export interface AlarmApi {
  get(): Promise<number | null>
  set(at: number): Promise<void>
}

export interface MonitorDeps {
  readonly store: MonitorStore
  readonly alarm: AlarmApi
  readonly io: ProbeIo
  /** Uniform [0, 1) for `spread-checks`. */
  readonly random: () => number
  readonly log?: (line: string) => void
  /** Checks stop being scheduled when neither configure() nor snapshot() was called for this long. */
  readonly leaseMs?: number
  /** False: the host (a monitor group) keeps the lease; this core never pauses nor persists one. */
  readonly lease?: boolean
  readonly maxConcurrency?: number
  /** Shared connection slots (a group's cores share the invocation's 6 connections). */
  readonly slots?: Slots
  /** Called with the backend's snapshot when a server's routing state changed. */
  readonly onChange?: (snapshot: HealthSnapshot) => void
}

/** Checks due within this window of the alarm time run in the same alarm. */
export const DUE_WINDOW_MS = 100
/** Longest a changed server row waits in memory when its routing state did not change. */
export const CHECKPOINT_MS = 60_000

/**
 * How early a check may run to join an alarm that runs a check of the same interval:
 * min(1 s, interval / 2). Joining moves the check's phase onto the alarm's, and the next check is
 * `interval` after the probe as always, so checks of one interval share an alarm from the second
 * cycle on. A check is never delayed; it is advanced at most half an interval, once per phase
 * change (its interval changed: fastinter, downinter, a passive trigger), and only by checks of
 * its own interval, so a server with a longer `inter` is never checked more often than it says.
 */
export function alignWindow(intervalMs: number): number {
  return Math.min(1000, intervalMs / 2)
}

export interface RunOptions {
  /** When the alarm was due (a late alarm runs what was due then). Default: now. */
  readonly at?: number
  /** Intervals of the checks due in this alarm (all of a group's cores); default: this core's. */
  readonly drivers?: ReadonlySet<number>
}
/** Default lease: the cron watchdog calls configure() every minute; the data plane calls snapshot(). */
export const DEFAULT_LEASE_MS = 15 * 60_000
/** The lease timestamp is persisted at most this often. */
const TOUCH_PERSIST_MS = 60_000

export interface ConfigureResult {
  readonly changed: boolean
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly nextAlarm: number | null
}

export interface RunResult {
  readonly checked: readonly string[]
  readonly nextAlarm: number | null
}

export class MonitorCore {
  readonly #d: MonitorDeps
  #plan: HealthPlan | undefined
  readonly #states: Map<string, ServerHealth>
  #touchedAt: number
  #touchPersisted: number
  /** Servers whose check is running (an alarm and runChecks() may overlap). */
  readonly #inflight = new Set<string>()
  /** What the store holds of each server, and when it was written. */
  readonly #saved = new Map<string, { readonly key: string; readonly routing: string; readonly at: number }>()
  /** The routing signature last given to `onChange`. */
  #published: string | undefined
  /** The alarm time this core set (memory only: after a restart, the alarm API's). */
  #armedFor = 0

  constructor(deps: MonitorDeps) {
    this.#d = deps
    const p = deps.store.getMeta('plan')
    this.#plan = p ? (JSON.parse(p) as HealthPlan) : undefined
    this.#states = deps.store.loadServers()
    const now = deps.io.now()
    for (const [name, h] of this.#states) this.#saved.set(name, { key: storedKey(h), routing: routingKey(h), at: now })
    this.#touchedAt = deps.lease === false ? now : Number(deps.store.getMeta('touchedAt') ?? 0)
    this.#touchPersisted = this.#touchedAt
  }

  get plan(): HealthPlan | undefined {
    return this.#plan
  }

  state(server: string): ServerHealth | undefined {
    return this.#states.get(server)
  }

  /** Installs a plan. The same plan again changes nothing; servers that remain keep their state. */
  async configure(plan: HealthPlan): Promise<ConfigureResult> {
    const now = this.#d.io.now()
    this.#touch(now, true)
    const old = this.#plan
    const same = old !== undefined && JSON.stringify(old) === JSON.stringify(plan)
    const added: string[] = []
    const removed: string[] = []
    if (!same) {
      const keep = new Set(plan.servers.map((s) => s.name))
      for (const name of [...this.#states.keys()]) {
        if (keep.has(name)) continue
        this.#states.delete(name)
        this.#saved.delete(name)
        this.#d.store.deleteServer(name)
        removed.push(name)
      }
      for (const s of plan.servers) {
        const prev = this.#states.get(s.name)
        const before = old?.servers.find((x) => x.name === s.name)
        const h = withAgent(prev && before ? rebase(prev, before, s, now) : initialHealth(s, s.disabled, now), s, now)
        if (!prev) added.push(s.name)
        this.#put(s.name, h, true)
      }
      this.#plan = plan
      this.#d.store.setMeta('plan', JSON.stringify(plan))
    }
    const nextAlarm = await this.#arm(false)
    this.#publish()
    return { changed: !same, added, removed, nextAlarm }
  }

  /** The current health of every checked server. Renews the lease (re-arming a lapsed monitor). */
  async snapshot(): Promise<HealthSnapshot | undefined> {
    const now = this.#d.io.now()
    const lapsed = this.#leaseExpired(now)
    this.#touch(now, false)
    if (!this.#plan) return undefined
    if (lapsed) await this.#arm(false)
    return buildSnapshot(this.#plan, this.#states, now)
  }

  /** The current snapshot without renewing the lease (a group's own reads). */
  view(): HealthSnapshot | undefined {
    return this.#plan ? buildSnapshot(this.#plan, this.#states, this.#d.io.now()) : undefined
  }

  /** Due time of the earliest check this core runs (health or agent), or null when none is scheduled. */
  nextDue(): number | null {
    const plan = this.#plan
    if (!plan) return null
    let earliest = Number.POSITIVE_INFINITY
    for (const s of plan.servers) {
      const h = this.#states.get(s.name)
      if (h && !s.agentOnly && !h.maint && h.agentAdmin !== 'maint') earliest = Math.min(earliest, h.nextCheck)
      if (h?.agent && s.agent) earliest = Math.min(earliest, h.agent.nextCheck)
    }
    return Number.isFinite(earliest) ? earliest : null
  }

  /** Intervals of the checks due by `at` (plus DUE_WINDOW_MS): what other checks may align with. */
  dueIntervals(at: number): Set<number> {
    const out = new Set<number>()
    for (const c of this.#candidates()) if (c.due <= at + DUE_WINDOW_MS) out.add(c.interval)
    return out
  }

  /** Writes every server whose stored row is behind (a clean shutdown, tests). */
  checkpoint(): number {
    let n = 0
    for (const [name, h] of this.#states) {
      const saved = this.#saved.get(name)
      if (saved && saved.key === storedKey(h)) continue
      this.#write(name, h)
      n++
    }
    return n
  }

  /** Every check of this core with its due time and current interval (maint pauses the health check, not the agent). */
  *#candidates(): Generator<{ readonly s: ServerPlan; readonly agent: boolean; readonly key: string; readonly due: number; readonly interval: number }> {
    const plan = this.#plan
    if (!plan) return
    for (const s of plan.servers) {
      const h = this.#states.get(s.name)
      if (!h) continue
      if (!s.agentOnly && !h.maint && h.agentAdmin !== 'maint' && !this.#inflight.has(s.name)) yield { s, agent: false, key: s.name, due: h.nextCheck, interval: checkInterval(h, s) }
      if (s.agent && h.agent && !this.#inflight.has(`${s.name}#agent`)) yield { s, agent: true, key: `${s.name}#agent`, due: h.agent.nextCheck, interval: agentInterval(s) }
    }
  }

  /** Passive health from the data plane (`observe`, `on-error`, `error-limit`). */
  async report(server: string, outcome: PassiveOutcome): Promise<{ readonly transition: Transition; readonly triggered: boolean }> {
    const s = this.#plan?.servers.find((x) => x.name === server)
    const h = this.#states.get(server)
    if (!s || !h) return { transition: undefined, triggered: false }
    const now = this.#d.io.now()
    const r = applyObservation(h, s, outcome, now)
    if (r.health === h) return { transition: undefined, triggered: false }
    let next = r.health
    if (r.triggered) {
      // process_chk: a woken check task advances its timer to now + the (fast) interval.
      next = { ...next, nextCheck: Math.min(next.nextCheck, now + checkInterval(next, s)) }
      this.#logTransition(s, next, r.transition)
    }
    this.#put(server, next, r.transition !== undefined)
    if (r.triggered) await this.#arm(false)
    this.#publish()
    return { transition: r.transition, triggered: r.triggered }
  }

  /** The alarm: runs the due checks and re-arms. Never throws. */
  async runDue(o: RunOptions = {}): Promise<RunResult> {
    const plan = this.#plan
    if (!plan) return { checked: [], nextAlarm: null }
    const now = this.#d.io.now()
    if (this.#leaseExpired(now)) {
      this.#d.log?.(`[health] backend '${plan.backend}': not configured nor read for ${Math.round((now - this.#touchedAt) / 1000)}s, checks paused`)
      return { checked: [], nextAlarm: null }
    }
    const at = Math.max(now, o.at ?? this.#armedFor)
    const drivers = o.drivers ?? this.dueIntervals(at)
    const jobs: Job[] = []
    for (const c of this.#candidates()) {
      if (c.due <= at + DUE_WINDOW_MS || (drivers.has(c.interval) && c.due - at <= alignWindow(c.interval))) jobs.push({ s: c.s, agent: c.agent, key: c.key })
    }
    for (const j of jobs) this.#inflight.add(j.key)
    const checked: string[] = []
    const slots = this.#d.slots
    const probe = (j: Job): Promise<CheckResult | AgentOutcome> =>
      j.agent ? runAgentProbe(j.s.agent as AgentPlan, plan.backend, j.s.name, this.#d.io) : runProbe(plan.probe, this.#target(plan, j.s), this.#d.io)
    try {
      await forEachLimited(
        jobs,
        slots ? jobs.length : (this.#d.maxConcurrency ?? MAX_OUTGOING_CONNECTIONS),
        (j) => (slots ? slots.run(() => probe(j)) : probe(j)),
        (j, r) => {
          this.#inflight.delete(j.key)
          const ok = j.agent ? this.#applyAgent(j.s.name, r as AgentOutcome) : this.#apply(j.s.name, r as CheckResult)
          if (ok) checked.push(j.agent ? `${j.s.name} (agent)` : j.s.name)
        },
        (j, e) => {
          this.#d.log?.(`[health] ${plan.backend}/${j.s.name}: ${j.agent ? 'agent' : 'check'} failed to run: ${String(e)}`)
          // Not a check result: leave the health alone, but do not retry in a tight loop.
          const h = this.#states.get(j.s.name)
          if (!h) return
          const at = this.#d.io.now()
          if (j.agent && h.agent) this.#put(j.s.name, { ...h, agent: { ...h.agent, nextCheck: at + agentInterval(j.s) } })
          else if (!j.agent) this.#put(j.s.name, scheduleNext(h, at, checkInterval(h, j.s)))
        },
      )
    } finally {
      for (const j of jobs) this.#inflight.delete(j.key)
    }
    const nextAlarm = await this.#arm(true)
    this.#publish()
    return { checked, nextAlarm }
  }

  #applyAgent(name: string, o: AgentOutcome): boolean {
    const plan = this.#plan
    const s = plan?.servers.find((x) => x.name === name)
    const h = this.#states.get(name)
    if (!plan || !s?.agent || !h) return false
    const now = this.#d.io.now()
    const { health, transition } = applyAgentOutcome(h, s, o, plan.dynamicWeights, now)
    // The state change is reported with the agent's status (srv_set_stopped/running get the agent check).
    const a = health.agent
    const { checkCode: _c, checkDurationMs: _d, ...rest } = health
    if (a)
      this.#logTransition(
        s,
        { ...rest, checkStatus: a.status, checkInfo: a.info, ...(a.code !== undefined ? { checkCode: a.code } : {}), ...(a.durationMs !== undefined ? { checkDurationMs: a.durationMs } : {}) },
        transition,
      )
    const agent = health.agent as AgentHealth
    this.#put(name, { ...health, agent: { ...agent, nextCheck: now + agentInterval(s) } }, transition !== undefined)
    return true
  }

  #apply(name: string, r: CheckResult): boolean {
    // The plan or the state may have changed while the probe ran (configure/report interleave).
    const plan = this.#plan
    const s = plan?.servers.find((x) => x.name === name)
    const h = this.#states.get(name)
    if (!plan || !s || !h || h.maint || h.agentAdmin === 'maint') return false
    const now = this.#d.io.now()
    const { health, transition } = applyResult(h, s, r, now)
    this.#logTransition(s, health, transition)
    this.#put(name, scheduleNext(health, now, nextDelay(health, s, plan.spreadChecks, this.#d.random)), transition !== undefined)
    return true
  }

  #target(plan: HealthPlan, s: ServerPlan): ProbeTarget {
    const h = this.#states.get(s.name)
    const down = h?.state === 'STOPPED'
    return {
      backend: plan.backend,
      server: s.name,
      address: s.address,
      ...(s.port !== undefined ? { port: s.port } : {}),
      ssl: s.ssl,
      timeouts: s.timeouts,
      serverDown: down,
      ...(plan.probe.type === 'http' && plan.probe.http.sendState ? { serverState: serverStateFor(plan, s, (n) => this.#states.get(n), this.#d.io.now()) } : {}),
    }
  }

  /**
   * Keeps a server's new health; writes its row when `force`d (configure, a transition) or its
   * routing state changed, else when something stored changed and the row is CHECKPOINT_MS old.
   */
  #put(name: string, h: ServerHealth, force = false): void {
    this.#states.set(name, h)
    const saved = this.#saved.get(name)
    if (!force && saved) {
      if (saved.routing === routingKey(h)) {
        if (saved.key === storedKey(h) || this.#d.io.now() - saved.at < CHECKPOINT_MS) return
      }
    }
    this.#write(name, h)
  }

  #write(name: string, h: ServerHealth): void {
    this.#d.store.saveServer(name, h)
    this.#saved.set(name, { key: storedKey(h), routing: routingKey(h), at: this.#d.io.now() })
  }

  /** Calls `onChange` when the routing side of the snapshot differs from the last one given. */
  #publish(): void {
    const on = this.#d.onChange
    const snap = on && this.view()
    if (!on || !snap) return
    const sig = JSON.stringify([snap.routeMapHash, Object.entries(snap.servers).map(([n, s]) => [n, s.up, s.usable, s.state, s.agentWeight, s.agentAdmin])])
    if (sig === this.#published) return
    this.#published = sig
    on(snap)
  }

  #touch(now: number, persist: boolean): void {
    if (this.#d.lease === false) return
    this.#touchedAt = now
    if (persist || now - this.#touchPersisted >= TOUCH_PERSIST_MS) {
      this.#touchPersisted = now
      this.#d.store.setMeta('touchedAt', String(now))
    }
  }

  #leaseExpired(now: number): boolean {
    if (this.#d.lease === false) return false
    return now - this.#touchedAt > (this.#d.leaseMs ?? DEFAULT_LEASE_MS)
  }

  /** Sets the alarm to the earliest next check. `replace`: the alarm just fired (always set it). */
  async #arm(replace: boolean): Promise<number | null> {
    const earliest = this.nextDue()
    if (earliest === null) return null
    const current = replace ? null : await this.#d.alarm.get()
    if (current !== null && current <= earliest) return current
    await this.#d.alarm.set(earliest)
    this.#armedFor = earliest
    return earliest
  }

  #logTransition(s: ServerPlan, h: ServerHealth, t: Transition): void {
    const log = this.#d.log
    if (!t || !log || !this.#plan) return
    for (const line of transitionLines(this.#plan, s, h, t, (n) => this.#states.get(n), this.#d.io.now())) log(line)
  }
}

/**
 * Carries a server's health across a plan change. Its up/down side is kept: an up server stays
 * up (fully up stays fully up), a down one stays down; `disabled` enters MAINT, and leaving it
 * restarts at health = rise with an immediate check ("start OK but check immediately").
 */
export function rebase(h: ServerHealth, before: ServerPlan, after: ServerPlan, now: number): ServerHealth {
  if (after.disabled) return h.maint ? h : { ...h, maint: true, state: 'STOPPED', health: 0, lastChange: now }
  if (h.maint) return { ...h, maint: false, state: 'RUNNING', health: after.rise, lastChange: now, nextCheck: now }
  const up = h.health >= before.rise
  let health: number
  if (up) health = h.health === fullHealth(before) ? fullHealth(after) : Math.min(fullHealth(after), Math.max(after.rise, h.health - before.rise + after.rise))
  else health = Math.min(after.rise - 1, Math.max(0, h.health))
  // A shorter interval applies from now on.
  const nextCheck = Math.min(h.nextCheck, now + checkInterval({ ...h, health }, after))
  return { ...h, health, nextCheck }
}

/** One check to run: the health check or the agent of a server. */
interface Job {
  readonly s: ServerPlan
  readonly agent: boolean
  readonly key: string
}

/**
 * Gives a server with `agent-check` its agent state (up, checked at once) and drops it from one
 * without; an agent-only server's health is full (it has no health check to fall).
 */
function withAgent(h: ServerHealth, s: ServerPlan, now: number): ServerHealth {
  let out = h
  if (s.agentOnly && !out.maint && out.agentAdmin !== 'maint') out = { ...out, health: fullHealth(s) }
  if (s.agent && !out.agent) return { ...out, agent: { health: 1, status: 'INI', info: '', nextCheck: now } }
  if (!s.agent && (out.agent || out.agentWeight !== undefined || out.agentAdmin !== undefined)) {
    const { agent: _a, agentWeight: _w, agentAdmin: _m, ...rest } = out
    return rest
  }
  return out
}

/** The routing side of a server's health: a change is written at once. */
function routingKey(h: ServerHealth): string {
  return `${h.state}|${h.maint}|${h.agentWeight ?? ''}|${h.agentAdmin ?? ''}`
}

/** What a stored row holds, less the check times (never a reason to write). */
function storedKey(h: ServerHealth): string {
  const { lastCheck: _l, nextCheck: _n, checkDurationMs: _d, agent, ...rest } = h
  if (!agent) return JSON.stringify(rest)
  const { lastCheck: _al, nextCheck: _an, durationMs: _ad, ...a } = agent
  return JSON.stringify([rest, a])
}
