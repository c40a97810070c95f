/**
 * @module
 * The request half of HAProxy's HTTP processing (http_ana.c, reference §6.1), as one function the
 * Worker and `edgeproxy explain` both call: frontend → tcp-request rules (a `verify required` bind's
 * TLS handshake between the connection and session sets) → monitor-uri → http-request rules → stats →
 * redirect rules → use_backend/default_backend → backend rules → server assignment → forwarding
 * headers. It returns a decision; it does no I/O except through the stick store.
 */
import type { Frontend, Server } from '../routemap/schema.ts'
import type { ActionResult } from './actions/types.ts'
import type { CookieStatus, Persistence } from './cookie.ts'
import { captureHeaders, newCaptureView } from './captures.ts'
import { restrictHeaderNames } from './restrict-headers.ts'
import { errorResponse, type LocalResponse, reasonFor } from './errors.ts'
import { fallbackFrontend, frontendForEdgeHost, frontendForListener, selectFrontend } from './frontend-select.ts'
import { bindVerify, certificateAccepted } from './client-verify.ts'
import { type EngineRequest, parseRequestUrl, RequestState, type UrlParts } from './request-state.ts'
import type { Hydrated, RtBackend, RtFrontend, RtRule } from './runtime.ts'
import type { ServerSelector, ServerStates } from './server-select.ts'
import type { Tracer } from './trace.ts'
import type { LocalCause, Via } from './outcome.ts'

export type Decision =
  | {
      readonly kind: 'forward'
      readonly frontend: string
      readonly backend: string
      readonly server: Server
      readonly request: RequestState
      readonly cookie: CookieStatus
      /** The persistence cookie's effect for the response side (absent when the backend has no cookie). */
      readonly persistence?: Persistence
      /** How the server was chosen (SF_DIRECT when 'use-server', 'cookie' or 'stick'). */
      readonly via: Via
      /** Prose for `edgeproxy explain`: nothing branches on it. */
      readonly why: string
    }
  | {
      readonly kind: 'respond'
      readonly frontend?: string
      readonly backend?: string
      readonly response: LocalResponse
      readonly request?: RequestState
      /** Why the engine answered itself: the counters, the log's termination state and the handler steer by it. */
      readonly cause: LocalCause
      /** Prose for `edgeproxy explain`: nothing branches on it. */
      readonly why: string
      readonly delayMs?: number
      /** The request counts as an HTTP error in tracked entries (deny, tarpit, auth: http_err_*). */
      readonly httpErr?: boolean
    }
  | { readonly kind: 'service'; readonly frontend: string; readonly service: string; readonly request: RequestState; readonly why: string }
  | {
      readonly kind: 'stats'
      readonly frontend: string
      readonly request: RequestState
      /** `stats admin` holds for this request: the page offers and accepts admin actions. */
      readonly admin: boolean
      readonly why: string
    }

export interface DecideDeps {
  readonly rt: Hydrated
  readonly selector: ServerSelector
  readonly states: ServerStates
  readonly random32: () => number
  readonly trace: Tracer
  /** Installs the stick-table view on a request (only when the config has tables). */
  readonly attachStick?: (ctx: RequestState) => void
  /** Told when a request enters its frontend and when its backend is chosen (capacity fetches count them: proxy-state.ts). */
  readonly entered?: (ctx: RequestState, req: EngineRequest) => void
  readonly chose?: (ctx: RequestState) => void
}

type RuleOutcome = { readonly done: false } | { readonly done: true; readonly result: Exclude<ActionResult, undefined | { kind: 'allow' }>; readonly rule: RtRule }

/**
 * Runs a rule list in order; stops at the first final action. Synchronous unless an action returns
 * a promise (a track-sc waiting for a Durable Object): then the rest runs after it.
 */
