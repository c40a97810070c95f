/**
 * @module
 * HAProxy's cache decisions (src/cache.c, http_ana.c), pure: what `http-request cache-use` looks up
 * (primary key "https://" + Host + URI, secondary key for `Vary`), and what `http-response
 * cache-store` stores and for how long (http_check_request_for_cacheability,
 * http_check_response_for_cacheability, http_calc_maxage), and what a hit sends (Age, 304 for
 * conditional requests). The Worker carries the objects with the Workers Cache API
 * (src/proxy/cache.ts); nothing here touches it.
 */
import { headerValues } from '../sample/fetches/hdr-values.ts'
import type { HeaderList } from '../sample/headers.ts'

/** A `cache` section as the actions see it (RouteMap CacheSpec without its origin). */
export interface CacheParams {
  readonly name: string
  readonly maxAgeS: number
  readonly maxObjectSize: number
  readonly processVary: boolean
  readonly maxSecondaryEntries: number
}

/** Vary support (vary_information): the request headers a secondary key is made of. */
export const VARY_ACCEPT_ENCODING = 1
export const VARY_REFERER = 2

/** Accept-Encoding / Content-Encoding bits (enum vary_encoding). */
const ENC: Readonly<Record<string, number>> = {
  gzip: 1 << 0,
  'x-gzip': 1 << 0,
  deflate: 1 << 1,
  br: 1 << 2,
  compress: 1 << 3,
  'x-compress': 1 << 3,
  aes128gcm: 1 << 4,
  exi: 1 << 5,
  'pack200-gzip': 1 << 6,
  zstd: 1 << 7,
  identity: 1 << 8,
  '*': 1 << 9,
}
const ENC_IDENTITY = 1 << 8
const ENC_STAR = 1 << 9
const ENC_OTHER = 1 << 10
const ALL_ENCODINGS = 0xffffffff

/**
 * A secondary key: the Accept-Encoding bitmap (for a stored object: its Content-Encoding bitmap)
 * and the first Referer, each present only when the Vary signature names it.
 */
export interface SecondaryKey {
  readonly signature: number
  readonly encodings?: number
  readonly referer?: string
}

/** One `cache-use` that should be looked up: the cache and the key computed by that rule. */
export interface CacheLookup {
  readonly cache: string
  readonly key: string
  /** The request's full secondary key (every Vary header), for caches with process-vary on. */
  readonly secondary?: SecondaryKey
}

/** What `cache-store` decided to store (the Worker adds the body). */
export interface CacheStore {
  readonly cache: string
  readonly key: string
  /** Seconds the object is fresh (the smaller of the response's own lifetime and `max-age`). */
  readonly ttlS: number
  /** When cache-store ran (epoch seconds): the object expires at storedAtS + ttlS. */
  readonly storedAtS: number
  /** The response head as the rules had left it when cache-store ran (without its Age). */
  readonly status: number
  readonly reason?: string
  readonly headers: readonly (readonly [string, string])[]
  /** The origin's Age header, added to the time spent in the cache on a hit. */
  readonly ageS: number
  /** Last-Modified, else Date, else the store time (epoch seconds), for If-Modified-Since. */
  readonly lastModifiedS: number
  /** Objects whose head plus body exceed this are not stored. */
  readonly maxObjectSize: number
  /** Bytes of the head as HAProxy counts them (start line and header names and values). */
  readonly headBytes: number
  /** Set when the response varies (process-vary on): this object's secondary key. */
  readonly variant?: SecondaryKey
  readonly maxSecondaryEntries: number
}

/**
 * The cache state of one transaction (HAProxy's TX_CACHEABLE, TX_CACHE_COOK, TX_CACHE_IGNORE and
 * cache hash): written by cache-use and cache-store, read by the Worker.
 */
export class CacheTx {
  /** TX_CACHEABLE: a safe method, no request `no-store` / Authorization (a response may set it back). */
  cacheable: boolean
  /** TX_CACHE_COOK. */
  cookieOk: boolean
  /** TX_CACHE_IGNORE: do not serve from the cache, do not store. */
  ignore = false
  /** The primary key computed by the last cache-use. */
  key?: string
  secondary?: SecondaryKey
  readonly lookups: CacheLookup[] = []
  store?: CacheStore
  /** Caches whose object for `key` a successful unsafe request invalidates (RFC 7234 4.4). */
  readonly invalidate: string[] = []

  constructor(method: string) {
    this.cacheable = SAFE.has(method)
    this.cookieOk = this.cacheable
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
/** Statuses cacheable by default (RFC 7231 6.1, http_wait_for_response). */
const CACHEABLE_STATUS = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501])

