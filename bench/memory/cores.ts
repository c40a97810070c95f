/**
 * @module
 * The stick-table state of one Worker isolate and its StickTable objects, in one Node process,
 * for measuring their memory: the isolate is the Worker's own (`createIsolate` + `serveRequest`,
 * src/worker), the STICK namespace holds the objects' real core (StickObject, as
 * durable-objects/stick-table.ts wraps it, over the in-memory ShardStorage), and every call is
 * structured-cloned both ways as RPC does (plane.ts). Used by bench/memory.ts.
 */
import { compileConfig } from '../../src/config/compile.ts'
import type { Env } from '../../src/worker/env.ts'
import { serveRequest } from '../../src/worker/fetch.ts'
import { createIsolate, type Isolate } from '../../src/worker/isolate.ts'
import { StickPlane } from './plane.ts'
export { heapOf, heapUsed, ipKey } from './plane.ts'

/** A compiled config's isolate and objects. */
export interface Rig {
  readonly env: Env
  readonly plane: StickPlane
  isolate: Isolate | undefined
  /** Serves one request from `ip` with `headers` through the Worker's request path. */
  request(ip: string, headers?: Record<string, string>): Promise<number>
  /** Sends the isolate's queued writes and runs the objects' due work. */
  settle(): Promise<void>
}

const ctx = (): ExecutionContext => ({ waitUntil: (p: Promise<unknown>) => void p.catch(() => {}), passThroughOnException: () => {}, props: {} }) as unknown as ExecutionContext

export function rig(config: string): Rig {
  const r = compileConfig([{ name: 'memory.cfg', text: config }])
  if (!r.routeMap) throw new Error(`the config does not compile: ${JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error'))}`)
  const plane = new StickPlane()
  const env = { EDGEPROXY_ROUTEMAP: JSON.stringify(r.routeMap), STICK: plane } as unknown as Env
  const self: Rig = {
    env,
    plane,
    isolate: createIsolate(env, { location: 'local', id: 'isolate-1', log: () => {} }),
    async request(ip, headers = {}) {
      const iso = self.isolate
      if (!iso) throw new Error('the isolate was dropped')
      const res = await serveRequest(iso, new Request('https://www.example.com/', { headers: { 'cf-connecting-ip': ip, ...headers } }), env, ctx())
      await res.arrayBuffer()
      return res.status
    },
    async settle() {
      await self.isolate?.stick?.current()?.flush()
      await self.isolate?.stick?.current()?.settled()
      await plane.settle()
    },
  }
  return self
}
