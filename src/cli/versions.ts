/**
 * @module
 * `edgeproxy push -f FILE`, `edgeproxy rollback [VERSION]`, `edgeproxy status`: RouteMap versions
 * in KV (src/routemap/kv.ts), written through wrangler (src/cli/wrangler-kv.ts). A push validates
 * and compiles first: a configuration with errors prints its diagnostics and changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs'
import { DomainError, type DomainSpec, withEdgeHosts } from '../routemap/edge-hosts.ts'
import { formatStatus, type KvStore, push, RollbackError, readState, rollback } from '../routemap/publish.ts'
import type { RouteMap } from '../routemap/schema.ts'
import type { ParsedArgs } from './args.ts'
import { compileFiles, type Io } from './compile-files.ts'
import { ROUTEMAP_DEFINE } from './deploy-config.ts'
import { WranglerError, wranglerConfig, wranglerKv } from './wrangler-kv.ts'

/** The default local store: the one `edgeproxy dev` and `wrangler dev` use. */
export const DEFAULT_PERSIST_TO = '.wrangler/state'

export function kvFromArgs(args: ParsedArgs): KvStore {
  const remote = args.flag('remote')
  const config = args.string('config')
  const binding = args.string('binding')
  return wranglerKv({
    remote,
    persistTo: args.string('persist-to') ?? DEFAULT_PERSIST_TO,
    ...(config ? { config } : {}),
    ...(binding ? { binding } : {}),
  })
}

function where(args: ParsedArgs): string {
  return args.flag('remote') ? 'remote KV' : `local KV (${args.string('persist-to') ?? DEFAULT_PERSIST_TO})`
}

/**
 * The deploy's hostnames (`deploy --domain`), read from the RouteMap built into a configuration
 * `edgeproxy deploy` wrote: a push to that Worker keeps its frontends on their hostnames.
 */
export function deployedDomains(configFile: string): DomainSpec[] {
  if (!configFile.endsWith('.json') || !existsSync(configFile)) return []
  const define = (JSON.parse(readFileSync(configFile, 'utf8')) as { define?: Record<string, string> }).define?.[ROUTEMAP_DEFINE]
  if (!define) return []
  const rm = JSON.parse(define) as RouteMap
  return rm.frontends.flatMap((f) => (f.edgeHosts ?? []).map((host) => ({ frontend: f.name, host })))
}

async function guarded(io: Io, f: () => Promise<number>): Promise<number> {
  try {
    return await f()
  } catch (e) {
    if (e instanceof WranglerError || e instanceof RollbackError || e instanceof DomainError) {
      io.err(`edgeproxy: ${e.message}`)
      return 1
    }
    throw e
  }
}

export function pushCommand(args: ParsedArgs, files: readonly string[], io: Io, kv = kvFromArgs(args)): Promise<number> {
  return guarded(io, async () => {
    // Errors are printed; warnings only counted (`edgeproxy check` shows them).
    const r = compileFiles(files, io, { quiet: true })
    const warnings = r.diagnostics.length - r.errorCount
    if (warnings > 0 && r.routeMap) io.err(`${warnings} warning${warnings === 1 ? '' : 's'} about what the edge does differently: see 'edgeproxy check ${files.map((f) => `-f ${f}`).join(' ')}'`)
    if (!r.routeMap) {
      io.err(`Fatal errors found in configuration (${r.errorCount} error${r.errorCount === 1 ? '' : 's'}): nothing pushed, the live version is unchanged.`)
      return 1
    }
    const routeMap = withEdgeHosts(r.routeMap, deployedDomains(wranglerConfig(args.string('config'), args.flag('remote'))))
    const res = await push(kv, routeMap, files)
    if (res.unchanged) io.out(`${res.version} (${routeMap.hash.slice(0, 12)}) is already live in ${where(args)}: nothing to push`)
    else io.out(`pushed ${res.version} (${routeMap.hash.slice(0, 12)}) to ${where(args)}; live: ${res.previous ? `${res.previous} → ` : ''}${res.version}`)
    return 0
  })
}

export function rollbackCommand(args: ParsedArgs, io: Io, kv = kvFromArgs(args)): Promise<number> {
  return guarded(io, async () => {
    const res = await rollback(kv, args.positionals[0])
    if (res.unchanged) io.out(`${res.version} is already live in ${where(args)}`)
    else io.out(`rolled back in ${where(args)}; live: ${res.previous ?? 'none'} → ${res.version}`)
    return 0
  })
}

export function statusCommand(args: ParsedArgs, io: Io, kv = kvFromArgs(args)): Promise<number> {
  return guarded(io, async () => {
    const { live, history } = await readState(kv)
    io.out(`${where(args)}\n${formatStatus(live, history)}`)
    return 0
  })
}
