/**
 * @module
 * The `-m` match methods against HAProxy 2.6 behaviour. Cases marked [2.6.12] were checked on a
 * real HAProxy 2.6.12 (ACLs on `req.fhdr(x)` / `method`, probed over loopback).
 */
import { describe, expect, it } from 'vitest'
import { MATCHES } from '../../../src/sample/match/index.ts'
import type { MatchDef, Sample } from '../../../src/sample/types.ts'
import { pcreToJs } from '../../../src/sample/match/pcre.ts'

function def(name: string): MatchDef {
  const d = MATCHES.find((m) => m.name === name)
  if (!d) throw new Error(`no match method ${name}`)
  return d
}

interface Compiled {
  test(sample: Sample): boolean
  errors: [number, string][]
}

/** prepare → JSON round trip → build, like the compiler and the engine do. */
function compile(name: string, patterns: readonly string[], icase = false): Compiled {
  const d = def(name)
  const errors: [number, string][] = []
  const data = d.prepare(patterns, { icase }, (i, msg) => errors.push([i, msg]))
  const matcher = d.build(JSON.parse(JSON.stringify(data)), { icase })
  return { test: matcher, errors }
}

const s = (value: string): Sample => ({ type: 'str', value })
const n = (value: number): Sample => ({ type: 'int', value })
const ip = (value: string): Sample => ({ type: 'ip', value })
const b = (...bytes: number[]): Sample => ({ type: 'bin', value: new Uint8Array(bytes) })
const meth = (value: string): Sample => ({ type: 'meth', value })
const bool = (value: boolean): Sample => ({ type: 'bool', value })

/** Which of `samples` (strings) match. */
function matching(c: Compiled, samples: readonly string[]): string[] {
  return samples.filter((x) => c.test(s(x)))
}

describe('MATCHES', () => {
  it('has every HAProxy -m method plus meth', () => {
    expect(MATCHES.map((m) => m.name).sort()).toEqual(['beg', 'bin', 'bool', 'dir', 'dom', 'end', 'found', 'int', 'ip', 'len', 'meth', 'reg', 'str', 'sub'].sort())
    expect(def('found').takesPatterns).toBe(false)
    expect(def('bool').takesPatterns).toBe(false)
    expect(MATCHES.filter((m) => m.takesPatterns)).toHaveLength(12)
  })

  it('prepare output is plain JSON', () => {
    const samples: Record<string, string[]> = {
      int: ['gt', '5', '1:3'],
      len: ['3'],
      ip: ['10.0.0.0/8', '::1', '1.2.3.4/255.0.255.0'],
      bin: ['00ff'],
      str: ['a'],
      beg: ['a'],
      end: ['a'],
      sub: ['a'],
      dir: ['/a/'],
      dom: ['.a.'],
      reg: ['^a.b$'],
      meth: ['GET', 'foo'],
    }
    for (const [name, pats] of Object.entries(samples)) {
      const data = def(name).prepare(pats, { icase: true }, () => {})
      expect(JSON.parse(JSON.stringify(data))).toEqual(data)
    }
  })

  it('an empty pattern ends the list, like acl.c (`while (**args)`) [2.6.12]', () => {
    expect(compile('str', ['', 'foo']).test(s('foo'))).toBe(false)
    const c = compile('str', ['foo', '', 'bar'])
    expect(c.test(s('foo'))).toBe(true)
    expect(c.test(s('bar'))).toBe(false)
    expect(compile('str', ['']).test(s(''))).toBe(false)
    expect(compile('sub', ['']).test(s('abc'))).toBe(false)
  })
})

describe('found / bool', () => {
  it('found matches any sample, empty included', () => {
    const c = compile('found', [])
    for (const x of [s(''), n(0), bool(false), b(), ip('1.2.3.4'), meth('GET')]) expect(c.test(x)).toBe(true)
    expect(compile('found', ['ignored']).errors).toEqual([])
  })

  it('bool: true / non-zero [2.6.12]', () => {
    const c = compile('bool', [])
    expect(c.test(bool(true))).toBe(true)
    expect(c.test(bool(false))).toBe(false)
    expect(c.test(n(0))).toBe(false)
    expect(c.test(n(-1))).toBe(true)
    expect(c.test(s('5abc'))).toBe(true)
    expect(c.test(s('0'))).toBe(false)
    expect(c.test(s(''))).toBe(false)
  })
})

