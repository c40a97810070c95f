/**
 * @module
 * Converters over live proxy state (backend.c): `nbsrv` takes a backend name and returns its
 * usable servers, `srv_queue` takes `<backend>/<server>` or `<server>` and returns the requests
 * queued for it in this isolate. They look the name up per request (it is dynamic: a map result,
 * a cookie). A bare server name is looked up in the request's backend (HAProxy: the proxy running
 * the rule, so in a frontend's response rules HAProxy fails where edgeproxy answers).
 */
import { int } from '../fetches/util.ts'
import { usableServers } from '../fetches/proxy-state.ts'
import type { ConverterDef } from '../types.ts'

export const PROXY_STATE_CONVERTERS: readonly ConverterDef[] = [
  {
    name: 'nbsrv',
    args: [],
    input: ['str'],
    output: 'int',
    doc: 'usable servers of the backend named by the input',
    build: (_args, env) => {
      const view = env.proxies
      return (input) => {
        if (!view || input.type !== 'str') return undefined
        const be = view.backend(input.value)
        return be ? int(usableServers(be)) : undefined
      }
    },
  },
  {
    name: 'srv_queue',
    args: [],
    input: ['str'],
    output: 'int',
    doc: "requests queued in this isolate for the server named by the input ('<backend>/<server>' or '<server>')",
    build: (_args, env) => {
      const view = env.proxies
      return (input, ctx) => {
        if (!view || input.type !== 'str') return undefined
        const v = input.value
        const slash = v.indexOf('/')
        const be = slash >= 0 ? view.backend(v.slice(0, slash)) : ctx.backend !== undefined ? view.backend(ctx.backend) : undefined
        const s = be?.server(slash >= 0 ? v.slice(slash + 1) : v)
        return s ? int(s.queued()) : undefined
      }
    },
  },
]
