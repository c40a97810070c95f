/**
 * @module
 * The contract between the request engine and the load-balancing algorithms.
 * Semantics follow HAProxy 2.6 `balance` and `hash-type` (doc/configuration.txt, backend.c, lb_*.c).
 * Everything under src/balance is pure: no I/O, no Date.now(), no Math.random() (randomness is injected).
 */

/** A server as the balancers see it. */
export interface LbServer {
  /** HAProxy's puid: 1, 2, 3… in declaration order within the backend, or the `id` keyword. */
  readonly id: number
  /** Index in the backend's server list (declaration order, 0-based). */
  readonly index: number
  readonly name: string
  /** User weight 0..256 (`weight`, default 1). */
  readonly weight: number
  readonly backup: boolean
  /**
   * `slowstart`'s multiplier w (1..16) while the server is STARTING (server_recalc_eweight:
   * eweight = uweight × w); absent means 16 (full weight). Static algorithms ignore it, as HAProxy
   * does: the caller only sets it for dynamic ones.
   */
  readonly slowstartW?: number
}

export type { BalanceSpec, HashSpec } from '../routemap/schema.ts'

/** What the hashing algorithms read from a request. */
export interface HashRequest {
  /** Client address as text (IPv4 dotted quad or IPv6). */
  readonly src: string
  /** The request target as received (origin-form `/path?query`, or absolute-form). */
  readonly uri: string
  /** Full value of the first occurrence of a header (case-insensitive name), or undefined. */
  header(name: string): string | undefined
}

/** Per-pick inputs. */
export interface PickInput {
  /** For hashing algorithms: the request the key is taken from. */
  readonly request?: HashRequest
  /** Server ids to avoid if another is usable (retry / redispatch: HAProxy's srvtoavoid). */
  readonly avoid?: ReadonlySet<number>
  /** In-flight requests per server id (leastconn, random's tie-break). Missing ids count 0. */
  readonly inflight?: ReadonlyMap<number, number>
  /** Uniform random 32-bit unsigned integers (random algorithm). */
  readonly random32?: () => number
}

/** Why a server was chosen: printed by `edgeproxy explain`. */
export interface Pick {
  readonly server: LbServer
  /** Human-readable reason, e.g. "roundrobin position 3 of ABABC", "hash 858007926 % 5 = 1". */
  readonly reason: string
}

/**
 * A choice over a fixed set of servers: what the algorithms without in-place updates build for
 * the group in use, again after each state change (lb_map.c recomputes its map the same way).
 */
export interface Picker {
  /** Returns the chosen server, or undefined when no server is usable. Never throws. */
  pick(input: PickInput): Pick | undefined
}

/**
 * A balancer over one backend's servers. Stateful per isolate (like HAProxy's per-thread-group
 * state): `pick` advances roundrobin positions. It lives across server state changes, which it
 * receives as HAProxy's lbprm callbacks (server.c srv_update_status → lb_fwrr.c, lb_fwlc.c,
 * lb_map.c, lb_chash.c), one server at a time; servers are identified by `index`. `inflight`
 * (as in PickInput) lets leastconn first reposition the servers whose load changed since the
 * last pick, as HAProxy did when each connection ended, before the change.
 */
export interface Balancer extends Picker {
  /**
   * lbprm.set_server_status_down: `s` stops taking load-balanced traffic (DOWN, MAINT, DRAIN,
   * weight 0). Nothing happens when it was not usable.
   */
  setServerDown(s: LbServer, inflight?: ReadonlyMap<number, number>): void
  /**
   * lbprm.set_server_status_up: `s` becomes usable with its weight (and slowstart `w`). Nothing
   * happens when it already is (use updateWeight) or when its weight is 0.
   */
  setServerUp(s: LbServer, inflight?: ReadonlyMap<number, number>): void
  /**
   * lbprm.update_server_eweight: `s`'s effective weight changed (`set server … weight`, a slowstart
   * step). Like HAProxy, a server that becomes usable goes up and one whose weight drops to 0 goes
   * down.
   */
  updateWeight(s: LbServer, inflight?: ReadonlyMap<number, number>): void
}

/** Backend-wide options that change how balancers choose among servers. */
export interface BalancerOptions {
  /** `option allbackups`: when no active server is usable, balance over every usable backup. */
  readonly allbackups: boolean
  /**
   * The user weights of *every* configured server of the backend (usable or not, weight 0
   * included), for map-based algorithms: HAProxy divides weights by their GCD over all servers,
   * computed once at start-up (lb_map.c init_server_map). It only matters in one case: static-rr or
   * map-based hashing with no usable active server, several usable backups and no `allbackups`,
   * where the map has fbck's weight in slots but is filled from every backup. When absent, the GCD
   * of the usable servers' weights is used.
   */
  readonly configuredWeights?: readonly number[]
}
