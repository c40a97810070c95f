/**
 * @module
 * Byte codecs with HAProxy's exact acceptance rules (base64.c, tools.c url_decode,
 * encode_chunk): strict base64 with padding checks, unpadded base64url, URL decoding.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function reverse(alphabet: string, extra: Record<string, number>): Int16Array {
  const t = new Int16Array(256).fill(-1)
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i
  for (const [c, v] of Object.entries(extra)) t[c.charCodeAt(0)] = v
  return t
}

const PAD = 64
const REV = reverse(B64, { '=': PAD })
// base64.c's ubase64rev maps '=' like '_' (63): a quirk of its generated table, kept.
const REV_URL = reverse(B64URL, { '=': 63 })

/** a2base64 / a2base64url (the url variant has no padding). */
export function base64Encode(b: Uint8Array, url = false): string {
  const tab = url ? B64URL : B64
  let out = ''
  let i = 0
  for (; i + 3 <= b.length; i += 3) {
    const n = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number)
    out += (tab[n >> 18] as string) + (tab[(n >> 12) & 63] as string) + (tab[(n >> 6) & 63] as string) + (tab[n & 63] as string)
  }
  const rest = b.length - i
  if (rest === 1) {
    const n = (b[i] as number) << 16
    out += (tab[n >> 18] as string) + (tab[(n >> 12) & 63] as string) + (url ? '' : '==')
  } else if (rest === 2) {
    const n = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8)
    out += (tab[n >> 18] as string) + (tab[(n >> 12) & 63] as string) + (tab[(n >> 6) & 63] as string) + (url ? '' : '=')
  }
  return out
}

/** base64.c base64dec: length a multiple of 4, padding only as "xx==" or "xxx=". */
export function base64Decode(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0) return undefined
  const out: number[] = []
  const t = [0, 0, 0, 0]
  let i = 0
  let pad = 0
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    const b = c < 256 ? (REV[c] as number) : -1
    if (b < 0) return undefined
    if (pad && b !== PAD) return undefined
    if (pad && i < 2) return undefined
    if (b === PAD) pad++
    t[i++] = b & 63
    if (i === 4) {
      const bytes = [((t[0] as number) << 2) | ((t[1] as number) >> 4), (((t[1] as number) << 4) | ((t[2] as number) >> 2)) & 255, (((t[2] as number) << 6) | (t[3] as number)) & 255]
      for (let j = 0; j < 3 - pad; j++) out.push((bytes[j] as number) & 255)
      pad = 0
      i = 0
    }
  }
  return Uint8Array.from(out)
}

/** base64.c base64urldec: unpadded; a length of 4n+1 is invalid. */
export function base64UrlDecode(s: string): Uint8Array | undefined {
  const r = s.length % 4
  if (r === 1) return undefined
  const out: number[] = []
  let acc = 0
  let bits = 0
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    const b = c < 256 ? (REV_URL[c] as number) : -1
    if (b < 0) return undefined
    acc = ((acc << 6) | b) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out.push((acc >> bits) & 255)
    }
  }
  return Uint8Array.from(out)
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 65 && c <= 70) return c - 55
  if (c >= 97 && c <= 102) return c - 87
  return -1
}

/**
 * tools.c url_decode: '%XX' to a byte (a bad escape fails), '+' to a space once in a query
 * (after a '?', or from the start when `inForm`); stops at a NUL byte.
 */
export function urlDecode(s: string, inForm: boolean): string | undefined {
  let out = ''
  let form = inForm
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0) break
    if (c === 43) out += form ? ' ' : '+'
    else if (c === 37) {
      const h = hexVal(s.charCodeAt(i + 1))
      const l = hexVal(s.charCodeAt(i + 2))
      if (h < 0 || l < 0) return undefined
      out += String.fromCharCode((h << 4) | l)
      i += 2
    } else {
      if (c === 63) form = true
      out += s[i]
    }
  }
  return out
}

/** url_enc(query): RFC 3986 unreserved characters kept, every other byte as %XX (upper case). */
export function urlEncodeQuery(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 255
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126) out += String.fromCharCode(c)
    else out += `%${c < 16 ? '0' : ''}${c.toString(16).toUpperCase()}`
  }
  return out
}
