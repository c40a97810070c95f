/**
 * @module
 * Synchronous message digests for the sha1, sha2, digest and hmac converters (a converter cannot
 * await crypto.subtle): SHA-1, SHA-224/256, SHA-384/512 and HMAC over them, plus the xxHash32,
 * xxHash64 and CRC-32C hashes of the hash converters.
 */

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
const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n))

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

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

function sha256Family(data: Uint8Array, init: readonly number[], outLen: number): Uint8Array {
  const m = pad(data, 64, 8)
  const dv = new DataView(m.buffer)
  const h = [...init]
  const w = new Int32Array(64)
  for (let off = 0; off < m.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getInt32(off + 4 * i)
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] as number
      const y = w[i - 2] as number
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10)
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0
    }
    let [a, b, c, d, e, f, g, hh] = h as [number, number, number, number, number, number, number, number]
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + (K256[i] as number) + (w[i] as number)) | 0
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0
      hh = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    const r = [a, b, c, d, e, f, g, hh]
    for (let i = 0; i < 8; i++) h[i] = ((h[i] as number) + (r[i] as number)) | 0
  }
  const out = new Uint8Array(32)
  const ov = new DataView(out.buffer)
  h.forEach((v, i) => {
    ov.setUint32(4 * i, v >>> 0)
  })
  return out.slice(0, outLen)
}

export const sha256 = (d: Uint8Array): Uint8Array => sha256Family(d, [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19], 32)
export const sha224 = (d: Uint8Array): Uint8Array => sha256Family(d, [0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4], 28)

const K512 = [
  '428a2f98d728ae22', '7137449123ef65cd', 'b5c0fbcfec4d3b2f', 'e9b5dba58189dbbc', '3956c25bf348b538', '59f111f1b605d019', '923f82a4af194f9b', 'ab1c5ed5da6d8118',
  'd807aa98a3030242', '12835b0145706fbe', '243185be4ee4b28c', '550c7dc3d5ffb4e2', '72be5d74f27b896f', '80deb1fe3b1696b1', '9bdc06a725c71235', 'c19bf174cf692694',
  'e49b69c19ef14ad2', 'efbe4786384f25e3', '0fc19dc68b8cd5b5', '240ca1cc77ac9c65', '2de92c6f592b0275', '4a7484aa6ea6e483', '5cb0a9dcbd41fbd4', '76f988da831153b5',
  '983e5152ee66dfab', 'a831c66d2db43210', 'b00327c898fb213f', 'bf597fc7beef0ee4', 'c6e00bf33da88fc2', 'd5a79147930aa725', '06ca6351e003826f', '142929670a0e6e70',
  '27b70a8546d22ffc', '2e1b21385c26c926', '4d2c6dfc5ac42aed', '53380d139d95b3df', '650a73548baf63de', '766a0abb3c77b2a8', '81c2c92e47edaee6', '92722c851482353b',
  'a2bfe8a14cf10364', 'a81a664bbc423001', 'c24b8b70d0f89791', 'c76c51a30654be30', 'd192e819d6ef5218', 'd69906245565a910', 'f40e35855771202a', '106aa07032bbd1b8',
  '19a4c116b8d2d0c8', '1e376c085141ab53', '2748774cdf8eeb99', '34b0bcb5e19b48a8', '391c0cb3c5c95a63', '4ed8aa4ae3418acb', '5b9cca4f7763e373', '682e6ff3d6b2b8a3',
  '748f82ee5defb2fc', '78a5636f43172f60', '84c87814a1f0ab72', '8cc702081a6439ec', '90befffa23631e28', 'a4506cebde82bde9', 'bef9a3f7b2c67915', 'c67178f2e372532b',
  'ca273eceea26619c', 'd186b8c721c0c207', 'eada7dd6cde0eb1e', 'f57d4f7fee6ed178', '06f067aa72176fba', '0a637dc5a2c898a6', '113f9804bef90dae', '1b710b35131c471b',
  '28db77f523047d84', '32caab7b40c72493', '3c9ebe0a15c9bebc', '431d67c49c100d4c', '4cc5d4becb3e42b6', '597f299cfc657e2a', '5fcb6fab3ad6faec', '6c44198c4a475817',
].map((x) => BigInt(`0x${x}`))

