/**
 * @module
 * `resolvers` section keywords (resolvers.c cfg_parse_resolvers): checked as HAProxy checks them,
 * then unused: Cloudflare resolves origins (the section gets one warning saying so, see
 * src/config/sections.ts). The `userlist` and `peers` keywords are in userlist.ts and peers.ts.
 */
import type { Word } from '../lexer.ts'
import { parseTime } from '../../util/time.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

const R = ['resolvers'] as const

const HOLD_EVENTS = new Set(['nx', 'other', 'refused', 'timeout', 'valid', 'obsolete'])

function time(w: Word | undefined, cx: KeywordContext, what: string): boolean {
  if (!w) return false
  const r = parseTime(w.text)
  if (!r.ok) cx.sv.diag.error('invalid-argument', w.span, `'${what}': ${r.error}`)
  return r.ok
}

function parseNameserver(st: Statement, cx: KeywordContext): void {
  if (!st.args[0] || !st.args[1]) cx.sv.diag.error('missing-argument', st.span, "'nameserver' expects <name> and <addr>[:<port>] as arguments.")
}

function parseHold(st: Statement, cx: KeywordContext): void {
  const [ev, t] = st.args
  if (!ev || !t) {
    cx.sv.diag.error('missing-argument', st.span, "'hold' expects an <event> and a <time> as arguments.")
    return
  }
  if (!HOLD_EVENTS.has(ev.text)) {
    cx.sv.diag.error('invalid-argument', ev.span, `'hold' unknown <event>: '${ev.text}', expects either 'nx', 'timeout', 'valid', 'obsolete' or 'other'.`)
    return
  }
  time(t, cx, 'hold')
}

function parsePayloadSize(st: Statement, cx: KeywordContext): void {
  const w = st.args[0]
  if (!w) {
    cx.sv.diag.error('missing-argument', st.span, "'accepted_payload_size' expects <nb> as argument.")
    return
  }
  const n = Number.parseInt(w.text, 10)
  if (!(n >= 12 && n <= 65535)) cx.sv.diag.error('out-of-range', w.span, `'accepted_payload_size' must be between 12 and 65535 inclusive (was ${w.text}).`)
}

function parseRetries(st: Statement, cx: KeywordContext): void {
  if (!st.args[0]) cx.sv.diag.error('missing-argument', st.span, "'resolve_retries' expects <nb> as argument.")
}

function parseTimeout(st: Statement, cx: KeywordContext): void {
  const [kind, t] = st.args
  if (!kind || (kind.text !== 'retry' && kind.text !== 'resolve')) {
    cx.sv.diag.error('invalid-argument', kind?.span ?? st.span, `'timeout' expects 'retry' or 'resolve' and <time> as arguments${kind ? ` got '${kind.text}'` : ''}.`)
    return
  }
  if (!t) {
    cx.sv.diag.error('missing-argument', st.span, `'timeout ${kind.text}' expects <time> as argument.`)
    return
  }
  time(t, cx, `timeout ${kind.text}`)
}

export const SECTION_KEYWORDS: readonly KeywordDef[] = [
  { name: 'nameserver', sections: R, support: 'yes', parse: parseNameserver },
  { name: 'parse-resolv-conf', sections: R, support: 'yes' },
  { name: 'hold', sections: R, support: 'yes', parse: parseHold },
  { name: 'resolve_retries', sections: R, support: 'yes', parse: parseRetries },
  { name: 'timeout', sections: R, support: 'yes', parse: parseTimeout },
  { name: 'accepted_payload_size', sections: R, support: 'yes', parse: parsePayloadSize },
]
