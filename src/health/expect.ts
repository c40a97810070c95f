/**
 * @module
 * `http-check expect` and `tcp-check expect` matching (tcpcheck.c `tcpcheck_eval_expect_http`,
 * `tcpcheck_eval_expect`): status lists and ranges, regexes on the status code, header names
 * and values (`hdr`/`fhdr` with `-m str|beg|end|sub|reg`), substrings and
 * regexes on the body (the first 16384 bytes, `tune.bufsize`), binary patterns and regexes on
 * the hex dump, `!` negation, and the status/info HAProxy reports when a rule fails.
 */
import type { HeaderMatch, HttpCheckExpect } from '../routemap/schema.ts'
import type { CheckStatus } from './status.ts'
import { type Regex, compileRegex, linearRegex } from '../util/regex/index.ts'

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

const NEVER: Regex = linearRegex('[^\\s\\S]')
const compiled = new Map<string, Regex>()

/**
 * A configured regex on the linear-time engine (src/util/regex), compiled once per pattern and
 * isolate; one that never matches when the pattern is invalid or refused (the compiler rejects those).
 */
export function safeRegex(pattern: string): Regex {
  let re = compiled.get(pattern)
  if (!re) {
    const r = compileRegex(pattern)
    re = r.ok ? r.regex : NEVER
    compiled.set(pattern, re)
  }
  return re
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
 * Evaluates one `http-check expect` rule against a response (tcpcheck.c
 * `tcpcheck_eval_expect_http`). Status and header rules fail with L7STS and the reason phrase;
 * body rules with L7RSP ("HTTP content check did not match", or "…matched unwanted content"
 * when negated). `error-status` replaces the failure status and a literal `on-error` the info;
 * `ok-status` / `on-success` only matter when the rule is the last one (see probes/http.ts).
 */
export function evalHttpExpect(e: HttpCheckExpect, res: HttpResponseView): HttpVerdict {
  let match: boolean
  let status: CheckStatus = 'L7STS'
  let info = res.statusText
  switch (e.kind) {
    case 'status':
      match = statusListMatches(e.pattern, res.status)
      break
    case 'rstatus':
      match = safeRegex(e.pattern).test(String(res.status))
      break
    case 'hdr':
    case 'fhdr':
      match = headerMatches(e, res.headers)
      break
    default: {
      status = 'L7RSP'
      if (res.body.length === 0) {
        info = 'HTTP content check could not find a response body'
        match = e.negate
      } else {
        match = e.kind === 'string' ? res.body.includes(e.pattern) : safeRegex(e.pattern).test(res.body)
        info = e.negate ? 'HTTP check matched unwanted content' : 'HTTP content check did not match'
      }
    }
  }
  if (match !== e.negate) return { status: 'L7OK' }
  const text = e.onError ?? info
  return { status: (e.errorStatus as CheckStatus | undefined) ?? status, ...(text ? { info: text } : {}) }
}

function matchText(how: HeaderMatch, text: string, pat: string, re: Regex | undefined, ci: boolean): boolean {
  const t = ci ? text.toLowerCase() : text
  const p = ci ? pat.toLowerCase() : pat
  switch (how) {
    case 'str':
      return t === p
    case 'beg':
      return t.startsWith(p)
    case 'end':
      return t.endsWith(p)
    case 'sub':
      return t.includes(p)
    case 'reg':
      return (re as Regex).test(text)
  }
}

/** Splits a header value on commas outside double quotes (HAProxy's `http_find_header` without `full`). */
function splitValues(v: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (const ch of v) {
    if (ch === '"') quoted = !quoted
    if (ch === ',' && !quoted) {
      out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  out.push(cur.trim())
  return out
}

/**
 * `hdr`/`fhdr name [-m meth] <pat> [value [-m meth] <pat>]`: names compare case-insensitively
 * (regexes as written), values case-sensitively; `hdr` tests each comma-separated value, `fhdr`
 * the whole line.
 */
function headerMatches(e: HttpCheckExpect, headers: readonly (readonly [string, string])[]): boolean {
  const nameHow = e.nameMatch ?? 'str'
  const nameRe = nameHow === 'reg' ? safeRegex(e.pattern) : undefined
  const valueRe = e.value?.match === 'reg' ? safeRegex(e.value.pattern) : undefined
  for (const [n, v] of headers) {
    if (!matchText(nameHow, n, e.pattern, nameRe, true)) continue
    if (!e.value) return true
    const values = e.kind === 'fhdr' ? [v.trim()] : splitValues(v)
    const want = e.value
    if (values.some((x) => matchText(want.match, x, want.pattern, valueRe, false))) return true
  }
  return false
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
