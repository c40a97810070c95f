/**
 * @module
 * `http-request reject`, `tcp-request … reject` and `tcp-response content reject` at run time.
 * HAProxy closes the connection without a response; a Worker cannot, so the edge answers like
 * `deny`: 403 (the proxy's 403 errorfile) for request rules, 502 for response rules
 * (docs/differences.md).
 */
import { errorResponse } from '../errors.ts'
import type { RuntimeActionDef } from './types.ts'

export const REJECT_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'reject',
    build: (a, env) => {
      const status = a.status as number
      // Counted and logged as a denied request (dreq, PR--).
      const why = `deny (${a.set as string} reject: status ${status} where HAProxy closes the connection)`
      return () => ({ kind: 'respond', response: errorResponse(status, env.errorfiles), cause: 'deny', why })
    },
  },
]
