/**
 * @module
 * `balance roundrobin`: HAProxy's Fast Weighted Round Robin (src/lb_fwrr.c), state for state.
 *
 * Each server has a next position `npos` on a time line where every pick advances `curr_pos` by
 * one; a server of effective weight w moves forward by next_weight / w (the remainder is carried in
 * `rweight`). Servers wait in three eb32 trees: `init` (never placed yet, heaviest first), `curr`
 * (ordered by position) and `next` (beyond the current window). A server is pulled from `init`
 * whenever the head of `curr` is in the future, which is how new servers fill the holes. This is
 * not nginx's smooth weighted round robin: weights 3,1 give A A A B.
 */
import { EbQueue } from './eb-queue.ts'
import { avoided, dynamicEweight, groupNote, SRV_EWGHT_MAX, type ServerGroup } from './groups.ts'
import type { Balancer, LbServer, Pick, PickInput } from './types.ts'

/** SRV_UWGHT_RANGE: the multiplier of `npos` in the `curr` tree key. */
const SRV_UWGHT_RANGE = 256
const BE_WEIGHT_SCALE = 16

interface FwrrServer {
  readonly s: LbServer
  /** cur_eweight = next_eweight: weights do not change during a balancer's life. */
  readonly eweight: number
  npos: number
  lpos: number
  rweight: number
}

/** One fwrr group (`lbprm.fwrr.act` or `.bck`). */
export class FwrrGroup {
  #currPos: number
  #currWeight: number
  readonly #nextWeight: number
  #init = new EbQueue<FwrrServer>()
  #next = new EbQueue<FwrrServer>()
  readonly #curr = new EbQueue<FwrrServer>()

  /** fwrr_init_server_groups: every server goes into `init` keyed by 4096 − eweight. */
  constructor(servers: readonly LbServer[]) {
    let tot = 0
    for (const s of servers) tot += dynamicEweight(s)
    this.#currPos = this.#currWeight = this.#nextWeight = tot
    for (const s of servers) this.#queueByWeight(this.#init, { s, eweight: dynamicEweight(s), npos: 0, lpos: 0, rweight: 0 })
  }

  /**
   * fwrr_get_next_server. Servers are never saturated here (no maxconn), so the "full" list only
   * holds servers the caller asked to avoid. HAProxy avoids one server; with a set, every member is
   * set aside and the first one met is used if nothing else is left.
   */
  next(avoid: ReadonlySet<number> | undefined): { srv: FwrrServer; position: number } | undefined {
    let switched = false
    let firstAvoided: FwrrServer | undefined
    const full: FwrrServer[] = []
    let srv: FwrrServer | undefined
    let position = 0
    for (;;) {
      if (this.#currWeight === 0) this.#currPos = this.#currWeight = this.#nextWeight
      let got: FwrrServer | undefined
      for (;;) {
        got = this.#fromGroup()
        if (got) break
        if (switched) break
        switched = true
        this.#switchTrees()
      }
      if (!got) {
        // Nothing left in any tree: take the avoided server back (HAProxy's take_this_one).
        srv = firstAvoided
        if (srv) this.#queueSrv(srv)
        break
      }
      this.#updatePosition(got)
      this.#dequeue(got)
      position = this.#currPos - this.#currWeight
      this.#currPos++
      if (!avoided(avoid, got.s)) {
        srv = got
        this.#queueSrv(srv)
        break
      }
      if (!firstAvoided) firstAvoided = got
      full.push(got)
    }
    // Requeue the servers set aside, except the one returned: into `init` by weight when the
    // trees were switched (their place is lost), else at their new position.
    for (const f of full.reverse()) {
      if (f === srv) continue
      if (switched) this.#queueByWeight(this.#init, f)
      else this.#queueSrv(f)
    }
    return srv ? { srv, position } : undefined
  }

  get window(): number {
    return this.#currWeight
  }

  /** fwrr_get_server_from_group: head of `curr` if its time has come, else head of `init`. */
  #fromGroup(): FwrrServer | undefined {
    const s1 = this.#curr.first()
    if (s1?.eweight && s1.npos <= this.#currPos) return s1
    const s2 = this.#init.first()
    if (s2?.eweight) {
      s2.npos = 0 // fwrr_get_srv_init
      s2.rweight = 0
      return s2
    }
    return s1
  }

  /** Removes the server from the tree it heads (it is always the first of `curr` or `init`). */
  #dequeue(s: FwrrServer): void {
    if (this.#curr.first() === s) this.#curr.shift()
    else if (this.#init.first() === s) this.#init.shift()
  }

  /** fwrr_update_position. */
  #updatePosition(s: FwrrServer): void {
    if (!s.eweight) return
    if (!s.npos) s.npos = this.#currPos // first time ever for this server
    s.lpos = s.npos
    s.npos += Math.floor(this.#nextWeight / s.eweight)
    s.rweight += this.#nextWeight % s.eweight
    if (s.rweight >= s.eweight) {
      s.rweight -= s.eweight
      s.npos++
    }
  }

  /** fwrr_queue_srv: into `next` if beyond the window, else into `curr` by position. */
  #queueSrv(s: FwrrServer): void {
    if (s.eweight <= 0 || s.npos >= 2 * this.#currWeight || s.npos >= this.#currWeight + this.#nextWeight) {
      s.npos -= this.#currWeight
      this.#queueByWeight(this.#next, s)
    } else {
      const key = Math.imul(SRV_UWGHT_RANGE, s.npos) + Math.floor((SRV_EWGHT_MAX + s.rweight - s.eweight) / BE_WEIGHT_SCALE)
      this.#curr.insert(key, s)
    }
  }

  /** fwrr_queue_by_weight: heavier servers first, equal weights in insertion order. */
  #queueByWeight(q: EbQueue<FwrrServer>, s: FwrrServer): void {
    q.insert(SRV_EWGHT_MAX - s.eweight, s)
  }

  /** fwrr_switch_trees. */
  #switchTrees(): void {
    const t = this.#init
    this.#init = this.#next
    this.#next = t
    this.#currWeight = this.#nextWeight
    this.#currPos = this.#currWeight
  }
}

/** The roundrobin balancer over the group in use; `first-backup` always returns fbck. */
export function createRoundRobin(group: ServerGroup): Balancer {
  const fbck = group.fbck
  if (fbck) return { pick: () => ({ server: fbck, reason: `roundrobin: ${fbck.name}${groupNote(group)}` }) }
  const g = new FwrrGroup(group.servers)
  return {
    pick(input: PickInput): Pick | undefined {
      const r = g.next(input.avoid)
      if (!r) return undefined
      return { server: r.srv.s, reason: `roundrobin: ${r.srv.s.name} (position ${r.position} of a window of ${g.window})${groupNote(group)}` }
    },
  }
}
