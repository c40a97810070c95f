import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine } from '../../../src/engine/index.ts'
import { type NormalizerName, normalizeTarget } from '../../../src/engine/uri-normalize.ts'
import { compile } from '../../helpers/cfg.ts'

/*
 * `http-request normalize-uri` (HAProxy 2.6 uri_normalizer.c): each normalizer on request
 * targets, with the edge cases HAProxy's own reg-test and configuration manual name.
 */
const n = (t: string, name: NormalizerName, opt = false) => normalizeTarget(t, name, opt)

describe('normalize-uri normalizers', () => {
  it('path-merge-slashes merges runs of slashes in the path only', () => {
    const cases: [string, string][] = [
      ['/foo/bar', '/foo/bar'],
      ['/foo//bar', '/foo/bar'],
      ['/foo///bar', '/foo/bar'],
      ['///foo///bar', '/foo/bar'],
      ['///foo///bar///', '/foo/bar/'],
      ['///', '/'],
      ['/foo?bar=///', '/foo?bar=///'],
      ['//foo?bar=///', '/foo?bar=///'],
      ['*', '*'],
    ]
    for (const [i, o] of cases) expect(n(i, 'path-merge-slashes'), i).toBe(o)
  })

  it('path-strip-dot drops "." segments but not dots inside names, nor in the query', () => {
    const cases: [string, string][] = [
      ['/', '/'],
      ['/a/b', '/a/b'],
      ['/.', '/'],
      ['/./', '/'],
      ['/a/.', '/a/'],
      ['/a.', '/a.'],
      ['/.a', '/.a'],
      ['/a/./', '/a/'],
      ['/a/./a', '/a/a'],
      ['/a/../', '/a/../'],
      ['/./bar/', '/bar/'],
      ['/.well-known/', '/.well-known/'],
      ['/?a=/./', '/?a=/./'],
      ['/a/././b', '/a/b'],
      ['/a/%2E/b', '/a/%2E/b'],
      ['*', '*'],
    ]
    for (const [i, o] of cases) expect(n(i, 'path-strip-dot'), i).toBe(o)
  })

  it('path-strip-dotdot merges "/../" with the segment before; leading ones stay unless full', () => {
    const cases: [string, string, string][] = [
      ['/foo/bar', '/foo/bar', '/foo/bar'],
      ['/foo/..', '/', '/'],
      ['/foo/../', '/', '/'],
      ['/foo/bar/../', '/foo/', '/foo/'],
      ['/foo/../bar', '/bar', '/bar'],
      ['/foo/../bar/', '/bar/', '/bar/'],
      ['/foo/../../bar/', '/../bar/', '/bar/'],
      ['/foo//../../bar/', '/bar/', '/bar/'],
      ['/foo/?bar=/foo/../', '/foo/?bar=/foo/../', '/foo/?bar=/foo/../'],
      ['/foo/../?bar=/foo/../', '/?bar=/foo/../', '/?bar=/foo/../'],
      ['/../bar/', '/../bar/', '/bar/'],
      ['/bar/../../', '/../', '/'],
      ['/foo//../', '/foo/', '/foo/'],
      ['/foo/%2E%2E/', '/foo/%2E%2E/', '/foo/%2E%2E/'],
      ['/a/b/c/../../d', '/a/d', '/a/d'],
      ['/..', '/../', '/'],
      ['/a/..b/../c', '/a/c', '/a/c'],
      ['*', '*', '*'],
    ]
    for (const [i, o, full] of cases) {
      expect(n(i, 'path-strip-dotdot'), i).toBe(o)
      expect(n(i, 'path-strip-dotdot', true), `${i} full`).toBe(full)
    }
  })

  it('query-sort-by-name sorts parameters by name only, stable for equal names', () => {
    const cases: [string, string][] = [
      ['/?a=a', '/?a=a'],
      ['/?z=z&a=a', '/?a=a&z=z'],
      ['/?a=z&z=a', '/?a=z&z=a'],
      ['/?z=a&a=z', '/?a=z&z=a'],
      ['/?c&b&a&z&x&y', '/?a&b&c&x&y&z'],
      ['/?aaaa=&a=&aa=&aaa=', '/?a=&aa=&aaa=&aaaa='],
      ['/?a=5&a=3&a=1&a=2&a=4', '/?a=5&a=3&a=1&a=2&a=4'],
      ['/?a=5&b=3&a=1&a=2&b=4', '/?a=5&a=1&a=2&b=3&b=4'],
      ['/', '/'],
      ['/?', '/?'],
      ['/p?b&a&', '/p?a&b'],
      ['/p?b&&a', '/p?&a&b'],
      ['/?B=1&a=2', '/?B=1&a=2'],
      ['/?ab=1&a=2', '/?a=2&ab=1'],
      ['*', '*'],
    ]
    for (const [i, o] of cases) expect(n(i, 'query-sort-by-name'), i).toBe(o)
  })

  it('percent-to-uppercase uppercases valid escapes in path and query; strict refuses invalid ones', () => {
    expect(n('/a?a=a', 'percent-to-uppercase')).toBe('/a?a=a')
    expect(n('/%aa?a=%aa', 'percent-to-uppercase')).toBe('/%AA?a=%AA')
    expect(n('/%6f', 'percent-to-uppercase')).toBe('/%6F')
    expect(n('/%zz?a=%zz', 'percent-to-uppercase')).toBe('/%zz?a=%zz')
    expect(n('/%a', 'percent-to-uppercase')).toBe('/%a')
    expect(n('/%aa?a=%aa', 'percent-to-uppercase', true)).toBe('/%AA?a=%AA')
    expect(n('/%zz?a=%zz', 'percent-to-uppercase', true)).toBeUndefined()
    expect(n('/a%', 'percent-to-uppercase', true)).toBeUndefined()
    expect(n('/a%f', 'percent-to-uppercase', true)).toBeUndefined()
  })

  it('percent-decode-unreserved decodes only letters, digits and -._~; strict refuses invalid escapes', () => {
    expect(n('/%61?%61=%61', 'percent-decode-unreserved')).toBe('/a?a=a')
    expect(n('/%3F?foo=bar', 'percent-decode-unreserved')).toBe('/%3F?foo=bar')
    expect(n('/%%36%36', 'percent-decode-unreserved')).toBe('/%66')
    expect(n('/%ZZ', 'percent-decode-unreserved')).toBe('/%ZZ')
    expect(n('/%2d%2E%5f%7E%30%2f%2F', 'percent-decode-unreserved')).toBe('/-._~0%2f%2F')
    expect(n('/%61dmin', 'percent-decode-unreserved', true)).toBe('/admin')
    expect(n('/%%36%36', 'percent-decode-unreserved', true)).toBeUndefined()
    expect(n('/%ZZ', 'percent-decode-unreserved', true)).toBeUndefined()
  })

  it('fragment-strip drops from the first "#"; fragment-encode encodes every "#"', () => {
    expect(n('/#foo', 'fragment-strip')).toBe('/')
    expect(n('/%23foo', 'fragment-strip')).toBe('/%23foo')
    expect(n('/a?b#c?d', 'fragment-strip')).toBe('/a?b')
    expect(n('/#foo', 'fragment-encode')).toBe('/%23foo')
    expect(n('/#foo/#foo', 'fragment-encode')).toBe('/%23foo/%23foo')
    expect(n('/%23foo', 'fragment-encode')).toBe('/%23foo')
    expect(n('*', 'fragment-strip')).toBe('*')
  })
})

