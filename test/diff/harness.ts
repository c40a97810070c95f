/**
 * Differential testing against real HAProxy 2.6: the same config (only the bind ports differ) runs
 * under `haproxy -f` and `edgeproxy dev -f`, in front of the same echo origins; the same requests
 * (from varied loopback source addresses) go to both, and the tests compare what a client and an
 * origin see: status line, serving server, headers both ways, bodies.
 *
 * - `Origins`: echo servers steered by query parameters (sleep, status, response headers, sized or
 *   trickled bodies) that report the request they saw, and echo WebSocket frames.
 * - `startPair` / `both`: both proxies on one config (`@PORT@`, `@PORT2@`…, `@DIR@` for `files`,
 *   `@name@` for origin ports), requests sent to each in turn.
 * - `send` (HTTP client), `rawExchange` (exact bytes, for malformed requests), `wsExchange`.
 * Every child runs in its own process group and `stop()` ends the whole group.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http'
import { connect, createServer as createNetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { type DevProcess, spawnDev } from '../../bench/lib/dev-process.ts'

/** True when `haproxy` is installed (CI installs it; elsewhere the suite is skipped unless CI=true). */
/** The global and defaults sections most differential configs share (one thread: exact sequences). */
export const DIFF_DEFAULTS = `global
    nbthread 1

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
`

export function haveHaproxy(): boolean {
  return spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0
}

/** Every port freePort() has handed out in this process. */
const HANDED_OUT = new Set<number>()

/**
 * A free loopback port, taken below Linux's ephemeral range (32768-60999): the processes of a run
 * that bind port 0 (workerd, Miniflare) are never handed it later, so a port reserved as "refuses
 * connections" stays refused and a port picked for a proxy is still free when the proxy starts.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    // A port handed out before (a reserved "dead" origin that nothing listens on, or one not bound
    // yet) is never handed out again by this process: two names for one port mix up the test.
    if (HANDED_OUT.has(port)) continue
    const free = await new Promise<boolean>((res) => {
      const s = createNetServer()
      s.once('error', () => res(false))
      s.listen(port, '127.0.0.1', () => s.close(() => res(true)))
    })
    if (free) {
      HANDED_OUT.add(port)
      return port
    }
  }
}

/** What an origin saw. */
export interface Seen {
  readonly server: string
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string | string[] | undefined>
  /** Header lines as received, name and value alternating (duplicates and order kept). */
  readonly rawHeaders: readonly string[]
  readonly httpVersion: string
  /** Size and SHA-256 of the request body the origin received. */
  readonly bodyBytes: number
  readonly bodySha: string
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex')
}

function queryAll(url: string, name: string): string[] {
  const out: string[] = []
  const re = new RegExp(`[?&]${name}=([^&]*)`, 'g')
  for (let m = re.exec(url); m; m = re.exec(url)) out.push(decodeURIComponent(m[1] ?? ''))
  return out
}

function wsAccept(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
}

/** One WebSocket frame (unmasked when `mask` is absent), payload up to 125 bytes. */
export function wsFrame(text: string, mask?: Buffer): Buffer {
  const data = Buffer.from(text)
  if (data.length > 125) throw new Error('wsFrame: payload too long')
  if (!mask) return Buffer.concat([Buffer.from([0x81, data.length]), data])
  return Buffer.concat([Buffer.from([0x81, 0x80 | data.length]), mask, Buffer.from(data.map((b: number, i: number) => b ^ (mask[i % 4] ?? 0)))])
}

/** Decodes one unfragmented text frame at the start of `buf` (masked or not), or undefined if incomplete. */
export function wsParse(buf: Buffer): { text: string; rest: Buffer } | undefined {
  if (buf.length < 2) return undefined
  const masked = ((buf[1] ?? 0) & 0x80) !== 0
  const len = (buf[1] ?? 0) & 0x7f
  const start = 2 + (masked ? 4 : 0)
  if (len > 125 || buf.length < start + len) return undefined
  const mask = buf.subarray(2, 6)
  const data = Buffer.from(buf.subarray(start, start + len).map((b, i) => (masked ? b ^ (mask[i % 4] ?? 0) : b)))
  return { text: data.toString(), rest: buf.subarray(start + len) }
}

/**
 * Echo origins: answer with their name in `x-served-by` and a JSON body of what they received.
 * Query parameters steer the answer: `sleep=MS` waits before answering, `status=N` sets the status,
 * `set-cookie=V` and `rh=Name:Value` (both repeatable) add response headers, `size=N` answers N
 * bytes of `application/octet-stream` instead of JSON, streamed in 16 KiB chunks, and
 * `trickle=MS&chunks=N` answers N text lines, one every MS milliseconds. WebSocket upgrades
 * are accepted and every text frame is echoed back as `<name>: <text>`; other upgrades are answered
 * as plain requests.
 */