describe('int', () => {
  const ints = (c: Compiled, values: number[]) => values.filter((v) => c.test(n(v)))
  const range = [-6, -5, -1, 0, 1, 2, 3, 4, 5, 6, 7, 10, 11]

  it('values and ranges', () => {
    expect(ints(compile('int', ['3', '7']), range)).toEqual([3, 7])
    expect(ints(compile('int', ['3:5']), range)).toEqual([3, 4, 5])
    expect(ints(compile('int', ['3-5']), range)).toEqual([3, 4, 5])
    expect(ints(compile('int', ['5:']), range)).toEqual([5, 6, 7, 10, 11])
    expect(ints(compile('int', [':5']), range)).toEqual([-6, -5, -1, 0, 1, 2, 3, 4, 5])
    expect(ints(compile('int', ['1024:65535']), [1023, 1024, 65535, 65536])).toEqual([1024, 65535])
  })

  it('operators apply to the following values [2.6.12]', () => {
    expect(ints(compile('int', ['gt', '5']), range)).toEqual([6, 7, 10, 11])
    expect(ints(compile('int', ['ge', '5']), range)).toEqual([5, 6, 7, 10, 11])
    expect(ints(compile('int', ['lt', '0']), range)).toEqual([-6, -5, -1])
    expect(ints(compile('int', ['le', '0']), range)).toEqual([-6, -5, -1, 0])
    expect(ints(compile('int', ['lt', '3', 'eq', '10']), range)).toEqual([-6, -5, -1, 0, 1, 2, 10])
    expect(ints(compile('int', ['gt', '10', '3:4']), range)).toEqual([3, 4, 11])
  })

  it('HAProxy quirks: ne is equality, a leading "-" is a range, operators drop decimals [2.6.12]', () => {
    expect(ints(compile('int', ['ne', '5']), range)).toEqual([5])
    expect(ints(compile('int', ['-5']), range)).toEqual([-6, -5, -1, 0, 1, 2, 3, 4, 5])
    expect(ints(compile('int', ['gt', '-3']), range)).toEqual([-6, -5, -1, 0, 1, 2, 3])
    expect(ints(compile('int', ['gt', '1.5']), range)).toEqual([2, 3, 4, 5, 6, 7, 10, 11])
    expect(ints(compile('int', ['--5']), range)).toEqual([-6, -5])
    expect(ints(compile('int', ['0--']), range)).toEqual([0]) // "-" reads as 0 in strl2llrc
  })

  it('casts: bool → int, str → int; failed casts do not match', () => {
    const c = compile('int', ['1'])
    expect(c.test(bool(true))).toBe(true)
    expect(c.test(bool(false))).toBe(false)
    expect(c.test(s('1'))).toBe(true)
    expect(compile('int', ['0']).test(s(''))).toBe(false) // [2.6.12] c_str2int fails on ""
  })

  it('bad patterns with their index and HAProxy message [2.6.12]', () => {
    const bad = (pats: string[]) => compile('int', pats).errors
    expect(bad(['abc'])).toEqual([[0, "'abc' is not a number"]])
    expect(bad(['gt', 'abc'])).toEqual([[1, "'abc' is neither a number nor a supported operator"]])
    expect(bad(['1', '5:3'])).toEqual([[1, "'5:3' is not a valid number range"]])
    expect(bad(['1:2:3'])).toEqual([[0, "'1:2:3' is not a valid number range"]])
    expect(bad(['ne', '1.5'])).toEqual([[1, "'1.5' is not a number"]])
    expect(bad(['eq', '1.5'])).toEqual([[1, "'1.5' is not a number"]])
    expect(bad(['99999999999999999999'])).toEqual([[0, "'99999999999999999999' is not a number"]])
    expect(bad(['-'])).toEqual([[0, "'-' is not a valid number range"]])
    expect(bad([':'])).toEqual([[0, "':' is not a valid number range"]])
    expect(bad(['gt', '1e3'])).toEqual([[1, "'1e3' is neither a number nor a supported operator"]])
    expect(bad(['+5'])).toEqual([[0, "'+5' is not a number"]])
    expect(bad(['gt', '1:'])).toEqual([])
    expect(bad(['lt'])).toEqual([])
  })

  it('a bad pattern is left out, the others still work', () => {
    const c = compile('int', ['x', '3'])
    expect(c.errors).toHaveLength(1)
    expect(c.test(n(3))).toBe(true)
  })
})

describe('len', () => {
  it('string length with operators and ranges [2.6.12]', () => {
    expect(matching(compile('len', ['3']), ['', 'foo', 'ab', '5abc'])).toEqual(['foo'])
    expect(matching(compile('len', ['gt', '3']), ['', 'foo', '5abc'])).toEqual(['5abc'])
    expect(matching(compile('len', ['0']), ['', 'a'])).toEqual([''])
    expect(matching(compile('len', [':2']), ['', 'a', 'ab', 'abc'])).toEqual(['', 'a', 'ab'])
  })

  it('binary samples: length up to the first NUL (c_bin2str)', () => {
    expect(compile('len', ['4']).test(b(1, 2, 3, 4))).toBe(true)
    expect(compile('len', ['2']).test(b(1, 2, 0, 4))).toBe(true)
    expect(compile('len', ['1']).test(n(7))).toBe(true)
  })
})

