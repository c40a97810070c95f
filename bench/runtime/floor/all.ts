/**
 * @module
 * Every runtime step edgeproxy takes on the seed config, and nothing else: the client's header lines
 * read, the origin request copied with two headers added, the timer, the origin's header lines
 * read, its Response copied with three headers added. No rules, no engine, no accounting.
 */
import { bounded, type FloorEnv, forwardedResponse, lines, originRequest } from './steps.ts'

export default {
  async fetch(r: Request, env: FloorEnv): Promise<Response> {
    lines(r.headers)
    const o = await bounded(fetch(originRequest(r, env)))
    lines(o.headers)
    return forwardedResponse(o, true)
  },
} satisfies ExportedHandler<FloorEnv>
