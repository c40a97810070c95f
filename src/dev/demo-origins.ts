/**
 * @module
 * Demo origins for `npm start`: one small HTTP server per loopback `server` line of the config,
 * answering with its own name (body and `X-Served-By`), `/health` for health checks, and echoing
 * WebSocket messages, so a newcomer can watch balancing, routing and persistence with curl.
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { Duplex } from 'node:stream'
import type { RouteMap } from '../routemap/schema.ts'

export interface DemoOrigin {
  readonly backend: string
  readonly server: string
  readonly host: string
  readonly port: number
}

const LOOPBACK = /^(127\.|localhost$|::1$)/

/** Every loopback server of the RouteMap (one origin per address:port). */
export function demoOriginsFor(routeMap: RouteMap): DemoOrigin[] {
  const seen = new Set<string>()
  const out: DemoOrigin[] = []
  for (const b of routeMap.backends) {
    for (const s of b.servers) {
      if (s.port === undefined || !LOOPBACK.test(s.host)) continue
      const key = `${s.host}:${s.port}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ backend: b.name, server: s.name, host: s.host, port: s.port })
    }
  }
  return out
}

function wsAccept(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
}

/** A running demo origin. */
export interface DemoServer {
  /** Stops listening and ends every connection, WebSocket ones included. */
  close(): Promise<void>
}

export function startDemoOrigin(o: DemoOrigin): Promise<DemoServer> {
  /** Upgraded (WebSocket) connections: the HTTP server no longer tracks them, and its close() would wait for them. */
  const upgraded = new Set<Duplex>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.url === '/health' || req.url?.startsWith('/health/')) {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': o.server })
        res.end('OK\n')
        return
      }
      const body = JSON.stringify({ server: o.server, backend: o.backend, method: req.method, url: req.url, headers: req.headers, bodyBytes: Buffer.concat(chunks).length }, null, 2)
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': o.server })
      res.end(`${body}\n`)
    })
  })
  server.on('upgrade', (req, socket) => {
    upgraded.add(socket)
    socket.once('close', () => upgraded.delete(socket))
    const key = req.headers['sec-websocket-key']
    if (typeof key !== 'string') {
      socket.destroy()
      return
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wsAccept(key)}\r\nX-Served-By: ${o.server}\r\n\r\n`)
    socket.on('data', (frame: Buffer) => {
      // Echo single, unfragmented, masked text frames up to 125 bytes (enough for a demo).
      if (frame.length < 6) return
      const len = (frame[1] ?? 0) & 0x7f
      if (len > 125) return
      const mask = frame.subarray(2, 6)
      const data = Buffer.from(frame.subarray(6, 6 + len).map((b, i) => b ^ (mask[i % 4] ?? 0)))
      const text = Buffer.from(`${o.server}: ${data.toString()}`)
      socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]))
    })
    socket.on('error', () => socket.destroy())
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () =>
      resolve({
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res())
            server.closeAllConnections()
            for (const s of upgraded) s.destroy()
            upgraded.clear()
          }),
      }),
    )
  })
}
