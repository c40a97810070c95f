/**
 * @module
 * Header and cookie fetches (http_fetch.c): hdr / req.hdr / res.hdr / shdr, the fhdr full-line
 * variants, *_cnt, *_val, *_ip, hdr_names, hdrs, and the cookie family (cook, req.cook,
 * res.cook, scook, cookie, *_cnt, *_val). As a plain sample a header fetch returns the last
 * occurrence (or the one asked for); inside an ACL (`all`) every occurrence is returned.
 */
import type { HeaderList } from '../headers.ts'
import type { ArgSpec, FetchDef, Phase, Sample, SampleContext } from '../types.ts'
import { cookieValues, headerValues, pickOccurrence } from './hdr-values.ts'
import { inetPton6, v4Text, v6Text, url2ipv4 } from './ip-text.ts'
import { argInt, argStr, BOTH, bytesOf, failing, int, ip, REQ, RES, str, strl2ic } from './util.ts'

type Side = 'req' | 'res' | 'chn'

function headersOf(side: Side, ctx: SampleContext): HeaderList | undefined {
  if (side === 'req') return ctx.headers
  if (side === 'res') return ctx.response?.headers
  return ctx.response ? ctx.response.headers : ctx.headers
}

function phasesOf(side: Side): readonly Phase[] {
  return side === 'req' ? REQ : side === 'res' ? RES : BOTH
}

const NAME_OCC: readonly ArgSpec[] = [
  { kind: 'str', optional: true },
  { kind: 'int', optional: true },
]
const NAME_OPT: readonly ArgSpec[] = [{ kind: 'str', optional: true }]

/**
 * smp_fetch_hdr / smp_fetch_fhdr with a value mapper: without a name every header counts
 * (verified on 2.6: `hdr()` is the last value of the last header); `occ` picks one occurrence;
 * otherwise the last one, or all of them for ACLs.
 */
function hdrFetch(side: Side, full: boolean, map: (v: string) => Sample | undefined): FetchDef['build'] {
  return (args) => {
    const name = argStr(args, 0) ?? ''
    const occ = argInt(args, 1) ?? 0
    if (occ < -10) return failing
    return (ctx, all) => {
      const h = headersOf(side, ctx)
      if (!h) return undefined
      const values = headerValues(h, name, full)
      if (occ === 0 && all) {
        const out: Sample[] = []
        for (const v of values) {
          const s = map(v)
          if (s) out.push(s)
        }
        return out.length > 0 ? out : undefined
      }
      const v = pickOccurrence(values, occ === 0 ? -1 : occ)
      return v === undefined ? undefined : map(v)
    }
  }
}

/**
 * smp_fetch_hdr_ip: a plain IPv4 address, an IPv4 address followed by ':' and a valid port, or an
 * IPv6 address (inet_pton); anything else is not an address.
 */
export function hdrIp(v: string): Sample | undefined {
  const r = url2ipv4(v)
  if (r) {
    const [addr, len] = r
    if (len === v.length) return ip(v4Text(addr))
    if (v.charCodeAt(len) === 58 && /^\d+$/.test(v.slice(len + 1)) && Number(v.slice(len + 1)) <= 65535) return ip(v4Text(addr))
  }
  const w = [0, 0, 0, 0]
  return inetPton6(v, w) ? ip(v6Text(w)) : undefined
}

/** smp_fetch_hdr_val / cookie_val: strl2ic of the value (0 when it has no digits). */
const hdrVal = (v: string): Sample => int(strl2ic(v))

function cntFetch(side: Side, full: boolean): FetchDef['build'] {
  return (args) => {
    const name = argStr(args, 0) ?? ''
    return (ctx) => {
      const h = headersOf(side, ctx)
      return h ? int(headerValues(h, name, full).length) : undefined
    }
  }
}

const namesFetch =
  (side: Side): FetchDef['build'] =>
  (args) => {
    const del = argStr(args, 0)?.[0] ?? ','
    return (ctx) => {
      const h = headersOf(side, ctx)
      if (!h) return undefined
      let out = ''
      for (const [n] of h.entries()) out += out === '' ? n.toLowerCase() : `${del}${n.toLowerCase()}`
      return str(out)
    }
  }

