import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, DIFF_DEFAULTS, diffEnabled, type Pair, startPair } from './harness.ts'

/*
 * The xxh3 converter (sample.c sample_conv_xxh3: XXH3-64 with an optional seed, stored as a signed
 * 64-bit integer) under HAProxy 2.6 and `edgeproxy dev`, on request header values whose lengths
 * reach every branch of XXH3-64 (0, 1–3, 4–8, 9–16, 17–128, 129–240, long inputs over one and
 * several blocks), unseeded and seeded (a seed also changes the long-input secret).
 *
 * Int samples are JavaScript numbers at the edge (docs/differences.md: exact to 2^53), so edgeproxy
 * prints HAProxy's 64-bit value rounded to the nearest double: the test compares edgeproxy's text
 * with HAProxy's value rounded that way (sign and top 53 bits exact), and asserts the rounded texts
 * differ between inputs, so a wrong hash cannot pass.
 */
const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    http-request return status 200 hdr X-A "%[req.hdr(x-in),xxh3]" hdr X-B "%[req.hdr(x-in),xxh3(12345)]" hdr X-C "%[req.hdr(x-in),xxh3(-7)]" hdr X-D "[%[req.hdr(x-none),xxh3]]"
`

/** A deterministic printable value of `n` characters without commas (req.hdr splits on them). */
function value(n: number, salt: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*+/=:;@'
  let x = (n * 2654435761 + salt * 40503) >>> 0
  let out = ''
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out += chars[(x >>> 16) % chars.length]
  }
  return out
}

const LENGTHS = [0, 1, 3, 4, 7, 8, 9, 16, 17, 33, 64, 65, 100, 128, 129, 200, 240, 241, 256, 1024, 1025, 3000]

/** HAProxy's signed 64-bit text rounded to a double and printed as edgeproxy prints an int sample. */
const rounded = (text: string): string => String(Number(BigInt(text)))

describe.skipIf(!diffEnabled())('differential: xxh3 converter', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: [] })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('hashes header values of every XXH3-64 length branch, unseeded and seeded, like HAProxy', async () => {
    const reqs = LENGTHS.flatMap((n) => [1, 2].map((salt) => ({ path: '/', headers: { 'x-in': value(n, salt) } })))
    const { h, e } = await both(pair, reqs, (r) => ({
      status: r.status,
      a: String(r.headers['x-a']),
      b: String(r.headers['x-b']),
      c: String(r.headers['x-c']),
      d: String(r.headers['x-d']),
    }))
    for (const x of h) {
      expect(x.status).toBe(200)
      for (const v of [x.a, x.b, x.c]) expect(v).toMatch(/^-?\d+$/)
      expect(x.d).toBe('[]')
    }
    // The empty value is XXH3-64 of no bytes: 0x2D06800538D394C2 unseeded.
    expect(h[0]?.a).toBe('3244421341483603138')
    const expected = h.map((x) => ({ ...x, a: rounded(x.a), b: rounded(x.b), c: rounded(x.c) }))
    expect(e).toEqual(expected)
    const all = expected.flatMap((x) => [x.a, x.b, x.c])
    // Two salts of length 0 are the same (empty) value; every other hash is distinct.
    expect(new Set(all).size).toBe(all.length - 3)
  })
})
