/**
 * @module
 * `http-errors <name>` sections (`errorfile <code> <file>`), the proxies' `errorfiles <name>
 * [<code>...]` and `http-error status <code> ...` (http_htx.c). A proxy's error directives
 * (`errorfile`, `errorfiles`, `http-error`, inherited from defaults first) are replayed in
 * declaration order once every section is known (proxy_check_errors): each replaces the page for
 * its codes. Static pages become raw responses (Frontend/Backend `errorfiles`); `http-error`
 * replies with log-format parts are kept as replies (`errorReplies`) and rendered per request.
 */
import type { ErrorReply } from '../../routemap/schema.ts'
import { type Payload, parsePayload } from '../actions/payload.ts'
import type { ProxyDraft } from '../draft.ts'
import type { Word } from '../lexer.ts'
import type { Services } from '../services.ts'
import type { SourceSpan } from '../source.ts'
import { httpReason } from '../../engine/errors.ts'
import type { GlobalDraft } from './global-draft.ts'
import { type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'
import { errorfileParses } from './proxy.ts'

/** HAProxy 2.6's HTTP_ERR_* codes: the statuses an error page can be defined for. */
export const HTTP_ERR_CODES: readonly number[] = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503, 504]

/** One error directive of a proxy, in declaration order. */
export type ErrorConfEntry =
  | { readonly kind: 'file'; readonly code: string; readonly text: string }
  | { readonly kind: 'section'; readonly name: string; readonly codes?: readonly string[]; readonly span: SourceSpan }
  | { readonly kind: 'reply'; readonly code: string; readonly reply: ErrorReply }

export interface HttpErrorsSection {
  readonly span: SourceSpan
  readonly files: Record<string, string>
}

function parseSectionErrorfile(st: Statement, cx: KeywordContext): void {
  const sec = cx.global.currentHttpErrors ? cx.global.httpErrors.get(cx.global.currentHttpErrors) : undefined
  if (!sec) return
  if (!st.args[0] || !st.args[1]) {
    cx.sv.diag.error('missing-argument', st.span, 'errorfile: expects <status_code> and <file> as arguments.')
    return
  }
  const code = st.args[0]
  const file = st.args[1]
  if (!HTTP_ERR_CODES.includes(Number(code.text))) {
    cx.sv.diag.error('invalid-argument', code.span, `errorfile : status code '${code.text}' not handled.`, { help: `use one of ${HTTP_ERR_CODES.join(', ')}` })
    return
  }
  const text = cx.sv.readFile(file.text)
  if (text === undefined) {
    cx.sv.diag.error('file-not-found', file.span, `errorfile : error opening file '${file.text}'.`)
    return
  }
  if (!errorfileParses(text, file, 'errorfile', cx)) return
  sec.files[code.text] = text
}

function parseErrorfiles(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const nameW = st.args[0]
  if (!nameW) {
    cx.sv.diag.error('missing-argument', st.span, 'errorfiles : expects <name> as argument.')
    return
  }
  const codes: string[] = []
  for (const w of st.args.slice(1)) {
    if (!HTTP_ERR_CODES.includes(Number.parseInt(w.text, 10))) {
      cx.sv.diag.error('invalid-argument', w.span, `errorfiles : status code '${Number.parseInt(w.text, 10) || 0}' not handled.`)
      return
    }
    codes.push(String(Number.parseInt(w.text, 10)))
  }
  p.errorConf ??= []
  p.errorConf.push({ kind: 'section', name: nameW.text, ...(codes.length > 0 ? { codes } : {}), span: nameW.span })
}

function parseHttpError(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const input = { name: st.keyword[0] as Word, args: st.args, ruleSet: 'http-request' as const, proxy: p, sv: cx.sv, span: st.span }
  const r = parsePayload(input, 0, 'http-error')
  if (!r) return
  if (r.status === 0) {
    cx.sv.diag.error('missing-argument', st.span, 'http-error : expects at least a <status> as arguments.')
    return
  }
  if (!HTTP_ERR_CODES.includes(r.status)) {
    cx.sv.diag.error('invalid-argument', st.span, `http-error: status code '${r.status}' not handled.`, { help: `use one of ${HTTP_ERR_CODES.join(', ')}` })
    return
  }
  const code = String(r.status)
  p.errorConf ??= []
  const body = r.body
  if (body?.kind === 'errorfiles') {
    p.errorConf.push({ kind: 'section', name: body.value as string, codes: [code], span: st.span })
  } else if (body?.kind === 'errorfile') {
    p.errorConf.push({ kind: 'file', code, text: body.value as string })
  } else if (body === undefined || body.kind === 'default') {
    // `http-error status <code>` alone, or default-errorfiles: HAProxy's own page again.
    p.errorConf.push({ kind: 'reply', code, reply: { default: true, headers: [] } })
  } else {
    p.errorConf.push({ kind: 'reply', code, reply: toReply(r) })
  }
}