function runRules(rules: readonly RtRule[], ctx: RequestState, deps: DecideDeps, where: string, from = 0): RuleOutcome | Promise<RuleOutcome> {
  for (let i = from; i < rules.length; i++) {
    const r = rules[i] as RtRule
    const ok = r.cond ? r.cond(ctx, deps.trace) : true
    if (deps.trace.enabled) deps.trace.step({ stage: 'rule', text: `${where}: ${r.def.text} → ${ok ? 'applied' : 'condition false'}`, origin: r.def.origin, matched: ok })
    if (!ok) continue
    const res = r.run(ctx)
    if (res instanceof Promise) return res.then((v) => ruleResult(v, r, ctx) ?? runRules(rules, ctx, deps, where, i + 1))
    const out = ruleResult(res, r, ctx)
    if (out) return out
  }
  return CONTINUE
}

const CONTINUE: RuleOutcome = { done: false }

/** What one action's result means for the rule list: continue (undefined), stop, or stop with a result. */
function ruleResult(res: ActionResult, r: RtRule, ctx: RequestState): RuleOutcome | undefined {
  if (res === undefined) return undefined
  ctx.lastRule = r.def.origin
  if (res.kind === 'allow') return CONTINUE
  return { done: true, result: res, rule: r }
}

function respondFromResult(res: Exclude<ActionResult, undefined | { kind: 'allow' }>, ctx: RequestState, fe: Frontend, be?: RtBackend): Decision {
  const base = { frontend: fe.name, ...(be ? { backend: be.def.name } : {}), request: ctx }
  switch (res.kind) {
    case 'respond':
      return { kind: 'respond', ...base, response: res.response, cause: res.cause, why: res.why, ...(res.httpErr ? { httpErr: true } : {}) }
    case 'tarpit':
      return { kind: 'respond', ...base, response: res.response, cause: 'tarpit', why: `tarpit for ${res.delayMs} ms`, delayMs: res.delayMs, httpErr: true }
    case 'auth': {
      const page = errorResponse(401, (be?.def ?? fe).errorfiles)
      const realm = res.realm || fe.name
      return {
        kind: 'respond',
        ...base,
        response: { ...page, headers: [...page.headers, ['www-authenticate', `Basic realm="${realm}"`]] },
        cause: 'auth',
        why: 'authentication required',
        httpErr: true,
      }
    }
    case 'service':
      return { kind: 'service', frontend: fe.name, service: res.service, request: ctx, why: `use-service ${res.service}` }
  }
}

