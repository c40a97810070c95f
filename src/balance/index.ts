/**
 * @module
 * Load-balancing algorithms with HAProxy 2.6's exact behaviour. `createBalancer` picks the
 * servers in use (active, else first backup or all backups: groups.ts) and builds the algorithm's
 * structure once; `pick` is then called per request. See reference §2 and each module's header.
 */
import { createFirst } from './first.ts'
import { type ServerGroup, selectGroup } from './groups.ts'
import { createHashing } from './hashing.ts'
import { weightGcd } from './lb-map.ts'
import { createLeastconn } from './leastconn.ts'
import { createRandom } from './random.ts'
import { createRoundRobin } from './roundrobin.ts'
import { createStaticRr } from './static-rr.ts'
import type { Balancer, BalancerOptions, BalanceSpec, HashSpec, LbServer } from './types.ts'

export { crc32, djb2, fullHash, sdbm, wt6 } from './hash.ts'
export type { Balancer, BalancerOptions, BalanceSpec, HashSpec, LbServer, Pick, PickInput } from './types.ts'

/** What a constructor gets: the spec, the hash settings, the group in use and the map GCD. */
interface BuildContext<S extends BalanceSpec> {
  readonly spec: S
  readonly hash: HashSpec
  readonly group: ServerGroup
  /**
   * GCD of the configured weights (map-based algorithms only). A map built with weights k·w is
   * the map of w repeated k times, so with a group's full weight in slots `hash % size` and the
   * static-rr cycle do not depend on it (checked on 368 weight sets); it matters for the
   * first-backup map (see BalancerOptions.configuredWeights).
   */
  readonly gcd: number
}

type Builders = { readonly [A in BalanceSpec['algo']]: (cx: BuildContext<Extract<BalanceSpec, { algo: A }>>) => Balancer }

/** One entry per `balance` algorithm. */
const ALGORITHMS: Builders = {
  roundrobin: (cx) => createRoundRobin(cx.group),
  'static-rr': (cx) => createStaticRr(cx.group, cx.gcd),
  leastconn: (cx) => createLeastconn(cx.group),
  first: (cx) => createFirst(cx.group),
  random: (cx) => createRandom(cx.group, cx.spec.draws),
  source: (cx) => createHashing(cx.spec, cx.hash, cx.group, cx.gcd),
  uri: (cx) => createHashing(cx.spec, cx.hash, cx.group, cx.gcd),
  url_param: (cx) => createHashing(cx.spec, cx.hash, cx.group, cx.gcd),
  hdr: (cx) => createHashing(cx.spec, cx.hash, cx.group, cx.gcd),
}

const NONE: Balancer = { pick: () => undefined }

/**
 * Builds the balancer of one backend. `servers` are its usable servers in declaration order
 * (weight 0 ones are ignored). Returns a balancer whose `pick` yields undefined when no server is
 * usable. Build it again when the usable set or a weight changes.
 */
export function createBalancer(spec: BalanceSpec, hash: HashSpec, servers: readonly LbServer[], opts: BalancerOptions): Balancer {
  const group = selectGroup(servers, opts.allbackups)
  if (!group) return NONE
  const gcd = weightGcd(opts.configuredWeights ?? [...servers].sort((a, b) => a.index - b.index).map((s) => s.weight))
  const build = ALGORITHMS[spec.algo] as (cx: BuildContext<BalanceSpec>) => Balancer
  const inner = build({ spec, hash, group, gcd })
  return {
    pick(input) {
      try {
        return inner.pick(input)
      } catch {
        // Defensive only: an algorithm bug must not take the request path down.
        return undefined
      }
    },
  }
}
