/**
 * @module
 * Body delivery: the forwarded Response built from the origin's (a native copy with the response
 * rules' header changes), and the stream that tells the transaction when the body has been sent,
 * cancelled by the client or broken by the origin.
 */
import type { ResponseHead } from '../engine/respond.ts'
import type { BodyEndHow } from '../engine/txn-record.ts'
import { applyHeaderChanges, sameHeaderLines } from './header-changes.ts'

/**
 * Largest origin body (by its Content-Length) treated as sent with its head: HAProxy's default
 * buffer size (tune.bufsize 16384), which HAProxy itself reads and writes in one go.
 */
export const SMALL_BODY_MAX = 16384

/**
 * The forwarded response: the origin's own when the response rules changed nothing and its body is
 * sent as is (any copy costs the runtime more than the rest of the request), else a copy of it
 * (the runtime copies its head in one call, far cheaper than building Headers line by line) with
 * the rules' changes applied: `before` are the origin's header lines, `head` the status after the
 * rules and `after` the lines after them.
 */
export function forwardedResponse(
  body: BodyInit | null,
  origin: Response,
  head: ResponseHead,
  before: readonly (readonly [string, string])[],
  after: readonly (readonly [string, string])[],
): Response {
  const sameStatus = head.status === origin.status && head.reason === undefined
  if (sameStatus && body === origin.body && sameHeaderLines(before, after)) return origin
  const res = sameStatus ? new Response(body, origin) : new Response(body, { status: head.status, statusText: head.reason ?? origin.statusText, headers: origin.headers })
  applyHeaderChanges(res.headers, before, after)
  return res
}

/** A body stream that fails at once with `e`. */
export function failing(e: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (c) => c.error(e) })
}

/** The Content-Length of a response, when it has a valid one. */
export function lengthOf(res: Response): number | undefined {
  const v = res.headers.get('content-length')
  if (v === null) return undefined
  const n = Number(v)
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/** workerd's FixedLengthStream (a TransformStream whose readable has a known length); absent in Node. */
const FixedLength = (globalThis as { FixedLengthStream?: new (n: number) => TransformStream<Uint8Array, Uint8Array> }).FixedLengthStream

/**
 * `body`, calling `onEnd` once with the bytes sent when it has been sent, or when the client
 * abandons it (a TransformStream's flush would not run on cancel, leaking a maxconn slot and
 * conn_cur), or when the origin breaks it. `length`: the origin's Content-Length, kept.
 */
export function watchEnd(body: ReadableStream<Uint8Array> | null, onEnd: (bytes: number, how: BodyEndHow) => void, length?: number): ReadableStream<Uint8Array> | null {
  let bytes = 0
  let ended = false
  const finish = (how: BodyEndHow = 'end'): void => {
    if (ended) return
    ended = true
    onEnd(bytes, how)
  }
  if (!body) {
    finish()
    return null
  }
  const reader = body.getReader()
  if (length !== undefined && FixedLength) {
    // A JS stream has no length: the runtime would send it chunked. A FixedLengthStream keeps the
    // origin's Content-Length; the pump sees the client going away as a failed write.
    const { readable, writable } = new FixedLength(length)
    const writer = writable.getWriter()
    void (async () => {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>
        try {
          r = await reader.read()
        } catch (e) {
          finish('error')
          await writer.abort(e).catch(() => {})
          return
        }
        if (r.done) {
          finish()
          await writer.close().catch(() => {})
          return
        }
        try {
          await writer.write(r.value)
        } catch (e) {
          finish('cancel')
          await reader.cancel(e).catch(() => {})
          return
        }
        bytes += r.value.byteLength
      }
    })()
    return readable
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await reader.read()
        if (r.done) {
          finish()
          controller.close()
          return
        }
        bytes += r.value.byteLength
        controller.enqueue(r.value)
      } catch (e) {
        finish('error')
        controller.error(e)
      }
    },
    cancel(reason) {
      finish('cancel')
      return reader.cancel(reason)
    },
  })
}
