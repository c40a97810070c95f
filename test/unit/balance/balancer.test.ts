/** createBalancer: the group in use, the no-server case, avoid, leastconn inputs and reasons. */
import { describe, expect, it } from 'vitest'
import { createBalancer } from '../../../src/balance/index.ts'
import type { BalanceSpec, HashSpec, LbServer } from '../../../src/balance/types.ts'
import { balanceSpec, makeBalancer, num, request, runPicks, times } from './helpers.ts'

const MAP: HashSpec = { type: 'map-based', fn: 'sdbm', avalanche: false }
const ALGOS = ['roundrobin', 'static-rr', 'leastconn', 'first', 'random', 'source', 'uri', 'url_param id', 'hdr(host)']

describe('no usable server', () => {
  const cases: [string, LbServer[]][] = [
    ['empty backend', []],
    ['only weight 0', [{ id: 1, index: 0, name: 'a', weight: 0, backup: false }]],
    ['only weight-0 backups', [{ id: 1, index: 0, name: 'a', weight: 0, backup: true }]],
  ]
  for (const [what, servers] of cases) {
    it.each(ALGOS)(`${what}: %s returns undefined`, (algo) => {
      for (const type of ['map-based', 'consistent'] as const) {
        const lb = createBalancer(balanceSpec(algo), { ...MAP, type }, servers, { allbackups: true })
        expect(lb.pick({ request: request({ path: '/?id=1', headers: { host: 'x' } }), random32: () => 1 })).toBeUndefined()
      }
    })
  }
})

describe('active and backup servers', () => {
  it.each(ALGOS)('%s uses active servers only while one is usable', (algo) => {
    const { lb, be } = makeBalancer(algo, undefined, '1 1b 1b')
    expect(runPicks(lb, be, times(5, { request: request({ path: '/a?id=1' }), random32: () => 7 }))).toBe('1 1 1 1 1')
  })
  it.each(ALGOS)('%s sends everything to the first usable backup without allbackups', (algo) => {
    const { lb, be } = makeBalancer(algo, 'consistent', '1x 1bx 1b 1b', false)
    expect(runPicks(lb, be, times(4, { request: request({ path: '/a?id=1' }), random32: () => 7 }))).toBe('3 3 3 3')
  })
  it('balances over every backup with allbackups', () => {
    const { lb, be } = makeBalancer('roundrobin', undefined, '1x 1b 1b', true)
    expect(runPicks(lb, be, times(4))).toBe('2 3 2 3')
  })
})

describe('avoid (retry / redispatch)', () => {
  it('returns the avoided server when it is the only one', () => {
    for (const algo of ['roundrobin', 'static-rr', 'leastconn', 'first', 'random']) {
      const { lb } = makeBalancer(algo, undefined, '1')
      expect(num(lb.pick({ avoid: new Set([1]), random32: () => 3 }))).toBe('1')
    }
  })
  it('roundrobin sets the avoided server aside at its next position (lb_fwrr.c full list)', () => {
    const { lb } = makeBalancer('roundrobin', undefined, '1 1 1')
    expect(num(lb.pick({ avoid: new Set([1]) }))).toBe('2')
    expect(runPicks(lb, { usable: [], weights: [], dead: new Set() }, times(5))).toBe('3 1 2 3 1')
  })
  it('consistent hashing moves forward on the ring; map-based hashing ignores avoid like HAProxy', () => {
    const r = { request: request({ headers: { 'x-k': 'user1' } }) }
    const chash = makeBalancer('hdr(x-k)', 'consistent', '1 1 1').lb
    const first = chash.pick(r)
    expect(num(first)).toBe('2')
    expect(num(chash.pick({ ...r, avoid: new Set([2]) }))).not.toBe('2')
    const map = makeBalancer('hdr(x-k)', undefined, '1 1 1').lb
    expect(num(map.pick({ ...r, avoid: new Set([1]) }))).toBe('1')
  })
  it('avoids every member of a set when possible', () => {
    const { lb } = makeBalancer('leastconn', undefined, '1 1 1 1')
    expect(num(lb.pick({ avoid: new Set([1, 2, 3]) }))).toBe('4')
    const first = makeBalancer('first', undefined, '1 1 1').lb
    expect(num(first.pick({ avoid: new Set([1, 2]) }))).toBe('3')
  })
})

