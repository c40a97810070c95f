/**
 * @module
 * Passive health (reference §3.8; check.c `__health_adjust`): `observe layer4|layer7` watches
 * real traffic that the data plane reports. Good events clear the consecutive-error counter;
 * after `error-limit` consecutive errors, `on-error` applies: `fastinter` only forces fastinter,
 * `fail-check` simulates one failed check (status HANA), `sudden-death` lowers health to rise+1
 * when it was higher and then fails once (the next failure marks the server DOWN), `mark-down`
 * sets health = rise and fails once (DOWN at once). Every mode forces fastinter for the next
 * check.
 */
import type { ServerPlan } from './plan.ts'
import { applyResult, type ServerHealth, type Transition } from './state.ts'
import { ANALYZE_STATUSES, type AnalyzeStatus, analyzeHttpStatus } from './status.ts'

/** What the data plane saw when it used a server. */
export type PassiveOutcome =
  | { readonly kind: 'connect-ok' }
  | { readonly kind: 'connect-error' }
  | { readonly kind: 'http-status'; readonly status: number }
  | { readonly kind: 'read-error' }
  | { readonly kind: 'read-timeout' }
  | { readonly kind: 'broken-pipe' }
  | { readonly kind: 'invalid-response' }

const ANALYZE_OF: Readonly<Record<Exclude<PassiveOutcome['kind'], 'http-status'>, AnalyzeStatus>> = {
  'connect-ok': 'L4_OK',
  'connect-error': 'L4_ERR',
  'read-error': 'HTTP_READ_ERROR',
  'read-timeout': 'HTTP_READ_TIMEOUT',
  'broken-pipe': 'HTTP_BROKEN_PIPE',
  'invalid-response': 'HTTP_RSP',
}

export function analyzeStatusOf(o: PassiveOutcome): AnalyzeStatus {
  return o.kind === 'http-status' ? analyzeHttpStatus(o.status) : ANALYZE_OF[o.kind]
}

export interface ObserveResult {
  readonly health: ServerHealth
  readonly transition: Transition
  /** The on-error action ran (the caller moves the next check to now + fastinter). */
  readonly triggered: boolean
}

/** Applies one passive event to a server's health. Servers without `observe` ignore it. */
export function applyObservation(h: ServerHealth, s: ServerPlan, outcome: PassiveOutcome, now: number): ObserveResult {
  const unchanged = { health: h, transition: undefined, triggered: false }
  if (!s.observe || h.maint) return unchanged
  const status = analyzeStatusOf(outcome)
  const verdict = ANALYZE_STATUSES[status][s.observe]
  if (verdict === 0) return unchanged
  if (verdict === 2) return { ...unchanged, health: h.consecutiveErrors === 0 ? h : { ...h, consecutiveErrors: 0 } }
  const errors = h.consecutiveErrors + 1
  if (errors < s.errorLimit) return { ...unchanged, health: { ...h, consecutiveErrors: errors } }

  const info = `Detected ${errors} consecutive errors, last one was: ${ANALYZE_STATUSES[status].desc}`
  let cur: ServerHealth = { ...h, fastinter: true }
  let transition: Transition
  if (s.onError !== 'fastinter') {
    if (s.onError === 'sudden-death' && cur.health > s.rise) cur = { ...cur, health: s.rise + 1 }
    if (s.onError === 'mark-down') cur = { ...cur, health: s.rise }
    const r = applyResult(cur, s, { status: 'HANA', info, durationMs: -1 }, now)
    cur = r.health
    transition = r.transition
  }
  return { health: { ...cur, consecutiveErrors: 0, hanaFailures: cur.hanaFailures + 1 }, transition, triggered: true }
}
