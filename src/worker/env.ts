/**
 * @module
 * The Worker's bindings (wrangler.toml) and the settings `edgeproxy dev` passes as variables.
 */
import type { StickTableNamespace } from '../../durable-objects/stick-table.ts'
import type { HealthMonitorNamespace } from '../../durable-objects/health-monitor.ts'
import type { RuntimeStateNamespace } from '../../durable-objects/runtime-state.ts'
import type { KvReader } from '../routemap/live.ts'

export interface Env {
  /** RouteMap JSON text (set by `edgeproxy dev`): the fallback when KV has no live version. */
  readonly EDGEPROXY_ROUTEMAP?: string
  /** Set by `edgeproxy dev`: requests arrive through its bind listeners. */
  readonly EDGEPROXY_DEV?: string
  /** Secret: the runtime API's bearer token. Unset: no runtime API endpoint. */
  readonly EDGEPROXY_API_TOKEN?: string
  /**
   * `edgeproxy dev`: how often (ms) the isolate syncs with its relay at most (default: as the relay
   * says, 3–4 s) and the hub re-reads the live pointer (default 1000); without the state plane, how
   * often the isolate re-reads the pointer (default 5000).
   */
  readonly EDGEPROXY_POLL_MS?: string
  /** RouteMap versions and the live pointer (src/routemap/kv.ts). */
  readonly ROUTEMAPS?: KvReader
  /** HealthMonitor Durable Objects, one group per placement of checked backends (src/health/group.ts). */
  readonly HEALTH?: HealthMonitorNamespace
  /** StickTable Durable Objects, sharded by key hash (`${table}:${shard}`). */
  readonly STICK?: StickTableNamespace
  /** The RuntimeState Durable Objects: the state plane's hub `global` and a relay `loc:<colo>` per location. */
  readonly RUNTIME?: RuntimeStateNamespace
  /**
   * A Workers VPC network (`vpc_networks`, written by `edgeproxy deploy --vpc-network`; emulated by
   * `edgeproxy dev --edge --vpc-network`): servers with an IP address or a loopback name are fetched
   * through it (src/worker/egress.ts), hostnames with the global fetch().
   */
  readonly EDGEPROXY_VPC?: { fetch(input: Request | string, init?: RequestInit): Promise<Response> }
  /** Set by `edgeproxy dev --edge`: the platform's production rules apply (connect() refusals). */
  readonly EDGEPROXY_DEV_EDGE?: string
}
