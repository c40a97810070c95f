/**
 * @module
 * The consistent-hash ring of src/lb_chash.c (`hash-type consistent`, and `balance random`).
 *
 * Each server owns uweight × 16 points; point j of the server with id `puid` has the key
 * `full_hash(puid * 4096 + j)` (chash_init_server_tree, default `hash-key id`). full_hash is a
 * bijection, so two points only collide when two ids are equal modulo 2^20; equal keys would keep
 * insertion order (declaration order, then j), which the sort below reproduces.
 * `hash-balance-factor` (bounded loads) is not modelled: its default, 0, disables it.
 */
import { fullHash } from './hash.ts'
import { dynamicEweight, SRV_EWGHT_RANGE } from './groups.ts'
import type { LbServer } from './types.ts'

export class ChashRing {
  /** Point keys, ascending. */
  readonly #keys: Uint32Array
  /** For each point, the index of its server in #servers. */
  readonly #owner: Uint32Array
  readonly #servers: readonly LbServer[]
  /** `lbprm.chash.last`: the point the round-robin walk stopped at (-1: none yet). */
  #last = -1
  /**
   * Lookup accelerator: #start[b] is the first point whose key's top bits are >= b (keys are
   * uniform hashes, so a bucket holds one or two points); a lookup searches one bucket only.
   */
  readonly #start: Uint32Array
  readonly #shift: number

  /** `servers` in declaration order, all with weight > 0. */
  constructor(servers: readonly LbServer[]) {
    this.#servers = servers
    let n = 0
    for (const s of servers) n += dynamicEweight(s)
    // Pack (key, server index) into one double so that a numeric sort orders by key, then by
    // declaration order: key < 2^32 and index < 2^20 keep the value below 2^53.
    const packed = new Float64Array(n)
    let p = 0
    servers.forEach((s, i) => {
      const base = Math.imul(s.id, SRV_EWGHT_RANGE)
      for (let j = 0; j < dynamicEweight(s); j++) packed[p++] = fullHash((base + j) | 0) * 0x100000 + i
    })
    packed.sort()
    this.#keys = new Uint32Array(n)
    this.#owner = new Uint32Array(n)
    for (let k = 0; k < n; k++) {
      const v = packed[k] as number
      const key = Math.floor(v / 0x100000)
      this.#keys[k] = key
      this.#owner[k] = v - key * 0x100000
    }
    const bits = Math.min(20, Math.max(1, Math.ceil(Math.log2(n + 1))))
    this.#shift = 32 - bits
    this.#start = new Uint32Array((1 << bits) + 1)
    let k = 0
    for (let b = 0; b <= 1 << bits; b++) {
      const from = b * 2 ** this.#shift
      while (k < n && (this.#keys[k] as number) < from) k++
      this.#start[b] = k
    }
  }

  get points(): number {
    return this.#keys.length
  }

  /** The first points of the ring, for explanations and tests: [key, server name]. */
  head(count: number): [number, string][] {
    const out: [number, string][] = []
    for (let k = 0; k < Math.min(count, this.#keys.length); k++) out.push([this.#keys[k] as number, this.#server(k).name])
    return out
  }

  /**
   * chash_get_server_hash: the point closest to `hash` (the previous one on a tie), then forward
   * while the server is avoided, for at most one wrap around the ring.
   */
  lookup(hash: number, avoid: ReadonlySet<number> | undefined): { server: LbServer; point: number } | undefined {
    const n = this.#keys.length
    if (n === 0) return undefined
    const h = hash >>> 0
    let next = this.#lowerBound(h)
    if (next === n) next = 0
    const prev = next === 0 ? n - 1 : next - 1
    const dp = (h - (this.#keys[prev] as number)) >>> 0
    const dn = ((this.#keys[next] as number) - h) >>> 0
    let node = dp <= dn ? prev : next
    let server = this.#server(node)
    if (avoid && avoid.size > 0 && avoid.has(server.id)) {
      if (this.#servers.every((s) => avoid.has(s.id))) {
        // HAProxy walks until its second wrap and stops on the ring's last point.
        return { server: this.#server(n - 1), point: n - 1 }
      }
      while (avoid.has(server.id)) {
        node = node + 1 === n ? 0 : node + 1
        server = this.#server(node)
      }
    }
    return { server, point: node }
  }

  /**
   * chash_get_next_server: round-robin walk over the points from the last one used (the fallback
   * of hashing algorithms when the key is missing). Avoided servers are skipped unless nothing
   * else is left, then the last avoided point met is used.
   */
  next(avoid: ReadonlySet<number> | undefined): { server: LbServer; point: number } | undefined {
    const n = this.#keys.length
    if (n === 0) return undefined
    const stop = this.#last < 0 ? -1 : this.#last
    let node = this.#last
    let firstStop = stop
    let lastAvoided = -1
    do {
      node = node < 0 || node + 1 === n ? 0 : node + 1
      this.#last = node
      if (firstStop < 0) firstStop = node
      const s = this.#server(node)
      if (!avoid?.has(s.id)) return { server: s, point: node }
      lastAvoided = node
    } while (node !== firstStop)
    this.#last = lastAvoided
    return { server: this.#server(lastAvoided), point: lastAvoided }
  }

  #server(k: number): LbServer {
    return this.#servers[this.#owner[k] as number] as LbServer
  }

  /** First point with key >= h (eb32_lookup_ge), or n. */
  #lowerBound(h: number): number {
    const b = h >>> this.#shift
    let lo = this.#start[b] as number
    let hi = this.#start[b + 1] as number
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#keys[mid] as number) < h) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
