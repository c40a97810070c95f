/**
 * @module
 * What the Worker reports about a forwarded request besides the transaction's record: the head
 * actually sent (for `%B`), and the outcome passive health (`observe`) is told.
 */
import type { PassiveOutcome } from '../health/observe.ts'
import type { SentHead } from '../engine/txn-record.ts'
import type { ForwardResult } from './forward.ts'

/** The head of `res` as sent; `localBody` when the runtime adds the Content-Length of a known body. */
export function sentHead(res: Response, localBody: boolean): SentHead {
  const headers: [string, string][] = []
  res.headers.forEach((v, k) => {
    headers.push([k, v])
  })
  return { status: res.status, reason: res.statusText, headers, localBody }
}

/** What a forward attempt tells passive health: layer4 sees connections, layer7 statuses too. */
export function passiveOutcome(r: ForwardResult, level: 'layer4' | 'layer7'): PassiveOutcome {
  if (r.kind === 'error') return r.status === 504 ? { kind: 'read-timeout' } : { kind: 'connect-error' }
  return level === 'layer7' ? { kind: 'http-status', status: r.response.status } : { kind: 'connect-ok' }
}
