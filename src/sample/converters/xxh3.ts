/**
 * @module
 * XXH3-64 (xxHash 0.8, "XXH3_64bits_withSeed"), the hash of HAProxy 2.6's xxh3 converter
 * (sample.c sample_conv_xxh3 → XXH3(data, len, seed)). Synchronous, over BigInt.
 *
 * Lengths 0–16, 17–128 and 129–240 use the default secret with the seed folded into each read;
 * longer inputs run the striped accumulator over the default secret (seed 0) or over a secret
 * derived from the seed (each 16-byte lane: low word + seed, high word − seed).
 */

const M64 = (1n << 64n) - 1n
const M32 = 0xffffffffn

const P32_1 = 0x9e3779b1n
const P32_2 = 0x85ebca77n
const P32_3 = 0xc2b2ae3dn
const P64_1 = 0x9e3779b185ebca87n
const P64_2 = 0xc2b2ae3d27d4eb4fn
const P64_3 = 0x165667b19e3779f9n
const P64_4 = 0x85ebca77c2b2ae63n
const P64_5 = 0x27d4eb2f165667c5n

/** The 192-byte default secret of XXH3 (taken by xxHash from FARSH), as hex. */
const DEFAULT_SECRET_HEX =
  'b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671fcb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c' +
  '3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364' +
  'eac5ac8334d3ebc3c581a0fffa1363eb170ddd51b7f0da49d3165526' +
  '29d4689e2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e'

const DEFAULT_SECRET = new Uint8Array(DEFAULT_SECRET_HEX.length / 2)
for (let i = 0; i < DEFAULT_SECRET.length; i++) DEFAULT_SECRET[i] = Number.parseInt(DEFAULT_SECRET_HEX.slice(2 * i, 2 * i + 2), 16)

const STRIPE = 64
const CONSUME_RATE = 8
const SECRET_SIZE_MIN = 136
const MIDSIZE_MAX = 240

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength)
const rd64 = (v: DataView, o: number): bigint => v.getBigUint64(o, true)
const rd32 = (v: DataView, o: number): bigint => BigInt(v.getUint32(o, true))
const rotl64 = (x: bigint, n: bigint): bigint => ((x << n) | (x >> (64n - n))) & M64

function swap64(x: bigint): bigint {
  let r = 0n
  for (let i = 0n; i < 64n; i += 8n) r = (r << 8n) | ((x >> i) & 0xffn)
  return r
}

function swap32(x: bigint): bigint {
  return ((x & 0xffn) << 24n) | ((x & 0xff00n) << 8n) | ((x >> 8n) & 0xff00n) | ((x >> 24n) & 0xffn)
}

/** 64×64 → 128-bit product, the two halves xor-ed together. */
function mulFold(a: bigint, b: bigint): bigint {
  const p = a * b
  return (p ^ (p >> 64n)) & M64
}

/** The final mix of XXH64. */
function xxh64Avalanche(h: bigint): bigint {
  h ^= h >> 33n
  h = (h * P64_2) & M64
  h ^= h >> 29n
  h = (h * P64_3) & M64
  return h ^ (h >> 32n)
}

function avalanche(h: bigint): bigint {
  h ^= h >> 37n
  h = (h * 0x165667919e3779f9n) & M64
  return h ^ (h >> 32n)
}

function rrmxmx(h: bigint, len: bigint): bigint {
  h ^= rotl64(h, 49n) ^ rotl64(h, 24n)
  h = (h * 0x9fb21c651e98df25n) & M64
  h ^= ((h >> 35n) + len) & M64
  h = (h * 0x9fb21c651e98df25n) & M64
  return h ^ (h >> 28n)
}

const SECRET_VIEW = view(DEFAULT_SECRET)

function len0to16(b: Uint8Array, d: DataView, seed: bigint): bigint {
  const len = b.length
  const s = SECRET_VIEW
  if (len > 8) {
    const flip1 = ((rd64(s, 24) ^ rd64(s, 32)) + seed) & M64
    const flip2 = ((rd64(s, 40) ^ rd64(s, 48)) - seed) & M64
    const lo = rd64(d, 0) ^ flip1
    const hi = rd64(d, len - 8) ^ flip2
    return avalanche((BigInt(len) + swap64(lo) + hi + mulFold(lo, hi)) & M64)
  }
  if (len >= 4) {
    const s2 = seed ^ (swap32(seed & M32) << 32n)
    const flip = ((rd64(s, 8) ^ rd64(s, 16)) - s2) & M64
    const in64 = rd32(d, len - 4) + (rd32(d, 0) << 32n)
    return rrmxmx(in64 ^ flip, BigInt(len))
  }
  if (len > 0) {
    const c1 = BigInt(b[0] as number)
    const c2 = BigInt(b[len >> 1] as number)
    const c3 = BigInt(b[len - 1] as number)
    const combined = (c1 << 16n) | (c2 << 24n) | c3 | (BigInt(len) << 8n)
    const flip = ((rd32(s, 0) ^ rd32(s, 4)) + seed) & M64
    return xxh64Avalanche(combined ^ flip)
  }
  return xxh64Avalanche(seed ^ rd64(s, 56) ^ rd64(s, 64))
}

