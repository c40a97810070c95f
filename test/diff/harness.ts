/**
 * Differential testing against real HAProxy 2.6: the same config (only the bind port differs) runs
 * under `haproxy -f` and `edgeproxy dev -f`, in front of the same echo origins; the same requests
 * (from varied loopback source addresses) go to both, and the tests compare what a client and an
 * origin see: status, serving server, Location, Set-Cookie, forwarded headers.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'bin', 'edgeproxy.mjs')

/** True when `haproxy` is installed (CI installs it; elsewhere the suite is skipped unless CI=true). */
export function haveHaproxy(): boolean {
  return spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port
      s.close(() => res(p))
    })
  })
}

/** What an origin saw. */
export interface Seen {
  readonly server: string
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string | string[] | undefined>
}

/** Echo origins: answer with their name in `x-served-by` and a JSON body of what they received. */
export class Origins {
  readonly servers: Server[] = []
  readonly ports = new Map<string, number>()
  /** Names that answer /health with 503. */
  readonly failing = new Set<string>()

  async start(names: readonly string[]): Promise<this> {
    for (const name of names) {
      const port = await freePort()
      const s = createServer((req, res) => {
        req.resume()
        req.on('end', () => {
          if (req.url?.startsWith('/health')) {
            res.writeHead(this.failing.has(name) ? 503 : 200, { 'content-type': 'text/plain' })
            res.end('ok')
            return
          }
          const seen: Seen = { server: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers }
          const extra: Record<string, string> = {}
          const setCookie = /[?&]set-cookie=([^&]+)/.exec(req.url ?? '')
          if (setCookie?.[1]) extra['set-cookie'] = decodeURIComponent(setCookie[1])
          res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name, ...extra })
          res.end(JSON.stringify(seen))
        })
      })
      await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()))
      this.servers.push(s)
      this.ports.set(name, port)
    }
    return this
  }

  /** A port for `name` on which nothing listens (connections are refused). */
  async reserve(name: string): Promise<this> {
    this.ports.set(name, await freePort())
    return this
  }

  port(name: string): number {
    const p = this.ports.get(name)
    if (p === undefined) throw new Error(`no origin '${name}'`)
    return p
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r())
            s.closeAllConnections()
          }),
      ),
    )
  }
}

export interface Reply {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
  /** The origin's view, when an origin answered. */
  readonly seen?: Seen
}

export interface Req {
  readonly path: string
  readonly method?: string
  readonly headers?: Record<string, string>
  /** Loopback source address (127.0.0.N). */
  readonly src?: string
}

export function send(port: number, r: Req): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: r.path, method: r.method ?? 'GET', headers: { connection: 'close', host: 'shop.example.com', ...r.headers }, ...(r.src ? { localAddress: r.src } : {}), agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          let seen: Seen | undefined
          if (res.headers['x-served-by'] && res.headers['content-type'] === 'application/json') seen = JSON.parse(body) as Seen
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(seen ? { seen } : {}) })
        })
      },
    )
    req.on('error', reject)
    req.setTimeout(15_000, () => req.destroy(new Error(`request ${r.path} timed out`)))
    req.end()
  })
}

/** Waits until a TCP connect to the port succeeds (no HTTP request: it would move balancers). */
async function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.destroy()
        res(true)
      })
      sock.on('error', () => res(false))
    })
    if (ok) return
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A running proxy (HAProxy or edgeproxy dev) on a port. */
export interface Proxy {
  readonly port: number
  readonly output: () => string
  stop(): Promise<void>
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res()
    const t = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(t)
      res()
    })
    child.kill('SIGTERM')
  })
}

/** Writes `config` with `@PORT@` and `@name@` placeholders filled in. */
function materialize(config: string, port: number, origins: Origins, dir: string, name: string): string {
  const text = config.replace(/@PORT@/g, String(port)).replace(/@([a-z0-9_]+)@/g, (_, n: string) => String(origins.port(n)))
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

export async function startHaproxy(config: string, origins: Origins): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'diff-haproxy-'))
  const port = await freePort()
  const path = materialize(config, port, origins, dir, 'haproxy.cfg')
  const child = spawn('haproxy', ['-db', '-f', path], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  await waitForPort(port, 10_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${out}`)
  })
  return { port, output: () => out, stop: () => stopChild(child) }
}

export async function startEdgeproxy(config: string, origins: Origins): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'diff-edgeproxy-'))
  const port = await freePort()
  const path = materialize(config, port, origins, dir, 'edgeproxy.cfg')
  const child = spawn('node', [BIN, 'dev', '-f', path, '--persist-to', join(dir, 'state')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  })
  let out = ''
  const ready = new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`edgeproxy dev did not print 'ready' within 60 s:\n${out}`)), 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      if (/\bready\b/.test(out)) {
        clearTimeout(t)
        res()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    child.once('exit', (code) => {
      clearTimeout(t)
      rej(new Error(`edgeproxy dev exited with ${code}:\n${out}`))
    })
  })
  await ready
  return { port, output: () => out, stop: () => stopChild(child) }
}
