/**
 * @module
 * Cookie persistence on the response side (http_ana.c http_manage_server_side_cookies and the
 * insertion in http_process_res_common, reference §4.3): inserts, rewrites or prefixes the
 * persistence cookie exactly as HAProxy formats it, and adds `Cache-control: private` for nocache.
 */
import type { CookieSpec, Server } from '../routemap/schema.ts'
import type { HeaderList } from '../sample/headers.ts'
import { type CookieStatus, encodeCookieDate } from './cookie.ts'

export interface CookieRequestInfo {
  readonly status: CookieStatus
  readonly method: string
  readonly firstDate?: number
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

/** HAProxy's heuristic: is this response cacheable by a shared cache (so nocache must act)? */
function isCacheable(method: string, status: number, headers: HeaderList): boolean {
  if (!CACHEABLE_METHODS.has(method) || !CACHEABLE_STATUS.has(status)) return false
  const cc = headers.all('cache-control').join(',').toLowerCase()
  if (/(^|[\s,])(no-cache|private|no-store)([\s,=]|$)/.test(cc) || /max-age=0([\s,]|$)/.test(cc)) return false
  const fresh = /(max-age|s-maxage)=|(^|[\s,])public([\s,]|$)/.test(cc) || headers.has('expires')
  return fresh || headers.has('etag') || headers.has('last-modified')
}

/** Names of Set-Cookie values for the cookie `name`. */
function setCookieName(v: string): string {
  const i = v.indexOf('=')
  return (i < 0 ? v : v.slice(0, i)).trim()
}

/**
 * Applies the backend's `cookie` directive to an origin response. `nowMs` dates the cookie when
 * maxidle/maxlife are set.
 */
export function applyResponseCookie(c: CookieSpec, server: Server, req: CookieRequestInfo, status: number, headers: HeaderList, nowMs: number): void {
  const direct = req.status === 'V'
  const sent = headers.all('set-cookie').some((v) => setCookieName(v) === c.name)
  if (c.mode === 'rewrite' || c.mode === 'prefix') {
    if (server.cookie === undefined) return
    const sc = server.cookie
    headers.replace('set-cookie', (v) => {
      if (setCookieName(v) !== c.name) return undefined
      const eq = v.indexOf('=')
      const semi = v.indexOf(';', eq)
      const value = semi < 0 ? v.slice(eq + 1) : v.slice(eq + 1, semi)
      const rest = semi < 0 ? '' : v.slice(semi)
      return `${c.name}=${c.mode === 'rewrite' ? sc : `${sc}~${value}`}${rest}`
    })
    return
  }
  if (c.mode !== 'insert') return
  if (sent && (!c.preserve || (c.indirect && direct))) {
    // The server's own cookie of that name is removed (flag D); others stay.
    const keep = headers.all('set-cookie').filter((v) => setCookieName(v) !== c.name)
    headers.delete('set-cookie')
    for (const v of keep) headers.add('set-cookie', v)
  }
  const dated = c.maxidleMs !== undefined || c.maxlifeMs !== undefined
  const needs = !direct || dated
  if (!needs || (c.preserve && sent) || (c.postonly && req.method !== 'POST')) return
  let value: string
  if (server.cookie === undefined) {
    value = `${c.name}=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/${suffix(c)}`
  } else {
    value = `${c.name}=${server.cookie}`
    if (dated) {
      const nowS = Math.floor(nowMs / 1000)
      value += `|${encodeCookieDate(nowS + 3)}`
      if (c.maxlifeMs !== undefined) value += `|${encodeCookieDate(req.firstDate ?? nowS)}`
    }
    value += `; path=/${suffix(c)}`
  }
  headers.add('set-cookie', value)
  if (c.nocache && isCacheable(req.method, status, headers)) headers.add('cache-control', 'private')
}
