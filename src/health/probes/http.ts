/**
 * @module
 * The HTTP check over fetch(): every phase of an `http-check connect|send|expect` sequence (one
 * request per connection, like HAProxy, which needs a connect before each further send), each
 * request built by http-request.ts, bounded like HAProxy bounds a check (`timeout connect`/`timeout check` or inter, reference §3.3), judged by the
 * `http-check expect` rule or the implicit 2xx/3xx one. `disable-on-404` turns a 404 from a
 * server that is not DOWN into L7OKC (NOLB). fetch() cannot say whether the connection was
 * established, so no response headers in time is L4TOUT and a refused or failed request is
 * L4CON; a body that stops coming is L7TOUT.
 */
import { CHECK_BUFSIZE, evalHttpExpect } from '../expect.ts'
import { buildHttpCheckRequest, toFetchRequest } from '../http-request.ts'
import type { HttpCheckExpect } from '../../routemap/schema.ts'
import { applyVarOp, type CheckVarContext, evalLogFormat } from '../check-vars.ts'
import type { HttpPhase, HttpProbeSpec, HttpRequestSpec } from '../probe-spec.ts'
import type { CheckResult, CheckStatus } from '../status.ts'
import { errorText, TIMED_OUT, withDeadline } from './deadline.ts'
import type { TcpRule } from './rules.ts'
import { runTcpRules } from './tcp-engine.ts'
import type { ProbeIo, ProbeTarget } from './types.ts'

