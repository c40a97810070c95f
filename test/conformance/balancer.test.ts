/**
 * The balancer conformance suite (balancer.suite.ts) on every algorithm of the registry
 * (src/balance/index.ts): the table below is typed by BalanceSpec['algo'], so an algorithm added
 * to the registry does not type-check until it is listed here. Hashing algorithms run with both
 * `hash-type map-based` and `hash-type consistent`; consistent hashing also runs the disruption
 * property, map-based hashing the test that it does not have it.
 */
import { createBalancer } from '../../src/balance/index.ts'
import type { BalanceSpec, HashSpec } from '../../src/balance/types.ts'
import { type BalancerFactory, type BalancerTraits, balancerConformance, consistentHashDisruption, mapBasedHashDisruption } from './balancer.suite.ts'

/** HAProxy's defaults: `hash-type map-based` (sdbm), `hash-type consistent` (sdbm + avalanche). */
const MAP_BASED: HashSpec = { type: 'map-based', fn: 'sdbm', avalanche: false }
const CONSISTENT: HashSpec = { type: 'consistent', fn: 'sdbm', avalanche: true }

type Entry = { readonly spec: BalanceSpec; readonly weights: BalancerTraits['weights']; readonly hashing?: true }

const REGISTRY: { readonly [A in BalanceSpec['algo']]: Entry } = {
  roundrobin: { spec: { algo: 'roundrobin' }, weights: 'cycle' },
  'static-rr': { spec: { algo: 'static-rr' }, weights: 'cycle' },
  leastconn: { spec: { algo: 'leastconn' }, weights: 'load' },
  first: { spec: { algo: 'first' }, weights: 'ignored' },
  random: { spec: { algo: 'random', draws: 2 }, weights: 'proportional' },
  source: { spec: { algo: 'source' }, weights: 'proportional', hashing: true },
  uri: { spec: { algo: 'uri', len: 0, depth: 0, whole: false, pathOnly: false }, weights: 'proportional', hashing: true },
  url_param: { spec: { algo: 'url_param', param: 'id', checkPost: false }, weights: 'proportional', hashing: true },
  hdr: { spec: { algo: 'hdr', header: 'host', useDomainOnly: false }, weights: 'proportional', hashing: true },
}

const factory =
  (spec: BalanceSpec, hash: HashSpec): BalancerFactory =>
  (servers, opts) =>
    createBalancer(spec, hash, servers, opts)

for (const [algo, e] of Object.entries(REGISTRY)) {
  if (!e.hashing) {
    balancerConformance(algo, factory(e.spec, MAP_BASED), { weights: e.weights })
    continue
  }
  balancerConformance(`${algo}, hash-type map-based`, factory(e.spec, MAP_BASED), { weights: e.weights, hashing: 'map-based' })
  balancerConformance(`${algo}, hash-type consistent`, factory(e.spec, CONSISTENT), { weights: e.weights, hashing: 'consistent' })
  consistentHashDisruption(`${algo}, hash-type consistent`, factory(e.spec, CONSISTENT))
  mapBasedHashDisruption(`${algo}, hash-type map-based`, factory(e.spec, MAP_BASED))
}
