/**
 * @module
 * Which servers an algorithm balances over (backend.c recount_servers / update_backend_weight):
 * the usable active servers if there is one; otherwise, without `option allbackups`, only the
 * first usable backup in declaration order (`lbprm.fbck`); otherwise every usable backup.
 * A server with weight 0 is not usable (srv_willbe_usable: `!next_eweight`).
 */
import type { LbServer } from './types.ts'

/** The servers a balancer works on, chosen again after each state change (usable-set.ts). */
export interface ServerGroup {
  /**
   * 'active': the usable active servers. 'backups': every usable backup (allbackups).
   * 'first-backup': no active server and no allbackups, so `fbck` takes everything.
   */
  readonly kind: 'active' | 'backups' | 'first-backup'
  /** The servers of the group (for 'first-backup': every usable backup), declaration order. */
  readonly servers: readonly LbServer[]
  /** `lbprm.fbck`, set for 'first-backup'. */
  readonly fbck?: LbServer
}

/** Servers that can take load-balanced traffic, sorted in declaration order. */
export function usableServers(servers: readonly LbServer[]): LbServer[] {
  return servers.filter((s) => s.weight > 0).sort((a, b) => a.index - b.index)
}

/** Chooses the group in use, or undefined when no server is usable (HAProxy: tot_weight == 0). */
export function selectGroup(servers: readonly LbServer[], allbackups: boolean): ServerGroup | undefined {
  const usable = usableServers(servers)
  const active = usable.filter((s) => !s.backup)
  if (active.length > 0) return { kind: 'active', servers: active }
  const backups = usable.filter((s) => s.backup)
  const fbck = backups[0]
  if (!fbck) return undefined
  if (allbackups) return { kind: 'backups', servers: backups }
  return { kind: 'first-backup', servers: backups, fbck }
}

/** A short note for reasons: empty for active servers. */
export function groupNote(g: ServerGroup): string {
  if (g.kind === 'backups') return ' [backup servers: no active server is usable]'
  if (g.kind === 'first-backup') return ' [first usable backup: no active server is usable, no allbackups]'
  return ''
}

/** Effective weight of the dynamic algorithms: uweight × w, w = BE_WEIGHT_SCALE (16) unless slowstart ramps it; wmult = 1. */
export const BE_WEIGHT_SCALE = 16
/** SRV_EWGHT_MAX = SRV_UWGHT_MAX (256) × BE_WEIGHT_SCALE. */
export const SRV_EWGHT_MAX = 4096
/** SRV_EWGHT_RANGE, used for the consistent-hash point keys. */
export const SRV_EWGHT_RANGE = 4096

export function dynamicEweight(s: LbServer): number {
  return s.weight * (s.slowstartW ?? BE_WEIGHT_SCALE)
}

/** Whether the pick input asks to avoid this server. */
export function avoided(avoid: ReadonlySet<number> | undefined, s: LbServer): boolean {
  return avoid?.has(s.id) === true
}