describe('str / beg / end / sub', () => {
  it('str: exact, -i folds ASCII only', () => {
    const c = compile('str', ['foo', 'Bar'])
    expect(matching(c, ['foo', 'Foo', 'Bar', 'bar', 'foox', ''])).toEqual(['foo', 'Bar'])
    const ci = compile('str', ['foo', 'Bar'], true)
    expect(matching(ci, ['foo', 'FOO', 'bar', 'BAR', 'foox'])).toEqual(['foo', 'FOO', 'bar', 'BAR'])
    expect(compile('str', ['é'], true).test(s('É'))).toBe(false)
  })

  it('str: casts int, ip and method samples to strings', () => {
    expect(compile('str', ['42']).test(n(42))).toBe(true)
    expect(compile('str', ['10.0.0.1']).test(ip('10.0.0.1'))).toBe(true)
    expect(compile('str', ['get'], true).test(meth('GET'))).toBe(true) // [2.6.12] method -m str -i get
  })

  it('str: the case-sensitive tree lookup stops at a NUL byte', () => {
    expect(compile('str', ['abc']).test(s('abc\0def'))).toBe(true)
    expect(compile('str', ['abc'], true).test(s('abc\0def'))).toBe(false)
  })

  it('beg', () => {
    const c = compile('beg', ['/api', '/static/'])
    expect(matching(c, ['/api', '/api/v1', '/apix', '/API', '/static', '/static/x', ''])).toEqual(['/api', '/api/v1', '/apix', '/static/x'])
    expect(matching(compile('beg', ['www.'], true), ['WWW.example.com', 'ww.x'])).toEqual(['WWW.example.com'])
  })

  it('end', () => {
    const c = compile('end', ['.jpg', '.png'])
    expect(matching(c, ['a.jpg', 'a.JPG', 'jpg', '.png', 'a.png.x'])).toEqual(['a.jpg', '.png'])
    expect(matching(compile('end', ['.JPG'], true), ['a.jpg', 'A.Jpg', 'a.gif'])).toEqual(['a.jpg', 'A.Jpg'])
  })

  it('sub', () => {
    const c = compile('sub', ['admin', 'debug'])
    expect(matching(c, ['/x/admin/y', 'debugger', 'ADMIN', '', 'adm'])).toEqual(['/x/admin/y', 'debugger'])
    expect(matching(compile('sub', ['Admin'], true), ['xxADMINxx', 'admi'])).toEqual(['xxADMINxx'])
  })

  it('beg/end with long lists (length buckets) agree with the linear scan', () => {
    const pats = Array.from({ length: 200 }, (_, i) => `/p${i.toString(36)}/${'x'.repeat(i % 7)}`)
    const samples = [...pats.map((p) => `${p}tail`), ...pats.map((p) => `head${p}`), '/p', '', '/pzz/']
    for (const icase of [false, true]) {
      const cb = compile('beg', pats, icase)
      const ce = compile('end', pats, icase)
      for (const x of samples) {
        expect(cb.test(s(x.toUpperCase()))).toBe(icase && pats.some((p) => x.toUpperCase().toLowerCase().startsWith(p)))
        expect(cb.test(s(x))).toBe(pats.some((p) => x.startsWith(p)))
        expect(ce.test(s(x))).toBe(pats.some((p) => x.endsWith(p)))
      }
    }
  })
})

describe('dir / dom', () => {
  const samples = [
    '',
    'foo',
    'a/foo',
    'a/foo/',
    'a?foo',
    'a?foo?b',
    'foo.bar',
    'a/',
    'a.',
    '/images/png/logo/32x32.png',
    'www.example.com:80',
    'example.com',
    'xexample.com',
    'a:foo',
    'FOO/x',
    'a//b',
    'ab',
  ]

  it('dir: "/" and "?" delimit parts (doc example + 2.6 delimiters) [2.6.12]', () => {
    expect(matching(compile('dir', ['foo']), samples)).toEqual(['foo', 'a/foo', 'a/foo/', 'a?foo', 'a?foo?b'])
    const png = '/images/png/logo/32x32.png'
    for (const p of ['/images', 'images/png', '32x32.png', '/images/png/']) expect(compile('dir', [p]).test(s(png))).toBe(true)
    expect(compile('dir', ['png']).test(s(png))).toBe(true) // a whole segment: /images/png/ [2.6.12]
    expect(compile('dir', ['pn']).test(s(png))).toBe(false)
    expect(compile('dir', ['32x32']).test(s(png))).toBe(false)
    expect(matching(compile('dir', ['FOO'], true), samples)).toEqual(['foo', 'a/foo', 'a/foo/', 'a?foo', 'a?foo?b', 'FOO/x'])
  })

  it('dom: ".", ":", "/" and "?" delimit parts [2.6.12]', () => {
    expect(matching(compile('dom', ['example.com']), samples)).toEqual(['www.example.com:80', 'example.com'])
    expect(matching(compile('dom', ['.example.com.']), samples)).toEqual(['www.example.com:80', 'example.com'])
    expect(matching(compile('dom', ['foo']), samples)).toEqual(['foo', 'a/foo', 'a/foo/', 'a?foo', 'a?foo?b', 'foo.bar', 'a:foo'])
    expect(compile('dom', ['WWW'], true).test(s('www.example.com'))).toBe(true)
    expect(compile('dom', ['ww']).test(s('www.example.com'))).toBe(false)
  })

  it('a repeated word: a later occurrence can still match', () => {
    expect(compile('dom', ['ab']).test(s('xab.abx.ab'))).toBe(true)
    expect(compile('dom', ['ab']).test(s('xab.abx'))).toBe(false)
  })

  it('patterns made of delimiters only match empty samples or samples ending with a delimiter', () => {
    expect(matching(compile('dir', ['/']), ['', 'a/', 'a/foo/', 'a', 'a/b'])).toEqual(['', 'a/', 'a/foo/'])
    expect(matching(compile('dom', ['.']), ['', 'a.', 'a'])).toEqual(['', 'a.'])
  })
})

