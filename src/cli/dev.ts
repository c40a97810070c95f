/**
 * @module
 * `edgeproxy dev -f FILE`: compiles the config, runs the Worker in workerd with it, and listens on
 * every HTTP frontend's bind address:port as written, so one file runs under `haproxy -f` and
 * `edgeproxy dev -f` unchanged. Prints `ready` once serving; SIGINT/SIGTERM stop it in HAProxy's
 * soft-stop order within `hard-stop-after` (src/dev/shutdown.ts).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { type EdgeHost, type EdgeRules, isVpcNetworkId, parseEdgeHost } from '../dev/edge.ts'
import { DomainError, parseDomain, withEdgeHosts } from '../routemap/edge-hosts.ts'
import { isProxyPort } from '../util/addresses.ts'
import { parseConfig } from '../config/parser.ts'
import { DiagnosticBag } from '../config/diagnostics.ts'
import { createSourceFile } from '../config/source.ts'
import { parseTime } from '../util/time.ts'
import { type DemoServer, demoOriginsFor, startDemoOrigin } from '../dev/demo-origins.ts'
import { DEFAULT_HARD_STOP_MS, drainDeadline, stopInOrder } from '../dev/shutdown.ts'
import { type ListenAddress, type ListenOptions, type Listener, listen } from '../dev/listeners.ts'
import { startRuntime, type WorkerRuntime } from '../dev/runtime.ts'
import { openStatsSocket, type StatsSocket } from '../dev/stats-socket.ts'
import { API_LEVEL_HEADER, API_PATH } from '../ops/api-http.ts'
import { devApiFile } from './api.ts'
import { DEFAULT_PERSIST_TO } from './versions.ts'
import { compileFiles, type Io } from './compile-files.ts'

export interface DevOptions {
  readonly files: readonly string[]
  readonly demoOrigins: boolean
  readonly persistTo?: string
  /** `--edge`: the platform's production rules (docs/edge-dev.md). */
  readonly edge?: boolean
  readonly vpcNetwork?: string | undefined
  readonly edgeHosts?: readonly string[]
  /** `--domain [FRONTEND=]HOST` with --edge: the deploy's hostnames (src/routemap/edge-hosts.ts). */
  readonly domains?: readonly string[]
  readonly tlsCert?: string | undefined
  readonly tlsKey?: string | undefined
  readonly tlsCa?: string | undefined
  /** Resolves when the command should stop (defaults to SIGINT/SIGTERM). */
  readonly until?: Promise<void>
  /** Ends the process when `hard-stop-after` passes during a stop (defaults to process.exit). */
  readonly exit?: (code: number) => void
}

const WRANGLER_TOML = new URL('../../wrangler.toml', import.meta.url)

function compatibilityDate(): string {
  const m = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(WRANGLER_TOML, 'utf8'))
  return m?.[1] ?? '2026-11-01'
}

/** The ROUTEMAPS namespace id in wrangler.toml: wrangler's local store for it is the one dev uses. */
function kvNamespaceId(): string {
  const m = /binding\s*=\s*"ROUTEMAPS"\s*\nid\s*=\s*"([^"]+)"/.exec(readFileSync(WRANGLER_TOML, 'utf8'))
  return m?.[1] ?? 'edgeproxy-routemaps'
}

/**
 * Resolves on the first SIGINT/SIGTERM. Miniflare installs handlers that kill workerd and exit with
 * 130/143; they are replaced so the stop runs in order and the command exits 0 (its exit hook,
 * which kills workerd however the process ends, stays). A signal during the stop (a second Ctrl-C,
 * or the same signal sent to the process group and forwarded) is noted and changes nothing: the
 * stop is bounded by `hard-stop-after` anyway.
 */
function signals(io: Io): Promise<void> {
  let got = false
  return new Promise((res) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(sig)
      process.on(sig, () => {
        if (got) io.out(`edgeproxy dev: ${sig} while stopping: already stopping`)
        got = true
        res()
      })
    }
  })
}

/** `hard-stop-after` of the global section (ms), or undefined: the value HAProxy would read. */
export function hardStopAfter(files: readonly string[]): number | undefined {
  const sources = files.map((f) => createSourceFile(f, readFileSync(f, 'utf8')))
  let ms: number | undefined
  for (const section of parseConfig(sources, (n) => process.env[n], new DiagnosticBag()).sections) {
    if (section.kind !== 'global') continue
    for (const st of section.statements) {
      const [kw, arg] = st.words
      if (kw?.text !== 'hard-stop-after' || arg === undefined) continue
      const t = parseTime(arg.text, 'ms')
      if (t.ok) ms = t.value
    }
  }
  return ms
}

