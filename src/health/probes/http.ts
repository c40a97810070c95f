/**
 * @module
 * The HTTP check over fetch(): the request of http-request.ts, bounded like HAProxy bounds a
 * check (`timeout connect`/`timeout check` or inter, reference §3.3), judged by the
 * `http-check expect` rule or the implicit 2xx/3xx one. `disable-on-404` turns a 404 from a
 * server that is not DOWN into L7OKC (NOLB). fetch() cannot say whether the connection was
 * established, so no response headers in time is L4TOUT and a refused or failed request is
 * L4CON; a body that stops coming is L7TOUT.
 */
import { CHECK_BUFSIZE, evalHttpExpect } from '../expect.ts'
import { buildHttpCheckRequest, toFetchRequest } from '../http-request.ts'
import type { HttpProbeSpec } from '../probe-spec.ts'
import type { CheckResult } from '../status.ts'
import { errorText, TIMED_OUT, withDeadline } from './deadline.ts'
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

export async function runHttpCheck(spec: HttpProbeSpec, target: ProbeTarget, io: ProbeIo): Promise<CheckResult> {
  const start = io.now()
  const done = (r: Omit<CheckResult, 'durationMs'>): CheckResult => ({ ...r, durationMs: Math.max(0, io.now() - start) })
  if (!target.address || target.port === undefined) return done({ status: 'SOCKERR', info: 'no address or port to check' })
  const t = target.timeouts
  const deadline = start + (t.readMs !== undefined ? t.connectMs + t.readMs : t.totalMs)
  const abort = new AbortController()
  let res: Response | typeof TIMED_OUT
  try {
    const req = toFetchRequest(buildHttpCheckRequest(spec, target.serverState), { address: target.address, port: target.port, ssl: target.ssl }, abort.signal)
    res = await withDeadline(io.fetch(req), deadline - io.now())
  } catch (e) {
    return done({ status: 'L4CON', info: errorText(e) })
  }
  if (res === TIMED_OUT) {
    abort.abort()
    return done({ status: 'L4TOUT' })
  }
  const code = res.status
  if (spec.disableOn404 && code === 404 && !target.serverDown) {
    res.body?.cancel().catch(() => {})
    return done({ status: 'L7OKC', code })
  }
  const needsBody = spec.expect.kind === 'string' || spec.expect.kind === 'rstring'
  let body = ''
  if (needsBody) {
    let bytes: Uint8Array | typeof TIMED_OUT
    try {
      bytes = await readCapped(res.body, CHECK_BUFSIZE, deadline, io)
    } catch (e) {
      return done({ status: 'SOCKERR', code, info: errorText(e) })
    }
    if (bytes === TIMED_OUT) {
      abort.abort()
      return done({ status: 'L7TOUT', code })
    }
    body = new TextDecoder().decode(bytes)
  } else res.body?.cancel().catch(() => {})
  const headers: [string, string][] = []
  res.headers.forEach((v, n) => {
    headers.push([n, v])
  })
  const v = evalHttpExpect(spec.expect, { status: code, statusText: res.statusText, body, headers })
  return done({ status: v.status, code, ...(v.info ? { info: v.info } : {}) })
}
