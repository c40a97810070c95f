import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffEnabled, type Pair, type Seen, startPair, type WsResult, wsExchange } from './harness.ts'

/*
 * WebSocket upgrades through HAProxy 2.6 and `edgeproxy dev`, from a raw socket: the 101, the
 * accept key for the client's own key, frames echoed both ways, routing and request rules applied
 * to the upgrade request, response rules and cookie insertion applied to the 101, and HAProxy's
 * 503 when the server refuses the connection.
 *
 * workerd terminates the handshake and opens its own WebSocket to the origin, so the origin sees
 * another Sec-WebSocket-Key (and the Host of the origin, like every edge subrequest); the client
 * still gets the accept value for its key.
 */
const CONFIG = `
global
    nbthread 1

defaults
    mode http
    timeout connect 300ms
    timeout client 10s
    timeout server 10s
    timeout tunnel 30s

frontend fe
    bind 127.0.0.1:@PORT@
    http-request set-header X-Upgrade-Seen %[req.hdr(upgrade)]
    http-response set-header X-Resp-Rule %[status]
    use_backend be_dead if { path_beg /dead }
    use_backend be_two if { req.hdr(x-route) -m str two }
    default_backend be_one

backend be_one
    cookie SRV insert indirect
    server a 127.0.0.1:@a@ cookie ca

backend be_two
    server b 127.0.0.1:@b@

backend be_dead
    retries 1
    server dead 127.0.0.1:@dead@
`

/** What the client saw, and which headers the origin received (those the proxies set or pass). */
function view(r: WsResult) {
  const seen = r.headers['x-seen'] ? (JSON.parse(Buffer.from(r.headers['x-seen'], 'base64').toString()) as Seen) : undefined
  return {
    status: r.status,
    accept: r.headers['sec-websocket-accept'],
    upgrade: r.headers.upgrade?.toLowerCase(),
    servedBy: r.headers['x-served-by'],
    frames: r.frames,
    origin: seen ? { url: seen.url, upgradeSeen: seen.headers['x-upgrade-seen'], trace: seen.headers['x-trace'], version: seen.headers['sec-websocket-version'] } : undefined,
    contentType: r.headers['content-type'],
    setCookie: r.headers['set-cookie'],
    respRule: r.headers['x-resp-rule'],
  }
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: WebSocket', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a', 'b'], dead: ['dead'] })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  async function compare(path: string, messages: readonly string[], headers: Record<string, string> = {}) {
    const h = view(await wsExchange(p.haproxy.port, path, messages, headers))
    const e = view(await wsExchange(p.edge.port, path, messages, headers))
    expect(e).toEqual(h)
    return h
  }

  it('upgrades, answers the client’s key and echoes frames both ways', async () => {
    const h = await compare('/chat?room=1', ['hello', 'second message', 'x'.repeat(120)], { 'X-Trace': 't1' })
    expect(h).toMatchObject({ status: 101, servedBy: 'a', frames: ['a: hello', 'a: second message', `a: ${'x'.repeat(120)}`], setCookie: 'SRV=ca; path=/', respRule: '101' })
    expect(h.origin).toEqual({ url: '/chat?room=1', upgradeSeen: 'websocket', trace: 't1', version: '13' })
  })

  it('keeps a persistent client without a new cookie', async () => {
    const h = await compare('/chat', ['again'], { Cookie: 'SRV=ca' })
    expect(h).toMatchObject({ status: 101, servedBy: 'a', frames: ['a: again'], setCookie: undefined })
  })

  it('routes the upgrade request with the frontend rules', async () => {
    const h = await compare('/chat', ['ping'], { 'X-Route': 'two' })
    expect(h).toMatchObject({ status: 101, servedBy: 'b', frames: ['b: ping'] })
  })

  it('answers 503 when the server refuses the connection', async () => {
    const h = await compare('/dead/chat', ['lost'])
    expect(h).toMatchObject({ status: 503, frames: [], contentType: 'text/html' })
  })
})
