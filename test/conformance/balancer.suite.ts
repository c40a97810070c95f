/**
 * The contract every balancer of src/balance shares, run on each algorithm of the registry
 * (balancer.test.ts), as Hono runs one router suite on every router:
 * - it picks only usable servers: never one of weight 0, set down (DOWN, MAINT, DRAIN) or whose
 *   weight dropped to 0;
 * - it honours weights as its algorithm defines: exactly over a cycle (roundrobin, static-rr),
 *   within a tolerance over many picks (random and the hashing algorithms over varied keys),
 *   in proportion to the load (leastconn), or not at all (first: the lowest id wins);
 * - backups take traffic only when no active server is usable: the first usable backup alone,
 *   or every backup with `option allbackups`;
 * - hashing is deterministic: the same key gives the same server, on the same balancer and on
 *   another one built from the same servers;
 * - one server takes everything, no usable server gives no pick, weight changes apply.
 * Consistent hashing also has the disruption property (consistentHashDisruption): removing one
 * of N servers moves only that server's keys, about 1/N of them, and adding it back restores
 * the mapping; map-based hashing does not (most keys move, as with HAProxy's map-based hash).
 */
import { describe, expect, it } from 'vitest'
import type { Balancer, BalancerOptions, HashRequest, LbServer } from '../../src/balance/types.ts'

/** Builds the balancer under test over the servers usable at start. */
export type BalancerFactory = (servers: readonly LbServer[], opts: BalancerOptions) => Balancer

/** What the algorithm promises about weights and keys (HAProxy 2.6 doc/configuration.txt `balance`). */
export interface BalancerTraits {
  /**
   * - `cycle`: over Σweight consecutive picks, each server is picked exactly `weight` times
   *   (roundrobin, static-rr);
   * - `proportional`: over many picks with varied inputs, each server's share is about
   *   weight / Σweight (random, hashing over varied keys);
   * - `load`: with requests that never end, in-flight counts stay proportional to the weights
   *   (leastconn: fewest in flight per unit of weight);
   * - `ignored`: the usable server with the lowest id always wins (first).
   */
  readonly weights: 'cycle' | 'proportional' | 'load' | 'ignored'
  /** Hashing algorithms: how the hash is looked up (`hash-type`). */
  readonly hashing?: 'map-based' | 'consistent'
}

/** xorshift32: a fixed pseudo-random sequence, so that every run sees the same inputs. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x
  }
}

/**
 * The request of key number `k`: every part a hashing algorithm may read (source address, path,
 * `id` query parameter, Host header) is derived from `k`, so key `k` is the same key for
 * source, uri, url_param and hdr alike. Keys are pseudo-random, not sequential, so that sdbm
 * (which does not mix its last characters) sees uniformly spread keys.
 */
export function keyRequest(k: number): HashRequest {
  let req = keyCache[k]
  if (!req) {
    req = makeKeyRequest(k)
    if (k >= 0 && k < 20_000) keyCache[k] = req
  }
  return req
}

const keyCache: HashRequest[] = []

function makeKeyRequest(k: number): HashRequest {
  const r = prng(0x9e3779b9 ^ Math.imul(k + 1, 0x85ebca6b))
  const a = r()
  const word = (r() >>> 0).toString(36) + (r() >>> 0).toString(36)
  const host = `${word}.example`
  return {
    src: `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`,
    uri: `/${word}/index.html?id=${word}`,
    header: (name) => (name.toLowerCase() === 'host' ? host : undefined),
  }
}

/** Servers s1…sN with ids 1…N in declaration order. */
export function servers(weights: readonly number[], backup: (i: number) => boolean = () => false): LbServer[] {
  return weights.map((weight, index) => ({ id: index + 1, index, name: `s${index + 1}`, weight, backup: backup(index) }))
}

const NO_OPTS: BalancerOptions = { allbackups: false }

/** Picks `n` times with varied keys and a fixed random source; server names in pick order ('-': none). */
function run(lb: Balancer, n: number, from = 0, random32: () => number = prng(42)): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(lb.pick({ request: keyRequest(from + i), random32 })?.server.name ?? '-')
  return out
}

function subset(names: Iterable<string>, of: readonly string[]): boolean {
  return [...names].every((n) => of.includes(n))
}

function counts(names: readonly string[]): Map<string, number> {
  const m = new Map<string, number>()
  for (const n of names) m.set(n, (m.get(n) ?? 0) + 1)
  return m
}

