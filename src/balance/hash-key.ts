/**
 * @module
 * The hash input of each hashing algorithm, cut exactly as backend.c does (get_server_sh,
 * get_server_uh, get_server_ph, get_server_hh), and the hash itself (gen_hash + avalanche).
 *
 * Strings are turned into bytes one char per byte when every char is below 256 (header values and
 * request targets are byte strings), else as UTF-8.
 */
import { crc32, djb2, fullHash, readInt32Key, sdbm, wt6 } from './hash.ts'
import type { BalanceSpec, HashRequest, HashSpec } from './types.ts'

/** A hash ready for lookup, and how it was obtained (for `explain`). */
export interface HashedKey {
  readonly hash: number
  /** e.g. "uri /a/b", "source 10.0.0.1", "hdr(host) example". */
  readonly label: string
}

/** Why no key was found: the request falls back to round robin. */
export interface MissingKey {
  readonly missing: string
}

type HashAlgo = Extract<BalanceSpec, { algo: 'source' | 'uri' | 'url_param' | 'hdr' }>

export function toBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 255) return new TextEncoder().encode(s)
    out[i] = c
  }
  return out
}

function fromBytes(b: Uint8Array): string {
  let s = ''
  // One char per byte, in chunks small enough for an argument list.
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[])
  return s
}

/** gen_hash() followed by the `avalanche` modifier. */
export function genHash(hs: HashSpec, key: Uint8Array): number {
  let h: number
  switch (hs.fn) {
    case 'djb2':
      h = djb2(key)
      break
    case 'wt6':
      h = wt6(key)
      break
    case 'crc32':
      h = crc32(key)
      break
    case 'none':
      h = readInt32Key(key)
      break
    default:
      h = sdbm(key)
  }
  return hs.avalanche ? fullHash(h) : h
}

/** Name of the hash function for explanations: "sdbm", "crc32+avalanche"… */
export function hashName(hs: HashSpec): string {
  return hs.avalanche ? `${hs.fn}+avalanche` : hs.fn
}

/** Computes the hash of a request for one of the hashing algorithms. */
export function hashRequest(spec: HashAlgo, hs: HashSpec, req: HashRequest | undefined): HashedKey | MissingKey {
  if (!req) return { missing: 'no request to hash' }
  switch (spec.algo) {
    case 'source':
      return sourceHash(req.src, hs)
    case 'uri': {
      const key = uriKey(req.uri, spec)
      return { hash: genHash(hs, key), label: `uri ${fromBytes(key)}` }
    }
    case 'url_param': {
      const key = urlParamKey(req.uri, spec.param)
      if (!key) return { missing: `no url_param '${spec.param}' in the query string` }
      return { hash: genHash(hs, key), label: `url_param ${spec.param}=${fromBytes(key)}` }
    }
    case 'hdr': {
      const key = hdrKey(req.header(spec.header), spec.useDomainOnly)
      if (!key) return { missing: `no value in header '${spec.header}'` }
      return { hash: genHash(hs, key), label: `hdr(${spec.header}) ${fromBytes(key)}` }
    }
  }
}

/**
 * get_server_sh: no hash function. IPv4: the address as a big-endian 32-bit integer; IPv6: the
 * XOR of its four big-endian words. Only `avalanche` applies.
 */
export function sourceHash(src: string, hs: HashSpec): HashedKey | MissingKey {
  const words = parseIp(src)
  if (!words) return { missing: `source address '${src}' is not an IP address` }
  let h = 0
  for (const w of words) h = (h ^ w) >>> 0
  return { hash: hs.avalanche ? fullHash(h) : h, label: `source ${src}` }
}

/**
 * get_server_uh: from the start of the URI (as received, or only its path with `path-only`),
 * stopping at `len` characters, at the first '?' unless `whole`, and before the (depth+1)-th '/'.
 */
export function uriKey(uri: string, spec: { len: number; depth: number; whole: boolean; pathOnly: boolean }): Uint8Array {
  let b = toBytes(spec.pathOnly ? pathOf(uri) : uri)
  let n = b.length
  if (spec.len > 0) n = Math.min(n, spec.len)
  const stopSlash = spec.depth > 0 ? spec.depth + 1 : 0 // arg_opt3 holds depth+1
  let slashes = 0
  let end = 0
  while (n-- > 0) {
    const c = b[end]
    if (c === 0x2f) {
      slashes++
      if (slashes === stopSlash) break
    } else if (c === 0x3f && !spec.whole) break
    end++
  }
  b = b.subarray(0, end)
  return b
}

/**
 * http_parse_path as used by `uri path-only`: origin-form stays as is (query included);
 * absolute-form drops "scheme://authority"; '*', authority-form and empty give "".
 */
export function pathOf(uri: string): string {
  if (uri === '' || uri[0] === '*') return ''
  if (uri[0] === '/') return uri
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(uri)
  if (!m) return ''
  const rest = uri.slice(m[0].length)
  const slash = rest.indexOf('/')
  return slash < 0 ? '' : rest.slice(slash)
}

