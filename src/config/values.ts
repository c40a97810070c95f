/**
 * @module
 * Scalar values of the config language: sizes, integers, addresses (doc 1.4 server addresses; times
 * are src/util/time.ts). Each parser returns a value or an error message; callers attach positions.
 */

import { addressClass } from '../util/addresses.ts'
import type { Parsed } from '../util/time.ts'

const ok = <T>(value: T, warning?: string): Parsed<T> => (warning === undefined ? { ok: true, value } : { ok: true, value, warning })
const err = <T>(error: string): Parsed<T> => ({ ok: false, error })

/** A size with optional k/m/g suffix (powers of 1024). */
export function parseSize(text: string): Parsed<number> {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text)
  if (!m) return err(`invalid size '${text}': expects an integer with an optional k, m or g suffix`)
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] as string).toLowerCase()] ?? 1
  return ok(Number(m[1]) * mult)
}

/** A non-negative decimal integer within [min, max]. */
export function parseIntIn(text: string, min: number, max: number, what: string): Parsed<number> | { readonly ok: false; readonly error: string; readonly outOfRange: true } {
  if (!/^-?\d+$/.test(text)) return err(`'${what}' expects an integer argument (got '${text}')`)
  const v = Number(text)
  if (v < min || v > max) return { ok: false, error: `'${what}' (${v}) is not within ${min} and ${max}`, outOfRange: true }
  return ok(v)
}

export interface HostPort {
  /** Host name or IP without brackets; '' for any. */
  readonly host: string
  readonly port?: number
  readonly portEnd?: number
  /** `+N` / `-N` port mapping. */
  readonly offset?: number
  readonly family: 'ipv4' | 'ipv6' | 'name' | 'any' | 'unix'
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

export function isIpv4(s: string): boolean {
  const m = IPV4.exec(s)
  return !!m && m.slice(1).every((p) => Number(p) <= 255)
}

export function isIpv6(s: string): boolean {
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false
  const dbl = s.split('::')
  if (dbl.length > 2) return false
  const groups = s.split(':').filter((g) => g !== '')
  const last = groups[groups.length - 1] ?? ''
  const v4tail = last.includes('.')
  if (v4tail && !isIpv4(last)) return false
  const n = groups.length + (v4tail ? 1 : 0)
  if (groups.some((g, i) => !(v4tail && i === groups.length - 1) && !/^[0-9a-fA-F]{1,4}$/.test(g))) return false
  return dbl.length === 2 ? n < 8 : n === 8
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/

/**
 * `[ipv4@|ipv6@]address[:port]`, `[v6]:port`, `*:port`, `:port`, with port ranges when
 * `allowRange` (bind) and `+N`/`-N` offsets when `allowOffset` (server).
 */
export function parseHostPort(text: string, opts: { allowRange: boolean; allowOffset: boolean; requirePort: boolean }): Parsed<HostPort> {
  let s = text
  let forced: 'ipv4' | 'ipv6' | undefined
  const pfx = /^([a-z0-9]+)@/.exec(s)
  if (pfx) {
    const p = pfx[1] as string
    if (p === 'unix' || p === 'abns' || p === 'abnsz' || p === 'sockpair' || p === 'fd') {
      return ok({ host: s.slice(pfx[0].length), family: 'unix' })
    }
    if (p === 'ipv4' || p === 'tcp4') forced = 'ipv4'
    else if (p === 'ipv6' || p === 'tcp6') forced = 'ipv6'
    else if (p !== 'tcp') return err(`unsupported address family prefix '${p}@' in '${text}'`)
    s = s.slice(pfx[0].length)
  }
  if (s.startsWith('/')) return ok({ host: s, family: 'unix' })
  let host: string
  let portText: string | undefined
  if (s.startsWith('[')) {
    const close = s.indexOf(']')
    if (close < 0) return err(`missing ']' in address '${text}'`)
    host = s.slice(1, close)
    const rest = s.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) return err(`invalid address '${text}'`)
    portText = rest === '' ? undefined : rest.slice(1)
  } else {
    const colons = (s.match(/:/g) ?? []).length
    if (colons > 1) {
      // Bare IPv6: the port, if any, follows the last colon only when the rest is a valid v6.
      const last = s.lastIndexOf(':')
      if (isIpv6(s) && !(forced !== 'ipv6' && isIpv6(s.slice(0, last)) && /^\d+$/.test(s.slice(last + 1)))) {
        host = s
        portText = undefined
      } else {
        host = s.slice(0, last)
        portText = s.slice(last + 1)
      }
    } else if (colons === 1) {
      const i = s.indexOf(':')
      host = s.slice(0, i)
      portText = s.slice(i + 1)
    } else {
      host = s
      portText = undefined
    }
  }
  let family: HostPort['family']
  if (host === '' || host === '*' || host === '0.0.0.0' || host === '::') family = 'any'
  else if (isIpv4(host)) family = 'ipv4'
  else if (isIpv6(host)) family = 'ipv6'
  else if (HOSTNAME.test(host)) family = 'name'
  else return err(`invalid address: '${host}' in '${text}'`)
  if (forced === 'ipv6' && family === 'ipv4') return err(`'${host}' is not an IPv6 address`)
  if (forced === 'ipv4' && family === 'ipv6') return err(`'${host}' is not an IPv4 address`)
  const base = { host: host === '*' ? '' : host, family }
  if (portText === undefined || portText === '') {
    if (opts.requirePort) return err(`missing port number: '${text}'`)
    return ok(base)
  }
  if (opts.allowOffset && /^[+-]\d+$/.test(portText)) return ok({ ...base, offset: Number(portText) })
  // A server's port 0 means no port: the request's destination port is used (str2sa_range).
  if (opts.allowOffset && /^0+$/.test(portText)) return ok(base)
  const range = /^(\d+)(?:-(\d+))?$/.exec(portText)
  if (!range) return err(`invalid port '${portText}' in '${text}'`)
  const port = Number(range[1])
  const portEnd = range[2] === undefined ? port : Number(range[2])
  if (range[2] !== undefined && !opts.allowRange) return err(`port ranges are not allowed here: '${text}'`)
  if (port < 1 || port > 65535 || portEnd < port || portEnd > 65535) {
    return err(`invalid port '${portText}' in '${text}' (ports are 1 to 65535)`)
  }
  return ok({ ...base, port, portEnd })
}

/** Loopback and private (RFC 1918, CGNAT, ULA, link-local) addresses: unreachable from Cloudflare's edge without a VPC network. */
export function isPrivateAddress(host: string): boolean {
  const c = addressClass(host)
  return c === 'loopback' || c === 'private'
}

/** HTTP status codes that HAProxy accepts in `deny_status`/`return status`. */
export function isHttpStatus(n: number): boolean {
  return Number.isInteger(n) && n >= 200 && n <= 599
}
