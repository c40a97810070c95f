/**
 * @module
 * What a backend's health says about itself: the `x-haproxy-server-state` value of
 * `http-check send-state` (check.c `httpchk_build_status_header`) and HAProxy's state-change log
 * lines ("Server be/s is DOWN, reason: …. 1 active and 0 backup servers left.", reference §3.5).
 * Pure functions over the plan and the servers' health.
 */
import { serverStateHeader } from './http-request.ts'
import type { HealthPlan, ServerPlan } from './plan.ts'
import { effectiveWeight, isUsable, type ServerHealth, settle, slowstartFactor, statusText, type Transition, WEIGHT_SCALE } from './state.ts'
import { formatCheckInfo } from './status.ts'

type Lookup = (server: string) => ServerHealth | undefined

function usableServers(plan: HealthPlan, health: Lookup, now: number): ServerPlan[] {
  return plan.servers.filter((x) => {
    const h = health(x.name)
    return h ? isUsable(settle(h, x, now)) : true
  })
}

/** The send-state header value for `s`: status, address, weights (ceil(eweight/16)), slowstart throttle. */
export function serverStateFor(plan: HealthPlan, s: ServerPlan, health: Lookup, now: number): string {
  const h0 = health(s.name)
  const h = h0 ? settle(h0, s, now) : undefined
  const weightOf = (x: ServerPlan): number => {
    const xh = health(x.name)
    return xh ? effectiveWeight(x, xh, now, plan.dynamicWeights) : x.weight * WEIGHT_SCALE
  }
  const usable = usableServers(plan, health, now)
  const active = usable.filter((x) => !x.backup)
  const total = (active.length > 0 ? active : usable).reduce((sum, x) => sum + weightOf(x), 0)
  const slowS = Math.floor(s.slowstartMs / 1000)
  const ramping = h !== undefined && h.state === 'STARTING' && slowstartFactor(s, h, now, plan.dynamicWeights) < WEIGHT_SCALE
  const elapsed = h ? Math.floor(now / 1000) - Math.floor(h.lastChange / 1000) : 0
  return serverStateHeader({
    statusText: h ? statusText(h, s) : 'no check',
    address: s.address,
    ...(s.port !== undefined ? { port: s.port } : {}),
    backend: plan.backend,
    server: s.name,
    weight: Math.ceil(weightOf(s) / WEIGHT_SCALE),
    totalWeight: Math.ceil(total / WEIGHT_SCALE),
    ...(ramping && slowS > 0 ? { throttlePct: Math.max(1, Math.trunc((100 * elapsed) / slowS)) } : {}),
  })
}

/** The log lines of a state change of `s` (whose new health is `h`), or none. */
export function transitionLines(plan: HealthPlan, s: ServerPlan, h: ServerHealth, t: Transition, health: Lookup, now: number): string[] {
  if (!t) return []
  const up = usableServers(plan, (name) => (name === s.name ? h : health(name)), now)
  const act = up.filter((x) => !x.backup).length
  const bck = up.length - act
  const info = formatCheckInfo({
    status: h.checkStatus,
    ...(h.checkCode !== undefined ? { code: h.checkCode } : {}),
    info: h.checkInfo,
    ...(h.checkDurationMs !== undefined ? { durationMs: h.checkDurationMs } : {}),
  })
  const who = `${s.backup ? 'Backup ' : ''}Server ${plan.backend}/${s.name}`
  const word = t === 'NOLB' ? 'is stopping' : `is ${t}`
  const tail = t === 'UP' ? `${act} active and ${bck} backup servers online.` : `${act} active and ${bck} backup servers left.`
  const lines = [`${who} ${word}, ${info}. ${tail}${act === 0 && bck > 0 ? ' Running on backup.' : ''}`]
  if (t === 'DOWN' && act + bck === 0) lines.push(`backend ${plan.backend} has no server available!`)
  return lines
}
