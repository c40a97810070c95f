/**
 * @module
 * Proxy keywords HAProxy 2.6 accepts that edgeproxy had no entry for: `errorloc`,
 * `errorloc302`, `errorloc303` (an error answered by a redirect, built as http_htx.c
 * http_parse_errorloc builds it), and settings with no meaning at the edge (TCP keepalive
 * tuning, `bind-process`, `log-tag`, `source`…), accepted with a warning.
 */
import type { Word } from '../lexer.ts'
import { arity } from './args.ts'
import { ERRORFILE_CODES } from './proxy.ts'
import { BE_SECTIONS, FE_SECTIONS, type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'

/** `errorloc[302|303] <code> <url>`: the error is answered with a redirect to `<url>`. */
function parseErrorloc(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  const kw = st.keyword[0]?.text ?? 'errorloc'
  if (!p) return
  if (st.args.length < 2) {
    cx.sv.diag.error('missing-argument', st.span, `${kw} : expects <status_code> and <url> as arguments.`)
    return
  }
  if (!arity(st, cx.sv, 2, 2, '<code> <url>')) return
  const code = st.args[0] as Word
  const url = st.args[1] as Word
  // atol(): leading digits.
  const status = String(Number(/^\s*[+-]?\d*/.exec(code.text)?.[0].trim() || 0))
  if (!ERRORFILE_CODES.has(status)) {
    cx.sv.diag.error('invalid-argument', code.span, `${kw} : status code '${status}' not handled.`, { help: `use one of ${[...ERRORFILE_CODES].join(', ')}` })
    return
  }
  const line = kw === 'errorloc303' ? 'HTTP/1.1 303 See Other' : 'HTTP/1.1 302 Found'
  p.errorfiles[status] = `${line}\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: ${url.text}\r\n\r\n`
}

const KEEPALIVE = 'TCP keepalive is managed by Cloudflare and the Workers runtime'

export const PROXY_EXTRA_KEYWORDS: readonly KeywordDef[] = [
  { name: 'errorloc', sections: PROXY_SECTIONS, support: 'yes', parse: parseErrorloc },
  { name: 'errorloc302', sections: PROXY_SECTIONS, support: 'yes', parse: parseErrorloc },
  { name: 'errorloc303', sections: PROXY_SECTIONS, support: 'yes', parse: parseErrorloc },
  {
    name: 'bind-process',
    sections: PROXY_SECTIONS,
    support: 'ignored',
    note: "there are no processes to bind at the edge (HAProxy 2.6: 'bind-process' has no effect, is deprecated, and will be removed in version 2.7)",
  },
  { name: 'clitcpka-cnt', sections: FE_SECTIONS, support: 'ignored', note: KEEPALIVE },
  { name: 'clitcpka-idle', sections: FE_SECTIONS, support: 'ignored', note: KEEPALIVE },
  { name: 'clitcpka-intvl', sections: FE_SECTIONS, support: 'ignored', note: KEEPALIVE },
  { name: 'srvtcpka-cnt', sections: BE_SECTIONS, support: 'ignored', note: KEEPALIVE },
  { name: 'srvtcpka-idle', sections: BE_SECTIONS, support: 'ignored', note: KEEPALIVE },
  { name: 'srvtcpka-intvl', sections: BE_SECTIONS, support: 'ignored', note: KEEPALIVE },
  { name: 'log-tag', sections: PROXY_SECTIONS, support: 'ignored', note: 'logs go to Workers Logs, which carry no syslog tag' },
  { name: 'log-format-sd', sections: FE_SECTIONS, support: 'ignored', note: 'logs go to Workers Logs, which carry no RFC 5424 structured data' },
  { name: 'max-session-srv-conns', sections: FE_SECTIONS, support: 'ignored', note: 'origin connections are pooled by the Workers runtime, not per client session' },
  { name: 'server-state-file-name', sections: BE_SECTIONS, support: 'ignored', note: 'server state lives in Durable Objects, not in a state file' },
  { name: 'use-fcgi-app', sections: ['backend', 'listen'], support: 'no', note: 'FastCGI applications cannot be reached from the edge: serve the application over HTTP (behind a Cloudflare Tunnel)' },
  { name: 'source', sections: BE_SECTIONS, support: 'ignored', note: "the Worker's fetch() to the origin leaves from Cloudflare's addresses: the source address cannot be chosen" },
]
