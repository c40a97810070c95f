/**
 * @module
 * Publishing RouteMaps to KV (src/routemap/kv.ts layout), shared by `edgeproxy push|rollback|
 * status` (KV through wrangler, local or remote) and `edgeproxy dev` (Miniflare's local KV).
 * Order matters for a reader that may look at any moment: the immutable version first, then
 * the history, then the pointer flip — a reader sees either the old version or the new one.
 */
import { HISTORY_KEY, type HistoryEntry, LIVE_KEY, type LivePointer, nextVersion, parseHistory, parsePointer, parseStoredRouteMap, rollbackTarget, versionKey } from './kv.ts'
import type { RouteMap } from './schema.ts'

export interface KvStore {
  get(key: string): Promise<string | null>
  /** Writes several keys; implementations may batch them, in order. */
  putMany(entries: readonly { key: string; value: string }[]): Promise<void>
}

export interface PushResult {
  readonly version: string
  readonly previous?: string
  /** True when this RouteMap was already live (nothing written). */
  readonly unchanged: boolean
}

export async function readState(kv: KvStore): Promise<{ live?: LivePointer; history: HistoryEntry[] }> {
  const [live, history] = await Promise.all([kv.get(LIVE_KEY), kv.get(HISTORY_KEY)])
  const p = parsePointer(live)
  return { ...(p ? { live: p } : {}), history: parseHistory(history) }
}

export async function push(kv: KvStore, routeMap: RouteMap, sources: readonly string[], by: LivePointer['by'] = 'push', now = new Date()): Promise<PushResult> {
  const { live, history } = await readState(kv)
  if (live && live.hash === routeMap.hash) return { version: live.version, unchanged: true, previous: live.version }
  // The same content pushed before is a new version too: versions are the order of pushes.
  const version = nextVersion(history)
  const at = now.toISOString()
  const entry: HistoryEntry = { version, hash: routeMap.hash, at, sources }
  const pointer: LivePointer = { version, hash: routeMap.hash, at, by }
  await kv.putMany([
    { key: versionKey(version), value: JSON.stringify(routeMap) },
    { key: HISTORY_KEY, value: JSON.stringify([...history, entry]) },
  ])
  await kv.putMany([{ key: LIVE_KEY, value: JSON.stringify(pointer) }])
  return { version, unchanged: false, ...(live ? { previous: live.version } : {}) }
}

export class RollbackError extends Error {}

export async function rollback(kv: KvStore, target?: string, now = new Date()): Promise<PushResult> {
  const { live, history } = await readState(kv)
  const to = rollbackTarget(history, live, target)
  if (typeof to === 'string') throw new RollbackError(to)
  // The version must still be readable and valid before the pointer moves to it.
  const check = parseStoredRouteMap(await kv.get(versionKey(to.version)), to.hash)
  if (typeof check === 'string') throw new RollbackError(`version ${to.version} is unusable: ${check}`)
  if (live?.version === to.version) return { version: to.version, unchanged: true, previous: live.version }
  const pointer: LivePointer = { version: to.version, hash: to.hash, at: now.toISOString(), by: 'rollback' }
  await kv.putMany([{ key: LIVE_KEY, value: JSON.stringify(pointer) }])
  return { version: to.version, unchanged: false, ...(live ? { previous: live.version } : {}) }
}

/** `edgeproxy status`: the live version and the history, newest first. */
export function formatStatus(live: LivePointer | undefined, history: readonly HistoryEntry[]): string {
  const lines: string[] = []
  if (!live) lines.push('live: none (the Worker runs its built-in RouteMap)')
  else lines.push(`live: ${live.version} ${live.hash.slice(0, 12)} since ${live.at} (${live.by})`)
  if (history.length > 0) {
    lines.push('versions:')
    for (const e of [...history].reverse()) lines.push(`  ${e.version === live?.version ? '*' : ' '} ${e.version.padEnd(5)} ${e.hash.slice(0, 12)}  ${e.at}  ${e.sources.join(' ')}`)
  }
  return lines.join('\n')
}