/** Decides what to do with one request. Never throws on traffic: bad input gets HAProxy's answer. */
export async function decide(req: EngineRequest, deps: DecideDeps): Promise<Decision> {
  const { rt, trace } = deps
  let url: UrlParts
  try {
    url = parseRequestUrl(req.url)
  } catch {
    return { kind: 'respond', response: errorResponse(400), cause: 'bad-request', why: 'invalid request URL' }
  }
  const port = req.listener?.port ?? (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80)
  const host = url.hostname.charCodeAt(0) === 91 ? url.hostname.replace(/^\[|\]$/g, '') : url.hostname
  const fe =
    frontendForEdgeHost(rt.edgeHosts, host) ??
    (req.listener ? frontendForListener(rt.frontends, req.listener.address, req.listener.port) : selectFrontend(rt.frontends, host, port)) ??
    fallbackFrontend(rt.frontends)
  if (!fe) return { kind: 'respond', response: errorResponse(503), cause: 'no-frontend', why: 'no HTTP frontend with a bind in the configuration' }
  if (trace.enabled) trace.step({ stage: 'frontend', text: `frontend '${fe.def.name}' (${describeBind(fe, host, port)})`, origin: fe.def.origin })
  const ctx = new RequestState(req, fe.def.name, deps.random32, url)
  if (fe.uniqueId) ctx.uniqueIdFormat = fe.uniqueId
  ctx.timeouts = fe.timeouts
  const caps = fe.def.captures
  if (caps) {
    ctx.captureSlots = caps
    ctx.captures = newCaptureView(caps)
    captureHeaders(caps.request, ctx.headers, ctx.captures.request)
  }
  deps.attachStick?.(ctx)
  if (fe.def.mode !== 'http') return { kind: 'respond', frontend: fe.def.name, response: errorResponse(503), cause: 'no-frontend', why: `frontend '${fe.def.name}' is mode tcp` }
  deps.entered?.(ctx, req)
  // `verify required` without an acceptable certificate: HAProxy fails the TLS handshake, after the
  // `tcp-request connection` rules (run at accept) and before everything else (client-verify.ts).
  const refused = fe.verifies === true && bindVerify(fe, host, port, req.listener) === 'required' && !certificateAccepted(req.tls)
  if (fe.tcp || refused) {
    // tcp-request connection, session, content rules: HAProxy runs them before it reads the HTTP request (monitor-uri included).
    const r0 = await runTcpRequest(fe, ctx, deps, refused)
    if (r0 === HANDSHAKE_FAILED) return tlsRefused(fe, req, trace)
    if (r0.done) return respondFromResult(r0.result, ctx, fe.def)
  }
  if (fe.def.monitorUri !== undefined && (ctx.path === fe.def.monitorUri || ctx.target === fe.def.monitorUri)) {
    // `monitor fail`: HAProxy's 503 page when a condition holds (http_ana.c).
    if (fe.monitorFail?.some((c) => c(ctx, trace))) {
      return { kind: 'respond', frontend: fe.def.name, response: errorResponse(503, fe.def.errorfiles), request: ctx, cause: 'monitor', why: `monitor-uri ${fe.def.monitorUri}: monitor fail` }
    }
    return { kind: 'respond', frontend: fe.def.name, response: errorResponse(200), request: ctx, cause: 'monitor', why: `monitor-uri ${fe.def.monitorUri}` }
  }
  let r1 = runRules(fe.httpRequest, ctx, deps, `frontend '${fe.def.name}' http-request`)
  if (r1 instanceof Promise) r1 = await r1
  if (r1.done) return respondFromResult(r1.result, ctx, fe.def)
  if (restrictHeaderNames(fe.def.options.restrictReqHdrNames, ctx.headers)) return restrictedDeny(ctx, fe.def)
  if (fe.def.stats && ctx.target.startsWith(fe.def.stats.uri)) {
    return { kind: 'stats', frontend: fe.def.name, request: ctx, admin: fe.statsAdmin ? fe.statsAdmin(ctx, trace) : false, why: `stats uri ${fe.def.stats.uri}` }
  }
  let r2 = runRules(fe.redirects, ctx, deps, `frontend '${fe.def.name}' redirect`)
  if (r2 instanceof Promise) r2 = await r2
  if (r2.done) return respondFromResult(r2.result, ctx, fe.def)
  const be = selectBackend(fe, ctx, deps)
  if (!be) {
    return {
      kind: 'respond',
      frontend: fe.def.name,
      response: errorResponse(503, fe.def.errorfiles),
      request: ctx,
      cause: 'no-backend',
      why: `frontend '${fe.def.name}' has no backend for this request`,
    }
  }
  ctx.backend = be.def.name
  ctx.timeouts = fe.timeoutsWith(be)
  deps.chose?.(ctx)
  if (be.def.name !== fe.def.name) {
    if (be.tcp && be.tcp.content.length > 0) {
      // The backend's tcp-request content rules (AN_REQ_INSPECT_BE) run before its http-request rules.
      let rt = runRules(be.tcp.content, ctx, deps, `backend '${be.def.name}' tcp-request content`)
      if (rt instanceof Promise) rt = await rt
      if (rt.done) return respondFromResult(rt.result, ctx, fe.def, be)
    }
    let r3 = runRules(be.httpRequest, ctx, deps, `backend '${be.def.name}' http-request`)
    if (r3 instanceof Promise) r3 = await r3
    if (r3.done) return respondFromResult(r3.result, ctx, fe.def, be)
    if (restrictHeaderNames(be.def.options.restrictReqHdrNames, ctx.headers)) return restrictedDeny(ctx, fe.def, be)
    let r4 = runRules(be.redirects, ctx, deps, `backend '${be.def.name}' redirect`)
    if (r4 instanceof Promise) r4 = await r4
    if (r4.done) return respondFromResult(r4.result, ctx, fe.def, be)
  }
  // Exact-mode stick tables: `stick match` entries stored by other isolates are fetched first.
  const pre = deps.selector.prefetch(be, ctx, trace)
  if (pre) await pre
  const a = deps.selector.assign(be, ctx, deps.states, trace)
  if (!a.server) {
    if (trace.enabled) trace.step({ stage: 'server', text: a.why })
    return { kind: 'respond', frontend: fe.def.name, backend: be.def.name, response: errorResponse(503, be.def.errorfiles), request: ctx, cause: 'no-server', why: a.why }
  }
  // A dispatched request has no server (srv_name fails, %s is <NOSRV>), as HAProxy's backend target.
  if (a.server !== be.def.dispatch) ctx.server = a.server.name
  if (trace.enabled) trace.step({ stage: 'server', text: `server '${a.server.name}' (${a.why})`, origin: a.server.origin })
  deps.selector.store(be, ctx, a.server, trace)
  if (a.server.redir !== undefined && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    const location = `${a.server.redir}${ctx.target}`
    return {
      kind: 'respond',
      frontend: fe.def.name,
      backend: be.def.name,
      request: ctx,
      cause: 'server-redir',
      why: `server '${a.server.name}' redir`,
      response: {
        status: 302,
        reason: reasonFor(302),
        headers: [
          ['content-length', '0'],
          ['location', location],
          ['cache-control', 'no-cache'],
        ],
        body: '',
      },
    }
  }
  addForwardingHeaders(fe, be, ctx)
  return {
    kind: 'forward',
    frontend: fe.def.name,
    backend: be.def.name,
    server: a.server,
    request: ctx,
    cookie: a.cookie,
    ...(a.persistence ? { persistence: a.persistence } : {}),
    via: a.via,
    why: a.why,
  }
}

