/**
 * @module
 * The Worker in workerd, through Miniflare: the bundled Worker with the compiled RouteMap as a
 * binding (the fallback) and published as the live version in the local `ROUTEMAPS` KV, local
 * Durable Object and KV storage persisted on disk in wrangler's layout (`<persistTo>/v3`, so
 * `wrangler kv … --local` and `edgeproxy push --local` write to the store this Worker reads),
 * listening on one loopback port that the bind listeners relay to.
 */
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import { type KvStore, push, type PushResult } from '../routemap/publish.ts'
import type { RouteMap } from '../routemap/schema.ts'
import { bundleWorker } from './bundle.ts'
import { EDGE_FLAG_BINDING, type EdgeRules, VPC_BINDING } from './edge.ts'
import { edgeOutbound, vpcOutbound } from './edge-outbound.ts'

export interface RuntimeOptions {
  readonly routeMap: RouteMap
  /** The configuration files (recorded in the version history). */
  readonly sources: readonly string[]
  /** Directory for local DO/KV state (wrangler's `--persist-to`). */
  readonly persistTo: string
  /** Loopback port for the runtime's own socket (0: any free port). */
  readonly port?: number
  readonly compatibilityDate: string
  /** The ROUTEMAPS namespace id from wrangler.toml (names the local store). */
  readonly kvNamespaceId: string
  /** The runtime API token (the EDGEPROXY_API_TOKEN secret). */
  readonly apiToken: string
  /** `--edge`: the Worker's outbound traffic follows the edge's rules (and the VPC binding, with `--vpc-network`). */
  readonly edge?: EdgeRules
}

export interface WorkerRuntime {
  readonly url: URL
  /** The version of the RouteMap published at start (or already live). */
  readonly published: PushResult
  /** Sends a request straight to the Worker (no bind listener). */
  dispatch(url: string, init: RequestInit): Promise<{ status: number; text: string }>
  dispose(): Promise<void>
}

/** How often the Worker re-reads the live pointer under dev (a push shows within this). */
export const DEV_POLL_MS = 1000

export async function startRuntime(o: RuntimeOptions): Promise<WorkerRuntime> {
  const script = await bundleWorker()
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: [{ type: 'ESModule', path: 'edgeproxy-worker.js', contents: script }],
      compatibilityDate: o.compatibilityDate,
      compatibilityFlags: ['nodejs_compat'],
      ...(o.edge
        ? {
            outboundService: edgeOutbound(o.edge),
            ...(o.edge.vpcNetwork !== undefined ? { serviceBindings: { [VPC_BINDING]: vpcOutbound(o.edge) } } : {}),
          }
        : {}),
      bindings: {
        EDGEPROXY_ROUTEMAP: JSON.stringify(o.routeMap),
        EDGEPROXY_DEV: '1',
        EDGEPROXY_API_TOKEN: o.apiToken,
        EDGEPROXY_POLL_MS: String(DEV_POLL_MS),
        ...(o.edge ? { [EDGE_FLAG_BINDING]: '1' } : {}),
      },
      host: '127.0.0.1',
      port: o.port ?? 0,
      // Miniflare 5 keeps every local resource (DO SQLite, KV, cache) under one directory; wrangler uses `<persist-to>/v3`.
      resourcePersistencePath: `${o.persistTo}/v3`,
      kvNamespaces: { ROUTEMAPS: o.kvNamespaceId },
      durableObjects: {
        HEALTH: { className: 'HealthMonitor', useSQLite: true },
        STICK: { className: 'StickTable', useSQLite: true },
        RUNTIME: { className: 'RuntimeState', useSQLite: true },
      },
    }),
  )
  const url = await mf.ready
  const ns = await mf.getKVNamespace('ROUTEMAPS')
  const kv: KvStore = {
    get: (key) => ns.get(key),
    async putMany(entries) {
      for (const e of entries) await ns.put(e.key, e.value)
    },
  }
  // `edgeproxy dev -f FILE` runs FILE: it becomes the live version (unless it already is).
  const published = await push(kv, o.routeMap, o.sources, 'dev')
  // Cron never fires by itself locally: run the watchdog once so health checks start now.
  const worker = await mf.getWorker()
  await worker.scheduled({ cron: '* * * * *' })
  return {
    url,
    published,
    async dispatch(target, init) {
      const res = await mf.dispatchFetch(target, init as Parameters<typeof mf.dispatchFetch>[1])
      return { status: res.status, text: await res.text() }
    },
    dispose: () => mf.dispose(),
  }
}