/** The `--edge` options as rules and TLS material; a string is the error to print. */
function edgeSetup(o: DevOptions): { rules?: EdgeRules; tls?: ListenOptions['tls'] } | string {
  const needsEdge = [
    o.vpcNetwork !== undefined && '--vpc-network',
    (o.edgeHosts ?? []).length > 0 && '--edge-host',
    (o.domains ?? []).length > 0 && '--domain',
    o.tlsCert !== undefined && '--tls-cert',
    o.tlsKey !== undefined && '--tls-key',
    o.tlsCa !== undefined && '--tls-ca',
  ].filter((x): x is string => typeof x === 'string')
  if (!o.edge) return needsEdge.length > 0 ? `edgeproxy dev: ${needsEdge.join(', ')} need${needsEdge.length === 1 ? 's' : ''} --edge` : {}
  if (o.vpcNetwork !== undefined && !isVpcNetworkId(o.vpcNetwork)) return `edgeproxy dev: --vpc-network '${o.vpcNetwork}': expected cf1:network or cf1:vnet:<UUID>`
  const hosts = new Map<string, EdgeHost>()
  for (const spec of o.edgeHosts ?? []) {
    const h = parseEdgeHost(spec)
    if (typeof h === 'string') return `edgeproxy dev: ${h}`
    hosts.set(h.name, h.to)
  }
  if ((o.tlsKey !== undefined || o.tlsCa !== undefined) && o.tlsCert === undefined) return 'edgeproxy dev: --tls-key and --tls-ca need --tls-cert'
  let tls: ListenOptions['tls']
  if (o.tlsCert !== undefined) {
    try {
      const cert = readFileSync(o.tlsCert, 'utf8')
      tls = { cert, key: o.tlsKey !== undefined ? readFileSync(o.tlsKey, 'utf8') : cert, ...(o.tlsCa !== undefined ? { ca: readFileSync(o.tlsCa, 'utf8') } : {}) }
    } catch (e) {
      return `edgeproxy dev: ${(e as Error).message}`
    }
  }
  return { rules: { hosts, ...(o.vpcNetwork !== undefined ? { vpcNetwork: o.vpcNetwork } : {}) }, ...(tls ? { tls } : {}) }
}

