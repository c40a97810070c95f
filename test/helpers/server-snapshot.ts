/** A server's health snapshot for tests: UP (RUNNING, L7OK) or DOWN (STOPPED, L4CON), with overrides. */
import type { ServerSnapshot } from '../../src/health/snapshot.ts'

export function serverSnapshot(up: boolean, over: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    up,
    usable: up,
    status: up ? 'UP' : 'DOWN',
    state: up ? 'RUNNING' : 'STOPPED',
    checkStatus: up ? 'L7OK' : 'L4CON',
    checkDesc: '',
    health: up ? 3 : 0,
    rise: 2,
    fall: 2,
    lastChange: 0,
    nextCheck: 0,
    effectiveWeightPct: up ? 100 : 0,
    failedChecks: 0,
    downTransitions: 0,
    hanaFailures: 0,
    ...over,
  }
}
