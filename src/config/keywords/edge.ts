/**
 * @module
 * Keywords of edgeproxy's own, for what only the edge has (HAProxy 2.6 does not know them: a
 * config that uses them runs under edgeproxy only). `health-location <hint>` places a backend's
 * monitor group (the Durable Object where its checks run) near the origins (a `locationHint`);
 * `health-regions <hint>,<hint>,...` checks it from several regions, one group per region, with a
 * majority vote (src/health/vote.ts). The two cannot be combined.
 */
import type { Word } from '../lexer.ts'
import type { SourceSpan } from '../source.ts'
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
  if (p.healthRegions) {
    cx.sv.diag.error('invalid-argument', st.span, "'health-location' : this backend already has 'health-regions'", {
      help: "keep one: 'health-regions' places a monitor group in each region, 'health-location' one group in one place",
    })
    return
  }
  p.healthLocation = hint
}

/** The span of `part` at character `offset` of word `w` (an element of a comma list). */
function partSpan(w: Word, offset: number, part: string): SourceSpan {
  // A quoted word's text does not map onto the source by offset: point at the whole word then.
  return w.quoted ? w.span : { ...w.span, column: w.span.column + offset, length: Math.max(1, part.length) }
}

function parseHealthRegions(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const usage = '<location hint>,<location hint>,...'
  if (st.args.length === 0) {
    const last = st.keyword[st.keyword.length - 1] as Word
    cx.sv.diag.error('missing-argument', last.span, `'health-regions' expects ${usage}`, { help: `for example 'health-regions wnam,weur,apac' (hints: ${LOCATION_HINTS.join(', ')})` })
    return
  }
  const regions: string[] = []
  let ok = true
  for (const w of st.args) {
    let offset = 0
    for (const part of w.text.split(',')) {
      const at = offset
      offset += part.length + 1
      const hint = part.trim().toLowerCase()
      const span = partSpan(w, at, part)
      if (hint === '') {
        cx.sv.diag.error('invalid-argument', span, "'health-regions' : empty location hint in the list", { help: `separate hints with single commas, e.g. 'health-regions wnam,weur,apac'` })
        ok = false
        continue
      }
      if (!LOCATION_HINTS.includes(hint)) {
        const sug = closest(hint, LOCATION_HINTS)
        cx.sv.diag.error('invalid-argument', span, `'health-regions' : unknown location hint '${part.trim()}' (expects one of ${LOCATION_HINTS.join(', ')})`, {
          ...(sug ? { help: `did you mean '${sug}'?` } : {}),
        })
        ok = false
        continue
      }
      if (regions.includes(hint)) {
        cx.sv.diag.error('invalid-argument', span, `'health-regions' : region '${hint}' is listed twice`, { help: 'list each region once: every region has one vote' })
        ok = false
        continue
      }
      regions.push(hint)
    }
  }
  if (!ok) return
  if (p.healthLocation) {
    cx.sv.diag.error('invalid-argument', st.span, "'health-regions' : this backend already has 'health-location'", {
      help: "keep one: 'health-regions' places a monitor group in each region, 'health-location' one group in one place",
    })
    return
  }
  p.healthRegions = regions
}

export const EDGE_KEYWORDS: readonly KeywordDef[] = [
  {
    name: 'health-location',
    sections: BE_ONLY,
    support: 'yes',
    note: "edgeproxy only: the Durable Object location hint of the backend's health checks (wnam, enam, sam, weur, eeur, apac, oc, afr, me)",
    parse: parseHealthLocation,
  },
  {
    name: 'health-regions',
    sections: BE_ONLY,
    support: 'yes',
    note: 'edgeproxy only: check the servers from each listed location hint (one monitor group per region); a server is DOWN when a strict majority of the regions says so',
    parse: parseHealthRegions,
  },
]
