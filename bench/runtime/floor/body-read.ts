/** @module The bare Worker, but the origin Response's `body` is read (and the Response returned as is). */
import { type FloorEnv, originUrl } from './steps.ts'

export default {
  async fetch(r: Request, env: FloorEnv): Promise<Response> {
    const o = await fetch(originUrl(r, env), r)
    return o.body === null ? o : o
  },
} satisfies ExportedHandler<FloorEnv>
