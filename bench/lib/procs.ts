/**
 * @module
 * Processes for the runtime benchmarks: nginx (the origin), HAProxy, workerd through Miniflare
 * (Workers bundled with esbuild, served on their own direct sockets, no `edgeproxy dev` listeners in
 * front), and wrk with `--latency` parsing.
 *
 * Every child runs in its own process group; `stop()` ends the group, and everything still running
 * is ended when the process exits (normally, on an uncaught error, or on SIGINT/SIGTERM).
 */
import { bundleModule } from '../../src/dev/bundle.ts'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// ---------------------------------------------------------------------------------------------
// Cleanup

const cleanups = new Set<() => void | Promise<void>>()
let hooked = false

/** Direct children of this process (workerd under Miniflare, anything a library spawned). */
function childPids(): number[] {
  const out: number[] = []
  let entries: string[] = []
  try {
    entries = readdirSync('/proc')
  } catch {
    return out
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === process.pid) out.push(Number(e))
    } catch {}
  }
  return out
}

/**
 * Registers `fn` to run at exit; returns the function that unregisters it. Cleanups should do
 * their killing synchronously: on a signal every cleanup is started before any is awaited, since
 * another listener (Miniflare's) may end the process right after ours.
 */
export function onCleanup(fn: () => void | Promise<void>): () => void {
  if (!hooked) {
    hooked = true
    process.on('exit', () => {
      for (const f of cleanups) {
        try {
          void f()
        } catch {}
      }
      // Whatever is left (workerd if Miniflare could not dispose it in time): our own children, by id.
      for (const pid of childPids()) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {}
      }
    })
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(sig, () => {
        process.stderr.write(`${sig}: stopping every process started\n`)
        void runCleanups().finally(() => process.exit(130))
      })
    }
  }
  cleanups.add(fn)
  return () => cleanups.delete(fn)
}

/** Runs every registered cleanup now: all are started synchronously, then awaited together. */
export async function runCleanups(): Promise<void> {
  const all = [...cleanups]
  cleanups.clear()
  const pending: Promise<unknown>[] = []
  for (const f of all) {
    try {
      const r = f()
      if (r) pending.push(r.catch(() => {}))
    } catch {}
  }
  await Promise.all(pending)
}

/** A temporary directory removed at exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

// ---------------------------------------------------------------------------------------------
// Ports and process groups

/**
 * A free loopback port below Linux's ephemeral range (32768-60999), so that processes binding
 * port 0 are never handed it after we picked it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const free = await new Promise<boolean>((res) => {
      const s = createServer()
      s.once('error', () => res(false))
      s.listen(port, '127.0.0.1', () => s.close(() => res(true)))
    })
    if (free) return port
  }
}

/** Resolves once something accepts connections on 127.0.0.1:port. */
export async function waitPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        res(true)
      })
      s.once('error', () => res(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await sleep(50)
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export interface Proc {
  readonly child: ChildProcess
  /** stdout and stderr so far. */
  output(): string
  /** Ends the process group (SIGTERM, then SIGKILL after 2 s); resolves when the child exited. */
  stop(): Promise<void>
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, sig)
  } catch {}
}

/** Spawns `cmd` in its own process group, ended at exit if still running. */
export function spawnGroup(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    if (out.length < 1_000_000) out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    if (out.length < 1_000_000) out += d.toString()
  })
  const exited = new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res()
    else child.once('exit', () => res())
    child.once('error', () => res())
  })
  const unregister = onCleanup(() => killGroup(child.pid, 'SIGKILL'))
  return {
    child,
    output: () => out,
    async stop() {
      unregister()
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child.pid, 'SIGTERM')
        const t = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2000)
        await exited
        clearTimeout(t)
      }
      // Anything the child left in its group.
      killGroup(child.pid, 'SIGKILL')
    },
  }
}

// ---------------------------------------------------------------------------------------------
// nginx

export interface Server {
  readonly port: number
  stop(): Promise<void>
}

/**
 * nginx (Debian's nginx-light) in the foreground with a temporary config: one worker process,
 * answering every path (health checks included) with a fixed body of `bodyBytes` bytes.
 */
