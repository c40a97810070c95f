import { beforeAll, describe, expect, it } from 'vitest'
import type { CheckTimeouts } from '../../../src/health/plan.ts'
import { DEFAULT_HTTP_EXPECT, type HttpProbeSpec, type ProbeSpec } from '../../../src/health/probe-spec.ts'
import { runProbe } from '../../../src/health/probes/index.ts'
import type { FetchFn, ProbeTarget } from '../../../src/health/probes/types.ts'
import { fakeNet, type Peer, probeIo } from './fakes.ts'

const FAST: CheckTimeouts = { connectMs: 100, totalMs: 100 }

function target(address: string, port: number | undefined, extra: Partial<ProbeTarget> = {}): ProbeTarget {
  return { backend: 'be', server: 's1', address, ...(port !== undefined ? { port } : {}), ssl: false, timeouts: FAST, ...extra }
}

async function tcp(spec: ProbeSpec, peer: Peer, t: Partial<ProbeTarget> = {}) {
  const net = fakeNet({ '10.0.0.1': peer })
  const r = await runProbe(spec, target('10.0.0.1', 3306, t), probeIo(net))
  return { r, net }
}

describe('plain TCP connect (check alone)', () => {
  it('L4OK when the connection opens, no info', async () => {
    const { r, net } = await tcp({ type: 'connect' }, {})
    expect(r).toMatchObject({ status: 'L4OK' })
    expect(r.info).toBeUndefined()
    expect(net.attempts).toEqual([{ hostname: '10.0.0.1', port: 3306, secureTransport: 'off' }])
    expect(net.open()).toBe(0)
  })

  it('refused → L4CON with the error; unroutable (no answer) → L4TOUT within the timeout', async () => {
    expect((await tcp({ type: 'connect' }, { connect: 'refuse' })).r).toMatchObject({ status: 'L4CON', info: 'connect ECONNREFUSED' })
    const t0 = Date.now()
    const { r } = await tcp({ type: 'connect' }, { connect: 'hang' })
    expect(r.status).toBe('L4TOUT')
    expect(Date.now() - t0).toBeLessThan(1000)
  })

  it('a connect() that throws synchronously is L4CON; no port is a socket error', async () => {
    const io = probeIo({
      connect: () => {
        throw new Error('proxy request failed, cannot connect to the specified address')
      },
    })
    expect(await runProbe({ type: 'connect' }, target('10.0.0.1', 80), io)).toMatchObject({ status: 'L4CON', info: 'proxy request failed, cannot connect to the specified address' })
    expect(await runProbe({ type: 'connect' }, target('10.0.0.1', undefined), io)).toMatchObject({ status: 'SOCKERR' })
  })

  it('`ssl` servers connect with TLS and pass as L6OK', async () => {
    const { r, net } = await tcp({ type: 'connect' }, {}, { ssl: true })
    expect(r.status).toBe('L6OK')
    expect(net.attempts[0]?.secureTransport).toBe('on')
  })
})

describe('tcp-check rules', () => {
  const spec: ProbeSpec = {
    type: 'tcp-check',
    steps: [
      { step: 'send', data: 'PING\r\n', binary: false },
      { step: 'expect', kind: 'string', negate: false, pattern: '+PONG' },
    ],
  }

  it('implicit connect, send, expect: L7OK "(tcp-check)"', async () => {
    const { r, net } = await tcp(spec, { reply: () => '+PONG\r\n' })
    expect(r).toMatchObject({ status: 'L7OK', info: '(tcp-check)' })
    expect(new TextDecoder().decode(net.written[0])).toBe('PING\r\n')
  })

  it('a wrong answer is L7RSP naming the step; silence is L7TOUT', async () => {
    expect((await tcp(spec, { reply: () => '-ERR\r\n', closeAfterReply: true })).r).toMatchObject({ status: 'L7RSP', info: "TCPCHK did not match content '+PONG' at step 2" })
    expect((await tcp(spec, {})).r).toMatchObject({ status: 'L7TOUT', info: "at step 2 of tcp-check (expect string '+PONG')" })
  })

  it('connect port overrides the server port; refusal names the step', async () => {
    const s: ProbeSpec = { type: 'tcp-check', steps: [{ step: 'connect', port: 6380, ssl: false }] }
    const net = fakeNet({ '10.0.0.1:6380': {} })
    expect(await runProbe(s, target('10.0.0.1', 6379), probeIo(net))).toMatchObject({ status: 'L4OK', info: '(tcp-check)' })
    const refused = await runProbe(s, target('10.0.0.2', 6379), probeIo(net))
    expect(refused).toMatchObject({ status: 'L4CON', info: 'connect ECONNREFUSED at step 1 of tcp-check (connect port 6380)' })
    const implicit = await runProbe(spec, target('10.0.0.2', 6379), probeIo(net))
    expect(implicit).toMatchObject({ status: 'L4CON', info: 'connect ECONNREFUSED at initial connection step of tcp-check' })
  })

  it('send-binary and expect binary', async () => {
    const s: ProbeSpec = {
      type: 'tcp-check',
      steps: [
        { step: 'send', data: '50494e470d0a', binary: true },
        { step: 'expect', kind: 'binary', negate: false, pattern: '2b504f4e47' },
      ],
    }
    const { r, net } = await tcp(s, { reply: () => '+PONG' })
    expect(r.status).toBe('L7OK')
    expect(Array.from(net.written[0] ?? [])).toEqual([0x50, 0x49, 0x4e, 0x47, 0x0d, 0x0a])
  })
})

