/**
 * @module
 * Converters against HAProxy 2.6 behaviour. Values marked [2.6.12] were produced by a real
 * HAProxy 2.6.12 (`lf-string "%[str(hello),crc32]"`-style probes over loopback, TZ=UTC).
 */
import { describe, expect, it } from 'vitest'
import { RequestState } from '../../../src/engine/request-state.ts'
import { CONVERTERS } from '../../../src/sample/converters/index.ts'
import { formatG } from '../../../src/sample/converters/json.ts'
import { strftime } from '../../../src/sample/converters/time.ts'
import type { ArgValue, BuildEnv, ConverterDef, Sample, StickView } from '../../../src/sample/types.ts'

const MAPS: Record<string, [string, string][]> = {
  't.map': [
    ['/api', 'be_api'],
    ['/api/v1', 'be_api2'],
    ['/api', 'dup'],
    ['/static', 'be_static'],
  ],
  'ip.map': [
    ['10.0.0.0/8', 'ten'],
    ['10.1.0.0/16', 'ten-one'],
    ['10.1.2.3', 'host'],
    ['192.168.0.0/255.255.0.255', 'noncontig'],
    ['::ffff:172.16.0.0/108', 'mapped172'],
    ['2001:db8::/32', 'doc6'],
  ],
  'reg.map': [
    ['^/a(.*)', 'A\\1'],
    ['^/(.*)', 'ALL\\1'],
  ],
  'int.map': [
    ['1:10', 'small'],
    ['5', 'five'],
    ['11:', 'big'],
  ],
  'dom.map': [
    ['example.com', 'ex'],
    ['.org', 'org'],
  ],
  'val.map': [
    ['a', '42'],
    ['b', 'x'],
    ['c', '10.0.0.1'],
  ],
}
const env: BuildEnv = { map: (id) => (MAPS[id] ?? []).flat() }

function def(name: string): ConverterDef {
  const d = CONVERTERS.find((c) => c.name === name)
  if (!d) throw new Error(`no converter ${name}`)
  return d
}

function ctx(): RequestState {
  const c = new RequestState({ method: 'GET', url: 'http://h/', headers: [], src: '127.0.0.1' }, 'fe', () => 0)
  c.vars.set('txn.n', { type: 'int', value: 7 })
  c.vars.set('txn.s', { type: 'str', value: 'abc' })
  c.vars.set('txn.key', { type: 'str', value: 'c2VjcmV0' })
  return c
}

const S = (value: string): Sample => ({ type: 'str', value })
const I = (value: number): Sample => ({ type: 'int', value })
const IP = (value: string): Sample => ({ type: 'ip', value })

/** Runs converter `name` on `input`; bin results as upper-case hex. */
function conv(name: string, input: Sample, args: ArgValue[] = [], c: RequestState = ctx()): string | number | boolean | undefined {
  const r = def(name).build(args, env)(input, c)
  if (!r) return undefined
  return r.value instanceof Uint8Array ? Buffer.from(r.value).toString('hex').toUpperCase() : r.value
}

const str = (name: string, input: string, ...args: ArgValue[]) => conv(name, S(input), args)
const num = (name: string, input: number, ...args: ArgValue[]) => conv(name, I(input), args)

describe('registry shape', () => {
  it('has unique names, and every converter builds', () => {
    const names = CONVERTERS.map((c) => c.name)
    expect(new Set(names).size).toBe(names.length)
    for (const c of CONVERTERS) {
      expect(
        typeof c.build(
          c.args.map((a) => (a.kind === 'int' ? 1 : a.kind === 'map' ? 't.map' : a.kind === 'var' ? 'txn.s' : 'x')),
          env,
        ),
      ).toBe('function')
    }
  })
})

