import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffEnabled, type Pair, type Req, send, startPair } from './harness.ts'

/*
 * Access logs (reference §11) under HAProxy 2.6 (`log stdout format raw`, `option httplog`) and
 * `edgeproxy dev` (which prints the same raw lines): for each request, both lines must agree on the
 * frontend, backend/server, status, the 4-character termination state (cookie characters
 * included), which timers are -1, the retries and the request line. Exact timer values, bytes
 * (HAProxy counts its own header bytes; the edge estimates), the date and the client port differ.
 */
const CONFIG = `
global
    nbthread 1
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 10s
    timeout server 1s

frontend fe
    bind 127.0.0.1:@PORT@
    stats uri /stats
    timeout tarpit 100ms
    http-request deny if { path /deny }
    http-request tarpit if { path /tarpit }
    http-request auth if { path /auth }
    http-request deny deny_status 429 if { path /limited }
    http-request return status 200 content-type text/plain string hi if { path /ret }
    http-request redirect location /elsewhere if { path /redir }
    use_backend nosrv if { path /nosrv }
    use_backend refused if { path /refused }
    use_backend redisp if { path /redisp }
    use_backend ck if { path_beg /ck }
    use_backend ckdeny if { path /cdeny }
    use_backend q if { path_beg /q }
    use_backend ckrw if { path_beg /rw }
    use_backend ckpfx if { path_beg /pfx }
    use_backend ckidle if { path_beg /idle }
    default_backend be

frontend fe_td
    bind 127.0.0.1:@PORT2@
    log-format "TD %f %ST %Td %Tt %HPO %{+Q}Td"
    http-request deny if { path /deny }
    default_backend be

backend be
    server P1 127.0.0.1:@web1@

backend nosrv
    server X 127.0.0.1:@web1@ disabled

backend refused
    retries 2
    server X 127.0.0.1:@dead@

backend redisp
    balance roundrobin
    retries 2
    option redispatch
    server dead 127.0.0.1:@dead@
    server live 127.0.0.1:@web1@

backend ck
    cookie SRV insert indirect nocache
    server C1 127.0.0.1:@web1@ cookie c1

backend ckdeny
    cookie SRV insert indirect nocache
    http-request deny
    server C1 127.0.0.1:@web1@ cookie c1

backend ckrw
    cookie SRV rewrite
    server C1 127.0.0.1:@web1@ cookie c1

backend ckpfx
    cookie SRV prefix
    server C1 127.0.0.1:@web1@ cookie c1

backend ckidle
    cookie SRV insert indirect maxidle 1h
    server C1 127.0.0.1:@web1@ cookie c1

backend q
    timeout queue 300ms
    server P2 127.0.0.1:@web1@ maxconn 1
`

/** The parts of an httplog line both proxies must agree on. */
interface LogView {
  readonly frontend: string
  readonly backendServer: string
  /** `TR/Tw/Tc/Tr/Ta` with each value replaced by `-1` or `n`. */
  readonly timers: string
  readonly status: string
  readonly tsc: string
  readonly retries: string
  readonly request: string
}

const LINE = /^(\S+):(\d+) \[([^\]]+)\] (\S+) (\S+) (\S+) (\d+) (\d+) (\S+) (\S+) (\S{4}) (\d+)\/(\d+)\/(\d+)\/(\d+)\/(\+?\d+) (\d+)\/(\d+) (".*")$/

function view(line: string): LogView {
  const m = LINE.exec(line)
  if (!m) throw new Error(`not an httplog line: ${line}`)
  return {
    frontend: m[4] as string,
    backendServer: m[5] as string,
    timers: (m[6] as string)
      .split('/')
      .map((t) => (t === '-1' ? '-1' : 'n'))
      .join('/'),
    status: m[7] as string,
    tsc: m[11] as string,
    retries: m[16] as string,
    request: m[19] as string,
  }
}

/** The httplog lines in a proxy's output so far. */
function logLines(output: string): string[] {
  return output.split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+:\d+ \[/.test(l))
}

