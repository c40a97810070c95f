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
 *
 * Active and backup servers have a group each (`lbprm.fwrr.act` / `.bck`), both kept up to date
 * from the start. State changes update them in place as fwrr_set_server_status_down/up and
 * fwrr_update_server_weight do: only `next_weight` moves (the current window keeps its
 * `curr_weight`), a server going down leaves its tree but keeps npos/lpos/rweight, and a server
 * coming back is placed at curr_pos + (next_weight + curr_weight − curr_pos) / eweight. So the
 * sequence carries on after a failover or a recovery exactly as HAProxy's does.
 *
 * Positions and weights follow C's types: npos, lpos, rweight and eweights are `unsigned`, the
 * group's curr_pos, curr_weight and next_weight are `int` (mixed expressions are unsigned).
 */
import { type EbNode, EbQueue } from './eb-queue.ts'
import { avoided, dynamicEweight, groupNote, SRV_EWGHT_MAX } from './groups.ts'
import type { Balancer, LbServer, Pick, PickInput } from './types.ts'
import { UsableSet } from './usable-set.ts'

/** SRV_UWGHT_RANGE: the multiplier of `npos` in the `curr` tree key. */
const SRV_UWGHT_RANGE = 256
const BE_WEIGHT_SCALE = 16

/** C `unsigned` and `int` conversions. */
const u32 = (n: number): number => n >>> 0
const i32 = (n: number): number => n | 0

type Tree = EbQueue<FwrrServer>

/** The fwrr fields of HAProxy's `struct server`. */
interface FwrrServer {
  s: LbServer
  /** cur_eweight: the committed effective weight. */
  cur: number
  /** next_eweight: the weight being applied (equal to `cur` between changes). */
  next: number
  npos: number
  lpos: number
  rweight: number
  /** lb_tree: the tree the server is queued in, null while it is down. */
  tree: Tree | null
  /** lb_node while queued. */
  node: EbNode<FwrrServer> | undefined
}

/** One fwrr group (`lbprm.fwrr.act` or `.bck`). */
export class FwrrGroup {
  currPos: number
  currWeight: number
  nextWeight: number
  init: Tree = new EbQueue<FwrrServer>()
  next: Tree = new EbQueue<FwrrServer>()
  readonly curr: Tree = new EbQueue<FwrrServer>()

  /** fwrr_init_server_groups: the window is the group's total weight at start. */
  constructor(totalWeight: number) {
    this.currPos = this.currWeight = this.nextWeight = totalWeight
  }

  /**
   * fwrr_get_next_server. Servers are never saturated here (no maxconn), so the "full" list only
   * holds servers the caller asked to avoid. HAProxy avoids one server; with a set, every member is
   * set aside and the first one met is used if nothing else is left.
   */
  pick(avoid: ReadonlySet<number> | undefined): { srv: FwrrServer; position: number } | undefined {
    let switched = false
    let firstAvoided: FwrrServer | undefined
    const full: FwrrServer[] = []
    let srv: FwrrServer | undefined
    let position = 0
    for (;;) {
      if (this.currWeight === 0) this.currPos = this.currWeight = this.nextWeight
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
        if (srv) this.queueSrv(srv)
        break
      }
      this.#updatePosition(got)
      this.dequeue(got)
      position = this.currPos - this.currWeight
      this.currPos = i32(this.currPos + 1)
      if (!avoided(avoid, got.s)) {
        srv = got
        this.queueSrv(srv)
        break
      }
      if (!firstAvoided) firstAvoided = got
      full.push(got)
    }
    // Requeue the servers set aside, except the one returned: into `init` by weight when the
    // trees were switched (their place is lost), else at their new position.
    for (const f of full.reverse()) {
      if (f === srv) continue
      if (switched) this.queueByWeight(this.init, f)
      else this.queueSrv(f)
    }
    return srv ? { srv, position } : undefined
  }

  /** fwrr_get_srv: prepares a server taken out of its tree (or coming back up). */
  getSrv(s: FwrrServer): void {
    if (s.tree === this.init) {
      s.npos = s.rweight = 0 // fwrr_get_srv_init
    } else if (s.tree === this.next) {
      s.npos = u32(s.npos + this.currWeight) // fwrr_get_srv_next
    } else if (s.tree === null) {
      s.npos = u32(this.currPos) // fwrr_get_srv_down
    }
  }

  /** fwrr_dequeue_srv (eb32_delete): out of its tree; `tree` still names it. */
  dequeue(s: FwrrServer): void {
    if (s.node && s.tree) s.tree.delete(s.node)
    s.node = undefined
  }

  /** fwrr_queue_srv: into `next` if beyond the window, else into `curr` by position. */
  queueSrv(s: FwrrServer): void {
    if (s.next <= 0 || s.npos >= u32(2 * this.currWeight) || s.npos >= u32(this.currWeight + this.nextWeight)) {
      // Into the next tree, npos readjusted in case it could finally come back to the current one.
      s.npos = u32(s.npos - this.currWeight)
      this.queueByWeight(this.next, s)
    } else {
      const key = u32(Math.imul(SRV_UWGHT_RANGE, s.npos) + Math.floor(u32(SRV_EWGHT_MAX + s.rweight - s.next) / BE_WEIGHT_SCALE))
      s.node = this.curr.insert(key, s)
      s.tree = this.curr
    }
  }

  /** fwrr_queue_by_weight: heavier servers first, equal weights in insertion order. */
  queueByWeight(q: Tree, s: FwrrServer): void {
    s.node = q.insert(SRV_EWGHT_MAX - s.next, s)
    s.tree = q
  }

  get window(): number {
    return this.currWeight
  }

  /** fwrr_get_server_from_group: head of `curr` if its time has come, else head of `init`. */
  #fromGroup(): FwrrServer | undefined {
    const s1 = this.curr.first()
    if (s1?.cur && s1.npos <= u32(this.currPos)) return s1
    const s2 = this.init.first()
    if (s2?.cur) {
      s2.npos = s2.rweight = 0 // fwrr_get_srv_init
      return s2
    }
    return s1
  }

  /** fwrr_update_position. */
  #updatePosition(s: FwrrServer): void {
    const eweight = s.cur
    if (!eweight) return
    if (!s.npos) s.npos = u32(this.currPos) // first time ever for this server
    const nw = u32(this.nextWeight)
    s.lpos = s.npos
    s.npos = u32(s.npos + Math.floor(nw / eweight))
    s.rweight = u32(s.rweight + (nw % eweight))
    if (s.rweight >= eweight) {
      s.rweight -= eweight
      s.npos = u32(s.npos + 1)
    }
  }

  /** fwrr_switch_trees. */
  #switchTrees(): void {
    const t = this.init
    this.init = this.next
    this.next = t
    this.currWeight = this.nextWeight
    this.currPos = this.currWeight
  }
}

