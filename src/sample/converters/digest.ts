/**
 * @module
 * Synchronous message digests for the sha1, sha2, digest and hmac converters (a converter cannot
 * await crypto.subtle): SHA-1 here, SHA-224/256 and SHA-384/512 from src/util/hashes.ts, and HMAC
 * over them, plus the xxHash32, xxHash64 and CRC-32C hashes of the hash converters.
 */
import { sha224, sha256, sha384, sha512 } from '../../util/hashes.ts'

function pad(data: Uint8Array, block: number, lenBytes: number): Uint8Array {
  const total = Math.ceil((data.length + 1 + lenBytes) / block) * block
  const out = new Uint8Array(total)
  out.set(data)
  out[data.length] = 0x80
  const dv = new DataView(out.buffer)
  const bits = data.length * 8
  dv.setUint32(total - 8, Math.floor(bits / 2 ** 32))
  dv.setUint32(total - 4, bits >>> 0)
  return out
}

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n))

export function sha1(data: Uint8Array): Uint8Array {
  const m = pad(data, 64, 8)
  const dv = new DataView(m.buffer)
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]
  const w = new Int32Array(80)
  for (let off = 0; off < m.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getInt32(off + 4 * i)
    for (let i = 16; i < 80; i++) w[i] = rotl((w[i - 3] as number) ^ (w[i - 8] as number) ^ (w[i - 14] as number) ^ (w[i - 16] as number), 1)
    let [a, b, c, d, e] = h as [number, number, number, number, number]
    for (let i = 0; i < 80; i++) {
      const f = i < 20 ? (b & c) | (~b & d) : i < 40 ? b ^ c ^ d : i < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d
      const k = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6
      const t = (rotl(a, 5) + f + e + k + (w[i] as number)) | 0
      e = d
      d = c
      c = rotl(b, 30)
      b = a
      a = t
    }
    h[0] = ((h[0] as number) + a) | 0
    h[1] = ((h[1] as number) + b) | 0
    h[2] = ((h[2] as number) + c) | 0
    h[3] = ((h[3] as number) + d) | 0
    h[4] = ((h[4] as number) + e) | 0
  }
  const out = new Uint8Array(20)
  const ov = new DataView(out.buffer)
  h.forEach((v, i) => {
    ov.setUint32(4 * i, v >>> 0)
  })
  return out
}

interface Digest {
  readonly fn: (d: Uint8Array) => Uint8Array
  readonly block: number
}

/** OpenSSL digest names the edge implements (EVP_get_digestbyname is case-insensitive for these). */
export const DIGESTS: Readonly<Record<string, Digest>> = {
  sha1: { fn: sha1, block: 64 },
  sha224: { fn: sha224, block: 64 },
  sha256: { fn: sha256, block: 64 },
  sha384: { fn: sha384, block: 128 },
  sha512: { fn: sha512, block: 128 },
}

export function findDigest(name: string): Digest | undefined {
  const n = name
    .toLowerCase()
    .replace(/^sha-/, 'sha')
    .replace(/^sha2-/, 'sha')
  return DIGESTS[n]
}

/** HMAC (RFC 2104). */
export function hmac(d: Digest, key: Uint8Array, data: Uint8Array): Uint8Array {
  let k = key.length > d.block ? d.fn(key) : key
  const padded = new Uint8Array(d.block)
  padded.set(k)
  k = padded
  const inner = new Uint8Array(d.block + data.length)
  const outer = new Uint8Array(d.block)
  for (let i = 0; i < d.block; i++) {
    inner[i] = (k[i] as number) ^ 0x36
    outer[i] = (k[i] as number) ^ 0x5c
  }
  inner.set(data, d.block)
  const ih = d.fn(inner)
  const o = new Uint8Array(d.block + ih.length)
  o.set(outer)
  o.set(ih, d.block)
  return d.fn(o)
}

const P32_1 = 0x9e3779b1
const P32_2 = 0x85ebca77
const P32_3 = 0xc2b2ae3d
const P32_4 = 0x27d4eb2f
const P32_5 = 0x165667b1

