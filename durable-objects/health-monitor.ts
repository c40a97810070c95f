/**
 * @module
 * The HealthMonitor Durable Object: a monitor group. The backends that share a placement (their
 * `health-location`, a region of `health-regions`, or none) are checked by one object named
 * `group:<hint|default>` (src/health/group.ts `groupName`), created with that `locationHint` so
 * its checks run near the origins; it hosts one MonitorCore per backend under one alarm
 * (src/health/group.ts). `configureGroup(plans)` (the cron) installs the group's backends,
 * `configure(plan)` one backend (an isolate whose map is newer); `snapshot(backend)` is what the
 * data plane reads; `report()` is passive health. A backend's routing change is published to
 * RuntimeState (`putHealth(source, snapshot)`) when the RUNTIME binding exists. Server rows are
 * written on routing changes and checkpoints, not per probe (src/health/monitor.ts). The runtime
 * glue only: SQLite, alarms, fetch and `connect()` from `cloudflare:sockets`.
 */
import { connect } from 'cloudflare:sockets'
import { DurableObject } from 'cloudflare:workers'
import { GroupCore, type GroupConfigureResult, type GroupRunResult, type GroupStore, groupName, groupsOf, placedPlan, placements } from '../src/health/group.ts'
import type { ConfigureResult, MonitorStore } from '../src/health/monitor.ts'
import type { MonitorAccess } from '../src/ops/hub.ts'
import type { PassiveOutcome } from '../src/health/observe.ts'
import type { HealthPlan } from '../src/health/plan.ts'
import type { ConnectFn, ProbeIo } from '../src/health/probes/types.ts'
import type { HealthSnapshot } from '../src/health/snapshot.ts'
import type { OpState, ServerHealth } from '../src/health/state.ts'
import type { CheckStatus } from '../src/health/status.ts'
import { voteSnapshots } from '../src/health/vote.ts'
import { checkEgress, productionConnect } from '../src/worker/egress.ts'
import type { Env } from '../src/worker/env.ts'
import { runtimeStub } from './runtime-state.ts'

const SCHEMA = [
  // Group meta (`source`, `touchedAt`) and each backend's (`plan/<backend>`).
  'CREATE TABLE IF NOT EXISTS group_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  `CREATE TABLE IF NOT EXISTS group_servers (
    backend TEXT NOT NULL,
    name TEXT NOT NULL,
    health INTEGER NOT NULL,
    state TEXT NOT NULL,
    maint INTEGER NOT NULL,
    check_status TEXT NOT NULL,
    check_code INTEGER,
    check_info TEXT NOT NULL,
    check_duration INTEGER,
    last_check INTEGER,
    last_change INTEGER NOT NULL,
    next_check INTEGER NOT NULL,
    fastinter INTEGER NOT NULL,
    consecutive_errors INTEGER NOT NULL,
    failed_checks INTEGER NOT NULL,
    down_transitions INTEGER NOT NULL,
    hana_failures INTEGER NOT NULL,
    agent TEXT,
    PRIMARY KEY (backend, name)
  )`,
]

type Row = Record<string, SqlStorageValue>

function num(v: SqlStorageValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined
}

function rowToHealth(r: Row): ServerHealth {
  const code = num(r.check_code)
  const duration = num(r.check_duration)
  const lastCheck = num(r.last_check)
  return {
    health: Number(r.health),
    state: String(r.state) as OpState,
    maint: Number(r.maint) === 1,
    checkStatus: String(r.check_status) as CheckStatus,
    ...(code !== undefined ? { checkCode: code } : {}),
    checkInfo: String(r.check_info ?? ''),
    ...(duration !== undefined ? { checkDurationMs: duration } : {}),
    ...(lastCheck !== undefined ? { lastCheck } : {}),
    lastChange: Number(r.last_change),
    nextCheck: Number(r.next_check),
    fastinter: Number(r.fastinter) === 1,
    consecutiveErrors: Number(r.consecutive_errors),
    failedChecks: Number(r.failed_checks),
    downTransitions: Number(r.down_transitions),
    hanaFailures: Number(r.hana_failures),
    ...(typeof r.agent === 'string' ? (JSON.parse(r.agent) as Pick<ServerHealth, 'agent' | 'agentWeight' | 'agentAdmin'>) : {}),
  }
}

/** The agent's part of a server's health, as JSON (null when the server has no agent state). */
function agentJson(h: ServerHealth): string | null {
  if (!h.agent && h.agentWeight === undefined && h.agentAdmin === undefined) return null
  return JSON.stringify({ agent: h.agent, agentWeight: h.agentWeight, agentAdmin: h.agentAdmin })
}

/** The group's storage over the object's SQLite database (tables `group_meta`, `group_servers`). */
export function sqlGroupStore(sql: SqlStorage): GroupStore {
  for (const s of SCHEMA) sql.exec(s)
  const getMeta = (key: string): string | undefined => sql.exec<{ value: string }>('SELECT value FROM group_meta WHERE key = ?', key).toArray()[0]?.value
  const setMeta = (key: string, value: string): void => {
    sql.exec('INSERT INTO group_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value)
  }
  const monitor = (backend: string): MonitorStore => ({
    getMeta: (key) => getMeta(`${key}/${backend}`),
    setMeta: (key, value) => setMeta(`${key}/${backend}`, value),
    loadServers: () => {
      const out = new Map<string, ServerHealth>()
      for (const r of sql.exec<Row>('SELECT * FROM group_servers WHERE backend = ?', backend).toArray()) out.set(String(r.name), rowToHealth(r))
      return out
    },
    saveServer: (name, h) => {
      sql.exec(
        `INSERT OR REPLACE INTO group_servers (backend, name, health, state, maint, check_status, check_code, check_info, check_duration, last_check,
          last_change, next_check, fastinter, consecutive_errors, failed_checks, down_transitions, hana_failures, agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        backend,
        name,
        h.health,
        h.state,
        h.maint ? 1 : 0,
        h.checkStatus,
        h.checkCode ?? null,
        h.checkInfo,
        h.checkDurationMs ?? null,
        h.lastCheck ?? null,
        h.lastChange,
        h.nextCheck,
        h.fastinter ? 1 : 0,
        h.consecutiveErrors,
        h.failedChecks,
        h.downTransitions,
        h.hanaFailures,
        agentJson(h),
      )
    },
    deleteServer: (name) => {
      sql.exec('DELETE FROM group_servers WHERE backend = ? AND name = ?', backend, name)
    },
  })
  return {
    backends: () =>
      sql
        .exec<{ key: string }>("SELECT key FROM group_meta WHERE key LIKE 'plan/%'")
        .toArray()
        .map((r) => r.key.slice('plan/'.length)),
    monitor,
    drop: (backend) => {
      sql.exec("DELETE FROM group_meta WHERE key IN ('plan/' || ?, 'touchedAt/' || ?)", backend, backend)
      sql.exec('DELETE FROM group_servers WHERE backend = ?', backend)
    },
    getMeta,
    setMeta,
  }
}

