/**
 * @module
 * The Worker configuration `edgeproxy deploy` writes (DIR/wrangler.json), derived from the
 * compiled configuration and the command line: pure, so its unit tests need no wrangler.
 *
 * The bindings, migrations, cron and compatibility settings are edgeproxy's own wrangler.toml's
 * (test/unit/cli/deploy-config.test.ts keeps the two identical). The user's RouteMap travels in
 * the bundle as wrangler's `define` of `__EDGEPROXY_ROUTEMAP__` (read by src/worker/isolate.ts):
 * a `vars` text binding would be simpler but is capped at 5 KB, less than most compiled maps,
 * while `define` is inlined by esbuild as a JSON literal whatever its size (the Worker's own
 * size limit applies, and `deploy --dry-run` prints it).
 */
import { basename, dirname } from 'node:path'
import type { RouteMap } from '../routemap/schema.ts'
import { type AddressClass, addressClass } from '../util/addresses.ts'

/** The `define` name the bundle's built-in RouteMap is read from (src/worker/isolate.ts). */
export const ROUTEMAP_DEFINE = '__EDGEPROXY_ROUTEMAP__'
/** The KV binding of the RouteMap versions (src/routemap/kv.ts). */
export const ROUTEMAPS_BINDING = 'ROUTEMAPS'
/** The Workers VPC network binding through which private origins are reached. */
export const VPC_BINDING = 'EDGEPROXY_VPC'

/** From edgeproxy's wrangler.toml: what every deployed edgeproxy Worker has. */
export const WORKER_BASE = {
  compatibility_date: '2026-11-01',
  compatibility_flags: ['nodejs_compat'],
  durable_objects: {
    bindings: [
      { name: 'HEALTH', class_name: 'HealthMonitor' },
      { name: 'STICK', class_name: 'StickTable' },
      { name: 'RUNTIME', class_name: 'RuntimeState' },
    ],
  },
  migrations: [
    { tag: 'v1', new_sqlite_classes: ['HealthMonitor'] },
    { tag: 'v2', new_sqlite_classes: ['StickTable'] },
    { tag: 'v3', new_sqlite_classes: ['RuntimeState'] },
  ],
  triggers: { crons: ['* * * * *'] },
} as const

export interface DeployConfigInput {
  readonly name: string
  /** `main`, as wrangler reads it: relative to the output directory (or absolute). */
  readonly main: string
  /** `--domain` hosts, each a Custom Domain. */
  readonly domains: readonly string[]
  /** `--route` patterns (`example.com/*`), on zones of the account. */
  readonly routes: readonly string[]
  /** The ROUTEMAPS namespace id; absent only in a dry run (wrangler --dry-run needs none). */
  readonly kvNamespaceId?: string
  /** `--vpc-network`: `cf1:network` or `cf1:vnet:<uuid>`. */
  readonly vpcNetwork?: string
  readonly routeMap: RouteMap
}

/** The wrangler.json object (wrangler 4.156's schema). */
export function deployConfig(i: DeployConfigInput): Record<string, unknown> {
  const routes = [...i.domains.map((pattern) => ({ pattern, custom_domain: true })), ...i.routes]
  return {
    $schema: 'https://unpkg.com/wrangler/config-schema.json',
    name: i.name,
    main: i.main,
    ...WORKER_BASE,
    ...(routes.length > 0 ? { routes } : { workers_dev: true }),
    kv_namespaces: [{ binding: ROUTEMAPS_BINDING, ...(i.kvNamespaceId ? { id: i.kvNamespaceId } : {}) }],
    ...(i.vpcNetwork ? { vpc_networks: [{ binding: VPC_BINDING, network_id: i.vpcNetwork, remote: true }] } : {}),
    observability: { enabled: true },
    define: { [ROUTEMAP_DEFINE]: JSON.stringify(i.routeMap) },
  }
}

/** A server the edge can reach only through a VPC network (src/util/addresses.ts). */
export interface PrivateServer {
  readonly backend: string
  readonly server: string
  readonly host: string
}

/** The servers whose address is of one of `classes` (src/util/addresses.ts). */
function serversOfClass(routeMap: RouteMap, classes: readonly AddressClass[]): PrivateServer[] {
  const out: PrivateServer[] = []
  for (const b of routeMap.backends) {
    for (const s of b.servers) {
      if (s.host && classes.includes(addressClass(s.host))) out.push({ backend: b.name, server: s.name, host: s.host })
    }
  }
  return out
}

export function privateServers(routeMap: RouteMap): PrivateServer[] {
  return serversOfClass(routeMap, ['private', 'loopback'])
}

/**
 * Servers written as a public IP address (Cloudflare's ranges included): `fetch()` at the edge
 * answers them with Cloudflare's error 1003, so they need a DNS name or a VPC network.
 */
export function rawIpServers(routeMap: RouteMap): PrivateServer[] {
  return serversOfClass(routeMap, ['public-ip', 'cloudflare'])
}

/** The one line `deploy` prints when servers are raw public IPs and there is no `--vpc-network`. */
export function rawIpMessage(servers: readonly PrivateServer[]): string {
  const list = servers.map((s) => `${s.backend}/${s.server} (${s.host})`).join(', ')
  return `edgeproxy deploy: ${list} ${servers.length === 1 ? 'is a raw IP address' : 'are raw IP addresses'}, which Cloudflare refuses to fetch() (error 1003): give ${servers.length === 1 ? 'it' : 'each'} a DNS name (a proxied record or a Tunnel hostname) in haproxy.cfg, or reach ${servers.length === 1 ? 'it' : 'them'} through a Cloudflare Tunnel with --vpc-network cf1:network (docs/deploy.md)`
}

/** The one line `deploy` prints when private servers have no `--vpc-network`. */
export function vpcNeededMessage(servers: readonly PrivateServer[]): string {
  const list = servers.map((s) => `${s.backend}/${s.server} (${s.host})`).join(', ')
  return `edgeproxy deploy: ${list} ${servers.length === 1 ? 'has a private or loopback address' : 'have private or loopback addresses'} that the edge reaches only through a Cloudflare Tunnel: run cloudflared on their network and add --vpc-network cf1:network (docs/deploy.md)`
}

const WORKER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

/** Whether `name` is a valid Worker name (lowercase letters, digits, dashes; at most 63). */
export function isWorkerName(name: string): boolean {
  return WORKER_NAME.test(name)
}

/** The default Worker name: the configuration file's directory, made a valid Worker name. */
export function defaultWorkerName(configPath: string): string {
  const dir = basename(dirname(configPath))
  const name = dir
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '')
  return name || 'edgeproxy'
}

/** `--vpc-network` values wrangler accepts: `cf1:network`, or `cf1:vnet:<uuid>`. */
export function isVpcNetworkId(id: string): boolean {
  return id === 'cf1:network' || /^cf1:vnet:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
}
