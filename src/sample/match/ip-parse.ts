/**
 * @module
 * IP text parsers with the exact acceptance rules HAProxy inherits from its C helpers:
 * - patterns (pattern.c pat_parse_ip → tools.c str2net / str62net): glibc inet_pton for
 *   addresses and dotted masks, strtol/strtoul for bit counts, and for IPv4 the numeric forms
 *   gethostbyname() accepts at startup (inet_aton: `10.12`, `127.1`, `4294967295`, octal `010`);
 * - samples (sample.c c_str2addr → tools.c buf2ip, then inet_pton AF_INET6).
 * Addresses are unsigned 32-bit numbers (IPv4) or four such words, most significant first (IPv6).
 */

/** glibc inet_pton(AF_INET): exactly four decimal parts 0-255, no leading zeros. -1 if invalid. */
export function inetPton4(s: string): number {
  let value = 0
  let part = -1 // -1: no digit yet in this part
  let parts = 0
  let digits = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (part === 0 && digits > 0) return -1 // leading zero
      part = part < 0 ? c - 48 : part * 10 + (c - 48)
      digits++
      if (part > 255) return -1
      if (digits === 1 && ++parts > 4) return -1
    } else if (c === 46 && part >= 0) {
      if (parts === 4) return -1
      value = value * 256 + part
      part = -1
      digits = 0
    } else return -1
  }
  if (parts < 4 || part < 0) return -1
  return value * 256 + part
}

/**
 * gethostbyname() on an all-digits-and-dots name (glibc __nss_hostname_digits_dots): inet_aton
 * with 1 to 4 parts, each decimal or octal (leading 0); a trailing dot is a host name. -1 if not.
 */
export function inetAtonDigits(s: string): number {
  if (s.length === 0 || s.charCodeAt(s.length - 1) === 46) return -1
  const parts: number[] = []
  let i = 0
  while (i < s.length) {
    let j = i
    while (j < s.length && s.charCodeAt(j) !== 46) j++
    const txt = s.slice(i, j)
    if (!/^[0-9]+$/.test(txt)) return -1
    let v: number
    if (txt.length > 1 && txt[0] === '0') {
      if (!/^[0-7]+$/.test(txt)) return -1
      v = Number.parseInt(txt, 8)
    } else v = Number(txt)
    parts.push(v)
    i = j + 1
  }
  if (parts.length > 4) return -1
  const last = parts[parts.length - 1] as number
  const lead = parts.slice(0, -1)
  if (lead.some((p) => p > 255)) return -1
  const lastBits = 32 - 8 * lead.length
  if (last >= 2 ** lastBits) return -1
  let value = 0
  for (const p of lead) value = value * 256 + p
  return value * 2 ** lastBits + last
}

/** Scratch 16-bit groups for inetPton6 (single-threaded, never re-entered). */
const g = new Uint16Array(8)