/** The request side of cache-use: version, method and http_check_request_for_cacheability. */
export function checkRequest(tx: CacheTx, method: string, version: string, headers: HeaderList): void {
  if (Number(version) < 1.1 || (method !== 'GET' && method !== 'HEAD')) tx.ignore = true
  if (!tx.cacheable && tx.ignore) return
  const pragma = headers.first('pragma')
  const noCachePragma = pragma !== undefined && pragma.toLowerCase() === 'no-cache'
  if (headers.has('authorization')) {
    tx.cacheable = false
    tx.cookieOk = false
    tx.ignore = true
  }
  const cc = headerValues(headers, 'cache-control', false)
  for (const v of cc) {
    const l = v.toLowerCase()
    if (l.startsWith('max-age') || l.startsWith('no-cache') || l.startsWith('max-stale') || l.startsWith('min-fresh')) tx.ignore = true
    else if (l.startsWith('no-store')) {
      tx.cacheable = false
      tx.cookieOk = false
    }
  }
  if (cc.length === 0 && noCachePragma) tx.ignore = true
}

/**
 * sha1_hosturi's input: the absolute URI when the request line has one, else "https://" + the
 * first Host value + the URI. Undefined without a Host.
 */
export function primaryKey(target: string, headers: HeaderList): string | undefined {
  if (target === '') return undefined
  if (!target.startsWith('/') && /^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target
  const host = headerValues(headers, 'host', false)[0]
  return host === undefined ? undefined : `https://${host}${target}`
}

/** Parses one encoding token (parse_encoding_value): its bit, whether its weight is `q=0`. */
function encodingOf(value: string): { bit: number; rejected: boolean } | undefined {
  const m = /^([a-z0-9*-]+)[ \t]*(;[ \t]*(.*))?$/.exec(value)
  const bit = m ? ENC[m[1] as string] : undefined
  if (!m || bit === undefined) return undefined
  return { bit, rejected: m[3] === 'q=0' }
}

/** accept_encoding_normalizer: the encodings a client takes, or undefined for 16 values or more. */
export function acceptedEncodings(headers: HeaderList): number | undefined {
  const values = headerValues(headers, 'accept-encoding', false)
  if (values.length === 0) return ALL_ENCODINGS
  if (values.length >= 16) return undefined
  let bits = ENC_IDENTITY
  let blocked = ALL_ENCODINGS
  for (const v of values) {
    if (v === '') continue
    const e = encodingOf(v.toLowerCase())
    if (!e) bits |= ENC_OTHER
    else if (e.rejected) blocked &= ~e.bit
    else bits |= e.bit
  }
  if (bits & ENC_STAR) bits = ALL_ENCODINGS
  return (bits & blocked) >>> 0
}

/** The request's secondary key over every supported Vary header (prebuild_full_secondary_key). */
export function requestSecondaryKey(headers: HeaderList): SecondaryKey | undefined {
  const encodings = acceptedEncodings(headers)
  if (encodings === undefined) return undefined
  const referer = headers.first('referer')
  return { signature: VARY_ACCEPT_ENCODING | VARY_REFERER, encodings, ...(referer !== undefined ? { referer } : {}) }
}

/**
 * http_check_vary_header: the Vary signature, or undefined when a Vary value names a header the
 * cache cannot vary on (only accept-encoding and referer are supported).
 */
export function varySignature(headers: HeaderList): number | undefined {
  let sig = 0
  for (const v of headerValues(headers, 'vary', false)) {
    const l = v.toLowerCase()
    if (l === 'accept-encoding') sig |= VARY_ACCEPT_ENCODING
    else if (l === 'referer') sig |= VARY_REFERER
    else return undefined
  }
  return sig
}

/** The Content-Encoding bitmap of a response (set_secondary_key_encoding); undefined if unknown. */
export function responseEncodings(headers: HeaderList): number | undefined {
  let bits = 0
  for (const v of headerValues(headers, 'content-encoding', false)) {
    const e = encodingOf(v)
    if (!e) return undefined
    bits |= e.bit
  }
  return bits === 0 ? ENC_IDENTITY : bits
}

/**
 * secondary_key_cmp for a stored object's key and a request's: the object's encodings must all be
 * accepted (and be known ones), and the Referer must be the same. The request's parts outside the
 * object's signature count as absent, as HAProxy builds them.
 */
export function variantMatches(stored: SecondaryKey, request: SecondaryKey): boolean {
  const sig = stored.signature
  const want = sig & VARY_ACCEPT_ENCODING ? (request.encodings ?? 0) : 0
  const have = stored.encodings ?? 0
  if (have & ENC_OTHER || (have & want) >>> 0 !== have) return false
  const ref = sig & VARY_REFERER ? request.referer : undefined
  return (sig & VARY_REFERER ? stored.referer : undefined) === ref
}

/**
 * http_check_response_for_cacheability applied to `tx` for a response of `status`: Pragma,
 * Cache-Control, then freshness (max-age, s-maxage, Expires) or a validator (ETag,
 * Last-Modified); neither means "do not store".
 */
export function checkResponse(tx: CacheTx, status: number, headers: HeaderList): void {
  if (!CACHEABLE_STATUS.has(status)) {
    tx.cacheable = false
    tx.cookieOk = false
  }
  if (status < 200) return
  const pragma = headers.first('pragma')
  if (pragma !== undefined && pragma.toLowerCase() === 'no-cache') {
    tx.cacheable = false
    tx.cookieOk = false
    return
  }
  let fresh = false
  for (const v of headerValues(headers, 'cache-control', false)) {
    const l = v.toLowerCase()
    if (l === 'public') {
      tx.cacheable = true
      tx.cookieOk = true
    } else if (l === 'private' || l === 'no-cache' || l === 'no-store' || l === 'max-age=0' || l === 's-maxage=0') {
      tx.cacheable = false
      tx.cookieOk = false
    } else if (l.startsWith('no-cache="set-cookie')) tx.cookieOk = false
    else if (l.startsWith('s-maxage') || l.startsWith('max-age')) fresh = true
  }
  if (!fresh) fresh = headers.has('expires')
  if (!fresh && !headers.has('etag') && !headers.has('last-modified')) tx.ignore = true
}

/** directive_value + strtol: the number after `word=` (quotes allowed); NaN when it is not one. */
function directive(value: string, word: string): number | undefined {
  if (value.length <= word.length || value.slice(0, word.length).toLowerCase() !== word || value[word.length] !== '=') return undefined
  let rest = value.slice(word.length + 1)
  if (rest.startsWith('"')) rest = rest.slice(1)
  const m = /^[ \t]*([+-]?\d+)/.exec(rest)
  return m ? Number(m[1]) : Number.NaN
}

/**
 * http_calc_maxage: seconds to keep the object (s-maxage, max-age, Expires − now, else the cache's
 * max-age, each capped by it), and the response's own lifetime (0 when it gave none). A malformed
 * max-age / s-maxage gives -1: the object is stored already expired.
 */
export function maxAge(headers: HeaderList, cacheMaxAgeS: number, nowS: number): { readonly effective: number; readonly own: number } {
  let smaxage = -1
  let maxage = -1
  for (const v of headerValues(headers, 'cache-control', false)) {
    const s = directive(v, 's-maxage')
    if (s !== undefined) {
      if (!(s >= 0)) return { effective: -1, own: 0 }
      smaxage = s
    }
    const m = directive(v, 'max-age')
    if (m !== undefined) {
      if (!(m >= 0)) return { effective: -1, own: 0 }
      maxage = m
    }
  }
  let expires = -1
  if (maxage === -1 && smaxage === -1) {
    const e = headers.first('expires')
    if (e !== undefined) {
      const t = parseHttpDate(e)
      expires = t === undefined ? 0 : Math.max(0, t - nowS)
    }
  }
  if (smaxage > 0) return { effective: Math.min(smaxage, cacheMaxAgeS), own: smaxage }
  if (maxage > 0) return { effective: Math.min(maxage, cacheMaxAgeS), own: maxage }
  if (expires >= 0) return { effective: Math.min(expires, cacheMaxAgeS), own: expires }
  return { effective: cacheMaxAgeS, own: 0 }
}

/** Bytes of a response head as HAProxy's HTX holds it: start line parts, header names and values. */
export function headSize(status: number, reason: string, headers: readonly (readonly [string, string])[]): number {
  let n = 8 + String(status).length + reason.length
  for (const [k, v] of headers) n += k.length + v.length
  return n
}

/**
 * http_action_store_cache: decides whether the response in `head` is stored in `cache` (recorded in
 * tx.store), or whether it invalidates the object (tx.invalidate). The Age header is removed from
 * the response when the object is stored, as HAProxy does.
 */
export function decideStore(
  tx: CacheTx,
  cache: CacheParams,
  req: { readonly method: string; readonly version: string; readonly headers: HeaderList; readonly cacheHit?: string },
  head: { readonly status: number; readonly reason?: string; readonly headers: HeaderList },
  nowS: number,
): void {
  if (req.cacheHit !== undefined || Number(req.version) < 1.1) return
  if (req.method !== 'GET') {
    if (head.status >= 200 && head.status < 400 && !SAFE.has(req.method) && tx.key !== undefined) tx.invalidate.push(cache.name)
    return
  }
  const key = tx.key
  if (key === undefined || head.status !== 200) return
  const h = head.headers
  const length = h.first('content-length')
  const reason = head.reason ?? 'OK'
  if (length !== undefined && /^\d+$/.test(length) && cache.maxObjectSize > 0 && headSize(200, reason, h.entries()) + Number(length) > cache.maxObjectSize) return
  let variant: SecondaryKey | undefined
  if (cache.processVary) {
    const sig = varySignature(h)
    if (sig === undefined) return
    if (sig !== 0) {
      if (!tx.secondary) return
      const encodings = responseEncodings(h)
      if (encodings === undefined) return
      // The stored key keeps the request's Referer when varying on it, and the response's encodings.
      variant = { signature: sig, encodings, ...(sig & VARY_REFERER && tx.secondary.referer !== undefined ? { referer: tx.secondary.referer } : {}) }
    }
  } else if (h.has('vary')) return
  checkResponse(tx, head.status, h)
  if (!tx.cacheable || !tx.cookieOk || tx.ignore) return
  const age = maxAge(h, cache.maxAgeS, nowS)
  let ageS = 0
  const ageHdr = h.first('age')
  if (ageHdr !== undefined) {
    if (!/^\d+$/.test(ageHdr) || Number(ageHdr) <= 0) return
    ageS = Math.min(Number(ageHdr), 2147483648)
    // A response older than its announced lifetime is stale: not stored.
    if (ageS > age.own) return
    h.delete('age')
  }
  if (age.effective <= 0) return
  const lm = h.first('last-modified')
  const date = h.first('date')
  const lastModifiedS = (lm !== undefined ? parseHttpDate(lm) : undefined) || (date !== undefined ? parseHttpDate(date) : undefined) || nowS
  const headers = h.entries().map(([k, v]) => [k, v] as const)
  tx.store = {
    cache: cache.name,
    key,
    ttlS: age.effective,
    storedAtS: nowS,
    status: 200,
    ...(head.reason !== undefined ? { reason: head.reason } : {}),
    headers,
    ageS,
    lastModifiedS,
    maxObjectSize: cache.maxObjectSize,
    headBytes: headSize(200, reason, headers),
    ...(variant ? { variant } : {}),
    maxSecondaryEntries: cache.maxSecondaryEntries,
  }
}

/** The Age a hit carries: time since it was stored plus the origin's Age (htx_cache_add_age_hdr). */
export function hitAge(storedAtS: number, originAgeS: number, nowS: number): number {
  return Math.min(Math.max(0, nowS - storedAtS) + originAgeS, 2147483648)
}

/** http_get_etag_type + http_compare_etags: weak comparison of two entity tags. */
function etagsMatch(a: string, b: string): boolean {
  const strip = (t: string): string | undefined => {
    if (t.length < 2 || !t.endsWith('"')) return undefined
    if (t.startsWith('"')) return t
    return t.startsWith('W/"') ? t.slice(2) : undefined
  }
  const x = strip(a)
  const y = strip(b)
  return x !== undefined && y !== undefined && x === y
}

/**
 * should_send_notmodified_response: a hit becomes "304 Not Modified" when an If-None-Match value is
 * `*` or the object's ETag, or, without If-None-Match, when If-Modified-Since is not before the
 * object's last modification.
 */
export function notModified(reqHeaders: HeaderList, etag: string | undefined, lastModifiedS: number): boolean {
  const inm = headerValues(reqHeaders, 'if-none-match', false)
  for (const v of inm) {
    if (v === '*') return true
    if (etag === undefined) break
    if (etagsMatch(etag, v)) return true
  }
  if (inm.length > 0) return false
  const ims = reqHeaders.first('if-modified-since')
  const t = ims === undefined ? undefined : parseHttpDate(ims)
  return t !== undefined && lastModifiedS <= t
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** The three date formats HTTP allows: a pattern and where year, month, day, h, m, s are in it. */
const DATE_FORMATS: readonly { readonly re: RegExp; readonly at: readonly [number, number, number, number, number, number] }[] = [
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  { re: /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/, at: [3, 2, 1, 4, 5, 6] },
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  { re: /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-([A-Z][a-z]{2})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/, at: [3, 2, 1, 4, 5, 6] },
  // asctime: Sun Nov  6 08:49:37 1994
  { re: /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/, at: [6, 1, 2, 3, 4, 5] },
]

/** parse_http_date: IMF-fixdate, RFC 850 or asctime, as epoch seconds; undefined otherwise. */
export function parseHttpDate(text: string): number | undefined {
  for (const f of DATE_FORMATS) {
    const m = f.re.exec(text)
    if (!m) continue
    const [y, mon, d, hh, mm, ss] = f.at.map((i) => (m[i] as string).trim())
    const month = MONTHS.indexOf(mon as string)
    let year = Number(y)
    if ((y as string).length === 2) year += year < 70 ? 2000 : 1900
    const [day, h, min, sec] = [Number(d), Number(hh), Number(mm), Number(ss)]
    if (month < 0 || day < 1 || day > 31 || h > 23 || min > 59 || sec > 60) return undefined
    return Math.floor(Date.UTC(year, month, day, h, min, sec) / 1000)
  }
  return undefined
}
