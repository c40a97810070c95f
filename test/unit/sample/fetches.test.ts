/**
 * @module
 * Sample fetches against HAProxy 2.6 behaviour. Values marked [2.6.12] were produced by a real
 * HAProxy 2.6.12 with `http-request return ... lf-string "%[...]"` probed over loopback.
 */
import { describe, expect, it } from 'vitest'
import { RequestState } from '../../../src/engine/request-state.ts'
import { FETCHES } from '../../../src/sample/fetches/index.ts'
import { dnEntry, dnOneline, parseDn } from '../../../src/sample/fetches/ssl.ts'
import { HeaderList } from '../../../src/sample/headers.ts'
import type { ArgValue, BuildEnv, FetchDef, Sample, StickView, TlsClientInfo } from '../../../src/sample/types.ts'

const env: BuildEnv = { map: () => [] }

function def(name: string): FetchDef {
  const d = FETCHES.find((f) => f.name === name)
  if (!d) throw new Error(`no fetch ${name}`)
  return d
}

interface Req {
  method?: string
  url?: string
  headers?: [string, string][]
  src?: string
  ssl?: boolean
  tls?: TlsClientInfo
  cf?: Record<string, unknown>
}

function ctx(r: Req = {}): RequestState {
  return new RequestState(
    {
      method: r.method ?? 'GET',
      url: r.url ?? 'http://example.com/',
      headers: r.headers ?? [],
      src: r.src ?? '127.0.0.1',
      ...(r.ssl !== undefined ? { ssl: r.ssl } : {}),
      ...(r.tls ? { tls: r.tls } : {}),
      ...(r.cf ? { cf: r.cf } : {}),
    },
    'fe',
    () => 0x80000000,
  )
}

/** One sample's value (undefined when the fetch fails). */
function one(name: string, c: RequestState, ...args: ArgValue[]): string | number | boolean | undefined {
  const r = def(name).build(args, env)(c, false)
  if (Array.isArray(r)) throw new Error('expected one sample')
  const s = r as Sample | undefined
  if (!s) return undefined
  return s.value instanceof Uint8Array ? Buffer.from(s.value).toString('hex').toUpperCase() : s.value
}

/** Every value the fetch gives to an ACL. */
function all(name: string, c: RequestState, ...args: ArgValue[]): unknown[] | undefined {
  const r = def(name).build(args, env)(c, true)
  if (r === undefined) return undefined
  return (Array.isArray(r) ? r : [r]).map((s: Sample) => s.value)
}

