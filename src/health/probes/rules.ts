/**
 * @module
 * tcp-check rules as the engine (tcp-engine.ts) runs them: connect, send, and expect rules that
 * judge the bytes received so far (tcpcheck.c `tcpcheck_eval_expect`): wait for more, go on, or
 * fail with a status and HAProxy's info text. Built-in protocol checks are lists of these rules
 * with their own statuses and messages, like HAProxy builds them in `do_parse_*_check_opt`.
 */
import type { TcpCheckStep } from '../../routemap/schema.ts'
import { CHECK_BUFSIZE, bytesOf, fromHex, indexOfBytes, latin1, safeRegex, toHex } from '../expect.ts'
import type { CheckStatus } from '../status.ts'
import type { Regex } from '../../util/regex/index.ts'

export interface ExpectInput {
  /** Bytes received since the last send (at most CHECK_BUFSIZE). */
  readonly buf: Uint8Array
  /** No more data will come (end of stream, or the buffer is full). */
  readonly lastRead: boolean
  /** This expect is the last rule: on success it sets the check's final status and info. */
  readonly isLast: boolean
}

export type ExpectVerdict =
  | { readonly kind: 'wait' }
  | { readonly kind: 'continue'; readonly status?: CheckStatus; readonly info?: string; readonly code?: number }
  | { readonly kind: 'fail'; readonly status: CheckStatus; readonly info: string; readonly code?: number }

export type TcpRule =
  | {
      readonly op: 'connect'
      readonly step: number
      readonly port?: number
      /** `addr`: connect there instead of the server's check address. */
      readonly addr?: string
      /** TLS for this connection; `server` follows the server line's `ssl` (implicit and `default` connects). */
      readonly ssl: boolean | 'server'
      readonly implicit: boolean
    }
  | { readonly op: 'send'; readonly step: number; readonly data: Uint8Array }
  | {
      readonly op: 'expect'
      readonly step: number
      /** Status on timeout (`tout-status`, default L7TOUT). */
      readonly toutStatus?: CheckStatus
      /** ` (expect string '…')`: how HAProxy names the rule in timeout messages. */
      readonly what: string
      evaluate(input: ExpectInput): ExpectVerdict
    }

export type ExpectRule = Extract<TcpRule, { op: 'expect' }>

/** A string/binary expect with HAProxy's options (`tcp-check expect [min-recv N] [ok-status S] … [!] <kind> <pattern>`). */
export interface StandardExpect {
  readonly kind: 'string' | 'rstring' | 'binary' | 'rbinary'
  readonly pattern: string
  readonly negate: boolean
  /** −1 (default): on a mismatch, wait for more data until the end. */
  readonly minRecv?: number
  readonly okStatus?: CheckStatus
  readonly errorStatus?: CheckStatus
  readonly toutStatus?: CheckStatus
  /** `on-success` / `on-error` messages, computed from the received bytes. */
  readonly onSuccess?: (buf: Uint8Array) => string
  readonly onError?: (buf: Uint8Array) => string
  /** `status-code`: the check code, from the received bytes. */
  readonly statusCode?: (buf: Uint8Array) => number | undefined
}

const DESCRIBE: Readonly<Record<StandardExpect['kind'], (p: string) => string>> = {
  string: (p) => ` '${p}'`,
  binary: () => ' (binary)',
  rstring: () => ' (regex)',
  rbinary: () => ' (binary regex)',
}

const WHAT: Readonly<Record<StandardExpect['kind'], (p: string) => string>> = {
  string: (p) => ` (expect string '${p}')`,
  binary: (p) => ` (expect binary '${p}')`,
  rstring: () => ' (expect regex)',
  rbinary: () => ' (expect binary regex)',
}

/**
 * An expect rule. `userRules` is true for `option tcp-check` rule lists, whose messages are
 * HAProxy's generic ones ("TCPCHK did not match content …", success info "(tcp-check)").
 */
