/**
 * @module
 * Operators' overrides on top of health, as the data plane sees them (HAProxy's srv_admin and
 * forced check results, server.c):
 * - `maint`: out of everything (no persistence, no balancing);
 * - `drain` or weight 0: persistence still served, no load balancing (stats DRAIN);
 * - `health down` / `stopping` / `up`: a forced check result (DOWN, NOLB, UP);
 * - `weight N`: the balancer's weight.
 * `addr`/`port` and `disable health` change the RouteMap the engine runs (src/ops/effective.ts).
 */
import type { ServerStates } from '../engine/server-states.ts'
import type { AdminServer } from './types.ts'

/**
 * `adminVersion` changes whenever the admin state does; with the base's version it lets the
 * balancers keep their usable-server sets until either changes (both only go up, so their sum
 * changes when either does).
 */
export function withAdmin(base: ServerStates, admin: (backend: string, server: string) => AdminServer | undefined, adminVersion?: () => number): ServerStates {
  const baseVersion = base.version?.bind(base)
  return {
    ...(baseVersion && adminVersion ? { version: () => baseVersion() + adminVersion() } : {}),
    isUp: (b, s) => {
      const a = admin(b, s)
      if (!a) return base.isUp(b, s)
      if (a.state === 'maint' || a.health === 'down') return false
      if (a.health === 'up' || a.health === 'stopping') return true
      return base.isUp(b, s)
    },
    isUsable: (b, s) => {
      const a = admin(b, s)
      if (!a) return base.isUsable(b, s)
      if (a.state === 'maint' || a.state === 'drain' || a.weight === 0 || a.health === 'down' || a.health === 'stopping') return false
      if (a.health === 'up') return true
      return base.isUsable(b, s)
    },
    ...(base.startedAt ? { startedAt: base.startedAt.bind(base) } : {}),
    weight: (b, s) => admin(b, s)?.weight ?? base.weight?.(b, s),
  }
}
