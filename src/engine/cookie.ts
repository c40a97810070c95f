/**
 * @module
 * Cookie persistence on the request side (http_ana.c http_manage_client_side_cookies, reference
 * §4.2): finds the persistence cookie, decodes its dates, picks the server, and strips the cookie
 * from the forwarded request where HAProxy does.
 */
import type { Backend, CookieSpec, Server } from '../routemap/schema.ts'
import type { HeaderList } from '../sample/headers.ts'

/**
 * HAProxy's cookie-status letter (log field 3): N none, I invalid, D down, V valid, O old, E expired,
 * U unused (a later occurrence of the cookie after one already chose the server).
 */
export type CookieStatus = 'N' | 'I' | 'D' | 'V' | 'O' | 'E' | 'U'

export interface CookieResult {
  readonly status: CookieStatus
  readonly server?: Server
  /** Dates carried by the cookie (unix seconds), as the response side needs them. */
  readonly firstDate?: number
  readonly lastDate?: number
}

/** What the response side needs to know about the request's persistence cookie (http_ana.c txn fields). */
export interface Persistence {
  /** The cookie chose the server (SF_DIRECT): no new cookie unless a date needs refreshing. */
  readonly direct: boolean
  readonly firstDate?: number
  readonly lastDate?: number
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Decodes HAProxy's 5-character date (30 bits of unix_time/4, MSB first) to seconds. */
export function decodeCookieDate(s: string): number | undefined {
  if (s.length !== 5) return undefined
  let v = 0
  for (const c of s) {
    const i = B64.indexOf(c)
    if (i < 0) return undefined
    v = v * 64 + i
  }
  return v * 4
}

/** base64.c b64tos30 on the first 5 characters, as http_ana.c reads them: only positive values count. */
function readDate(s: string): number | undefined {
  const v = decodeCookieDate(s.slice(0, 5))
  return v !== undefined && v > 0 ? v : undefined
}

export function encodeCookieDate(unixSeconds: number): string {
  let v = Math.floor(unixSeconds / 4) & 0x3fffffff
  let out = ''
  for (let i = 0; i < 5; i++) {
    out = (B64[v & 63] as string) + out
    v = Math.floor(v / 64)
  }
  return out
}

/** Splits Cookie headers into [name, value] pairs, in order (spaces around '=' trimmed). */
export function parseCookies(headers: HeaderList): [string, string][] {
  const out: [string, string][] = []
  for (const line of headers.all('cookie')) {
    for (const part of line.split(';')) {
      const i = part.indexOf('=')
      if (i < 0) continue
      const name = part.slice(0, i).trim()
      if (name === '' || name.startsWith('$')) continue
      out.push([name, part.slice(i + 1).trim()])
    }
  }
  return out
}

/**
 * Finds the server named by the persistence cookie (http_ana.c http_manage_client_side_cookies).
 * Every occurrence of the cookie is examined in order until one assigns a server; `isUp(server)`
 * says whether the server is not STOPPED (DOWN or MAINT). `persist` is `option persist` or a
 * matching force-persist.
 */
export function cookiePersistence(be: Backend, cookie: CookieSpec, headers: HeaderList, nowSeconds: number, isUp: (s: Server) => boolean, persist: boolean): CookieResult {
  let status: CookieStatus = 'N'
  let chosen: Server | undefined
  let lastDate: number | undefined
  let firstDate: number | undefined
  const day = 86_400
  for (const [name, raw] of parseCookies(headers)) {
    if (name !== cookie.name) continue
    let srv: string
    if (cookie.mode === 'prefix') {
      // The server part ends at the first '~' (the whole value when there is none).
      const t = raw.indexOf('~')
      srv = t < 0 ? raw : raw.slice(0, t)
    } else {
      const bar = raw.indexOf('|')
      srv = bar < 0 ? raw : raw.slice(0, bar)
      if (bar >= 0) {
        const rest = raw.slice(bar + 1)
        if (rest.length >= 5) lastDate = readDate(rest) ?? lastDate
        const bar2 = rest.indexOf('|')
        if (bar2 >= 0 && rest.length - bar2 > 5) firstDate = readDate(rest.slice(bar2 + 1)) ?? firstDate
      }
    }
    let ignored = false
    if (cookie.maxlifeMs !== undefined && firstDate !== undefined && (nowSeconds - firstDate > cookie.maxlifeMs / 1000 || firstDate - nowSeconds > day)) {
      status = 'O'
      ignored = true
      firstDate = undefined
      lastDate = undefined
    } else if (cookie.maxidleMs !== undefined && lastDate !== undefined && (nowSeconds - lastDate > cookie.maxidleMs / 1000 || lastDate - nowSeconds > day)) {
      status = 'E'
      ignored = true
      firstDate = undefined
      lastDate = undefined
    }
    let found: Server | undefined
    if (!ignored && srv !== '' && chosen === undefined) {
      for (const s of be.servers) {
        if (s.cookie !== srv) continue
        if (isUp(s) || persist) {
          status = isUp(s) ? 'V' : 'D'
          found = s
          break
        }
        // A down server: remembered, and the scan goes on in case another one is up.
        status = 'D'
      }
    }
    if (found) chosen = found
    else if (status !== 'D' && status !== 'E' && status !== 'O') status = chosen ? 'U' : 'I'
  }
  const dates = { ...(firstDate !== undefined ? { firstDate } : {}), ...(lastDate !== undefined ? { lastDate } : {}) }
  return { status, ...(chosen ? { server: chosen } : {}), ...dates }
}

/** Removes the persistence cookie (insert+indirect) or its `SRV~` prefix (prefix mode) before forwarding. */
export function stripPersistenceCookie(cookie: CookieSpec, headers: HeaderList): void {
  const strip = cookie.mode === 'prefix' || (cookie.mode === 'insert' && cookie.indirect)
  if (!strip) return
  const lines = headers.all('cookie')
  if (lines.length === 0) return
  const kept: string[] = []
  for (const line of lines) {
    const parts = line
      .split(';')
      .map((p) => p.trim())
      .filter((p) => p !== '')
    const out: string[] = []
    for (const p of parts) {
      const i = p.indexOf('=')
      const name = i < 0 ? p : p.slice(0, i).trim()
      if (name !== cookie.name) out.push(p)
      else if (cookie.mode === 'prefix') {
        const v = p.slice(i + 1)
        const t = v.indexOf('~')
        out.push(`${name}=${t < 0 ? v : v.slice(t + 1)}`)
      }
    }
    if (out.length > 0) kept.push(out.join('; '))
  }
  headers.delete('cookie')
  for (const k of kept) headers.add('cookie', k)
}
