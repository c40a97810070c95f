/**
 * @module
 * deny, return and tarpit at run time: HAProxy's built-in error pages or the configured payload.
 */
import type { ErrorReply, LogFormat } from '../../routemap/schema.ts'
import { errorResponse, httpReason, type LocalResponse } from '../errors.ts'
import type { Renderer } from '../log-format.ts'
import type { RequestState } from '../request-state.ts'
import type { ActionBuildEnv, RuntimeActionDef } from './types.ts'

interface Body {
  readonly kind: 'string' | 'lf-string' | 'file' | 'errorfile' | 'default'
  readonly value?: string | LogFormat
}

/** Builds the response function for a deny/return/tarpit payload. */
function payload(a: Readonly<Record<string, unknown>>, env: ActionBuildEnv): (ctx: RequestState) => LocalResponse {
  const status = a.status as number
  const body = a.body as Body | undefined
  const contentType = a.contentType as string | undefined
  const hdrs = ((a.headers as [string, LogFormat][] | undefined) ?? []).map(([n, f]) => [n, env.format(f)] as const)
  if (!body || body.kind === 'default' || body.kind === 'errorfile') {
    if (body?.kind === 'errorfile') {
      const fixed = errorResponse(status, { [String(status)]: body.value as string })
      return () => fixed
    }
    if (!body) {
      // `return` with no payload: an empty body with the configured headers.
      return (ctx) => ({ status, reason: httpReason(status), headers: [['content-length', '0'], ...extra(hdrs, ctx)], body: '' })
    }
    const reply = env.errorReplies?.[String(status)]
    if (reply) return replyPayload(status, reply, env)
    const page = errorResponse(status, env.errorfiles)
    return () => page
  }
  const render: Renderer = body.kind === 'lf-string' ? env.format(body.value as LogFormat) : () => body.value as string
  return (ctx) => {
    const text = render(ctx)
    const headers: [string, string][] = [['content-length', String(new TextEncoder().encode(text).length)]]
    if (contentType) headers.push(['content-type', contentType])
    return { status, reason: httpReason(status), headers: [...headers, ...extra(hdrs, ctx)], body: text }
  }
}

/** An `http-error` reply with log-format parts (http_reply_to_htx: headers, content-length, content-type). */
function replyPayload(status: number, reply: ErrorReply, env: ActionBuildEnv): (ctx: RequestState) => LocalResponse {
  const hdrs = reply.headers.map(([n, f]) => [n, env.format(f)] as const)
  const render: Renderer = reply.format ? env.format(reply.format) : () => reply.text ?? ''
  return (ctx) => {
    const text = render(ctx)
    const len = new TextEncoder().encode(text).length
    const headers = extra(hdrs, ctx).filter(([, v]) => v !== '')
    headers.push(['content-length', String(len)])
    if (len > 0 && reply.contentType) headers.push(['content-type', reply.contentType])
    return { status, reason: httpReason(status), headers, body: text }
  }
}

function extra(hdrs: readonly (readonly [string, Renderer])[], ctx: RequestState): [string, string][] {
  return hdrs.map(([n, r]) => [n, r(ctx)])
}

export const PAYLOAD_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'deny',
    build: (a, env) => {
      const make = payload(a, env)
      // http_ana.c (2.6) `deny:` label: stream_inc_http_err_ctr(s), whatever the deny_status.
      return (ctx) => ({ kind: 'respond', response: make(ctx), cause: 'deny', why: `deny (status ${a.status as number})`, httpErr: true })
    },
  },
  {
    name: 'return',
    build: (a, env) => {
      const make = payload(a, env)
      return (ctx) => ({ kind: 'respond', response: make(ctx), cause: 'return', why: `return (status ${a.status as number})` })
    },
  },
  {
    name: 'tarpit',
    build: (a, env) => {
      const make = payload(a, env)
      return (ctx) => ({ kind: 'tarpit', response: make(ctx), delayMs: env.tarpitMs })
    },
  },
]