export async function dev(o: DevOptions, io: Io): Promise<number> {
  const edge = edgeSetup(o)
  if (typeof edge === 'string') {
    io.err(edge)
    return 2
  }
  const r = compileFiles(o.files, io, { quiet: true })
  const warnings = r.diagnostics.length - r.errorCount
  if (warnings > 0) io.err(`${warnings} warning${warnings === 1 ? '' : 's'} about what the edge does differently: see 'edgeproxy check ${o.files.map((f) => `-f ${f}`).join(' ')}'`)
  if (!r.routeMap) {
    io.err(`Fatal errors found in configuration (${r.errorCount} error${r.errorCount === 1 ? '' : 's'}).`)
    return 1
  }
  let routeMap = r.routeMap
  try {
    routeMap = withEdgeHosts(routeMap, (o.domains ?? []).map(parseDomain))
  } catch (e) {
    if (!(e instanceof DomainError)) throw e
    io.err(`edgeproxy dev: ${e.message}`)
    return 2
  }
  const servers: DemoServer[] = []
  const listeners: Listener[] = []
  const sockets: StatsSocket[] = []
  let runtime: WorkerRuntime | undefined
  const persistTo = resolve(o.persistTo ?? DEFAULT_PERSIST_TO)
  const apiFile = devApiFile(persistTo)
  const hardStopMs = hardStopAfter(o.files) ?? DEFAULT_HARD_STOP_MS
  /**
   * The soft stop, in HAProxy's order, within `hard-stop-after`: at the deadline a timer ends the
   * process whatever still runs (under the CLI it stays armed after the stop, unreferenced, so
   * nothing left behind can keep the process alive past it).
   */
  const stopAll = async () => {
    const start = Date.now()
    const deadline = start + hardStopMs
    const hard = setTimeout(() => {
      io.err(`edgeproxy dev: hard-stop-after ${hardStopMs} ms reached: exiting with connections or the runtime still open`)
      rmSync(apiFile, { force: true })
      // The code the command returned, if it did (bin/edgeproxy.mjs sets it), else 0: the stop was asked for.
      ;(o.exit ?? process.exit)(typeof process.exitCode === 'number' ? process.exitCode : 0)
    }, hardStopMs)
    hard.unref()
    const drain = drainDeadline(start, hardStopMs)
    const late = await stopInOrder(
      [
        // Every listening socket stops accepting at once, as HAProxy's do.
        { name: 'the listeners', run: () => Promise.all([...sockets.map((s) => s.close()), ...listeners.map((l) => l.close(drain))]) },
        { name: 'the Worker runtime', run: async () => runtime?.dispose() },
        { name: 'the demo origins', run: () => Promise.all(servers.map((s) => s.close())) },
      ],
      deadline,
      io.err,
    )
    rmSync(apiFile, { force: true })
    if (late.length > 0) io.err(`edgeproxy dev: ${late.join(', ')} did not stop within hard-stop-after (${hardStopMs} ms)`)
    if (o.until !== undefined) clearTimeout(hard)
  }
  try {
    if (o.demoOrigins) {
      for (const origin of demoOriginsFor(routeMap)) {
        servers.push(await startDemoOrigin(origin))
        io.out(`demo origin ${origin.backend}/${origin.server} on http://${origin.host}:${origin.port}`)
      }
    }
    const apiToken = process.env.EDGEPROXY_API_TOKEN || randomBytes(18).toString('base64url')
    runtime = await startRuntime({
      routeMap,
      sources: o.files,
      persistTo,
      compatibilityDate: compatibilityDate(),
      kvNamespaceId: kvNamespaceId(),
      apiToken,
      ...(edge.rules ? { edge: edge.rules } : {}),
    })
    const rt = runtime
    const p = runtime.published
    io.out(
      p.unchanged
        ? `RouteMap ${p.version} is live in the local KV (${persistTo})`
        : `RouteMap published as ${p.version} in the local KV (${persistTo})${p.previous ? `, replacing ${p.previous}` : ''}`,
    )
    const target = { host: runtime.url.hostname, port: Number(runtime.url.port) }
    // `edgeproxy api` without --url talks to this process.
    mkdirSync(dirname(apiFile), { recursive: true })
    writeFileSync(apiFile, JSON.stringify({ url: runtime.url.href, token: apiToken }), { mode: 0o600 })
    const run = async (commands: string, level: string): Promise<string> => {
      const r = await rt.dispatch(new URL(API_PATH, rt.url).href, { method: 'POST', body: commands, headers: { authorization: `Bearer ${apiToken}`, [API_LEVEL_HEADER]: level } })
      return r.status === 200 ? r.text : `edgeproxy: runtime API error ${r.status}: ${r.text}\n`
    }
    for (const s of routeMap.global.statsSockets) {
      try {
        const sock = await openStatsSocket(s.path, s.level, run)
        sockets.push(sock)
        io.out(`stats socket ${sock.where} (level ${s.level})`)
      } catch (e) {
        io.err(`edgeproxy dev: cannot open stats socket ${s.path}: ${(e as Error).message} (the runtime API is still at 'edgeproxy api')`)
      }
    }
    const seen = new Set<string>()
    for (const fe of routeMap.frontends) {
      if (fe.mode !== 'http') {
        io.out(`frontend '${fe.name}' is mode tcp: not served (the edge receives HTTP)`)
        continue
      }
      for (const b of fe.binds) {
        for (let port = b.port; port <= b.portEnd; port++) {
          const addr: ListenAddress = { address: b.address, port }
          const key = `${b.address}:${port}`
          if (seen.has(key)) continue
          seen.add(key)
          const tls = b.ssl ? edge.tls : undefined
          listeners.push(await listen(addr, target, { ...(edge.rules ? { edge: true } : {}), ...(tls ? { tls } : {}), timeouts: fe.timeouts }))
          io.out(`frontend '${fe.name}' on http${tls ? 's' : ''}://${b.address === '' || b.address === '*' ? '*' : b.address}:${port}`)
          // At the edge a request reaches the Worker on a proxy port of a routed hostname only.
          if (edge.rules && !isProxyPort(port) && (fe.edgeHosts ?? []).length === 0) {
            io.err(
              `edgeproxy dev: frontend '${fe.name}' port ${port} is not a port Cloudflare proxies: in production nothing reaches it there; give it a hostname (--domain ${fe.name}=HOST, as edgeproxy deploy does)`,
            )
          }
        }
      }
    }
    if (edge.rules) io.out(`edge rules on: fetch() as Cloudflare answers it${edge.rules.vpcNetwork ? `, VPC network ${edge.rules.vpcNetwork} as binding EDGEPROXY_VPC` : ', no VPC network'}`)
    io.out(`edgeproxy dev: ready (RouteMap ${routeMap.hash.slice(0, 12)}, ${routeMap.frontends.length} frontend(s), ${routeMap.backends.length} backend(s))`)
    await (o.until ?? signals(io))
    io.out('edgeproxy dev: stopping')
    await stopAll()
    return 0
  } catch (e) {
    await stopAll()
    const err = e as NodeJS.ErrnoException
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
      io.err(
        `edgeproxy dev: cannot listen on ${(err as { address?: string }).address ?? ''}:${(err as { port?: number }).port ?? ''}: ${err.code === 'EADDRINUSE' ? 'address already in use' : 'permission denied'}`,
      )
      return 1
    }
    throw e
  }
}
