/**
 * @module
 * The sockets `edgeproxy dev` listens on: one per frontend `bind` address:port, as HAProxy would
 * open them. Each passes requests to the Worker in workerd, stating the real client address
 * (`CF-Connecting-IP`, as Cloudflare's edge does) and which bind received it
 * (`x-edgeproxy-bind`, trusted only under dev). Bodies stream both ways; WebSocket upgrades are
 * spliced as raw sockets.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import { errorResponse } from '../engine/errors.ts'

export interface ListenAddress {
  /** As written in the config: '' or '*' means every address. */
  readonly address: string
  readonly port: number
}

/** Headers a client must not be able to set: the listener states them. */
const STATED = new Set(['cf-connecting-ip', 'x-edgeproxy-bind', 'x-edgeproxy-dst', 'x-edgeproxy-src-port'])

function hostOf(a: ListenAddress): string {
  return a.address === '' || a.address === '*' ? '0.0.0.0' : a.address.replace(/^\[|\]$/g, '')
}

function peer(sock: Socket): string {
  return (sock.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')
}

function upstreamHeaders(req: IncomingMessage, bind: ListenAddress): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {}
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string
    const value = req.rawHeaders[i + 1] as string
    if (STATED.has(name.toLowerCase())) continue
    const prev = h[name]
    h[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  h['cf-connecting-ip'] = peer(req.socket)
  // The client's port (%cp in logs, src_port): Cloudflare does not pass it, the dev listener can.
  if (req.socket.remotePort !== undefined) h['x-edgeproxy-src-port'] = String(req.socket.remotePort)
  h['x-edgeproxy-bind'] = `${bind.address || '*'}:${bind.port}`
  h['x-edgeproxy-dst'] = (req.socket.localAddress ?? hostOf(bind)).replace(/^::ffff:/, '')
  // HTTP/1.0 allows no Host; the Worker needs one to build the URL: the socket's address stands in.
  if (!Object.keys(h).some((n) => n.toLowerCase() === 'host')) h.host = `${h['x-edgeproxy-dst']}:${bind.port}`
  return h
}

/** A listening socket; `close` also ends spliced WebSocket connections, which the server no longer owns. */
export interface Listener {
  close(): Promise<void>
}

/** Listens on `bind` and relays everything to the workerd socket at `target` (host:port). */
export function listen(bind: ListenAddress, target: { host: string; port: number }): Promise<Listener> {
  const tunnels = new Set<Socket>()
  const server = createServer((req, res) => {
    const up = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers: upstreamHeaders(req, bind), setHost: false }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, ures.rawHeaders)
      ures.pipe(res)
    })
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('edgeproxy dev: the Worker runtime is not answering\n')
    })
    req.pipe(up)
  })
  // A request the HTTP parser rejects never reaches the Worker: answer as HAProxy does (its 400
  // page for a malformed or oversized request, 408 when it did not arrive in time).
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy()
      return
    }
    const page = errorResponse(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400)
    const head = [`HTTP/1.1 ${page.status} ${page.reason}`, ...page.headers.map(([n, v]) => `${n}: ${v}`)]
    socket.end(`${head.join('\r\n')}\r\n\r\n${page.body}`)
  })
  server.on('upgrade', (req, client, head) => {
    const upstream = connect(target.port, target.host, () => {
      const headers = upstreamHeaders(req, bind)
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (const [n, v] of Object.entries(headers)) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${n}: ${x}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    const close = () => {
      upstream.destroy()
      client.destroy()
      tunnels.delete(upstream)
      tunnels.delete(client as Socket)
    }
    tunnels.add(upstream)
    tunnels.add(client as Socket)
    upstream.on('error', close)
    client.on('error', close)
    upstream.on('close', close)
    client.on('close', close)
  })
  const handle: Listener = {
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res())
        server.closeAllConnections()
        for (const t of tunnels) t.destroy()
        tunnels.clear()
      }),
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(bind.port, hostOf(bind), () => {
      server.off('error', reject)
      resolve(handle)
    })
  })
}
