/**
 * @module
 * Cookie persistence on the response side (http_ana.c http_manage_server_side_cookies and the
 * insertion in http_process_res_common, reference §4.3): inserts, rewrites or prefixes the
 * persistence cookie exactly as HAProxy formats it, and adds `Cache-control: private` for nocache.
 */
import type { CookieSpec, Server } from '../routemap/schema.ts'
import type { HeaderList } from '../sample/headers.ts'
import { encodeCookieDate, type Persistence } from './cookie.ts'

export interface CookieRequestInfo extends Persistence {
  readonly method: string
}

const CACHEABLE_STATUS = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501])
const CACHEABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

function suffix(c: CookieSpec): string {
  let s = ''
  for (const d of c.domains) s += `; domain=${d}`
  if (c.httponly) s += '; HttpOnly'
  if (c.secure) s += '; Secure'
  for (const a of c.attrs) s += `; ${a}`
  return s
}

/**
 * http_ana.c: TX_CACHEABLE as the request method and the status set it, then
 * http_check_response_for_cacheability over Pragma, every Cache-Control value, Expires and the
 * validators. Only then does `nocache` add `Cache-control: private`.
 */
export function isCacheable(method: string, status: number, headers: HeaderList): boolean {
  if (status < 200) return false
  let cacheable = CACHEABLE_METHODS.has(method) && CACHEABLE_STATUS.has(status)
  // One pass over the lines (the response's head is read once, whatever it holds).
  let pragma: string | undefined
  let fresh = false
  let expires = false
  let validator = false
  for (const [name, value] of headers.entries()) {
    const n = name.toLowerCase()
    if (n === 'pragma') pragma ??= value
    else if (n === 'expires') expires = true
    else if (n === 'etag' || n === 'last-modified') validator = true
    else if (n === 'cache-control') {
      for (const part of value.split(',')) {
        const v = part.trim().toLowerCase()
        if (v === 'public') cacheable = true
        else if (v === 'private' || v === 'no-cache' || v === 'no-store' || v === 'max-age=0' || v === 's-maxage=0') cacheable = false
        else if (v.startsWith('no-cache="set-cookie')) continue
        else if (v.startsWith('s-maxage') || v.startsWith('max-age')) fresh = true
      }
    }
  }
  if ((pragma ?? '').trim().toLowerCase() === 'no-cache') return false
  if (!fresh) fresh = expires
  // RFC 7234 §3: neither a validator nor an explicit expiration time → not stored.
  return cacheable && (fresh || validator)
}

/** Name of a Set-Cookie value's cookie (spaces around it ignored). */
export function setCookieName(v: string): string {
  const i = v.indexOf('=')
  return (i < 0 ? v : v.slice(0, i)).trim()
}

/** The value part of a Set-Cookie (up to the first ';'), trimmed. */
export function setCookieValue(v: string): string {
  const eq = v.indexOf('=')
  if (eq < 0) return ''
  const semi = v.indexOf(';', eq)
  return (semi < 0 ? v.slice(eq + 1) : v.slice(eq + 1, semi)).trim()
}

/**
 * Applies the backend's `cookie` directive to an origin response (http_manage_server_side_cookies,
 * then the insertion in http_process_res_common). `nowMs` dates the cookie when maxidle/maxlife
 * are set.
 */
export function applyResponseCookie(c: CookieSpec, server: Server, req: CookieRequestInfo, status: number, headers: HeaderList, nowMs: number): void {
  const direct = req.direct
  const nowS = Math.floor(nowMs / 1000)
  // The server's own Set-Cookie of that name (an empty value is not looked at).
  let found = false
  const kept: string[] = []
  let changed = false
  for (const v of headers.all('set-cookie')) {
    if (setCookieName(v) !== c.name || setCookieValue(v) === '') {
      kept.push(v)
      continue
    }
    found = true
    if (c.preserve) kept.push(v)
    else if (c.mode === 'insert' || (direct && c.indirect))
      changed = true // deleted (flag D)
    else if (server.cookie !== undefined && (c.mode === 'rewrite' || c.mode === 'prefix')) {
      const eq = v.indexOf('=')
      const semi = v.indexOf(';', eq)
      const rest = semi < 0 ? '' : v.slice(semi)
      const value = setCookieValue(v)
      kept.push(`${c.name}=${c.mode === 'rewrite' ? server.cookie : `${server.cookie}~${value}`}${rest}`)
      changed = true
    } else kept.push(v)
  }
  if (changed) {
    headers.delete('set-cookie')
    for (const v of kept) headers.add('set-cookie', v)
  }
  if (c.mode !== 'insert') return
  if (c.preserve && found) return
  if (c.postonly && req.method !== 'POST') return
  const last = req.lastDate
  const needs =
    !direct ||
    ((c.maxidleMs !== undefined || last !== undefined) && (last === undefined || last - nowS < 0)) ||
    (c.maxlifeMs !== undefined && req.firstDate === undefined) ||
    (c.maxlifeMs === undefined && req.firstDate !== undefined)
  if (!needs) return
  let value: string
  if (server.cookie === undefined) {
    value = `${c.name}=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/${suffix(c)}`
  } else {
    value = `${c.name}=${server.cookie}`
    if (c.maxidleMs !== undefined || c.maxlifeMs !== undefined) {
      value += `|${encodeCookieDate(nowS + 3)}`
      if (c.maxlifeMs !== undefined) value += `|${encodeCookieDate(req.firstDate ?? nowS + 3)}`
    }
    value += `; path=/${suffix(c)}`
  }
  headers.add('set-cookie', value)
  if (c.nocache && isCacheable(req.method, status, headers)) headers.add('cache-control', 'private')
}
