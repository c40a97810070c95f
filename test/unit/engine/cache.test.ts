import { describe, expect, it } from 'vitest'
import {
  acceptedEncodings,
  type CacheParams,
  CacheTx,
  checkRequest,
  decideStore,
  maxAge,
  notModified,
  parseHttpDate,
  primaryKey,
  requestSecondaryKey,
  responseEncodings,
  variantMatches,
  varySignature,
} from '../../../src/engine/cache.ts'
import { HeaderList } from '../../../src/sample/headers.ts'

/*
 * HAProxy's cache rules (src/cache.c, http_ana.c) as engine/cache.ts implements them: request
 * cacheability, the primary key, the TTL (http_calc_maxage), what cache-store keeps, Vary
 * secondary keys and conditional hits.
 */
const NOW = 1_800_000_000
const C: CacheParams = { name: 'c', maxAgeS: 60, maxObjectSize: 4096, processVary: false, maxSecondaryEntries: 10 }
const h = (...lines: [string, string][]) => new HeaderList(lines)

function txFor(method: string, headers: HeaderList, version = '1.1'): CacheTx {
  const tx = new CacheTx(method)
  checkRequest(tx, method, version, headers)
  tx.key = 'https://example.com/a'
  return tx
}

/** What cache-store decides for a GET whose response has `res` headers (status 200 unless told). */
function store(res: HeaderList, opts: { req?: HeaderList; method?: string; status?: number; cache?: CacheParams; version?: string } = {}) {
  const req = opts.req ?? h()
  const method = opts.method ?? 'GET'
  const tx = txFor(method, req, opts.version)
  if ((opts.cache ?? C).processVary) {
    const s = requestSecondaryKey(req)
    if (s) tx.secondary = s
  }
  decideStore(tx, opts.cache ?? C, { method, version: opts.version ?? '1.1', headers: req }, { status: opts.status ?? 200, headers: res }, NOW)
  return tx
}

describe('request cacheability (cache-use)', () => {
  it.each([
    ['GET', [], '1.1', false],
    ['HEAD', [], '1.1', false],
    ['GET', [], '2.0', false],
    ['POST', [], '1.1', true],
    ['OPTIONS', [], '1.1', true],
    ['GET', [], '1.0', true],
    ['GET', [['Authorization', 'Basic x']], '1.1', true],
    ['GET', [['Cache-Control', 'no-cache']], '1.1', true],
    ['GET', [['Cache-Control', 'max-age=0']], '1.1', true],
    ['GET', [['Cache-Control', 'max-stale=5']], '1.1', true],
    ['GET', [['Cache-Control', 'min-fresh=5']], '1.1', true],
    ['GET', [['Pragma', 'no-cache']], '1.1', true],
    // Pragma is ignored when Cache-Control is present (RFC 7234 5.4).
    [
      'GET',
      [
        ['Pragma', 'no-cache'],
        ['Cache-Control', 'no-transform'],
      ],
      '1.1',
      false,
    ],
    // no-store: may be served from the cache, but the response is not stored.
    ['GET', [['Cache-Control', 'no-store']], '1.1', false],
  ] as [string, [string, string][], string, boolean][])('%s %j HTTP/%s: lookup ignored = %s', (method, headers, version, ignored) => {
    expect(txFor(method, h(...headers), version).ignore).toBe(ignored)
  })

  it('keys by "https://" + the first Host value + the URI, or the absolute URI', () => {
    expect(primaryKey('/a?b=1', h(['Host', 'Example.com:8080, other']))).toBe('https://Example.com:8080/a?b=1')
    expect(primaryKey('http://x.test/p', h(['Host', 'y']))).toBe('http://x.test/p')
    expect(primaryKey('/a', h())).toBeUndefined()
  })
})