describe('redis-check', () => {
  it('+PONG passes with "Redis server is ok"; an error line is L7STS with the line', async () => {
    expect((await tcp({ type: 'redis' }, { reply: () => '+PONG\r\n' })).r).toMatchObject({ status: 'L7OK', info: 'Redis server is ok' })
    const r = (await tcp({ type: 'redis' }, { reply: () => '-NOAUTH Authentication required.\r\n', closeAfterReply: true })).r
    expect(r).toMatchObject({ status: 'L7STS', info: '-NOAUTH Authentication required.' })
  })
})

/** A MySQL server greeting (protocol 10, version `ver`). */
function greeting(ver: string): Uint8Array {
  const body = [0x0a, ...new TextEncoder().encode(ver), 0x00, 1, 0, 0, 0, ...Array(8).fill(0x41), 0x00]
  return Uint8Array.from([body.length, 0, 0, 0, ...body])
}
const OK_PACKET = Uint8Array.of(7, 0, 0, 2, 0x00, 0, 0, 2, 0, 0, 0)
function errPacket(code: number, text: string): Uint8Array {
  const body = [0xff, code & 0xff, code >> 8, ...new TextEncoder().encode(text)]
  return Uint8Array.from([body.length, 0, 0, 2, ...body])
}
const cat = (a: Uint8Array, b: Uint8Array): Uint8Array => Uint8Array.from([...a, ...b])

describe('mysql-check', () => {
  it('with a user: auth + COM_QUIT written before reading; greeting then OK → L7OK with the server version', async () => {
    const spec: ProbeSpec = { type: 'mysql', user: 'haproxy', variant: 'post-41' }
    const { r, net } = await tcp(spec, { reply: () => cat(greeting('8.0.19'), OK_PACKET) })
    expect(r).toMatchObject({ status: 'L7OK', info: '8.0.19' })
    const w = net.written[0] ?? new Uint8Array(0)
    expect(w.length).toBe(4 + 41 + 5)
    expect(Array.from(w.subarray(0, 8))).toEqual([41, 0, 0, 1, 0x00, 0x82, 0x00, 0x00])
  })

  it('an ERR after the greeting is L7STS with its error number and text', async () => {
    const spec: ProbeSpec = { type: 'mysql', user: 'haproxy', variant: 'post-41' }
    const msg = 'Client does not support authentication protocol requested by server; consider upgrading MySQL client'
    const { r } = await tcp(spec, { reply: () => cat(greeting('8.0.19'), errPacket(1251, msg)) })
    expect(r).toMatchObject({ status: 'L7STS', code: 1251, info: msg })
  })

  it('without a user only the greeting is read (nothing sent); an ERR greeting fails', async () => {
    const spec: ProbeSpec = { type: 'mysql', variant: 'post-41' }
    const ok = await tcp(spec, { greeting: greeting('5.7.44-log') })
    expect(ok.r).toMatchObject({ status: 'L7OK', info: '5.7.44-log' })
    expect(ok.net.written[0]?.length).toBe(0)
    const blocked = await tcp(spec, { greeting: errPacket(1129, "Host '10.0.0.9' is blocked"), closeAfterReply: true })
    expect(blocked.r).toMatchObject({ status: 'L7STS', code: 1129, info: "Host '10.0.0.9' is blocked" })
  })

  it('a truncated packet at end of stream is L7RSP; silence is L7TOUT', async () => {
    const spec: ProbeSpec = { type: 'mysql', variant: 'post-41' }
    expect((await tcp(spec, { greeting: Uint8Array.of(40, 0, 0, 0, 10, 56), closeAfterReply: true })).r.status).toBe('L7RSP')
    expect((await tcp(spec, {})).r.status).toBe('L7TOUT')
  })
})