async function waitForLines(output: () => string, n: number): Promise<string[]> {
  const end = Date.now() + 5000
  for (;;) {
    const lines = logLines(output())
    if (lines.length >= n || Date.now() > end) return lines
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe.skipIf(!diffEnabled())('access logs: edgeproxy dev vs HAProxy 2.6', () => {
  let p: Pair
  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['web1'], dead: ['dead'], extraPorts: ['PORT2'] })
  }, 90_000)
  afterAll(async () => {
    await p?.stop()
  })

  /** Sends `r` to both proxies and returns the new log line of each. */
  async function logged(r: Req): Promise<{ h: LogView; e: LogView; hLine: string; eLine: string }> {
    const hBefore = logLines(p.haproxy.output()).length
    const eBefore = logLines(p.edge.output()).length
    await send(p.haproxy.port, r)
    await send(p.edge.port, r)
    const hLines = await waitForLines(p.haproxy.output, hBefore + 1)
    const eLines = await waitForLines(p.edge.output, eBefore + 1)
    const hLine = hLines[hBefore] ?? '(no line)'
    const eLine = eLines[eBefore] ?? `(no line)\n${p.edge.output().slice(-2000)}`
    return { h: view(hLine), e: view(eLine), hLine, eLine }
  }

  it.each<[string, Req, Partial<LogView>]>([
    ['ok (200)', { path: '/ok' }, { backendServer: 'be/P1', status: '200', tsc: '----' }],
    ['denied (403)', { path: '/deny' }, { backendServer: 'fe/<NOSRV>', status: '403', tsc: 'PR--', timers: 'n/-1/-1/-1/n' }],
    ['denied with deny_status (429)', { path: '/limited' }, { status: '429', tsc: 'PR--' }],
    ['tarpit (500 PT--, the delay as Tw)', { path: '/tarpit' }, { backendServer: 'fe/<NOSRV>', status: '500', tsc: 'PT--', timers: '-1/n/-1/-1/n' }],
    ['http-request auth (401 LR--)', { path: '/auth' }, { status: '401', tsc: 'LR--' }],
    ['stats page (fe/<STATS> LR--)', { path: '/stats' }, { backendServer: 'fe/<STATS>', status: '200', tsc: 'LR--', timers: 'n/n/n/n/n' }],
    ['http-request return', { path: '/ret' }, { status: '200', tsc: 'LR--' }],
    ['redirected (302)', { path: '/redir' }, { backendServer: 'fe/<NOSRV>', status: '302', tsc: 'LR--' }],
    ['no server (503 SC--)', { path: '/nosrv' }, { backendServer: 'nosrv/<NOSRV>', status: '503', tsc: 'SC--', timers: 'n/-1/-1/-1/n' }],
    ['refused connection (503 after 2 retries)', { path: '/refused' }, { backendServer: 'refused/X', status: '503', tsc: 'SC--', retries: '2', timers: 'n/n/-1/-1/n' }],
    ['redispatched after a refused connection', { path: '/redisp' }, { backendServer: 'redisp/live', status: '200', tsc: '----', retries: '+1' }],
    ['server timeout (504 sH--)', { path: '/slow?sleep=1500' }, { backendServer: 'be/P1', status: '504', tsc: 'sH--', timers: 'n/n/n/-1/n' }],
    ['cookie insert, first visit (--NI)', { path: '/ck' }, { backendServer: 'ck/C1', tsc: '--NI' }],
    ['cookie insert, valid cookie (--VN)', { path: '/ck', headers: { cookie: 'SRV=c1' } }, { tsc: '--VN' }],
    ['cookie insert, invalid cookie (--II)', { path: '/ck', headers: { cookie: 'SRV=nope' } }, { tsc: '--II' }],
    ['cookie insert, server timeout (sHNN)', { path: '/ck?sleep=1500' }, { status: '504', tsc: 'sHNN' }],
    ['cookie insert, the server sets the cookie too (--NI)', { path: '/ck?set-cookie=SRV=mine' }, { tsc: '--NI' }],
    ['cookie insert, valid cookie, the server sets it (--VD)', { path: '/ck?set-cookie=SRV=mine', headers: { cookie: 'SRV=c1' } }, { tsc: '--VD' }],
    ['cookie rewrite of the server cookie (--NR)', { path: '/rw?set-cookie=SRV=mine' }, { tsc: '--NR' }],
    ['cookie rewrite, no server cookie (--NN)', { path: '/rw' }, { tsc: '--NN' }],
    ['cookie prefix of the server cookie (--NR)', { path: '/pfx?set-cookie=SRV=mine' }, { tsc: '--NR' }],
    ['cookie prefix, valid prefixed cookie (--VN)', { path: '/pfx', headers: { cookie: 'SRV=c1~abc' } }, { tsc: '--VN' }],
    ['maxidle cookie without a date: updated (--VU)', { path: '/idle', headers: { cookie: 'SRV=c1' } }, { tsc: '--VU' }],
    ['deny in a cookie backend (PRNN)', { path: '/cdeny' }, { backendServer: 'ckdeny/<NOSRV>', tsc: 'PRNN' }],
  ])(
    '%s',
    async (_name, r, expected) => {
      const { h, e, hLine, eLine } = await logged(r)
      expect(h, hLine).toMatchObject(expected)
      expect(e, `haproxy:   ${hLine}\nedgeproxy: ${eLine}`).toEqual(h)
    },
    20_000,
  )

  it.each<[string, string, string]>([
    // %Td = Tt - (Tq + Tw + Tc + Tr): a number once a server answered, -1 without one; never quoted.
    ['served', '/ok?x=1', 'TD fe_td 200 n n /ok n'],
    ['denied', '/deny', 'TD fe_td 403 -1 n /deny -1'],
  ])(
    'log-format %%Td, %%HPO: %s',
    async (_name, path, expected) => {
      const td = (output: string) => output.split('\n').filter((l) => l.startsWith('TD '))
      const hBefore = td(p.haproxy.output()).length
      const eBefore = td(p.edge.output()).length
      await send(p.haproxy.ports.PORT2 as number, { path })
      await send(p.edge.ports.PORT2 as number, { path })
      const end = Date.now() + 5000
      while ((td(p.haproxy.output()).length <= hBefore || td(p.edge.output()).length <= eBefore) && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
      const mask = (l: string | undefined) => l?.replace(/(?<= )\d+(?= |$)/g, (n) => (/^(200|403)$/.test(n) ? n : 'n'))
      const h = td(p.haproxy.output())[hBefore]
      const e = td(p.edge.output())[eBefore]
      expect(mask(h), h).toBe(expected)
      expect(mask(e), `haproxy:   ${h}\nedgeproxy: ${e}`).toBe(expected)
    },
    20_000,
  )

  it('queue timeout behind a busy maxconn 1 server (503 sQ--, backend queue position 1)', async () => {
    const hBefore = logLines(p.haproxy.output()).length
    const eBefore = logLines(p.edge.output()).length
    const run = async (port: number) => {
      const held = send(port, { path: '/q1?sleep=1000' })
      await new Promise((r) => setTimeout(r, 150))
      await send(port, { path: '/q2' })
      await held
    }
    await Promise.all([run(p.haproxy.port), run(p.edge.port)])
    const hLines = (await waitForLines(p.haproxy.output, hBefore + 2)).slice(hBefore)
    const eLines = (await waitForLines(p.edge.output, eBefore + 2)).slice(eBefore)
    const queued = (lines: string[]) => lines.find((l) => l.includes('/q2')) ?? '(no line)'
    const h = queued(hLines)
    const e = queued(eLines)
    // The concurrent counts and the queue positions: `2/2/1/0/0 0/1` in HAProxy.
    const counts = (l: string) => / (\d+\/\d+\/\d+\/\d+\/\+?\d+ \d+\/\d+) "/.exec(l)?.[1]
    expect(view(h)).toMatchObject({ backendServer: 'q/<NOSRV>', status: '503', tsc: 'sQ--', timers: 'n/n/-1/-1/n' })
    expect(view(e), `haproxy:   ${h}\nedgeproxy: ${e}`).toEqual(view(h))
    expect(counts(e), `haproxy:   ${h}\nedgeproxy: ${e}`).toBe(counts(h))
  }, 20_000)
})
