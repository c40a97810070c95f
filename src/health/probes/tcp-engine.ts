/**
 * @module
 * Runs tcp-check rules over `connect()` sockets (tcpcheck.c `tcpcheck_main`): connect (refused →
 * L4CON, no answer in time → L4TOUT), send (the input buffer starts afresh), expect (read until
 * the rule decides, the stream ends, the 16 KiB buffer fills, or the deadline passes → the
 * rule's tout-status, L7TOUT by default). The last rule that ran sets the success status:
 * L7OK after an expect or a send, L4OK (L6OK with TLS) after a connect. Never throws.
 */
import { CHECK_BUFSIZE } from '../expect.ts'
import type { CheckResult } from '../status.ts'
import { errorText, TIMED_OUT, withDeadline } from './deadline.ts'
import { appendCapped, type ExpectRule, type TcpRule } from './rules.ts'
import type { ProbeIo, ProbeSocket, ProbeTarget } from './types.ts'

/** `tcp-check` for user rule lists (their messages name the step), `protocol` for built-in checks. */
export type RulesetKind = 'tcp-check' | 'protocol'

interface Conn {
  readonly socket: ProbeSocket
  readonly reader: ReadableStreamDefaultReader<Uint8Array>
  readonly writer: WritableStreamDefaultWriter<Uint8Array>
  /** When the rest of the check must be done. */
  readonly deadline: number
  buf: Uint8Array
  eof: boolean
}

type Outcome = { readonly done: true; readonly result: Omit<CheckResult, 'durationMs'> } | { readonly done: false }

const EMPTY = new Uint8Array(0)

function where(kind: RulesetKind, step: number, what: string): string {
  if (kind !== 'tcp-check') return ''
  return step === 0 ? ' at initial connection step of tcp-check' : ` at step ${step} of tcp-check${what}`
}

function closeQuietly(c: Conn | undefined): void {
  if (!c) return
  c.reader.cancel().catch(() => {})
  c.socket.close().catch(() => {})
}

export async function runTcpRules(rules: readonly TcpRule[], kind: RulesetKind, target: ProbeTarget, io: ProbeIo): Promise<CheckResult> {
  const start = io.now()
  let conn: Conn | undefined
  try {
    const r = await evaluate(rules, kind, target, io, (c) => {
      closeQuietly(conn)
      conn = c
    })
    return { ...r, durationMs: Math.max(0, io.now() - start) }
  } catch (e) {
    return { status: 'SOCKERR', info: errorText(e), durationMs: Math.max(0, io.now() - start) }
  } finally {
    closeQuietly(conn)
  }
}

async function evaluate(rules: readonly TcpRule[], kind: RulesetKind, target: ProbeTarget, io: ProbeIo, setConn: (c: Conn) => void): Promise<Omit<CheckResult, 'durationMs'>> {
  let conn: Conn | undefined
  let final: Omit<CheckResult, 'durationMs'> = { status: 'L4OK' }
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as TcpRule
    const isLast = i === rules.length - 1
    if (rule.op === 'connect') {
      const opened = await open(rule, kind, target, io)
      if ('result' in opened) return opened.result
      conn = opened.conn
      setConn(conn)
      final = { status: opened.tls ? 'L6OK' : 'L4OK', ...(rule.implicit || kind !== 'tcp-check' ? {} : { info: '(tcp-check)' }) }
    } else if (!conn) {
      return { status: 'SOCKERR', info: 'no connection' }
    } else if (rule.op === 'send') {
      conn.buf = EMPTY
      try {
        await conn.writer.write(rule.data)
      } catch (e) {
        return { status: 'SOCKERR', info: errorText(e) + where(kind, rule.step, ' (send)') }
      }
      final = { status: 'L7OK', ...(kind === 'tcp-check' ? { info: '(tcp-check)' } : {}) }
    } else {
      const out = await expect(conn, rule, isLast, kind, io)
      if (out.done) {
        if (out.result.status === 'L7OK' || out.result.status === 'L6OK' || out.result.status === 'L4OK') final = out.result
        else return out.result
      } else final = { status: 'L7OK', ...(kind === 'tcp-check' ? { info: '(tcp-check)' } : {}) }
    }
  }
  return final
}

async function open(
  rule: Extract<TcpRule, { op: 'connect' }>,
  kind: RulesetKind,
  target: ProbeTarget,
  io: ProbeIo,
): Promise<{ conn: Conn; tls: boolean } | { result: Omit<CheckResult, 'durationMs'> }> {
  const port = rule.port ?? target.port
  const fail = (status: 'L4CON' | 'L4TOUT' | 'SOCKERR', text: string) => ({
    result: { status, info: text + where(kind, rule.step, rule.port ? ` (connect port ${rule.port})` : ' (connect)') },
  })
  const address = rule.addr ?? target.address
  if (!address || port === undefined) return fail('SOCKERR', 'no address or port to check')
  const tls = rule.ssl === 'server' ? target.ssl : rule.ssl
  const t0 = io.now()
  let socket: ProbeSocket
  try {
    socket = io.connect({ hostname: address, port }, { secureTransport: tls ? 'on' : 'off', allowHalfOpen: false })
  } catch (e) {
    return fail('L4CON', errorText(e))
  }
  try {
    const r = await withDeadline(socket.opened, target.timeouts.connectMs)
    if (r === TIMED_OUT) {
      socket.close().catch(() => {})
      return fail('L4TOUT', '')
    }
  } catch (e) {
    socket.close().catch(() => {})
    return fail('L4CON', errorText(e))
  }
  // Once connected, `timeout check` bounds the rest; without it, inter bounds the whole check.
  const deadline = target.timeouts.readMs !== undefined ? io.now() + target.timeouts.readMs : t0 + target.timeouts.totalMs
  return { tls, conn: { socket, reader: socket.readable.getReader(), writer: socket.writable.getWriter(), deadline, buf: EMPTY, eof: false } }
}

async function expect(conn: Conn, rule: ExpectRule, isLast: boolean, kind: RulesetKind, io: ProbeIo): Promise<Outcome> {
  for (;;) {
    const lastRead = conn.eof || conn.buf.length >= CHECK_BUFSIZE
    const v = rule.evaluate({ buf: conn.buf, lastRead, isLast })
    if (v.kind === 'fail') return { done: true, result: { status: v.status, ...(v.info ? { info: v.info } : {}), ...(v.code !== undefined ? { code: v.code } : {}) } }
    if (v.kind === 'continue') {
      return v.status ? { done: true, result: { status: v.status, ...(v.info ? { info: v.info } : {}), ...(v.code !== undefined ? { code: v.code } : {}) } } : { done: false }
    }
    if (lastRead) return { done: true, result: { status: 'L7RSP', info: `TCPCHK got an empty response at step ${rule.step}` } }
    let chunk: ReadableStreamReadResult<Uint8Array> | typeof TIMED_OUT
    try {
      chunk = await withDeadline(conn.reader.read(), conn.deadline - io.now())
    } catch (e) {
      return { done: true, result: { status: 'SOCKERR', info: errorText(e) + where(kind, rule.step, rule.what) } }
    }
    if (chunk === TIMED_OUT) return { done: true, result: { status: rule.toutStatus ?? 'L7TOUT', info: where(kind, rule.step, rule.what).trim() } }
    if (chunk.done) conn.eof = true
    else if (chunk.value) conn.buf = appendCapped(conn.buf, chunk.value)
  }
}
