/**
 * @module
 * The HEALTH binding's objects in the simulation: what durable-objects/health-monitor.ts does,
 * over the same core (MonitorCore, src/health/monitor.ts) with an in-memory MonitorStore whose
 * rows are counted as the SQLite one's, the object's alarm on the virtual clock (each firing a
 * billed request), and probes that reach the model's origins from the object's site.
 */
import type { SourceName } from '../../../src/cost/model.ts'
import { type MonitorStore, MonitorCore } from '../../../src/health/monitor.ts'
import type { ServerHealth } from '../../../src/health/state.ts'
import type { BindingSpec, ObjectCore, Platform, RowMeter } from '../bindings.ts'

function countedStore(rows: RowMeter): MonitorStore {
  const meta = new Map<string, string>()
  const servers = new Map<string, ServerHealth>()
  return {
    getMeta: (k) => {
      rows.read()
      return meta.get(k)
    },
    setMeta: (k, v) => {
      rows.write()
      meta.set(k, v)
    },
    loadServers: () => {
      rows.read(servers.size)
      return new Map(servers)
    },
    saveServer: (n, h) => {
      rows.write()
      servers.set(n, h)
    },
    deleteServer: (n) => {
      rows.write()
      servers.delete(n)
    },
  }
}

export function healthBinding(platform: Platform): BindingSpec {
  return {
    binding: 'HEALTH',
    create: (name: string, site: string, rows: RowMeter): ObjectCore => {
      let armed: { at: number; cancel: () => void } | undefined
      // One alarm handler at a time: an alarm due while one runs fires when it returns.
      let running = false
      let dueWhileRunning = false
      const fire = (): void => {
        if (running) {
          dueWhileRunning = true
          return
        }
        running = true
        void platform
          .alarm('HEALTH', name, 'alarm', () => core.runDue())
          .finally(() => {
            running = false
            if (dueWhileRunning) {
              dueWhileRunning = false
              fire()
            }
          })
      }
      const core: MonitorCore = new MonitorCore({
        store: countedStore(rows),
        alarm: {
          get: async () => armed?.at ?? null,
          set: async (at) => {
            // setAlarm bills as one row written.
            rows.write()
            armed?.cancel()
            const e = platform.clock.at(at, () => {
              armed = undefined
              fire()
            })
            armed = { at, cancel: () => (e.cancelled = true) }
          },
        },
        io: { fetch: (r) => platform.fetch(r), connect: (a) => platform.connect(site, a), now: () => Date.now() },
        random: Math.random,
      })
      return {
        methods: {
          configure: (plan: never) => core.configure(plan),
          snapshot: () => core.snapshot(),
          report: async (server: string, outcome: never) => {
            await core.report(server, outcome)
          },
          runChecks: () => core.runDue(),
        },
      }
    },
    source: (method): SourceName => (method === 'snapshot' ? 'snapshots' : 'health'),
  }
}