describe('reg', () => {
  it('unanchored search, -i', () => {
    const c = compile('reg', ['^/api/v[0-9]+/', 'admin$'])
    expect(matching(c, ['/api/v2/x', '/api/vx/', '/x/admin', '/x/admin/'])).toEqual(['/api/v2/x', '/x/admin'])
    expect(compile('reg', ['<script>'], true).test(s('..<SCRIPT>..'))).toBe(true)
    expect(compile('reg', ['<script>']).test(s('..<SCRIPT>..'))).toBe(false)
  })

  it('PCRE semantics that differ from JS are translated [2.6.12]', () => {
    const one = (re: string, x: string, icase = false) => compile('reg', [re], icase).test(s(x))
    expect(one('[]a]', ']')).toBe(true)
    expect(one('[]a]', 'b')).toBe(false)
    expect(one('\\Qa.b\\E', 'a.b')).toBe(true)
    expect(one('\\Qa.b\\E', 'axb')).toBe(false)
    expect(one('^[[:digit:]]+$', '123')).toBe(true)
    expect(one('^[[:digit:]]+$', 'a1')).toBe(false)
    expect(one('(?i)^abc$', 'ABC')).toBe(true)
    expect(one('\\x41', 'A')).toBe(true)
    expect(one('^\\x{41}$', 'A')).toBe(true)
    expect(one('^\\101$', 'A')).toBe(true)
    expect(one('^\\s$', '\x0b')).toBe(true)
    expect(one('^\\s$', '\xa0')).toBe(false)
    expect(one('^\\S$', '\xa0')).toBe(true)
    expect(one('^[\\S]$', '\xa0')).toBe(true)
    expect(one('^\\h$', '\xa0')).toBe(true)
    expect(one('^\\v$', '\x85')).toBe(true)
    expect(one('^\\v$', '\x0b')).toBe(true)
    expect(one('^.$', '\r')).toBe(true)
    expect(one('^.$', '\n')).toBe(false)
    expect(one('^a{,2}$', 'a{,2}')).toBe(true)
    expect(one('^\\w+$', 'abc_9')).toBe(true)
    expect(one('a$', 'xa\n')).toBe(true) // $ before a final newline
    expect(one('a\\z', 'xa\n')).toBe(false)
    expect(one('a\\Z', 'xa\n')).toBe(true)
    expect(one('^(ab|cd)+$', 'abcd')).toBe(true)
    expect(one('a(?#comment)b', 'ab')).toBe(true)
    expect(one('[\\s-z]', '-')).toBe(true)
    expect(one('[\\s-z]', 'q')).toBe(false)
    expect(one('\\e', '\x1b')).toBe(true)
    expect(one('\\t', '\t')).toBe(true)
    expect(one('(?s)^a.b$', 'a\nb')).toBe(true)
    expect(one('^a.b$', 'a\nb')).toBe(false)
    expect(one('(?m)^b$', 'a\nb\nc')).toBe(true)
    expect(one('^b$', 'a\nb\nc')).toBe(false)
    expect(one('a*?b', 'aab')).toBe(true)
  })

  // Matching samples per regex, case-sensitive then -i, as HAProxy 2.6.12 (PCRE2 10.42) answered.
  const REG_SAMPLES = [
    '-',
    '/api/v12/x',
    '12-x',
    '1f3A',
    '555-1234',
    'AAB',
    'ABC',
    'D',
    'a word here',
    'a-c',
    'a-z',
    'a.b',
    'aa',
    'aaa',
    'ab',
    'ab9',
    'abab',
    'abb',
    'abbc',
    'abc',
    'abc!',
    'ab{',
    'a{,}',
    'barbaz',
    'c',
    'foobaz',
    'me@site.com',
    'pic.jpg',
    'pic.jpgx',
    'q/r',
    'q/r/s',
    'words',
    'x',
    '{',
  ]
  const REG_TABLE: [string, string[], string[]][] = [
    ['^a.c$', ['a-c', 'abc'], ['ABC', 'a-c', 'abc']],
    ['[[:alpha:]]+\\d', ['/api/v12/x', '1f3A', 'ab9'], ['/api/v12/x', '1f3A', 'ab9']],
    ['^\\w+@\\w+\\.com$', ['me@site.com'], ['me@site.com']],
    ['(foo|bar)baz', ['barbaz', 'foobaz'], ['barbaz', 'foobaz']],
    ['^/api/v[0-9]+/', ['/api/v12/x'], ['/api/v12/x']],
    ['\\bword\\b', ['a word here'], ['a word here']],
    [
      '[^a-z]',
      ['-', '/api/v12/x', '12-x', '1f3A', '555-1234', 'AAB', 'ABC', 'D', 'a word here', 'a-c', 'a-z', 'a.b', 'ab9', 'abc!', 'ab{', 'a{,}', 'me@site.com', 'pic.jpg', 'pic.jpgx', 'q/r', 'q/r/s', '{'],
      ['-', '/api/v12/x', '12-x', '1f3A', '555-1234', 'a word here', 'a-c', 'a-z', 'a.b', 'ab9', 'abc!', 'ab{', 'a{,}', 'me@site.com', 'pic.jpg', 'pic.jpgx', 'q/r', 'q/r/s', '{'],
    ],
    ['^[\\x41-\\x43]+$', ['AAB', 'ABC'], ['AAB', 'ABC', 'aa', 'aaa', 'ab', 'abab', 'abb', 'abbc', 'abc', 'c']],
    ['a{2,3}', ['aa', 'aaa'], ['AAB', 'aa', 'aaa']],
    ['^(?:ab)*$', ['ab', 'abab'], ['ab', 'abab']],
    ['[\\d-]+x', ['12-x'], ['12-x']],
    [
      '^\\S+$',
      [
        '-',
        '/api/v12/x',
        '12-x',
        '1f3A',
        '555-1234',
        'AAB',
        'ABC',
        'D',
        'a-c',
        'a-z',
        'a.b',
        'aa',
        'aaa',
        'ab',
        'ab9',
        'abab',
        'abb',
        'abbc',
        'abc',
        'abc!',
        'ab{',
        'a{,}',
        'barbaz',
        'c',
        'foobaz',
        'me@site.com',
        'pic.jpg',
        'pic.jpgx',
        'q/r',
        'q/r/s',
        'words',
        'x',
        '{',
      ],
      [
        '-',
        '/api/v12/x',
        '12-x',
        '1f3A',
        '555-1234',
        'AAB',
        'ABC',
        'D',
        'a-c',
        'a-z',
        'a.b',
        'aa',
        'aaa',
        'ab',
        'ab9',
        'abab',
        'abb',
        'abbc',
        'abc',
        'abc!',
        'ab{',
        'a{,}',
        'barbaz',
        'c',
        'foobaz',
        'me@site.com',
        'pic.jpg',
        'pic.jpgx',
        'q/r',
        'q/r/s',
        'words',
        'x',
        '{',
      ],
    ],
    ['^[a\\-z]$', ['-'], ['-']],
    ['\\.(jpg|png)$', ['pic.jpg'], ['pic.jpg']],
    ['^(?i)ABC', ['ABC', 'abc', 'abc!'], ['ABC', 'abc', 'abc!']],
    [
      '[[:punct:]]',
      ['-', '/api/v12/x', '12-x', '555-1234', 'a-c', 'a-z', 'a.b', 'abc!', 'ab{', 'a{,}', 'me@site.com', 'pic.jpg', 'pic.jpgx', 'q/r', 'q/r/s', '{'],
      ['-', '/api/v12/x', '12-x', '555-1234', 'a-c', 'a-z', 'a.b', 'abc!', 'ab{', 'a{,}', 'me@site.com', 'pic.jpg', 'pic.jpgx', 'q/r', 'q/r/s', '{'],
    ],
    ['^[[:xdigit:]]{4}$', ['1f3A', 'abab', 'abbc'], ['1f3A', 'abab', 'abbc']],
    ['\\Bb', ['ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{', 'barbaz', 'foobaz'], ['AAB', 'ABC', 'ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{', 'barbaz', 'foobaz']],
    [
      'x*',
      [
        '-',
        '/api/v12/x',
        '12-x',
        '1f3A',
        '555-1234',
        'AAB',
        'ABC',
        'D',
        'a word here',
        'a-c',
        'a-z',
        'a.b',
        'aa',
        'aaa',
        'ab',
        'ab9',
        'abab',
        'abb',
        'abbc',
        'abc',
        'abc!',
        'ab{',
        'a{,}',
        'barbaz',
        'c',
        'foobaz',
        'me@site.com',
        'pic.jpg',
        'pic.jpgx',
        'q/r',
        'q/r/s',
        'words',
        'x',
        '{',
      ],
      [
        '-',
        '/api/v12/x',
        '12-x',
        '1f3A',
        '555-1234',
        'AAB',
        'ABC',
        'D',
        'a word here',
        'a-c',
        'a-z',
        'a.b',
        'aa',
        'aaa',
        'ab',
        'ab9',
        'abab',
        'abb',
        'abbc',
        'abc',
        'abc!',
        'ab{',
        'a{,}',
        'barbaz',
        'c',
        'foobaz',
        'me@site.com',
        'pic.jpg',
        'pic.jpgx',
        'q/r',
        'q/r/s',
        'words',
        'x',
        '{',
      ],
    ],
    ['^\\d{3}-\\d{4}$', ['555-1234'], ['555-1234']],
    ['[.]', ['a.b', 'me@site.com', 'pic.jpg', 'pic.jpgx'], ['a.b', 'me@site.com', 'pic.jpg', 'pic.jpgx']],
    [
      'a|b|^c',
      ['/api/v12/x', 'a word here', 'a-c', 'a-z', 'a.b', 'aa', 'aaa', 'ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{', 'a{,}', 'barbaz', 'c', 'foobaz'],
      ['/api/v12/x', '1f3A', 'AAB', 'ABC', 'a word here', 'a-c', 'a-z', 'a.b', 'aa', 'aaa', 'ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{', 'a{,}', 'barbaz', 'c', 'foobaz'],
    ],
    ['^[^/]*/[^/]*$', ['q/r'], ['q/r']],
    ['\\Aab\\z', ['ab'], ['ab']],
    ['(?=x)x', ['/api/v12/x', '12-x', 'pic.jpgx', 'x'], ['/api/v12/x', '12-x', 'pic.jpgx', 'x']],
    [
      '(?!a)b',
      ['a.b', 'ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{', 'barbaz', 'foobaz'],
      ['AAB', 'ABC', 'a.b', 'ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{', 'barbaz', 'foobaz'],
    ],
    ['(?<=a)b', ['ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{'], ['AAB', 'ABC', 'ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{']],
    ['(?<!a)b', ['a.b', 'abb', 'abbc', 'barbaz', 'foobaz'], ['a.b', 'abb', 'abbc', 'barbaz', 'foobaz']],
    ['^\\x{61}\\o{142}$', ['ab'], ['ab']],
    [
      '[\\w.-]+',
      [
        '-',
        '/api/v12/x',
        '12-x',
        '1f3A',
        '555-1234',
        'AAB',
        'ABC',
        'D',
        'a word here',
        'a-c',
        'a-z',
        'a.b',
        'aa',
        'aaa',
        'ab',
        'ab9',
        'abab',
        'abb',
        'abbc',
        'abc',
        'abc!',
        'ab{',
        'a{,}',
        'barbaz',
        'c',
        'foobaz',
        'me@site.com',
        'pic.jpg',
        'pic.jpgx',
        'q/r',
        'q/r/s',
        'words',
        'x',
      ],
      [
        '-',
        '/api/v12/x',
        '12-x',
        '1f3A',
        '555-1234',
        'AAB',
        'ABC',
        'D',
        'a word here',
        'a-c',
        'a-z',
        'a.b',
        'aa',
        'aaa',
        'ab',
        'ab9',
        'abab',
        'abb',
        'abbc',
        'abc',
        'abc!',
        'ab{',
        'a{,}',
        'barbaz',
        'c',
        'foobaz',
        'me@site.com',
        'pic.jpg',
        'pic.jpgx',
        'q/r',
        'q/r/s',
        'words',
        'x',
      ],
    ],
    ['^.{3}$', ['AAB', 'ABC', 'a-c', 'a-z', 'a.b', 'aaa', 'ab9', 'abb', 'abc', 'ab{', 'q/r'], ['AAB', 'ABC', 'a-c', 'a-z', 'a.b', 'aaa', 'ab9', 'abb', 'abc', 'ab{', 'q/r']],
    ['{', ['ab{', 'a{,}', '{'], ['ab{', 'a{,}', '{']],
    ['a{,}', ['a{,}'], ['a{,}']],
    ['^a{1}b', ['ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{'], ['ABC', 'ab', 'ab9', 'abab', 'abb', 'abbc', 'abc', 'abc!', 'ab{']],
  ]

  it('agrees with HAProxy on a table of regexes [2.6.12]', () => {
    for (const [re, cs, ci] of REG_TABLE) {
      expect(matching(compile('reg', [re]), REG_SAMPLES), re).toEqual(cs)
      expect(matching(compile('reg', [re], true), REG_SAMPLES), `-i ${re}`).toEqual(ci)
    }
  })

  it('invalid or untranslatable regexes are reported with "regex" in the message', () => {
    const errs = (pats: string[]) => compile('reg', pats).errors
    const e = errs(['ok', '('])
    expect(e).toHaveLength(1)
    expect(e[0]?.[0]).toBe(1)
    expect(e[0]?.[1]).toMatch(/regex '\(' is invalid/)
    for (const bad of ['a++', '(?>a)', '(a)\\1', 'a(?i)b', '\\p{L}', '[a', 'a)', '\\', '*a', '\\y', '(?R)']) {
      const r = errs([bad])
      expect(r, bad).toHaveLength(1)
      expect(r[0]?.[1], bad).toMatch(/regex/)
    }
  })

  it('back-references and lookarounds wider than a fixed string are refused: they need backtracking', () => {
    const errs = (pats: string[]) => compile('reg', pats).errors
    for (const [bad, feature] of [
      ['^(?<n>a)\\k<n>$', 'backreference'],
      ['^(?P<n>a)(?P=n)$', 'backreference'],
      ["^(?'n'a)\\k{n}$", 'backreference'],
      ['^/(?=a+b)', 'lookaround'],
      ['(?<!ab|c)d', 'lookaround'],
      ['^a{1001}$', 'repetition-too-large'],
    ] as const) {
      const r = errs([bad])
      expect(r, bad).toHaveLength(1)
      expect(r[0]?.[1], bad).toMatch(/^regex '.*' cannot be used at the edge: .*(back-reference|lookaround|repetition)/)
      const j = pcreToJs(bad, false)
      expect('refusal' in j && j.refusal?.feature, bad).toBe(feature)
    }
    // lookarounds over a fixed string of characters read a constant number of characters: kept
    expect(errs(['(?<!www\\.)example\\.com$', '^/(?!admin/)', '(?=x)x'])).toEqual([])
  })
})

