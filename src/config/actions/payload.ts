/**
 * @module
 * `deny`, `return` and `tarpit`: status, content type, payload (string, lf-string, file, errorfile,
 * default-errorfiles) and extra headers (reference §6.2).
 */
import type { LogFormat } from '../../routemap/schema.ts'
import { parseLogFormat } from '../log-format.ts'
import { isHttpStatus } from '../values.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'
import { errorfileParses } from '../keywords/proxy.ts'

/** Codes for which HAProxy has a built-in error page (errorfile-based payloads). */
export const ERRORFILE_STATUSES = new Set([200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 414, 421, 422, 425, 429, 431, 500, 501, 502, 503, 504])

export interface Payload {
  readonly status: number
  readonly contentType?: string
  readonly body?: { readonly kind: 'string' | 'lf-string' | 'file' | 'errorfile' | 'errorfiles' | 'default'; readonly value?: string | LogFormat }
  readonly headers: readonly (readonly [string, LogFormat])[]
}

/**
 * The reply arguments of deny/return/tarpit and `http-error` (http_parse_http_reply).
 * `errorfiles <name>` is resolved once every http-errors section is known (keywords/http-errors.ts).
 */
export function parsePayload(input: ActionInput, defaultStatus: number, allowStatusWord: 'deny' | 'return' | 'http-error'): Payload | undefined {
  let status = defaultStatus
  let statusWord = input.name
  let contentType: string | undefined
  let body: Payload['body']
  const headers: [string, LogFormat][] = []
  const a = input.args
  for (let i = 0; i < a.length; i++) {
    const w = a[i]
    const v = a[i + 1]
    if (!w) break
    const need = (): boolean => {
      if (!v) actionError(input, w, `: '${w.text}' expects an argument`)
      return v !== undefined
    }
    switch (w.text) {
      case 'status':
      case 'deny_status': {
        if (w.text === 'deny_status' && allowStatusWord !== 'deny') return actionError(input, w, `: unknown keyword 'deny_status' (did you mean 'status'?)`)
        if (!need() || !v) return undefined
        const n = Number(v.text)
        if (!/^\d+$/.test(v.text) || !isHttpStatus(n)) {
          return actionError(input, v, `: status code '${v.text}' is not valid (expects 200..599)`)
        }
        status = n
        statusWord = v
        i++
        break
      }
      case 'content-type':
        if (!need() || !v) return undefined
        contentType = v.text
        i++
        break
      case 'default-errorfiles':
        body = { kind: 'default' }
        break
      case 'errorfile':
      case 'file': {
        if (!need() || !v) return undefined
        const text = input.sv.readFile(v.text)
        if (text === undefined) {
          input.sv.diag.error('file-not-found', v.span, `'${input.ruleSet} ${input.name.text}' : error opening file <${v.text}>`)
          return undefined
        }
        if (w.text === 'errorfile' && !errorfileParses(text, v, `'${input.ruleSet} ${input.name.text}'`, input)) return undefined
        body = { kind: w.text === 'errorfile' ? 'errorfile' : 'file', value: text }
        i++
        break
      }
      case 'string':
        if (!need() || !v) return undefined
        body = { kind: 'string', value: v.text }
        i++
        break
      case 'lf-string':
      case 'lf-file': {
        if (!need() || !v) return undefined
        // lf-file names a file whose whole content is the log-format string.
        let source = v
        if (w.text === 'lf-file') {
          const text = input.sv.readFile(v.text)
          if (text === undefined) {
            input.sv.diag.error('file-not-found', v.span, `'${input.ruleSet} ${input.name.text}' : error opening file <${v.text}>`)
            return undefined
          }
          source = { text, span: v.span, quoted: true }
        }
        const fmt = parseLogFormat(source, input.ruleSet === 'http-request' ? 'request' : 'response', input.sv)
        if (!fmt) return undefined
        body = { kind: 'lf-string', value: fmt }
        i++
        break
      }
      case 'errorfiles':
        if (!need() || !v) return undefined
        body = { kind: 'errorfiles', value: v.text }
        i++
        break
      case 'hdr': {
        const val = a[i + 2]
        if (!v || !val) return actionError(input, w, ": 'hdr' expects <name> and <fmt> as arguments")
        const fmt = parseLogFormat(val, input.ruleSet === 'http-request' ? 'request' : 'response', input.sv)
        if (!fmt) return undefined
        headers.push([v.text, fmt])
        i += 2
        break
      }
      default:
        return actionError(input, w, `: unexpected keyword '${w.text}' (expects status, content-type, string, lf-string, file, lf-file, errorfile, default-errorfiles or hdr)`)
    }
  }
  if ((body?.kind === 'string' || body?.kind === 'lf-string' || body?.kind === 'file') && contentType === undefined) {
    return actionError(input, input.name, ": a 'string', 'lf-string' or 'file' payload requires a 'content-type'")
  }
  if ((body === undefined || body.kind === 'default' || body.kind === 'errorfile') && allowStatusWord === 'deny' && !ERRORFILE_STATUSES.has(status)) {
    return actionError(input, statusWord, `: no built-in error page for status ${status}; add a 'string' or 'file' payload`)
  }
  if ((body?.kind === 'default' || body?.kind === 'errorfiles') && !ERRORFILE_STATUSES.has(status)) {
    return actionError(input, statusWord, `: '${body.kind === 'default' ? 'default-errorfiles' : 'errorfiles'}' requires one of ${[...ERRORFILE_STATUSES].join(', ')} (got ${status})`)
  }
  return { status, ...(contentType !== undefined ? { contentType } : {}), ...(body ? { body } : {}), headers }
}

export const PAYLOAD_ACTIONS: readonly ActionDef[] = [
  {
    name: 'deny',
    ruleSets: ['http-request', 'http-response'],
    support: 'yes',
    final: true,
    parse: (input) => {
      const p = parsePayload(input, input.ruleSet === 'http-request' ? 403 : 502, 'deny')
      return p ? { ...p, body: p.body ?? { kind: 'default' } } : undefined
    },
  },
  {
    name: 'tarpit',
    ruleSets: ['http-request'],
    support: 'yes',
    final: true,
    parse: (input) => {
      const p = parsePayload(input, 500, 'deny')
      return p ? { ...p, body: p.body ?? { kind: 'default' } } : undefined
    },
  },
  {
    name: 'return',
    ruleSets: ['http-request', 'http-response'],
    support: 'yes',
    final: true,
    parse: (input) => {
      const p = parsePayload(input, 200, 'return')
      return p ? { ...p } : undefined
    },
  },
]
