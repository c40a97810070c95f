/**
 * @module
 * `redirect location|prefix|scheme <fmt> [code N] [option…]` (reference §6.2): shared by
 * `http-request redirect`, `http-response redirect` (location only) and the legacy `redirect` keyword.
 */
import type { LogFormat } from '../../routemap/schema.ts'
import type { Word } from '../lexer.ts'
import { parseLogFormat } from '../log-format.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'

export const REDIRECT_CODES = new Set([301, 302, 303, 307, 308])

const TYPES = new Set(['location', 'prefix', 'scheme'])

/**
 * http_rules.c http_parse_redirect_rule: options and the type come in any order; a later
 * `location|prefix|scheme` or `set-cookie|clear-cookie` replaces an earlier one; `code` is read as
 * atol reads it. `keep-query` and `set-cookie-fmt` (newer HAProxy versions) are accepted too. The
 * legacy `redirect` keyword (`input.legacy`) takes its destination as a plain string, not a
 * log-format.
 */
export function parseRedirect(input: ActionInput): Record<string, unknown> | undefined {
  const a = input.args
  let typeW: Word | undefined
  let valueW: Word | undefined
  const out: Record<string, unknown> = { code: 302, dropQuery: false, appendSlash: false, keepQuery: false, ignoreEmpty: false }
  for (let i = 0; i < a.length; i++) {
    const w = a[i] as Word
    const v = a[i + 1]
    const needsArg = TYPES.has(w.text) || w.text === 'set-cookie' || w.text === 'clear-cookie' || w.text === 'code' || w.text === 'set-cookie-fmt'
    if (needsArg && !v?.text) return actionError(input, w, `: missing argument for '${w.text}'`)
    if (TYPES.has(w.text)) {
      typeW = w
      valueW = v
      i++
      continue
    }
    switch (w.text) {
      case 'code': {
        const n = Number(/^\s*[+-]?\d*/.exec(v?.text ?? '')?.[0].trim() || 0)
        if (!REDIRECT_CODES.has(n)) {
          return actionError(input, v, `: 'code': unsupported HTTP code '${v?.text ?? ''}' (must be one of 301, 302, 303, 307 or 308).`)
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
        // One cookie per rule: the last of set-cookie/clear-cookie wins.
        delete out.setCookie
        delete out.clearCookie
        out[w.text === 'set-cookie' ? 'setCookie' : 'clearCookie'] = v?.text
        i++
        break
      case 'set-cookie-fmt': {
        const f = parseLogFormat(v as Word, 'request', input.sv)
        if (!f) return undefined
        out.setCookieFmt = f
        i++
        break
      }
      default:
        return actionError(input, w, `: expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '${w.text}').`)
    }
  }
  if (!typeW || !valueW) return actionError(input, undefined, ": redirection type expected ('prefix', 'location', or 'scheme').", "add 'location <url>', 'prefix <url>' or 'scheme <scheme>'")
  if (input.ruleSet !== 'http-request' && typeW.text !== 'location') {
    return actionError(input, typeW, ": response only supports redirect type 'location'.")
  }
  const value: LogFormat | undefined = input.legacy ? [{ lit: valueW.text }] : parseLogFormat(valueW, input.ruleSet === 'http-request' ? 'request' : 'response', input.sv)
  if (!value) return undefined
  return { type: typeW.text, value, ...out }
}

export const REDIRECT_ACTIONS: readonly ActionDef[] = [{ name: 'redirect', ruleSets: ['http-request', 'http-response'], support: 'yes', final: true, parse: parseRedirect }]
