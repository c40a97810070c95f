/**
 * `balance random(draws)` (get_server_rnd): each draw is a ring lookup of a random 32-bit value;
 * the server with fewer in-flight requests per weight is kept (the new draw on a tie). The ring of
 * weights 1,1,1 starts with C@76442173, C@372321919, B@414606662, A@494948004 (reference §2.7).
 */
import { describe, expect, it } from 'vitest'
import { makeBalancer, num } from './helpers.ts'

/** A random32 that returns the given values in turn. */
const fixed = (...v: number[]) => {
  let i = 0
  return () => v[i++ % v.length] as number
}
const A = 494948004
const B = 414606662
const C = 76442173

describe('random', () => {
  it('one draw is a ring lookup', () => {
    const { lb } = makeBalancer('random(1)', undefined, '1 1 1')
    expect(num(lb.pick({ random32: fixed(A) }))).toBe('1')
    expect(num(lb.pick({ random32: fixed(B) }))).toBe('2')
    expect(num(lb.pick({ random32: fixed(C) }))).toBe('3')
  })

  it('two draws keep the less loaded server, the last draw on a tie', () => {
    const { lb } = makeBalancer('random', undefined, '1 1 1')
    expect(num(lb.pick({ random32: fixed(A, B) }))).toBe('2')
    expect(num(lb.pick({ random32: fixed(A, B), inflight: new Map([[2, 1]]) }))).toBe('1')
    expect(
      num(
        lb.pick({
          random32: fixed(A, B),
          inflight: new Map([
            [1, 3],
            [2, 1],
          ]),
        }),
      ),
    ).toBe('2')
  })

  it('compares load per weight: served_a × weight_b against served_b × weight_a', () => {
    // A weight 3 with 2 in flight (2×1 = 2) against B weight 1 with 1 (1×3 = 3): A is less loaded.
    const { lb } = makeBalancer('random(2)', undefined, '3 1 1')
    // find a random value landing on s1 and one landing on s2
    const ring = new Map<string, number>()
    for (let h = 0; h < 2 ** 32 && !(ring.has('s1') && ring.has('s2')); h += 2 ** 24) {
      const p = lb.pick({ random32: fixed(h) })
      if (p && !ring.has(p.server.name)) ring.set(p.server.name, h)
    }
    const hA = ring.get('s1') as number
    const hB = ring.get('s2') as number
    expect(
      num(
        lb.pick({
          random32: fixed(hB, hA),
          inflight: new Map([
            [1, 2],
            [2, 1],
          ]),
        }),
      ),
    ).toBe('1')
    expect(
      num(
        lb.pick({
          random32: fixed(hA, hB),
          inflight: new Map([
            [1, 4],
            [2, 1],
          ]),
        }),
      ),
    ).toBe('2')
  })

  it('draws more than twice', () => {
    const { lb } = makeBalancer('random(3)', undefined, '1 1 1')
    expect(
      num(
        lb.pick({
          random32: fixed(A, B, C),
          inflight: new Map([
            [1, 1],
            [2, 1],
          ]),
        }),
      ),
    ).toBe('3')
    expect(lb.pick({ random32: fixed(A, B, C) })?.reason).toBe('random(3): drew s1 (494948004), s2 (414606662), s3 (76442173) → s3 (0 in flight, weight 1)')
  })

  it('ignores hash-type and avoids the server to avoid', () => {
    const { lb } = makeBalancer('random(1)', 'map-based crc32', '1 1 1')
    expect(num(lb.pick({ random32: fixed(A) }))).toBe('1')
    expect(num(lb.pick({ random32: fixed(A), avoid: new Set([1]) }))).toBe('3')
  })

  it('is deterministic for a fixed random source and uses the first backup without active servers', () => {
    const { lb } = makeBalancer('random', undefined, '1x 1b 1b')
    expect(num(lb.pick({ random32: fixed(A, B) }))).toBe('2')
    const all = makeBalancer('random', undefined, '1x 1b 1b', true)
    expect(['2', '3']).toContain(num(all.lb.pick({ random32: fixed(A, B) })))
  })
})
