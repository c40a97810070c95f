import { describe, expect, it } from 'vitest'
import { type AccessLogEntry, RequestRecord } from '../../../src/log/entry.ts'
import { compileLogLine, formatLogLine, logDate } from '../../../src/log/httplog.ts'
import { defaultRegistry } from '../../../src/sample/index.ts'
import { logFormat } from '../../helpers/log-format.ts'

/**
 * Log lines as HAProxy 2.6.12 printed them (`log stdout format raw local0`), for the same request
 * facts: the formatter must reproduce them byte for byte.
 */

const AT = Date.UTC(2026, 10, 25, 13, 37, 16, 737)

function entry(over: Partial<AccessLogEntry>): AccessLogEntry {
  const r = new RequestRecord(AT)
  Object.assign(r, {
    frontend: 'fe',
    backend: 'be',
    server: 'P1',
    clientIp: '127.0.0.1',
    clientPort: 52942,
    frontendIp: '127.0.0.1',
    frontendPort: 19100,
    TR: 0,
    Tw: 0,
    Tc: 0,
    Tr: 16,
    Td: 0,
    Ta: 16,
    Tt: 16,
    status: 200,
    bytesOut: 125,
    bytesIn: 89,
    termination: '----',
    actconn: 1,
    feconn: 1,
    method: 'GET',
    uri: '/ok',
    version: 'HTTP/1.1',
    ...over,
  })
  return r
}

describe('option httplog', () => {
  const line = compileLogLine(logFormat('httplog'))
  it.each([
    [{}, '127.0.0.1:52942 [25/Nov/2026:13:37:16.737] fe be/P1 0/0/0/16/16 200 125 - - ---- 1/1/0/0/0 0/0 "GET /ok HTTP/1.1"'],
    [
      { backend: 'fe', server: '<NOSRV>', Tw: -1, Tc: -1, Tr: -1, Ta: 0, status: 403, bytesOut: 192, termination: 'PR--', uri: '/deny' },
      '127.0.0.1:52942 [25/Nov/2026:13:37:16.737] fe fe/<NOSRV> 0/-1/-1/-1/0 403 192 - - PR-- 1/1/0/0/0 0/0 "GET /deny HTTP/1.1"',
    ],
    [
      { backend: 'fe', server: '<NOSRV>', TR: -1, Tw: 102, Tc: -1, Tr: -1, Ta: 101, status: 500, bytesOut: 208, termination: 'PT--', uri: '/tarpit' },
      '127.0.0.1:52942 [25/Nov/2026:13:37:16.737] fe fe/<NOSRV> -1/102/-1/-1/101 500 208 - - PT-- 1/1/0/0/0 0/0 "GET /tarpit HTTP/1.1"',
    ],
    [
      { backend: 'refused', server: 'X', Tw: 0, Tc: -1, Tr: -1, Ta: 2004, status: 503, bytesOut: 217, termination: 'SC--', retries: 2, uri: '/refused' },
      '127.0.0.1:52942 [25/Nov/2026:13:37:16.737] fe refused/X 0/0/-1/-1/2004 503 217 - - SC-- 1/1/0/0/2 0/0 "GET /refused HTTP/1.1"',
    ],
    [{ backend: 'ck', server: 'C1', Tr: 1, Ta: 1, termination: '--NI', uri: '/ck' }, '127.0.0.1:52942 [25/Nov/2026:13:37:16.737] fe ck/C1 0/0/0/1/1 200 125 - - --NI 1/1/0/0/0 0/0 "GET /ck HTTP/1.1"'],
    [
      { backend: 'q', server: '<NOSRV>', Tw: 1001, Tc: -1, Tr: -1, Ta: 1001, status: 503, bytesOut: 217, termination: 'sQ--', actconn: 2, feconn: 2, beconn: 1, backendQueue: 1, uri: '/q2' },
      '127.0.0.1:52942 [25/Nov/2026:13:37:16.737] fe q/<NOSRV> 0/1001/-1/-1/1001 503 217 - - sQ-- 2/2/1/0/0 0/1 "GET /q2 HTTP/1.1"',
    ],
    [{ retries: 1, redispatched: true }, '127.0.0.1:52942 [25/Nov/2026:13:37:16.737] fe be/P1 0/0/0/16/16 200 125 - - ---- 1/1/0/0/+1 0/0 "GET /ok HTTP/1.1"'],
  ] as const)('%# %s', (over, expected) => {
    expect(line(entry(over))).toBe(expected)
  })

  it('escapes quotes and control characters in the request line as #XX', () => {
    expect(line(entry({ uri: '/a"b#c' }))).toContain('"GET /a#22b#23c HTTP/1.1"')
  })
})