/** XXH32 (xxHash 32-bit). */
export function xxh32(b: Uint8Array, seed: number): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const len = b.length
  let i = 0
  let h: number
  const round = (acc: number, input: number): number => Math.imul(rotl((acc + Math.imul(input, P32_2)) | 0, 13), P32_1)
  if (len >= 16) {
    let v1 = (seed + P32_1 + P32_2) | 0
    let v2 = (seed + P32_2) | 0
    let v3 = seed | 0
    let v4 = (seed - P32_1) | 0
    for (; i + 16 <= len; i += 16) {
      v1 = round(v1, dv.getUint32(i, true))
      v2 = round(v2, dv.getUint32(i + 4, true))
      v3 = round(v3, dv.getUint32(i + 8, true))
      v4 = round(v4, dv.getUint32(i + 12, true))
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0
  } else h = (seed + P32_5) | 0
  h = (h + len) | 0
  for (; i + 4 <= len; i += 4) h = Math.imul(rotl((h + Math.imul(dv.getUint32(i, true), P32_3)) | 0, 17), P32_4)
  for (; i < len; i++) h = Math.imul(rotl((h + Math.imul(b[i] as number, P32_5)) | 0, 11), P32_1)
  h ^= h >>> 15
  h = Math.imul(h, P32_2)
  h ^= h >>> 13
  h = Math.imul(h, P32_3)
  h ^= h >>> 16
  return h >>> 0
}

const P64_1 = 0x9e3779b185ebca87n
const P64_2 = 0xc2b2ae3d27d4eb4fn
const P64_3 = 0x165667b19e3779f9n
const P64_4 = 0x85ebca77c2b2ae63n
const P64_5 = 0x27d4eb2f165667c5n
const M64 = (1n << 64n) - 1n
const rotl64 = (x: bigint, n: bigint): bigint => ((x << n) | (x >> (64n - n))) & M64

/** XXH64 (xxHash 64-bit), unsigned. */
export function xxh64(b: Uint8Array, seedArg: bigint): bigint {
  const seed = seedArg & M64
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const len = b.length
  let i = 0
  let h: bigint
  const round = (acc: bigint, input: bigint): bigint => (rotl64((acc + input * P64_2) & M64, 31n) * P64_1) & M64
  const merge = (acc: bigint, v: bigint): bigint => ((acc ^ round(0n, v)) * P64_1 + P64_4) & M64
  if (len >= 32) {
    let v1 = (seed + P64_1 + P64_2) & M64
    let v2 = (seed + P64_2) & M64
    let v3 = seed
    let v4 = (seed - P64_1) & M64
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, dv.getBigUint64(i, true))
      v2 = round(v2, dv.getBigUint64(i + 8, true))
      v3 = round(v3, dv.getBigUint64(i + 16, true))
      v4 = round(v4, dv.getBigUint64(i + 24, true))
    }
    h = (rotl64(v1, 1n) + rotl64(v2, 7n) + rotl64(v3, 12n) + rotl64(v4, 18n)) & M64
    h = merge(h, v1)
    h = merge(h, v2)
    h = merge(h, v3)
    h = merge(h, v4)
  } else h = (seed + P64_5) & M64
  h = (h + BigInt(len)) & M64
  for (; i + 8 <= len; i += 8) {
    h ^= round(0n, dv.getBigUint64(i, true))
    h = (rotl64(h, 27n) * P64_1 + P64_4) & M64
  }
  if (i + 4 <= len) {
    h ^= (BigInt(dv.getUint32(i, true)) * P64_1) & M64
    h = (rotl64(h, 23n) * P64_2 + P64_3) & M64
    i += 4
  }
  for (; i < len; i++) {
    h ^= (BigInt(b[i] as number) * P64_5) & M64
    h = (rotl64(h, 11n) * P64_1) & M64
  }
  h ^= h >> 33n
  h = (h * P64_2) & M64
  h ^= h >> 29n
  h = (h * P64_3) & M64
  h ^= h >> 32n
  return h
}

let CRC32C: Uint32Array | undefined

/** hash_crc32c: CRC-32C (Castagnoli), init ~0, final complement. */
export function crc32c(b: Uint8Array): number {
  if (!CRC32C) {
    CRC32C = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
      CRC32C[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = 0; i < b.length; i++) crc = (crc >>> 8) ^ (CRC32C[(crc ^ (b[i] as number)) & 0xff] as number)
  return (crc ^ 0xffffffff) >>> 0
}
