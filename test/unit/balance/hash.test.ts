/**
 * Hash functions of src/hash.c and tools.c full_hash. Vectors: reference §2.5 (computed with a
 * simulation validated against HAProxy 2.6) and the standard CRC-32 check value.
 */
import { describe, expect, it } from 'vitest'
import { crc32, djb2, fullHash, readInt32Key, sdbm, wt6 } from '../../../src/balance/hash.ts'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('hash functions', () => {
  it.each([
    ['', 0, 5381, 4187620192, 0, 2874071335],
    ['a', 97, 177670, 1900802597, 3904355907, 1830748055],
    ['hello', 684824882, 261238937, 3538347703, 907060870, 2061535398],
    ['/index.html', 858007926, 3776231887, 822151038, 3928116034, 4217574924],
  ])('%j', (key, s, d, w, c, f) => {
    expect(sdbm(b(key))).toBe(s)
    expect(djb2(b(key))).toBe(d)
    expect(wt6(b(key))).toBe(w)
    expect(crc32(b(key))).toBe(c)
    expect(fullHash(sdbm(b(key)))).toBe(f)
  })

  it('crc32 check value', () => {
    expect(crc32(b('123456789'))).toBe(0xcbf43926)
  })

  it('full_hash of small integers (the ring point keys)', () => {
    expect(fullHash(0)).toBe(2874071335)
    expect(fullHash(1)).toBe(881230262)
    expect(fullHash(4096)).toBe(1237450891)
    expect(fullHash(0xffffffff)).toBe(fullHash(-1))
  })

  it('returns unsigned 32-bit values on long inputs', () => {
    const long = b('x'.repeat(10_000))
    for (const f of [sdbm, djb2, wt6, crc32]) {
      const h = f(long)
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true)
    }
  })

  it("'none' reads the key as a decimal integer (read_int64, low 32 bits)", () => {
    expect(readInt32Key(b('12345'))).toBe(12345)
    expect(readInt32Key(b('42abc'))).toBe(42)
    expect(readInt32Key(b('abc'))).toBe(0)
    expect(readInt32Key(b('+7'))).toBe(7)
    expect(readInt32Key(b('-1'))).toBe(0xffffffff)
    expect(readInt32Key(b('4294967297'))).toBe(1)
    expect(readInt32Key(b('99999999999999999999999'))).toBe(0xffffffff) // LLONG_MAX
    expect(readInt32Key(b('-99999999999999999999999'))).toBe(0) // LLONG_MIN
  })
})