describe('bin', () => {
  it('hex patterns, exact bytes (doc example)', () => {
    const c = compile('bin', ['48656c6c6f0a', 'FF00'])
    expect(c.errors).toEqual([])
    expect(c.test(b(0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x0a))).toBe(true)
    expect(c.test(b(0xff, 0x00))).toBe(true)
    expect(c.test(b(0xff))).toBe(false)
    expect(c.test(b(0xff, 0x00, 0x00))).toBe(false)
    expect(c.test(s('Hello\n'))).toBe(true)
  })

  it('bad hex patterns [2.6.12]', () => {
    expect(compile('bin', ['abc']).errors).toEqual([[0, 'an even number of hex digit is expected']])
    expect(compile('bin', ['00', 'zz']).errors).toEqual([[1, "an hex digit is expected (found 'z')"]])
    expect(compile('bin', ['0g']).errors).toEqual([[0, "an hex digit is expected (found 'g')"]])
  })
})

describe('meth', () => {
  it('known methods are case-sensitive, others follow -i [2.6.12]', () => {
    const ms = ['GET', 'get', 'Get', 'FOO', 'foo', 'POST']
    const run = (pats: string[], icase = false) => ms.filter((m) => compile('meth', pats, icase).test(meth(m)))
    expect(run(['GET'])).toEqual(['GET'])
    expect(run(['get'], true)).toEqual(['get', 'Get'])
    expect(run(['get'])).toEqual(['get'])
    expect(run(['FOO'], true)).toEqual(['FOO', 'foo'])
    expect(run(['FOO'])).toEqual(['FOO'])
    expect(run(['GET'], true)).toEqual(['GET'])
    expect(run(['GET', 'HEAD', 'POST'])).toEqual(['GET', 'POST'])
  })
})