function mix16(d: DataView, off: number, s: DataView, soff: number, seed: bigint): bigint {
  return mulFold(rd64(d, off) ^ ((rd64(s, soff) + seed) & M64), rd64(d, off + 8) ^ ((rd64(s, soff + 8) - seed) & M64))
}

function len17to128(len: number, d: DataView, seed: bigint): bigint {
  const s = SECRET_VIEW
  let acc = (BigInt(len) * P64_1) & M64
  if (len > 32) {
    if (len > 64) {
      if (len > 96) {
        acc += mix16(d, 48, s, 96, seed) + mix16(d, len - 64, s, 112, seed)
      }
      acc += mix16(d, 32, s, 64, seed) + mix16(d, len - 48, s, 80, seed)
    }
    acc += mix16(d, 16, s, 32, seed) + mix16(d, len - 32, s, 48, seed)
  }
  acc += mix16(d, 0, s, 0, seed) + mix16(d, len - 16, s, 16, seed)
  return avalanche(acc & M64)
}

function len129to240(len: number, d: DataView, seed: bigint): bigint {
  const s = SECRET_VIEW
  let acc = (BigInt(len) * P64_1) & M64
  const rounds = Math.floor(len / 16)
  for (let i = 0; i < 8; i++) acc += mix16(d, 16 * i, s, 16 * i, seed)
  acc = avalanche(acc & M64)
  for (let i = 8; i < rounds; i++) acc += mix16(d, 16 * i, s, 16 * (i - 8) + 3, seed)
  acc += mix16(d, len - 16, s, SECRET_SIZE_MIN - 17, seed)
  return avalanche(acc & M64)
}

/** One 64-byte stripe into the eight accumulator lanes. */
function accumulate512(acc: bigint[], d: DataView, off: number, s: DataView, soff: number): void {
  for (let i = 0; i < 8; i++) {
    const val = rd64(d, off + 8 * i)
    const key = val ^ rd64(s, soff + 8 * i)
    acc[i ^ 1] = ((acc[i ^ 1] as bigint) + val) & M64
    acc[i] = ((acc[i] as bigint) + (key & M32) * (key >> 32n)) & M64
  }
}

function scramble(acc: bigint[], s: DataView, soff: number): void {
  for (let i = 0; i < 8; i++) {
    let a = acc[i] as bigint
    a ^= a >> 47n
    a ^= rd64(s, soff + 8 * i)
    acc[i] = (a * P32_1) & M64
  }
}

/** The secret of a seeded long hash: each 16-byte lane of the default secret, low + seed, high − seed. */
function seededSecret(seed: bigint): DataView {
  const out = new Uint8Array(DEFAULT_SECRET.length)
  const o = view(out)
  for (let i = 0; i < DEFAULT_SECRET.length; i += 16) {
    o.setBigUint64(i, (rd64(SECRET_VIEW, i) + seed) & M64, true)
    o.setBigUint64(i + 8, (rd64(SECRET_VIEW, i + 8) - seed) & M64, true)
  }
  return o
}

function hashLong(len: number, d: DataView, s: DataView): bigint {
  const secretSize = s.byteLength
  const acc = [P32_3, P64_1, P64_2, P64_3, P64_4, P32_2, P64_5, P32_1]
  const stripesPerBlock = (secretSize - STRIPE) / CONSUME_RATE
  const blockLen = STRIPE * stripesPerBlock
  const blocks = Math.floor((len - 1) / blockLen)
  for (let n = 0; n < blocks; n++) {
    for (let k = 0; k < stripesPerBlock; k++) accumulate512(acc, d, n * blockLen + k * STRIPE, s, k * CONSUME_RATE)
    scramble(acc, s, secretSize - STRIPE)
  }
  const stripes = Math.floor((len - 1 - blockLen * blocks) / STRIPE)
  for (let k = 0; k < stripes; k++) accumulate512(acc, d, blocks * blockLen + k * STRIPE, s, k * CONSUME_RATE)
  accumulate512(acc, d, len - STRIPE, s, secretSize - STRIPE - 7)
  let result = (BigInt(len) * P64_1) & M64
  for (let i = 0; i < 4; i++) {
    const so = 11 + 16 * i
    result += mulFold((acc[2 * i] as bigint) ^ rd64(s, so), (acc[2 * i + 1] as bigint) ^ rd64(s, so + 8))
  }
  return avalanche(result & M64)
}

/** XXH3-64 of `b` with a 64-bit seed (taken modulo 2^64), unsigned. */
export function xxh3(b: Uint8Array, seedArg: bigint): bigint {
  const seed = seedArg & M64
  const d = view(b)
  const len = b.length
  if (len <= 16) return len0to16(b, d, seed)
  if (len <= 128) return len17to128(len, d, seed)
  if (len <= MIDSIZE_MAX) return len129to240(len, d, seed)
  return hashLong(len, d, seed === 0n ? SECRET_VIEW : seededSecret(seed))
}
