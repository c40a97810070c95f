/** @module The bare Worker returning a copy of the origin's Response (same body stream, no header change). */
import { type FloorEnv, forwardedResponse, originUrl } from './steps.ts'

export default {
  async fetch(r: Request, env: FloorEnv): Promise<Response> {
    return forwardedResponse(await fetch(originUrl(r, env), r), false)
  },
} satisfies ExportedHandler<FloorEnv>
