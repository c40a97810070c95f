/**
 * @module
 * Built-in protocol checks as tcp-check rule lists, the way tcpcheck.c builds them
 * (`do_parse_redis_check_opt`, `do_parse_smtpchk_opt`, `do_parse_ldap_check_opt`,
 * `do_parse_ssl_hello_chk_opt`). Rule lists are built per check run (ssl-hello carries the
 * current time).
 */
import { fromHex, latin1 } from '../expect.ts'
import { type ExpectVerdict, payloadLine, standardExpect, type TcpRule } from './rules.ts'

/** `option redis-check`: PING, expect `+PONG` (L7STS with the reply line otherwise). */
export function redisRules(): TcpRule[] {
  return [
    { op: 'send', step: 1, data: new TextEncoder().encode('*1\r\n$4\r\nPING\r\n') },
    standardExpect(2, { kind: 'string', pattern: '+PONG\r\n', negate: false, errorStatus: 'L7STS', onError: (b) => payloadLine(b), onSuccess: () => 'Redis server is ok' }, false),
  ]
}

const smtpCode = (b: Uint8Array): number | undefined => (b.length >= 3 ? Number(latin1(b.subarray(0, 3))) : undefined)
const smtpText = (b: Uint8Array): string => payloadLine(b, 4, true)

/** `option smtpchk`: greeting, `HELO localhost`, QUIT, each answered by a 2xx. */
export function smtpRules(helo = 'HELO localhost'): TcpRule[] {
  const enc = new TextEncoder()
  return [
    { op: 'connect', step: 1, ssl: 'server', implicit: false },
    standardExpect(2, { kind: 'rstring', pattern: '^[0-9]{3}[ \r]', negate: false, minRecv: 4, errorStatus: 'L7RSP', onError: (b) => payloadLine(b) }, false),
    standardExpect(3, { kind: 'rstring', pattern: '^2[0-9]{2}[ \r]', negate: false, minRecv: 4, errorStatus: 'L7STS', onError: smtpText, statusCode: smtpCode }, false),
    { op: 'send', step: 4, data: enc.encode(`${helo}\r\n`) },
    standardExpect(5, { kind: 'rstring', pattern: '^(2[0-9]{2}-[^\r]*\r\n)*2[0-9]{2}[ \r]', negate: false, errorStatus: 'L7STS', onError: smtpText, onSuccess: smtpText, statusCode: smtpCode }, false),
    { op: 'send', step: 6, data: enc.encode('QUIT\r\n') },
    standardExpect(7, { kind: 'rstring', pattern: '^2[0-9]{2}[- \r]', negate: false, minRecv: 4, errorStatus: 'L7STS', onError: smtpText, onSuccess: smtpText, statusCode: smtpCode }, false),
  ]
}

/** `option ldap-check`: an anonymous LDAPv3 bind; result code 0 passes ("Success"). */
export function ldapRules(): TcpRule[] {
  return [
    { op: 'send', step: 1, data: fromHex('300C020101600702010304008000') },
    standardExpect(2, { kind: 'rbinary', pattern: '^30', negate: false, minRecv: 14, onError: () => 'Not LDAPv3 protocol' }, false),
    { op: 'expect', step: 3, what: ' (expect custom function)', evaluate: ({ buf }) => ldapBindResponse(buf) },
  ]
}

/** tcpcheck.c `tcpcheck_ldap_expect_bindrsp`. */
export function ldapBindResponse(buf: Uint8Array): ExpectVerdict {
  const notLdap: ExpectVerdict = { kind: 'fail', status: 'L7RSP', info: 'Not LDAPv3 protocol' }
  let p = 1
  let nbytes = 0
  let msglen: number
  const b0 = buf[p] ?? 0
  if (b0 & 0x80) {
    nbytes = b0 & 0x7f
    if (buf.length - p < 1 + nbytes) return notLdap
    if (nbytes === 4) msglen = (((buf[p + 1] ?? 0) << 24) | ((buf[p + 2] ?? 0) << 16) | ((buf[p + 3] ?? 0) << 8) | (buf[p + 4] ?? 0)) >>> 0
    else if (nbytes === 2) msglen = ((buf[p + 1] ?? 0) << 8) | (buf[p + 2] ?? 0)
    else return notLdap
  } else msglen = b0
  p += 1 + nbytes
  if (buf.length - p < msglen) return notLdap
  if (buf[p] !== 0x02 || buf[p + 1] !== 0x01 || buf[p + 2] !== 0x01 || buf[p + 3] !== 0x61) return notLdap
  p += 4
  nbytes = (buf[p] ?? 0) & 0x80 ? (buf[p] ?? 0) & 0x7f : 0
  if (buf.length - p < 1 + nbytes + 2 + 1) return notLdap
  p += 1 + nbytes
  if (buf[p] !== 0x0a || buf[p + 1] !== 0x01) return notLdap
  const code = buf[p + 2] ?? 0
  if (code !== 0) return { kind: 'fail', status: 'L7STS', code, info: 'See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9' }
  return { kind: 'continue', status: 'L7OK', code, info: 'Success' }
}

/** The 39 cipher suites of HAProxy's hello: 0x0001…0x001B and 0x002F…0x003A. */
const SSL3_CIPHERS = [...Array.from({ length: 0x1b }, (_, i) => i + 1), ...Array.from({ length: 12 }, (_, i) => 0x2f + i)]

/** The SSLv3 CLIENT HELLO of `option ssl-hello-chk`, with `unixSeconds` as GMT time. */
export function sslHelloPacket(unixSeconds: number): Uint8Array {
  const t = unixSeconds >>> 0
  const bytes = [
    0x16,
    0x03,
    0x00,
    0x00,
    0x79, // record: handshake, SSLv3, 0x79 bytes
    0x01,
    0x00,
    0x00,
    0x75, // CLIENT HELLO, 0x75 bytes
    0x03,
    0x00, // hello version SSLv3
    (t >>> 24) & 0xff,
    (t >>> 16) & 0xff,
    (t >>> 8) & 0xff,
    t & 0xff, // GMT unix time
    ...new TextEncoder().encode('HAPROXYSSLCHK\nHAPROXYSSLCHK\n'), // random (28 bytes)
    0x00, // session id length
    0x00,
    0x4e, // cipher suites length (78)
    ...SSL3_CIPHERS.flatMap((c) => [c >> 8, c & 0xff]),
    0x01,
    0x00, // compression: 1 method, NULL
  ]
  return Uint8Array.from(bytes)
}

/** `option ssl-hello-chk`: the server must answer with a handshake or alert record (L6OK / L6RSP / L6TOUT). */
export function sslHelloRules(nowMs: number): TcpRule[] {
  return [
    { op: 'send', step: 1, data: sslHelloPacket(Math.floor(nowMs / 1000)) },
    standardExpect(2, { kind: 'rbinary', pattern: '^1[56]', negate: false, minRecv: 5, okStatus: 'L6OK', errorStatus: 'L6RSP', toutStatus: 'L6TOUT' }, false),
  ]
}
