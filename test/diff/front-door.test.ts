import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, freePort, type Pair, rawExchange, send, startPair } from './harness.ts'

/*
 * The dev front door (issue 14) against HAProxy 2.6, over raw sockets: requests that crashed or
 * fooled `edgeproxy dev`'s listener. A malformed request gets HAProxy's 400 and the process lives
 * on; the client address the Worker trusts is always the socket's, also after an upgrade the
 * Worker did not accept (the connection stays open for the next request, parsed as any other); an
 * origin that resets mid-body ends the client's connection; the client-side timeouts (`timeout
 * client` on an answer the client does not read, `timeout tunnel` on an idle WebSocket) end
 * connections when HAProxy's end them.
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    stats enable
    stats uri /stats
    stats auth admin:secret
    stats admin if { src 10.0.0.0/8 }
    use_backend be_reset if { path_beg /reset }
    default_backend be

frontend fe_timeouts
    bind 127.0.0.1:@PORT2@
    timeout http-request 1s
    default_backend be

listen li_slow
    bind 127.0.0.1:@PORT3@
    timeout client 1s
    timeout server 1s
    server a 127.0.0.1:@a@

listen li_tunnel
    bind 127.0.0.1:@PORT4@
    timeout tunnel 1s
    server a 127.0.0.1:@a@

backend be
    server a 127.0.0.1:@a@

backend be_reset
    server r 127.0.0.1:@reset@
`

/**
 * An origin that answers a 100,000-byte body, sends 1,000 bytes of it, then resets the
 * connection (RST).
 */
async function resettingOrigin(): Promise<{ port: number; server: Server }> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  const server = createServer((sock) => {
    sockets.add(sock)
    sock.on('error', () => sock.destroy())
    sock.on('close', () => sockets.delete(sock))
    let head = ''
    sock.on('data', (d: Buffer) => {
      head += d.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      sock.write(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 100000\r\n\r\n${'x'.repeat(1000)}`)
      setTimeout(() => sock.resetAndDestroy(), 100)
    })
  })
  server.on('close', () => {
    for (const s of sockets) s.destroy()
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  return { port, server }
}

/**
 * On one connection: writes `first`, waits until its answer is complete (`idleMs` without data),
 * then writes `second` and collects what follows until the peer closes or `idleMs` passes again.
 */
function twoOnOneConnection(port: number, first: string, second: string, idleMs = 1500): Promise<{ first: string; second: string }> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(first))
    let a = ''
    let b = ''
    let phase: 1 | 2 = 1
    let timer: NodeJS.Timeout
    const finish = () => {
      clearTimeout(timer)
      sock.destroy()
      resolve({ first: a, second: b })
    }
    const idle = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        if (phase === 2) return finish()
        phase = 2
        if (sock.writable) sock.write(second)
        idle()
      }, idleMs)
    }
    idle()
    sock.on('data', (d: Buffer) => {
      if (phase === 1) a += d.toString('latin1')
      else b += d.toString('latin1')
      idle()
    })
    sock.on('error', finish)
    sock.on('close', finish)
  })
}

/** A raw answer with its head lower-cased and its header lines sorted (case and order are not compared). */
function norm(text: string): string {
  const i = text.indexOf('\r\n\r\n')
  if (i < 0) return text
  const [status = '', ...lines] = text.slice(0, i).toLowerCase().split('\r\n')
  return [status, ...lines.sort()].join('\r\n') + text.slice(i)
}

/**
 * Opens a WebSocket on `port`, sends a frame every `pingMs` (0: none), and resolves with how long
 * the proxy kept it open (`limitMs` if it was still open then) and whether it saw the 101.
 */
function wsHeld(port: number, pingMs: number, limitMs: number): Promise<{ upgraded: boolean; openMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now()
    let upgraded = false
    let ping: NodeJS.Timeout | undefined
    const sock = connect(port, '127.0.0.1', () =>
      sock.write(
        `GET /ws HTTP/1.1\r\nHost: t.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from('front-door-ws-16').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    )
    const finish = () => {
      clearTimeout(limit)
      clearInterval(ping)
      sock.destroy()
      resolve({ upgraded, openMs: Date.now() - started })
    }
    const limit = setTimeout(finish, limitMs)
    sock.on('data', (d: Buffer) => {
      if (upgraded || !d.toString('latin1').startsWith('HTTP/1.1 101 ')) return
      upgraded = true
      // A masked text frame: the origin echoes it.
      if (pingMs > 0) ping = setInterval(() => sock.writable && sock.write(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x70 ^ 1])), pingMs)
    })
    sock.on('close', finish)
    sock.on('error', finish)
  })
}

