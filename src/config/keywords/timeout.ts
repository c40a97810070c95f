/**
 * @module
 * `timeout <name> <time>` (doc 4.2, reference §12). Timeouts the Worker enforces: connect and
 * server (AbortSignal.timeout), tarpit, check (src/health) and queue (per isolate, with
 * `maxconn`: src/engine/conn-limit.ts); the client-side ones are Cloudflare's; the half-closed and
 * tunnel ones have no counterpart in a Worker.
 */
import type { Timeouts } from '../../routemap/schema.ts'
import type { Word } from '../lexer.ts'
import { arity, timeArg } from './args.ts'
import { pendingKeyword } from './pending.ts'
import { BE_SECTIONS, FE_SECTIONS, type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'

function timeoutKw(field: keyof Timeouts, clientSide = false) {
  return (st: Statement, cx: KeywordContext): void => {
    const p = cx.proxy
    if (!p || !arity(st, cx.sv, 1, 1, '<time>')) return
    const v = timeArg(st.args[0] as Word, cx.sv, `'timeout ${st.keyword[1]?.text ?? ''}'`)
    if (v === undefined) return
    p.timeouts[field] = v
    // Not repeated in defaults sections, where nearly every config sets them: the frontends say it.
    if (clientSide && cx.section !== 'defaults') {
      cx.sv.diag.warning(
        'edge-mapping',
        st.span,
        `'timeout ${st.keyword[1]?.text ?? ''}': client connections are held by Cloudflare's edge, which applies its own limits (100 s to receive a response on most plans); the value is kept for reference`,
      )
    }
  }
}

export const TIMEOUT_KEYWORDS: readonly KeywordDef[] = [
  { name: 'timeout connect', sections: BE_SECTIONS, support: 'yes', parse: timeoutKw('connect') },
  { name: 'timeout server', sections: BE_SECTIONS, support: 'yes', parse: timeoutKw('server') },
  pendingKeyword({ name: 'timeout queue', sections: BE_SECTIONS, parse: timeoutKw('queue') }, 'limits'),
  { name: 'timeout check', sections: BE_SECTIONS, support: 'yes', parse: timeoutKw('check') },
  {
    name: 'timeout tunnel',
    sections: BE_SECTIONS,
    support: 'ignored',
    note: 'WebSocket tunnels are held by Cloudflare and the Workers runtime, whose idle limits apply; the value is kept for be_tunnel_timeout',
    parse: timeoutKw('tunnel'),
  },
  { name: 'timeout tarpit', sections: PROXY_SECTIONS, support: 'yes', parse: timeoutKw('tarpit') },
  { name: 'timeout server-fin', sections: BE_SECTIONS, support: 'ignored', note: 'half-closed origin connections are managed by the Workers runtime' },
  { name: 'timeout client', sections: FE_SECTIONS, support: 'edge', parse: timeoutKw('client', true) },
  { name: 'timeout client-fin', sections: FE_SECTIONS, support: 'edge', parse: timeoutKw('clientFin', true) },
  { name: 'timeout http-request', sections: PROXY_SECTIONS, support: 'edge', parse: timeoutKw('httpRequest', true) },
  { name: 'timeout http-keep-alive', sections: PROXY_SECTIONS, support: 'edge', parse: timeoutKw('httpKeepAlive', true) },
]
