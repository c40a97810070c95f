/**
 * @module
 * `edgeproxy deploy -f haproxy.cfg`: compiles the configuration, derives the Worker's whole
 * configuration from it (src/cli/deploy-config.ts) into DIR/wrangler.json, runs `wrangler deploy`
 * on it and pushes the RouteMap as the live KV version (src/cli/versions.ts's push). With
 * `--dry-run`: `wrangler deploy --dry-run` (no account, nothing uploaded, the bundle size printed)
 * and no push.
 *
 * The ROUTEMAPS namespace is created (`wrangler kv namespace create`) on the first real deploy and
 * its id kept in DIR/state.json, per Worker name, so every later deploy and `push --remote` use it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { DomainError, parseDomain, withEdgeHosts } from '../routemap/edge-hosts.ts'
import { push } from '../routemap/publish.ts'
import type { RouteMap } from '../routemap/schema.ts'
import type { ParsedArgs } from './args.ts'
import { compileFiles, type Io } from './compile-files.ts'
import { costSummary } from './cost.ts'
import { defaultWorkerName, deployConfig, isVpcNetworkId, isWorkerName, privateServers, rawIpMessage, rawIpServers, ROUTEMAPS_BINDING, vpcNeededMessage } from './deploy-config.ts'
import { PACKAGE_ROOT, runWrangler, WranglerError, wranglerKv } from './wrangler-kv.ts'

export const DEFAULT_OUTDIR = '.edgeproxy'

/** What DIR/state.json remembers between deploys. */
interface DeployState {
  /** The ROUTEMAPS namespace id of each Worker name deployed from this directory. */
  kvNamespaces: Record<string, string>
}

function readState(file: string): DeployState {
  if (!existsSync(file)) return { kvNamespaces: {} }
  const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<DeployState>
  return { kvNamespaces: { ...(s.kvNamespaces ?? {}) } }
}

/** The credentials wrangler would deploy with: an API token in the environment, or `wrangler login`'s. */
async function hasCredentials(): Promise<boolean> {
  if (process.env.CLOUDFLARE_API_TOKEN || (process.env.CLOUDFLARE_API_KEY && process.env.CLOUDFLARE_EMAIL)) return true
  const r = await runWrangler(['whoami'])
  // wrangler has no machine-readable form for this: its sentence is the only signal.
  return r.code === 0 && !/not authenticated/i.test(r.out + r.err)
}

/** `wrangler kv namespace create`'s new id, read from the configuration snippet it prints. */
export function namespaceIdFrom(output: string): string | undefined {
  return /"id":\s*"([0-9a-f]{32})"/.exec(output)?.[1] ?? /\bid\s*=\s*"([0-9a-f]{32})"/.exec(output)?.[1]
}

/** "Total Upload: 740.29 KiB / gzip: 189.34 KiB" from wrangler's output. */
export function bundleSizeFrom(output: string): string | undefined {
  return /Total Upload:\s*([^\n]+)/.exec(output)?.[1]?.trim()
}

export interface DeployOptions {
  readonly files: readonly string[]
  readonly name?: string
  readonly domains: readonly string[]
  readonly routes: readonly string[]
  readonly vpcNetwork?: string
  readonly dryRun: boolean
  readonly outdir: string
}

export function deployOptions(args: ParsedArgs): DeployOptions {
  const name = args.string('name')
  const vpc = args.string('vpc-network')
  return {
    files: args.strings('file'),
    ...(name !== undefined ? { name } : {}),
    domains: args.strings('domain'),
    routes: args.strings('route'),
    ...(vpc !== undefined ? { vpcNetwork: vpc } : {}),
    dryRun: args.flag('dry-run'),
    outdir: args.string('outdir') ?? DEFAULT_OUTDIR,
  }
}