/** One backend's MonitorStore in the object's SQLite (the MonitorStore conformance suite runs on it). */
export function sqlStore(sql: SqlStorage, backend = ''): MonitorStore {
  return sqlGroupStore(sql).monitor(backend)
}

export class HealthMonitor extends DurableObject<unknown> {
  readonly #group: GroupCore

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env)
    const storage = ctx.storage
    const runtime = (env as Env | undefined)?.RUNTIME
    this.#group = new GroupCore({
      store: sqlGroupStore(storage.sql),
      alarm: { get: () => storage.getAlarm(), set: (at) => storage.setAlarm(at) },
      io: this.probeIo(),
      random: Math.random,
      log: (line) => console.log(line),
      // A backend's routing state changed: the hub hears it (it combines regions and tells the relays).
      ...(runtime
        ? {
            publish: (source: string, snapshot: HealthSnapshot) => {
              ctx.waitUntil(
                runtimeStub(runtime)
                  .putHealth(source, snapshot)
                  .catch((e: unknown) => console.error(`[health] ${source}: publishing ${snapshot.backend} failed: ${String(e)}`)),
              )
            },
          }
        : {}),
    })
  }

  /** The probes' network access. Tests override it in a subclass to fake origins. */
  protected probeIo(): ProbeIo {
    const env = this.env as Env | undefined
    const egress = checkEgress(env?.EDGEPROXY_VPC)
    const raw: ConnectFn = (address, options) => connect(address, options)
    // `edgeproxy dev --edge`: connect() refuses what production refuses.
    return { ...egress, connect: env?.EDGEPROXY_DEV_EDGE === '1' ? productionConnect(raw) : raw, now: () => Date.now() }
  }

  /** Installs the group's plans (the cron): exactly these backends, idempotent; arms the alarm. */
  async configureGroup(plans: readonly HealthPlan[]): Promise<GroupConfigureResult> {
    return this.#group.configure(plans, { replace: true })
  }

  /** Installs one backend's plan (idempotent), keeping the group's other backends. */
  async configure(plan: HealthPlan): Promise<ConfigureResult> {
    const r = await this.#group.configure([plan])
    const own = r.backends[plan.backend] as ConfigureResult
    return { ...own, nextAlarm: r.nextAlarm }
  }

  /** Health of `backend` (default: the group's only backend); undefined before its first configure. */
  async snapshot(backend?: string): Promise<HealthSnapshot | undefined> {
    const b = backend ?? this.#only()
    return b === undefined ? undefined : this.#group.snapshot(b)
  }

  /** Health of every backend of the group. */
  async snapshots(): Promise<Record<string, HealthSnapshot>> {
    return this.#group.snapshots()
  }

  /** Passive health: what the data plane saw on real traffic to `server` of `backend` (default: the only backend). */
  async report(server: string, outcome: PassiveOutcome, backend?: string): Promise<void> {
    const b = backend ?? this.#only()
    if (b !== undefined) await this.#group.report(b, server, outcome)
  }

  /** Runs the due checks now (the alarm's work), for `edgeproxy` tooling and tests. */
  async runChecks(): Promise<GroupRunResult> {
    return this.#group.runDue()
  }

  override async alarm(): Promise<void> {
    try {
      await this.#group.runDue()
    } catch (e) {
      // runDue() does not throw; if it ever does, try again in 1 s rather than in the runtime's backoff.
      console.error(`[health] alarm failed: ${String(e)}`)
      await this.ctx.storage.setAlarm(Date.now() + 1000)
    }
  }

  #only(): string | undefined {
    const all = this.#group.backends()
    return all.length === 1 ? all[0] : undefined
  }
}

