/**
 * @module
 * How much of an isolate a RouteMap may take, and an estimate of what it takes, from the compiled
 * RouteMap alone, so that `check` and `compile` can warn before a deploy (src/config/budget-check.ts).
 *
 * The budget. A Worker isolate has 128 MB (docs/differences.md). Out of it:
 * - the state the isolate keeps besides the RouteMap (stick-table views, caches, the runtime
 *   view): its own budget, src/state/budget.ts ISOLATE_STATE_BUDGET_BYTES = 24 MB, counted here as
 *   32 MB to leave a margin;
 * - the Worker's code, the request in flight and V8's headroom: 16 MB kept in reserve;
 * - which leaves 80 MB for RouteMaps. When a new version switches in (src/routemap/live.ts), the
 *   isolate holds the old map and its engine, the new one and its engine, and while it checks the
 *   new one also the stored text and its canonical JSON (hashed once): 2 × loaded + 2 × text.
 *   With a loaded map of at most 32 MB (and its text, a few MB), the switch fits the 80 MB.
 * So the budget of one loaded RouteMap is ISOLATE_ROUTEMAP_BUDGET = 32 MiB: `check` warns above it.
 * The hard limit is what cannot load at all, even with nothing else in the isolate but the state
 * and the reserve: loaded + 2 × text > 80 MiB, or a text KV refuses to store (25 MiB per value,
 * `edgeproxy push` could not publish it): `check` refuses those.
 *
 * The estimate, in bytes of V8 heap (Node 22, which keeps full 64-bit pointers; workerd compresses
 * them, so the edge needs the same or less). Calibrated by bench/routemap-size.ts against the heap
 * the loaded RouteMap and its engine keep after full collections (BENCHMARKS.md, routemap-size):
 * - packed address lists: the base64 text (kept in the RouteMap) + 8 bytes per IPv4 range and 32 per
 *   IPv6 range (the Uint32Array the matcher searches): exact, not a factor;
 * - map files: per entry MAP_ENTRY_BYTES (the [key, value] array and two strings' headers) + the
 *   characters; per converter method using the map (`map_str`, `map_beg`… each builds its own
 *   index), LOOKUP_ENTRY_BYTES per entry (IP_LOOKUP_ENTRY_BYTES for `map_ip*`);
 * - other pattern lists of 1,000 patterns or more (`path -f`, `-m str|beg|end|sub|…`): their JSON
 *   + LIST_ENTRY_BYTES per pattern (one string each, and the Set exact and prefix matching index);
 * - everything else: JSON_FACTOR × its JSON bytes (objects with shared shapes take about their
 *   JSON's size; 10,000 servers: 2.6 MB of JSON, 2.9 MB of heap).
 */
import { unpackRanges4, unpackRanges6 } from './packed.ts'
import type { Origin, RouteMap } from './schema.ts'

const MiB = 2 ** 20

/** A Worker isolate's memory (Cloudflare's limit). */
export const ISOLATE_MEMORY = 128 * MiB
/** The isolate's state besides the RouteMap (src/state/budget.ts: 24 MB; counted as 32 MB for a margin). */
export const STATE_BUDGET_ASSUMED = 32 * MiB
/** Code, the request in flight and V8's headroom. */
export const RUNTIME_RESERVE = 16 * MiB
/** What is left for RouteMaps: 80 MiB. */
export const ROUTEMAP_MEMORY = ISOLATE_MEMORY - STATE_BUDGET_ASSUMED - RUNTIME_RESERVE
/** One loaded RouteMap and its engine: half of ROUTEMAP_MEMORY less the text's share (a switch holds two). */
export const ISOLATE_ROUTEMAP_BUDGET = 32 * MiB
/** KV's largest value: a RouteMap text beyond it cannot be pushed. */
export const KV_VALUE_MAX = 25 * MiB

/** Calibrated factors (see the module comment and BENCHMARKS.md). */
export const JSON_FACTOR = 1.5
export const MAP_ENTRY_BYTES = 32
export const LOOKUP_ENTRY_BYTES = 45
/** `map_ip*` indexes IPv4 networks in sorted typed arrays: a few bytes per entry. */
export const IP_LOOKUP_ENTRY_BYTES = 10
export const LIST_ENTRY_BYTES = 56

/** A big item of the RouteMap: an ACL test's list or a map file. */
export interface LoadItem {
  /** `acl 'NAME'` or `map file 'FILE'`. */
  readonly what: string
  /** Where it is written (the ACL line, the first converter using the map). */
  readonly origin?: Origin
  /** Its estimated share of the loaded heap. */
  readonly bytes: number
  /** Entries (map) or merged ranges (address list); patterns for other lists. */
  readonly count: number
  readonly kind: 'ip' | 'list' | 'map'
}

export interface LoadEstimate {
  /** The RouteMap's JSON text (as stored in KV). */
  readonly textBytes: number
  /** The estimated heap of the loaded RouteMap and its engine. */
  readonly loadedBytes: number
  /** The ACL lists and maps, biggest first. */
  readonly items: readonly LoadItem[]
}

