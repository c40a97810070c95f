/**
 * @module
 * The HEALTH binding's objects in the simulation: what durable-objects/health-monitor.ts does —
 * a monitor group (`group:<hint|default>`, GroupCore of src/health/group.ts: one MonitorCore per
 * backend under one alarm) — over an in-memory GroupStore whose rows are counted as the SQLite
 * one's, the object's alarm on the virtual clock (each firing a billed request), probes that
 * reach the model's origins from the object's site, and `publish` to the hub's `putHealth`.
 */
import type { SourceName } from '../../../src/cost/model.ts'
import { GroupCore, type GroupStore, memoryGroupStore } from '../../../src/health/group.ts'
import type { HealthSnapshot } from '../../../src/health/snapshot.ts'
import { HUB_NAME } from '../../../src/ops/plane.ts'
import { type BindingSpec, type ObjectCore, objectAlarm, type Platform, type RowMeter } from '../bindings.ts'

/** memoryGroupStore with SQLite's row counts (reads of meta and server rows, every write). */
function countedStore(rows: RowMeter): GroupStore {
  const s = memoryGroupStore()
  return {
    backends: () => s.backends(),
    monitor: (backend) => {
      const m = s.monitor(backend)
      return {
        getMeta: (k) => {
          rows.read()
          return m.getMeta(k)
        },
        setMeta: (k, v) => {
          rows.write()
          m.setMeta(k, v)
        },
        loadServers: () => {
          const r = m.loadServers()
          rows.read(r.size)
          return r
        },
        saveServer: (n, h) => {
          rows.write()
          m.saveServer(n, h)
        },
        deleteServer: (n) => {
          rows.write()
          m.deleteServer(n)
        },
      }
    },
    drop: (backend) => {
      rows.write()
      s.drop(backend)
    },
    getMeta: (k) => {
      rows.read()
      return s.getMeta(k)
    },
    setMeta: (k, v) => {
      rows.write()
      s.setMeta(k, v)
    },
  }
}

export function healthBinding(platform: Platform): BindingSpec {
  return {
    binding: 'HEALTH',
    create: (name: string, site: string, rows: RowMeter): ObjectCore => {
      const runtime = platform.namespace('RUNTIME', site)
      const group: GroupCore = new GroupCore({
        store: countedStore(rows),
        alarm: objectAlarm(platform, 'HEALTH', name, rows, () => group.runDue()),
        io: { fetch: (r) => platform.fetch(r), connect: (a) => platform.connect(site, a), now: () => Date.now() },
        random: Math.random,
        // A backend's routing change goes to the hub (ctx.waitUntil in the class: not awaited).
        publish: (source: string, snapshot: HealthSnapshot) => {
          void (runtime.getByName(HUB_NAME) as { putHealth(s: string, h: HealthSnapshot): Promise<void> }).putHealth(source, snapshot).catch(() => {})
        },
      })
      const only = (): string | undefined => {
        const all = group.backends()
        return all.length === 1 ? all[0] : undefined
      }
      return {
        methods: {
          configureGroup: (plans: never) => group.configure(plans, { replace: true }),
          configure: async (plan: { backend: string }) => {
            const r = await group.configure([plan as never])
            return { ...r.backends[plan.backend], nextAlarm: r.nextAlarm }
          },
          snapshot: async (backend?: string) => {
            const b = backend ?? only()
            return b === undefined ? undefined : group.snapshot(b)
          },
          snapshots: () => group.snapshots(),
          report: async (server: string, outcome: never, backend?: string) => {
            const b = backend ?? only()
            if (b !== undefined) await group.report(b, server, outcome)
          },
          runChecks: () => group.runDue(),
        },
      }
    },
    source: (method): SourceName => (method === 'snapshot' || method === 'snapshots' ? 'snapshots' : 'health'),
  }
}
