/**
 * @module
 * The sockets `edgeproxy dev` listens on: one per frontend `bind` address:port, as HAProxy would
 * open them. Each passes requests to the Worker in workerd, stating the real client address
 * (`CF-Connecting-IP`, as Cloudflare's edge does) and which bind received it
 * (`x-edgeproxy-bind`, trusted only under dev). Bodies stream both ways; WebSocket upgrades are
 * spliced as raw sockets once the Worker answered 101, and any other answer to an upgrade request
 * leaves the connection to the HTTP parser for its next request. HAProxy's client-side timeouts
 * apply: `http-request` to a request head, `http-keep-alive` between requests, `client` to an
 * answer the client does not read, `tunnel` (else `server`) to an idle tunnel. `close()` is
 * HAProxy's soft stop (src/dev/shutdown.ts).
 *
 * Under `--edge` (src/dev/edge.ts) a listener also states what Cloudflare's edge would put in
 * `request.cf` (Miniflare's `MF-CF-Blob` header, replacing its made-up defaults): the
 * `x-edgeproxy-cf-*` properties the client asked for, and, on an `ssl` bind given a certificate,
 * the TLS version, cipher and client certificate (`tlsClientAuth`, also in
 * `x-edgeproxy-tls-client-auth`) of a real TLS handshake that asks for one.
 */
import { Agent, type IncomingMessage, createServer as httpCreateServer, request as httpRequest, type Server, type ServerResponse } from 'node:http'
import { createServer as httpsCreateServer } from 'node:https'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { errorResponse } from '../engine/errors.ts'
import type { Timeouts } from '../routemap/schema.ts'
import { CF_HEADER_PREFIX, cfFromHeaders, tlsClientAuth } from './edge.ts'
import { chunkedBody, lengthBody } from './upgrade-body.ts'

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
  /** The frontend's timeouts (ms, its defaults' included): the client-side ones, and `tunnel`/`server` for tunnels. */
  readonly timeouts?: Pick<Timeouts, 'client' | 'server' | 'httpRequest' | 'httpKeepAlive' | 'tunnel'>
}

/**
 * The Node server options that enforce HAProxy's client-side timeouts: a request must be complete
 * (its head) within `timeout http-request` (else `timeout client`), or it is answered 408 and closed,
 * also on a connection that sent nothing; an idle connection between requests closes after
 * `timeout http-keep-alive` (else `timeout http-request`, else `timeout client`). Unset: Node's defaults.
 */
function serverTimeouts(t: ListenOptions['timeouts']): { headersTimeout?: number; keepAliveTimeout?: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const request = t?.httpRequest ?? t?.client
  const keepAlive = t?.httpKeepAlive ?? request
  // HAProxy has no deadline for a whole request body (only inactivity): none here either.
  const o: ReturnType<typeof serverTimeouts> = { requestTimeout: 0, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor((request ?? 4000) / 4))) }
  if (request !== undefined && request > 0) o.headersTimeout = request
  if (keepAlive !== undefined && keepAlive > 0) o.keepAliveTimeout = keepAlive
  return o
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

/** A header line as the listener passes it on: name as received, value. */
type Line = readonly [string, string]