describe('strings', () => {
  it('field and word [2.6.12]', () => {
    expect(str('field', 'a,b,,c', 3, ',')).toBe('')
    expect(str('field', 'a,b,,c', -1, ',')).toBe('c')
    expect(str('field', 'a,b,,c', 2, ',', 2)).toBe('b,')
    expect(str('field', 'a,b,,c', -2, ',', 2)).toBe('b,')
    expect(str('field', 'a,b,,c', -5, ',')).toBeUndefined()
    expect(str('field', 'a', 3, 'x')).toBeUndefined()
    expect(str('field', '/images/png/logo.png', 2, '/')).toBe('images')
    expect(str('word', ',a,,b,c', 2, ',')).toBe('b')
    expect(str('word', ',a,,b,c', -1, ',')).toBe('c')
    expect(str('word', ',a,,b,c', 1, ',', 2)).toBe('a,,b')
    expect(str('word', 'ab', 5, 'b')).toBe('')
  })
  it('regsub [2.6.12]', () => {
    expect(str('regsub', 'aaa-bbb', 'a', 'X')).toBe('Xaa-bbb')
    expect(str('regsub', 'aaa-bbb', 'a', 'X', 'g')).toBe('XXX-bbb')
    expect(str('regsub', 'abc', 'x*', '-', 'g')).toBe('-a-b-c-')
    expect(str('regsub', 'Hello', 'l(l)?', '[\\1]', 'g')).toBe('He[l]o')
    expect(str('regsub', 'abab', '^a', 'X', 'g')).toBe('Xbab')
    expect(str('regsub', 'abc', 'B', 'x', 'i')).toBe('axc')
  })
  it('json escapes [2.6.12]', () => {
    const raw = 'a"b\\/\x01\xc3\xa9\xff'
    expect(str('json', raw)).toBe('a\\"b\\\\\\/\\u0001\\u00c3\\u00a9\\u00ff')
    expect(str('json', raw, 'utf8s')).toBe('a\\"b\\\\\\/\\u0001\\u00e9')
    expect(str('json', raw, 'utf8')).toBeUndefined()
  })
  it('lower, upper, length, trims, cut_crlf', () => {
    expect(str('upper', 'aBc')).toBe('ABC')
    expect(str('lower', 'ÀBC')).toBe('Àbc')
    expect(str('length', 'abc')).toBe(3)
    expect(str('ltrim', 'xxaxx', 'x')).toBe('axx')
    expect(str('rtrim', 'xxaxx', 'x')).toBe('xxa')
    expect(str('cut_crlf', 'ab\r\ncd')).toBe('ab')
  })
  it('concat, add_item, strcmp with variables [2.6.12]', () => {
    expect(str('concat', 'a', '<', 'txn.s', '>')).toBe('a<abc>')
    expect(str('concat', 'a', '<', 'txn.none', '>')).toBe('a<>')
    expect(str('add_item', 'a', ';', 'txn.s', 'x')).toBe('a;abcx')
    expect(str('add_item', '', ';', 'txn.s')).toBe('abc')
    expect(str('strcmp', 'abd', 'txn.s')).toBe(1)
    expect(str('strcmp', 'abz', 'txn.s')).toBe(23)
    expect(str('strcmp', 'ab', 'txn.s')).toBe(-1)
    expect(str('strcmp', 'abc', 'txn.s')).toBe(0)
  })
  it('language [2.6.12]', () => {
    expect(str('language', 'en-GB;q=0.8, fr;q=0.9, en-US', 'fr;en-US;en')).toBe('en-US')
    expect(str('language', 'de', 'fr;en-US;en')).toBeUndefined()
    expect(str('language', 'de', 'fr', 'nope')).toBe('nope')
    expect(str('language', 'en-GB;q=0.8, fr;q=0.7', 'fr;en')).toBe('en')
  })
  it('iif', () => {
    expect(conv('iif', { type: 'bool', value: true }, ['yes', 'no'])).toBe('yes')
    expect(conv('iif', { type: 'bool', value: false }, ['yes', 'no'])).toBe('no')
  })
})

describe('encodings [2.6.12]', () => {
  it('url_dec, url_enc', () => {
    expect(str('url_dec', 'a%2Fb+c')).toBe('a/b+c')
    expect(str('url_dec', 'a+b?c+d')).toBe('a+b?c d')
    expect(str('url_dec', 'a+b', 1)).toBe('a b')
    expect(str('url_dec', 'a%zz')).toBeUndefined()
    expect(str('url_enc', 'a b&c/\xc3\xa9')).toBe('a%20b%26c%2F%C3%A9')
  })
  it('hex, hex2i, base64, b64dec, ub64enc, ub64dec', () => {
    expect(str('hex2i', 'ff')).toBe(255)
    expect(str('hex2i', 'fg')).toBeUndefined()
    expect(str('hex', 'hello')).toBe('68656C6C6F')
    expect(str('base64', 'hello')).toBe('aGVsbG8=')
    expect(str('b64dec', 'aGVsbG8=')).toBe('68656C6C6F')
    expect(str('b64dec', 'aGVsbG8')).toBeUndefined()
    expect(str('b64dec', 'aGVs=G8=')).toBeUndefined()
    expect(str('ub64enc', 'hello')).toBe('aGVsbG8')
    expect(str('ub64dec', 'aGVsbG8')).toBe('68656C6C6F')
  })
  it('be2dec, be2hex, htonl, bytes', () => {
    expect(str('be2dec', 'hello', '-', 2)).toBe('26725-27756-111')
    expect(str('be2dec', 'hello', '-', 2, 1)).toBe('26725-27756')
    expect(str('be2hex', 'hello', ':', 2)).toBe('6865:6C6C:6F')
    expect(str('be2hex', 'hello')).toBe('68656C6C6F')
    expect(num('htonl', 258)).toBe('00000102')
    expect(str('bytes', 'hello', 1, 3)).toBe('656C6C')
    expect(str('bytes', 'ab', 9)).toBe('')
  })
})