/** The Durable Object namespace binding of HealthMonitor. */
export type HealthMonitorNamespace = DurableObjectNamespace<HealthMonitor>

/**
 * The monitor group placed at `hint`: created there (a `locationHint`; only the call that creates
 * the object places it), else near its first caller.
 */
export function groupStub(ns: HealthMonitorNamespace, hint: string | undefined): DurableObjectStub<HealthMonitor> {
  const name = groupName(hint)
  return hint ? ns.getByName(name, { locationHint: hint as DurableObjectLocationHint }) : ns.getByName(name)
}

/** The latest plans this isolate saw, by backend: where passive reports go. */
const knownPlans = new Map<string, HealthPlan>()

function remember(plans: readonly HealthPlan[]): void {
  knownPlans.clear()
  for (const p of plans) knownPlans.set(p.backend, p)
}

/**
 * The cron watchdog calls this to (re)install every plan: one RPC per monitor group (backends
 * sharing a placement; a `health-regions` backend is in one group per region). Idempotent;
 * re-arms lapsed groups; a group drops the backends no longer placed there.
 */
export async function configureHealthMonitors(ns: HealthMonitorNamespace, plans: readonly HealthPlan[]): Promise<void> {
  remember(plans)
  await Promise.all([...groupsOf(plans)].map(([, g]) => groupStub(ns, g.hint).configureGroup(g.plans)))
}

/** A backend's snapshot from the group at `hint`, installing the plan first when the group runs another map's (or none). */
async function placedSnapshot(ns: HealthMonitorNamespace, plan: HealthPlan, hint: string | undefined): Promise<HealthSnapshot | undefined> {
  const stub = groupStub(ns, hint)
  const snap = (await stub.snapshot(plan.backend)) as HealthSnapshot | undefined
  if (snap && snap.routeMapHash === plan.routeMapHash) return snap
  await stub.configure(placedPlan(plan, hint))
  return (await stub.snapshot(plan.backend)) as HealthSnapshot | undefined
}

/**
 * The `load` function of a SnapshotCache (src/health/snapshot.ts): reads a backend's snapshot
 * from its group and, when the group runs no plan or another RouteMap's plan for it, installs this
 * isolate's plan first (so `edgeproxy dev`, where cron never fires, gets checks too). A
 * `health-regions` backend is read from every region and the snapshots are combined by majority
 * (src/health/vote.ts; a region that fails to answer counts as UP). Backends without checks load
 * nothing (their servers count as UP).
 */
export function healthSnapshotLoader(ns: HealthMonitorNamespace, plans: readonly HealthPlan[]): (backend: string) => Promise<HealthSnapshot | undefined> {
  remember(plans)
  const byName = new Map(plans.map((p) => [p.backend, p]))
  return async (backend) => {
    const plan = byName.get(backend)
    if (!plan) return undefined
    if (!plan.regions || plan.regions.length === 0) return placedSnapshot(ns, plan, plan.locationHint)
    const regions = plan.regions
    const got = await Promise.allSettled(regions.map((r) => placedSnapshot(ns, plan, r)))
    const byRegion = new Map<string, HealthSnapshot>()
    got.forEach((g, i) => {
      if (g.status === 'fulfilled' && g.value) byRegion.set(regions[i] as string, g.value)
    })
    return voteSnapshots(regions, byRegion)
  }
}

/**
 * Passive health (src/worker/passive-health.ts): sends what the data plane saw to every group
 * that checks `backend` (each region applies it), as placed by the plans this isolate last saw.
 */
export async function reportPassive(ns: HealthMonitorNamespace, backend: string, server: string, outcome: PassiveOutcome): Promise<void> {
  const plan = knownPlans.get(backend)
  const hints = plan ? placements(plan) : [undefined]
  await Promise.all(hints.map((h) => groupStub(ns, h).report(server, outcome, backend)))
}

/** The hub's access (src/ops/hub.ts MonitorAccess) to the health monitors: configure the groups, then one snapshot per placement of a plan. */
export function monitorAccess(ns: HealthMonitorNamespace): MonitorAccess {
  return {
    configure: (plans) => configureHealthMonitors(ns, plans),
    snapshots: async (plan: HealthPlan) => {
      const out: Record<string, HealthSnapshot> = {}
      await Promise.all(
        placements(plan).map(async (hint) => {
          const snap = (await groupStub(ns, hint).snapshot(plan.backend)) as HealthSnapshot | undefined
          if (snap) out[groupName(hint)] = snap
        }),
      )
      return out
    },
  }
}
