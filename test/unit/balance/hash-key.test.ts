/** Hash key extraction, as backend.c cuts it (get_server_sh/uh/ph/hh). */
import { describe, expect, it } from 'vitest'
import { genHash, hdrKey, parseIp, pathOf, sourceHash, uriKey, urlParamKey } from '../../../src/balance/hash-key.ts'

const s = (u: Uint8Array | undefined): string | undefined => (u ? new TextDecoder().decode(u) : undefined)
const uri = { len: 0, depth: 0, whole: false, pathOnly: false }

describe('uri', () => {
  it.each([
    ['/a/b?c=d', uri, '/a/b'],
    ['/a/b?c=d', { ...uri, whole: true }, '/a/b?c=d'],
    ['/d1/e2/f3', { ...uri, depth: 2 }, '/d1/e2'],
    ['/d1/e2/f3', { ...uri, depth: 1 }, '/d1'],
    ['/d1/e2?x/y', { ...uri, depth: 2 }, '/d1/e2'],
    ['/abcdef', { ...uri, len: 3 }, '/ab'],
    ['/a/bcdef', { ...uri, len: 6, depth: 1 }, '/a'],
    ['http://h/p/q?r', uri, 'http://h/p/q'],
    ['http://h/p/q?r', { ...uri, depth: 2 }, 'http://h'],
    ['http://h/p/q?r', { ...uri, depth: 3 }, 'http://h/p'],
    ['http://h/p/q?r', { ...uri, pathOnly: true }, '/p/q'],
    ['http://u@h:80/p?r', { ...uri, pathOnly: true, whole: true }, '/p?r'],
    ['*', { ...uri, pathOnly: true }, ''],
  ])('%s %j → %s', (u, spec, key) => {
    expect(s(uriKey(u, spec))).toBe(key)
  })

  it('path-only keeps origin-form as is and drops scheme://authority', () => {
    expect(pathOf('/x?y')).toBe('/x?y')
    expect(pathOf('https://example.com')).toBe('')
    expect(pathOf('example.com:443')).toBe('')
  })
})

describe('url_param', () => {
  it.each([
    ['/?id=1', '1'],
    ['/p?x=1&id=abc&id=zzz', 'abc'],
    ['/p?xid=9&id=5', '5'],
    ['/p?id=', ''],
    ['/p?id=&x=2', ''],
    ['/p?ID=5', undefined],
    ['/p?id', undefined],
    ['/p', undefined],
    ['/p?x=1;id=2', undefined],
    ['/p?&id=7', '7'],
    ['/p?id=a?b', 'a?b'],
  ])('%s → %s', (u, v) => {
    expect(s(urlParamKey(u, 'id'))).toBe(v)
  })
})

describe('hdr', () => {
  it.each([
    ['user1', 'user1'],
    ['user1,zzz', 'user1'],
    ['  padded  ', 'padded'],
    ['"a,b",c', '"a,b"'],
    [', first empty', undefined],
    ['', undefined],
  ])('%j → %j', (v, k) => {
    expect(s(hdrKey(v, false))).toBe(k)
  })

  it('absent header', () => {
    expect(hdrKey(undefined, false)).toBeUndefined()
  })

  it.each([
    ['haproxy.1wt.eu', '1wt'],
    ['www.example.com', 'example'],
    ['example.com', 'example'],
    ['localhost', 'localhost'],
    ['a.b.c.d', 'c'],
    ['example.com.', 'com'],
    ['.com', '.com'],
    ['www.example.com:8080', 'example'],
  ])('use_domain_only %s → %s', (v, k) => {
    expect(s(hdrKey(v, true))).toBe(k)
  })
})

describe('source', () => {
  const plain = { type: 'map-based', fn: 'sdbm', avalanche: false } as const
  it('IPv4 is the address as a big-endian integer, not hashed', () => {
    expect(sourceHash('127.0.0.1', plain)).toEqual({ hash: 0x7f000001, label: 'source 127.0.0.1' })
  })
  it('IPv6 is the XOR of the four 32-bit words', () => {
    expect(parseIp('2001:db8::1')).toEqual([0x20010db8, 0, 0, 1])
    expect(sourceHash('2001:db8::1', plain)).toMatchObject({ hash: (0x20010db8 ^ 1) >>> 0 })
    expect(sourceHash('::1', plain)).toMatchObject({ hash: 1 })
    expect(parseIp('::ffff:10.0.0.1')).toEqual([0, 0, 0xffff, 0x0a000001])
    expect(parseIp('[fe80::1%eth0]')).toEqual([0xfe800000, 0, 0, 1])
  })
  it('only avalanche applies', () => {
    expect(sourceHash('127.0.0.1', { type: 'consistent', fn: 'crc32', avalanche: true })).toMatchObject({ hash: 2317047883 })
  })
  it('rejects what is not an address', () => {
    expect(sourceHash('unix@/tmp/sock', plain)).toHaveProperty('missing')
    expect(parseIp('1.2.3.256')).toBeUndefined()
    expect(parseIp('1::2::3')).toBeUndefined()
  })
})

describe('gen_hash', () => {
  const b = (x: string): Uint8Array => new TextEncoder().encode(x)
  it('applies the function then avalanche', () => {
    expect(genHash({ type: 'map-based', fn: 'sdbm', avalanche: false }, b('/index.html'))).toBe(858007926)
    expect(genHash({ type: 'map-based', fn: 'sdbm', avalanche: true }, b('/index.html'))).toBe(4217574924)
    expect(genHash({ type: 'consistent', fn: 'none', avalanche: false }, b('1234'))).toBe(1234)
  })
})
