/**
 * @module
 * The HealthMonitor Durable Object: one per backend, named by the backend's name
 * (`HEALTH.getByName(backend)`), so health survives config pushes; `configure(plan)` replaces
 * the plan and keeps the state of servers that still exist. Its alarm runs the checks (logic in
 * src/health/monitor.ts); per-server state lives in SQLite; `snapshot()` is what the data plane
 * reads. The runtime glue only: storage, alarms, fetch and `connect()` from `cloudflare:sockets`.
 */
import { connect } from 'cloudflare:sockets'
import { DurableObject } from 'cloudflare:workers'
import type { HealthPlan } from '../src/health/plan.ts'
import type { MonitorStore, ConfigureResult, RunResult } from '../src/health/monitor.ts'
import { MonitorCore } from '../src/health/monitor.ts'
import type { PassiveOutcome } from '../src/health/observe.ts'
import type { ConnectFn, ProbeIo } from '../src/health/probes/types.ts'
import type { HealthSnapshot } from '../src/health/snapshot.ts'
import type { OpState, ServerHealth } from '../src/health/state.ts'
import type { CheckStatus } from '../src/health/status.ts'
import { checkEgress, productionConnect } from '../src/worker/egress.ts'
import type { Env } from '../src/worker/env.ts'

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  `CREATE TABLE IF NOT EXISTS servers (
    name TEXT PRIMARY KEY,
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
    hana_failures INTEGER NOT NULL
  )`,
]

/** Columns added after the first schema (ALTER TABLE fails harmlessly once they exist). */
const MIGRATIONS = ['ALTER TABLE servers ADD COLUMN agent TEXT']

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

/** MonitorStore over the object's SQLite database. */
export function sqlStore(sql: SqlStorage): MonitorStore {
  for (const s of SCHEMA) sql.exec(s)
  for (const m of MIGRATIONS) {
    try {
      sql.exec(m)
    } catch {
      // Already applied.
    }
  }
  return {
    getMeta: (key) => {
      const rows = sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()
      return rows[0]?.value
    },
    setMeta: (key, value) => {
      sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value)
    },
    loadServers: () => {
      const out = new Map<string, ServerHealth>()
      for (const r of sql.exec<Row>('SELECT * FROM servers').toArray()) out.set(String(r.name), rowToHealth(r))
      return out
    },
    saveServer: (name, h) => {
      sql.exec(
        `INSERT OR REPLACE INTO servers (name, health, state, maint, check_status, check_code, check_info, check_duration, last_check,
          last_change, next_check, fastinter, consecutive_errors, failed_checks, down_transitions, hana_failures, agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      sql.exec('DELETE FROM servers WHERE name = ?', name)
    },
  }
}

export class HealthMonitor extends DurableObject<unknown> {
  readonly #core: MonitorCore

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env)
    const storage = ctx.storage
    this.#core = new MonitorCore({
      store: sqlStore(storage.sql),
      alarm: { get: () => storage.getAlarm(), set: (at) => storage.setAlarm(at) },
      io: this.probeIo(),
      random: Math.random,
      log: (line) => console.log(line),
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

  /** Installs the backend's check plan (idempotent) and arms the alarm if none is set. */
  async configure(plan: HealthPlan): Promise<ConfigureResult> {
    return this.#core.configure(plan)
  }

  /** Health of every checked server; undefined before the first configure(). */
  async snapshot(): Promise<HealthSnapshot | undefined> {
    return this.#core.snapshot()
  }

  /** Passive health: what the data plane saw on real traffic to `server`. */
  async report(server: string, outcome: PassiveOutcome): Promise<void> {
    await this.#core.report(server, outcome)
  }

  /** Runs the due checks now (the alarm's work), for `edgeproxy` tooling and tests. */
  async runChecks(): Promise<RunResult> {
    return this.#core.runDue()
  }

  override async alarm(): Promise<void> {
    try {
      await this.#core.runDue()
    } catch (e) {
      // runDue() does not throw; if it ever does, try again in 1 s rather than in the runtime's backoff.
      console.error(`[health] alarm failed: ${String(e)}`)
      await this.ctx.storage.setAlarm(Date.now() + 1000)
    }
  }
}

/** The Durable Object namespace binding of HealthMonitor. */
export type HealthMonitorNamespace = DurableObjectNamespace<HealthMonitor>

/**
 * The backend's HealthMonitor, created where `health-location` says (a `locationHint`; only the
 * first call that creates the object places it), else near its first caller.
 */
export function monitorOf(ns: HealthMonitorNamespace, plan: HealthPlan): DurableObjectStub<HealthMonitor> {
  return plan.locationHint ? ns.getByName(plan.backend, { locationHint: plan.locationHint as DurableObjectLocationHint }) : ns.getByName(plan.backend)
}

/**
 * The cron watchdog calls this to (re)install every backend's plan: one RPC per backend with
 * checks, each to the object named after the backend. Idempotent; re-arms lapsed monitors.
 */
export async function configureHealthMonitors(ns: HealthMonitorNamespace, plans: readonly HealthPlan[]): Promise<void> {
  await Promise.all(plans.map((p) => monitorOf(ns, p).configure(p)))
}

/**
 * The `load` function of a SnapshotCache (src/health/snapshot.ts): reads a backend's snapshot
 * and, when the monitor runs no plan or another RouteMap's plan, installs this isolate's plan
 * first (so `edgeproxy dev`, where cron never fires, gets checks too). Backends without checks
 * load nothing (their servers count as UP).
 */
export function healthSnapshotLoader(ns: HealthMonitorNamespace, plans: readonly HealthPlan[]): (backend: string) => Promise<HealthSnapshot | undefined> {
  const byName = new Map(plans.map((p) => [p.backend, p]))
  return async (backend) => {
    const plan = byName.get(backend)
    if (!plan) return undefined
    const stub = monitorOf(ns, plan)
    const snap = (await stub.snapshot()) as HealthSnapshot | undefined
    if (snap && snap.routeMapHash === plan.routeMapHash) return snap
    await stub.configure(plan)
    return (await stub.snapshot()) as HealthSnapshot | undefined
  }
}
