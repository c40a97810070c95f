/**
 * The consistent-hash ring (lb_chash.c). Ring points and lookups: reference §2.7, computed with a
 * simulation validated against HAProxy 2.6 (and the measured-*.test.ts files cover the rest).
 */
import { describe, expect, it } from 'vitest'
import { ChashRing } from '../../../src/balance/chash.ts'
import type { LbServer } from '../../../src/balance/types.ts'
import { makeBalancer, num, request } from './helpers.ts'

const servers = (ws: number[]): LbServer[] => ws.map((w, i) => ({ id: i + 1, index: i, name: 'ABCDEFGH'[i] ?? '?', weight: w, backup: false }))

describe('ring', () => {
  const ring = new ChashRing(servers([1, 1, 1]))

  it('has weight × 16 points per server keyed full_hash(id × 4096 + i)', () => {
    expect(ring.points).toBe(48)
    expect(ring.head(6)).toEqual([
      [76442173, 'C'],
      [372321919, 'C'],
      [414606662, 'B'],
      [494948004, 'A'],
      [613276949, 'C'],
      [643086982, 'A'],
    ])
  })

  it('picks the closest point, the previous one on a tie', () => {
    expect(ring.lookup(414606662, undefined)?.server.name).toBe('B')
    expect(ring.lookup(414606662 + 1, undefined)?.server.name).toBe('B')
    // exactly half-way between B (414606662) and A (494948004): the previous point wins
    expect(ring.lookup((414606662 + 494948004) / 2, undefined)?.server.name).toBe('B')
    expect(ring.lookup((414606662 + 494948004) / 2 + 1, undefined)?.server.name).toBe('A')
  })

  it('wraps around: below the first point, the last point may be closer', () => {
    const last = ring.lookup(0xffffffff, undefined)
    const first = ring.lookup(76442173, undefined)
    expect(first?.point).toBe(0)
    expect(last?.point === 0 || last?.point === 47).toBe(true)
    expect(ring.lookup(0, undefined)?.point).toBe(0)
  })

  it('moves forward past avoided servers, and falls back to the last point when all are avoided', () => {
    expect(ring.lookup(414606662, new Set([2]))?.server.name).toBe('A')
    expect(ring.lookup(414606662, new Set([1, 2]))?.server.name).toBe('C')
    const all = ring.lookup(414606662, new Set([1, 2, 3]))
    expect(all?.point).toBe(47)
  })

  it('round-robin walk visits the points in ring order', () => {
    const r = new ChashRing(servers([1, 1, 1]))
    const walk = Array.from({ length: 6 }, () => r.next(undefined)?.server.name).join('')
    expect(walk).toBe('CCBACA')
    // point 6 is A's (788043787), point 7 is B's (828942252)
    expect(r.next(new Set([1]))?.server.name).toBe('B')
  })

  it('with reference vectors: users and paths on weights 1,1,1', () => {
    const picks = (type: string) => {
      const { lb } = makeBalancer('hdr(x-k)', type, '1 1 1')
      return ['user1', 'user2', 'user3', '/a', '/b'].map((k) => num(lb.pick({ request: request({ headers: { 'x-k': k } }) }))).join(' ')
    }
    expect(picks('consistent')).toBe('2 2 3 2 2')
    expect(picks('map-based')).toBe('1 2 3 1 2')
  })

  it('ids change the ring, declaration order does not', () => {
    const a = new ChashRing([
      { id: 7, index: 0, name: 'x', weight: 2, backup: false },
      { id: 3, index: 1, name: 'y', weight: 1, backup: false },
    ])
    const b = new ChashRing([
      { id: 3, index: 0, name: 'y', weight: 1, backup: false },
      { id: 7, index: 1, name: 'x', weight: 2, backup: false },
    ])
    expect(a.head(48)).toEqual(b.head(48))
  })
})
