/**
 * @module
 * Load-balancing algorithms with HAProxy 2.6's exact behaviour. `createBalancer` builds a
 * backend's balancer from the servers usable at start; it then lives across state changes, which
 * it receives as HAProxy's lbprm callbacks (setServerDown / setServerUp / updateWeight).
 * roundrobin and leastconn update their trees in place (lb_fwrr.c, lb_fwlc.c); the others pick
 * over the group in use (active, else first backup or all backups: groups.ts), built again after
 * a change as lb_map.c recomputes its map, with the map's round-robin cursor kept. See reference
 * §2 and each module's header.
 */
import { createFirst } from './first.ts'
import type { ServerGroup } from './groups.ts'
import { createHashing } from './hashing.ts'
import { type RrCursor, weightGcd } from './lb-map.ts'
import { LeastConn } from './leastconn.ts'
import { createRandom } from './random.ts'
import { RoundRobin } from './roundrobin.ts'
import { createStaticRr } from './static-rr.ts'
import type { Balancer, BalancerOptions, BalanceSpec, HashSpec, LbServer, Picker } from './types.ts'
import { UsableSet } from './usable-set.ts'

export { crc32, djb2, fullHash, sdbm, wt6 } from './hash.ts'
export type { Balancer, BalancerOptions, BalanceSpec, HashSpec, LbServer, Pick, PickInput } from './types.ts'

/** What a constructor gets: the spec, the hash settings, the servers usable at start, the options. */
interface BuildContext<S extends BalanceSpec> {
  readonly spec: S
  readonly hash: HashSpec
  readonly servers: readonly LbServer[]
  readonly opts: BalancerOptions
  /**
   * GCD of the configured weights (map-based algorithms only), computed once at start as
   * init_server_map does. A map built with weights k·w is the map of w repeated k times, so with
   * a group's full weight in slots `hash % size` and the static-rr cycle do not depend on it
   * (checked on 368 weight sets); it matters for the first-backup map (see
   * BalancerOptions.configuredWeights).
   */
  readonly gcd: number
}

type Builders = { readonly [A in BalanceSpec['algo']]: (cx: BuildContext<Extract<BalanceSpec, { algo: A }>>) => Balancer }

/** One entry per `balance` algorithm. */
const ALGORITHMS: Builders = {
  roundrobin: (cx) => new RoundRobin(cx.servers, cx.opts.allbackups),
  leastconn: (cx) => new LeastConn(cx.servers, cx.opts.allbackups),
  'static-rr': (cx) => {
    const rr: RrCursor = { idx: 0 }
    return overGroup(cx, (g) => createStaticRr(g, cx.gcd, rr))
  },
  first: (cx) => overGroup(cx, (g) => createFirst(g)),
  random: (cx) => overGroup(cx, (g) => createRandom(g, cx.spec.draws)),
  source: (cx) => hashing(cx),
  uri: (cx) => hashing(cx),
  url_param: (cx) => hashing(cx),
  hdr: (cx) => hashing(cx),
}

function hashing(cx: BuildContext<Extract<BalanceSpec, { algo: 'source' | 'uri' | 'url_param' | 'hdr' }>>): Balancer {
  const rr: RrCursor = { idx: 0 }
  return overGroup(cx, (g) => createHashing(cx.spec, cx.hash, g, cx.gcd, rr))
}

/**
 * A balancer that builds its algorithm's structure over the group in use, and again on the first
 * pick after a change of the usable set (static-rr and map-based hashing: recalc_server_map;
 * consistent hashing, random and first have no position to lose).
 */
function overGroup(cx: BuildContext<BalanceSpec>, build: (g: ServerGroup) => Picker): Balancer {
  const usable = new UsableSet(cx.servers, cx.opts.allbackups)
  let inner: Picker | undefined | null = null
  return {
    pick(input) {
      if (inner === null) {
        const g = usable.group()
        inner = g ? build(g) : undefined
      }
      return inner?.pick(input)
    },
    setServerDown(s) {
      if (usable.delete(s.index)) inner = null
    },
    setServerUp(s) {
      if (!usable.get(s.index) && s.weight > 0) {
        usable.set(s)
        inner = null
      }
    },
    updateWeight(s) {
      const was = usable.get(s.index)
      if (was && was.weight === s.weight && was.slowstartW === s.slowstartW) return
      usable.set(s)
      inner = null
    },
  }
}

/**
 * Builds the balancer of one backend. `servers` are its usable servers at start, in declaration
 * order (weight 0 ones are ignored). `pick` yields undefined while no server is usable; state
 * changes are applied with setServerDown / setServerUp / updateWeight (see applyStateChanges).
 */
export function createBalancer(spec: BalanceSpec, hash: HashSpec, servers: readonly LbServer[], opts: BalancerOptions): Balancer {
  const sorted = [...servers].sort((a, b) => a.index - b.index)
  const gcd = weightGcd(opts.configuredWeights ?? sorted.map((s) => s.weight))
  const build = ALGORITHMS[spec.algo] as (cx: BuildContext<BalanceSpec>) => Balancer
  const inner = build({ spec, hash, servers: sorted, opts, gcd })
  return {
    pick(input) {
      try {
        return inner.pick(input)
      } catch {
        // Defensive only: an algorithm bug must not take the request path down.
        return undefined
      }
    },
    setServerDown: (s, inflight) => inner.setServerDown(s, inflight),
    setServerUp: (s, inflight) => inner.setServerUp(s, inflight),
    updateWeight: (s, inflight) => inner.updateWeight(s, inflight),
  }
}

export { applyStateChanges } from './state-changes.ts'
