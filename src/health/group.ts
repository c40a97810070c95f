/**
 * @module
 * A monitor group, free of the Workers runtime: the backends that share a placement (their
 * `health-location`, a region of `health-regions`, or none) are checked by one object, which
 * hosts one MonitorCore per backend under ONE alarm, the earliest next check of all its cores.
 * An alarm runs every check that is due, and the checks of the same interval due within
 * `alignWindow(interval)` (monitor.ts), so after the first cycle a group of backends at the same
 * `inter` costs one alarm per `inter`. The group keeps the lease (configure() and snapshot()
 * renew it; checks pause when neither came for `leaseMs`), shares the invocation's 6 connections
 * between its cores, and calls `publish(source, snapshot)` when a backend's routing state
 * changes. Storage, the alarm, the network and publish are injected: the Durable Object
 * (durable-objects/health-monitor.ts) passes SQLite, `ctx.storage` alarms, fetch and connect();
 * tests and the simulation pass `memoryGroupStore()` and fakes.
 */
import { type AlarmApi, type ConfigureResult, DEFAULT_LEASE_MS, MonitorCore, type MonitorDeps, type MonitorStore } from './monitor.ts'
import type { PassiveOutcome } from './observe.ts'
import type { HealthPlan } from './plan.ts'
import { MAX_OUTGOING_CONNECTIONS, Slots } from './pool.ts'
import type { HealthSnapshot } from './snapshot.ts'
import type { ServerHealth } from './state.ts'

/** The group's persistence: a MonitorStore per backend, the list of backends, and the group's own meta. */
export interface GroupStore {
  /** Backends with a stored plan. */
  backends(): string[]
  /** The store of one backend's monitor (its plan and servers). */
  monitor(backend: string): MonitorStore
  /** Forgets a backend (its plan and servers). */
  drop(backend: string): void
  getMeta(key: string): string | undefined
  setMeta(key: string, value: string): void
}

/** What a monitor core needs, for all of the group's cores: one store, one alarm, one network. */
export interface GroupDeps extends Pick<MonitorDeps, 'io' | 'random' | 'log' | 'leaseMs' | 'maxConcurrency'> {
  readonly store: GroupStore
  readonly alarm: AlarmApi
  /** A backend's routing state changed (src/health/monitor.ts `onChange`); `source` is the group's name. */
  readonly publish?: (source: string, snapshot: HealthSnapshot) => void
}

/** The group's lease timestamp is persisted at most this often (a lease is 15 min). */
export const GROUP_TOUCH_PERSIST_MS = 5 * 60_000

/** The object name of the group placed at `hint` (a locationHint; none: `default`). */
export function groupName(hint: string | undefined): string {
  return `group:${hint ?? 'default'}`
}

/** The placements of a backend's checks: each `health-regions` region, else its `health-location`, else none. */
export function placements(plan: HealthPlan): (string | undefined)[] {
  return plan.regions && plan.regions.length > 0 ? [...plan.regions] : [plan.locationHint]
}

/** The plan a group placed at `hint` runs for `plan` (a region's copy names the region as its location). */
export function placedPlan(plan: HealthPlan, hint: string | undefined): HealthPlan {
  if (!plan.regions || plan.regions.length === 0) return plan
  return { ...plan, ...(hint !== undefined ? { locationHint: hint } : {}) }
}

/** Plans by group: the object name, its location hint, and the plans it runs. */
export function groupsOf(plans: readonly HealthPlan[]): Map<string, { readonly hint: string | undefined; readonly plans: HealthPlan[] }> {
  const out = new Map<string, { hint: string | undefined; plans: HealthPlan[] }>()
  for (const p of plans) {
    for (const hint of placements(p)) {
      const name = groupName(hint)
      const g = out.get(name) ?? { hint, plans: [] }
      g.plans.push(placedPlan(p, hint))
      out.set(name, g)
    }
  }
  return out
}

export interface GroupConfigureResult {
  readonly changed: boolean
  /** Backends added to and removed from the group. */
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly nextAlarm: number | null
  /** Per configured backend. */
  readonly backends: Readonly<Record<string, ConfigureResult>>
}

export interface GroupRunResult {
  /** `backend/server` (or `backend/server (agent)`) of every check applied. */
  readonly checked: readonly string[]
  readonly nextAlarm: number | null
}