export class Origins {
  readonly servers: Server[] = []
  readonly ports = new Map<string, number>()
  /** Names that answer /health with 503. */
  readonly failing = new Set<string>()
  /** Requests each origin received (health checks excluded). */
  readonly hits = new Map<string, number>()
  /** Upgraded (WebSocket) sockets, which server.close() does not end. */
  readonly #upgraded = new Set<Socket>()

  #seen(name: string, req: IncomingMessage, body: Buffer): Seen {
    return {
      server: name,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      httpVersion: req.httpVersion,
      bodyBytes: body.length,
      bodySha: sha256(body),
    }
  }

  #answer(
    name: string,
    req: IncomingMessage,
    body: Buffer,
  ): { status: number; headers: [string, string][]; body: { readonly data: Buffer } | { readonly size: number } | { readonly trickle: number; readonly chunks: number } } {
    const url = req.url ?? ''
    const headers: [string, string][] = [['x-served-by', name]]
    for (const c of queryAll(url, 'set-cookie')) headers.push(['set-cookie', c])
    for (const h of queryAll(url, 'rh')) {
      const i = h.indexOf(':')
      if (i > 0) headers.push([h.slice(0, i), h.slice(i + 1)])
    }
    const status = Number(queryAll(url, 'status')[0] ?? 200)
    const trickle = queryAll(url, 'trickle')[0]
    if (trickle !== undefined) {
      headers.push(['content-type', 'text/plain'])
      return { status, headers, body: { trickle: Number(trickle), chunks: Number(queryAll(url, 'chunks')[0] ?? 4) } }
    }
    const size = queryAll(url, 'size')[0]
    if (size !== undefined) {
      headers.push(['content-type', 'application/octet-stream'])
      return { status, headers, body: { size: Number(size) } }
    }
    headers.push(['content-type', 'application/json'])
    return { status, headers, body: { data: Buffer.from(JSON.stringify(this.#seen(name, req, body))) } }
  }

  async start(names: readonly string[]): Promise<this> {
    for (const name of names) {
      const port = await freePort()
      const s = createServer((req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          if (req.url?.startsWith('/health')) {
            res.writeHead(this.failing.has(name) ? 503 : 200, { 'content-type': 'text/plain' })
            res.end('ok')
            return
          }
          this.hits.set(name, (this.hits.get(name) ?? 0) + 1)
          const a = this.#answer(name, req, Buffer.concat(chunks))
          const sleep = Number(queryAll(req.url ?? '', 'sleep')[0] ?? 0)
          const reply = () => {
            if (res.destroyed) return
            const flat: string[] = a.headers.flat()
            const b = a.body
            if ('data' in b) {
              res.writeHead(a.status, [...flat, 'content-length', String(b.data.length)])
              res.end(b.data)
              return
            }
            res.writeHead(a.status, flat)
            if ('size' in b) streamBytes(res, b.size)
            else trickleChunks(res, b.trickle, b.chunks)
          }
          if (sleep > 0) setTimeout(reply, sleep)
          else reply()
        })
      })
      s.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#upgrade(name, req, socket, head))
      await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()))
      this.servers.push(s)
      this.ports.set(name, port)
    }
    return this
  }

  #upgrade(name: string, req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.#upgraded.add(socket)
    socket.on('close', () => this.#upgraded.delete(socket))
    socket.on('error', () => socket.destroy())
    const key = req.headers['sec-websocket-key']
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || typeof key !== 'string') {
      // Not a WebSocket: answer as an ordinary request (Node routes every Upgrade here).
      this.hits.set(name, (this.hits.get(name) ?? 0) + 1)
      const a = this.#answer(name, req, head)
      const body = 'data' in a.body ? a.body.data : Buffer.alloc(0)
      const lines = [`HTTP/1.1 ${a.status} OK`, ...a.headers.map(([n, v]) => `${n}: ${v}`), `content-length: ${body.length}`, 'connection: close']
      socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]))
      return
    }
    this.hits.set(name, (this.hits.get(name) ?? 0) + 1)
    const seen = Buffer.from(JSON.stringify(this.#seen(name, req, Buffer.alloc(0)))).toString('base64')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wsAccept(key)}\r\nX-Served-By: ${name}\r\nX-Seen: ${seen}\r\n\r\n`)
    let buf: Buffer = head
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      for (let f = wsParse(buf); f; f = wsParse(buf)) {
        buf = f.rest
        socket.write(wsFrame(`${name}: ${f.text}`))
      }
    }
    socket.on('data', onData)
    if (head.length > 0) onData(Buffer.alloc(0))
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
    for (const sock of this.#upgraded) sock.destroy()
    for (const srv of this.servers) srv.closeAllConnections()
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

/** `size` bytes of a fixed pattern, written in 16 KiB chunks (a streamed response body). */
function streamBytes(res: ServerResponse, size: number): void {
  let left = size
  const chunk = Buffer.alloc(16_384, 'abcdefghijklmnopqrstuvwxyz0123456789')
  const write = (): void => {
    while (left > 0) {
      const n = Math.min(left, chunk.length)
      left -= n
      if (!res.write(chunk.subarray(0, n))) {
        res.once('drain', write)
        return
      }
    }
    res.end()
  }
  write()
}

/** `chunks` lines `chunk i\n`, the first at once and each next one `ms` later (a slow but steady body). */
function trickleChunks(res: ServerResponse, ms: number, chunks: number): void {
  let i = 0
  const next = (): void => {
    if (res.destroyed) return
    res.write(`chunk ${i}\n`)
    i++
    if (i >= chunks) res.end()
    else setTimeout(next, ms)
  }
  next()
}

/** The body `size=N` makes an origin send. */
export function patternBytes(size: number): Buffer {
  const chunk = Buffer.alloc(16_384, 'abcdefghijklmnopqrstuvwxyz0123456789')
  const parts: Buffer[] = []
  for (let left = size; left > 0; left -= chunk.length) parts.push(chunk.subarray(0, Math.min(left, chunk.length)))
  return Buffer.concat(parts)
}

export interface Reply {
  readonly status: number
  readonly statusMessage: string
  readonly headers: Record<string, string | string[] | undefined>
  readonly rawHeaders: readonly string[]
  readonly body: string
  readonly bodyBytes: number
  readonly bodySha: string
  /** The origin's view, when an origin answered. */
  readonly seen?: Seen
}

export interface Req {
  readonly path: string
  readonly method?: string
  /** Request headers; `connection: close` and `host: shop.example.com` unless given (null drops one). */
  readonly headers?: Record<string, string | string[] | null>
  /** Loopback source address (127.0.0.N). */
  readonly src?: string
  readonly body?: Buffer | string
  /** Send the body in chunks of this size (chunked transfer encoding) instead of with a content-length. */
  readonly chunked?: number
}

export function send(port: number, r: Req): Promise<Reply> {
  const headers: Record<string, string | string[]> = {}
  for (const [n, v] of Object.entries({ connection: 'close', host: 'shop.example.com', ...r.headers })) if (v !== null) headers[n] = v
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body
  if (body && !r.chunked && !Object.keys(headers).some((n) => n.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: r.path, method: r.method ?? 'GET', headers, ...(r.src ? { localAddress: r.src } : {}), agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        const text = raw.toString('utf8')
        let seen: Seen | undefined
        if (res.headers['x-served-by'] && res.headers['content-type'] === 'application/json' && text !== '') {
          try {
            seen = JSON.parse(text) as Seen
          } catch (e) {
            reject(new Error(`origin body is not JSON (${raw.length} bytes): ${String(e)}`))
            return
          }
        }
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: text,
          bodyBytes: raw.length,
          bodySha: sha256(raw),
          ...(seen ? { seen } : {}),
        })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.setTimeout(15_000, () => req.destroy(new Error(`request ${r.path} timed out`)))
    if (body && r.chunked) {
      for (let i = 0; i < body.length; i += r.chunked) req.write(body.subarray(i, i + r.chunked))
      req.end()
    } else req.end(body)
  })
}