describe('arithmetic [2.6.12]', () => {
  it('saturates on 64 bits and takes variables', () => {
    expect(num('add', 2 ** 62, String(2 ** 62))).toBe(2 ** 63)
    expect(num('div', 10, '0')).toBe(2 ** 63)
    expect(num('mod', 10, '0')).toBe(0)
    expect(num('div', -7, '2')).toBe(-3)
    expect(num('mod', -7, '2')).toBe(-1)
    expect(num('add', 5, 'txn.n')).toBe(12)
    expect(num('sub', 5, 'txn.missing')).toBeUndefined()
    expect(num('cpl', 5)).toBe(-6)
    expect(num('neg', 5)).toBe(-5)
    expect(num('and', 6, '3')).toBe(2)
    expect(num('mul', 3, '-4')).toBe(-12)
    expect(num('bool', 0)).toBe(false)
    expect(num('odd', 3)).toBe(true)
    expect(num('even', 3)).toBe(false)
    expect(num('not', 0)).toBe(true)
    expect(num('add', 1, 'abc')).toBeUndefined()
  })
})

describe('hashes and digests [2.6.12]', () => {
  it('32-bit hashes', () => {
    expect(str('crc32', 'hello')).toBe(907060870)
    expect(str('crc32', 'hello', 1)).toBe(3902247103)
    expect(str('djb2', 'hello')).toBe(261238937)
    expect(str('sdbm', 'hello')).toBe(684824882)
    expect(str('wt6', 'hello')).toBe(3538347703)
    expect(str('crc32c', 'hello')).toBe(2591144780)
    expect(str('xxh32', 'hello')).toBe(4211111929)
    expect(str('xxh32', 'hello', 5)).toBe(3191799670)
    expect(str('xxh64', 'hello')).toBe(Number(2794345569481354659n)) // int samples are JS numbers: exact to 2^53
  })
  it('sha1, sha2, digest, hmac', () => {
    expect(str('sha1', 'hello')).toBe('AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D')
    expect(str('sha2', 'hello')).toBe('2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824')
    expect(str('sha2', 'hello', 224)).toBe('EA09AE9CC6768C50FCEE903ED054556E5BFC8347907F12598AA24193')
    expect(str('sha2', 'hello', 384)).toBe('59E1748777448C69DE6B800D7A33BBFB9FF1B463E44354C3553BCDB9C666FA90125A3C79F90397BDF5F6A13DE828684F')
    expect(str('sha2', 'hello', 512)).toBe('9B71D224BD62F3785D96D46AD3EA3D73319BFBC2890CAADAE2DFF72519673CA72323C3D99BA5C11D7C7ACC6E14B8C5DA0C4663475C2E5C3ADEF46F73BCDEC043')
    expect(str('digest', 'hello', 'sha256')).toBe('2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824')
    expect(str('hmac', 'hello', 'sha256', 'c2VjcmV0')).toBe('88AAB3EDE8D3ADF94D26AB90D3BAFD4A2083070C3BCCE9C014EE04A443847C0B')
    expect(str('hmac', 'hello', 'sha1', 'txn.key')).toBe('5112055C05F944F85755EFC5CD8970E194E9F45B')
    expect(str('digest', 'hello', 'md5')).toBeUndefined()
  })
  it('secure_memcmp', () => {
    expect(str('secure_memcmp', 'abc', 'txn.s')).toBe(true)
    expect(str('secure_memcmp', 'abd', 'txn.s')).toBe(false)
    expect(str('secure_memcmp', 'abc', 'txn.none')).toBeUndefined()
  })
})