describe('http_calc_maxage', () => {
  it.each([
    ['s-maxage=30, max-age=10', 30, 30],
    ['max-age=10', 10, 10],
    ['max-age=600', 60, 600],
    ['max-age="20"', 20, 20],
    ['max-age=abc', -1, 0],
    ['public', 60, 0],
  ] as const)('Cache-Control: %s → %d s (own %d)', (cc, effective, own) => {
    expect(maxAge(h(['Cache-Control', cc]), 60, NOW)).toEqual({ effective, own })
  })

  it('reads Expires relative to now, capped by max-age, and an invalid date as past', () => {
    const at = (s: number) => new Date((NOW + s) * 1000).toUTCString()
    expect(maxAge(h(['Expires', at(5)]), 60, NOW)).toEqual({ effective: 5, own: 5 })
    expect(maxAge(h(['Expires', at(500)]), 60, NOW)).toEqual({ effective: 60, own: 500 })
    expect(maxAge(h(['Expires', 'tomorrow']), 60, NOW)).toEqual({ effective: 0, own: 0 })
    // Cache-Control wins over Expires.
    expect(maxAge(h(['Expires', at(5)], ['Cache-Control', 'max-age=30']), 60, NOW).effective).toBe(30)
  })

  it('parses the three HTTP date formats', () => {
    const t = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(t)
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(t)
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(t)
    expect(parseHttpDate('1994-11-06T08:49:37Z')).toBeUndefined()
  })
})

describe('cache-store', () => {
  it('stores a fresh 200 for its lifetime capped by max-age, without its Age', () => {
    const res = h(['Cache-Control', 'max-age=600'], ['Age', '7'], ['Content-Length', '10'])
    const s = store(res).store
    expect(s).toMatchObject({ cache: 'c', key: 'https://example.com/a', ttlS: 60, storedAtS: NOW, ageS: 7, status: 200, lastModifiedS: NOW })
    expect(s?.headers).toEqual([
      ['Cache-Control', 'max-age=600'],
      ['Content-Length', '10'],
    ])
    expect(res.has('age')).toBe(false)
  })

  it.each([
    ['no-store', h(['Cache-Control', 'no-store'])],
    ['private', h(['Cache-Control', 'private'])],
    ['no-cache', h(['Cache-Control', 'no-cache'])],
    ['max-age=0', h(['Cache-Control', 'max-age=0'])],
    ['s-maxage=0', h(['Cache-Control', 's-maxage=0'])],
    ['Pragma: no-cache', h(['Pragma', 'no-cache'], ['Cache-Control', 'max-age=5'])],
    ['no-cache="set-cookie"', h(['Cache-Control', 'max-age=5, no-cache="set-cookie"'])],
    ['no freshness, no validator', h(['Content-Type', 'text/plain'])],
    ['Vary without process-vary', h(['Cache-Control', 'max-age=5'], ['Vary', 'accept-encoding'])],
    ['an Age of 0', h(['Cache-Control', 'max-age=5'], ['Age', '0'])],
    ['older than its lifetime', h(['Cache-Control', 'max-age=5'], ['Age', '6'])],
    ['an Expires in the past', h(['Expires', 'Thu, 01 Jan 1970 00:00:00 GMT'])],
    ['larger than max-object-size', h(['Cache-Control', 'max-age=5'], ['Content-Length', '4096'])],
  ])('does not store a response with %s', (_why, res) => {
    expect(store(res).store).toBeUndefined()
  })

  it('stores with only a validator (ETag / Last-Modified) for the cache max-age, and with Set-Cookie', () => {
    expect(store(h(['ETag', '"v1"'])).store?.ttlS).toBe(60)
    expect(store(h(['Last-Modified', 'Sun, 06 Nov 1994 08:49:37 GMT'])).store?.lastModifiedS).toBe(784111777)
    expect(store(h(['Cache-Control', 'max-age=5'], ['Set-Cookie', 'a=1'])).store?.ttlS).toBe(5)
  })

  it('lets a public response override a request no-store, but not an Authorization', () => {
    expect(store(h(['Cache-Control', 'max-age=5']), { req: h(['Cache-Control', 'no-store']) }).store).toBeUndefined()
    expect(store(h(['Cache-Control', 'public, max-age=5']), { req: h(['Cache-Control', 'no-store']) }).store?.ttlS).toBe(5)
    expect(store(h(['Cache-Control', 'public'], ['Cache-Control', 'max-age=5']), { req: h(['Authorization', 'x']) }).store).toBeUndefined()
  })

  it('stores only 200 answers to HTTP/1.1 GET requests', () => {
    const fresh = () => h(['Cache-Control', 'max-age=5'])
    expect(store(fresh(), { status: 203 }).store).toBeUndefined()
    expect(store(fresh(), { method: 'HEAD' }).store).toBeUndefined()
    expect(store(fresh(), { version: '1.0' }).store).toBeUndefined()
  })

  it('invalidates on a successful unsafe method only', () => {
    expect(store(h(), { method: 'POST', status: 201 }).invalidate).toEqual(['c'])
    expect(store(h(), { method: 'DELETE', status: 302 }).invalidate).toEqual(['c'])
    expect(store(h(), { method: 'POST', status: 500 }).invalidate).toEqual([])
    expect(store(h(), { method: 'OPTIONS', status: 200 }).invalidate).toEqual([])
  })
})

