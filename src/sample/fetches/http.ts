/**
 * @module
 * Request-line, URL and status fetches (http_fetch.c): method, path, pathq, url, query, base,
 * baseq, base32, url32 (+src), url_ip, url_port, req.ver, res.ver, status, url_param / urlp,
 * urlp_val, http_auth_*, req.proto_http. Everything is computed from `ctx.target` on demand.
 */
import { fullHash, sdbm } from '../../balance/hash.ts'
import { base64Decode } from '../converters/codec.ts'
import { headerValues } from './hdr-values.ts'
import type { ArgSpec, FetchDef, Sample, SampleContext } from '../types.ts'
import { inetPton4, inetPton6, url2ipv4, v4Text } from './ip-text.ts'
import { argStr, BOTH, bytesOf, int, ip, pathOf, queryOf, REQ, RES, str, strl2ic, TRUE, textOf } from './util.ts'

/** First comma-separated value of the first Host header (http_find_header(..., 0)). */
function firstHost(ctx: SampleContext, full: boolean): string | undefined {
  const v = headerValues(ctx.headers, 'host', full)
  return v[0]
}

/** smp_fetch_base: Host (first value, when not empty) followed by the path when it starts with '/'. */
function base(ctx: SampleContext, withQuery: boolean): string | undefined {
  const host = firstHost(ctx, false)
  if (host === undefined || host === '') return pathOf(ctx.target, withQuery)
  const p = pathOf(ctx.target, withQuery)
  return p !== undefined && p.length > 0 && p.charCodeAt(0) === 47 ? host + p : host
}

/** smp_fetch_base32 (full = false) and smp_fetch_url32 (full Host line, path with query). */
function hash32(ctx: SampleContext, url: boolean): number {
  const host = firstHost(ctx, url) ?? ''
  const p = pathOf(ctx.target, url)
  const key = p !== undefined && p.length > 0 && p.charCodeAt(0) === 47 ? host + p : host
  return fullHash(sdbm(bytesOf(key)))
}

/** The client address as bytes (4 for IPv4, 16 for IPv6), or undefined. */
function srcBytes(src: string): Uint8Array | undefined {
  const a = inetPton4(src)
  if (a >= 0) return new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255])
  const w = [0, 0, 0, 0]
  if (!inetPton6(src, w)) return undefined
  const out = new Uint8Array(16)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < 4; i++) dv.setUint32(4 * i, w[i] as number)
  return out
}

function withSrc(hash: number, src: string): Sample | undefined {
  const s = srcBytes(src)
  if (!s) return undefined
  const out = new Uint8Array(4 + s.length)
  new DataView(out.buffer).setUint32(0, hash >>> 0)
  out.set(s, 4)
  return { type: 'bin', value: out }
}

/**
 * tools.c url2sa on the target, IPv4 hosts only (url_ip and url_port): an absolute http:// or
 * https:// URI whose host is a dotted quad, with an optional port (default 80 / 443).
 */
function urlAddr(target: string): { addr: number; port: number } | undefined {
  const sep = target.indexOf('://')
  if (sep < 0) return undefined
  const scheme = target.slice(0, sep).toLowerCase()
  let port: number
  if (scheme === 'http') port = 80
  else if (scheme === 'https') port = 443
  else return undefined
  const rest = target.slice(sep + 3)
  const r = url2ipv4(rest)
  if (!r) return undefined
  const [addr, len] = r
  if (rest.charCodeAt(len) === 58) {
    const m = /^\d*/.exec(rest.slice(len + 1))
    port = Number(m?.[0] || 0) & 0xffff
  }
  return { addr, port }
}

function isParamDelim(c: number, delim: number): boolean {
  return c === 38 || c === 59 || c === delim
}

/**
 * http.c http_find_url_param_pos / http_find_next_url_param over `s` from `pos`: calls `found`
 * with each value of parameter `name` (any parameter when empty), stopping when it returns true.
 */
export function scanUrlParams(s: string, pos: number, name: string, delim: number, found: (v: string) => boolean): void {
  const end = s.length
  const nl = name.length
  for (;;) {
    let valueStart: number
    if (nl > 0) {
      let p = pos
      let at = -1
      while (p < end) {
        const equal = p + nl
        if (equal >= end) break
        if (s.charCodeAt(equal) === 61) {
          if (s.startsWith(name, p)) {
            at = p
            break
          }
          p += nl + 1
        }
        while (p < end && !isParamDelim(s.charCodeAt(p), delim)) p++
        if (p >= end) break
        p++
      }
      if (at < 0) return
      valueStart = at + nl + 1
    } else {
      const eq = s.indexOf('=', pos)
      if (eq < 0) return
      valueStart = eq + 1
    }
    let valueEnd = valueStart
    while (valueEnd < end && !isParamDelim(s.charCodeAt(valueEnd), delim)) valueEnd++
    if (found(s.slice(valueStart, valueEnd))) return
    if (valueEnd >= end) return
    pos = valueEnd
  }
}

