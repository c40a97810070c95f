/**
 * mulberry32: a small seeded PRNG, so that a bench sees the same inputs on every run and a test
 * failure replays from its seed. Shared by bench/ and test/.
 */

/** Unsigned 32-bit integers. */
export function rngU32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

/** Floats in [0, 1). */
export function rng(seed: number): () => number {
  const next = rngU32(seed)
  return () => next() / 4294967296
}

/** An IPv4 address from its 32-bit number. */
export const v4 = (x: number): string => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`