/** The 403 of `option http-restrict-req-hdr-names reject`, counted like a deny. */
function restrictedDeny(ctx: RequestState, fe: Frontend, be?: RtBackend): Decision {
  const page = errorResponse(403, (be?.def ?? fe).errorfiles)
  return {
    kind: 'respond',
    frontend: fe.name,
    ...(be ? { backend: be.def.name } : {}),
    request: ctx,
    response: page,
    cause: 'deny',
    why: 'deny: a header name is outside [0-9A-Za-z-] (option http-restrict-req-hdr-names reject)',
    httpErr: true,
  }
}

const TCP_REQUEST_SETS = ['connection', 'session', 'content'] as const

/** The TLS handshake of a `verify required` bind failed (runTcpRequest's answer). */
const HANDSHAKE_FAILED: RuleOutcome = { done: false }

/**
 * The frontend's tcp-request rule sets in HAProxy's order; `accept` ends only its own set. With
 * `handshakeFails`, the handshake between the connection and session sets fails (session.c).
 */
async function runTcpRequest(fe: RtFrontend, ctx: RequestState, deps: DecideDeps, handshakeFails: boolean): Promise<RuleOutcome> {
  const t = fe.tcp
  if (!t) return handshakeFails ? HANDSHAKE_FAILED : CONTINUE
  for (const set of TCP_REQUEST_SETS) {
    if (set === 'session' && handshakeFails) return HANDSHAKE_FAILED
    if (t[set].length === 0) continue
    let r = runRules(t[set], ctx, deps, `frontend '${fe.def.name}' tcp-request ${set}`)
    if (r instanceof Promise) r = await r
    if (r.done) return r
  }
  return CONTINUE
}

