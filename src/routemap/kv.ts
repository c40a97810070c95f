/**
 * @module
 * RouteMaps in KV (binding `ROUTEMAPS`): immutable versions plus a small pointer, because KV
 * takes up to ~60 s to reach every location and caches what it read. A version is written once
 * and never changed; `edgeproxy push` writes the version, then the history, then flips the
 * pointer; `rollback` only flips the pointer. A Worker that reads a pointer to a version it cannot
 * read or that fails validation keeps the RouteMap it has.
 *
 *   routemap:live            {"version":"v3","hash":"…","at":"2026-…","by":"push"}
 *   routemap:version:v3      the RouteMap JSON (immutable)
 *   routemap:history         [{"version":"v1",…},…] newest last
 */
import { canonicalJson, sha256Hex } from '../util/sha256.ts'
import { ROUTEMAP_SCHEMA, type RouteMap } from './schema.ts'
import { formatValidationError, type KnownNames, validateRouteMap } from './validate.ts'

export const LIVE_KEY = 'routemap:live'
export const HISTORY_KEY = 'routemap:history'
export const versionKey = (version: string): string => `routemap:version:${version}`

export interface LivePointer {
  readonly version: string
  /** The RouteMap's content hash (checked against the version's own). */
  readonly hash: string
  /** ISO date of the flip. */
  readonly at: string
  readonly by: 'push' | 'rollback' | 'dev'
}

export interface HistoryEntry {
  readonly version: string
  readonly hash: string
  readonly at: string
  /** The configuration files it was compiled from. */
  readonly sources: readonly string[]
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The pointer, or undefined when absent or malformed. */
export function parsePointer(text: string | null | undefined): LivePointer | undefined {
  if (!text) return undefined
  try {
    const v = JSON.parse(text) as unknown
    if (!isObject(v) || typeof v.version !== 'string' || typeof v.hash !== 'string' || !/^v\d+$/.test(v.version)) return undefined
    return { version: v.version, hash: v.hash, at: typeof v.at === 'string' ? v.at : '', by: v.by === 'rollback' || v.by === 'dev' ? v.by : 'push' }
  } catch {
    return undefined
  }
}

export function parseHistory(text: string | null | undefined): HistoryEntry[] {
  if (!text) return []
  try {
    const v = JSON.parse(text) as unknown
    if (!Array.isArray(v)) return []
    return v.filter((e): e is HistoryEntry => isObject(e) && typeof e.version === 'string' && typeof e.hash === 'string')
  } catch {
    return []
  }
}

/** The SHA-256 of a RouteMap's content (everything but `hash`), as the compiler computes it. */
export function contentHash(routeMap: Readonly<Record<string, unknown>>): string {
  const { hash: _h, ...body } = routeMap
  return sha256Hex(canonicalJson(body))
}

/**
 * The schema before packed address lists and flat maps. Its versions are still read (their maps
 * made flat, their lists are plain numbers the engine still takes), so that a Worker of schema 2
 * keeps serving, and can roll back to, versions pushed before the upgrade.
 */
export const ROUTEMAP_SCHEMA_1 = 'edgeproxy.routemap/1'

/** A schema-1 RouteMap in schema 2's shape (its `hash` kept: the version's identity), or why not. */
function fromSchema1(v: Record<string, unknown>): Record<string, unknown> | string {
  if (!isObject(v.maps)) return 'invalid RouteMap: $.maps: expected an object'
  const maps: Record<string, string[]> = {}
  for (const [k, e] of Object.entries(v.maps)) {
    if (!Array.isArray(e)) return `invalid RouteMap: $.maps[${JSON.stringify(k)}]: expected an array`
    const flat: string[] = []
    for (const p of e) {
      if (!Array.isArray(p) || p.length !== 2) return `invalid RouteMap: $.maps[${JSON.stringify(k)}]: expected [key, value] pairs`
      flat.push(p[0] as string, p[1] as string)
    }
    maps[k] = flat
  }
  return { ...v, schema: ROUTEMAP_SCHEMA, maps }
}

/**
 * Why a stored RouteMap text cannot be used, or the RouteMap: it must be JSON, of this schema
 * (or schema 1, read in this one's shape), valid field by field (src/routemap/validate.ts, with
 * the engine's `names` when given), and its content must hash to its own `hash` and to the
 * pointer's (`expectedHash`).
 */
export function parseStoredRouteMap(text: string | null | undefined, expectedHash?: string, names?: KnownNames): RouteMap | string {
  if (!text) return 'missing'
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return 'not JSON'
  }
  if (!isObject(v)) return 'not a RouteMap object'
  if (v.schema !== ROUTEMAP_SCHEMA && v.schema !== ROUTEMAP_SCHEMA_1) return `schema '${String(v.schema)}' is not '${ROUTEMAP_SCHEMA}'`
  if (typeof v.hash !== 'string') return 'incomplete RouteMap: no hash'
  if (expectedHash !== undefined && v.hash !== expectedHash) return `hash ${v.hash.slice(0, 12)} does not match the pointer's ${expectedHash.slice(0, 12)}`
  if (v.schema === ROUTEMAP_SCHEMA_1) {
    // validated in schema 2's shape (which bounds its nesting before anything walks it), hashed as stored
    const up = fromSchema1(v)
    if (typeof up === 'string') return up
    const invalid = validateRouteMap(up, names)
    if (invalid) return `invalid RouteMap: ${formatValidationError(invalid)}`
    const actual = contentHash(v)
    if (actual !== v.hash) return `content hashes to ${actual.slice(0, 12)}, not to its declared ${v.hash.slice(0, 12)}`
    return up as unknown as RouteMap
  }
  const invalid = validateRouteMap(v, names)
  if (invalid) return `invalid RouteMap: ${formatValidationError(invalid)}`
  const actual = contentHash(v)
  if (actual !== v.hash) return `content hashes to ${actual.slice(0, 12)}, not to its declared ${v.hash.slice(0, 12)}`
  return v as unknown as RouteMap
}

/** The next version name after `history`: v1, v2, … */
export function nextVersion(history: readonly HistoryEntry[]): string {
  let max = 0
  for (const e of history) {
    const m = /^v(\d+)$/.exec(e.version)
    if (m) max = Math.max(max, Number(m[1]))
  }
  return `v${max + 1}`
}

/** The version `rollback` goes to: `target` if given (must exist), else the one before the live one. */
export function rollbackTarget(history: readonly HistoryEntry[], live: LivePointer | undefined, target?: string): HistoryEntry | string {
  if (target !== undefined) {
    const v = /^\d+$/.test(target) ? `v${target}` : target
    return history.find((e) => e.version === v) ?? `no version '${target}' (known: ${history.map((e) => e.version).join(', ') || 'none'})`
  }
  if (!live) return 'no live version to roll back from'
  const i = history.findIndex((e) => e.version === live.version)
  if (i <= 0) return `no version before the live one (${live.version})`
  return history[i - 1] as HistoryEntry
}
