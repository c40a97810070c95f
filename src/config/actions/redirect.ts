/**
 * @module
 * `redirect location|prefix|scheme <fmt> [code N] [option…]` (reference §6.2): shared by
 * `http-request redirect`, `http-response redirect` (location only) and the legacy `redirect` keyword.
 */
import { parseLogFormat } from '../log-format.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'

export const REDIRECT_CODES = new Set([301, 302, 303, 307, 308])

export function parseRedirect(input: ActionInput): Record<string, unknown> | undefined {
  const a = input.args
  const typeW = a[0]
  const valueW = a[1]
  if (!typeW || !['location', 'prefix', 'scheme'].includes(typeW.text)) {
    return actionError(input, typeW, `: expects 'location', 'prefix', or 'scheme' followed by a value (got '${typeW?.text ?? ''}')`)
  }
  if (!valueW) return actionError(input, typeW, `: '${typeW.text}' expects an argument`)
  if (input.ruleSet !== 'http-request' && typeW.text !== 'location') {
    return actionError(input, typeW, `: only 'location' is supported in ${input.ruleSet} rules`)
  }
  const value = parseLogFormat(valueW, input.ruleSet === 'http-request' ? 'request' : 'response', input.sv)
  if (!value) return undefined
  const out: Record<string, unknown> = { type: typeW.text, value, code: 302, dropQuery: false, appendSlash: false, keepQuery: false, ignoreEmpty: false }
  for (let i = 2; i < a.length; i++) {
    const w = a[i]
    if (!w) break
    const v = a[i + 1]
    switch (w.text) {
      case 'code': {
        const n = Number(v?.text)
        if (!v || !REDIRECT_CODES.has(n)) {
          return actionError(input, v ?? w, `: 'code': unsupported HTTP code '${v?.text ?? ''}' (must be one of 301, 302, 303, 307 or 308).`)
        }
        out.code = n
        i++
        break
      }
      case 'drop-query':
        out.dropQuery = true
        break
      case 'append-slash':
        out.appendSlash = true
        break
      case 'keep-query':
        out.keepQuery = true
        break
      case 'ignore-empty':
        out.ignoreEmpty = true
        break
      case 'set-cookie':
      case 'clear-cookie':
        if (!v) return actionError(input, w, `: '${w.text}' expects a cookie name`)
        out[w.text === 'set-cookie' ? 'setCookie' : 'clearCookie'] = v.text
        i++
        break
      case 'set-cookie-fmt': {
        if (!v) return actionError(input, w, ": 'set-cookie-fmt' expects a format")
        const f = parseLogFormat(v, 'request', input.sv)
        if (!f) return undefined
        out.setCookieFmt = f
        i++
        break
      }
      default:
        return actionError(input, w, `: unexpected keyword '${w.text}' (expects code, drop-query, append-slash, keep-query, ignore-empty, set-cookie, set-cookie-fmt or clear-cookie)`)
    }
  }
  return out
}

export const REDIRECT_ACTIONS: readonly ActionDef[] = [
  { name: 'redirect', ruleSets: ['http-request', 'http-response'], support: 'yes', final: true, parse: parseRedirect },
]