/** What came back on a raw connection: the bytes, and the status line's code when there was one. */
export interface RawReply {
  readonly text: string
  readonly status?: number
  /** The peer closed the connection (rather than the idle wait ending). */
  readonly closed: boolean
}

/**
 * Writes `data` as-is on a fresh connection and collects the answer until the peer closes it or
 * nothing arrives for `idleMs` (bad requests, pipelining, exact bytes).
 */
export function rawExchange(port: number, data: string | Buffer, idleMs = 1500): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let done = false
    const sock = connect(port, '127.0.0.1', () => sock.write(data))
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      const text = Buffer.concat(chunks).toString('latin1')
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text)
      resolve({ text, closed, ...(m ? { status: Number(m[1]) } : {}) })
    }
    let timer = setTimeout(() => finish(false), idleMs)
    sock.on('data', (d: Buffer) => {
      chunks.push(d)
      clearTimeout(timer)
      timer = setTimeout(() => finish(false), idleMs)
    })
    sock.on('end', () => finish(true))
    sock.on('close', () => finish(true))
    sock.on('error', () => finish(true))
  })
}

/** The result of a WebSocket exchange through a proxy. */
export interface WsResult {
  readonly status?: number
  /** Response header lines of the handshake, lower-cased names. */
  readonly headers: Record<string, string>
  /** Text frames received back, in order. */
  readonly frames: readonly string[]
}

