import { describe, expect, it } from 'vitest'
import { MYSQL_COM_QUIT, mysqlAuthPacket, mysqlRequest } from '../../../src/health/probes/mysql.ts'
import { redisRules, sslHelloPacket } from '../../../src/health/probes/protocols.ts'

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ')
const zeros = (n: number): string => Array(n).fill('00').join(' ')
/** "haproxy" in hex. */
const HAPROXY = '68 61 70 72 6f 78 79'

describe('mysql-check packets (reference §3.1, tcpcheck.c mysql4x_req)', () => {
  it('post-41: capabilities 00 82 00 00, max packet 00 80 00 01, charset 0x21, 23 zeros, user\\0, filler; length user+34', () => {
    const p = mysqlAuthPacket('haproxy', 'post-41')
    expect(p.length).toBe(4 + 7 + 34)
    expect(hex(p)).toBe(`29 00 00 01 00 82 00 00 00 80 00 01 21 ${zeros(23)} ${HAPROXY} 00 00`)
  })

  it('pre-41: capabilities 00 80, max packet 00 00 01, user\\0, filler; length user+7', () => {
    const p = mysqlAuthPacket('haproxy', 'pre-41')
    expect(hex(p)).toBe(`0e 00 00 01 00 80 00 00 01 ${HAPROXY} 00 00`)
  })

  it('post-80: adds PLUGIN_AUTH (00 82 08 00), an empty auth response and mysql_native_password\\0; length user+56', () => {
    const p = mysqlAuthPacket('haproxy', 'post-80')
    const plugin = Array.from(new TextEncoder().encode('mysql_native_password'), (b) => b.toString(16).padStart(2, '0')).join(' ')
    expect(p.length).toBe(4 + 7 + 56)
    expect(hex(p)).toBe(`3f 00 00 01 00 82 08 00 00 80 00 01 21 ${zeros(23)} ${HAPROXY} 00 00 ${plugin} 00`)
  })

  it('auth and COM_QUIT (01 00 00 00 01) go out in one write', () => {
    expect(hex(MYSQL_COM_QUIT)).toBe('01 00 00 00 01')
    const req = mysqlRequest('u', 'post-41')
    expect(req.length).toBe(4 + 35 + 5)
    expect(hex(req.subarray(req.length - 5))).toBe('01 00 00 00 01')
    expect(req[0]).toBe(35)
    expect(req[3]).toBe(1)
  })
})

describe('other protocol packets', () => {
  it('redis-check sends *1\\r\\n$4\\r\\nPING\\r\\n', () => {
    const [send] = redisRules()
    expect(send?.op === 'send' && new TextDecoder().decode(send.data)).toBe('*1\r\n$4\r\nPING\r\n')
  })

  it('ssl-hello-chk: an SSLv3 CLIENT HELLO with the time at 0x0B and HAProxy random', () => {
    const p = sslHelloPacket(0x5f5e1000)
    expect(p.length).toBe(5 + 0x79)
    expect(hex(p.subarray(0, 11))).toBe('16 03 00 00 79 01 00 00 75 03 00')
    expect(hex(p.subarray(11, 15))).toBe('5f 5e 10 00')
    expect(new TextDecoder().decode(p.subarray(15, 43))).toBe('HAPROXYSSLCHK\nHAPROXYSSLCHK\n')
    expect(hex(p.subarray(43, 46))).toBe('00 00 4e')
    expect(hex(p.subarray(p.length - 4))).toBe('00 3a 01 00')
  })
})