describe('dates [2.6.12]', () => {
  it('http_date', () => {
    expect(num('http_date', 1700000000)).toBe('Tue, 14 Nov 2023 22:13:20 GMT')
    expect(num('http_date', 1700000000123, 0, 'ms')).toBe('Tue, 14 Nov 2023 22:13:20.123 GMT')
    expect(num('http_date', 1700000000005, 0, 'ms')).toBe('Tue, 14 Nov 2023 22:13:20.5 GMT')
    expect(num('http_date', 1700000000, 3600)).toBe('Tue, 14 Nov 2023 23:13:20 GMT')
  })
  it('utime / ltime with strftime', () => {
    expect(num('utime', 1700000000, '%Y-%m-%dT%H:%M:%S %a %b %e %j %U %W %V %G %u %w %y %C %I %p')).toBe('2023-11-14T22:13:20 Tue Nov 14 318 46 46 46 2023 2 2 23 20 10 PM')
    expect(num('ltime', 1700000000, '%d/%b/%Y', 86400)).toBe('15/Nov/2023')
    expect(strftime('%e|%k|%%|%F %T|%s', new Date(Date.UTC(2024, 0, 5, 7, 8, 9)))).toBe(' 5| 7|%|2024-01-05 07:08:09|1704438489')
  })
})

describe('addresses', () => {
  it('ipmask [2.6.12]', () => {
    expect(conv('ipmask', IP('192.168.1.77'), ['24'])).toBe('192.168.1.0')
    expect(conv('ipmask', IP('192.168.1.77'), ['255.255.0.0'])).toBe('192.168.0.0')
    expect(conv('ipmask', IP('2001:db8:1:2:3:4:5:6'), ['24', '64'])).toBe('2001:db8:1:2::')
    expect(conv('ipmask', IP('::ffff:10.1.2.3'), ['24', '64'])).toBe('10.1.2.0')
    expect(conv('ipmask', IP('2001:db8::1'), ['24'])).toBeUndefined()
  })
})

describe('json_query and JWT [2.6.12]', () => {
  const doc = '{"a":{"b":"x\\u00e9y"},"n":3.14159265,"arr":[1,2.5e10],"t":true,"big":1e300,"u":"a\\u0100","nil":null}'
  it('queries values', () => {
    expect(str('json_query', doc, '$.a.b')).toBe('x\xe9y')
    expect(str('json_query', doc, '$.n')).toBe('3.14159')
    expect(str('json_query', doc, '$.n', 'int')).toBe(3)
    expect(str('json_query', doc, '$.arr[1]')).toBe('2.5e+10')
    expect(str('json_query', doc, '$.t')).toBe(true)
    expect(str('json_query', doc, '$.big')).toBe('1e+300')
    expect(str('json_query', doc, '$.u')).toBeUndefined()
    expect(str('json_query', doc, '$.nil')).toBeUndefined()
    expect(str('json_query', doc, '$.a')).toBeUndefined()
    expect(str('json_query', '{"n":-2.7}', '$.n', 'int')).toBe(-2)
  })
  it('formats numbers like printf %g', () => {
    expect(formatG(0.0001234)).toBe('0.0001234')
    expect(formatG(123456.7)).toBe('123457')
    expect(formatG(1234567)).toBe('1.23457e+06')
    expect(formatG(1e-5)).toBe('1e-05')
  })
  it('decodes JWT parts', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImFkbSI6dHJ1ZX0.sig'
    expect(str('jwt_header_query', jwt)).toBe('{"alg":"HS256"}')
    expect(str('jwt_header_query', jwt, '$.alg')).toBe('HS256')
    expect(str('jwt_payload_query', jwt, '$.sub')).toBe('alice')
    expect(str('jwt_payload_query', jwt, '$.adm')).toBe(true)
  })
})

describe('variables', () => {
  it('set-var stores and passes the input; conditions make it fail', () => {
    const c = ctx()
    expect(conv('set-var', S('v'), ['txn.x'], c)).toBe('v')
    expect(c.vars.get('txn.x')).toEqual(S('v'))
    expect(conv('set-var', S('w'), ['txn.x', 'ifnotexists'], c)).toBeUndefined()
    expect(c.vars.get('txn.x')).toEqual(S('v'))
    expect(conv('set-var', I(3), ['txn.n', 'ifgt'], c)).toBe(3)
    expect(c.vars.get('txn.n')).toEqual(I(3))
    expect(conv('set-var', S(''), ['txn.e', 'ifnotempty'], c)).toBeUndefined()
    expect(conv('unset-var', S('q'), ['txn.x'], c)).toBe('q')
    expect(c.vars.has('txn.x')).toBe(false)
  })
})