/**
 * Opens a WebSocket through `port` with a raw socket: sends the upgrade, expects 101, then sends each
 * message as a masked text frame and waits for as many echoed frames.
 */
export function wsExchange(port: number, path: string, messages: readonly string[], extraHeaders: Record<string, string> = {}): Promise<WsResult> {
  return new Promise((resolve) => {
    const key = Buffer.from('edgeproxy-diff-16').toString('base64')
    const sock = connect(port, '127.0.0.1')
    let buf = Buffer.alloc(0)
    let status: number | undefined
    let headers: Record<string, string> = {}
    const frames: string[] = []
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      resolve({ ...(status !== undefined ? { status } : {}), headers, frames })
    }
    const timer = setTimeout(finish, 10_000)
    sock.on('connect', () => {
      const lines = [`GET ${path} HTTP/1.1`, 'Host: shop.example.com', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13']
      for (const [n, v] of Object.entries(extraHeaders)) lines.push(`${n}: ${v}`)
      sock.write(`${lines.join('\r\n')}\r\n\r\n`)
    })
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (status === undefined) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1').split('\r\n')
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0)
        headers = Object.fromEntries(head.slice(1).map((l: string) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
        buf = buf.subarray(end + 4)
        if (status !== 101) return finish()
        for (const m of messages) sock.write(wsFrame(m, Buffer.from([1, 2, 3, 4])))
      }
      for (let f = wsParse(buf); f; f = wsParse(buf)) {
        buf = f.rest
        frames.push(f.text)
      }
      if (frames.length >= messages.length) finish()
    })
    sock.on('error', finish)
    sock.on('close', finish)
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
  /** Every placeholder port of the config: `PORT` and the extra ones (`PORT2`…). */
  readonly ports: Readonly<Record<string, number>>
  /** The directory `@DIR@` stands for in this proxy's config (its files, stats sockets). */
  readonly dir: string
  readonly output: () => string
  stop(): Promise<void>
}

/**
 * Stops a child started with `detached: true` (its own process group): SIGTERM to the group, then
 * SIGKILL to the group after 5 s, so helpers it started (workerd) never outlive it.
 */
function stopChild(child: ChildProcess): Promise<void> {
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig)
    } catch {
      // The group is already gone.
    }
  }
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      signalGroup('SIGKILL')
      return res()
    }
    const t = setTimeout(() => signalGroup('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(t)
      // Anything left in the group (a runtime the CLI could not dispose of) goes too.
      signalGroup('SIGKILL')
      res()
    })
    signalGroup('SIGTERM')
  })
}

/** Extra files next to the config (errorfiles, maps): name → content; `@DIR@` in the config is their directory. */
export type Files = Readonly<Record<string, string>>

/** Free ports for `PORT` and each extra placeholder name. */
async function portsFor(extra: readonly string[]): Promise<Record<string, number>> {
  const ports: Record<string, number> = { PORT: await freePort() }
  for (const n of extra) ports[n] = await freePort()
  return ports
}

/**
 * Writes `config` with `@PORT@` (and extra `@PORTn@`), `@DIR@` and `@name@` (origin port)
 * placeholders filled in, and `files` beside it.
 */
function materialize(config: string, ports: Readonly<Record<string, number>>, origins: Origins, dir: string, name: string, files: Files): string {
  for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, f), content)
  const text = config
    .replace(/@(PORT\d*)@/g, (m, n: string) => String(ports[n] ?? m))
    .replace(/@DIR@/g, dir)
    .replace(/@([a-z0-9_]+)@/g, (_, n: string) => String(origins.port(n)))
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