describe('option httplog clf and option tcplog', () => {
  it('renders the CLF variant (quoted names, bare numbers, one trailing separator)', () => {
    const e = entry({ frontend: 'fe2', clientPort: 45544, Tr: 1, Ta: 1, acceptDate: Date.UTC(2026, 10, 25, 13, 37, 20, 11) })
    expect(formatLogLine(e, logFormat('httplog-clf'))).toBe('127.0.0.1 - - [25/Nov/2026:13:37:20 +0000] "GET /ok HTTP/1.1" 200 125 "" "" 45544 011 "fe2" "be" "P1" 0 0 0 1 1 ---- 1 1 0 0 0 0 0 "" "" ')
  })
  it('renders tcplog', () => {
    const e = entry({ frontend: 'fe3', clientPort: 51578, Tc: 0, Tt: 1, termination: '----', acceptDate: Date.UTC(2026, 10, 25, 13, 37, 20, 23) })
    expect(formatLogLine(e, logFormat('tcplog'))).toBe('127.0.0.1:51578 [25/Nov/2026:13:37:20.023] fe3 be/P1 0/0/1 125 -- 1/1/0/0/0 0/0')
  })
})

describe('log-format', () => {
  it('renders the aliases as HAProxy 2.6 does', () => {
    const fmt = '%ci %f %b %s %Tq %TR %Tw %Tc %Tr %Td %Ta %Tt %Th %Ti %Tu %ST %B %U %tsc %ts %r %{+Q}r %HM %HU %HV %HP %HQ %rc %ac %sq %bq %CC %hr %ID'
    const e = entry({ frontend: 'fe4', backend: 'ck', server: 'C1', Tr: 2, Ta: 2, Tt: 2, termination: '--NI', uri: '/ckp?a=1' })
    // HAProxy: `127.0.0.1 fe4 ck C1 0 0 0 0 2 0 2 2 0 0 2 200 125 89 --NI -- GET /ckp?a=1 HTTP/1.1 "GET /ckp?a=1 HTTP/1.1" GET /ckp?a=1 HTTP/1.1 /ckp ?a=1 … 0 19 1 0 0 - - 27873 vm`
    expect(formatLogLine(e, logFormat(fmt))).toBe(
      '127.0.0.1 fe4 ck C1 0 0 0 0 2 0 2 2 0 0 2 200 125 89 --NI -- GET /ckp?a=1 HTTP/1.1 "GET /ckp?a=1 HTTP/1.1" GET /ckp?a=1 HTTP/1.1 /ckp ?a=1 0 1 0 0 - -',
    )
  })
  it('collapses separators, keeps %% and literal text, honours %{+Q}o and %{-Q}', () => {
    expect(formatLogLine(entry({}), logFormat('  %f   100%% [%b]  %hr  %s'))).toBe('fe 100% [be] P1')
    expect(formatLogLine(entry({}), logFormat('%{+Q}o %f %{-Q}b %ST'))).toBe('"fe" be 200')
  })
  it('evaluates %[sample] against the request', async () => {
    const { RequestState } = await import('../../../src/engine/request-state.ts')
    const ctx = new RequestState({ method: 'GET', url: 'http://h/p?x=1', headers: [['host', 'h']], src: '10.1.2.3', version: '1.1' }, 'fe', () => 0)
    const line = compileLogLine(logFormat('%[src] %{+Q}[path] %[req.hdr(nope)]'), defaultRegistry)
    expect(line(entry({ request: ctx }))).toBe('10.1.2.3 "/p" -')
  })
  it('reads the proc variables set in global', async () => {
    const { RequestState } = await import('../../../src/engine/request-state.ts')
    const ctx = new RequestState({ method: 'GET', url: 'http://h/p', headers: [], src: '10.1.2.3' }, 'fe', () => 0)
    const line = compileLogLine(logFormat('%[var(proc.env)] %[var(proc.none)]'), defaultRegistry, {}, { 'proc.env': { type: 'str', value: 'prod' } })
    expect(line(entry({ request: ctx }))).toBe('prod -')
  })
  it('formats dates', () => {
    expect(logDate(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe('02/Jan/2026:03:04:05.006')
  })
})
