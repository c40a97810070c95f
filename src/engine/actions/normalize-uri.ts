/**
 * @module
 * `http-request normalize-uri` at run time: rewrites the request target that later rules and the
 * origin see. An invalid percent-encoding under `strict` ends the request with 400 Bad Request
 * (the proxy's 400 errorfile), as HAProxy's ACT_RET_INV does.
 */
import { errorResponse } from '../errors.ts'
import { type NormalizerName, normalizeTarget } from '../uri-normalize.ts'
import type { RuntimeActionDef } from './types.ts'

export const NORMALIZE_URI_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'normalize-uri',
    build: (a, env) => {
      const normalizer = a.normalizer as NormalizerName
      const option = a.option === true
      return (ctx) => {
        const t = normalizeTarget(ctx.target, normalizer, option)
        if (t === undefined) {
          return { kind: 'respond', response: errorResponse(400, env.errorfiles), cause: 'bad-request', why: `normalize-uri ${normalizer} strict: invalid percent-encoding`, httpErr: true }
        }
        ctx.target = t
        return undefined
      }
    },
  },
]
