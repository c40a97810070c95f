/** @module The bare Worker returning a copy of the origin's Response with the seed's three response headers added. */
import { type FloorEnv, forwardedResponse, originUrl } from './steps.ts'

export default {
  async fetch(r: Request, env: FloorEnv): Promise<Response> {
    return forwardedResponse(await fetch(originUrl(r, env), r), true)
  },
} satisfies ExportedHandler<FloorEnv>