export async function startNginx(opts: { port?: number; bodyBytes?: number; bin?: string } = {}): Promise<Server & { readonly body: string }> {
  const port = opts.port ?? (await freePort())
  const dir = tempDir('bench-nginx-')
  const body = 'x'.repeat(Math.max(0, (opts.bodyBytes ?? 64) - 1))
  const conf = `daemon off;
master_process on;
worker_processes 1;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  server {
    listen 127.0.0.1:${port} reuseport;
    location / {
      default_type text/plain;
      return 200 "${body}\\n";
    }
  }
}
`
  writeFileSync(join(dir, 'nginx.conf'), conf)
  const proc = spawnGroup(opts.bin ?? '/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')])
  const died = new Promise<never>((_, rej) => proc.child.once('exit', (c) => rej(new Error(`nginx exited with ${c}`))))
  died.catch(() => {})
  try {
    await Promise.race([waitPort(port), died])
  } catch (e) {
    await proc.stop()
    throw new Error(`nginx did not start: ${String(e)}\n${proc.output()}`)
  }
  return { port, body: `${body}\n`, stop: () => proc.stop() }
}

// ---------------------------------------------------------------------------------------------
// HAProxy

/** HAProxy in the foreground (`-db`) on `config`; resolves once `waitFor` accepts connections. */
export async function startHaproxy(config: string, waitFor: number, bin = '/usr/sbin/haproxy'): Promise<Server & { output(): string }> {
  const dir = tempDir('bench-haproxy-')
  const file = join(dir, 'haproxy.cfg')
  writeFileSync(file, config)
  const check = spawnGroup(bin, ['-c', '-q', '-f', file])
  await new Promise<void>((r) => check.child.once('exit', () => r()))
  await check.stop()
  if (check.child.exitCode !== 0) throw new Error(`haproxy -c failed:\n${check.output()}`)
  const proc = spawnGroup(bin, ['-db', '-f', file])
  const died = new Promise<never>((_, rej) => proc.child.once('exit', (c) => rej(new Error(`haproxy exited with ${c}`))))
  died.catch(() => {})
  try {
    await Promise.race([waitPort(waitFor), died])
  } catch (e) {
    await proc.stop()
    throw new Error(`haproxy did not start: ${String(e)}\n${proc.output()}`)
  }
  return { port: waitFor, output: () => proc.output(), stop: () => proc.stop() }
}

// ---------------------------------------------------------------------------------------------
// wrk

export interface WrkResult {
  readonly requests: number
  readonly seconds: number
  readonly rps: number
  readonly latencyMs: { readonly avg: number; readonly p50: number; readonly p75: number; readonly p90: number; readonly p99: number; readonly max: number }
  readonly non2xx3xx: number
  readonly socketErrors: number
}

export interface WrkOptions {
  readonly url: string
  readonly threads?: number
  readonly connections?: number
  readonly durationS: number
  readonly headers?: Readonly<Record<string, string>>
  readonly timeoutS?: number
}

/** A wrk duration as milliseconds: `812.00us`, `1.23ms`, `2.01s`, `1.5m`. */
export function wrkDurationMs(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s.trim())
  if (!m) return Number.NaN
  const v = Number(m[1])
  const unit = m[2]
  return unit === 'us' ? v / 1000 : unit === 'ms' ? v : unit === 's' ? v * 1000 : unit === 'm' ? v * 60_000 : v * 3_600_000
}

/** Parses `wrk --latency` output. */
export function parseWrk(text: string): WrkResult {
  const num = (re: RegExp): number => {
    const m = re.exec(text)
    return m ? Number(m[1]) : Number.NaN
  }
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(text)
    return m?.[1] ? wrkDurationMs(m[1]) : Number.NaN
  }
  const lat = /^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(text)
  const done = /(\d+) requests in ([\d.]+\w+),/.exec(text)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const requests = done?.[1] ? Number(done[1]) : Number.NaN
  const seconds = done?.[2] ? wrkDurationMs(done[2]) / 1000 : Number.NaN
  if (!Number.isFinite(requests)) throw new Error(`unexpected wrk output:\n${text}`)
  return {
    requests,
    seconds,
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    latencyMs: {
      avg: lat?.[1] ? wrkDurationMs(lat[1]) : Number.NaN,
      p50: pct('50'),
      p75: pct('75'),
      p90: pct('90'),
      p99: pct('99'),
      max: lat?.[3] ? wrkDurationMs(lat[3]) : Number.NaN,
    },
    non2xx3xx: /Non-2xx or 3xx responses: (\d+)/.test(text) ? num(/Non-2xx or 3xx responses: (\d+)/) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  }
}

