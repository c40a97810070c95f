/** @module The bare Worker with `timeout server`'s timer around the origin's answer. */
import { bounded, type FloorEnv, originUrl } from './steps.ts'

export default {
  fetch(r: Request, env: FloorEnv): Promise<Response> {
    return bounded(fetch(originUrl(r, env), r))
  },
} satisfies ExportedHandler<FloorEnv>
