/**
 * @module
 * `redirect location|prefix|scheme` at run time (http_ana.c http_apply_redirect_rule): builds the
 * Location exactly as HAProxy does, with its status line and headers.
 */
import type { LogFormat } from '../../routemap/schema.ts'
import { reasonFor } from '../errors.ts'
import type { RuntimeActionDef } from './types.ts'

export const REDIRECT_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'redirect',
    build: (a, env) => {
      const render = env.format(a.value as LogFormat)
      const type = a.type as 'location' | 'prefix' | 'scheme'
      const code = a.code as number
      const setCookie = a.setCookie as string | undefined
      const clearCookie = a.clearCookie as string | undefined
      const setCookieFmt = a.setCookieFmt ? env.format(a.setCookieFmt as LogFormat) : undefined
      return (ctx) => {
        const value = render(ctx)
        if (a.ignoreEmpty && value === '') return undefined
        let location: string
        const path = ctx.path
        const query = ctx.query
        if (type === 'location') {
          location = value
          if (a.keepQuery && query !== undefined) location += `${location.includes('?') ? '&' : '?'}${query}`
        } else if (type === 'prefix') {
          let p = path
          if (a.appendSlash && a.dropQuery && !p.endsWith('/')) p += '/'
          // `prefix /` means "the same URI"; HAProxy does not double the slash.
          location = (value === '/' ? '' : value) + p
          if (!a.dropQuery && query !== undefined) location += `?${query}`
        } else {
          const host = ctx.headers.first('host') ?? ''
          const p = path === '' || path === '*' ? '/' : path
          location = `${value}://${host}${p}`
          if (!a.dropQuery && query !== undefined) location += `?${query}`
        }
        const headers: [string, string][] = [
          ['content-length', '0'],
          ['location', location],
        ]
        if (code === 302 || code === 303 || code === 307) headers.push(['cache-control', 'no-cache'])
        if (setCookie) headers.push(['set-cookie', `${setCookie}; path=/;`])
        if (setCookieFmt) headers.push(['set-cookie', setCookieFmt(ctx)])
        // http_rules.c writes the name as configured: `clear-cookie NAME` gives `NAME; path=/; Max-Age=0;`.
        if (clearCookie) headers.push(['set-cookie', `${clearCookie}; path=/; Max-Age=0;`])
        return { kind: 'respond', response: { status: code, reason: reasonFor(code), headers, body: '' }, cause: 'redirect', why: `redirect ${code} to ${location}` }
      }
    },
  },
]