/** A Host value that makes a URL authority: a name or address, an optional port (1-65535). */
const AUTHORITY = /^(?:[a-z0-9._~!$&'()*+,;=%-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i

function validAuthority(host: string): boolean {
  const m = AUTHORITY.exec(host)
  if (!m) return false
  if (m[1] !== undefined && Number(m[1]) > 65535) return false
  return URL.canParse(`http://${host}/`)
}

/** An absolute-form request target (`http://host/path`): its authority. */
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i

/**
 * Why a request the Node parser let through is refused with the 400 page (connection closed), or
 * undefined:
 * - two `Host` lines that differ, or an absolute-form target whose authority is not the `Host`:
 *   HAProxy 2.6 answers 400;
 * - a target that is neither a path nor an absolute URL (`*`), or a `Host` that is no URL
 *   authority (`a b`, a port above 65535): HAProxy passes them to its rules, but a Worker can only
 *   be given a request with a URL (Cloudflare's edge refuses them before the Worker).
 */
function refused(req: IncomingMessage): 400 | undefined {
  let host: string | undefined
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if ((req.rawHeaders[i] as string).toLowerCase() !== 'host') continue
    const v = (req.rawHeaders[i + 1] as string).trim().toLowerCase()
    if (host !== undefined && v !== host) return 400
    host = v
  }
  const target = req.url ?? ''
  const absolute = ABSOLUTE.exec(target)
  if (absolute) {
    const authority = (absolute[1] as string).toLowerCase()
    if (host !== undefined && authority !== host) return 400
    if (!validAuthority(authority)) return 400
  } else if (!target.startsWith('/')) return 400
  if (host !== undefined && !validAuthority(host)) return 400
  return undefined
}

/**
 * The header lines the Worker receives for one request: the client's, less every header the
 * listener states (whatever the client sent under those names is dropped), then the stated ones
 * from the socket. Identical `Host` lines are passed as one.
 */
function upstreamHeaders(req: IncomingMessage, bind: ListenAddress, o: ListenOptions): Line[] {
  const h: Line[] = []
  let host: string | undefined
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string
    const value = req.rawHeaders[i + 1] as string
    const lower = name.toLowerCase()
    if (STATED.has(lower)) continue
    if (o.edge && (EDGE_STATED.has(lower) || lower.startsWith(CF_HEADER_PREFIX))) continue
    if (lower === 'host') {
      if (host !== undefined) continue
      host = value
    }
    h.push([name, value])
  }
  h.push(['cf-connecting-ip', peer(req.socket)])
  // The client's port (%cp in logs, src_port): Cloudflare does not pass it, the dev listener can.
  if (req.socket.remotePort !== undefined) h.push(['x-edgeproxy-src-port', String(req.socket.remotePort)])
  h.push(['x-edgeproxy-bind', `${bind.address || '*'}:${bind.port}`])
  const dst = (req.socket.localAddress ?? hostOf(bind)).replace(/^::ffff:/, '')
  h.push(['x-edgeproxy-dst', dst])
  // HTTP/1.0 allows no Host; the Worker needs one to build the URL: the socket's address stands in.
  if (host === undefined) {
    host = `${dst}:${bind.port}`
    h.push(['host', host])
  }
  if (o.edge) {
    const tls = o.tls ? tlsOf(req.socket as TLSSocket) : undefined
    const cf = cfFromHeaders(req.headers, tls)
    if (typeof cf.country === 'string') h.push(['cf-ipcountry', cf.country])
    if (tls) {
      h.push([TLS_CLIENT_AUTH_HEADER, JSON.stringify(tls.clientAuth)])
      h.push([URL_HEADER, `https://${host}${req.url ?? '/'}`])
    }
    h.push([CF_BLOB_HEADER, JSON.stringify(cf)])
  }
  return h
}

/** HAProxy's page for `status` as raw HTTP/1.1 bytes (for a socket the HTTP server no longer owns). */
function rawPage(status: number): string {
  const page = errorResponse(status)
  const head = [`HTTP/1.1 ${page.status} ${page.reason}`, ...page.headers.map(([n, v]) => `${n}: ${v}`)]
  return `${head.join('\r\n')}\r\n\r\n${page.body}`
}

/** Answers HAProxy's page for `status` on `res`; a 400 or 408 page closes the connection. */
function answerPage(res: ServerResponse, status: number): void {
  const page = errorResponse(status)
  res.sendDate = false
  res.writeHead(page.status, page.reason, page.headers.flat())
  res.end(page.body)
}

/** Hop-by-hop response headers that a relayed answer does not carry (the listener frames it). */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length'])

/**
 * A listening socket. `close(deadline)` is a soft stop, as HAProxy's: it stops accepting, closes
 * idle keep-alive connections and tunnels (WebSocket), lets the requests in flight finish (their
 * connection closes after the answer) until `deadline` (ms since the epoch; default now), then
 * ends whatever is left. It resolves once no connection remains.
 */
export interface Listener {
  close(deadline?: number): Promise<void>
}