/** req.hdrs: every header as an HTTP/1 block ("name: value\r\n"), then the empty line. HTX names are lower case. */
const hdrsFetch =
  (side: Side): FetchDef['build'] =>
  () =>
  (ctx) => {
    const h = headersOf(side, ctx)
    if (!h) return undefined
    let out = ''
    for (const [n, v] of h.entries()) out += `${n.toLowerCase()}: ${v}\r\n`
    return { type: 'bin', value: bytesOf(`${out}\r\n`) }
  }

/** SPOE varint (spoe_encode_varint). */
function varint(n: number, out: number[]): void {
  if (n < 240) {
    out.push(n)
    return
  }
  out.push((n | 240) & 255)
  n = (n - 240) >> 4
  while (n >= 128) {
    out.push((n | 128) & 255)
    n = (n - 128) >> 7
  }
  out.push(n)
}

/** req.hdrs_bin: length-prefixed name/value pairs ending with two empty strings (SPOE format). */
const hdrsBinFetch =
  (side: Side): FetchDef['build'] =>
  () =>
  (ctx) => {
    const h = headersOf(side, ctx)
    if (!h) return undefined
    const out: number[] = []
    const put = (s: string): void => {
      varint(s.length, out)
      for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 255)
    }
    for (const [n, v] of h.entries()) {
      put(n.toLowerCase())
      put(v)
    }
    out.push(0, 0)
    return { type: 'bin', value: Uint8Array.from(out) }
  }

/** smp_fetch_cookie: last value of the named cookie (first cookie without a name), all in ACLs. */
function cookFetch(side: Side, map: (v: string) => Sample): FetchDef['build'] {
  return (args) => {
    const name = argStr(args, 0) ?? ''
    return (ctx, all) => {
      const h = headersOf(side, ctx)
      if (!h) return undefined
      const response = side === 'res' || (side === 'chn' && ctx.response !== undefined)
      const values = cookieValues(h, response, name, !all && name === '')
      if (values.length === 0) return undefined
      if (all) return values.map(map)
      return map(values[values.length - 1] as string)
    }
  }
}

const cookCnt =
  (side: Side): FetchDef['build'] =>
  (args) => {
    const name = argStr(args, 0) ?? ''
    return (ctx) => {
      const h = headersOf(side, ctx)
      if (!h) return undefined
      const response = side === 'res'
      return int(cookieValues(h, response, name, false).length)
    }
  }

const strSample = (v: string): Sample => str(v)

function def(name: string, side: Side, rest: Omit<FetchDef, 'name' | 'phases'>): FetchDef {
  return { name, phases: phasesOf(side), ...rest }
}

/** `hdr` alone follows the rule's direction; hdr_cnt, hdr_val and hdr_ip always read the request. */
function hdrFamily(prefix: string, side: Side, what: string): FetchDef[] {
  const p = (s: string): string => `${prefix}${s}`
  const more: Side = side === 'chn' ? 'req' : side
  return [
    def(p('hdr'), side, {
      args: NAME_OCC,
      output: 'str',
      multi: true,
      doc: `value of a ${what} header (comma-separated values; last occurrence unless <occ>)`,
      build: hdrFetch(side, false, strSample),
    }),
    def(p('hdr_cnt'), more, {
      args: NAME_OPT,
      output: 'int',
      doc: `number of comma-separated values of a ${more === 'req' ? 'request' : 'response'} header (all headers without a name)`,
      build: cntFetch(more, false),
    }),
    def(p('hdr_val'), more, { args: NAME_OCC, output: 'int', multi: true, doc: `integer value of a ${more === 'req' ? 'request' : 'response'} header`, build: hdrFetch(more, false, hdrVal) }),
    def(p('hdr_ip'), more, {
      args: NAME_OCC,
      output: 'ip',
      multi: true,
      doc: `IP address in a ${more === 'req' ? 'request' : 'response'} header (IPv4 may carry ':port')`,
      build: hdrFetch(more, false, hdrIp),
    }),
  ]
}