/** glibc inet_pton(AF_INET6) into `out[0..3]`; false if invalid. Allocation-free. */
export function inetPton6(s: string, out: Uint32Array | number[]): boolean {
  for (let k = 0; k < 8; k++) g[k] = 0
  let n = 0 // groups written
  let gap = -1 // index where '::' was
  let i = 0
  const len = s.length
  if (len === 0) return false
  if (s.charCodeAt(0) === 58) {
    if (len < 2 || s.charCodeAt(1) !== 58) return false
    i = 1 // the first ':' of a leading '::' is consumed here, the second below
  }
  let curStart = i
  let val = 0
  let sawHex = false
  let hexDigits = 0
  while (i < len) {
    const c = s.charCodeAt(i++)
    const h = hexValue(c)
    if (h >= 0) {
      if (++hexDigits > 4) return false
      val = (val << 4) | h
      sawHex = true
      continue
    }
    if (c === 58) {
      curStart = i
      if (!sawHex) {
        if (gap >= 0) return false
        gap = n
        continue
      }
      if (i >= len) return false // trailing single ':'
      if (n === 8) return false
      g[n++] = val
      sawHex = false
      val = 0
      hexDigits = 0
      continue
    }
    if (c === 46 && n <= 6) {
      const v4 = inetPton4(s.slice(curStart))
      if (v4 < 0) return false
      g[n++] = v4 >>> 16
      g[n++] = v4 & 0xffff
      sawHex = false
      i = len
      break
    }
    return false
  }
  if (sawHex) {
    if (n === 8) return false
    g[n++] = val
  }
  if (gap >= 0) {
    if (n === 8) return false
    const move = n - gap
    for (let k = 1; k <= move; k++) {
      g[8 - k] = g[n - k] as number
      g[n - k] = 0
    }
    n = 8
  }
  if (n !== 8) return false
  for (let k = 0; k < 4; k++) out[k] = (((g[2 * k] as number) << 16) | (g[2 * k + 1] as number)) >>> 0
  return true
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/**
 * tools.c buf2ip, used for string samples: dotted quad, leading zeros allowed, parsing stops at
 * the first character that is neither a digit nor a dot. -1 if invalid.
 */
export function buf2ip(s: string): number {
  let value = 0
  let part = 0
  let sawDigit = false
  let octets = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48)
      if (part > 255) return -1
      if (!sawDigit) {
        if (++octets > 4) return -1
        sawDigit = true
      }
    } else if (c === 46) {
      if (!sawDigit || octets === 4) return -1
      value = value * 256 + part
      part = 0
      sawDigit = false
    } else break
  }
  if (octets < 4) return -1
  return value * 256 + part
}

/** A parsed `ip` pattern. */
export type IpPattern = { readonly v: 4; readonly addr: number; readonly mask: number } | { readonly v: 6; readonly addr: readonly number[]; readonly bits: number }

const STRTOL = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/

/** A strtol/strtoul bit count as str2mask / str62net accept it, or -1. */
function bitCount(s: string, max: number): number {
  const m = STRTOL.exec(s)
  if (!m) return -1
  const n = Number(m[2])
  if (m[1] === '-' && n !== 0) return -1 // wraps to a huge unsigned value
  return n > max ? -1 : n
}

function prefixMask4(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
}

/**
 * pattern.c pat_parse_ip: `addr[/mask]` as IPv4 (str2net, with numeric "DNS" forms) then IPv6
 * (str62net). Returns the pattern or an error message; host names are refused since the edge
 * cannot resolve them at startup like HAProxy does.
 */
export function parseIpPattern(text: string): IpPattern | string {
  const slash = text.lastIndexOf('/')
  const addrText = slash < 0 ? text : text.slice(0, slash)
  const maskText = slash < 0 ? undefined : text.slice(slash + 1)

  // str2net
  let mask4 = 0xffffffff
  let maskOk = true
  if (maskText !== undefined) {
    if (maskText.includes('.')) {
      const m = inetPton4(maskText)
      if (m < 0) maskOk = false
      else mask4 = m
    } else {
      const bits = bitCount(maskText, 32)
      if (bits < 0) maskOk = false
      else mask4 = prefixMask4(bits)
    }
  }
  if (maskOk) {
    let addr = inetPton4(addrText)
    if (addr < 0 && /^[0-9.]+$/.test(addrText)) addr = inetAtonDigits(addrText)
    if (addr >= 0) return { v: 4, addr, mask: mask4 }
  }

  // str62net
  let bits6 = 128
  let bits6Ok = true
  if (maskText !== undefined) {
    bits6 = bitCount(maskText, 128)
    bits6Ok = bits6 >= 0
  }
  const words = [0, 0, 0, 0]
  if (bits6Ok && inetPton6(addrText, words)) return { v: 6, addr: words, bits: bits6 }

  if (maskOk && isHostName(addrText)) {
    return `'${text}' is not a valid IPv4 or IPv6 address (host names are not supported: HAProxy resolves them at startup, the edge cannot)`
  }
  return `'${text}' is not a valid IPv4 or IPv6 address`
}

function isHostName(s: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(s) && /[A-Za-z_-]/.test(s) && !s.startsWith('.') && !s.includes('..')
}
