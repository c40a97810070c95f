/**
 * @module
 * HAProxy's `cache` sections carried by the Workers Cache API: one named cache per section
 * (`caches.open('edgeproxy:<name>')`), one object per primary key, an index object listing the
 * variants when a response varies (`process-vary on`). What is looked up, stored and for how long
 * is the engine's decision (src/engine/cache.ts); this module only moves bytes:
 * - a hit is read back with HAProxy's head (the stored header lines, plus `Age`, or a 304 for a
 *   matching conditional request) and served without contacting the origin;
 * - a stored response is copied (tee) while it streams to the client and put in the background,
 *   unless head and body exceed `max-object-size`.
 * The Cache API's own freshness (Cache-Control: max-age on the stored copy) is only a backstop:
 * each object carries HAProxy's expiry date, checked on every lookup.
 */
import { type CacheStore, type CacheTx, hitAge, notModified, type SecondaryKey, variantMatches } from '../engine/cache.ts'
import type { HeaderList } from '../sample/headers.ts'

/** The parts of a Workers `Cache` used here. */
export interface CacheLike {
  match(request: Request): Promise<Response | undefined>
  put(request: Request, response: Response): Promise<void>
  delete(request: Request): Promise<boolean>
}

export interface CacheDeps {
  /** `caches` (CacheStorage) or a stand-in. */
  readonly storage: { open(name: string): Promise<CacheLike> }
  /** Keeps background puts alive after the response (ctx.waitUntil). */
  readonly waitUntil: (p: Promise<unknown>) => void
  /** Epoch milliseconds. */
  readonly now: () => number
}

/** A response served from a cache. */
export interface CacheHit {
  readonly cache: string
  readonly status: number
  readonly reason: string
  readonly headers: [string, string][]
  readonly body: ReadableStream<Uint8Array> | null
  /** Body bytes sent. */
  readonly bodyBytes: number
}

/** What an object carries besides its body (header META, URI-encoded JSON). */
interface Meta {
  /** Status, reason and header lines as stored. */
  readonly s: number
  readonly r: string
  readonly h: [string, string][]
  /** Stored at, expires at (epoch s), origin Age, last modification (epoch s), body bytes. */
  readonly t: number
  readonly e: number
  readonly a: number
  readonly m: number
  readonly n: number
}

/** The variants of a primary key (the index object's body). */
interface Variant extends SecondaryKey {
  readonly id: string
  readonly e: number
}

const META = 'x-edgeproxy-cache'
const INDEX = 'x-edgeproxy-cache-index'

const cacheName = (name: string): string => `edgeproxy:${name}`
const keyUrl = (key: string, variant?: string): string => `https://edgeproxy.cache/${encodeURIComponent(key)}${variant === undefined ? '' : `?v=${variant}`}`

function readMeta(res: Response): Meta | undefined {
  const v = res.headers.get(META)
  if (v === null) return undefined
  try {
    return JSON.parse(decodeURIComponent(v)) as Meta
  } catch {
    return undefined
  }
}

/**
 * Looks up the request's `cache-use` rules (the last that finds a fresh object wins, as the last
 * rule sets the stream's target in HAProxy). Undefined on a miss, and when the Cache API fails
 * (the request then goes to the origin, as after a miss).
 */
export async function lookupCache(tx: CacheTx, method: string, reqHeaders: HeaderList, deps: CacheDeps): Promise<CacheHit | undefined> {
  try {
    return await lookup(tx, method, reqHeaders, deps)
  } catch {
    return undefined
  }
}

