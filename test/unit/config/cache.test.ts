import { describe, expect, it } from 'vitest'
import { cfg, compile, diags, errorsOf, warningsOf } from '../../helpers/cfg.ts'

/*
 * `cache` sections, `filter cache`, `http-request cache-use` and `http-response cache-store` in
 * the compiler: what HAProxy 2.6 accepts, warns about and refuses (each refusal below was checked
 * with `haproxy -c`), and what the RouteMap carries.
 */
const base = (backend: string, caches: string) => cfg`
  defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
  frontend fe
    bind :80
    default_backend be
  backend be
${backend}
    server s app.example.com:80
${caches}
`

/** 1-based line of the last line holding `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n')
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]?.includes(needle)) return i + 1
  return 0
}

describe('cache sections', () => {
  it('compiles the section into the RouteMap and its settings into the rules', () => {
    const r = compile(
      base('    http-request cache-use c\n    http-response cache-store c if { status 200 }', 'cache c\n    total-max-size 4\n    max-age 240\n    process-vary on\n    max-secondary-entries 3'),
    )
    expect(r.errorCount).toBe(0)
    expect(r.routeMap?.caches).toEqual([
      { name: 'c', maxAgeS: 240, totalMaxSize: 4 << 20, maxObjectSize: (4 << 20) / 256, processVary: true, maxSecondaryEntries: 3, origin: { file: 'test.cfg', line: 13 } },
    ])
    const be = r.routeMap?.backends[0]
    expect(be?.httpRequest[0]?.args).toEqual({ cache: 'c', maxAgeS: 240, maxObjectSize: 16384, processVary: true, maxSecondaryEntries: 3 })
    expect(be?.httpResponse[0]?.action).toBe('cache-store')
    expect(be?.httpResponse[0]?.cond).toBeDefined()
  })

  it('accepts a cache declared after its users and an explicit filter', () => {
    const r = compile(base('    filter cache c\n    http-request cache-use c\n    http-response cache-store c', 'cache c\n    total-max-size 1\n    max-object-size 1000'))
    expect(r.errorCount).toBe(0)
    expect(r.routeMap?.caches?.[0]?.maxObjectSize).toBe(1000)
  })

  it('warns that total-max-size is not enforced, and where HAProxy warns', () => {
    const text = base('', 'cache c\n    total-max-size 1\n    process-vary maybe\n    max-age')
    expect(warningsOf(text).map((d) => [d.code, d.line])).toEqual(
      expect.arrayContaining([
        ['edge-mapping', lineOf(text, 'total-max-size')],
        ['invalid-argument', lineOf(text, 'process-vary')],
        ['missing-argument', lineOf(text, 'max-age')],
      ]),
    )
  })

  it('has no map entry without cache sections', () => {
    expect(compile(base('', '')).routeMap?.caches).toBeUndefined()
  })

  it.each([
    ['no size', '', 'cache c\n    max-age 10', 'missing-argument', 'cache c', /size not specified for cache 'c'/],
    ['unknown cache', '    http-request cache-use nope', 'cache c\n    total-max-size 1', 'unknown-backend', 'cache-use nope', /unable to find the cache 'nope'/],
    ['unknown filter cache', '    filter cache d', 'cache c\n    total-max-size 1', 'unknown-backend', 'filter cache d', /unable to find the cache 'd'/],
    ['object size over half', '', 'cache c\n    total-max-size 1\n    max-object-size 600000', 'out-of-range', 'cache c', /limited to an half of 'total-max-size' => 524288/],
    ['size not a number', '', 'cache c\n    total-max-size 1x', 'invalid-argument', 'total-max-size', /total-max-size wrong value '1x'/],
    ['size too large', '', 'cache c\n    total-max-size 4096', 'invalid-argument', 'total-max-size', /must not be greater than 4095/],
    ['duplicate name', '', 'cache c\n    total-max-size 1\ncache c\n    total-max-size 1', 'duplicate-name', 'cache c', /duplicate cache name 'c'/],
    ['no secondary entries', '', 'cache c\n    total-max-size 1\n    max-secondary-entries 0', 'invalid-argument', 'max-secondary-entries', /max-secondary-entries wrong value '0'/],
    ['unknown keyword', '', 'cache c\n    total-max-size 1\n    foo bar', 'unknown-keyword', 'foo bar', /unknown keyword 'foo' in 'cache' section/],
    ['cache-use without name', '    http-request cache-use', 'cache c\n    total-max-size 1', 'invalid-argument', 'cache-use', /expects a cache name/],
    ['cache-use extra word', '    http-request cache-use c foo', 'cache c\n    total-max-size 1', 'invalid-argument', 'cache-use', /followed by a condition but found 'foo'/],
    ['filter declared twice', '    filter cache c\n    filter cache c', 'cache c\n    total-max-size 1', 'duplicate-name', 'filter cache c', /multiple explicit declarations of the cache filter 'c'/],
    ['other filters', '    filter compression', 'cache c\n    total-max-size 1', 'not-supported', 'filter compression', /'filter compression' is not supported yet/],
  ])('refuses %s', (_name, backend, caches, code, at, message) => {
    const text = base(backend, caches)
    expect(errorsOf(text)).toEqual([expect.objectContaining({ code, line: lineOf(text, at), message: expect.stringMatching(message) })])
  })

  it('is a section, not a proxy: proxy keywords are out of place in it', () => {
    const text = base('', 'cache c\n    total-max-size 1\n    mode http')
    expect(diags(compile(text)).some((d) => d.severity === 'error' && d.line === lineOf(text, 'mode http'))).toBe(true)
  })
})