/**
 * leastconn (and any balancer) fed the in-flight counts of requests that never end: each pick
 * adds one to the chosen server's count.
 */
function runLoaded(lb: Balancer, n: number): Map<string, number> {
  const inflight = new Map<number, number>()
  const byName = new Map<string, number>()
  const random32 = prng(7)
  for (let i = 0; i < n; i++) {
    const p = lb.pick({ request: keyRequest(i), inflight, random32 })
    if (!p) continue
    inflight.set(p.server.id, (inflight.get(p.server.id) ?? 0) + 1)
    byName.set(p.server.name, (byName.get(p.server.name) ?? 0) + 1)
  }
  return byName
}

/**
 * Shares for the `proportional` algorithms. Both random and consistent hashing look their value
 * up on the lb_chash.c ring, where a server of weight w owns 16·w points: the arc it owns is a
 * sum of 16·w random gaps, whose share of the ring has a relative standard deviation of about
 * 1/√(16·w) (25 % for weight 1). Weights 1, 3, 8 are checked within 3σ of that (75 %, 43 %,
 * 27 %), plus 4σ of sampling noise over the picks; map-based hashing reads `hash % Σweight`
 * slots and only has the sampling noise, but is held to the same bound.
 */
function expectProportional(got: Map<string, number>, weights: readonly number[], picks: number): void {
  const total = weights.reduce((a, b) => a + b, 0)
  weights.forEach((w, i) => {
    const p = w / total
    const share = (got.get(`s${i + 1}`) ?? 0) / picks
    const tolerance = p * (3 / Math.sqrt(16 * w)) + 4 * Math.sqrt((p * (1 - p)) / picks)
    expect(Math.abs(share - p), `s${i + 1} (weight ${w}): share ${share.toFixed(3)}, expected ${p.toFixed(3)} ± ${tolerance.toFixed(3)}`).toBeLessThanOrEqual(tolerance)
  })
}

