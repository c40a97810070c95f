/**
 * @module
 * `http-check expect` and `tcp-check expect` matching (tcpcheck.c `tcpcheck_eval_expect_http`,
 * `tcpcheck_eval_expect`): status lists and ranges, regexes on the status code, substrings and
 * regexes on the body (the first 16384 bytes, `tune.bufsize`), binary patterns and regexes on
 * the hex dump, `!` negation, and the status/info HAProxy reports when a rule fails.
 */
import type { HttpCheckExpect } from '../routemap/schema.ts'
import type { CheckStatus } from './status.ts'

/** tune.bufsize: HTTP checks only look at this much of the body. */
export const CHECK_BUFSIZE = 16384

/** `200,201,300-310`: true when `code` is one of the codes or inside one of the ranges. */
export function statusListMatches(pattern: string, code: number): boolean {
  for (const part of pattern.split(',')) {
    const [lo, hi] = part.split('-')
    const a = Number(lo)
    const b = hi === undefined ? a : Number(hi)
    if (code >= a && code <= b) return true
  }
  return false
}

/** A configured regex, or one that never matches when the pattern is invalid (the compiler rejects those). */
export function safeRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern)
  } catch {
    return /(?!)/
  }
}

export interface HttpVerdict {
  readonly status: CheckStatus
  readonly info?: string
}

export interface HttpResponseView {
  readonly status: number
  /** The reason phrase (HAProxy reports it as info on a wrong status). */
  readonly statusText: string
  /** The first CHECK_BUFSIZE bytes of the body, decoded as UTF-8. */
  readonly body: string
  readonly headers: readonly (readonly [string, string])[]
}

/**
 * Evaluates one `http-check expect` rule against a response. Status rules fail with L7STS and
 * the reason phrase; body rules with L7RSP ("HTTP content check did not match", or "…matched
 * unwanted content" when negated). Success is L7OK.
 */
export function evalHttpExpect(e: HttpCheckExpect, res: HttpResponseView): HttpVerdict {
  let match: boolean
  switch (e.kind) {
    case 'status':
      match = statusListMatches(e.pattern, res.status)
      break
    case 'rstatus':
      match = safeRegex(e.pattern).test(String(res.status))
      break
    case 'hdr':
    case 'fhdr':
      // The compiler keeps only the word after `hdr` (normally the keyword `name`): when no header
      // name is known the rule cannot be judged, and the implicit 2xx/3xx rule applies instead.
      if (e.pattern === 'name') return evalHttpExpect(DEFAULT_STATUS, res)
      match = headerMatches(e, res.headers)
      break
    default: {
      if (res.body.length === 0) return { status: 'L7RSP', info: 'HTTP content check could not find a response body' }
      match = e.kind === 'string' ? res.body.includes(e.pattern) : safeRegex(e.pattern).test(res.body)
      if (match === e.negate) return { status: 'L7RSP', info: e.negate ? 'HTTP check matched unwanted content' : 'HTTP content check did not match' }
      return { status: 'L7OK' }
    }
  }
  if (match === e.negate) return { status: 'L7STS', ...(res.statusText ? { info: res.statusText } : {}) }
  return { status: 'L7OK' }
}

const DEFAULT_STATUS: HttpCheckExpect = { kind: 'status', negate: false, pattern: '200-399' }

/** `hdr <name>`: true when the response has the header. */
function headerMatches(e: HttpCheckExpect, headers: readonly (readonly [string, string])[]): boolean {
  const want = e.pattern.toLowerCase()
  return headers.some(([n]) => n.toLowerCase() === want)
}

/** Bytes → uppercase hex (HAProxy's `dump_binary`, which `rbinary` regexes run on). */
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).toUpperCase().padStart(2, '0')
  return s
}

/** Hex text (as in `tcp-check send-binary`) → bytes. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** Bytes → a string with one char per byte (latin1), so byte offsets and substrings line up. */
export function latin1(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192))
  return s
}

/** A config string as the bytes HAProxy would send or look for (UTF-8). */
export function bytesOf(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}

export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}
