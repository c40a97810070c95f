/**
 * @module
 * The runtime API over HTTP: `POST /.edgeproxy/api` with the commands as the body (one per line
 * or `;`-separated, as on HAProxy's stats socket) and `Authorization: Bearer <token>`, the
 * token being the Worker secret `EDGEPROXY_API_TOKEN`. No token → 401, a wrong one → 403, and
 * nothing runs. The comparison is constant-time (over SHA-256 digests, so lengths leak nothing).
 * Without the secret the path is not intercepted at all: no hidden endpoint.
 */
import { constantTimeEqual } from '../util/constant-time.ts'
import { sha256 } from '../util/hashes.ts'
import type { ApiLevel } from './types.ts'

export const API_PATH = '/.edgeproxy/api'
/** `edgeproxy dev`'s stats socket states the socket's `level` (it can only lower the token's). */
export const API_LEVEL_HEADER = 'x-edgeproxy-api-level'

const LEVELS: readonly ApiLevel[] = ['user', 'operator', 'admin']

const ENC = new TextEncoder()

/** Constant-time equality of two secrets (their SHA-256 digests compared: equal lengths). */
export function sameSecret(a: string, b: string): boolean {
  return constantTimeEqual(sha256(ENC.encode(a)), sha256(ENC.encode(b)))
}

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', ...extra } })
}

/**
 * Authenticates an API request and runs its commands with `run(commands, level)`.
 * `token` is the configured secret.
 */
export async function serveApi(req: Request, token: string, run: (commands: string, level: ApiLevel) => Promise<string>): Promise<Response> {
  const auth = req.headers.get('authorization')
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null
  if (!m) return text(401, 'edgeproxy: the runtime API needs "Authorization: Bearer <token>" (the EDGEPROXY_API_TOKEN secret)\n', { 'www-authenticate': 'Bearer realm="edgeproxy runtime API"' })
  if (!sameSecret((m[1] as string).trim(), token)) return text(403, 'edgeproxy: wrong runtime API token\n')
  if (req.method !== 'POST') return text(405, 'edgeproxy: send the commands as the body of a POST\n', { allow: 'POST' })
  const stated = req.headers.get(API_LEVEL_HEADER) as ApiLevel | null
  const level: ApiLevel = stated && LEVELS.includes(stated) ? stated : 'admin'
  const body = await req.text()
  return text(200, await run(body, level))
}