/** Runs the shared contract on one balancer. */
export function balancerConformance(name: string, factory: BalancerFactory, traits: BalancerTraits): void {
  const spreads = traits.weights !== 'ignored'
  describe(`balancer conformance: ${name}`, () => {
    it('picks only usable servers: weight 0 at start, set down, weight dropped to 0', () => {
      const all = servers([1, 0, 2, 1, 3])
      const lb = factory(all, NO_OPTS)
      expect(new Set(run(lb, 300))).not.toContain('s2')
      lb.setServerDown(all[2] as LbServer)
      lb.updateWeight({ ...(all[4] as LbServer), weight: 0 })
      const picked = new Set(run(lb, 300, 300))
      expect(subset(picked, ['s1', 's4']), [...picked].join(' ')).toBe(true)
      if (spreads) expect(picked).toEqual(new Set(['s1', 's4']))
      // Setting a server that is not usable down again, or up with weight 0, changes nothing.
      lb.setServerDown(all[2] as LbServer)
      lb.setServerUp(all[1] as LbServer)
      expect(new Set(run(lb, 100, 600)).has('s2')).toBe(false)
    })

    it('no usable server: no pick (empty backend, every server down, every weight 0)', () => {
      expect(factory([], NO_OPTS).pick({ request: keyRequest(1), random32: prng(1) })).toBeUndefined()
      expect(factory(servers([0, 0]), NO_OPTS).pick({ request: keyRequest(1), random32: prng(1) })).toBeUndefined()
      const all = servers([1, 2], (i) => i === 1)
      const lb = factory(all, { allbackups: true })
      for (const s of all) lb.setServerDown(s)
      expect(run(lb, 20)).toEqual(Array(20).fill('-'))
      // …and picks again once one comes back.
      lb.setServerUp(all[1] as LbServer)
      expect(new Set(run(lb, 20))).toEqual(new Set(['s2']))
    })

    it('one server takes every pick, whatever its weight', () => {
      for (const w of [1, 7, 256]) expect(new Set(run(factory(servers([w]), NO_OPTS), 200))).toEqual(new Set(['s1']))
    })

    it('honours the weights as the algorithm defines', () => {
      const weights = [3, 1, 2]
      if (traits.weights === 'cycle') {
        const lb = factory(servers(weights), NO_OPTS)
        // Every window of Σweight consecutive picks, from the start, holds each server `weight` times.
        for (let cycle = 0; cycle < 10; cycle++) expect(Object.fromEntries(counts(run(lb, 6, cycle * 6)))).toEqual({ s1: 3, s2: 1, s3: 2 })
      } else if (traits.weights === 'proportional') {
        const w = [1, 3, 8]
        expectProportional(counts(run(factory(servers(w), NO_OPTS), 20_000)), w, 20_000)
      } else if (traits.weights === 'load') {
        // (inflight + 1) / weight is kept lowest: after k·Σw picks that never end, each server
        // holds k·w requests, give or take one.
        const got = runLoaded(factory(servers(weights), NO_OPTS), 600)
        for (const [i, w] of weights.entries()) expect(Math.abs((got.get(`s${i + 1}`) ?? 0) - 100 * w)).toBeLessThanOrEqual(1)
      } else {
        expect(new Set(run(factory(servers([1, 5, 9]), NO_OPTS), 200))).toEqual(new Set(['s1']))
      }
    })

    it('applies weight changes', () => {
      const all = servers([1, 1, 1])
      const lb = factory(all, NO_OPTS)
      run(lb, 7)
      lb.updateWeight({ ...(all[1] as LbServer), weight: 4 })
      if (traits.weights === 'cycle') {
        // The new cycle has Σweight = 6 picks; after one to settle, each holds s2 four times.
        run(lb, 6, 100)
        for (let cycle = 0; cycle < 5; cycle++) expect(Object.fromEntries(counts(run(lb, 6, 200 + cycle * 6)))).toEqual({ s1: 1, s2: 4, s3: 1 })
      } else if (traits.weights === 'proportional') {
        expectProportional(counts(run(lb, 20_000, 1000)), [1, 4, 1], 20_000)
      } else if (traits.weights === 'load') {
        const fresh = factory(all, NO_OPTS)
        fresh.updateWeight({ ...(all[1] as LbServer), weight: 4 })
        const got = runLoaded(fresh, 600)
        expect([got.get('s1'), got.get('s2'), got.get('s3')].map((n) => Math.round((n ?? 0) / 100))).toEqual([1, 4, 1])
      } else {
        // first: weights do not matter, but a weight of 0 takes s1 out and a new one brings it back.
        lb.updateWeight({ ...(all[0] as LbServer), weight: 0 })
        expect(new Set(run(lb, 50))).toEqual(new Set(['s2']))
        lb.updateWeight({ ...(all[0] as LbServer), weight: 3 })
        expect(new Set(run(lb, 50))).toEqual(new Set(['s1']))
      }
    })

    it('backups: never while an active server is usable; then the first usable backup alone', () => {
      // s1, s2 active; s3, s4, s5 backups.
      const all = servers([1, 1, 1, 2, 1], (i) => i >= 2)
      const lb = factory(all, NO_OPTS)
      expect(subset(run(lb, 200), ['s1', 's2'])).toBe(true)
      lb.setServerDown(all[0] as LbServer)
      expect(new Set(run(lb, 100))).toEqual(new Set(['s2']))
      lb.setServerDown(all[1] as LbServer)
      expect(new Set(run(lb, 200))).toEqual(new Set(['s3']))
      lb.setServerDown(all[2] as LbServer)
      expect(new Set(run(lb, 200))).toEqual(new Set(['s4']))
      // An active server back takes everything again.
      lb.setServerUp(all[1] as LbServer)
      expect(new Set(run(lb, 100))).toEqual(new Set(['s2']))
    })

    it('backups with allbackups: every usable backup, only when no active server is usable', () => {
      const all = servers([1, 1, 1, 2, 1], (i) => i >= 2)
      const lb = factory(all, { allbackups: true })
      expect(subset(run(lb, 200), ['s1', 's2'])).toBe(true)
      lb.setServerDown(all[0] as LbServer)
      lb.setServerDown(all[1] as LbServer)
      const picked = new Set(run(lb, 400))
      expect(subset(picked, ['s3', 's4', 's5'])).toBe(true)
      expect(picked).toEqual(spreads ? new Set(['s3', 's4', 's5']) : new Set(['s3']))
      lb.setServerUp(all[0] as LbServer)
      expect(new Set(run(lb, 100))).toEqual(new Set(['s1']))
    })

    if (traits.hashing) {
      it('hashing is deterministic: the same key gives the same server, on any balancer built alike', () => {
        const all = servers([2, 1, 3, 1])
        const a = factory(all, NO_OPTS)
        const b = factory(all, NO_OPTS)
        const first = run(a, 500)
        expect(new Set(first).size).toBeGreaterThan(1)
        // Again on the same balancer, after other keys, and on a second balancer in reverse order.
        run(a, 300, 10_000)
        expect(run(a, 500)).toEqual(first)
        const reversed: string[] = []
        for (let k = 499; k >= 0; k--) reversed.unshift(b.pick({ request: keyRequest(k) })?.server.name ?? '-')
        expect(reversed).toEqual(first)
      })
    }
  })
}

