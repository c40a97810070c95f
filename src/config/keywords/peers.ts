/**
 * @module
 * `peers` section keywords (cfgparse.c cfg_parse_peers). Tables declared with `table <name> ...`
 * are ordinary edgeproxy stick tables named `<peers>/<name>` (HAProxy's name for them), usable by
 * track-sc, `stick ... table`, the table converters and fetches, and the runtime API. The peers,
 * binds and servers themselves are accepted: tables are global at the edge, so nothing is
 * replicated (the section gets one warning saying so, see src/config/sections.ts).
 */
import type { Word } from '../lexer.ts'
import { parseTableSpec } from './stick.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

const P = ['peers'] as const

/** Per peers section: where its listener was declared and whether a `peer` line was seen. */
interface PeersLines {
  bindAt?: Statement['span']
  peer?: boolean
}
const LINES = new WeakMap<KeywordContext['global'], Map<string, PeersLines>>()

function linesOf(cx: KeywordContext): PeersLines | undefined {
  const peers = cx.global.currentPeers
  if (peers === undefined) return undefined
  const m = LINES.get(cx.global) ?? new Map<string, PeersLines>()
  LINES.set(cx.global, m)
  const l = m.get(peers) ?? {}
  m.set(peers, l)
  return l
}

function parseTable(st: Statement, cx: KeywordContext): void {
  const peers = cx.global.currentPeers
  const nameW = st.args[0]
  if (!peers) return
  if (!nameW) {
    cx.sv.diag.error('missing-argument', st.span, "'table' expects <name> and the stick-table arguments")
    return
  }
  const name = `${peers}/${nameW.text}`
  const clash = cx.global.peerTables.find((t) => t.name === name)
  if (clash) {
    cx.sv.diag.error('duplicate-name', nameW.span, `stick-table name '${name}' conflicts with table declared in peers '${peers}' at ${clash.origin.file}:${clash.origin.line}.`)
    return
  }
  const spec = parseTableSpec(st, st.args.slice(1), name, 'table', cx)
  if (spec) cx.global.peerTables.push(spec)
}

/** `peer <name> <addr>` and `server <name> [<addr>]`: checked for shape, nothing to replicate to. */
function parsePeer(st: Statement, cx: KeywordContext): void {
  const kw = (st.keyword[0] as Word).text
  if (!st.args[0]) {
    cx.sv.diag.error('missing-argument', st.span, `'${kw}' expects <name>${kw === 'peer' ? ' and <addr>' : ' [<addr>]'} as arguments`)
    return
  }
  if (kw === 'peer' && !st.args[1]) cx.sv.diag.error('missing-argument', st.span, `'peer ${st.args[0].text}' : missing address`)
  const l = linesOf(cx)
  if (kw !== 'peer' || !l) return
  if (l.bindAt) {
    cx.sv.diag.error('invalid-argument', st.span, 'mixing "peer" and "bind" line is forbidden')
    return
  }
  l.peer = true
}

function parseBind(st: Statement, cx: KeywordContext): void {
  const kw = (st.keyword[0] as Word).text
  if (kw !== 'bind') return
  if (!st.args[0]) {
    cx.sv.diag.error('missing-argument', st.span, "'bind' expects <addr> as argument")
    return
  }
  const l = linesOf(cx)
  if (!l) return
  if (l.peer) {
    cx.sv.diag.error('invalid-argument', st.span, 'mixing "peer" and "bind" line is forbidden')
    return
  }
  if (l.bindAt) cx.sv.diag.error('duplicate-name', st.span, `One listener per "peers" section is authorized but another is already configured at [${l.bindAt.file}:${l.bindAt.line}].`)
  else l.bindAt = st.span
}

const accepted = (name: string, parse?: KeywordDef['parse']): KeywordDef => ({ name, sections: P, support: 'yes', ...(parse ? { parse } : {}) })

export const PEERS_KEYWORDS: readonly KeywordDef[] = [
  accepted('table', parseTable),
  accepted('peer', parsePeer),
  accepted('server', parsePeer),
  accepted('bind', parseBind),
  accepted('default-bind'),
  accepted('default-server'),
  accepted('log'),
  accepted('disabled'),
  accepted('enabled'),
]