/**
 * Asks `port` for a 64 MB answer and reads nothing for `stallMs`, then reads what is left: the
 * bytes received and whether the proxy closed the connection before the body was complete.
 */
function stalledReader(port: number, stallMs: number): Promise<{ bytes: number; complete: boolean }> {
  const size = 64 * 1024 * 1024
  return new Promise((resolve) => {
    let bytes = 0
    let headEnd = -1
    let head = ''
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(`GET /big?size=${size} HTTP/1.1\r\nHost: t.example\r\n\r\n`)
      sock.pause()
      setTimeout(() => sock.resume(), stallMs)
    })
    const finish = () => {
      clearTimeout(limit)
      sock.destroy()
      resolve({ bytes, complete: bytes >= size })
    }
    const limit = setTimeout(finish, stallMs + 15_000)
    sock.on('data', (d: Buffer) => {
      if (headEnd < 0) {
        head += d.toString('latin1')
        headEnd = head.indexOf('\r\n\r\n')
        if (headEnd >= 0) bytes += Buffer.byteLength(head, 'latin1') - headEnd - 4
      } else bytes += d.length
      if (bytes >= size) finish()
    })
    sock.on('close', finish)
    sock.on('error', finish)
  })
}

describe.skipIf(!diffEnabled())('the dev front door against HAProxy 2.6', () => {
  let pair: Pair
  let reset: { port: number; server: Server }

  beforeAll(async () => {
    reset = await resettingOrigin()
    pair = await startPair(CONFIG, {
      live: ['a'],
      own: { reset: reset.port },
      extraPorts: ['PORT2', 'PORT3', 'PORT4'],
    }).catch(async (e: unknown) => {
      reset.server.close()
      throw e
    })
  }, 90_000)

  afterAll(async () => {
    await pair?.stop()
    await new Promise<void>((r) => (reset ? reset.server.close(() => r()) : r()))
  })

  it('answers two different Host lines with the 400 page, closes, and serves the next connection', async () => {
    const req = 'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n'
    const h = await rawExchange(pair.haproxy.port, req)
    const e = await rawExchange(pair.edge.port, req)
    expect(h.status).toBe(400)
    expect(e.status).toBe(400)
    expect(e.closed).toBe(true)
    expect(e.text.slice(e.text.indexOf('\r\n\r\n'))).toBe(h.text.slice(h.text.indexOf('\r\n\r\n')))
    // The process lives on: the next connection is served by the origin.
    const next = await send(pair.edge.port, { path: '/after' })
    expect(next.status).toBe(200)
    expect(next.headers['x-served-by']).toBe('a')
  })

  it('answers an absolute-form target whose authority is not the Host with the 400 page, as HAProxy', async () => {
    const req = 'GET http://other.example/ HTTP/1.1\r\nHost: t.example\r\n\r\n'
    const h = await rawExchange(pair.haproxy.port, req)
    const e = await rawExchange(pair.edge.port, req)
    expect(h.status).toBe(400)
    expect(norm(e.text)).toBe(norm(h.text))
    expect(e.closed).toBe(true)
  })

  it('answers what a Worker cannot be given (a * target, CONNECT, a Host that is no authority) with the 400 page, never a stack trace', async () => {
    const cases = [
      'GET * HTTP/1.1\r\nHost: t.example\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: t.example\r\n\r\n',
      'CONNECT t.example:443 HTTP/1.1\r\nHost: t.example:443\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a b\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: t.example:99999\r\n\r\n',
      'GET / HTTP/1.1\r\nHost:\r\n\r\n',
    ]
    const page = await rawExchange(pair.haproxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')
    for (const req of cases) {
      const e = await rawExchange(pair.edge.port, req)
      expect(norm(e.text), req).toBe(norm(page.text))
      expect(e.closed).toBe(true)
    }
    // A valid host with a port and an IPv6 literal still pass.
    for (const host of ['t.example:8080', '[::1]:8080']) {
      const e = await rawExchange(pair.edge.port, `GET /ok HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
      expect(e.status, host).toBe(200)
    }
  })

  it('never lets a client state its own address, not even on the connection of an upgrade the Worker did not accept, which stays open', async () => {
    const upgrade = 'GET /x HTTP/1.1\r\nHost: t.example\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n'
    const body = 's=a&action=maint&b=%233'
    const auth = Buffer.from('admin:secret').toString('base64')
    const forged = `POST /stats HTTP/1.1\r\nHost: t.example\r\nAuthorization: Basic ${auth}\r\nCF-Connecting-IP: 10.1.2.3\r\nX-Edgeproxy-Bind: 127.0.0.1:1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`
    const h = await twoOnOneConnection(pair.haproxy.port, upgrade, forged)
    const e = await twoOnOneConnection(pair.edge.port, upgrade, forged)
    expect(h.first).toMatch(/^HTTP\/1\.1 200 /)
    expect(e.first).toMatch(/^HTTP\/1\.1 200 /)
    // Both keep the connection and parse the next request: the stated address is the socket's.
    expect(h.second).toMatch(/^HTTP\/1\.1 303 /)
    expect(h.second).toMatch(/st=DENY/)
    expect(e.second).toMatch(/^HTTP\/1\.1 303 /)
    expect(e.second).toMatch(/st=DENY/)
    // On a fresh connection, a forged address is not believed either.
    const direct = await rawExchange(pair.edge.port, forged)
    expect(direct.status).toBe(303)
    expect(direct.text).toMatch(/st=DENY/)
    // And the server is not in maintenance.
    const after = await send(pair.edge.port, { path: '/still-up' })
    expect(after.headers['x-served-by']).toBe('a')
  })

  it('answers a request sent right behind a refused upgrade on the same connection, as HAProxy', async () => {
    for (const first of [
      'GET /up HTTP/1.1\r\nHost: t.example\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n',
      'POST /up HTTP/1.1\r\nHost: t.example\r\nConnection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 5\r\n\r\nhello',
      'HEAD /up HTTP/1.1\r\nHost: t.example\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n',
      'POST /up HTTP/1.1\r\nHost: t.example\r\nConnection: Upgrade\r\nUpgrade: foo\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n',
    ]) {
      const req = `${first}GET /next HTTP/1.1\r\nHost: t.example\r\nCF-Connecting-IP: 10.9.9.9\r\n\r\n`
      const h = await rawExchange(pair.haproxy.port, req)
      const e = await rawExchange(pair.edge.port, req)
      const statuses = (t: string) => [...t.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])
      expect(statuses(h.text), first).toEqual(['200', '200'])
      expect(statuses(e.text), first).toEqual(statuses(h.text))
      expect(e.closed, first).toBe(h.closed)
      // The second request reached the origin with the socket's address, not the one it claimed.
      const seen = JSON.parse(e.text.slice(e.text.lastIndexOf('\r\n\r\n') + 4)) as { url: string; headers: Record<string, string> }
      expect(seen.url).toBe('/next')
      // The first request's body reached the origin whole (a chunked one de-chunked and framed again).
      if (first.startsWith('POST')) expect(e.text).toMatch(/"url":"\/up".*"bodyBytes":5/)
      expect(JSON.stringify(seen.headers)).not.toContain('10.9.9.9')
    }
  })

  it('timeout tunnel closes an idle WebSocket, and traffic either way keeps it open, as HAProxy', async () => {
    const hp = pair.haproxy.ports.PORT4 as number
    const ep = pair.edge.ports.PORT4 as number
    const [hIdle, eIdle, hBusy, eBusy] = await Promise.all([wsHeld(hp, 0, 4000), wsHeld(ep, 0, 4000), wsHeld(hp, 300, 3000), wsHeld(ep, 300, 3000)])
    for (const r of [hIdle, eIdle, hBusy, eBusy]) expect(r.upgraded).toBe(true)
    // timeout tunnel 1s: closed after about a second of silence.
    expect(hIdle.openMs).toBeGreaterThan(800)
    expect(hIdle.openMs).toBeLessThan(2500)
    expect(eIdle.openMs).toBeGreaterThan(800)
    expect(eIdle.openMs).toBeLessThan(2500)
    // A frame every 300 ms: still open when the client gives up at 3 s.
    expect(hBusy.openMs).toBeGreaterThanOrEqual(2900)
    expect(eBusy.openMs).toBeGreaterThanOrEqual(2900)
  })

  it('timeout client ends an answer the client does not read, as HAProxy', async () => {
    const hp = pair.haproxy.ports.PORT3 as number
    const ep = pair.edge.ports.PORT3 as number
    const [h, e] = await Promise.all([stalledReader(hp, 4000), stalledReader(ep, 4000)])
    expect(h.complete).toBe(false)
    expect(e.complete).toBe(false)
  })

  it('a client that stops sending its body mid-way: timeout server answers 504, as HAProxy (timeout client does not cut it)', async () => {
    const hp = pair.haproxy.ports.PORT3 as number
    const ep = pair.edge.ports.PORT3 as number
    const req = 'POST /stalled HTTP/1.1\r\nHost: t.example\r\nContent-Length: 100\r\n\r\n0123456789'
    const [h, e] = await Promise.all([rawExchange(hp, req, 4000), rawExchange(ep, req, 4000)])
    expect(h.status).toBe(504)
    expect(h.closed).toBe(true)
    expect(norm(e.text)).toBe(norm(h.text))
    expect(e.closed).toBe(true)
  })

  it('enforces timeout http-request: a request head not complete in time gets the 408 page, an idle connection closes', async () => {
    const hp = pair.haproxy.ports.PORT2 as number
    const ep = pair.edge.ports.PORT2 as number
    for (const partial of ['', 'GET / HTTP/1.1\r\nHost: t.example\r\n']) {
      // The idle wait (4 s) is longer than the timeout (1 s): a client held longer fails.
      const h = await rawExchange(hp, partial, 4000)
      const e = await rawExchange(ep, partial, 4000)
      expect(h.status).toBe(408)
      expect(h.closed).toBe(true)
      expect(norm(e.text), JSON.stringify(partial)).toBe(norm(h.text))
      expect(e.closed).toBe(true)
    }
    // After an answer, the connection waits for the next request as long (no keep-alive timeout
    // set: http-request's applies), then closes without a word.
    const req = 'GET /ka HTTP/1.1\r\nHost: t.example\r\n\r\n'
    for (const port of [hp, ep]) {
      const started = Date.now()
      const r = await rawExchange(port, req, 4000)
      expect(r.status).toBe(200)
      expect(r.closed).toBe(true)
      expect(Date.now() - started).toBeLessThan(2500)
    }
  })

  it('passes the body of an upgrade request the Worker does not accept to the origin', async () => {
    const req = 'POST /body HTTP/1.1\r\nHost: t.example\r\nConnection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 5\r\n\r\nhello'
    const h = await rawExchange(pair.haproxy.port, req)
    const e = await rawExchange(pair.edge.port, req)
    expect(h.status).toBe(200)
    expect(e.status).toBe(200)
    const seen = JSON.parse(e.text.slice(e.text.indexOf('\r\n\r\n') + 4)) as { bodyBytes: number }
    expect(seen.bodyBytes).toBe(5)
  })

  it('closes the client connection when the origin resets mid-body', async () => {
    const req = 'GET /reset HTTP/1.1\r\nHost: t.example\r\n\r\n'
    // The idle wait (5 s) is longer than either proxy needs: a connection left open fails.
    const started = Date.now()
    const h = await rawExchange(pair.haproxy.port, req, 5000)
    const hMs = Date.now() - started
    const t = Date.now()
    const e = await rawExchange(pair.edge.port, req, 5000)
    const eMs = Date.now() - t
    expect(h.closed).toBe(true)
    expect(hMs).toBeLessThan(4000)
    expect(e.status).toBe(200)
    expect(e.closed).toBe(true)
    expect(eMs).toBeLessThan(4000)
  })
})