/** smp_fetch_url_param: the first value (all values in ACLs) of a parameter after <delim> (default '?'). */
function urlParamFetch(map: (v: string) => Sample): FetchDef['build'] {
  return (args) => {
    const name = argStr(args, 0) ?? ''
    const delim = (argStr(args, 1) ?? '?').charCodeAt(0)
    const delimChar = String.fromCharCode(delim)
    return (ctx, all) => {
      const t = ctx.target
      const q = t.indexOf(delimChar)
      if (q < 0) return undefined
      const out: Sample[] = []
      scanUrlParams(t, q + 1, name, delim, (v) => {
        out.push(map(v))
        return !all
      })
      if (out.length === 0) return undefined
      return all ? out : out[0]
    }
  }
}

/** An Authorization header as HAProxy reads it; `user`/`pass` are the decoded bytes as latin-1 text. */
export interface Auth {
  readonly method: 'Basic' | 'Bearer'
  readonly data: string
  readonly user?: string
  readonly pass?: string
}

/** http_fetch.c get_http_auth: the Authorization header's scheme, and user/password for Basic. */
export function httpAuth(ctx: SampleContext): Auth | undefined {
  const v = headerValues(ctx.headers, 'authorization', false)[0]
  return v === undefined ? undefined : parseAuthorization(v)
}

/**
 * get_http_auth on one Authorization value: the project's one parser of it (`http_auth*` fetches,
 * the stats page's `stats auth`, which HAProxy implements as `http_auth` on an internal userlist).
 */
export function parseAuthorization(v: string): Auth | undefined {
  const sp = v.indexOf(' ')
  if (sp <= 0) return undefined
  const scheme = v.slice(0, sp).toLowerCase()
  let p = sp
  while (p < v.length && v.charCodeAt(p) === 32) p++
  const data = v.slice(p)
  // strncasecmp("Basic", scheme, len(scheme)): any prefix of the scheme name is accepted
  if ('basic'.startsWith(scheme)) {
    const raw = base64Decode(data)
    if (!raw) return undefined
    let text = textOf(raw)
    const nul = text.indexOf('\0')
    if (nul >= 0) text = text.slice(0, nul)
    const colon = text.indexOf(':')
    if (colon < 0) return undefined
    return { method: 'Basic', data, user: text.slice(0, colon), pass: text.slice(colon + 1) }
  }
  if ('bearer'.startsWith(scheme)) return { method: 'Bearer', data }
  return undefined
}

const NONE: readonly ArgSpec[] = []