/** Reads at most `max` bytes of a body before `deadline`; TIMED_OUT if it stalls. */
async function readCapped(body: ReadableStream<Uint8Array> | null, max: number, deadline: number, io: ProbeIo): Promise<Uint8Array | typeof TIMED_OUT> {
  if (!body) return new Uint8Array(0)
  const reader = body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  try {
    while (size < max) {
      const r = await withDeadline(reader.read(), deadline - io.now())
      if (r === TIMED_OUT) return TIMED_OUT
      if (r.done || !r.value) break
      parts.push(r.value)
      size += r.value.length
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  const out = new Uint8Array(Math.min(size, max))
  let at = 0
  for (const p of parts) {
    const take = p.subarray(0, out.length - at)
    out.set(take, at)
    at += take.length
    if (at >= out.length) break
  }
  return out
}

type Outcome = Omit<CheckResult, 'durationMs'>

/**
 * Runs the check's phases in order (tcpcheck.c `tcpcheck_main` over an HTTP rule list): each
 * phase one request on its own connection, its expects judged in order on the response. The
 * first failure ends the check. With every rule passed, the last expect's `ok-status` (L7OK)
 * and `on-success` message make the result; `disable-on-404` turns a last 404 from a server
 * that is not DOWN into L7OKC (NOLB), and skips the expects of a 404 response.
 */
export async function runHttpCheck(spec: HttpProbeSpec, target: ProbeTarget, io: ProbeIo): Promise<CheckResult> {
  const start = io.now()
  const done = (r: Outcome): CheckResult => ({ ...r, durationMs: Math.max(0, io.now() - start) })
  const phases: readonly HttpPhase[] = spec.phases ?? [{ connect: { ssl: 'server' }, request: spec, expects: [spec.expect] }]
  const t = target.timeouts
  let code: number | undefined
  let lastExpect: HttpCheckExpect | undefined
  let connectOnly = false
  const vars: CheckVarContext = { vars: new Map(), backend: target.backend, server: target.server }
  for (const phase of phases) {
    const address = phase.connect.addr ?? target.address
    const port = phase.connect.port ?? target.port
    if (!address || port === undefined) return done({ status: 'SOCKERR', info: 'no address or port to check' })
    const ssl = phase.connect.ssl === 'server' ? target.ssl : phase.connect.ssl
    if (!phase.request) {
      // A trailing `http-check connect` only tests the connection. Expects without a request
      // (a section whose own rules have no send: HAProxy then sends nothing) wait for a
      // response that does not come.
      const rules: TcpRule[] = [{ op: 'connect', step: 0, ssl, implicit: true }]
      if (phase.expects.length > 0)
        rules.push({
          op: 'expect',
          step: 1,
          what: '',
          evaluate: ({ buf, lastRead }) => (lastRead ? { kind: 'fail', status: 'L7RSP', info: buf.length === 0 ? 'TCPCHK got an empty response at step 1' : '' } : { kind: 'wait' }),
        })
      const r = await runTcpRules(rules, 'protocol', { ...target, address, port }, io)
      if (r.status !== 'L4OK' && r.status !== 'L6OK') return done({ status: r.status, ...(r.info ? { info: r.info } : {}) })
      connectOnly = true
      lastExpect = undefined
      continue
    }
    connectOnly = false
    runOps(phase, -1, vars)
    const abort = new AbortController()
    let req: Request
    try {
      req = toFetchRequest(buildHttpCheckRequest({ ...withLogFormats(phase.request, vars), sendState: spec.sendState }, target.serverState), { address, port, ssl }, abort.signal)
    } catch (e) {
      return done({ status: 'SOCKERR', info: errorText(e) })
    }
    // The clock starts once the request is built (local work), like HAProxy's connect.
    const phaseStart = io.now()
    const deadline = phaseStart + (t.readMs !== undefined ? t.connectMs + t.readMs : Math.max(0, start + t.totalMs - phaseStart))
    const r = await exchange(phase, req, abort, spec, target, deadline, io, vars)
    if ('result' in r) return done(r.result)
    code = r.code
    lastExpect = phase.expects[phase.expects.length - 1]
  }
  if (connectOnly) return done({ status: 'L4OK' })
  if (spec.disableOn404 && code === 404 && !target.serverDown) return done({ status: 'L7OKC', code })
  return done({ status: (lastExpect?.okStatus as CheckStatus | undefined) ?? 'L7OK', ...(code !== undefined ? { code } : {}), ...(lastExpect?.onSuccess ? { info: lastExpect.onSuccess } : {}) })
}

/**
 * A plain layer-4 `check` of a server only fetch() reaches (through a VPC network): one
 * `OPTIONS /` request, as `option httpchk` sends by default; any answer means the server accepted
 * the connection (L4OK, L6OK with `ssl`), a failed fetch is L4CON, no answer in time L4TOUT.
 */
export async function runConnectOverFetch(target: ProbeTarget, io: ProbeIo): Promise<CheckResult> {
  const start = io.now()
  const host = target.address.includes(':') ? `[${target.address}]` : target.address
  const port = target.port !== undefined ? `:${target.port}` : ''
  const abort = new AbortController()
  const done = (r: Omit<CheckResult, 'durationMs'>): CheckResult => ({ ...r, durationMs: Math.max(0, io.now() - start) })
  let res: Response | typeof TIMED_OUT
  try {
    const req = new Request(`${target.ssl ? 'https' : 'http'}://${host}${port}/`, { method: 'OPTIONS', signal: abort.signal })
    res = await withDeadline(io.fetch(req), target.timeouts.connectMs)
  } catch (e) {
    return done({ status: 'L4CON', info: errorText(e) })
  }
  if (res === TIMED_OUT) {
    abort.abort()
    return done({ status: 'L4TOUT' })
  }
  res.body?.cancel().catch(() => {})
  // As over connect(): an `ssl` server passes at layer 6 (the TLS handshake succeeded).
  return done({ status: target.ssl ? 'L6OK' : 'L4OK' })
}

/** One request and its expects: the response code, or the result that ends the check. */
async function exchange(
  phase: HttpPhase,
  req: Request,
  abort: AbortController,
  spec: HttpProbeSpec,
  target: ProbeTarget,
  deadline: number,
  io: ProbeIo,
  vars: CheckVarContext,
): Promise<{ readonly code: number } | { readonly result: Outcome }> {
  let res: Response | typeof TIMED_OUT
  try {
    res = await withDeadline(io.fetch(req), deadline - io.now())
  } catch (e) {
    return { result: { status: 'L4CON', info: errorText(e) } }
  }
  if (res === TIMED_OUT) {
    abort.abort()
    return { result: { status: 'L4TOUT' } }
  }
  const code = res.status
  const fail = (status: CheckStatus, info?: string): { result: Outcome } => ({ result: { status, code, ...(info ? { info } : {}) } })
  if (spec.disableOn404 && code === 404 && !target.serverDown) {
    res.body?.cancel().catch(() => {})
    return { code }
  }
  const needsBody = phase.expects.some((e) => e.kind === 'string' || e.kind === 'rstring')
  let body = ''
  if (needsBody) {
    let bytes: Uint8Array | typeof TIMED_OUT
    try {
      bytes = await readCapped(res.body, CHECK_BUFSIZE, deadline, io)
    } catch (e) {
      return fail('SOCKERR', errorText(e))
    }
    if (bytes === TIMED_OUT) {
      abort.abort()
      return fail('L7TOUT')
    }
    body = new TextDecoder().decode(bytes)
  } else res.body?.cancel().catch(() => {})
  const headers: [string, string][] = []
  res.headers.forEach((v, n) => {
    headers.push([n, v])
  })
  const view = { status: code, statusText: res.statusText, body, headers }
  vars.headers = headers
  for (const [i, e0] of phase.expects.entries()) {
    runOps(phase, i, vars)
    const e = resolveExpect(e0, vars)
    if (typeof e === 'string') return fail('L7RSP', e)
    const v = evalHttpExpect(e, view)
    if (v.status !== 'L7OK') return fail(v.status, v.info)
  }
  runOps(phase, phase.expects.length, vars)
  return { code }
}

/** Runs the phase's variable operations placed before expect `before` (-1: before the request). */
function runOps(phase: HttpPhase, before: number, vars: CheckVarContext): void {
  for (const o of phase.ops ?? []) if (o.before === before) applyVarOp(o.op, vars)
}

/** The request with its log-format parts evaluated (an empty URI is `/`, empty headers are dropped later). */
function withLogFormats(r: HttpRequestSpec, vars: CheckVarContext): HttpRequestSpec {
  const lf = r.lf
  if (!lf) return r
  return {
    ...r,
    ...(lf.uri ? { uri: evalLogFormat(lf.uri, vars) || '/' } : {}),
    ...(lf.body ? { body: evalLogFormat(lf.body, vars) } : {}),
    ...(lf.headers ? { headers: lf.headers.map(([n, f]) => [n, evalLogFormat(f, vars)] as const) } : {}),
  }
}

/** An expect with its `name-lf` / `value-lf` evaluated, or HAProxy's message when one is empty. */
function resolveExpect(e: HttpCheckExpect, vars: CheckVarContext): HttpCheckExpect | string {
  if (!e.nameLf && !e.valueLf) return e
  const name = e.nameLf ? evalLogFormat(e.nameLf, vars) : e.pattern
  const value = e.valueLf && e.value ? evalLogFormat(e.valueLf, vars) : e.value?.pattern
  if (name === '' || value === '') return 'log-format string evaluated to an empty string'
  return { ...e, pattern: name, ...(e.value && value !== undefined ? { value: { match: e.value.match, pattern: value } } : {}) }
}