describe('Vary (process-vary on)', () => {
  const V: CacheParams = { ...C, processVary: true }

  it('keys a variant by the response encoding and the request Referer', () => {
    const req = h(['Accept-Encoding', 'gzip, br'], ['Referer', 'https://r/'])
    const s = store(h(['Cache-Control', 'max-age=5'], ['Vary', 'accept-encoding,referer'], ['Content-Encoding', 'gzip']), { req, cache: V }).store
    expect(s?.variant).toEqual({ signature: 3, encodings: 1, referer: 'https://r/' })
  })

  it('refuses other Vary headers and unknown encodings', () => {
    expect(varySignature(h(['Vary', 'accept-encoding, user-agent']))).toBeUndefined()
    expect(varySignature(h(['Vary', 'Accept-Encoding'], ['Vary', 'Referer']))).toBe(3)
    expect(responseEncodings(h(['Content-Encoding', 'snappy']))).toBeUndefined()
    expect(store(h(['Cache-Control', 'max-age=5'], ['Vary', 'cookie']), { cache: V }).store).toBeUndefined()
  })

  it('serves a variant whose encodings the client accepts', () => {
    const gzip = { signature: 1, encodings: responseEncodings(h(['Content-Encoding', 'gzip'])) as number }
    const plain = { signature: 1, encodings: responseEncodings(h()) as number }
    const req = (ae?: string) => requestSecondaryKey(ae === undefined ? h() : h(['Accept-Encoding', ae])) ?? { signature: 0 }
    expect(variantMatches(gzip, req('gzip, deflate'))).toBe(true)
    expect(variantMatches(gzip, req('br'))).toBe(false)
    expect(variantMatches(gzip, req('*'))).toBe(true)
    expect(variantMatches(gzip, req('*, gzip;q=0'))).toBe(false)
    expect(variantMatches(plain, req('br'))).toBe(true)
    expect(variantMatches(plain, req('identity;q=0'))).toBe(false)
    expect(variantMatches(gzip, req())).toBe(true)
    // Varying on Referer alone never matches (HAProxy 2.6: the request's encoding part stays empty).
    const byRef = { signature: 2, encodings: responseEncodings(h()) as number, referer: 'https://a/' }
    expect(variantMatches(byRef, requestSecondaryKey(h(['Referer', 'https://a/'])) ?? { signature: 0 })).toBe(false)
    expect(acceptedEncodings(h(...Array.from({ length: 16 }, (_, i) => ['Accept-Encoding', `e${i}`] as [string, string])))).toBeUndefined()
  })
})

describe('conditional hits', () => {
  const lm = 1_000_000
  it('answers 304 for a matching If-None-Match (weak comparison) or `*`', () => {
    expect(notModified(h(['If-None-Match', '"a", W/"v1"']), '"v1"', lm)).toBe(true)
    expect(notModified(h(['If-None-Match', '*']), undefined, lm)).toBe(true)
    expect(notModified(h(['If-None-Match', '"v2"']), '"v1"', lm)).toBe(false)
    // If-None-Match present: If-Modified-Since is not considered.
    expect(notModified(h(['If-None-Match', '"v2"'], ['If-Modified-Since', new Date(lm * 2000).toUTCString()]), '"v1"', lm)).toBe(false)
  })

  it('answers 304 when If-Modified-Since is not before the last modification', () => {
    expect(notModified(h(['If-Modified-Since', new Date(lm * 1000).toUTCString()]), undefined, lm)).toBe(true)
    expect(notModified(h(['If-Modified-Since', new Date((lm - 1) * 1000).toUTCString()]), undefined, lm)).toBe(false)
  })
})
