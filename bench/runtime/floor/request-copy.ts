/** @module The bare Worker sending a copy of the client's request with the seed's two request headers added. */
import { type FloorEnv, originRequest } from './steps.ts'

export default {
  fetch(r: Request, env: FloorEnv): Promise<Response> {
    return fetch(originRequest(r, env))
  },
} satisfies ExportedHandler<FloorEnv>