describe('leastconn with in-flight maps', () => {
  it('picks the fewest in flight per weight; idle servers win whatever their weight', () => {
    const lb = makeBalancer('leastconn', undefined, '1 1 1').lb
    expect(
      num(
        lb.pick({
          inflight: new Map([
            [1, 2],
            [2, 0],
            [3, 1],
          ]),
        }),
      ),
    ).toBe('2')
    const w = makeBalancer('leastconn', undefined, '3 1').lb
    expect(
      num(
        w.pick({
          inflight: new Map([
            [1, 2],
            [2, 0],
          ]),
        }),
      ),
    ).toBe('2')
    // keys (inflight + 1) × 4096 / (16 × weight): s1 3×4096/48 = 256, s2 2×4096/16 = 512
    expect(
      num(
        w.pick({
          inflight: new Map([
            [1, 2],
            [2, 1],
          ]),
        }),
      ),
    ).toBe('1')
  })
  it('takes servers with equal load in turn (a picked server goes behind its equals)', () => {
    const lb = makeBalancer('leastconn', undefined, '1 1').lb
    const inflight = new Map([
      [1, 1],
      [2, 1],
    ])
    expect(Array.from({ length: 4 }, () => num(lb.pick({ inflight }))).join(' ')).toBe('1 2 1 2')
  })
  it('weights do not matter while every server is idle', () => {
    const { lb, be } = makeBalancer('leastconn', undefined, '3 2 1')
    expect(runPicks(lb, be, times(6))).toBe('1 2 3 1 2 3')
  })
})

describe('hash key missing: round-robin fallback', () => {
  it('map-based falls back to the map order, consistent to the ring walk', () => {
    const map = makeBalancer('hdr(x-k)', undefined, '2 1').lb
    expect(Array.from({ length: 6 }, () => num(map.pick({ request: request({}) }))).join(' ')).toBe('1 1 2 1 1 2')
    const url = makeBalancer('url_param id', 'consistent', '1 1 1').lb
    expect(Array.from({ length: 6 }, () => num(url.pick({ request: request({ path: '/x' }) }))).join(' ')).toBe('3 3 2 1 3 1')
  })
  it('no request at all is a missing key', () => {
    const lb = makeBalancer('uri', undefined, '1 1').lb
    expect(lb.pick({})?.reason).toBe('no request to hash: round-robin fallback, map slot 0 of 2 → s1')
  })
})

describe('hash-type none', () => {
  it('uses the decimal value of the key as the hash', () => {
    const { lb } = makeBalancer('hdr(x-k)', 'map-based none', '1 1 1')
    const pick = (v: string) => num(lb.pick({ request: request({ headers: { 'x-k': v } }) }))
    expect([pick('0'), pick('1'), pick('2'), pick('3'), pick('4')].join(' ')).toBe('1 2 3 1 2')
  })
})

describe('reasons', () => {
  const cases: [BalanceSpec | string, string | undefined, string][] = [
    ['roundrobin', undefined, 'roundrobin: s1 (position 0 of a window of 80)'],
    ['static-rr', undefined, 'static-rr: s1 (map slot 0 of 5)'],
    ['leastconn', undefined, 'leastconn: s1 (0 in flight, weight 3; fewest per weight, ties in turn)'],
    ['first', undefined, 'first: s1 (lowest id 1 with room; maxconn is not modelled)'],
    ['uri', undefined, "hash of 'uri /index.html' = 858007926 (sdbm), map slot 858007926 % 5 = 1 → s1"],
    ['uri', 'consistent', "hash of 'uri /index.html' = 4217574924 (sdbm+avalanche), consistent ring (point 79 of 80) → s1"],
    ['source', 'consistent', "hash of 'source 127.0.0.1' = 2317047883 (address+avalanche), consistent ring (point 43 of 80) → s2"],
  ]
  it.each(cases)('%s %s', (algo, type, reason) => {
    const { lb } = makeBalancer(algo as string, type, '3 2')
    expect(lb.pick({ request: request({ path: '/index.html' }) })?.reason).toBe(reason)
  })
  it('says when backups are used', () => {
    const { lb } = makeBalancer('roundrobin', undefined, '1x 1b')
    expect(lb.pick({})?.reason).toBe('roundrobin: s2 [first usable backup: no active server is usable, no allbackups]')
  })
})

describe('performance', () => {
  it('builds a 1,000-server ring and looks it up quickly', () => {
    const servers: LbServer[] = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, index: i, name: `s${i}`, weight: 1 + (i % 4), backup: false }))
    const lb = createBalancer({ algo: 'source' }, { type: 'consistent', fn: 'sdbm', avalanche: true }, servers, { allbackups: false })
    const t0 = performance.now()
    let n = 0
    for (let i = 0; i < 20_000; i++) if (lb.pick({ request: request({ src: `10.0.${i >> 8}.${i & 255}` }) })) n++
    expect(n).toBe(20_000)
    expect(performance.now() - t0).toBeLessThan(2000)
  })
})
