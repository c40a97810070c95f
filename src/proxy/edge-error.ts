/**
 * @module
 * Cloudflare's own answer to a subrequest it refuses (error 1003 "Direct IP access not allowed"
 * and its 1000-1099 kin, reference/edge-production.md "Reaching origins"): recognised from the
 * head, confirmed on a body of at most 64 bytes, and turned into a connection failure; any other
 * response is handed on with the bytes read.
 */

/** Largest body of Cloudflare's own error answer (`error code: 1003` is 16 bytes). */
const EDGE_ERROR_MAX_BYTES = 64

/** The body of Cloudflare's answer to a subrequest it refuses: 1003 "Direct IP access not allowed" and its 1000-1099 kin. */
const EDGE_ERROR_BODY = /^error code: (10\d\d)$/

/** Cloudflare refused the subrequest itself (reference/edge-production.md "Reaching origins"): a connection failure. */
export class EdgeRefusal extends Error {
  override name = 'EdgeRefusal'
  readonly code: string
  constructor(code: string) {
    super(`Cloudflare refused the subrequest (error code: ${code})`)
    this.code = code
  }
}

/**
 * The head of Cloudflare's error answer: 403, `server: cloudflare`, a text/plain body of at most
 * 64 bytes (or of unknown length). Headers only: any other response passes untouched.
 */
export function mayBeEdgeError(res: Response): boolean {
  if (res.status !== 403) return false
  const h = res.headers
  const server = h.get('server')
  if (server === null || server.toLowerCase() !== 'cloudflare') return false
  if (!(h.get('content-type') ?? '').toLowerCase().startsWith('text/plain')) return false
  const length = h.get('content-length')
  return length === null || Number(length) <= EDGE_ERROR_MAX_BYTES
}

/**
 * Reads at most 65 bytes of a response `mayBeEdgeError` let through: Cloudflare's error page
 * throws an EdgeRefusal; anything else (an origin's own short 403 behind an orange-clouded
 * hostname) is returned as an equivalent response, the bytes read followed by the rest.
 */
export async function edgeErrorOr(res: Response): Promise<Response> {
  if (!res.body) return res
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let n = 0
  let done = false
  while (n <= EDGE_ERROR_MAX_BYTES) {
    const r = await reader.read()
    if (r.done) {
      done = true
      break
    }
    chunks.push(r.value)
    n += r.value.byteLength
  }
  const bytes = new Uint8Array(n)
  let at = 0
  for (const c of chunks) {
    bytes.set(c, at)
    at += c.byteLength
  }
  const init = { status: res.status, statusText: res.statusText, headers: res.headers }
  if (done) {
    const m = EDGE_ERROR_BODY.exec(new TextDecoder().decode(bytes))
    if (m) throw new EdgeRefusal(m[1] as string)
    return new Response(bytes, init)
  }
  const rest = new ReadableStream<Uint8Array>({
    start: (c) => c.enqueue(bytes),
    pull: async (c) => {
      const r = await reader.read()
      if (r.done) c.close()
      else c.enqueue(r.value)
    },
    cancel: (why) => reader.cancel(why),
  })
  return new Response(rest, init)
}
