/**
 * @module
 * Features the compiler checks and carries into the RouteMap but the Worker does not apply: no
 * runtime part reads them yet (no dynamic queue limits). Their keywords are `edge` in the tables with the feature's note, and the first
 * one in each proxy (or in `global`) gets one warning, so a config never relies on them silently.
 * When a feature's runtime lands, remove it here and give its keywords back `support: 'yes'`.
 */
import type { SourceSpan } from '../source.ts'
import { kwName } from './args.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

export type PendingFeature = 'queue' | 'limits'

export const PENDING: Readonly<Record<PendingFeature, string>> = {
  queue: "dynamic connection limits are not applied yet: 'minconn' and 'fullconn' have no effect ('maxconn' is used as is); the settings are kept in the RouteMap",
  limits:
    "'maxconn', 'maxqueue' and 'timeout queue' are enforced per Worker isolate: each isolate allows maxconn requests in flight to the server and queues the rest; across the edge's isolates the total can exceed maxconn (see docs/differences.md)",
}

/** Proxies (or the global draft) already warned, per feature. Drafts live for one compile. */
const warned = new WeakMap<object, Set<PendingFeature>>()

/** Warns once per proxy (or global section) that `feature` is not applied by the Worker yet. */
export function warnPending(cx: KeywordContext, feature: PendingFeature, span: SourceSpan, what: string): void {
  const owner: object = cx.proxy ?? cx.global
  const seen = warned.get(owner) ?? new Set<PendingFeature>()
  if (seen.has(feature)) return
  seen.add(feature)
  warned.set(owner, seen)
  cx.sv.diag.warning('not-supported', span, `'${what}': ${PENDING[feature]}`)
}

/**
 * A keyword of a pending feature: `edge` with the feature's note; its handler runs as before and,
 * when the statement was valid, the proxy gets the feature's warning.
 */
export function pendingKeyword(def: Omit<KeywordDef, 'support' | 'note'>, feature: PendingFeature): KeywordDef {
  const parse = def.parse
  return {
    ...def,
    support: 'edge',
    note: PENDING[feature],
    parse(st: Statement, cx: KeywordContext): void {
      const before = cx.sv.diag.errorCount
      parse?.(st, cx)
      if (st.prefix !== 'no' && cx.sv.diag.errorCount === before) warnPending(cx, feature, st.keyword[0]?.span ?? st.span, kwName(st))
    },
  }
}