export function standardExpect(step: number, e: StandardExpect, userRules: boolean): ExpectRule {
  const minRecv = e.minRecv ?? -1
  const needle = e.kind === 'string' ? bytesOf(e.pattern) : e.kind === 'binary' ? fromHex(e.pattern) : undefined
  const re = e.kind === 'rstring' || e.kind === 'rbinary' ? safeRegex(e.pattern) : undefined
  return {
    op: 'expect',
    step,
    what: WHAT[e.kind](e.pattern),
    ...(e.toutStatus ? { toutStatus: e.toutStatus } : {}),
    evaluate({ buf, lastRead, isLast }): ExpectVerdict {
      if (!lastRead) {
        if (needle && buf.length < needle.length) return { kind: 'wait' }
        if (minRecv > 0 && buf.length < minRecv) return { kind: 'wait' }
      }
      const match = needle ? indexOfBytes(buf, needle) >= 0 : (re as Regex).test(e.kind === 'rbinary' ? toHex(buf) : latin1(buf))
      if (!match && !lastRead && minRecv === -1) return { kind: 'wait' }
      const code = e.statusCode?.(buf)
      const withCode = code !== undefined && !Number.isNaN(code) ? { code } : {}
      if (match !== e.negate) {
        if (!isLast) return { kind: 'continue', ...withCode }
        const info = e.onSuccess ? e.onSuccess(buf) : userRules ? '(tcp-check)' : ''
        return { kind: 'continue', status: e.okStatus ?? 'L7OK', info, ...withCode }
      }
      let info: string
      if (e.onError) info = e.onError(buf)
      else if (buf.length === 0) info = `TCPCHK got an empty response at step ${step}`
      else if (userRules) info = `${match ? 'TCPCHK matched unwanted content' : 'TCPCHK did not match content'}${DESCRIBE[e.kind](e.pattern)} at step ${step}`
      else info = ''
      return { kind: 'fail', status: e.errorStatus ?? 'L7RSP', info, ...withCode }
    },
  }
}

/** The rules of `option tcp-check` + `tcp-check connect|send|expect` (steps numbered from 1). */
export function tcpCheckRules(steps: readonly TcpCheckStep[]): TcpRule[] {
  return steps.map((s, i): TcpRule => {
    const step = i + 1
    if (s.step === 'connect') {
      return { op: 'connect', step, ...(s.port !== undefined ? { port: s.port } : {}), ...(s.addr !== undefined ? { addr: s.addr } : {}), ssl: s.default ? 'server' : s.ssl, implicit: false }
    }
    if (s.step === 'send') return { op: 'send', step, data: s.binary ? fromHex(s.data) : bytesOf(s.data) }
    const onSuccess = s.onSuccess
    const onError = s.onError
    return standardExpect(
      step,
      {
        kind: s.kind,
        pattern: s.pattern,
        negate: s.negate,
        ...(s.minRecv !== undefined ? { minRecv: s.minRecv } : {}),
        ...(s.okStatus ? { okStatus: s.okStatus as CheckStatus } : {}),
        ...(s.errorStatus ? { errorStatus: s.errorStatus as CheckStatus } : {}),
        ...(s.toutStatus ? { toutStatus: s.toutStatus as CheckStatus } : {}),
        ...(onSuccess !== undefined ? { onSuccess: () => onSuccess } : {}),
        ...(onError !== undefined ? { onError: () => onError } : {}),
      },
      true,
    )
  })
}

/** Prepends HAProxy's implicit connect (step 0) when the first rule is not a connect. */
export function withImplicitConnect(rules: readonly TcpRule[]): TcpRule[] {
  return rules[0]?.op === 'connect' ? [...rules] : [{ op: 'connect', step: 0, ssl: 'server', implicit: true }, ...rules]
}

/** `res.payload(from,0)` up to the first CR or LF (the `cut_crlf` converter), optionally left-trimmed of spaces. */
export function payloadLine(buf: Uint8Array, from = 0, ltrim = false): string {
  let s = latin1(buf.subarray(Math.min(from, buf.length)))
  if (ltrim) s = s.replace(/^ +/, '')
  const cut = s.search(/[\r\n]/)
  return cut >= 0 ? s.slice(0, cut) : s
}

/** Appends `chunk` to `buf`, keeping at most CHECK_BUFSIZE bytes. */
export function appendCapped(buf: Uint8Array, chunk: Uint8Array): Uint8Array {
  const room = CHECK_BUFSIZE - buf.length
  if (room <= 0) return buf
  const add = chunk.length > room ? chunk.subarray(0, room) : chunk
  const out = new Uint8Array(buf.length + add.length)
  out.set(buf)
  out.set(add, buf.length)
  return out
}
