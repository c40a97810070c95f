/**
 * @module
 * `stats` keywords (reference §8.1): the stats page to be served by the Worker at `stats uri`.
 * Any stats keyword implies `stats enable`. The page itself is not written yet (pending.ts): the
 * stats URI is intercepted and answered with a 503.
 */
import { parseCondition } from '../condition.ts'
import type { ProxyDraft } from '../draft.ts'
import type { Word } from '../lexer.ts'
import { arity, timeArg } from './args.ts'
import { bindParam } from './proxy.ts'
import { warnAdminAtEdge } from './stats-edge.ts'
import { FE_BE, type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'

function ensure(p: ProxyDraft): NonNullable<ProxyDraft['stats']> {
  p.stats ??= { enabled: true, auth: [], scope: [] }
  p.stats.enabled = true
  return p.stats
}

function parseStats(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const sub = st.keyword[1]?.text ?? ''
  const s = ensure(p)
  p.needsHttp.push({ keyword: `stats ${sub}`, span: st.span })
  // HAProxy 2.6 reads the words it needs and ignores the rest: accepted, with a warning.
  const ignoreAfter = (n: number): void => {
    const extra = st.args[n]
    if (extra) {
      cx.sv.diag.warning(
        'useless',
        extra.span,
        `'stats ${sub}' ignores '${st.args
          .slice(n)
          .map((w) => w.text)
          .join(' ')}' (HAProxy 2.6 ignores it too)`,
        { help: 'remove the extra words' },
      )
    }
  }
  const one = (): Word | undefined => {
    if (!arity(st, cx.sv, 1, Number.POSITIVE_INFINITY, `<${sub === 'auth' ? 'user>:<passwd' : 'value'}>`)) return undefined
    ignoreAfter(1)
    return st.args[0] as Word
  }
  switch (sub) {
    case 'enable':
      ignoreAfter(0)
      return
    case 'uri': {
      const w = one()
      if (w) s.uri = w.text
      return
    }
    case 'realm': {
      const w = one()
      if (w) s.realm = w.text
      return
    }
    case 'auth': {
      const w = one()
      if (!w) return
      if (!w.text.includes(':')) {
        // uri_auth.c stats_add_auth: no ':' is a user with an empty password.
        cx.sv.diag.warning('invalid-argument', w.span, `'stats auth ${w.text}' has no ':': user '${w.text}' gets an empty password (as in HAProxy 2.6)`, {
          help: "write 'stats auth <user>:<password>'",
        })
        s.auth.push(`${w.text}:`)
        return
      }
      s.auth.push(w.text)
      return
    }
    case 'refresh': {
      const w = one()
      if (!w) return
      const ms = timeArg(w, cx.sv, "'stats refresh'", 's')
      if (ms !== undefined) s.refreshMs = ms
      return
    }
    case 'hide-version':
      ignoreAfter(0)
      s.hideVersion = true
      return
    case 'show-legends':
      ignoreAfter(0)
      s.showLegends = true
      return
    case 'scope': {
      const w = one()
      if (w) s.scope.push(w.text)
      return
    }
    case 'admin': {
      if (cx.section === 'defaults') {
        cx.sv.diag.error('keyword-out-of-section', st.span, "'stats admin' is not allowed in 'defaults' sections")
        return
      }
      const first = st.args[0]?.text
      if (first !== 'if' && first !== 'unless') {
        // `stats admin iff X`, a bare `stats admin`: HAProxy refuses it (never dropped silently).
        cx.sv.diag.error('missing-argument', st.args[0]?.span ?? st.span, "'stats admin' requires either 'if' or 'unless' followed by a condition", { help: "write 'stats admin if <condition>'" })
        return
      }
      const cond = parseCondition(st.args, p, 'request', cx.sv, "'stats admin'")
      if (!cond) return
      s.admin = cond
      warnAdminAtEdge(cond, p, st.span, cx.sv)
      return
    }
    default:
      cx.sv.diag.error(
        'unknown-keyword',
        st.keyword[1]?.span ?? st.span,
        `'stats' expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends' (got '${sub}')`,
      )
  }
}

function statsSocket(st: Statement, cx: KeywordContext): void {
  const path = st.args[0]
  if (!path) {
    cx.sv.diag.error('missing-argument', st.span, "'stats socket' expects a path or an address")
    return
  }
  // A path (or `unix@`/`abns@`…) or an address with a port, as str2sa_range reads it.
  if (!/^(\/|[a-z0-9]+@)/.test(path.text) && !/:\d+$/.test(path.text)) {
    cx.sv.diag.error('invalid-address', path.span, `'stats socket' : missing port specification in '${path.text}'`, {
      help: "give a UNIX socket path ('/var/run/haproxy.sock') or an address with its port ('127.0.0.1:9999')",
    })
    return
  }
  let level = 'user'
  for (let i = 1; i < st.args.length; i++) {
    const w = st.args[i] as Word
    const kind = bindParam(w.text)
    if (kind === undefined) {
      // cli.c: the socket's words are bind parameters; HAProxy 2.6 refuses any other.
      cx.sv.diag.error('unknown-keyword', w.span, `'stats socket' : unknown keyword '${w.text}'.`, { help: "the words after the path are bind parameters: 'level', 'mode', 'user', 'expose-fd', …" })
      return
    }
    if (kind === 'value' && i + 1 >= st.args.length) {
      cx.sv.diag.error('missing-argument', w.span, `'stats socket' : '${w.text}' expects an argument`)
      return
    }
    if (w.text === 'mode' && !/^[0-7]+$/.test(st.args[i + 1]?.text ?? '')) {
      cx.sv.diag.error('invalid-argument', (st.args[i + 1] ?? w).span, `'stats socket' : ''mode' : missing or invalid mode '${st.args[i + 1]?.text ?? ''}' (octal integer expected)'`)
      return
    }
    if (w.text === 'level') {
      const v = st.args[i + 1]
      if (!v || !['user', 'operator', 'admin'].includes(v.text)) {
        cx.sv.diag.error('invalid-argument', (v ?? w).span, "'stats socket' : 'level' only supports 'user', 'operator', and 'admin'")
        return
      }
      level = v.text
    }
    if (kind === 'value') i++
  }
  cx.global.statsSockets.push({ path: path.text, level })
  cx.sv.diag.warning(
    'edge-mapping',
    path.span,
    `'stats socket ${path.text}': at the edge the runtime API is the Worker's authenticated HTTP endpoint ('edgeproxy api'); under 'edgeproxy dev' this socket path also accepts commands`,
  )
}

const SUBS = ['enable', 'uri', 'realm', 'auth', 'refresh', 'hide-version', 'show-legends', 'scope', 'admin']
const NOT_SHOWN = 'the node name and description are not shown on the stats page'

export const STATS_KEYWORDS: readonly KeywordDef[] = [
  ...SUBS.map((sub): KeywordDef => ({ name: `stats ${sub}`, sections: sub === 'admin' ? FE_BE : PROXY_SECTIONS, support: 'yes', parse: parseStats })),
  { name: 'stats show-node', sections: PROXY_SECTIONS, support: 'ignored', note: NOT_SHOWN },
  { name: 'stats show-desc', sections: PROXY_SECTIONS, support: 'ignored', note: NOT_SHOWN },
  { name: 'stats show-modules', sections: PROXY_SECTIONS, support: 'ignored', note: 'the stats page has no module columns' },
  { name: 'stats http-request', sections: FE_BE, support: 'no', note: "put 'http-request' rules before the stats URI" },
  { name: 'stats socket', sections: ['global'], support: 'edge', parse: statsSocket },
  { name: 'stats timeout', sections: ['global'], support: 'ignored', note: 'the runtime API is served over HTTP at the edge' },
  { name: 'stats maxconn', sections: ['global'], support: 'ignored', note: 'the runtime API is served over HTTP at the edge' },
  { name: 'stats bind-process', sections: ['global'], support: 'ignored', note: 'there are no processes to bind at the edge' },
]
