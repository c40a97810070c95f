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
  const one = (): Word | undefined => (arity(st, cx.sv, 1, 1, `<${sub === 'auth' ? 'user>:<passwd' : 'value'}>`) ? (st.args[0] as Word) : undefined)
  switch (sub) {
    case 'enable':
      arity(st, cx.sv, 0, 0, '(no arguments)')
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
        cx.sv.diag.error('invalid-argument', w.span, "'stats auth' expects <user>:<password>")
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
      s.hideVersion = true
      return
    case 'show-legends':
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
  let level = 'user'
  for (let i = 1; i < st.args.length; i++) {
    const w = st.args[i] as Word
    if (w.text === 'level') {
      const v = st.args[i + 1]
      if (!v || !['user', 'operator', 'admin'].includes(v.text)) {
        cx.sv.diag.error('invalid-argument', (v ?? w).span, "'stats socket' : 'level' only supports 'user', 'operator', and 'admin'")
        return
      }
      level = v.text
    }
    if (['level', 'mode', 'user', 'group', 'uid', 'gid', 'name', 'process', 'thread', 'severity-output'].includes(w.text)) i++
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