/** Runs wrk once (in its own process group) and parses its report. */
export async function runWrk(o: WrkOptions): Promise<WrkResult & { readonly command: string }> {
  const args = [`-t${o.threads ?? 2}`, `-c${o.connections ?? 16}`, `-d${o.durationS}s`, '--latency', ...(o.timeoutS ? [`--timeout`, `${o.timeoutS}s`] : [])]
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`)
  args.push(o.url)
  const proc = spawnGroup('wrk', args)
  const code = await new Promise<number | null>((r) => {
    if (proc.child.exitCode !== null) r(proc.child.exitCode)
    else proc.child.once('exit', (c) => r(c))
  })
  await proc.stop()
  const out = proc.output()
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${out}`)
  return { ...parseWrk(out), command: `wrk ${args.join(' ')}` }
}

// ---------------------------------------------------------------------------------------------
// Small statistics

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))
  return s[i] ?? Number.NaN
}

export const median = (values: readonly number[]): number => percentile(values, 50)

/** Rounds to `digits` decimals (JSON-friendly figures). */
export function round(v: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

// ---------------------------------------------------------------------------------------------
// workerd through Miniflare

/** Bundles a Worker entry into one ES module, exactly as `edgeproxy dev` bundles src/index.ts. */
export function bundleEntry(entry: string): Promise<string> {
  return bundleModule(entry)
}

export interface WorkerSpec {
  readonly name: string
  /** The bundled ES module. */
  readonly script: string
  /** The loopback port of the Worker's own (direct) socket: no Miniflare entry worker in front. */
  readonly port: number
  readonly bindings?: Readonly<Record<string, string>>
  /** Bind HEALTH/STICK/RUNTIME (SQLite Durable Objects, classes exported by `script`) and KV ROUTEMAPS. */
  readonly edgeproxyBindings?: boolean
}

export interface Workerd {
  /** The direct URL of a Worker. */
  url(name: string): string
  /** Runs a Worker's scheduled handler once (the cron never fires by itself locally). */
  scheduled(name: string): Promise<void>
  dispose(): Promise<void>
}

/**
 * One workerd process (Miniflare 5, v4-style options as src/dev/runtime.ts passes them) running
 * every Worker in `workers`, each on its own direct socket (`unsafeDirectSockets`), with local
 * Durable Object and KV state under `persistTo`.
 */
export async function startWorkerd(
  workers: readonly WorkerSpec[],
  o: { persistTo: string; compatibilityDate: string; onLog?: (level: string, message: string) => void; inspectorPort?: number },
): Promise<Workerd> {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      // workerd's console and warnings go to `onLog`, never to this process' stdout (which carries the results).
      handleStructuredLogs: (l) => o.onLog?.(l.level, l.message),
      host: '127.0.0.1',
      port: 0,
      ...(o.inspectorPort !== undefined ? { inspectorPort: o.inspectorPort } : {}),
      resourcePersistencePath: `${o.persistTo}/v3`,
      workers: workers.map((w) => ({
        name: w.name,
        modules: [{ type: 'ESModule', path: `${w.name}.js`, contents: w.script }],
        compatibilityDate: o.compatibilityDate,
        compatibilityFlags: ['nodejs_compat'],
        bindings: { ...(w.bindings ?? {}) },
        unsafeDirectSockets: [{ host: '127.0.0.1', port: w.port }],
        ...(w.edgeproxyBindings
          ? {
              kvNamespaces: { ROUTEMAPS: `${w.name}-routemaps` },
              durableObjects: {
                HEALTH: { className: 'HealthMonitor', useSQLite: true },
                STICK: { className: 'StickTable', useSQLite: true },
                RUNTIME: { className: 'RuntimeState', useSQLite: true },
              },
            }
          : {}),
      })),
    }),
  )
  const stopOnExit = onCleanup(() => mf.dispose())
  try {
    await mf.ready
  } catch (e) {
    stopOnExit()
    await mf.dispose().catch(() => {})
    throw e
  }
  for (const w of workers) await waitPort(w.port)
  return {
    url: (name) => {
      const w = workers.find((x) => x.name === name)
      if (!w) throw new Error(`no worker '${name}'`)
      return `http://127.0.0.1:${w.port}`
    },
    async scheduled(name) {
      const worker = await mf.getWorker(name)
      await worker.scheduled({ cron: '* * * * *' })
    },
    async dispose() {
      stopOnExit()
      await mf.dispose()
    },
  }
}