const M64 = (1n << 64n) - 1n
const rotr64 = (x: bigint, n: bigint): bigint => ((x >> n) | (x << (64n - n))) & M64

function sha512Family(data: Uint8Array, init: readonly string[], outLen: number): Uint8Array {
  const total = Math.ceil((data.length + 17) / 128) * 128
  const m = new Uint8Array(total)
  m.set(data)
  m[data.length] = 0x80
  const dv = new DataView(m.buffer)
  const bits = data.length * 8
  dv.setUint32(total - 8, Math.floor(bits / 2 ** 32))
  dv.setUint32(total - 4, bits >>> 0)
  const h = init.map((x) => BigInt(`0x${x}`))
  const w: bigint[] = new Array(80).fill(0n)
  for (let off = 0; off < total; off += 128) {
    for (let i = 0; i < 16; i++) w[i] = dv.getBigUint64(off + 8 * i)
    for (let i = 16; i < 80; i++) {
      const x = w[i - 15] as bigint
      const y = w[i - 2] as bigint
      const s0 = rotr64(x, 1n) ^ rotr64(x, 8n) ^ (x >> 7n)
      const s1 = rotr64(y, 19n) ^ rotr64(y, 61n) ^ (y >> 6n)
      w[i] = ((w[i - 16] as bigint) + s0 + (w[i - 7] as bigint) + s1) & M64
    }
    let [a, b, c, d, e, f, g, hh] = h as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint]
    for (let i = 0; i < 80; i++) {
      const t1 = (hh + (rotr64(e, 14n) ^ rotr64(e, 18n) ^ rotr64(e, 41n)) + ((e & f) ^ (~e & M64 & g)) + (K512[i] as bigint) + (w[i] as bigint)) & M64
      const t2 = ((rotr64(a, 28n) ^ rotr64(a, 34n) ^ rotr64(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c))) & M64
      hh = g
      g = f
      f = e
      e = (d + t1) & M64
      d = c
      c = b
      b = a
      a = (t1 + t2) & M64
    }
    const r = [a, b, c, d, e, f, g, hh]
    for (let i = 0; i < 8; i++) h[i] = ((h[i] as bigint) + (r[i] as bigint)) & M64
  }
  const out = new Uint8Array(64)
  const ov = new DataView(out.buffer)
  h.forEach((v, i) => {
    ov.setBigUint64(8 * i, v)
  })
  return out.slice(0, outLen)
}

export const sha512 = (d: Uint8Array): Uint8Array =>
  sha512Family(d, ['6a09e667f3bcc908', 'bb67ae8584caa73b', '3c6ef372fe94f82b', 'a54ff53a5f1d36f1', '510e527fade682d1', '9b05688c2b3e6c1f', '1f83d9abfb41bd6b', '5be0cd19137e2179'], 64)
export const sha384 = (d: Uint8Array): Uint8Array =>
  sha512Family(d, ['cbbb9d5dc1059ed8', '629a292a367cd507', '9159015a3070dd17', '152fecd8f70e5939', '67332667ffc00b31', '8eb44a8768581511', 'db0c2e0d64f98fa7', '47b5481dbefa4fa4'], 48)

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
  const n = name.toLowerCase().replace(/^sha-/, 'sha').replace(/^sha2-/, 'sha')
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
const rotl64 = (x: bigint, n: bigint): bigint => ((x << n) | (x >> (64n - n))) & M64

/** XXH64 (xxHash 64-bit), unsigned. */
export function xxh64(b: Uint8Array, seedArg: bigint): bigint {
  const seed = seedArg & M64
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const len = b.length
  let i = 0
  let h: bigint
  const round = (acc: bigint, input: bigint): bigint => (rotl64((acc + input * P64_2) & M64, 31n) * P64_1) & M64
  const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P64_1) + P64_4) & M64
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
