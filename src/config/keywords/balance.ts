/**
 * @module
 * `balance` and `hash-type` (backend.c backend_parse_balance, reference §2). The algorithm and the
 * hash input are parsed here; the lookup structures are built in src/balance.
 */
import type { BalanceSpec, HashSpec } from '../../balance/types.ts'
import type { Word } from '../lexer.ts'
import { arity } from './args.ts'
import { BE_SECTIONS, type KeywordContext, type KeywordDef, type Statement } from './types.ts'

const ALGOS = "'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)', 'rdp-cookie(name)', 'first', 'random' and 'hash'"

function parseBalance(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const args = st.args
  const first = args[0]
  const fail = (w: Word, msg: string): void => cx.sv.diag.error('invalid-argument', w.span, msg)
  let spec: BalanceSpec | undefined
  if (!first) spec = { algo: 'random', draws: 2 }
  else {
    const t = first.text
    const rest = args.slice(1)
    // HAProxy 2.6 ignores words after an algorithm that takes none: accepted, with a warning.
    const noArgs = (): boolean => {
      if (rest.length > 0) {
        cx.sv.diag.warning('useless', (rest[0] as Word).span, `'balance ${t}' takes no argument: '${rest.map((w) => w.text).join(' ')}' is ignored (HAProxy 2.6 ignores it too)`, {
          help: 'remove the extra words',
        })
      }
      return true
    }
    if (t === 'roundrobin' || t === 'static-rr' || t === 'leastconn' || t === 'first' || t === 'source') {
      if (noArgs()) spec = { algo: t }
    } else if (t === 'random' || /^random\(/.test(t)) {
      const m = /^random(?:\((\d*)\))?$/.exec(t)
      const draws = m?.[1] ? Number(m[1]) : 2
      if (!m || draws < 1) fail(first, 'random : number of draws must be at least 1.')
      else if (noArgs()) spec = { algo: 'random', draws }
    } else if (t === 'uri') {
      let len = 0
      let depth = 0
      let whole = false
      let pathOnly = false
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i] as Word
        if (w.text === 'whole') whole = true
        else if (w.text === 'path-only') pathOnly = true
        else if (w.text === 'len' || w.text === 'depth') {
          const v = rest[i + 1]
          if (!v || !/^\d+$/.test(v.text) || Number(v.text) <= 0) {
            fail(v ?? w, `uri : '${w.text}' expects a positive integer (got '${v?.text ?? ''}').`)
            return
          }
          if (w.text === 'len') len = Number(v.text)
          else depth = Number(v.text)
          i++
        } else {
          fail(w, `uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '${w.text}').`)
          return
        }
      }
      spec = { algo: 'uri', len, depth, whole, pathOnly }
    } else if (t === 'url_param') {
      const name = rest[0]
      if (!name) {
        fail(first, "'balance url_param' requires an URL parameter name.")
        return
      }
      let checkPost = false
      for (const w of rest.slice(1)) {
        if (w.text === 'check_post') checkPost = true
        else {
          fail(w, `'balance url_param' only accepts 'check_post' after the parameter name (got '${w.text}').`)
          return
        }
      }
      if (checkPost) cx.sv.diag.warning('edge-mapping', st.span, "'check_post' is not supported yet: only the query string is hashed")
      spec = { algo: 'url_param', param: name.text, checkPost }
    } else if (/^hdr\(/.test(t)) {
      const m = /^hdr\(([^()]+)\)$/.exec(t)
      if (!m) {
        fail(first, "'balance hdr' requires an http header field name.")
        return
      }
      let useDomainOnly = false
      for (const w of rest) {
        if (w.text === 'use_domain_only') useDomainOnly = true
        else {
          fail(w, `'balance hdr(${m[1]})' only accepts 'use_domain_only' (got '${w.text}').`)
          return
        }
      }
      spec = { algo: 'hdr', header: m[1] as string, useDomainOnly }
    } else if (t === 'hash' || /^rdp-cookie/.test(t) || t === 'log-hash' || t === 'sticky') {
      cx.sv.diag.error('not-supported', first.span, `'balance ${t}' is not supported yet`, {
        help: "use 'balance hdr(<name>)', 'balance url_param <name>' or 'balance source'",
      })
      return
    } else {
      fail(first, `'balance' only supports ${ALGOS} options.`)
      return
    }
  }
  if (!spec) return
  p.balance = spec
  p.balanceSpan = st.span
  if (spec.algo === 'uri' || spec.algo === 'url_param' || spec.algo === 'hdr') p.needsHttp.push({ keyword: `balance ${spec.algo}`, span: st.span })
}

function parseHashType(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 3, 'map-based|consistent [sdbm|djb2|wt6|crc32|none [avalanche]]')) return
  const [typeW, fnW, modW] = st.args
  if (!typeW) return
  if (typeW.text === 'avalanche') {
    cx.sv.diag.error('deprecated', typeW.span, "experimental feature 'hash-type avalanche' is not supported anymore, please use 'hash-type map-based sdbm avalanche' instead.")
    return
  }
  if (typeW.text !== 'map-based' && typeW.text !== 'consistent') {
    cx.sv.diag.error('invalid-argument', typeW.span, "'hash-type' only supports 'consistent' and 'map-based'.")
    return
  }
  let fn: HashSpec['fn'] = 'sdbm'
  let avalanche = typeW.text === 'consistent' && !fnW
  if (fnW) {
    if (!['sdbm', 'djb2', 'wt6', 'crc32', 'none'].includes(fnW.text)) {
      cx.sv.diag.error('invalid-argument', fnW.span, "'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions.")
      return
    }
    fn = fnW.text as HashSpec['fn']
  }
  if (modW) {
    if (modW.text !== 'avalanche') {
      cx.sv.diag.error('invalid-argument', modW.span, "'hash-type' only supports 'avalanche' as a modifier for hash functions.")
      return
    }
    avalanche = true
  }
  p.hash = { type: typeW.text, fn, avalanche }
  p.hashSpan = st.span
}

export const BALANCE_KEYWORDS: readonly KeywordDef[] = [
  { name: 'balance', sections: BE_SECTIONS, support: 'yes', parse: parseBalance },
  { name: 'hash-type', sections: BE_SECTIONS, support: 'yes', parse: parseHashType },
]
