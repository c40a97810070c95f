/**
 * @module
 * Bench-only Worker: the real edgeproxy Worker (src/index.ts) with its bindings wrapped in
 * counting Proxies. Every call on a Durable Object stub (HEALTH, STICK, RUNTIME) and on the
 * ROUTEMAPS KV namespace is counted as `BINDING.method`; requests are counted too.
 * - `GET /__bench/counters`: `{ requests, sinceMs, calls: { 'STICK.track': n, … } }`
 * - `POST /__bench/reset`: zeroes the counts.
 * The Durable Object classes are the real ones, re-exported unchanged.
 */
import edgeproxy, { type Env } from '../../src/index.ts'

export { HealthMonitor, RuntimeState, StickTable } from '../../src/index.ts'

let calls: Record<string, number> = {}
let requests = 0
/** Set at the first request or reset (time does not advance at module scope in Workers). */
let since = 0

function bump(key: string): void {
  calls[key] = (calls[key] ?? 0) + 1
}

/** Wraps an object so that each method call counts as `binding.method`. */
function counted<T extends object>(binding: string, target: T): T {
  return new Proxy(target, {
    get(t, p) {
      const v: unknown = Reflect.get(t, p)
      if (typeof p !== 'string' || p === 'then' || typeof v !== 'function') return v
      return (...args: unknown[]) => {
        bump(`${binding}.${p}`)
        return Reflect.apply(v as (...a: unknown[]) => unknown, t, args)
      }
    },
  })
}

/** A Durable Object namespace whose stubs count their calls (getting a stub is not a call). */
function countedNamespace<T extends object>(binding: string, ns: T): T {
  return new Proxy(ns, {
    get(t, p) {
      const v: unknown = Reflect.get(t, p)
      if (typeof v !== 'function') return v
      const f = v as (...a: unknown[]) => unknown
      if (p === 'get' || p === 'getByName') return (...args: unknown[]) => counted(binding, Reflect.apply(f, t, args) as object)
      return (...args: unknown[]) => Reflect.apply(f, t, args)
    },
  })
}

const wrapped = new WeakMap<object, Env>()

function wrapEnv(env: Env): Env {
  const hit = wrapped.get(env)
  if (hit) return hit
  const w: Env = {
    ...env,
    ...(env.HEALTH ? { HEALTH: countedNamespace('HEALTH', env.HEALTH) } : {}),
    ...(env.STICK ? { STICK: countedNamespace('STICK', env.STICK) } : {}),
    ...(env.RUNTIME ? { RUNTIME: countedNamespace('RUNTIME', env.RUNTIME) } : {}),
    ...(env.ROUTEMAPS ? { ROUTEMAPS: counted('ROUTEMAPS', env.ROUTEMAPS) } : {}),
  }
  wrapped.set(env, w)
  return w
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const path = new URL(request.url).pathname
    if (since === 0) since = Date.now()
    if (path === '/__bench/counters') return Response.json({ requests, sinceMs: Date.now() - since, calls })
    if (path === '/__bench/reset') {
      calls = {}
      requests = 0
      since = Date.now()
      return Response.json({ ok: true })
    }
    requests++
    return edgeproxy.fetch(request, wrapEnv(env), ctx)
  },
  scheduled(controller, env, ctx): Promise<void> {
    return edgeproxy.scheduled(controller, wrapEnv(env), ctx)
  },
} satisfies ExportedHandler<Env>
