/**
 * @module
 * One simulated isolate runs the Worker's own isolate code: `createIsolate` (src/worker/isolate.ts:
 * the live RouteMap, the counters, the runtime client of its location's relay, the health cache,
 * the Durable Object stick store) and `serveRequest` (src/worker/fetch.ts: the request path the
 * Worker's fetch handler runs), for many isolates in one process, each with the bindings as seen
 * from its location. The cron's work mirrors `onScheduled` for a given isolate.
 */
import { configureHealthMonitors } from '../../durable-objects/health-monitor.ts'
import { hubStub } from '../../durable-objects/runtime-state.ts'
import { engineFor } from '../../src/worker/engine-cache.ts'
import type { Env } from '../../src/worker/env.ts'
import { serveRequest } from '../../src/worker/fetch.ts'
import { createIsolate, type Isolate } from '../../src/worker/isolate.ts'

export function createSimIsolate(env: Env, o: { location: string; id: string }): Isolate {
  return createIsolate(env, { location: o.location, id: o.id, log: () => {} })
}

export function serveSim(iso: Isolate, request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  return serveRequest(iso, request, env, ctx)
}

/** The cron's work (src/worker/fetch.ts onScheduled) from one isolate. */
export async function cronSim(iso: Isolate, env: Env, ctx: ExecutionContext): Promise<void> {
  if (env.RUNTIME) await hubStub(env.RUNTIME).state(true)
  if (iso.runtime) await iso.runtime.sync()
  else await iso.live.poll()
  const built = await engineFor(env, iso, ctx)
  if (env.HEALTH && built.plans.length > 0) ctx.waitUntil(configureHealthMonitors(env.HEALTH, built.plans))
}

/** What the measurements read of an isolate's state (the engine it runs, what it knows). */
export const probe = {
  /** The live version its engine was last built from. */
  version: (iso: Isolate): string | undefined => iso.version,
  /** Its admin override of `backend/server`. */
  admin: (iso: Isolate, key: string) => iso.runtime?.view.admin[key],
  /** False once its health view has `backend/server` not usable. */
  usable: (iso: Isolate, backend: string, server: string): boolean => iso.health?.get(backend)?.servers[server]?.usable !== false,
  /** Forces a final counters flush, through the relay to the hub (the end of the run). */
  flush: (iso: Isolate): Promise<void> => iso.runtime?.sync(true) ?? Promise.resolve(),
}