export const HEADER_FETCHES: readonly FetchDef[] = [
  ...hdrFamily('', 'chn', 'request (response in response rules)'),
  ...hdrFamily('req.', 'req', 'request'),
  ...hdrFamily('res.', 'res', 'response'),
  ...hdrFamily('s', 'res', 'response'),
  def('req.fhdr', 'req', { args: NAME_OCC, output: 'str', multi: true, doc: 'full value of a request header line (no comma splitting)', build: hdrFetch('req', true, strSample) }),
  def('res.fhdr', 'res', { args: NAME_OCC, output: 'str', multi: true, doc: 'full value of a response header line (no comma splitting)', build: hdrFetch('res', true, strSample) }),
  def('req.fhdr_cnt', 'req', { args: NAME_OPT, output: 'int', doc: 'number of request header lines with that name', build: cntFetch('req', true) }),
  def('res.fhdr_cnt', 'res', { args: NAME_OPT, output: 'int', doc: 'number of response header lines with that name', build: cntFetch('res', true) }),
  def('req.hdr_names', 'req', { args: NAME_OPT, output: 'str', doc: 'request header names (lower case) joined by <delim> (default ",")', build: namesFetch('req') }),
  def('res.hdr_names', 'res', { args: NAME_OPT, output: 'str', doc: 'response header names (lower case) joined by <delim> (default ",")', build: namesFetch('res') }),
  def('req.hdrs', 'req', { args: [], output: 'bin', doc: 'all request headers as an HTTP/1 header block', build: hdrsFetch('req') }),
  def('res.hdrs', 'res', { args: [], output: 'bin', doc: 'all response headers as an HTTP/1 header block', build: hdrsFetch('res') }),
  def('req.hdrs_bin', 'req', { args: [], output: 'bin', doc: 'all request headers, length-prefixed (SPOE format)', build: hdrsBinFetch('req') }),
  def('res.hdrs_bin', 'res', { args: [], output: 'bin', doc: 'all response headers, length-prefixed (SPOE format)', build: hdrsBinFetch('res') }),

  def('req.cook', 'req', { args: NAME_OPT, output: 'str', multi: true, doc: 'value of a request cookie (last occurrence; first cookie without a name)', build: cookFetch('req', strSample) }),
  def('cook', 'req', { args: NAME_OPT, output: 'str', multi: true, doc: 'deprecated alias of req.cook', build: cookFetch('req', strSample) }),
  def('cookie', 'chn', { args: NAME_OPT, output: 'str', multi: true, doc: 'request cookie, or Set-Cookie cookie in response rules', build: cookFetch('chn', strSample) }),
  def('res.cook', 'res', { args: NAME_OPT, output: 'str', multi: true, doc: 'value of a cookie set by the response (Set-Cookie)', build: cookFetch('res', strSample) }),
  def('scook', 'res', { args: NAME_OPT, output: 'str', multi: true, doc: 'deprecated alias of res.cook', build: cookFetch('res', strSample) }),
  def('req.cook_cnt', 'req', { args: NAME_OPT, output: 'int', doc: 'number of occurrences of a request cookie', build: cookCnt('req') }),
  def('cook_cnt', 'req', { args: NAME_OPT, output: 'int', doc: 'deprecated alias of req.cook_cnt', build: cookCnt('req') }),
  def('res.cook_cnt', 'res', { args: NAME_OPT, output: 'int', doc: 'number of occurrences of a Set-Cookie cookie', build: cookCnt('res') }),
  def('scook_cnt', 'res', { args: NAME_OPT, output: 'int', doc: 'deprecated alias of res.cook_cnt', build: cookCnt('res') }),
  def('req.cook_val', 'req', { args: NAME_OPT, output: 'int', multi: true, doc: 'integer value of a request cookie', build: cookFetch('req', hdrVal) }),
  def('cook_val', 'req', { args: NAME_OPT, output: 'int', multi: true, doc: 'deprecated alias of req.cook_val', build: cookFetch('req', hdrVal) }),
  def('res.cook_val', 'res', { args: NAME_OPT, output: 'int', multi: true, doc: 'integer value of a Set-Cookie cookie', build: cookFetch('res', hdrVal) }),
  def('scook_val', 'res', { args: NAME_OPT, output: 'int', multi: true, doc: 'deprecated alias of res.cook_val', build: cookFetch('res', hdrVal) }),
]
