/**
 * @module
 * The sockets `edgeproxy dev` listens on: one per frontend `bind` address:port, as HAProxy would
 * open them. Each passes requests to the Worker in workerd, stating the real client address
 * (`CF-Connecting-IP`, as Cloudflare's edge does) and which bind received it
 * (`x-edgeproxy-bind`, trusted only under dev). Bodies stream both ways; WebSocket upgrades are
 * spliced as raw sockets.
 *
 * Under `--edge` (src/dev/edge.ts) a listener also states what Cloudflare's edge would put in
 * `request.cf` (Miniflare's `MF-CF-Blob` header, replacing its made-up defaults): the
 * `x-edgeproxy-cf-*` properties the client asked for, and, on an `ssl` bind given a certificate,
 * the TLS version, cipher and client certificate (`tlsClientAuth`, also in
 * `x-edgeproxy-tls-client-auth`) of a real TLS handshake that asks for one.
 */
import { type IncomingMessage, createServer as httpCreateServer, request as httpRequest, type Server, type ServerResponse } from 'node:http'
import { createServer as httpsCreateServer } from 'node:https'
import { connect, type Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { errorResponse } from '../engine/errors.ts'
import { CF_HEADER_PREFIX, cfFromHeaders, tlsClientAuth } from './edge.ts'

export interface ListenAddress {
  /** As written in the config: '' or '*' means every address. */
  readonly address: string
  readonly port: number
}

/** The client certificate as Cloudflare's `tlsClientAuth` JSON (read by the Worker under dev only). */
export const TLS_CLIENT_AUTH_HEADER = 'x-edgeproxy-tls-client-auth'
/** Miniflare's header for the `request.cf` object of a request (its entry worker reads and removes it). */
const CF_BLOB_HEADER = 'mf-cf-blob'

/** Miniflare's header for the URL the Worker sees (a TLS listener's requests are https://). */
const URL_HEADER = 'mf-original-url'

/** Headers a client must not be able to set: the listener states them. */
const STATED = new Set(['cf-connecting-ip', 'x-edgeproxy-bind', 'x-edgeproxy-dst', 'x-edgeproxy-src-port', TLS_CLIENT_AUTH_HEADER, CF_BLOB_HEADER, URL_HEADER])
/** Under `--edge`: set by Cloudflare from the client's address, never by the client. */
const EDGE_STATED = new Set(['cf-ipcountry'])

/** How a listener presents requests to the Worker. */
export interface ListenOptions {
  /** `--edge`: states `request.cf` as the edge would. */
  readonly edge?: boolean
  /** A TLS listener (PEM): asks for a client certificate, verified against `ca`, never required. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string }
}

function hostOf(a: ListenAddress): string {
  return a.address === '' || a.address === '*' ? '0.0.0.0' : a.address.replace(/^\[|\]$/g, '')
}

function peer(sock: Socket): string {
  return (sock.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')
}

/** The client certificate of a TLS connection as Cloudflare's `tlsClientAuth`, its version and cipher. */
function tlsOf(sock: TLSSocket): Parameters<typeof cfFromHeaders>[1] {
  const peer = sock.getPeerCertificate(false) as { raw?: Buffer }
  const error = sock.authorizationError as unknown as Error | string | null | undefined
  const why = sock.authorized ? undefined : error instanceof Error ? error.message : (error ?? 'unknown')
  return { version: sock.getProtocol() ?? '', cipher: sock.getCipher()?.name ?? '', clientAuth: tlsClientAuth(peer.raw, why) }
}

function upstreamHeaders(req: IncomingMessage, bind: ListenAddress, o: ListenOptions): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {}
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string
    const value = req.rawHeaders[i + 1] as string
    const lower = name.toLowerCase()
    if (STATED.has(lower)) continue
    if (o.edge && (EDGE_STATED.has(lower) || lower.startsWith(CF_HEADER_PREFIX))) continue
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
  if (o.edge) {
    const tls = o.tls ? tlsOf(req.socket as TLSSocket) : undefined
    const cf = cfFromHeaders(req.headers, tls)
    if (typeof cf.country === 'string') h['cf-ipcountry'] = cf.country
    if (tls) {
      h[TLS_CLIENT_AUTH_HEADER] = JSON.stringify(tls.clientAuth)
      const host = Object.entries(h).find(([n]) => n.toLowerCase() === 'host')?.[1]
      h[URL_HEADER] = `https://${Array.isArray(host) ? host[0] : host}${req.url ?? '/'}`
    }
    h[CF_BLOB_HEADER] = JSON.stringify(cf)
  }
  return h
}

/** A listening socket; `close` also ends spliced WebSocket connections, which the server no longer owns. */
export interface Listener {
  close(): Promise<void>
}

/** Listens on `bind` and relays everything to the workerd socket at `target` (host:port). */
export function listen(bind: ListenAddress, target: { host: string; port: number }, o: ListenOptions = {}): Promise<Listener> {
  const tunnels = new Set<Socket>()
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const up = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers: upstreamHeaders(req, bind, o), setHost: false }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, ures.rawHeaders)
      ures.pipe(res)
    })
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('edgeproxy dev: the Worker runtime is not answering\n')
    })
    req.pipe(up)
  }
  const server: Server = o.tls
    ? httpsCreateServer({ cert: o.tls.cert, key: o.tls.key, ...(o.tls.ca !== undefined ? { ca: o.tls.ca } : {}), requestCert: true, rejectUnauthorized: false }, handler)
    : httpCreateServer(handler)
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
      const headers = upstreamHeaders(req, bind, o)
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