const http = (over: Partial<HttpProbeSpec> = {}): ProbeSpec => ({
  type: 'http',
  http: { method: 'GET', uri: '/health', version: 'HTTP/1.1', headers: [['host', 'api.example.com']], expect: DEFAULT_HTTP_EXPECT, disableOn404: false, sendState: false, ...over },
})

describe('HTTP check over fetch()', () => {
  // The first Request/Response of a process loads the fetch implementation: not part of any check's time.
  beforeAll(() => {
    void new Request('http://warm.up/')
    void new Response('')
  })
  const origin =
    (status: number, body = '', statusText = ''): FetchFn =>
    async () =>
      new Response(body, { status, statusText })

  it('2xx → L7OK with the code; 5xx → L7STS with the reason', async () => {
    const seen: Request[] = []
    const f: FetchFn = async (req) => {
      seen.push(req)
      return new Response('fine', { status: 200 })
    }
    expect(await runProbe(http(), target('10.0.0.1', 8080), probeIo(fakeNet({}), f))).toMatchObject({ status: 'L7OK', code: 200 })
    expect(seen[0]?.url).toBe('http://10.0.0.1:8080/health')
    expect(await runProbe(http(), target('10.0.0.1', 8080), probeIo(fakeNet({}), origin(503, '', 'Service Unavailable')))).toMatchObject({
      status: 'L7STS',
      code: 503,
      info: 'Service Unavailable',
    })
  })

  it('fetch rejecting → L4CON; no response headers in time → L4TOUT', async () => {
    const refused: FetchFn = async () => {
      throw new TypeError('Network connection lost.')
    }
    expect(await runProbe(http(), target('10.0.0.1', 8080), probeIo(fakeNet({}), refused))).toMatchObject({ status: 'L4CON', info: 'Network connection lost.' })
    const hang: FetchFn = (req) =>
      new Promise((_, reject) => {
        req.signal.addEventListener('abort', () => reject(new Error('aborted')))
      })
    expect(await runProbe(http(), target('10.0.0.1', 8080), probeIo(fakeNet({}), hang))).toMatchObject({ status: 'L4TOUT' })
  })

  it('string expects read the body (capped at 16384 bytes); a stalled body is L7TOUT', async () => {
    const spec = http({ expect: { kind: 'string', negate: false, pattern: 'READY' } })
    expect(await runProbe(spec, target('h', 80), probeIo(fakeNet({}), origin(200, 'status: READY')))).toMatchObject({ status: 'L7OK' })
    const late = `${'x'.repeat(16384)}READY`
    expect(await runProbe(spec, target('h', 80), probeIo(fakeNet({}), origin(200, late)))).toMatchObject({ status: 'L7RSP', info: 'HTTP content check did not match' })
    const stalled: FetchFn = async () =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('partial'))
          },
        }),
      )
    expect(await runProbe(spec, target('h', 80), probeIo(fakeNet({}), stalled))).toMatchObject({ status: 'L7TOUT' })
  })

  it('disable-on-404: 404 from a server that is not DOWN is L7OKC; from a DOWN one it fails', async () => {
    const spec = http({ disableOn404: true })
    expect(await runProbe(spec, target('h', 80), probeIo(fakeNet({}), origin(404)))).toMatchObject({ status: 'L7OKC', code: 404 })
    expect(await runProbe(spec, target('h', 80, { serverDown: true }), probeIo(fakeNet({}), origin(404, '', 'Not Found')))).toMatchObject({ status: 'L7STS', code: 404 })
  })

  it('a probe that throws becomes SOCKERR instead of escaping', async () => {
    const broken: FetchFn = () => {
      throw new Error('boom')
    }
    const r = await runProbe(http(), target('h', 80), probeIo(fakeNet({}), broken))
    expect(r.status).toBe('L4CON')
  })
})