const jsonLength = (v: unknown): number => JSON.stringify(v)?.length ?? 0

/** Heap of a packed list (its text + the typed array it decodes to). */
function packedBytes(v: unknown, v6: boolean): { bytes: number; ranges: number; chars: number } {
  if (typeof v !== 'string') return { bytes: 0, ranges: 0, chars: 0 }
  const w = v6 ? unpackRanges6(v) : unpackRanges4(v)
  const words = typeof w === 'string' ? 0 : w.length
  return { bytes: v.length + words * 4, ranges: words / (v6 ? 8 : 2), chars: v.length }
}

/** Map files used by `map*` converters: how many methods index each (one index per method and output type). */
function mapIndexes(rm: RouteMap): Map<string, { kinds: Set<string>; origin?: Origin }> {
  const out = new Map<string, { kinds: Set<string>; origin?: Origin }>()
  const walk = (v: unknown, origin: Origin | undefined): void => {
    if (v === null || typeof v !== 'object') return
    if (Array.isArray(v)) {
      for (const x of v) walk(x, origin)
      return
    }
    const o = v as Record<string, unknown>
    const here = o.origin !== null && typeof o.origin === 'object' && 'line' in o.origin ? (o.origin as Origin) : origin
    if (typeof o.name === 'string' && Array.isArray(o.args) && /^map(_|$)/.test(o.name) && typeof o.args[0] === 'string') {
      const e = out.get(o.args[0]) ?? { kinds: new Set<string>(), ...(here ? { origin: here } : {}) }
      out.set(o.args[0], e)
      e.kinds.add(o.name === 'map' ? 'map_str' : o.name)
    }
    for (const k in o) if (k !== 'origin' && k !== 'data') walk(o[k], here)
  }
  walk(rm.frontends, undefined)
  walk(rm.backends, undefined)
  return out
}

/**
 * The loaded size of `rm`, estimated from its content. `textBytes` is the stored text's length
 * when the caller has it (the compiler has its canonical JSON), else computed.
 */
export function estimateLoad(rm: RouteMap, textBytes?: number): LoadEstimate {
  const text = textBytes ?? jsonLength(rm)
  const items: LoadItem[] = []
  let special = 0
  let specialJson = 0
  const seen = new Set<unknown>()
  for (const p of [...rm.frontends, ...rm.backends]) {
    for (const a of p.acls) {
      for (const t of a.tests) {
        // a `listen` proxy's ACLs are in both lists: count them once
        if (seen.has(t) || t.patternCount < 1000) continue
        seen.add(t)
        const d = t.data as Record<string, unknown> | null
        if (t.match === 'ip' && d) {
          const p4 = packedBytes(d.v4, false)
          const p6 = packedBytes(d.v6, true)
          if (p4.chars + p6.chars === 0) continue
          special += p4.bytes + p6.bytes
          specialJson += p4.chars + p6.chars
          items.push({ what: `acl '${a.name}'`, origin: t.origin, bytes: p4.bytes + p6.bytes, count: p4.ranges + p6.ranges, kind: 'ip' })
        } else {
          const j = jsonLength(t.data)
          const bytes = j + t.patternCount * LIST_ENTRY_BYTES
          special += bytes
          specialJson += j
          items.push({ what: `acl '${a.name}'`, origin: t.origin, bytes, count: t.patternCount, kind: 'list' })
        }
      }
    }
  }
  const uses = mapIndexes(rm)
  for (const [file, entries] of Object.entries(rm.maps)) {
    let chars = 0
    for (const s of entries) chars += s.length
    const u = uses.get(file)
    let perEntry = MAP_ENTRY_BYTES
    for (const k of u?.kinds ?? []) perEntry += k.startsWith('map_ip') ? IP_LOOKUP_ENTRY_BYTES : LOOKUP_ENTRY_BYTES
    const bytes = (entries.length / 2) * perEntry + chars
    special += bytes
    specialJson += jsonLength(entries)
    items.push({ what: `map file '${file}'`, ...(u?.origin ? { origin: u.origin } : {}), bytes, count: entries.length / 2, kind: 'map' })
  }
  items.sort((a, b) => b.bytes - a.bytes)
  return { textBytes: text, loadedBytes: Math.round(Math.max(0, text - specialJson) * JSON_FACTOR + special), items }
}

/** The estimated heap of `rm` loaded with its engine, in bytes. */
export function estimateLoadedBytes(rm: RouteMap): number {
  return estimateLoad(rm).loadedBytes
}

/** Whether the isolate cannot hold it at all (the refusal), or holds it beyond the budget (the warning). */
export function overBudget(e: LoadEstimate): 'refuse' | 'warn' | undefined {
  if (e.textBytes > KV_VALUE_MAX || e.loadedBytes + 2 * e.textBytes > ROUTEMAP_MEMORY) return 'refuse'
  if (e.loadedBytes > ISOLATE_ROUTEMAP_BUDGET) return 'warn'
  return undefined
}