function toReply(r: Payload): ErrorReply {
  const body = r.body
  return {
    ...(r.contentType !== undefined ? { contentType: r.contentType } : {}),
    ...(body?.kind === 'lf-string' ? { format: body.value as ErrorReply['format'] } : { text: (body?.value as string | undefined) ?? '' }),
    headers: r.headers,
  }
}

/** A reply with only literal parts becomes a raw response, like an errorfile. */
function staticRaw(code: string, reply: ErrorReply): string | undefined {
  const lit = (f: NonNullable<ErrorReply['format']>): string | undefined => {
    let out = ''
    for (const part of f) {
      if (!('lit' in part)) return undefined
      out += part.lit
    }
    return out
  }
  const body = reply.format ? lit(reply.format) : (reply.text ?? '')
  if (body === undefined) return undefined
  const heads: string[] = []
  for (const [n, f] of reply.headers) {
    const v = lit(f)
    if (v === undefined) return undefined
    if (v !== '') heads.push(`${n}: ${v}`)
  }
  const len = new TextEncoder().encode(body).length
  heads.push(`content-length: ${len}`)
  if (len > 0 && reply.contentType) heads.push(`content-type: ${reply.contentType}`)
  return `HTTP/1.1 ${code} ${httpReason(Number(code))}\r\n${heads.join('\r\n')}\r\n\r\n${body}`
}

/**
 * Replays the proxy's error directives (proxy_check_errors) into its `errorfiles` (raw pages) and
 * `errorReplies` (pages rendered per request), and resolves `errorfiles <name>` payloads of
 * deny/return/tarpit rules. Reports unknown http-errors sections.
 */
export function resolveProxyErrors(p: ProxyDraft, global: GlobalDraft, sv: Services): void {
  const where = `proxy '${p.name}'`
  if (p.errorConf) {
    const files: Record<string, string> = {}
    const replies: Record<string, ErrorReply> = {}
    const set = (code: string, text: string | undefined, reply?: ErrorReply): void => {
      delete files[code]
      delete replies[code]
      if (text !== undefined) files[code] = text
      if (reply) replies[code] = reply
    }
    for (const e of p.errorConf) {
      if (e.kind === 'file') set(e.code, e.text)
      else if (e.kind === 'reply') {
        if (e.reply.default) set(e.code, undefined)
        else {
          const raw = staticRaw(e.code, e.reply)
          if (raw !== undefined) set(e.code, raw)
          else set(e.code, undefined, e.reply)
        }
      } else {
        const sec = global.httpErrors.get(e.name)
        if (!sec) {
          sv.diag.error('unknown-section', e.span, `${where}: unknown http-errors section '${e.name}' (at ${e.span.file}:${e.span.line}).`)
          continue
        }
        for (const code of e.codes ?? HTTP_ERR_CODES.map(String)) {
          const text = sec.files[code]
          if (text !== undefined) set(code, text)
          else if (e.codes) {
            sv.diag.warning('useless', e.span, `config: ${where} : status '${code}' not declared in http-errors section '${e.name}' (at ${e.span.file}:${e.span.line}).`)
          }
        }
      }
    }
    p.errorfiles = files
    p.errorReplies = replies
  }
  for (const list of [p.httpRequest, p.httpResponse, p.httpAfterResponse]) {
    for (const rule of list) {
      const body = rule.args.body as { kind?: string; value?: unknown } | undefined
      if (body?.kind !== 'errorfiles') continue
      const name = body.value as string
      const sec = global.httpErrors.get(name)
      const status = String(rule.args.status)
      if (!sec) {
        sv.diag.error('unknown-section', { file: rule.origin.file, line: rule.origin.line, column: 1, length: 1 }, `${where}: unknown http-errors section '${name}' referenced by an http reply.`)
        continue
      }
      const text = sec.files[status]
      if (text === undefined)
        sv.diag.warning(
          'useless',
          { file: rule.origin.file, line: rule.origin.line, column: 1, length: 1 },
          `Proxy '${p.name}': status '${status}' referenced by an http reply not declared in http-errors section '${name}'.`,
        )
      ;(rule.args as Record<string, unknown>).body = { kind: 'errorfile', value: text ?? '' }
    }
  }
}

export const HTTP_ERRORS_KEYWORDS: readonly KeywordDef[] = [
  { name: 'errorfile', sections: ['http-errors'], support: 'yes', parse: parseSectionErrorfile },
  { name: 'errorfiles', sections: PROXY_SECTIONS, support: 'yes', parse: parseErrorfiles },
  { name: 'http-error', sections: PROXY_SECTIONS, support: 'yes', parse: parseHttpError },
]