/** The answer to a refused handshake: no request existed, so no rule sees it and no server gets it. */
function tlsRefused(fe: RtFrontend, req: EngineRequest, trace: Tracer): Decision {
  const t = req.tls
  const why = `bind 'verify required': ${t?.presented ? (t.revoked ? 'the client certificate is revoked' : `the client certificate failed verification (${t.verifyError ?? 'FAILED'})`) : 'no client certificate'}`
  if (trace.enabled) trace.step({ stage: 'frontend', text: `${why} → TLS handshake refused` })
  return { kind: 'respond', frontend: fe.def.name, response: errorResponse(403), cause: 'tls-refused', why }
}

function describeBind(fe: RtFrontend, host: string, port: number): string {
  if (fe.def.edgeHosts?.includes(host)) return `deployed for host ${host}`
  const b = fe.def.binds.find((x) => port >= x.port && port <= x.portEnd)
  return b ? `bind ${b.address || '*'}:${b.port} at line ${b.origin.line}` : 'no bind matches this port; first HTTP frontend'
}

/** use_backend rules in order (first match wins), then default_backend; a listen serves itself. */
function selectBackend(fe: RtFrontend, ctx: RequestState, deps: DecideDeps): RtBackend | undefined {
  const { rt, trace } = deps
  for (const u of fe.useBackends) {
    const ok = u.cond ? u.cond(ctx, trace) : true
    if (trace.enabled) trace.step({ stage: 'rule', text: `${u.def.text} → ${ok ? 'matched' : 'condition false'}`, origin: u.def.origin, matched: ok })
    if (!ok) continue
    const name = typeof u.target === 'string' ? u.target : u.target(ctx)
    const be = rt.backends.get(name)
    if (be) {
      if (trace.enabled) trace.step({ stage: 'backend', text: `backend '${name}' (use_backend)`, origin: be.def.origin })
      return be
    }
    // A dynamic name that resolves to no backend stops evaluation: default_backend applies.
    if (trace.enabled) trace.step({ stage: 'backend', text: `use_backend resolved to unknown backend '${name}': falling back to default_backend` })
    break
  }
  const name = fe.def.defaultBackend
  if (name === undefined) return undefined
  const be = rt.backends.get(name)
  if (be && trace.enabled) trace.step({ stage: 'backend', text: `backend '${name}' (${fe.def.listen && name === fe.def.name ? 'listen section' : 'default_backend'})`, origin: be.def.origin })
  return be
}

/** X-Forwarded-For / X-Original-To as HAProxy adds them after all http-request rules (§6.4). */
function addForwardingHeaders(fe: RtFrontend, be: RtBackend, ctx: RequestState): void {
  // http_process_request step 8: the unique id is generated here at the latest, and sent in
  // `unique-id-header` when there is one.
  const id = ctx.uniqueId()
  if (id !== undefined && fe.def.uniqueId?.header !== undefined) ctx.headers.add(fe.def.uniqueId.header, id)
  const f = fe.def.options.forwardfor
  const b = be.def.options.forwardfor
  if (f || b) {
    const header = b?.header ?? f?.header ?? 'X-Forwarded-For'
    const ifNone = (f ? f.ifNone : true) && (b ? b.ifNone : true)
    const excepted = (fe.xffExcept?.(ctx.src) ?? false) || (be.xffExcept?.(ctx.src) ?? false)
    if (!excepted && !(ifNone && ctx.headers.has(header))) ctx.headers.add(header, ctx.src)
  }
  // The backend's header name wins; either proxy's `except` network suppresses it (http_ana.c).
  const ot = be.def.options.originalto ?? fe.def.options.originalto
  if (ot && !(fe.xotExcept?.(ctx.dst) ?? false) && !(be.xotExcept?.(ctx.dst) ?? false)) ctx.headers.add(ot, ctx.dst)
}
