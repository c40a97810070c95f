/**
 * @module
 * Passive health (`observe layer4|layer7`) at the edge: a forwarded request's outcome goes to the
 * monitor group(s) that check the backend (durable-objects/health-monitor.ts `reportPassive`) only
 * for errors and the first success after one, so a healthy server costs no Durable Object call.
 */
import { type HealthMonitorNamespace, reportPassive } from '../../durable-objects/health-monitor.ts'
import type { PassiveOutcome } from '../health/observe.ts'
import type { HandlerDeps } from '../proxy/handler.ts'

/** Servers whose last passive-health report was an error, in this isolate. */
const erroring = new Set<string>()

/** HAProxy's layer-7 error statuses for `observe`: 5xx but 501 and 505. */
function isError(o: PassiveOutcome): boolean {
  if (o.kind === 'connect-ok') return false
  if (o.kind === 'http-status') return o.status >= 500 && o.status !== 501 && o.status !== 505
  return true
}

/**
 * Passive health: reports go to the backend's HealthMonitor in the background, only for errors
 * and the first success after one, so a healthy server costs no Durable Object call.
 */
export function passiveReporter(ns: HealthMonitorNamespace, ctx: ExecutionContext): NonNullable<HandlerDeps['observe']> {
  return (backend, server, outcome) => {
    const key = `${backend}/${server.name}`
    const error = isError(outcome)
    if (!error && !erroring.has(key)) return
    if (error) erroring.add(key)
    else erroring.delete(key)
    ctx.waitUntil(reportPassive(ns, backend, server.name, outcome).catch(() => {}))
  }
}
