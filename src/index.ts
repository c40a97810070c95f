/**
 * @module
 * The edgeproxy Worker: executes a compiled RouteMap. The RouteMap comes from the
 * `EDGEPROXY_ROUTEMAP` binding (`edgeproxy dev`), else the one bundled from examples/.
 */
import embedded from './routemap/embedded.json'
import { createEngine, type Engine } from './engine/index.ts'
import { handle } from './proxy/handler.ts'
import { ROUTEMAP_SCHEMA, type RouteMap } from './routemap/schema.ts'

export interface Env {
  /** RouteMap JSON text (set by `edgeproxy dev`). */
  readonly EDGEPROXY_ROUTEMAP?: string
  /** Set by `edgeproxy dev`: requests arrive through its bind listeners. */
  readonly EDGEPROXY_DEV?: string
}

let cached: { key: string; engine: Engine } | undefined

/** The engine for the current RouteMap, built once per isolate and per RouteMap text. */
function engineFor(env: Env): Engine {
  const text = env.EDGEPROXY_ROUTEMAP
  const key = text ?? 'embedded'
  if (cached?.key === key) return cached.engine
  const parsed = (text ? JSON.parse(text) : embedded) as RouteMap
  if (parsed.schema !== ROUTEMAP_SCHEMA) throw new Error(`unsupported RouteMap schema '${String(parsed.schema)}'`)
  const engine = createEngine(parsed)
  cached = { key, engine }
  return engine
}

export default {
  async fetch(request, env): Promise<Response> {
    // Under `edgeproxy dev` the client address comes from workerd (cf.clientIp); at the edge, CF-Connecting-IP.
    const ip = (request as Request & { cf?: { clientIp?: string } }).cf?.clientIp
    const req = ip && !request.headers.has('cf-connecting-ip') ? withClientIp(request, ip) : request
    return handle(req, { engine: engineFor(env), upstream: (r) => fetch(r), now: () => Date.now(), dev: env.EDGEPROXY_DEV === '1' })
  },
} satisfies ExportedHandler<Env>

function withClientIp(request: Request, ip: string): Request {
  const headers = new Headers(request.headers)
  headers.set('cf-connecting-ip', ip.replace(/^\[|\]:\d+$|:\d+$/g, '').replace(/^\[/, ''))
  return new Request(request, { headers })
}
