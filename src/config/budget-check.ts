/**
 * @module
 * `check`/`compile`: the compiled RouteMap against the isolate's memory budget
 * (src/routemap/budget.ts). Above the budget, a warning on the line of each of the biggest lists
 * and maps saying how big it is and what
 * to do; beyond what an isolate can load at all, or beyond what KV can store, an error there.
 * The lines shown are those of the biggest items, each a tenth of the estimate or more (at most three).
 */
import { estimateLoad, ISOLATE_MEMORY, ISOLATE_ROUTEMAP_BUDGET, KV_VALUE_MAX, type LoadItem, overBudget, ROUTEMAP_MEMORY } from '../routemap/budget.ts'
import type { RouteMap } from '../routemap/schema.ts'
import type { DiagnosticBag } from './diagnostics.ts'
import { type SourceFile, type SourceSpan, spanAt } from './source.ts'

const mb = (b: number): string => `${Number.isInteger(b / 2 ** 20) ? b / 2 ** 20 : (b / 2 ** 20).toFixed(1)} MB`
const count = (n: number): string => n.toLocaleString('en-US')

/** The item's line, at its `-f` flag or map converter when the line shows it. */
function itemSpan(item: LoadItem, files: ReadonlyMap<string, SourceFile>, fallback: SourceSpan): SourceSpan {
  const o = item.origin
  if (!o) return fallback
  const line = files.get(o.file)?.lines[o.line - 1] ?? ''
  const m = item.kind === 'map' ? /\bmap(?:_\w+)?(?=\()/.exec(line) : /(?<=^|\s)-f(?=\s)/.exec(line)
  if (m) return spanAt(o.file, o.line, m.index + 1, m[0].length)
  const lead = /^\s*/.exec(line)?.[0].length ?? 0
  return spanAt(o.file, o.line, lead + 1)
}

const HELP: Readonly<Record<LoadItem['kind'], (i: LoadItem) => string>> = {
  ip: (i) =>
    `the RouteMap keeps an address list as merged ranges (${count(i.count)} here): list networks (CIDRs) instead of single addresses, or keep only the addresses that matter; runtime API edits ('add acl') are held by every isolate too, so they do not save memory`,
  list: () => "shorten the list, or match on fewer, broader patterns; runtime API edits ('add acl') are held by every isolate too",
  map: () => "shorten the map, and use one match method per map file (each map_* method builds its own index of it); runtime API edits ('add map') are held by every isolate too",
}

/** Reports the RouteMap's memory against the budget; true when it is refused (an error was reported). */
export function checkBudget(rm: RouteMap, textBytes: number, diag: DiagnosticBag, files: ReadonlyMap<string, SourceFile>): boolean {
  const e = estimateLoad(rm, textBytes)
  const verdict = overBudget(e)
  if (!verdict) return false
  const first = files.values().next().value
  const fallback = spanAt(first?.name ?? '<config>', 1, 1)
  // the biggest lists and maps, each a tenth of the whole or more (at most three)
  const shown = e.items.filter((i) => i.bytes >= 2 ** 20 && i.bytes >= e.loadedBytes / 10).slice(0, 3)
  const total = `the compiled RouteMap (${mb(e.textBytes)} of JSON) needs about ${mb(e.loadedBytes)} of each isolate's memory`
  if (verdict === 'refuse') {
    const why =
      e.textBytes > KV_VALUE_MAX
        ? `its JSON is larger than the ${mb(KV_VALUE_MAX)} KV stores in one value, so it cannot be pushed`
        : `an isolate has ${mb(ISOLATE_MEMORY)} and at most ${mb(ROUTEMAP_MEMORY)} of it for the RouteMap while it loads (the map, its engine and its text twice)`
    const at = shown[0]
    diag.error('isolate-memory', at ? itemSpan(at, files, fallback) : fallback, `${total}: ${why}${at ? `; ${at.what} alone takes ${mb(at.bytes)}` : ''}`, {
      help: at ? HELP[at.kind](at) : 'split the configuration or shorten its lists and maps',
    })
    return true
  }
  if (shown.length === 0) {
    diag.warning('isolate-memory', fallback, `${total}, more than the ${mb(ISOLATE_ROUTEMAP_BUDGET)} budget of an isolate's ${mb(ISOLATE_MEMORY)} (docs/routemap.md)`)
    return false
  }
  for (const i of shown) {
    diag.warning(
      'isolate-memory',
      itemSpan(i, files, fallback),
      `${total}, more than the ${mb(ISOLATE_ROUTEMAP_BUDGET)} budget of an isolate's ${mb(ISOLATE_MEMORY)}; ${i.what} takes ${mb(i.bytes)} (${count(i.count)} ${i.kind === 'ip' ? 'merged ranges' : i.kind === 'map' ? 'entries' : 'patterns'})`,
      {
        help: HELP[i.kind](i),
      },
    )
  }
  return false
}