export const HTTP_FETCHES: readonly FetchDef[] = [
  {
    name: 'method',
    args: NONE,
    output: 'meth',
    phases: BOTH,
    defaultMatch: 'meth',
    doc: 'HTTP method (ACLs match known methods exactly, others as text)',
    build: () => (ctx) => ({ type: 'meth', value: ctx.method }),
  },
  {
    name: 'path',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'URL path, from the first "/" to before "?" (not decoded)',
    build: () => (ctx) => {
      const p = pathOf(ctx.target, false)
      return p === undefined ? undefined : str(p)
    },
  },
  {
    name: 'pathq',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'URL path with its query string',
    build: () => (ctx) => {
      const p = pathOf(ctx.target, true)
      return p === undefined ? undefined : str(p)
    },
  },
  {
    name: 'url',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'request target as received',
    build: () => (ctx) => str(ctx.target),
  },
  {
    name: 'unique-id',
    args: NONE,
    output: 'str',
    phases: BOTH,
    doc: "the request's unique id from the frontend's unique-id-format (fails without one)",
    build: () => (ctx) => {
      const id = ctx.uniqueId?.()
      return id === undefined ? undefined : str(id)
    },
  },
  {
    name: 'query',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'query string after the first "?" (fails without one)',
    build: () => (ctx) => {
      const q = queryOf(ctx.target)
      return q === undefined ? undefined : str(q)
    },
  },
  {
    name: 'base',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'first Host header value followed by the path (no query)',
    build: () => (ctx) => {
      const b = base(ctx, false)
      return b === undefined ? undefined : str(b)
    },
  },
  {
    name: 'baseq',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'first Host header value followed by the path and query',
    build: () => (ctx) => {
      const b = base(ctx, true)
      return b === undefined ? undefined : str(b)
    },
  },
  {
    name: 'base32',
    args: NONE,
    output: 'int',
    phases: REQ,
    doc: '32-bit hash of base (sdbm then full_hash)',
    build: () => (ctx) => int(hash32(ctx, false)),
  },
  {
    name: 'base32+src',
    args: NONE,
    output: 'bin',
    phases: REQ,
    doc: 'base32 (4 bytes, big endian) followed by the client address bytes',
    build: () => (ctx) => withSrc(hash32(ctx, false), ctx.src),
  },
  {
    name: 'url32',
    args: NONE,
    output: 'int',
    phases: REQ,
    doc: '32-bit hash of the Host header line and the whole path with query',
    build: () => (ctx) => int(hash32(ctx, true)),
  },
  {
    name: 'url32+src',
    args: NONE,
    output: 'bin',
    phases: REQ,
    doc: 'url32 (4 bytes, big endian) followed by the client address bytes',
    build: () => (ctx) => withSrc(hash32(ctx, true), ctx.src),
  },
  {
    name: 'url_ip',
    args: NONE,
    output: 'ip',
    phases: REQ,
    doc: 'IPv4 host of an absolute http(s):// request target',
    build: () => (ctx) => {
      const a = urlAddr(ctx.target)
      return a ? ip(v4Text(a.addr)) : undefined
    },
  },
  {
    name: 'url_port',
    args: NONE,
    output: 'int',
    phases: REQ,
    doc: 'port of an absolute http(s):// request target with an IPv4 host',
    build: () => (ctx) => {
      const a = urlAddr(ctx.target)
      return a ? int(a.port) : undefined
    },
  },
  {
    name: 'req.ver',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'request HTTP version ("1.1", "2.0")',
    build: () => (ctx) => str(ctx.version),
  },
  {
    name: 'req_ver',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'deprecated alias of req.ver',
    build: () => (ctx) => str(ctx.version),
  },
  {
    name: 'res.ver',
    args: NONE,
    output: 'str',
    phases: RES,
    doc: 'response HTTP version; fetch() does not expose it, so always "1.1"',
    build: () => (ctx) => (ctx.response ? str('1.1') : undefined),
  },
  {
    name: 'resp_ver',
    args: NONE,
    output: 'str',
    phases: RES,
    doc: 'deprecated alias of res.ver',
    build: () => (ctx) => (ctx.response ? str('1.1') : undefined),
  },
  {
    name: 'status',
    args: NONE,
    output: 'int',
    phases: RES,
    doc: 'response status code',
    build: () => (ctx) => (ctx.response ? int(ctx.response.status) : undefined),
  },
  {
    name: 'url_param',
    args: [
      { kind: 'str', optional: true },
      { kind: 'str', optional: true },
    ],
    output: 'str',
    phases: REQ,
    multi: true,
    doc: 'first value of a query parameter (after <delim>, default "?"); every value in ACLs',
    build: urlParamFetch(str),
  },
  {
    name: 'urlp',
    args: [
      { kind: 'str', optional: true },
      { kind: 'str', optional: true },
    ],
    output: 'str',
    phases: REQ,
    multi: true,
    doc: 'alias of url_param',
    build: urlParamFetch(str),
  },
  {
    name: 'urlp_val',
    args: [
      { kind: 'str', optional: true },
      { kind: 'str', optional: true },
    ],
    output: 'int',
    phases: REQ,
    multi: true,
    doc: 'integer value of a query parameter',
    build: urlParamFetch((v) => int(strl2ic(v))),
  },
  {
    name: 'http_auth_type',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'authentication scheme of the Authorization header ("Basic" or "Bearer")',
    build: () => (ctx) => {
      const a = httpAuth(ctx)
      return a ? str(a.method) : undefined
    },
  },
  {
    name: 'http_auth_user',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'user name of Basic authentication',
    build: () => (ctx) => {
      const a = httpAuth(ctx)
      return a?.user !== undefined ? str(a.user) : undefined
    },
  },
  {
    name: 'http_auth_pass',
    args: NONE,
    output: 'str',
    phases: REQ,
    doc: 'password of Basic authentication',
    build: () => (ctx) => {
      const a = httpAuth(ctx)
      return a?.pass !== undefined ? str(a.pass) : undefined
    },
  },
  {
    name: 'http_auth_bearer',
    args: [{ kind: 'str', optional: true }],
    output: 'str',
    phases: REQ,
    doc: 'Bearer token of the Authorization header (or of header <name>)',
    build: (args) => {
      const hdr = argStr(args, 0)
      if (hdr === undefined) {
        return (ctx) => {
          const a = httpAuth(ctx)
          return a?.method === 'Bearer' ? str(a.data) : undefined
        }
      }
      return (ctx) => {
        const v = headerValues(ctx.headers, hdr, false)[0]
        if (v === undefined) return str('')
        const sp = v.indexOf(' ')
        const type = sp < 0 ? v : v.slice(0, sp)
        const value = sp < 0 ? '' : v.slice(sp).replace(/^ +/, '')
        return type.toLowerCase() === 'bearer' && value !== '' ? str(value) : str('')
      }
    },
  },
  {
    name: 'req.proto_http',
    args: NONE,
    output: 'bool',
    phases: BOTH,
    doc: 'true: the request is HTTP (always, at the edge)',
    build: () => () => TRUE,
  },
  {
    name: 'req_proto_http',
    args: NONE,
    output: 'bool',
    phases: BOTH,
    doc: 'deprecated alias of req.proto_http',
    build: () => () => TRUE,
  },
]
