/**
 * @module
 * `filter <name> [args]` (HAProxy doc 9): a table of filter types. `cache` is carried by the
 * Workers Cache API (./cache.ts); the others are known but not supported at the edge.
 */
import type { Word } from '../lexer.ts'
import { parseCacheFilter } from './cache.ts'
import type { KeywordContext, Statement } from './types.ts'

type FilterParse = (st: Statement, cx: KeywordContext, args: readonly Word[]) => void

const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  compression: 'Cloudflare compresses responses itself (Speed > Optimization > Content Optimization)',
  spoe: 'SPOE agents cannot be reached from the edge',
  trace: 'use wrangler tail and Workers Logs to trace requests',
  'bwlim-in': 'bandwidth limits are not supported at the edge',
  'bwlim-out': 'bandwidth limits are not supported at the edge',
  'fcgi-app': 'FastCGI applications cannot be reached from a Worker',
}

const FILTERS: Readonly<Record<string, FilterParse>> = {
  cache: parseCacheFilter,
}

export function parseFilter(st: Statement, cx: KeywordContext): void {
  const type = st.args[0]
  if (!type) {
    cx.sv.diag.error('missing-argument', st.span, "'filter' expects a filter name")
    return
  }
  const parse = FILTERS[type.text]
  if (parse) return parse(st, cx, st.args.slice(1))
  const note = NOT_SUPPORTED[type.text]
  if (note !== undefined) cx.sv.diag.error('not-supported', type.span, `'filter ${type.text}' is not supported yet: ${note}`)
  else cx.sv.diag.error('unknown-keyword', type.span, `'filter' : unknown filter '${type.text}'`, { help: `known: cache, ${Object.keys(NOT_SUPPORTED).join(', ')}` })
}