/** Server names for keys 0…n−1. */
function mapping(lb: Balancer, n: number): string[] {
  const out: string[] = []
  for (let k = 0; k < n; k++) out.push(lb.pick({ request: keyRequest(k) })?.server.name ?? '-')
  return out
}

const KEYS = 10_000

/**
 * The disruption property of consistent hashing (lb_chash.c): with N servers of weight 1 and
 * 10,000 keys, taking server s down moves exactly the keys that were on s (every other key
 * stays), and putting it back restores the original mapping.
 *
 * How many keys move is s's share of the ring: 16 points among 16·N, whose relative standard
 * deviation is about 1/√16 = 25 %. Each removal must move between 0.4/N and 1.6/N of the keys
 * (2.4σ, plus sampling noise); the mean over removing each server in turn is 1/N up to the
 * sampling noise of the keys alone (the shares sum to 1), held to ±4σ of a binomial share.
 */
export function consistentHashDisruption(name: string, factory: BalancerFactory): void {
  describe(`consistent-hash disruption: ${name}`, () => {
    for (const n of [4, 8, 16]) {
      it(`N = ${n}: removing one server moves only its keys, about 1/N of them; adding it back restores the mapping`, () => {
        const all = servers(Array(n).fill(1))
        const lb = factory(all, NO_OPTS)
        const before = mapping(lb, KEYS)
        let movedTotal = 0
        for (const s of all) {
          lb.setServerDown(s)
          const after = mapping(lb, KEYS)
          let moved = 0
          for (let k = 0; k < KEYS; k++) {
            if (after[k] === before[k]) continue
            moved++
            // Only keys of the removed server move.
            if (before[k] !== s.name) expect.fail(`key ${k} moved from ${before[k]} to ${after[k]} when ${s.name} was removed`)
          }
          expect(after).not.toContain(s.name)
          // Every key of the removed server moved (it is not usable any more).
          expect(moved).toBe(before.filter((x) => x === s.name).length)
          expect(moved / KEYS, `${s.name} removed`).toBeGreaterThanOrEqual(0.4 / n)
          expect(moved / KEYS, `${s.name} removed`).toBeLessThanOrEqual(1.6 / n)
          movedTotal += moved
          lb.setServerUp(s)
          expect(mapping(lb, KEYS)).toEqual(before)
        }
        const mean = movedTotal / n / KEYS
        expect(Math.abs(mean - 1 / n)).toBeLessThanOrEqual(4 * Math.sqrt(((1 / n) * (1 - 1 / n)) / KEYS))
      })
    }
  })
}

/**
 * Map-based hashing (`hash % Σweight`, lb_map.c) has no such property: removing one of N servers
 * changes the modulus, so most keys move, from every server (HAProxy documents map-based hashing
 * as "not adequate" when servers come and go). Adding the server back still restores the mapping.
 */
export function mapBasedHashDisruption(name: string, factory: BalancerFactory): void {
  describe(`map-based hash disruption: ${name}`, () => {
    for (const n of [4, 8, 16]) {
      it(`N = ${n}: removing one server moves most keys, from other servers too`, () => {
        const all = servers(Array(n).fill(1))
        const lb = factory(all, NO_OPTS)
        const before = mapping(lb, KEYS)
        const removed = all[1] as LbServer
        lb.setServerDown(removed)
        const after = mapping(lb, KEYS)
        let moved = 0
        let movedFromOthers = 0
        for (let k = 0; k < KEYS; k++) {
          if (after[k] === before[k]) continue
          moved++
          if (before[k] !== removed.name) movedFromOthers++
        }
        // Far beyond the 1/N a consistent hash would move: more than half of all keys.
        expect(moved / KEYS).toBeGreaterThan(0.5)
        expect(movedFromOthers / KEYS).toBeGreaterThan(0.4)
        lb.setServerUp(removed)
        expect(mapping(lb, KEYS)).toEqual(before)
      })
    }
  })
}