/**
 * get_server_ph: after the first '?', parameters are split on '&' only; the name must match
 * exactly (case-sensitive) and be followed by '='. The first match wins and its value, up to the
 * next '&', is hashed, even when empty. The body (`check_post`) is not read: only the query string.
 */
export function urlParamKey(uri: string, name: string): Uint8Array | undefined {
  const u = toBytes(uri)
  const q = u.indexOf(0x3f)
  if (q < 0) return undefined
  const nb = toBytes(name)
  const plen = nb.length
  let params = q + 1
  let len = u.length - params
  while (len > plen) {
    if (u[params + plen] === 0x3d && nb.every((c, i) => u[params + i] === c)) {
      const start = params + plen + 1
      let end = start
      let rest = len - plen - 1
      while (rest > 0 && u[end] !== 0x26) {
        rest--
        end++
      }
      return u.subarray(start, end)
    }
    const amp = u.indexOf(0x26, params)
    if (amp < 0 || amp >= params + len) return undefined
    len -= amp + 1 - params
    params = amp + 1
  }
  return undefined
}

/**
 * get_server_hh: the first comma-separated value of the first occurrence (http_find_header with
 * full=0: commas inside double quotes do not split; spaces and tabs around it are trimmed). An
 * absent or empty value means round robin. With `use_domain_only`, only the label before the last
 * dot is hashed ("haproxy.1wt.eu" → "1wt", "www.example.com:8080" → "example"); without a dot, or
 * when the only dot is the first byte, the whole value ("localhost", ".com").
 */
export function hdrKey(value: string | undefined, useDomainOnly: boolean): Uint8Array | undefined {
  if (value === undefined) return undefined
  const v = firstValue(toBytes(value))
  if (v.length === 0) return undefined
  if (!useDomainOnly) return v
  // Walk back from the end as HAProxy does: find the last dot, then the dot before it. (HAProxy
  // first reads one byte past the value; it is taken as not being a dot.)
  let len = v.length
  let p = v.length
  let end = p
  let dohash = false
  while (len) {
    if (dohash) {
      if (v[p - 1] === 0x2e) break
    } else if (p < v.length && v[p] === 0x2e) {
      end = p
      dohash = true
    }
    p--
    len--
  }
  return v.subarray(p, end)
}

/** http_find_header(full=0): skip leading LWS, stop at an unquoted comma, trim trailing LWS. */
function firstValue(b: Uint8Array): Uint8Array {
  let s = 0
  while (s < b.length && isLws(b[s] as number)) s++
  let e = s
  let quoted = false
  let qdpair = false
  for (; e < b.length; e++) {
    const c = b[e]
    if (qdpair) qdpair = false
    else if (quoted) {
      if (c === 0x5c) qdpair = true
      else if (c === 0x22) quoted = false
    } else if (c === 0x22) quoted = true
    else if (c === 0x2c) break
  }
  while (e > s && isLws(b[e - 1] as number)) e--
  return b.subarray(s, e)
}

function isLws(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a
}

/** Parses an IPv4 or IPv6 literal into 32-bit big-endian words (1 or 4), or undefined. */
export function parseIp(src: string): number[] | undefined {
  const v4 = parseIpv4(src)
  if (v4 !== undefined) return [v4]
  const s = src.startsWith('[') && src.endsWith(']') ? src.slice(1, -1) : src
  const zone = s.indexOf('%')
  const addr = zone >= 0 ? s.slice(0, zone) : s
  if (!addr.includes(':')) return undefined
  const halves = addr.split('::')
  if (halves.length > 2) return undefined
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return []
    const out: number[] = []
    const items = part.split(':')
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as string
      if (i === items.length - 1 && it.includes('.')) {
        const w = parseIpv4(it)
        if (w === undefined) return undefined
        out.push(w >>> 16, w & 0xffff)
      } else if (/^[0-9a-fA-F]{1,4}$/.test(it)) out.push(Number.parseInt(it, 16))
      else return undefined
    }
    return out
  }
  const head = parseGroups(halves[0] as string)
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : []
  if (!head || !tail) return undefined
  let groups: number[]
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length
    if (fill < 1) return undefined
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail]
  } else groups = head
  if (groups.length !== 8) return undefined
  const words: number[] = []
  for (let i = 0; i < 8; i += 2) words.push((((groups[i] as number) << 16) | (groups[i + 1] as number)) >>> 0)
  return words
}

function parseIpv4(s: string): number | undefined {
  // /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/ with each part <= 255 (decimal), by hand.
  const len = s.length
  if (len < 7 || len > 15) return undefined
  let v = 0
  let part = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined
      part = part * 10 + (c - 48)
    } else if (c === 46) {
      if (digits === 0 || part > 255 || ++dots > 3) return undefined
      v = v * 256 + part
      part = 0
      digits = 0
    } else return undefined
  }
  if (dots !== 3 || digits === 0 || part > 255) return undefined
  return v * 256 + part
}