export async function deployCommand(o: DeployOptions, io: Io): Promise<number> {
  const fail = (line: string) => {
    io.err(line)
    return 1
  }
  const r = compileFiles(o.files, io, { quiet: true })
  if (!r.routeMap) return fail(`Fatal errors found in configuration (${r.errorCount} error${r.errorCount === 1 ? '' : 's'}): nothing deployed.`)
  let routeMap: RouteMap
  try {
    routeMap = withEdgeHosts(r.routeMap, o.domains.map(parseDomain))
  } catch (e) {
    if (e instanceof DomainError) return fail(`edgeproxy deploy: ${e.message}`)
    throw e
  }
  const name = o.name ?? defaultWorkerName(resolve(o.files[0] ?? 'haproxy.cfg'))
  if (!isWorkerName(name)) return fail(`edgeproxy deploy: '${name}' is not a Worker name (lowercase letters, digits and dashes, at most 63): give one with --name`)
  if (o.vpcNetwork !== undefined && !isVpcNetworkId(o.vpcNetwork)) return fail(`edgeproxy deploy: --vpc-network '${o.vpcNetwork}': expected cf1:network or cf1:vnet:<uuid>`)
  const unreachable = privateServers(routeMap)
  if (unreachable.length > 0 && o.vpcNetwork === undefined) return fail(vpcNeededMessage(unreachable))
  const rawIps = rawIpServers(routeMap)
  if (rawIps.length > 0 && o.vpcNetwork === undefined) return fail(rawIpMessage(rawIps))

  const outdir = resolve(o.outdir)
  const configFile = join(outdir, 'wrangler.json')
  const stateFile = join(outdir, 'state.json')
  mkdirSync(outdir, { recursive: true })
  const state = readState(stateFile)
  const guarded = async (f: () => Promise<number>) => {
    try {
      return await f()
    } catch (e) {
      if (e instanceof WranglerError) return fail(`edgeproxy deploy: ${e.message}`)
      throw e
    }
  }
  return guarded(async () => {
    if (!o.dryRun) {
      if (!(await hasCredentials())) return fail("edgeproxy deploy: not logged in to Cloudflare: run 'npx wrangler login', or set CLOUDFLARE_API_TOKEN (or use --dry-run)")
      if (!state.kvNamespaces[name]) {
        const c = await runWrangler(['kv', 'namespace', 'create', `${name}-routemaps`])
        const id = namespaceIdFrom(c.out)
        if (c.code !== 0 || !id) throw new WranglerError(`wrangler kv namespace create ${name}-routemaps failed (exit ${c.code}):\n${c.err.trim() || c.out.trim()}`)
        state.kvNamespaces[name] = id
        writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`)
        io.out(`created the KV namespace ${name}-routemaps (${id}), remembered in ${relative(process.cwd(), stateFile) || stateFile}`)
      }
    }
    const kvId = state.kvNamespaces[name]
    const config = deployConfig({
      name,
      main: relative(outdir, join(PACKAGE_ROOT, 'src', 'index.ts')),
      domains: routeMap.frontends.flatMap((f) => f.edgeHosts ?? []),
      routes: o.routes,
      ...(kvId ? { kvNamespaceId: kvId } : {}),
      ...(o.vpcNetwork ? { vpcNetwork: o.vpcNetwork } : {}),
      routeMap,
    })
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`)
    io.out(`wrote ${relative(process.cwd(), configFile) || configFile} (Worker '${name}', RouteMap ${routeMap.hash.slice(0, 12)})`)
    const args = ['deploy', '--config', configFile, ...(o.dryRun ? ['--dry-run', '--outdir', join(outdir, 'dist')] : [])]
    const d = await runWrangler(args, o.dryRun ? undefined : (chunk) => process.stderr.write(chunk))
    if (d.code !== 0) throw new WranglerError(`wrangler ${args.join(' ')} failed (exit ${d.code}):\n${d.err.trim() || d.out.trim()}`)
    const size = bundleSizeFrom(d.out + d.err)
    if (o.dryRun) {
      io.out(`dry run: bundled in ${relative(process.cwd(), join(outdir, 'dist')) || '.'}${size ? `, ${size}` : ''}; nothing uploaded, nothing pushed`)
      io.out(costSummary(routeMap, o.files))
      return 0
    }
    const kv = wranglerKv({ remote: true, config: configFile, binding: ROUTEMAPS_BINDING })
    const p = await push(kv, routeMap, o.files)
    io.out(`deployed '${name}'${size ? ` (${size})` : ''}; RouteMap ${p.unchanged ? `${p.version} already live` : `pushed as ${p.version}, live`}`)
    return 0
  })
}