export class GroupCore {
  readonly #d: GroupDeps
  readonly #cores = new Map<string, MonitorCore>()
  readonly #slots: Slots
  #source: string
  #touchedAt: number
  #touchPersisted: number
  /** The shared alarm as this object set it (undefined: not known yet, ask the alarm API). */
  #alarmAt: number | null | undefined
  /** Alarm runs in progress (an alarm and runChecks() may overlap): the cores' own arming waits for the group's. */
  #running = 0

  constructor(deps: GroupDeps, source?: string) {
    this.#d = deps
    this.#slots = new Slots(deps.maxConcurrency ?? MAX_OUTGOING_CONNECTIONS)
    this.#source = source ?? deps.store.getMeta('source') ?? groupName(undefined)
    this.#touchedAt = Number(deps.store.getMeta('touchedAt') ?? 0)
    this.#touchPersisted = this.#touchedAt
    for (const b of deps.store.backends()) this.#cores.set(b, this.#core(b))
  }

  /** The group's name as it publishes it (`group:<hint|default>`). */
  get source(): string {
    return this.#source
  }

  backends(): string[] {
    return [...this.#cores.keys()]
  }

  core(backend: string): MonitorCore | undefined {
    return this.#cores.get(backend)
  }

  /**
   * Installs plans (idempotent per plan). `replace`: the group runs exactly these backends (the
   * cron's call, with every plan placed here); otherwise the others are kept (an isolate's call
   * for one backend).
   */
  async configure(plans: readonly HealthPlan[], o: { readonly replace?: boolean } = {}): Promise<GroupConfigureResult> {
    const now = this.#d.io.now()
    this.#touch(now, true)
    const hint = plans.find((p) => p.locationHint !== undefined)?.locationHint
    if (plans.length > 0) this.#setSource(groupName(hint))
    const added: string[] = []
    const removed: string[] = []
    if (o.replace) {
      const keep = new Set(plans.map((p) => p.backend))
      for (const b of [...this.#cores.keys()]) {
        if (keep.has(b)) continue
        this.#cores.delete(b)
        this.#d.store.drop(b)
        removed.push(b)
      }
    }
    const results: Record<string, ConfigureResult> = {}
    let changed = removed.length > 0
    for (const p of plans) {
      let core = this.#cores.get(p.backend)
      if (!core) {
        core = this.#core(p.backend)
        this.#cores.set(p.backend, core)
        added.push(p.backend)
      }
      const r = await core.configure(p)
      results[p.backend] = r
      changed ||= r.changed
    }
    return { changed, added, removed, nextAlarm: await this.#rearm(false), backends: results }
  }

  /** A backend's health; renews the lease (re-arming a lapsed group). */
  async snapshot(backend: string): Promise<HealthSnapshot | undefined> {
    await this.#renew()
    return this.#cores.get(backend)?.view()
  }

  /** Every backend's health, by backend; renews the lease. */
  async snapshots(): Promise<Record<string, HealthSnapshot>> {
    await this.#renew()
    const out: Record<string, HealthSnapshot> = {}
    for (const [b, c] of this.#cores) {
      const s = c.view()
      if (s) out[b] = s
    }
    return out
  }

  /** Passive health of one backend's server (monitor.ts `report`). */
  async report(backend: string, server: string, outcome: PassiveOutcome): Promise<void> {
    await this.#cores.get(backend)?.report(server, outcome)
  }

  /** The shared alarm: runs the due (and aligned) checks of every core, then re-arms once. Never throws. */
  async runDue(): Promise<GroupRunResult> {
    const now = this.#d.io.now()
    if (now - this.#touchedAt > (this.#d.leaseMs ?? DEFAULT_LEASE_MS)) {
      if (this.#cores.size > 0) this.#d.log?.(`[health] ${this.#source}: not configured nor read for ${Math.round((now - this.#touchedAt) / 1000)}s, checks paused`)
      this.#alarmAt = null
      return { checked: [], nextAlarm: null }
    }
    const at = Math.max(now, (await this.#known()) ?? now)
    const drivers = new Set<number>()
    for (const c of this.#cores.values()) for (const i of c.dueIntervals(at)) drivers.add(i)
    this.#running++
    const checked: string[] = []
    try {
      const runs = await Promise.all([...this.#cores].map(async ([b, c]) => ({ b, r: await c.runDue({ at, drivers }) })))
      for (const { b, r } of runs) for (const s of r.checked) checked.push(`${b}/${s}`)
    } finally {
      this.#running--
    }
    return { checked, nextAlarm: await this.#rearm(true) }
  }

  /** Earliest next check of all cores. */
  nextDue(): number | null {
    let earliest: number | null = null
    for (const c of this.#cores.values()) {
      const d = c.nextDue()
      if (d !== null && (earliest === null || d < earliest)) earliest = d
    }
    return earliest
  }

  /** Writes every backend's servers whose row is behind. */
  checkpoint(): number {
    let n = 0
    for (const c of this.#cores.values()) n += c.checkpoint()
    return n
  }

  #core(backend: string): MonitorCore {
    return new MonitorCore({
      store: this.#d.store.monitor(backend),
      // The cores ask for an alarm; the group keeps one, the earliest.
      alarm: { get: () => this.#known(), set: (at) => this.#want(at) },
      io: this.#d.io,
      random: this.#d.random,
      ...(this.#d.log ? { log: this.#d.log } : {}),
      lease: false,
      slots: this.#slots,
      onChange: (snap) => this.#d.publish?.(this.#source, snap),
    })
  }

  #setSource(name: string): void {
    if (name === this.#source && this.#d.store.getMeta('source') === name) return
    this.#source = name
    this.#d.store.setMeta('source', name)
  }

  async #known(): Promise<number | null> {
    if (this.#alarmAt === undefined) this.#alarmAt = await this.#d.alarm.get()
    return this.#alarmAt
  }

  /** A core wants an alarm at `at`: set it if it is earlier than the group's (not while the alarm runs). */
  async #want(at: number): Promise<void> {
    if (this.#running > 0) return
    const cur = await this.#known()
    if (cur !== null && cur <= at) return
    await this.#setAlarm(at)
  }

  async #setAlarm(at: number): Promise<void> {
    this.#alarmAt = at
    await this.#d.alarm.set(at)
  }

  /** Sets the shared alarm to the earliest next check. `replace`: the alarm just fired (always set it). */
  async #rearm(replace: boolean): Promise<number | null> {
    const earliest = this.nextDue()
    if (earliest === null) {
      if (replace) this.#alarmAt = null
      return replace ? null : await this.#known()
    }
    const cur = replace ? null : await this.#known()
    if (cur !== null && cur <= earliest) return cur
    await this.#setAlarm(earliest)
    return earliest
  }

  async #renew(): Promise<void> {
    const now = this.#d.io.now()
    const lapsed = now - this.#touchedAt > (this.#d.leaseMs ?? DEFAULT_LEASE_MS)
    this.#touch(now, false)
    if (lapsed) await this.#rearm(false)
  }

  #touch(now: number, first: boolean): void {
    this.#touchedAt = now
    // The first touch after a restart or a lapse is written; then at most every GROUP_TOUCH_PERSIST_MS.
    if ((first && this.#touchPersisted === 0) || now - this.#touchPersisted >= GROUP_TOUCH_PERSIST_MS) {
      this.#touchPersisted = now
      this.#d.store.setMeta('touchedAt', String(now))
    }
  }
}

/** An in-memory GroupStore (tests, the simulation); `writes` counts what SQLite would bill as rows written. */
export interface MemoryGroupStore extends GroupStore {
  readonly writes: { value: number }
}

export function memoryGroupStore(): MemoryGroupStore {
  const meta = new Map<string, string>()
  const servers = new Map<string, Map<string, ServerHealth>>()
  const writes = { value: 0 }
  const key = (backend: string, k: string): string => `${k}/${backend}`
  const rows = (backend: string): Map<string, ServerHealth> => {
    let m = servers.get(backend)
    if (!m) {
      m = new Map()
      servers.set(backend, m)
    }
    return m
  }
  return {
    writes,
    backends: () => [...meta.keys()].filter((k) => k.startsWith('plan/')).map((k) => k.slice('plan/'.length)),
    monitor: (backend) => ({
      getMeta: (k) => meta.get(key(backend, k)),
      setMeta: (k, v) => {
        writes.value++
        meta.set(key(backend, k), v)
      },
      loadServers: () => new Map([...rows(backend)].map(([n, h]) => [n, structuredClone(h)])),
      saveServer: (n, h) => {
        writes.value++
        rows(backend).set(n, structuredClone(h))
      },
      deleteServer: (n) => {
        rows(backend).delete(n)
      },
    }),
    drop: (backend) => {
      for (const k of [...meta.keys()]) if (k.endsWith(`/${backend}`) && k.indexOf('/') === k.length - backend.length - 1) meta.delete(k)
      servers.delete(backend)
    },
    getMeta: (k) => meta.get(k),
    setMeta: (k, v) => {
      writes.value++
      meta.set(k, v)
    },
  }
}
