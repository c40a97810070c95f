/**
 * @module
 * The Worker in workerd, through Miniflare: the bundled Worker with the compiled RouteMap as a
 * binding, local Durable Object and KV storage persisted on disk (so state survives a restart of
 * `edgeproxy dev`), listening on one loopback port that the bind listeners relay to.
 */
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import type { RouteMap } from '../routemap/schema.ts'
import { bundleWorker } from './bundle.ts'

export interface RuntimeOptions {
  readonly routeMap: RouteMap
  /** Directory for local DO/KV state. */
  readonly persistTo: string
  /** Loopback port for the runtime's own socket (0: any free port). */
  readonly port?: number
  readonly compatibilityDate: string
}

export interface WorkerRuntime {
  readonly url: URL
  dispose(): Promise<void>
}

export async function startRuntime(o: RuntimeOptions): Promise<WorkerRuntime> {
  const script = await bundleWorker()
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: [{ type: 'ESModule', path: 'edgeproxy-worker.js', contents: script }],
      compatibilityDate: o.compatibilityDate,
      compatibilityFlags: ['nodejs_compat'],
      bindings: { EDGEPROXY_ROUTEMAP: JSON.stringify(o.routeMap), EDGEPROXY_DEV: '1' },
      host: '127.0.0.1',
      port: o.port ?? 0,
      // Miniflare 5 keeps every local resource (DO SQLite, KV, cache) under one directory.
      resourcePersistencePath: o.persistTo,
      durableObjects: { HEALTH: { className: 'HealthMonitor', useSQLite: true }, STICK: { className: 'StickTable', useSQLite: true } },
    }),
  )
  const url = await mf.ready
  // Cron never fires by itself locally: run the watchdog once so health checks start now.
  const worker = await mf.getWorker()
  await worker.scheduled({ cron: '* * * * *' })
  return { url, dispose: () => mf.dispose() }
}