async function lookup(tx: CacheTx, method: string, reqHeaders: HeaderList, deps: CacheDeps): Promise<CacheHit | undefined> {
  const nowS = Math.floor(deps.now() / 1000)
  for (let i = tx.lookups.length - 1; i >= 0; i--) {
    const l = tx.lookups[i] as CacheTx['lookups'][number]
    const cache = await deps.storage.open(cacheName(l.cache))
    let res = await cache.match(new Request(keyUrl(l.key)))
    if (res?.headers.has(INDEX)) {
      const variants = (await res.json()) as Variant[]
      const want = l.secondary
      const v = want ? variants.find((x) => x.e > nowS && variantMatches(x, want)) : undefined
      res = v ? await cache.match(new Request(keyUrl(l.key, v.id))) : undefined
    }
    if (!res) continue
    const meta = readMeta(res)
    if (!meta || meta.e <= nowS) {
      await res.body?.cancel()
      continue
    }
    const headers = meta.h.map(([k, v]) => [k, v] as [string, string])
    headers.push(['Age', String(hitAge(meta.t, meta.a, nowS))])
    const etag = headers.find(([k]) => k.toLowerCase() === 'etag')?.[1]
    const nm = notModified(reqHeaders, etag, meta.m)
    const bodyless = nm || method === 'HEAD'
    if (bodyless) await res.body?.cancel()
    return {
      cache: l.cache,
      status: nm ? 304 : meta.s,
      reason: nm ? 'Not Modified' : meta.r,
      headers,
      body: bodyless ? null : res.body,
      bodyBytes: bodyless ? 0 : meta.n,
    }
  }
  return undefined
}

/**
 * After the response rules: stores the origin's response when cache-store decided so (returning a
 * copy whose body is shared with the cache), and drops objects a successful unsafe request
 * invalidated. `origin` is returned unchanged otherwise.
 */
export function cacheResponse(tx: CacheTx, origin: Response, deps: CacheDeps): Response {
  if (tx.invalidate.length > 0 && tx.key !== undefined) {
    const key = tx.key
    for (const name of tx.invalidate)
      deps.waitUntil(
        deps.storage
          .open(cacheName(name))
          .then((c) => c.delete(new Request(keyUrl(key))))
          .catch(() => false),
      )
  }
  const store = tx.store
  if (!store || !origin.body) return origin
  // The client's copy and the cache's share the origin's stream; the cache's is read in the background.
  const [client, copy] = origin.body.tee()
  deps.waitUntil(put(store, origin.statusText, copy, deps).catch(() => undefined))
  return new Response(client, origin)
}

/** Reads the copy up to max-object-size and puts it (and the variant index when it varies). */
async function put(store: CacheStore, statusText: string, body: ReadableStream<Uint8Array>, deps: CacheDeps): Promise<void> {
  const chunks: Uint8Array[] = []
  let bytes = 0
  const reader = body.getReader()
  for (;;) {
    const r = await reader.read()
    if (r.done) break
    bytes += r.value.byteLength
    if (store.maxObjectSize > 0 && store.headBytes + bytes > store.maxObjectSize) {
      await reader.cancel()
      return
    }
    chunks.push(r.value)
  }
  const meta: Meta = {
    s: store.status,
    r: store.reason ?? statusText,
    h: store.headers.map(([k, v]) => [k, v]),
    t: store.storedAtS,
    e: store.storedAtS + store.ttlS,
    a: store.ageS,
    m: store.lastModifiedS,
    n: bytes,
  }
  const data = new Uint8Array(bytes)
  let at = 0
  for (const c of chunks) {
    data.set(c, at)
    at += c.byteLength
  }
  const cache = await deps.storage.open(cacheName(store.cache))
  const object = (): Response => new Response(data, { headers: { 'cache-control': `max-age=${store.ttlS}`, [META]: encodeURIComponent(JSON.stringify(meta)) } })
  const variant = store.variant
  if (!variant) {
    await cache.put(new Request(keyUrl(store.key)), object())
    return
  }
  // A response that varies: one object per variant, and the primary key's index lists them.
  const nowS = Math.floor(deps.now() / 1000)
  const found = await cache.match(new Request(keyUrl(store.key)))
  let listed: Variant[] = []
  if (found?.headers.has(INDEX)) listed = (await found.json()) as Variant[]
  else await found?.body?.cancel()
  const same = (v: Variant): boolean => v.signature === variant.signature && v.encodings === variant.encodings && v.referer === variant.referer
  const live = listed.filter((v) => v.e > nowS && !same(v))
  if (live.length >= store.maxSecondaryEntries) return
  const id = `${meta.t}.${Math.floor(Math.random() * 1e9).toString(36)}`
  await cache.put(new Request(keyUrl(store.key, id)), object())
  live.push({ ...variant, id, e: meta.e })
  const ttl = Math.max(...live.map((v) => v.e - nowS))
  await cache.put(new Request(keyUrl(store.key)), new Response(JSON.stringify(live), { headers: { 'cache-control': `max-age=${ttl}`, [INDEX]: '1' } }))
}