/** The roundrobin balancer: lb_fwrr.c over the active and backup groups. */
export class RoundRobin implements Balancer {
  readonly #act: FwrrGroup
  readonly #bck: FwrrGroup
  readonly #usable: UsableSet
  /** Every server seen so far, by declaration index (HAProxy keeps npos/lpos/rweight while down). */
  readonly #servers = new Map<number, FwrrServer>()

  /** fwrr_init_server_groups: `servers` are the usable ones at start. */
  constructor(servers: readonly LbServer[], allbackups: boolean) {
    const usable = [...servers].filter((s) => s.weight > 0).sort((a, b) => a.index - b.index)
    this.#usable = new UsableSet(usable, allbackups)
    let act = 0
    let bck = 0
    for (const s of usable) {
      if (s.backup) bck += dynamicEweight(s)
      else act += dynamicEweight(s)
    }
    this.#act = new FwrrGroup(act)
    this.#bck = new FwrrGroup(bck)
    for (const s of usable) {
      const e = dynamicEweight(s)
      const f: FwrrServer = { s, cur: e, next: e, npos: 0, lpos: 0, rweight: 0, tree: null, node: undefined }
      this.#servers.set(s.index, f)
      const g = this.#group(f)
      g.queueByWeight(g.init, f)
    }
  }

  pick(input: PickInput): Pick | undefined {
    const group = this.#usable.group()
    if (!group) return undefined
    if (group.fbck) return { server: group.fbck, reason: `roundrobin: ${group.fbck.name}${groupNote(group)}` }
    const g = group.kind === 'active' ? this.#act : this.#bck
    const r = g.pick(input.avoid)
    if (!r) return undefined
    return { server: r.srv.s, reason: `roundrobin: ${r.srv.s.name} (position ${r.position} of a window of ${g.window})${groupNote(group)}` }
  }

  /** fwrr_set_server_status_down. */
  setServerDown(s: LbServer): void {
    const f = this.#servers.get(s.index)
    if (!f?.tree || !this.#usable.delete(s.index)) return
    const g = this.#group(f)
    g.nextWeight = i32(g.nextWeight - f.cur)
    g.dequeue(f)
    f.tree = null
    f.s = s
    f.cur = f.next = dynamicEweight(s)
  }

  /** fwrr_set_server_status_up. */
  setServerUp(s: LbServer): void {
    let f = this.#servers.get(s.index)
    if (f?.tree) return // already up
    const e = dynamicEweight(s)
    if (!f) {
      f = { s, cur: 0, next: e, npos: 0, lpos: 0, rweight: 0, tree: null, node: undefined }
      this.#servers.set(s.index, f)
    }
    f.s = s
    f.next = e
    if (e <= 0) {
      f.cur = e
      return
    }
    this.#usable.set(s)
    const g = this.#group(f)
    g.nextWeight = i32(g.nextWeight + e)
    g.getSrv(f)
    f.npos = u32(g.currPos + Math.floor(u32(g.nextWeight + g.currWeight - g.currPos) / e))
    g.queueSrv(f)
    f.cur = e
  }

  /** fwrr_update_server_weight. */
  updateWeight(s: LbServer): void {
    const f = this.#servers.get(s.index)
    const e = dynamicEweight(s)
    const wasUsable = f?.tree != null
    if (!f || !wasUsable) {
      if (e > 0) this.setServerUp(s)
      else if (f) {
        f.s = s
        f.cur = f.next = e
      }
      return
    }
    if (e <= 0) {
      this.setServerDown(s)
      return
    }
    this.#usable.set(s)
    f.s = s
    f.next = e
    const g = this.#group(f)
    g.nextWeight = i32(g.nextWeight - f.cur + e)
    if (f.tree === g.init) {
      g.dequeue(f)
      g.queueByWeight(g.init, f)
    } else {
      // In `curr` or `next`: if it has not consumed all of its places, adjust its next position.
      g.getSrv(f)
      const prevNext = f.npos
      const step = i32(Math.floor(u32(g.nextWeight) / e))
      f.npos = u32(f.lpos + step)
      f.rweight = 0
      if (f.npos > prevNext) f.npos = prevNext
      if (f.npos < u32(g.currPos + 2)) f.npos = u32(g.currPos + step)
      g.dequeue(f)
      g.queueSrv(f)
    }
    f.cur = e
  }

  #group(f: FwrrServer): FwrrGroup {
    return f.s.backup ? this.#bck : this.#act
  }
}