const EXP = 'global\n  expose-experimental-directives\n'
const BASE = 'defaults\n  mode http\nfrontend fe\n  bind :80\n'
const TAIL = '  default_backend be\nbackend be\n  server s1 192.0.2.1:80\n'

function errors(text: string) {
  return compile(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => d.message)
}

describe('normalize-uri in the config', () => {
  it('is refused without expose-experimental-directives, as HAProxy 2.6 does', () => {
    expect(errors(`${BASE}  http-request normalize-uri path-merge-slashes\n${TAIL}`)).toEqual(["'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'"])
    expect(errors(`${EXP}${BASE}  http-request normalize-uri path-merge-slashes\n${TAIL}`)).toEqual([])
  })

  it.each([
    ['', "'http-request normalize-uri' missing argument <normalizer>"],
    ['bogus', "'http-request normalize-uri' unknown normalizer 'bogus'"],
    ['path-strip-dotdot foo', "'http-request normalize-uri' unknown argument 'foo' for 'path-strip-dotdot' normalizer"],
    ['percent-to-uppercase full', "'http-request normalize-uri' unknown argument 'full' for 'percent-to-uppercase' normalizer"],
    ['fragment-strip extra', "'http-request normalize-uri' expects either 'if' or 'unless' followed by a condition but found 'extra'"],
    ['path-strip-dotdot full extra', "'http-request normalize-uri' expects either 'if' or 'unless' followed by a condition but found 'extra'"],
  ])("refuses 'normalize-uri %s'", (args, message) => {
    expect(errors(`${EXP}${BASE}  http-request normalize-uri ${args}\n${TAIL}`)).toEqual([message])
  })

  it('is an http-request action only', () => {
    expect(errors(`${EXP}${BASE}  http-response normalize-uri fragment-strip\n${TAIL}`)).toHaveLength(1)
  })

  it("keeps HAProxy 2.6's quirk: an optionless dotdot/percent normalizer followed by a condition merges slashes", () => {
    const r = compile(`${EXP}${BASE}  http-request normalize-uri path-strip-dotdot if TRUE\n  http-request normalize-uri path-strip-dotdot full if TRUE\n${TAIL}`)
    expect(r.routeMap?.frontends[0]?.httpRequest.map((x) => x.args)).toEqual([
      { normalizer: 'path-merge-slashes', option: false },
      { normalizer: 'path-strip-dotdot', option: true },
    ])
    expect(r.diagnostics.filter((d) => d.code === 'useless').map((d) => d.span.line)).toEqual([7])
  })
})

function engine(rules: string) {
  const r = compileConfig([{ name: 't.cfg', text: `${EXP}${BASE}${rules}${TAIL}` }])
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics))
  return createEngine(r.routeMap)
}

describe('normalize-uri at run time', () => {
  const req = (url: string) => ({ method: 'GET', url, headers: [] as [string, string][], src: '198.51.100.7' })

  it('later rules and the origin see the normalized target', async () => {
    const e = engine('  http-request normalize-uri path-merge-slashes\n  http-request normalize-uri query-sort-by-name\n  http-request set-header x-path %[path]\n')
    const d = await e.decide(req('http://example.com//a///b?z=1&a=2'))
    expect(d.kind).toBe('forward')
    if (d.kind !== 'forward') return
    expect(d.request.headers.first('x-path')).toBe('/a/b')
    expect(d.request.target).toBe('/a/b?a=2&z=1')
  })

  it('strict answers 400 on an invalid percent-encoding', async () => {
    const e = engine('  http-request normalize-uri percent-to-uppercase strict\n')
    const bad = await e.decide(req('http://example.com/%zz'))
    expect(bad.kind === 'respond' ? bad.response.status : bad.kind).toBe(400)
    const ok = await e.decide(req('http://example.com/%aa'))
    expect(ok.kind).toBe('forward')
  })
})
