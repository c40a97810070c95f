/**
 * @module
 * Packed address ranges: how the RouteMap stores a big `-m ip` list (`src -f` with a million
 * lines) so that its size, and the memory an isolate spends on it, is proportional to the merged
 * ranges rather than to the text. A packed list is one base64 string (docs/routemap.md):
 * - IPv4 (`v4`): per range, two LEB128 varints: the gap from the previous range's end + 1 (from 0
 *   for the first) and the range's length − 1. Ranges are sorted and merged, so a million random
 *   addresses take ~3 bytes each (4 in base64) instead of ~22 as JSON numbers;
 * - IPv6 (`v6`): per range, the start's and the end's four 32-bit words, big-endian (32 bytes).
 * Decoding builds the Uint32Array the matcher binary-searches ([start, end] pairs; 8 words per
 * IPv6 range), once per load. A malformed string decodes to an error message (the validator
 * refuses it before any engine is built).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const REV = new Int16Array(128).fill(-1)
for (let i = 0; i < 64; i++) REV[ALPHABET.charCodeAt(i)] = i

/** Standard base64 with `=` padding. */
export function toBase64(bytes: Uint8Array): string {
  const parts: string[] = []
  let out = ''
  const n = bytes.length
  let i = 0
  for (; i + 2 < n; i += 3) {
    const x = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out += `${ALPHABET[x >>> 18]}${ALPHABET[(x >>> 12) & 63]}${ALPHABET[(x >>> 6) & 63]}${ALPHABET[x & 63]}`
    if (out.length >= 8192) {
      parts.push(out)
      out = ''
    }
  }
  if (i < n) {
    const b1 = i + 1 < n ? (bytes[i + 1] as number) : 0
    const x = ((bytes[i] as number) << 16) | (b1 << 8)
    out += `${ALPHABET[x >>> 18]}${ALPHABET[(x >>> 12) & 63]}${i + 1 < n ? ALPHABET[(x >>> 6) & 63] : '='}=`
  }
  parts.push(out)
  return parts.join('')
}

/** The bytes of standard base64 text, or undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  const len = text.length
  if (len % 4 !== 0) return undefined
  const pad = len === 0 ? 0 : text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((len / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < len; i += 4) {
    let x = 0
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k)
      let v = c < 128 ? (REV[c] as number) : -1
      if (v < 0) {
        if (c === 61 && i + 4 === len && k >= 4 - pad) v = 0
        else return undefined
      }
      x = (x << 6) | v
    }
    out[o++] = x >>> 16
    if (o < out.length) out[o++] = (x >>> 8) & 255
    if (o < out.length) out[o++] = x & 255
  }
  return out
}

/** Packs sorted, merged, non-adjacent IPv4 ranges (flat [start, end, …], unsigned). */
export function packRanges4(flat: readonly number[]): string {
  const bytes = new Uint8Array(flat.length * 5)
  let o = 0
  const put = (v: number): void => {
    while (v >= 128) {
      bytes[o++] = (v % 128) | 128
      v = Math.floor(v / 128)
    }
    bytes[o++] = v
  }
  let next = 0
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const s = flat[i] as number
    const e = flat[i + 1] as number
    put(s - next)
    put(e - s)
    next = e + 1
  }
  return toBase64(bytes.subarray(0, o))
}

/** The [start, end] pairs of a packed IPv4 list, or why it is not one. */
export function unpackRanges4(text: string): Uint32Array | string {
  const bytes = fromBase64(text)
  if (!bytes) return 'not base64'
  const len = bytes.length
  let i = 0
  /** The next varint, or -1 when truncated or longer than 5 bytes. */
  const read = (): number => {
    let v = 0
    let mul = 1
    for (let k = 0; k < 5 && i < len; k++) {
      const b = bytes[i++] as number
      v += (b & 127) * mul
      if (b < 128) return v
      mul *= 128
    }
    return -1
  }
  // one range takes at least 2 bytes: size the output for the worst case, then trim
  const out = new Uint32Array(len)
  let n = 0
  let next = 0
  while (i < len) {
    const gap = read()
    const size = gap < 0 ? -1 : read()
    if (size < 0) return 'truncated or oversized varint'
    const s = next + gap
    const e = s + size
    if (e > 0xffffffff) return 'a range goes beyond 255.255.255.255'
    out[n++] = s
    out[n++] = e
    next = e + 1
  }
  return out.slice(0, n)
}

/** Packs sorted, merged IPv6 ranges (8 words per range: start then end, most significant first). */
export function packRanges6(flat: readonly number[]): string {
  const bytes = new Uint8Array(flat.length * 4)
  for (let i = 0; i < flat.length; i++) {
    const w = (flat[i] as number) >>> 0
    bytes[4 * i] = w >>> 24
    bytes[4 * i + 1] = (w >>> 16) & 255
    bytes[4 * i + 2] = (w >>> 8) & 255
    bytes[4 * i + 3] = w & 255
  }
  return toBase64(bytes)
}

/** The words of a packed IPv6 list (8 per range), or why it is not one. */
export function unpackRanges6(text: string): Uint32Array | string {
  const bytes = fromBase64(text)
  if (!bytes) return 'not base64'
  if (bytes.length % 32 !== 0) return 'not a whole number of IPv6 ranges'
  const out = new Uint32Array(bytes.length / 4)
  for (let i = 0; i < out.length; i++) out[i] = (((bytes[4 * i] as number) << 24) | ((bytes[4 * i + 1] as number) << 16) | ((bytes[4 * i + 2] as number) << 8) | (bytes[4 * i + 3] as number)) >>> 0
  return out
}