export async function startHaproxy(config: string, origins: Origins, files: Files = {}, extraPorts: readonly string[] = []): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'diff-haproxy-'))
  const ports = await portsFor(extraPorts)
  const port = ports.PORT as number
  const path = materialize(config, ports, origins, dir, 'haproxy.cfg', files)
  const child = spawn('haproxy', ['-db', '-f', path], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<never>((_, rej) => child.once('exit', (code) => rej(new Error(`haproxy exited with ${code}:\n${out}`))))
  exited.catch(() => undefined)
  try {
    await Promise.race([
      waitForPort(port, 10_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${out}`)
      }),
      exited,
    ])
  } catch (e) {
    await stopChild(child)
    throw e
  }
  return { port, ports, dir, output: () => out, stop: () => stopChild(child) }
}

export { type DevProcess, spawnDev }

export async function startEdgeproxy(config: string, origins: Origins, files: Files = {}, extraPorts: readonly string[] = [], devArgs: readonly string[] = []): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'diff-edgeproxy-'))
  const ports = await portsFor(extraPorts)
  const port = ports.PORT as number
  const path = materialize(config, ports, origins, dir, 'edgeproxy.cfg', files)
  const dev = spawnDev(path, join(dir, 'state'), devArgs)
  const { child, ready } = dev
  try {
    await ready
  } catch (e) {
    await stopChild(child)
    throw e
  }
  return { port, ports, dir, output: dev.output, stop: () => stopChild(child) }
}

/** HAProxy and edgeproxy running the same config in front of the same origins. */
export interface Pair {
  readonly origins: Origins
  readonly haproxy: Proxy
  readonly edge: Proxy
  stop(): Promise<void>
}

export interface PairOptions {
  /** Origins that listen (echo servers). */
  readonly live: readonly string[]
  /** Origin names whose port refuses connections. */
  readonly dead?: readonly string[]
  /** Origins the test runs itself: name → the port it listens on. */
  readonly own?: Readonly<Record<string, number>>
  readonly files?: Files
  /** Extra bind placeholders besides `@PORT@` (e.g. `PORT2` for `@PORT2@`). */
  readonly extraPorts?: readonly string[]
  /** Extra `edgeproxy dev` arguments (e.g. `--edge`). */
  readonly devArgs?: readonly string[]
}

/** Starts the origins and both proxies; `stop()` ends all of them (call it in afterAll). */
export async function startPair(config: string, o: PairOptions): Promise<Pair> {
  const origins = await new Origins().start(o.live)
  for (const d of o.dead ?? []) await origins.reserve(d)
  for (const [name, port] of Object.entries(o.own ?? {})) origins.ports.set(name, port)
  const started = await Promise.allSettled([startHaproxy(config, origins, o.files, o.extraPorts), startEdgeproxy(config, origins, o.files, o.extraPorts, o.devArgs)])
  const [h, e] = started
  if (h?.status !== 'fulfilled' || e?.status !== 'fulfilled') {
    await Promise.all(started.map((x) => (x.status === 'fulfilled' ? x.value.stop() : undefined)))
    await origins.stop()
    const why = started.flatMap((x) => (x.status === 'rejected' ? [String(x.reason)] : []))
    throw new Error(why.join('\n'))
  }
  const haproxy = h.value
  const edge = e.value
  return {
    origins,
    haproxy,
    edge,
    stop: async () => {
      // Origins first: that ends tunnels (WebSocket) the proxies would otherwise wait for.
      await origins.stop()
      await Promise.all([haproxy.stop(), edge.stop()])
    },
  }
}

/**
 * Sends each request to HAProxy then to edgeproxy, one at a time, and maps both replies through
 * `view`. `port` names the bind placeholder to use (`PORT` unless told).
 */
/** Sends `reqs` to both proxies and asserts edgeproxy's views equal HAProxy's; returns HAProxy's. */
export async function expectSame<T>(p: Pair, reqs: readonly Req[], view: (r: Reply, req: Req) => T): Promise<T[]> {
  const { h, e } = await both(p, reqs, view)
  expect(e).toEqual(h)
  return h
}

export async function both<T>(p: Pair, reqs: readonly Req[], view: (r: Reply, req: Req) => T, port = 'PORT'): Promise<{ h: T[]; e: T[] }> {
  const h: T[] = []
  const e: T[] = []
  const hp = p.haproxy.ports[port]
  const ep = p.edge.ports[port]
  if (hp === undefined || ep === undefined) throw new Error(`no bind placeholder '${port}'`)
  for (const r of reqs) {
    h.push(view(await send(hp, r), r))
    e.push(view(await send(ep, r), r))
  }
  return { h, e }
}

/** Skips a suite when haproxy is missing (fails under CI, where it must be installed). */
export function diffEnabled(): boolean {
  const ok = haveHaproxy()
  if (!ok && process.env.CI) throw new Error('the differential suite needs haproxy: .ci/run installs it')
  return ok
}
