import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, DIFF_DEFAULTS, diffEnabled, type Pair, type Reply, startPair } from './harness.ts'

/*
 * `http-request normalize-uri` (HAProxy 2.6, experimental: it needs the global
 * `expose-experimental-directives`) under HAProxy 2.6 and `edgeproxy dev`: the request target the
 * origin receives after each normalizer, the 400 of `strict` on a broken percent-encoding, and
 * the 2.6 quirk that runs `path-merge-slashes` for an optionless `path-strip-dotdot` directly
 * followed by a condition.
 */
const FRONTENDS: readonly (readonly [port: string, rules: string])[] = [
  ['PORT', 'http-request normalize-uri path-merge-slashes'],
  ['PORT2', 'http-request normalize-uri path-strip-dot'],
  ['PORT3', 'http-request normalize-uri path-strip-dotdot'],
  ['PORT4', 'http-request normalize-uri path-strip-dotdot full'],
  ['PORT5', 'http-request normalize-uri query-sort-by-name'],
  ['PORT6', 'http-request normalize-uri percent-to-uppercase'],
  ['PORT7', 'http-request normalize-uri percent-to-uppercase strict'],
  ['PORT8', 'http-request normalize-uri percent-decode-unreserved'],
  ['PORT9', 'http-request normalize-uri percent-decode-unreserved strict'],
  ['PORT10', 'http-request normalize-uri path-strip-dotdot if TRUE'],
  ['PORT12', 'http-request normalize-uri fragment-strip'],
  ['PORT13', 'http-request normalize-uri fragment-encode'],
  [
    'PORT11',
    'http-request normalize-uri path-merge-slashes\n    http-request normalize-uri percent-decode-unreserved\n    http-request normalize-uri query-sort-by-name\n    http-request set-header x-path %[path]',
  ],
]

const CONFIG = `${DIFF_DEFAULTS}
global
    expose-experimental-directives

${FRONTENDS.map(([port, rules], i) => `frontend f${i}\n    bind 127.0.0.1:@${port}@\n    ${rules}\n    default_backend be\n`).join('\n')}
backend be
    server s1 127.0.0.1:@s1@
`

const view = (r: Reply) => ({ status: r.status, url: r.seen?.url, xPath: r.seen?.headers['x-path'] })

describe.skipIf(!diffEnabled())('differential: http-request normalize-uri', () => {
  let pair: Pair

  beforeAll(async () => {
    pair = await startPair(CONFIG, { live: ['s1'], extraPorts: FRONTENDS.slice(1).map(([p]) => p) })
  }, 120_000)

  afterAll(async () => {
    await pair?.stop()
  })

  const cases: readonly (readonly [port: string, paths: readonly string[]])[] = [
    ['PORT', ['/foo/bar', '/foo//bar', '///foo///bar///', '///', '//foo?bar=///']],
    ['PORT2', ['/a/b', '/a.', '/.a', '/?a=/./', '/a/./b', '/a/.', '/./']],
    ['PORT3', ['/foo/bar', '/foo/?bar=/foo/../', '/foo/../bar', '/foo/bar/../', '/foo//../../bar/', '/foo/..']],
    ['PORT4', ['/foo/bar', '/foo/?bar=/foo/../', '/../bar/', '/bar/../../']],
    ['PORT5', ['/?z=z&a=a', '/?c&b&a&z&x&y', '/?aaaa=&a=&aa=&aaa=', '/?a=5&b=3&a=1&a=2&b=4', '/', '/p?b&a&', '/p?b&&a', '/?B=1&a=2']],
    ['PORT6', ['/a?a=a', '/%aa?a=%aa', '/%zz?a=%zz', '/x%']],
    ['PORT7', ['/%aa?a=%aa', '/%zz?a=%zz', '/x%', '/x%4']],
    ['PORT8', ['/%61?%61=%61', '/%3F?foo=bar', '/%%36%36', '/%ZZ', '/%2d%2E%5f%7E%30%2f']],
    ['PORT9', ['/%61dmin', '/%%36%36', '/%ZZ']],
    ['PORT10', ['/a//b/c', '//x?y=//']],
    ['PORT11', ['//%61//b?z=%7a&a=1']],
    ['PORT12', ['/a', '/a?b']],
    ['PORT13', ['/a', '/%23']],
  ]

  it.each(cases)('frontend on %s: the origin sees what HAProxy sends', async (port, paths) => {
    const { h, e } = await both(
      pair,
      paths.map((path) => ({ path })),
      view,
      port,
    )
    expect(e).toEqual(h)
  })

  it('known differences: the edge resolves dot segments and drops fragments before any rule runs', async () => {
    // Workers receive a WHATWG-parsed URL: '..' and '%2E%2E' segments are already resolved (a
    // leading '/../' too, as 'full' would), and '#…' never reaches the Worker, where HAProxy 2.6.12
    // refuses a '#' in the request target with 400 (docs/differences.md).
    const dotdot = await both(pair, [{ path: '/../bar/' }, { path: '/foo/%2E%2E/' }], view, 'PORT3')
    expect(dotdot.h.map((x) => x.url)).toEqual(['/../bar/', '/foo/%2E%2E/'])
    expect(dotdot.e.map((x) => x.url)).toEqual(['/bar/', '/'])
    const fragment = await both(pair, [{ path: '/a#b' }], view, 'PORT12')
    expect(fragment.h.map((x) => x.status)).toEqual([400])
    expect(fragment.e.map((x) => [x.status, x.url])).toEqual([[200, '/a']])
  })

  it('matches the documented examples', async () => {
    const { h } = await both(pair, [{ path: '///foo///bar///' }], view, 'PORT')
    expect(h[0]?.url).toBe('/foo/bar/')
    const strict = await both(pair, [{ path: '/%%36%36' }], view, 'PORT9')
    expect(strict.h.map((x) => x.status)).toEqual([400])
    const sorted = await both(pair, [{ path: '/?a=5&b=3&a=1&a=2&b=4' }], view, 'PORT5')
    expect(sorted.h[0]?.url).toBe('/?a=5&a=1&a=2&b=3&b=4')
  })
})