describe('maps [2.6.12]', () => {
  it('map_beg takes the longest prefix; map_str the first duplicate', () => {
    expect(str('map_beg', '/api/v1/x', 't.map')).toBe('be_api2')
    expect(str('map_beg', '/api/v2', 't.map')).toBe('be_api')
    expect(str('map_beg', '/zz', 't.map')).toBeUndefined()
    expect(str('map_str', '/api', 't.map', 'none')).toBe('be_api')
    expect(str('map', '/api/v1/x', 't.map', 'none')).toBe('none')
    expect(str('map_sub', '/x/static/a', 't.map', 'x')).toBe('be_static')
    expect(str('map_sub', '/zz', 't.map', 'x')).toBe('x')
  })
  it('map_ip picks the most specific network, across families', () => {
    const ipmap = (a: string) => conv('map_ip', IP(a), ['ip.map', 'nomatch'])
    expect(ipmap('10.1.2.3')).toBe('host')
    expect(ipmap('10.1.9.9')).toBe('ten-one')
    expect(ipmap('10.9.9.9')).toBe('ten')
    expect(ipmap('192.168.5.1')).toBe('nomatch')
    expect(ipmap('192.168.5.0')).toBe('noncontig')
    expect(ipmap('172.16.3.4')).toBe('mapped172')
    expect(ipmap('::ffff:10.1.2.3')).toBe('host')
    expect(ipmap('2001:db8::5')).toBe('doc6')
    expect(ipmap('::ffff:172.16.0.1')).toBe('mapped172')
    expect(ipmap('2002:0a01:0203::')).toBe('host')
    expect(ipmap('11.0.0.1')).toBe('nomatch')
  })
  it('map_reg, map_regm, map_int, map_dom', () => {
    expect(str('map_reg', '/api/v1/x', 'reg.map')).toBe('A\\1')
    expect(str('map_regm', '/api/v1/x', 'reg.map')).toBe('Api/v1/x')
    expect(str('map_regm', '/static/a', 'reg.map')).toBe('ALLstatic/a')
    expect(num('map_int', 5, 'int.map', 'x')).toBe('small')
    expect(num('map_int', 12, 'int.map', 'x')).toBe('big')
    expect(num('map_int', 0, 'int.map', 'x')).toBe('x')
    expect(str('map_dom', 'www.example.com', 'dom.map', 'x')).toBe('ex')
    expect(str('map_dom', 'x.org', 'dom.map', 'x')).toBe('org')
    expect(str('map_dom', 'example.co', 'dom.map', 'x')).toBe('x')
  })
  it('typed outputs and defaults', () => {
    expect(str('map_str_int', 'a', 'val.map')).toBe(42)
    expect(str('map_str_int', 'b', 'val.map', 7)).toBe(7) // 'x' is not an integer: the line is skipped
    expect(str('map_str_ip', 'c', 'val.map')).toBe('10.0.0.1')
    expect(str('map_str_ip', 'zz', 'val.map', '::1')).toBe('::1')
    expect(str('map_str', 'zz', 'val.map')).toBeUndefined()
  })
})

describe('stick tables', () => {
  it('table_* return 0 without an entry; in_table', () => {
    const c = ctx()
    const view: StickView = {
      tracked: () => undefined,
      lookup: (table, key, data) => (table === 't' && key === '10.0.0.1' ? ({ http_req_rate: 5, bytes_in_cnt: 4096 } as Record<string, number>)[data] : undefined),
    }
    c.stick = view
    expect(conv('table_http_req_rate', IP('10.0.0.1'), ['t'], c)).toBe(5)
    expect(conv('table_kbytes_in', IP('10.0.0.1'), ['t'], c)).toBe(4)
    expect(conv('table_http_req_rate', IP('10.0.0.2'), ['t'], c)).toBe(0)
    expect(conv('in_table', IP('10.0.0.1'), ['t'], c)).toBe(true)
    expect(conv('in_table', IP('10.0.0.2'), ['t'], c)).toBe(false)
  })
})
