/**
 * @module
 * HAProxy's hash functions (src/hash.c) and `full_hash()` (src/tools.c), bit-for-bit.
 * Every function returns an unsigned 32-bit integer. They are used by `hash-type` and by the
 * `sdbm`, `djb2`, `wt6` and `crc32` sample converters.
 */

/** `hash_sdbm`: h = c + (h << 6) + (h << 16) - h, starting at 0. */
export function sdbm(b: Uint8Array): number {
  let h = 0
  for (let i = 0; i < b.length; i++) {
    h = ((b[i] as number) + (h << 6) + (h << 16) - h) | 0
  }
  return h >>> 0
}

/** `hash_djb2`: h = h * 33 + c, starting at 5381. */
export function djb2(b: Uint8Array): number {
  let h = 5381
  for (let i = 0; i < b.length; i++) {
    h = ((h << 5) + h + (b[i] as number)) | 0
  }
  return h >>> 0
}

/**
 * `hash_wt6`: Willy Tarreau's 6-cycle mixing hash. The rotation amounts depend on the data.
 * A rotation by 0 reads `x >> 32`, which x86 (and JavaScript) treat as `x >> 0`, so it yields x.
 */
export function wt6(b: Uint8Array): number {
  let h0 = 0xa53c965a
  let h1 = 0x5ca6953a
  let step0 = 6
  let step1 = 18
  for (let i = 0; i < b.length; i++) {
    let t = b[i] as number
    h0 = ~(h0 ^ t)
    h1 = ~(h1 + t)
    t = (h1 << step0) | (h1 >>> (32 - step0))
    h1 = (h0 << step1) | (h0 >>> (32 - step1))
    h0 = t
    t = ((h0 >>> 16) ^ h1) & 0xffff
    step0 = t & 0x1f
    step1 = t >>> 11
  }
  return (h0 ^ h1) >>> 0
}

/** `hash_crc32`: reflected CRC-32 (polynomial 0xEDB88320), init ~0, final complement. */
export function crc32(b: Uint8Array): number {
  let h = ~0
  for (let i = 0; i < b.length; i++) {
    h ^= b[i] as number
    for (let bit = 0; bit < 8; bit++) h = (h >>> 1) ^ (h & 1 ? 0xedb88320 : 0)
  }
  return ~h >>> 0
}

/**
 * `full_hash` (`__full_hash` in tools.h): Bob Jenkins' 32-bit integer hash, then multiplied by
 * 3221225473 modulo 2^32. It is a bijection on 32-bit values; `hash-type ... avalanche` applies it
 * to the hash, and lb_chash.c uses it to place the ring points.
 */
export function fullHash(h: number): number {
  let a = h | 0
  a = (a + 0x7ed55d16 + (a << 12)) | 0
  a = a ^ 0xc761c23c ^ (a >>> 19)
  a = (a + 0x165667b1 + (a << 5)) | 0
  a = ((a + 0xd3a2646c) | 0) ^ (a << 9)
  a = (a + 0xfd7046c5 + (a << 3)) | 0
  a = a ^ 0xb55a4f09 ^ (a >>> 16)
  return Math.imul(a, 3221225473 | 0) >>> 0
}

/**
 * `hash-type <type> none` (HAProxy ≥ 2.8, gen_hash with BE_LB_HFCN_NONE): the key is not hashed but
 * read as a decimal integer (`read_int64`: optional sign, then digits up to the first non-digit,
 * saturating at LLONG_MIN/LLONG_MAX), of which the low 32 bits are kept.
 */
export function readInt32Key(b: Uint8Array): number {
  let i = 0
  let neg = false
  if (b[0] === 0x2d) {
    neg = true
    i = 1
  } else if (b[0] === 0x2b) i = 1
  let v = 0n
  const max = 0xffffffffffffffffn
  for (; i < b.length; i++) {
    const d = (b[i] as number) - 0x30
    if (d < 0 || d > 9) break
    v = v * 10n + BigInt(d)
    if (v > max) {
      v = max
      break
    }
  }
  let r: bigint
  if (neg) r = v > 0x8000000000000000n ? -0x8000000000000000n : -v
  else r = v > 0x7fffffffffffffffn ? 0x7fffffffffffffffn : v
  return Number(BigInt.asUintN(32, r))
}
