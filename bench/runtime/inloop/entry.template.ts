/**
 * @module
 * The Worker of bench/runtime/inloop.ts, written next to each measured source tree's `src/` (its
 * `../../../src/` imports become `./src/`): `GET /?mode=handle&n=N` runs edgeproxy's request
 * handler N times on the incoming request, in front of an origin stub that answers like the
 * benchmark's nginx; `mode=stub` only calls the stub N times (the part to subtract).
 */
import { createEngine, type Engine } from '../../../src/engine/index.ts'
import { ALL_UP } from '../../../src/engine/server-select.ts'
import { Accounting } from '../../../src/ops/accounting.ts'
import { handle } from '../../../src/proxy/handler.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'

interface LoopEnv {
  readonly EDGEPROXY_ROUTEMAP: string
}

const BODY = `${'x'.repeat(63)}\n`
const ORIGIN_HEADERS: [string, string][] = [
  ['server', 'nginx/1.22.1'],
  ['date', 'Mon, 07 Dec 2026 14:00:00 GMT'],
  ['content-type', 'text/html'],
  ['content-length', '64'],
  ['last-modified', 'Mon, 07 Dec 2026 13:00:00 GMT'],
  ['connection', 'keep-alive'],
  ['etag', '"6936f4f0-40"'],
  ['accept-ranges', 'bytes'],
]
const stub = async (_r: Request): Promise<Response> => new Response(BODY, { headers: ORIGIN_HEADERS })

let engine: Engine | undefined
let accounting: Accounting | undefined

export default {
  async fetch(request: Request, env: LoopEnv): Promise<Response> {
    const u = new URL(request.url)
    const n = Number(u.searchParams.get('n') ?? '1')
    if (!engine || !accounting) {
      accounting = new Accounting()
      engine = createEngine(JSON.parse(env.EDGEPROXY_ROUTEMAP) as RouteMap, { states: ALL_UP, balancers: new Map(), load: accounting })
    }
    const deps = { engine, upstream: stub, now: () => Date.now(), accounting, clientIp: '127.0.0.1' }
    const req = new Request(`http://${u.host}/`, request)
    let status = 0
    for (let i = 0; i < n; i++) {
      const res = u.searchParams.get('mode') === 'stub' ? await stub(req) : await handle(req, deps)
      status = res.status
      await res.arrayBuffer()
    }
    return new Response(`${status}\n`)
  },
}
