/**
 * @module
 * allow, auth, use-service, set-status, disable-l7-retry at run time.
 */
import { httpReason } from '../errors.ts'
import type { RuntimeActionDef } from './types.ts'

export const MISC_RUNTIME: readonly RuntimeActionDef[] = [
  { name: 'allow', build: () => () => ({ kind: 'allow' }) },
  // http_act.c http_action_auth: without a realm, the name of the proxy whose rule runs.
  { name: 'auth', build: (a, env) => () => ({ kind: 'auth', realm: (a.realm as string) || env.proxyName }) },
  { name: 'use-service', build: (a) => () => ({ kind: 'service', service: a.service as string }) },
  {
    name: 'set-status',
    build: (a) => (ctx) => {
      if (ctx.response) {
        ctx.response.status = a.status as number
        ctx.response.reason = (a.reason as string | undefined) ?? httpReason(a.status as number)
      }
      return undefined
    },
  },
  { name: 'disable-l7-retry', build: () => () => undefined },
]
