/**
 * @module
 * The usable servers of one backend as state changes arrive (backend.c recount_servers, and the
 * `srv_act` / `srv_bck` / `lbprm.fbck` bookkeeping of lb_fwrr.c and lb_fwlc.c): which group the
 * balancers serve from, kept until the next change. HAProxy keeps `fbck` on the first usable
 * backup in declaration order: set_server_status_down moves it to the next usable backup, and
 * set_server_status_up moves it back when a backup declared before it returns; that is always the
 * first usable backup, which is what selectGroup computes.
 */
import { type ServerGroup, selectGroup } from './groups.ts'
import type { LbServer } from './types.ts'

export class UsableSet {
  readonly #byIndex = new Map<number, LbServer>()
  readonly #allbackups: boolean
  /** The group in use, computed on demand after a change (null: stale). */
  #group: ServerGroup | undefined | null = null

  /** `servers`: the usable servers at start (weight 0 ones are left out). */
  constructor(servers: readonly LbServer[], allbackups: boolean) {
    this.#allbackups = allbackups
    for (const s of servers) if (s.weight > 0) this.#byIndex.set(s.index, s)
  }

  /** The usable server with this declaration index. */
  get(index: number): LbServer | undefined {
    return this.#byIndex.get(index)
  }

  /** Records `s` as usable with its current weight, or as not usable when the weight is 0. */
  set(s: LbServer): void {
    if (s.weight <= 0) {
      this.delete(s.index)
      return
    }
    this.#byIndex.set(s.index, s)
    this.#group = null
  }

  /** Records that the server is not usable; false when it was not. */
  delete(index: number): boolean {
    if (!this.#byIndex.delete(index)) return false
    this.#group = null
    return true
  }

  /**
   * The servers in use (active ones, else fbck, else every backup with allbackups), or undefined
   * when none is usable.
   */
  group(): ServerGroup | undefined {
    if (this.#group === null) this.#group = selectGroup([...this.#byIndex.values()], this.#allbackups)
    return this.#group
  }
}
