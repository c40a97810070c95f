/**
 * @module
 * How HAProxy reads header and cookie values out of a header list (http_htx.c
 * __http_find_header, http_get_htx_hdr, http.c http_extract_cookie_value): comma-split values
 * for `hdr`, full lines for `fhdr`, occurrence numbers, and the cookie scanner with its quirks.
 */
import type { HeaderList } from '../headers.ts'

/** HTTP_IS_LWS: space, tab, CR, LF. */
function isLws(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10
}

function trimLws(s: string, from: number, to: number): string {
  while (from < to && isLws(s.charCodeAt(from))) from++
  while (to > from && isLws(s.charCodeAt(to - 1))) to--
  return s.slice(from, to)
}

/** http.c http_find_hdr_value_end: the first comma outside a quoted string (or the end). */
function valueEnd(s: string, from: number): number {
  let quoted = false
  let qdpair = false
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (qdpair) qdpair = false
    else if (quoted) {
      if (c === 92) qdpair = true
      else if (c === 34) quoted = false
    } else if (c === 34) quoted = true
    else if (c === 44) return i
  }
  return s.length
}

/** The comma-separated values of one header line, LWS-trimmed (empty elements kept). */
export function splitLine(line: string, out: string[]): void {
  let pos = 0
  for (;;) {
    const end = valueEnd(line, pos)
    out.push(trimLws(line, pos, end))
    if (end >= line.length) return
    pos = end + 1
  }
}

/**
 * Every value of header `name` (every header when `name` is empty, as HAProxy does for
 * hdr_cnt without a name), comma-split unless `full`.
 */
export function headerValues(headers: HeaderList, name: string, full: boolean): string[] {
  const lower = name.toLowerCase()
  const out: string[] = []
  for (const [n, v] of headers.entries()) {
    if (lower !== '' && n !== lower && (n.length !== lower.length || n.toLowerCase() !== lower)) continue
    if (full || v.indexOf(',') < 0) out.push(trimLws(v, 0, v.length))
    else splitLine(v, out)
  }
  return out
}

/** MAX_HDR_HISTORY: negative occurrences reach back at most this far. */
const MAX_HDR_HISTORY = 10

/**
 * http_get_htx_hdr occurrence rule: occ > 0 counts from the first value (0 and 1 are the first),
 * occ < 0 from the last (-1 is the last, at most -10).
 */
export function pickOccurrence(values: readonly string[], occ: number): string | undefined {
  if (occ >= 0) return values[Math.max(occ, 1) - 1]
  if (-occ > MAX_HDR_HISTORY || -occ > values.length) return undefined
  return values[values.length + occ]
}

function isSpHt(c: number): boolean {
  return c === 32 || c === 9
}

/** http.c http_find_cookie_value_end: the first ',' or ';' outside quotes. */
function cookieValueEnd(s: string, from: number, end: number): number {
  let quoted = false
  let qdpair = false
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i)
    if (qdpair) qdpair = false
    else if (quoted) {
      if (c === 92) qdpair = true
      else if (c === 34) quoted = false
    } else if (c === 34) quoted = true
    else if (c === 44 || c === 59) return i
  }
  return end
}

/**
 * http.c http_extract_cookie_value over one header value: calls `found` with every value of
 * cookie `name` (any cookie when `name` is empty). `list` is true for request Cookie headers;
 * for Set-Cookie only the first name=value pair is considered. Returns early when `found`
 * returns true.
 */
export function scanCookies(hdr: string, name: string, list: boolean, found: (value: string) => boolean | undefined): boolean {
  const end = hdr.length
  const nl = name.length
  let next = 0
  for (let attBeg = 0; attBeg + nl + 1 < end; attBeg = next + 1) {
    while (attBeg < end && isSpHt(hdr.charCodeAt(attBeg))) attBeg++
    let equal = attBeg
    let attEnd = attBeg
    while (equal < end) {
      const c = hdr.charCodeAt(equal)
      if (c === 61 || c === 59 || (list && c === 44)) break
      equal++
      if (isSpHt(c)) continue
      attEnd = equal
    }
    let valBeg: number
    let valEnd: number
    if (equal < end && hdr.charCodeAt(equal) === 61) {
      valBeg = equal + 1
      while (valBeg < end && isSpHt(hdr.charCodeAt(valBeg))) valBeg++
      next = cookieValueEnd(hdr, valBeg, end)
      valEnd = next
      while (valEnd > valBeg && isSpHt(hdr.charCodeAt(valEnd - 1))) valEnd--
    } else {
      valBeg = valEnd = next = equal
    }
    if (hdr.charCodeAt(attBeg) === 36 /* $ */) continue
    if (equal === next) continue
    if (nl === 0 || (attEnd - attBeg === nl && hdr.startsWith(name, attBeg))) {
      if (found(hdr.slice(valBeg, valEnd))) return true
      continue
    }
    if (!list) break
  }
  return false
}

/**
 * smp_fetch_cookie: values of cookie `name` in the Cookie (request) or Set-Cookie (response)
 * headers, in order. Header values are comma-split first, like http_find_header does, and a
 * value shorter than the name plus one character is skipped.
 */
export function cookieValues(headers: HeaderList, response: boolean, name: string, firstOnly: boolean): string[] {
  const out: string[] = []
  const values = headerValues(headers, response ? 'set-cookie' : 'cookie', false)
  const push = (v: string): boolean => {
    out.push(v)
    return firstOnly
  }
  for (const v of values) {
    if (v.length < name.length + 1) continue
    if (scanCookies(v, name, !response, push)) break
  }
  return out
}