/** The head of a relayed answer (raw HTTP/1.1), its framing stated by the listener. */
function answerHead(ures: IncomingMessage, framing: readonly Line[]): string {
  const lines = [`HTTP/1.1 ${ures.statusCode} ${ures.statusMessage}`]
  for (let i = 0; i < ures.rawHeaders.length; i += 2) {
    const n = ures.rawHeaders[i] as string
    if (!HOP.has(n.toLowerCase())) lines.push(`${n}: ${ures.rawHeaders[i + 1]}`)
  }
  for (const [n, v] of framing) lines.push(`${n}: ${v}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** The client asked to close after this request (HTTP/1.0 without keep-alive, or `Connection: close`). */
function wantsClose(req: IncomingMessage): boolean {
  const c = (req.headers.connection ?? '').toLowerCase()
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return !/\bkeep-alive\b/.test(c)
  return /\bclose\b/.test(c)
}

/** Bytes read after an upgrade request, kept until the Worker answers it, before reading stops. */
const UPGRADE_EARLY_MAX = 64 * 1024

/** Listens on `bind` and relays everything to the workerd socket at `target` (host:port). */
export function listen(bind: ListenAddress, target: { host: string; port: number }, o: ListenOptions = {}): Promise<Listener> {
  /** Upgrade requests waiting for the Worker's answer, and established tunnels (both sides). */
  const tunnels = new Set<Socket>()
  /** Every client connection, to know when a stop is complete. */
  const sockets = new Set<Socket>()
  const timeouts = serverTimeouts(o.timeouts)
  /** Inactivity of an established tunnel (both directions): `timeout tunnel`, else `timeout server`, as HAProxy 2.6 measures it. */
  const tunnelIdle = o.timeouts?.tunnel ?? o.timeouts?.server
  const idle = new Map<Socket, NodeJS.Timeout>()
  let stopping = false
  let drained: (() => void) | undefined
  const agent = new Agent({ keepAlive: true })
  const forget = (sock: Socket) => {
    sockets.delete(sock)
    clearTimeout(idle.get(sock))
    idle.delete(sock)
    if (stopping && sockets.size === 0) drained?.()
  }
  /** Between requests: the connection closes after the keep-alive timeout, unless a byte arrives; at once when stopping. */
  const awaitNext = (sock: Socket) => {
    if (sock.destroyed) return
    if (stopping) {
      sock.destroySoon()
      return
    }
    const ms = timeouts.keepAliveTimeout
    if (ms === undefined) return
    clearTimeout(idle.get(sock))
    // The HTTP parser reads the socket itself (no 'data' events): a byte of the next request shows
    // in bytesRead, and from then on `timeout http-request` (the server's headersTimeout) applies.
    const read = sock.bytesRead
    const timer = setTimeout(() => {
      idle.delete(sock)
      if (sock.bytesRead === read) sock.destroy()
    }, ms)
    idle.set(sock, timer)
  }
  /** A request arrived on the connection: it is no longer idle. */
  const busy = (sock: Socket) => {
    clearTimeout(idle.get(sock))
    idle.delete(sock)
  }
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    busy(req.socket)
    // Node's own keep-alive timer runs a second late (its buffer): the listener's is exact.
    res.on('finish', () => awaitNext(req.socket))
    const bad = refused(req)
    if (bad !== undefined) {
      req.resume()
      answerPage(res, bad)
      return
    }
    const up = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers: upstreamHeaders(req, bind, o).flat(), setHost: false, agent }, (ures) => {
      // Stopping: the answer says the connection closes after it.
      if (stopping) res.shouldKeepAlive = false
      // The Worker's headers as it sent them: HAProxy adds no Date to an answer (its own pages have none).
      res.sendDate = false
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, ures.rawHeaders)
      // `timeout client` on the answer: while bytes wait for a client that does not read them
      // (the socket's buffer full), the client has that long to take them; an origin that is
      // merely slow to send is no client's fault and arms nothing.
      const clientIdle = o.timeouts?.client
      let stuck: NodeJS.Timeout | undefined
      res.on('drain', () => {
        clearTimeout(stuck)
        ures.resume()
      })
      res.once('close', () => clearTimeout(stuck))
      ures.on('data', (d: Buffer) => {
        if (res.write(d)) return
        ures.pause()
        if (clientIdle !== undefined && clientIdle > 0) stuck = setTimeout(() => res.destroy(), clientIdle)
      })
      ures.on('end', () => res.end())
      // The Worker's answer broke off mid-body (its origin reset): the client's connection ends
      // too, as HAProxy ends it; a truncated body is never left waiting for its end.
      ures.on('error', () => res.destroy())
      ures.on('close', () => {
        if (!ures.complete) res.destroy()
      })
    })
    up.on('error', () => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('edgeproxy dev: the Worker runtime is not answering\n')
    })
    // The client went away before its answer was complete: the request to the Worker ends.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy()
    })
    req.on('error', () => up.destroy())
    req.pipe(up)
  }
  const server: Server = o.tls
    ? httpsCreateServer({ ...timeouts, cert: o.tls.cert, key: o.tls.key, ...(o.tls.ca !== undefined ? { ca: o.tls.ca } : {}), requestCert: true, rejectUnauthorized: false }, handler)
    : httpCreateServer(timeouts, handler)
  server.on(o.tls ? 'secureConnection' : 'connection', (sock: Socket) => {
    if (sockets.has(sock)) return
    sockets.add(sock)
    sock.once('close', () => forget(sock))
  })
  // A request the HTTP parser rejects never reaches the Worker: answer as HAProxy does (its 400
  // page for a malformed or oversized request, 408 when it did not arrive in time).
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy()
      return
    }
    socket.end(rawPage(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400))
  })
  /**
   * A connection whose upgrade the Worker refused goes back to the HTTP server, which parses its
   * next request (with the bytes the client already sent after this one) like any other.
   */
  const handBack = (client: Socket, rest: Buffer) => {
    tunnels.delete(client)
    if (stopping || client.destroyed) {
      client.destroySoon()
      return
    }
    if (rest.length > 0) client.unshift(rest)
    server.emit(o.tls ? 'secureConnection' : 'connection', client)
    client.resume()
    awaitNext(client)
  }
  // An upgrade request is a request like any other: parsed, its stated headers set from the
  // socket. Only a 101 from the Worker turns the connection into a tunnel; any other answer is
  // relayed (framed by the listener) and the connection goes back to the HTTP parser for its next
  // request, as HAProxy keeps it: no byte on it ever reaches the Worker unparsed.
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    busy(client)
    const onError = () => client.destroy()
    client.on('error', onError)
    // A body whose end cannot be found (a transfer coding other than chunked last): refused.
    const te = req.headers['transfer-encoding']
    const bad = refused(req) ?? (te !== undefined && !/(?:^|,)[ \t]*chunked[ \t]*$/i.test(te) ? 400 : undefined)
    if (bad !== undefined || stopping) {
      client.end(rawPage(bad ?? 503))
      return
    }
    tunnels.add(client)
    const up = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers: upstreamHeaders(req, bind, o).flat(), setHost: false, agent: false })
    const abort = () => up.destroy()
    client.on('close', abort)
    // The request's body (Content-Length bytes, or chunks) goes to the Worker as the request's;
    // what follows it is kept for the tunnel, or for the next request, should the Worker not answer 101.
    const write = (d: Buffer) => up.write(d)
    const body = te !== undefined ? chunkedBody(write) : lengthBody(Number(req.headers['content-length'] ?? 0), write)
    const onData = (d: Buffer) => {
      const was = body.done
      body.push(d)
      if (body.failed) client.destroy()
      else if (body.done && !was) up.end()
      // Bytes after the request wait for the Worker's answer: past a buffer's worth, the socket stops being read.
      if (body.rest.length > UPGRADE_EARLY_MAX) client.pause()
    }
    if (body.done) up.end()
    onData(head)
    if (!body.done) client.on('data', onData)
    up.on('upgrade', (ures: IncomingMessage, upstream: Socket, uhead: Buffer) => {
      client.off('data', onData)
      tunnels.add(upstream)
      const lines = [`HTTP/1.1 ${ures.statusCode} ${ures.statusMessage}`]
      for (let i = 0; i < ures.rawHeaders.length; i += 2) lines.push(`${ures.rawHeaders[i]}: ${ures.rawHeaders[i + 1]}`)
      client.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (uhead.length > 0) client.write(uhead)
      if (body.rest.length > 0) upstream.write(body.rest)
      upstream.pipe(client)
      client.pipe(upstream)
      // Every byte of the tunnel, either way, passes the client socket: its idle timer is the tunnel's.
      if (tunnelIdle !== undefined && tunnelIdle > 0) client.setTimeout(tunnelIdle, () => client.destroy())
      const end = () => {
        upstream.destroy()
        client.destroy()
        tunnels.delete(upstream)
        tunnels.delete(client)
      }
      upstream.on('error', end)
      upstream.on('close', end)
      client.on('close', end)
    })
    up.on('response', (ures: IncomingMessage) => {
      const noBody = req.method === 'HEAD' || ures.statusCode === 204 || ures.statusCode === 304
      const length = ures.headers['content-length']
      const chunked = !noBody && length === undefined
      const keep = !wantsClose(req)
      const framing: Line[] = [...(length !== undefined ? [['content-length', length] as const] : []), ...(chunked ? [['transfer-encoding', 'chunked'] as const] : [])]
      if (!keep) framing.push(['connection', 'close'])
      client.write(answerHead(ures, framing))
      // A client that does not read: the answer waits (`timeout client`), as on any request.
      const clientIdle = o.timeouts?.client
      let stuck: NodeJS.Timeout | undefined
      const onDrain = () => {
        clearTimeout(stuck)
        ures.resume()
      }
      client.on('drain', onDrain)
      client.once('close', () => clearTimeout(stuck))
      ures.on('data', (d: Buffer) => {
        if (noBody) return
        if (client.write(chunked ? Buffer.concat([Buffer.from(`${d.length.toString(16)}\r\n`), d, Buffer.from('\r\n')]) : d)) return
        ures.pause()
        if (clientIdle !== undefined && clientIdle > 0) stuck = setTimeout(() => client.destroy(), clientIdle)
      })
      ures.on('end', () => {
        if (chunked) client.write('0\r\n\r\n')
        client.off('data', onData)
        client.off('close', abort)
        client.off('drain', onDrain)
        clearTimeout(stuck)
        // The next request can be told from this one's body only if the body was all read.
        if (keep && body.done) {
          client.off('error', onError)
          handBack(client, body.rest)
        } else {
          tunnels.delete(client)
          client.end()
        }
      })
      ures.on('error', () => client.destroy())
      ures.on('close', () => {
        if (!ures.complete) client.destroy()
      })
    })
    up.on('error', () => {
      if (client.writable) client.end(rawPage(502))
      else client.destroy()
    })
  })
  // CONNECT cannot reach a Worker (fetch takes no CONNECT): HAProxy's 400 page, the connection
  // closed, rather than no answer at all.
  server.on('connect', (_req: IncomingMessage, client: Socket) => {
    client.on('error', () => client.destroy())
    client.end(rawPage(400))
  })
  const handle: Listener = {
    close: (deadline = Date.now()) =>
      new Promise<void>((res) => {
        const finish = () => {
          clearTimeout(hard)
          for (const s of sockets) s.destroy()
          for (const t of idle.values()) clearTimeout(t)
          idle.clear()
          agent.destroy()
          res()
        }
        drained = finish
        stopping = true
        const hard = setTimeout(
          () => {
            server.closeAllConnections()
            finish()
          },
          Math.max(0, deadline - Date.now()),
        )
        server.close()
        server.closeIdleConnections()
        for (const t of tunnels) t.destroy()
        tunnels.clear()
        // A connection waiting for its next request closes now; one with a request in flight closes after its answer.
        for (const [s, t] of idle) {
          clearTimeout(t)
          s.destroy()
        }
        if (sockets.size === 0) finish()
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
