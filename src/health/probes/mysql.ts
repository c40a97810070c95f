/**
 * @module
 * `option mysql-check [user <u> [post-41|pre-41|post-80]]` (reference §3.1; tcpcheck.c
 * `do_parse_mysql_check_opt`, `tcpcheck_mysql_expect_packet`). With a user, right after
 * connecting and before reading the greeting, one write carries a Client Authentication packet
 * (sequence 1, no password) and a COM_QUIT packet; then the server greeting and the packet that
 * follows it are judged: an ERR packet (0xFF) is L7STS with its error number as code and its
 * text as info; success is L7OK with the server version as info. Without a user only the
 * greeting is read.
 */
import type { MysqlVariant } from '../probe-spec.ts'
import { latin1 } from '../expect.ts'
import type { ExpectRule, ExpectVerdict, TcpRule } from './rules.ts'

/** COM_QUIT: length 1, sequence 0, command 0x01. */
export const MYSQL_COM_QUIT = Uint8Array.of(0x01, 0x00, 0x00, 0x00, 0x01)

const NATIVE_PASSWORD = 'mysql_native_password'

/** The Client Authentication packet (header included) for `user` in the given protocol variant. */
export function mysqlAuthPacket(user: string, variant: MysqlVariant): Uint8Array {
  const name = new TextEncoder().encode(user)
  const body: number[] = []
  if (variant === 'pre-41') {
    body.push(0x00, 0x80) // capabilities
    body.push(0x00, 0x00, 0x01) // max packet
  } else {
    body.push(0x00, 0x82, variant === 'post-80' ? 0x08 : 0x00, 0x00) // capabilities (PROTOCOL_41|SECURE_CONNECTION[|PLUGIN_AUTH])
    body.push(0x00, 0x80, 0x00, 0x01) // max packet
    body.push(0x21) // charset utf8
    for (let i = 0; i < 23; i++) body.push(0x00)
  }
  body.push(...name, 0x00) // username\0
  body.push(0x00) // filler / empty auth response
  if (variant === 'post-80') body.push(...new TextEncoder().encode(NATIVE_PASSWORD), 0x00)
  const len = body.length
  return Uint8Array.of(len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, 0x01, ...body)
}

/** The single write HAProxy sends after connecting: auth packet + COM_QUIT. */
export function mysqlRequest(user: string, variant: MysqlVariant): Uint8Array {
  const auth = mysqlAuthPacket(user, variant)
  const out = new Uint8Array(auth.length + MYSQL_COM_QUIT.length)
  out.set(auth)
  out.set(MYSQL_COM_QUIT, auth.length)
  return out
}

function le24(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16)
}

/** A NUL-terminated string starting at `at`. */
function cString(b: Uint8Array, at: number): string {
  const end = b.indexOf(0, at)
  return latin1(b.subarray(at, end < 0 ? b.length : end))
}

/** Judges the MySQL packet at `offset` (the greeting at 0; the reply after it). */
function mysqlPacket(buf: Uint8Array, offset: number, lastRead: boolean, isLast: boolean, step: number): ExpectVerdict {
  if (buf.length === 0) return lastRead ? { kind: 'fail', status: 'L7RSP', info: `TCPCHK got an empty response at step ${step}` } : { kind: 'wait' }
  if (buf.length < offset + 4) return lastRead ? { kind: 'fail', status: 'L7RSP', info: '' } : { kind: 'wait' }
  const plen = le24(buf, offset)
  if (buf.length < offset + plen + 4) return lastRead ? { kind: 'fail', status: 'L7RSP', info: '' } : { kind: 'wait' }
  if (buf[offset + 4] === 0xff) {
    const code = (buf[offset + 5] ?? 0) | ((buf[offset + 6] ?? 0) << 8)
    return { kind: 'fail', status: 'L7STS', code, info: latin1(buf.subarray(offset + 7)) }
  }
  if (!isLast) return { kind: 'continue' }
  // The info is the server version from the greeting (protocol version byte at 4, version at 5).
  return { kind: 'continue', status: 'L7OK', info: cString(buf, 5) }
}

function mysqlExpect(step: number, reply: boolean): ExpectRule {
  return {
    op: 'expect',
    step,
    what: ' (expect custom function)',
    evaluate: ({ buf, lastRead, isLast }) => mysqlPacket(buf, reply && buf.length >= 3 ? 4 + le24(buf, 0) : 0, lastRead, isLast, step),
  }
}

/** connect → [send auth+quit] → expect greeting → [expect OK], numbered like HAProxy's rules. */
export function mysqlRules(user: string | undefined, variant: MysqlVariant): TcpRule[] {
  const rules: TcpRule[] = [{ op: 'connect', step: 1, ssl: 'server', implicit: false }]
  if (user !== undefined) rules.push({ op: 'send', step: 2, data: mysqlRequest(user, variant) })
  rules.push(mysqlExpect(rules.length + 1, false))
  if (user !== undefined) rules.push(mysqlExpect(rules.length + 1, true))
  return rules
}
