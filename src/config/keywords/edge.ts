/**
 * @module
 * Keywords of edgeproxy's own, for what only the edge has (HAProxy 2.6 does not know them: a
 * config that uses them runs under edgeproxy only). `health-location <hint>` places a backend's
 * HealthMonitor Durable Object, where its checks run, near the origins (a `locationHint`).
 */
import type { Word } from '../lexer.ts'
import { closest } from '../../util/closest.ts'
import { arity } from './args.ts'
import { BE_ONLY, type KeywordContext, type KeywordDef, type Statement } from './types.ts'

/** Durable Objects' location hints (developers.cloudflare.com/durable-objects/reference/data-location). */
export const LOCATION_HINTS: readonly string[] = ['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me']

function parseHealthLocation(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, '<location hint>')) return
  const w = st.args[0] as Word
  const hint = w.text.toLowerCase()
  if (!LOCATION_HINTS.includes(hint)) {
    const s = closest(hint, LOCATION_HINTS)
    cx.sv.diag.error('invalid-argument', w.span, `'health-location' : unknown location hint '${w.text}' (expects one of ${LOCATION_HINTS.join(', ')})`, {
      ...(s ? { help: `did you mean '${s}'?` } : {}),
    })
    return
  }
  p.healthLocation = hint
}

export const EDGE_KEYWORDS: readonly KeywordDef[] = [
  {
    name: 'health-location',
    sections: BE_ONLY,
    support: 'yes',
    note: "edgeproxy only: the Durable Object location hint of the backend's health checks (wnam, enam, sam, weur, eeur, apac, oc, afr, me)",
    parse: parseHealthLocation,
  },
]