describe('ip', () => {
  const samples = [
    '10.1.2.3',
    '11.0.0.1',
    '10.0.0.12',
    '127.5.5.5',
    '192.168.0.42',
    '192.168.42.1',
    '8.0.0.1',
    '10.0.0.1',
    '10.5.0.7',
    '::ffff:10.1.2.3',
    '::10.1.2.3',
    '2002:a01:203::1',
    '2001:db8:1::1',
    '2001:db9::1',
    '::1',
    '0.0.0.1',
    '1.9.3.8',
    '0.0.0.10',
    '::',
    'fe80::1',
  ]
  const hits = (pats: string[]) => {
    const c = compile('ip', pats)
    expect(c.errors).toEqual([])
    return samples.filter((x) => c.test(ip(x)))
  }

  it('IPv4 forms, abbreviated and octal like gethostbyname at startup [2.6.12]', () => {
    expect(hits(['10.0.0.0/8'])).toEqual(['10.1.2.3', '10.0.0.12', '10.0.0.1', '10.5.0.7', '::ffff:10.1.2.3', '::10.1.2.3', '2002:a01:203::1'])
    expect(hits(['10.12'])).toEqual(['10.0.0.12'])
    expect(hits(['127.1/8'])).toEqual(['127.5.5.5'])
    expect(hits(['192.168.42/24'])).toEqual(['192.168.0.42'])
    expect(hits(['010.0.0.1'])).toEqual(['8.0.0.1'])
    expect(hits(['10'])).toEqual(['0.0.0.10'])
    expect(hits(['1.2.3.4/+8'])).toEqual(['1.9.3.8'])
    expect(hits(['1.2.3.4/08'])).toEqual(['1.9.3.8'])
    expect(hits(['1.2.3.4/-0'])).toEqual(samples.filter((x) => !['2001:db8:1::1', '2001:db9::1', 'fe80::1'].includes(x)))
    expect(hits(['4294967295'])).toEqual([])
    expect(compile('ip', ['4294967295']).test(ip('255.255.255.255'))).toBe(true)
  })

  it('dotted masks, contiguous or not [2.6.12]', () => {
    expect(hits(['10.0.0.0/255.0.0.0'])).toEqual(hits(['10.0.0.0/8']))
    expect(hits(['10.0.0.0/255.0.255.0'])).toEqual(['10.0.0.12', '10.0.0.1', '10.5.0.7'])
    expect(hits(['1.2.3.4/255.0.255.0'])).toEqual(['1.9.3.8'])
  })

  it('IPv6 and cross-family matching [2.6.12]', () => {
    expect(hits(['::ffff:10.0.0.0/104'])).toEqual(['10.1.2.3', '10.0.0.12', '10.0.0.1', '10.5.0.7', '::ffff:10.1.2.3'])
    expect(hits(['2001:db8::/32'])).toEqual(['2001:db8:1::1'])
    expect(hits(['::/0'])).toEqual(samples)
    expect(hits(['0.0.0.0/0'])).toEqual(samples.filter((x) => !['2001:db8:1::1', '2001:db9::1', 'fe80::1'].includes(x)))
    expect(hits(['::1'])).toEqual(['::1'])
    expect(hits(['::1/-0'])).toEqual(samples)
  })

  it('samples of other types are cast (int → IPv4, str → address)', () => {
    const c = compile('ip', ['10.0.0.0/8', '2001:db8::/32'])
    expect(c.test(n(0x0a000001))).toBe(true)
    expect(c.test(n(0x0b000001))).toBe(false)
    expect(c.test(s('10.9.9.9'))).toBe(true)
    expect(c.test(s('2001:db8::5'))).toBe(true)
    expect(c.test(s('not an ip'))).toBe(false)
    expect(c.test(s(''))).toBe(false)
  })

  it('LOCALHOST-style lists', () => {
    const c = compile('ip', ['127.0.0.1/8', '::1'])
    expect(c.test(ip('127.0.0.1'))).toBe(true)
    expect(c.test(ip('::1'))).toBe(true)
    expect(c.test(ip('::ffff:127.0.0.1'))).toBe(true)
    expect(c.test(ip('128.0.0.1'))).toBe(false)
  })

  it('bad patterns, with HAProxy message; host names are refused [2.6.12]', () => {
    const errs = compile('ip', [
      '1.2.3.4/33',
      '::1/129',
      '1.2.3.4/',
      '0x7f.1',
      '1.2.3.4.5',
      '4294967296',
      '1.2.3.',
      '1.2.3.4/0x8',
      '1.2.3.4/255.255.255.256',
      '10.0.0.1',
      'localhost',
      'gw.example.com/24',
      '1::2::3',
      ':1',
      '1:2:3:4:5:6:7:8:9',
    ]).errors
    expect(errs.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14])
    expect(errs[0]).toEqual([0, "'1.2.3.4/33' is not a valid IPv4 or IPv6 address"])
    expect(errs.find(([i]) => i === 10)?.[1]).toMatch(/^'localhost' is not a valid IPv4 or IPv6 address \(host names are not supported/)
    expect(errs.find(([i]) => i === 11)?.[1]).toMatch(/host names are not supported/)
  })

  it('more acceptance edge cases, same verdicts as haproxy -c [2.6.12]', () => {
    const ok = ['1.2.3.4/ 8', '0.0.0.0/0.0.0.0', '1.2.3.4/255.255.0.255', '00.1.2.3', '1.2.3.04', '::1/+64', 'FE80::1/10']
    const bad = ['08.1.1.1', '1.2.3.4/-1', '127.0.0.1/32/', '::01.2.3.4', '::1.2.3']
    expect(compile('ip', ok).errors).toEqual([])
    expect(compile('ip', bad).errors.map(([i]) => i)).toEqual([0, 1, 2, 3, 4])
    expect(compile('ip', ['1.2.3.04']).test(ip('1.2.3.4'))).toBe(true)
  })

  it('IPv6 text forms (inet_pton)', () => {
    const ok = ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1::8', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4', 'FE80::1/10', '::/0']
    const bad = ['1:2:3:4:5:6:7:8::', '1:2:3:4:5:6:7::8', ':::', '1:::2', '12345::', '::1.2.3', '::01.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1:', 'g::']
    expect(compile('ip', ok).errors).toEqual([])
    expect(compile('ip', bad).errors.map(([i]) => i)).toEqual(bad.map((_, i) => i))
  })
})