describe('registry shape', () => {
  it('has unique names, and every fetch builds', () => {
    const names = FETCHES.map((f) => f.name)
    expect(new Set(names).size).toBe(names.length)
    for (const f of FETCHES)
      expect(
        typeof f.build(
          f.args.map((a) => (a.kind === 'int' ? 0 : 'x')),
          env,
        ),
      ).toBe('function')
  })
  it('lists what the edge cannot do as unsupported with a reason', () => {
    expect(def('so_name').unsupported).toMatch(/listeners/)
    expect(def('sc_inc_gpc0').unsupported).toMatch(/^not supported yet: use the action 'http-request sc-inc-gpc0/)
    expect(def('req.body').unsupported).toMatch(/buffered/)
    expect(def('ssl_fc_session_id').unsupported).toMatch(/Cloudflare/)
  })
  it('gives HAProxy output types and phases', () => {
    expect(def('src').output).toBe('ip')
    expect(def('dst_port').output).toBe('int')
    expect(def('ssl_fc').output).toBe('bool')
    expect(def('method').output).toBe('meth')
    expect(def('method').defaultMatch).toBe('meth')
    expect(def('path').phases).toEqual(['request'])
    expect(def('status').phases).toEqual(['response'])
    expect(def('hdr').phases).toEqual(['request', 'response'])
    expect(def('hdr').multi).toBe(true)
  })
})

describe('request line and URL', () => {
  const c = ctx({ url: 'http://example.com/url/x?a=1&b=2;c=-5&a=3', headers: [['Host', 'Example.com:81']] })
  it('path, pathq, url, query, base, baseq [2.6.12]', () => {
    expect(one('path', c)).toBe('/url/x')
    expect(one('pathq', c)).toBe('/url/x?a=1&b=2;c=-5&a=3')
    expect(one('url', c)).toBe('/url/x?a=1&b=2;c=-5&a=3')
    expect(one('query', c)).toBe('a=1&b=2;c=-5&a=3')
    expect(one('base', c)).toBe('Example.com:81/url/x')
    expect(one('baseq', c)).toBe('Example.com:81/url/x?a=1&b=2;c=-5&a=3')
  })
  it('base32, url32 and base32+src [2.6.12]', () => {
    expect(one('base32', c)).toBe(3333313213)
    expect(one('url32', c)).toBe(488375958)
    expect(one('base32+src', c)).toBe('C6AE52BD7F000001')
  })
  it('url_param / urlp: first value, all values in ACLs, custom delimiter [2.6.12]', () => {
    expect(one('url_param', c, 'a')).toBe('1')
    expect(all('url_param', c, 'a')).toEqual(['1', '3'])
    expect(one('urlp', c)).toBe('1')
    expect(one('urlp_val', c, 'c')).toBe(-5)
    expect(one('urlp', c, 'zz')).toBeUndefined()
    const d = ctx({ url: 'http://h/url;b=7?b=1' })
    expect(one('urlp', d, 'b', ';')).toBe('7?b=1')
    expect(one('urlp', ctx({ url: 'http://h/x?a=&b' }), 'a')).toBe('')
  })
  it('query fails without "?"; path of an absolute-form target [2.6.12]', () => {
    expect(one('query', ctx({ url: 'http://h/p' }))).toBeUndefined()
    const abs = ctx()
    abs.target = 'http://10.1.2.3:8080/u/v?a=9'
    expect(one('path', abs)).toBe('/u/v')
    expect(one('url', abs)).toBe('http://10.1.2.3:8080/u/v?a=9')
    expect(one('url_ip', abs)).toBe('10.1.2.3')
    expect(one('url_port', abs)).toBe(8080)
    abs.target = 'https://h/?a=9'
    expect(one('path', abs)).toBe('/')
    expect(one('url_ip', abs)).toBeUndefined()
    abs.target = '*'
    expect(one('path', abs)).toBeUndefined()
  })
  it('method, req.ver', () => {
    const m = ctx({ method: 'post' })
    expect(def('method').build([], env)(m, false)).toEqual({ type: 'meth', value: 'POST' })
    expect(one('req.ver', m)).toBe('1.1')
  })
  it('http_auth_* [2.6.12]', () => {
    const basic = ctx({
      headers: [
        ['Authorization', 'Basic dXNlcjpwYXNzOndvcmQ='],
        ['x-tok', 'Bearer   abc'],
      ],
    })
    expect(one('http_auth_type', basic)).toBe('Basic')
    expect(one('http_auth_user', basic)).toBe('user')
    expect(one('http_auth_pass', basic)).toBe('pass:word')
    expect(one('http_auth_bearer', basic, 'x-tok')).toBe('abc')
    const bearer = ctx({ headers: [['Authorization', 'bear tok123']] })
    expect(one('http_auth_type', bearer)).toBe('Bearer')
    expect(one('http_auth_bearer', bearer)).toBe('tok123')
    const prefix = ctx({
      headers: [
        ['Authorization', 'Bas dXNlcjpw'],
        ['X-Tok', 'Basic abc'],
      ],
    })
    expect(one('http_auth_pass', prefix)).toBe('p')
    expect(one('http_auth_bearer', prefix, 'x-tok')).toBe('')
    expect(one('http_auth_type', ctx({ headers: [['Authorization', 'Digest x']] }))).toBeUndefined()
  })
})

describe('headers', () => {
  const c = ctx({
    headers: [
      ['x', 'a, b'],
      ['X', 'c'],
      ['y', '12abc'],
      ['z', '1.2.3.4:80'],
      ['w', '2001:DB8::1'],
    ],
  })
  it('hdr: last value, occurrences, comma split; fhdr: full lines [2.6.12]', () => {
    expect(one('hdr', c, 'x')).toBe('c')
    expect(one('hdr', c, 'x', 1)).toBe('a')
    expect(one('hdr', c, 'x', -2)).toBe('b')
    expect(one('req.fhdr', c, 'x')).toBe('c')
    expect(one('req.fhdr', c, 'x', 1)).toBe('a, b')
    expect(one('hdr', c, 'x', 4)).toBeUndefined()
    expect(one('hdr', c, 'missing')).toBeUndefined()
  })
  it('hdr in ACLs returns every value', () => {
    expect(all('hdr', c, 'x')).toEqual(['a', 'b', 'c'])
    expect(all('req.fhdr', c, 'x')).toEqual(['a, b', 'c'])
    expect(all('hdr', c, 'x', 2)).toEqual(['b'])
  })
  it('hdr() without a name reads every header [2.6.12]', () => {
    expect(one('hdr', c)).toBe('example.com') // RequestState appended Host last
  })
  it('hdr_cnt, fhdr_cnt, hdr_val, hdr_ip, hdr_names [2.6.12]', () => {
    expect(one('hdr_cnt', c, 'x')).toBe(3)
    expect(one('req.fhdr_cnt', c, 'x')).toBe(2)
    expect(one('hdr_cnt', c)).toBe(7) // host (added), then 6 values
    expect(one('hdr_val', c, 'y')).toBe(12)
    expect(one('hdr_ip', c, 'z')).toBe('1.2.3.4')
    expect(one('req.hdr_ip', c, 'w')).toBe('2001:db8::1')
    expect(one('hdr_ip', c, 'y')).toBeUndefined()
    expect(one('req.hdr_names', c)).toBe('x,x,y,z,w,host')
    expect(one('req.hdr_names', c, ';')).toBe('x;x;y;z;w;host')
  })
  it('quoted commas do not split', () => {
    const q = ctx({ headers: [['x', '"a,b", c']] })
    expect(all('hdr', q, 'x')).toEqual(['"a,b"', 'c'])
  })
  it('req.hdrs and req.hdrs_bin', () => {
    const h = ctx({ headers: [['X-Up', '1']] })
    expect(Buffer.from(one('req.hdrs', h) as string, 'hex').toString('latin1')).toBe('x-up: 1\r\nhost: example.com\r\n\r\n')
    expect(one('req.hdrs_bin', h)).toBe('04782D75700131' + '04686F7374' + '0B6578616D706C652E636F6D' + '0000')
  })
  it('response headers only exist in response rules', () => {
    const r = ctx({ headers: [['x', 'req']] })
    expect(one('res.hdr', r, 'x')).toBeUndefined()
    expect(one('hdr', r, 'x')).toBe('req')
    r.response = {
      status: 302,
      headers: new HeaderList([
        ['x', 'res'],
        ['Set-Cookie', 'SRV=s1; path=/'],
      ]),
    }
    expect(one('res.hdr', r, 'x')).toBe('res')
    expect(one('hdr', r, 'x')).toBe('res')
    expect(one('shdr', r, 'x')).toBe('res')
    expect(one('status', r)).toBe(302)
    expect(one('res.cook', r, 'SRV')).toBe('s1')
    expect(one('scook', r)).toBe('s1')
  })
})

describe('cookies', () => {
  it('last occurrence by name, first without a name, all in ACLs [2.6.12]', () => {
    const c = ctx({
      headers: [
        ['Cookie', 'a=1; b=2; a=3; n=42x'],
        ['Cookie', 'e=; q'],
      ],
    })
    expect(one('cook', c, 'a')).toBe('3')
    expect(one('req.cook', c)).toBe('1')
    expect(one('cook_cnt', c, 'a')).toBe(2)
    expect(one('req.cook_val', c, 'n')).toBe(42)
    expect(one('req.cook', c, 'e')).toBe('')
    expect(one('req.cook', c, 'q')).toBeUndefined()
    expect(all('req.cook', c, 'a')).toEqual(['1', '3'])
  })
  it('quirks: a lone "e=" is not found by name, $attributes are skipped, commas split [2.6.12]', () => {
    const lone = ctx({ headers: [['Cookie', 'e=']] })
    expect(one('req.cook', lone, 'e')).toBeUndefined()
    expect(one('req.cook', lone)).toBe('')
    const c = ctx({ headers: [['Cookie', '$v=1; x=1, a=5']] })
    expect(one('cook', c, 'a')).toBe('5')
    expect(one('req.cook', c)).toBe('1')
  })
})

describe('network, TLS and edge fetches', () => {
  it('src, src_port, dst, dst_port', () => {
    const c = ctx({ url: 'https://192.0.2.1:8443/', src: '198.51.100.7' })
    expect(one('src', c)).toBe('198.51.100.7')
    expect(one('dst', c)).toBe('192.0.2.1')
    expect(one('dst_port', c)).toBe(8443)
    expect(one('src_port', c)).toBe(0)
    expect(one('dst', ctx())).toBeUndefined()
  })
  it('ssl_fc, ssl_fc_sni, protocol and cipher from request.cf', () => {
    const c = ctx({ url: 'https://www.example.com/', cf: { tlsVersion: 'TLSv1.3', tlsCipher: 'AEAD-AES128-GCM-SHA256', httpProtocol: 'HTTP/2' } })
    expect(one('ssl_fc', c)).toBe(true)
    expect(one('ssl_fc_sni', c)).toBe('www.example.com')
    expect(one('ssl_fc_protocol', c)).toBe('TLSv1.3')
    expect(one('ssl_fc_cipher', c)).toBe('AEAD-AES128-GCM-SHA256')
    expect(one('ssl_fc_use_keysize', c)).toBe(128)
    expect(one('ssl_fc_alpn', c)).toBe('h2')
    const plain = ctx()
    expect(one('ssl_fc', plain)).toBe(false)
    expect(one('ssl_fc_sni', plain)).toBeUndefined()
    expect(one('ssl_fc_has_crt', plain)).toBeUndefined()
  })
  it('client certificate fetches', () => {
    const tls: TlsClientInfo = {
      presented: true,
      verified: false,
      subjectDn: 'CN=alice,OU=eng,OU=ops,O=Example\\, Inc.,C=FR',
      issuerDn: 'CN=Example CA,O=Example',
      serial: '0A1B',
      fingerprintSha1: 'aa:bb',
      notBefore: 'Dec 22 19:39:00 2018 GMT',
    }
    const c = ctx({ url: 'https://h/', tls, cf: { tlsClientAuth: { certVerified: 'FAILED:certificate has expired' } } })
    expect(one('ssl_c_used', c)).toBe(true)
    expect(one('ssl_c_verify', c)).toBe(10)
    expect(one('ssl_c_s_dn', c, 'cn')).toBe('alice')
    expect(one('ssl_c_s_dn', c, 'OU')).toBe('ops')
    expect(one('ssl_c_s_dn', c, 'OU', -1)).toBe('eng')
    expect(one('ssl_c_s_dn', c, 'O')).toBe('Example, Inc.')
    expect(one('ssl_c_s_dn', c)).toBe('/C=FR/O=Example, Inc./OU=ops/OU=eng/CN=alice')
    expect(one('ssl_c_s_dn', c, '', '', 'rfc2253')).toBe(tls.subjectDn)
    expect(one('ssl_c_i_dn', c, 'CN')).toBe('Example CA')
    expect(one('ssl_c_serial', c)).toBe('0A1B')
    expect(one('ssl_c_sha1', c)).toBe('AABB')
    expect(one('ssl_c_notbefore', c)).toBe('181222193900Z')
    expect(one('ssl_c_verify', ctx({ url: 'https://h/', tls: { ...tls, verified: true } }))).toBe(0)
  })
  it('parses RFC 2253 DNs with escapes and multi-valued RDNs', () => {
    const e = parseDn('CN=a\\2Cb+UID=7,DC=ex,DC=com') ?? []
    expect(dnOneline(e)).toBe('/DC=com/DC=ex/UID=7/CN=a,b')
    expect(dnEntry(e, 'dc', 1)).toBe('com')
    expect(dnEntry(e, 'dc', 2)).toBe('ex')
    expect(dnEntry(e, 'dc', 3)).toBeUndefined()
  })
  it('cf.* from request.cf', () => {
    const c = ctx({ cf: { country: 'DE', colo: 'FRA', asn: 64500, asOrganization: 'Example', isEUCountry: '1', botManagement: { score: 12, verifiedBot: false } } })
    expect(one('cf.country', c)).toBe('DE')
    expect(one('cf.colo', c)).toBe('FRA')
    expect(one('cf.asn', c)).toBe(64500)
    expect(one('cf.as_org', c)).toBe('Example')
    expect(one('cf.is_eu_country', c)).toBe(true)
    expect(one('cf.bot_score', c)).toBe(12)
    expect(one('cf.verified_bot', c)).toBe(false)
    expect(one('cf.city', c)).toBeUndefined()
    expect(one('cf.country', ctx())).toBeUndefined()
  })
})

describe('constants, variables, random', () => {
  it('constants', () => {
    const c = ctx()
    expect(one('always_true', c)).toBe(true)
    expect(one('int', c, 42)).toBe(42)
    expect(one('str', c, 'x y')).toBe('x y')
    expect(one('bool', c, 'TRUE')).toBe(true)
    expect(one('bool', c, 'nope')).toBeUndefined()
    expect(one('ipv4', c, '10.0.0.1')).toBe('10.0.0.1')
    expect(one('ipv6', c, '2001:DB8:0:0::1')).toBe('2001:db8::1')
    expect(one('bin', c, '0aFF')).toBe('0AFF')
    expect(one('fe_name', c)).toBe('fe')
    expect(one('be_name', c)).toBeUndefined()
  })
  it('rand uses (rand32 * N) >> 32', () => {
    const c = ctx()
    expect(one('rand', c, 10)).toBe(5)
    expect(one('rand', c)).toBe(0x80000000)
  })
  it('var keeps the type; default as a string', () => {
    const c = ctx()
    c.vars.set('txn.n', { type: 'int', value: 7 })
    expect(def('var').build(['txn.n'], env)(c, false)).toEqual({ type: 'int', value: 7 })
    expect(one('var', c, 'txn.missing')).toBeUndefined()
    expect(one('var', c, 'txn.missing', 'dflt')).toBe('dflt')
  })
  it('uuid is a version 4 UUID', () => {
    expect(one('uuid', ctx())).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

describe('stick counters', () => {
  /** A view where counter 0 tracks an entry of table "fe" storing http_req_rate and gpc0. */
  function withStick(c: RequestState): RequestState {
    const tracked: Record<string, number> = { http_req_rate: 12, gpc0: 3, bytes_in_cnt: 5000 }
    const stored: Record<string, Record<string, number>> = { '10.0.0.9': { http_req_rate: 4 } }
    const view: StickView = {
      tracked: (counter, data, table) => (counter === 0 && (table === undefined || table === 'fe') ? tracked[data] : undefined),
      lookup: (table, key, data) => (table === 'fe' ? stored[key]?.[data] : undefined),
    }
    c.stick = view
    return c
  }
  it('sc_* read the tracked entry and fail when the counter tracks nothing', () => {
    const c = withStick(ctx())
    expect(one('sc_http_req_rate', c, 0)).toBe(12)
    expect(one('sc0_http_req_rate', c)).toBe(12)
    expect(one('sc0_get_gpc0', c)).toBe(3)
    expect(one('sc0_kbytes_in', c)).toBe(4)
    expect(one('sc1_http_req_rate', c)).toBeUndefined()
    expect(one('sc_http_req_rate', c, 0, 'other')).toBeUndefined()
    expect(one('sc0_tracked', c)).toBe(true)
    expect(one('sc2_tracked', c)).toBe(false)
    expect(one('sc_tracked', c, 1)).toBe(false)
  })
  it('src_* look the client address up; no entry reads as 0', () => {
    const c = withStick(ctx({ src: '10.0.0.9' }))
    expect(one('src_http_req_rate', c)).toBe(4)
    expect(one('src_http_req_rate', c, 'fe')).toBe(4)
    const other = withStick(ctx({ src: '10.0.0.10' }))
    expect(one('src_http_req_rate', other)).toBe(0)
  })
})
