/**
 * @module
 * `option <name>` flags (doc 4.2 "option"), with `no option X` and `default option X` for the
 * negatable ones. Checks-related options live in checks.ts.
 */
import { defaultOptions } from '../draft.ts'
import type { Word } from '../lexer.ts'
import { arity, intArg, kwName } from './args.ts'
import { BE_SECTIONS, FE_SECTIONS, type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'

type BoolOption = 'httplog' | 'dontlognull' | 'persist' | 'allbackups' | 'logHealthChecks' | 'preferLastServer' | 'forwarded'

function flag(field: BoolOption, needsHttp = false) {
  return (st: Statement, cx: KeywordContext): void => {
    const p = cx.proxy
    if (!p) return
    if (st.prefix !== 'no' && st.prefix !== 'default' && field !== 'httplog' && !arity(st, cx.sv, 0, 0, '(no arguments)')) return
    if (field === 'httplog' && st.args.length > 0 && !(st.args.length === 1 && st.args[0]?.text === 'clf')) {
      // `option httplog 0` was dropped without a word here; HAProxy 2.6 refuses it.
      if (arity(st, cx.sv, 0, 1, '[clf]'))
        cx.sv.diag.error('invalid-argument', (st.args[0] as Word).span, "keyword 'httplog' only supports option 'clf'.", { help: "write 'option httplog' or 'option httplog clf'" })
      return
    }
    p.options[field] = st.prefix === 'no' ? false : st.prefix === 'default' ? defaultOptions()[field] : true
    // 'option httplog' replaces an earlier (or inherited) 'log-format' / 'option httpslog': the last one wins.
    if (field === 'httplog' && p.options.httplog) delete p.logFormat
    if (needsHttp) p.needsHttp.push({ keyword: `option ${st.keyword[1]?.text ?? ''}`, span: st.span })
  }
}

/** http-keep-alive / http-server-close / httpclose are one setting with three values (doc 4 "Connection modes"). */
function connMode(which: 'httpKeepAlive' | 'httpServerClose' | 'httpClose') {
  return (st: Statement, cx: KeywordContext): void => {
    const p = cx.proxy
    if (!p || !arity(st, cx.sv, 0, 0, '(no arguments)')) return
    const on = st.prefix !== 'no'
    if (on) {
      p.options.httpKeepAlive = false
      p.options.httpServerClose = false
      p.options.httpClose = false
    }
    p.options[which] = on
    if (which !== 'httpKeepAlive' && on) {
      cx.sv.diag.warning(
        'edge-mapping',
        st.span,
        `'option ${st.keyword[1]?.text ?? ''}': connection reuse to origins is managed by the Workers runtime; edgeproxy removes the Connection header semantics accordingly`,
      )
    }
  }
}

/** `option http-restrict-req-hdr-names preserve|delete|reject` (cfgparse-listen.c). */
function parseRestrictHdrNames(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 1, 1, 'preserve|delete|reject')) return
  const w = st.args[0] as Word
  if (w.text === 'preserve') delete p.options.restrictReqHdrNames
  else if (w.text === 'delete' || w.text === 'reject') p.options.restrictReqHdrNames = w.text
  else cx.sv.diag.error('invalid-argument', w.span, `'option http-restrict-req-hdr-names' expects 'preserve', 'delete' or 'reject'`)
}

function parseForwardfor(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  if (st.prefix === 'no') {
    delete p.options.forwardfor
    return
  }
  let header = 'X-Forwarded-For'
  let ifNone = false
  let except: unknown
  for (let i = 0; i < st.args.length; i++) {
    const w = st.args[i] as Word
    const next = st.args[i + 1]
    if (w.text === 'if-none') ifNone = true
    else if (w.text === 'header' || w.text === 'except') {
      if (!next) {
        cx.sv.diag.error('missing-argument', w.span, `'option forwardfor' : '${w.text}' expects an argument`)
        return
      }
      i++
      if (w.text === 'header') header = next.text
      else {
        let bad = false
        except = cx.sv.registry.match('ip')?.prepare([next.text], { icase: false }, (_i, message) => {
          cx.sv.diag.error('invalid-address', next.span, `'option forwardfor except' : ${message}`)
          bad = true
        })
        if (bad) return
      }
    } else {
      cx.sv.diag.error('invalid-argument', w.span, `'option forwardfor' only supports optional values 'except', 'header' and 'if-none' (got '${w.text}')`)
      return
    }
  }
  p.options.forwardfor = { header, ifNone, ...(except !== undefined ? { except } : {}) }
  p.needsHttp.push({ keyword: 'option forwardfor', span: st.span })
}

function parseOriginalto(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  if (st.prefix === 'no') {
    delete p.options.originalto
    return
  }
  let header = 'X-Original-To'
  let except: unknown
  for (let i = 0; i < st.args.length; i++) {
    const w = st.args[i] as Word
    const next = st.args[i + 1]
    if (w.text === 'except' && next) {
      let bad = false
      except = cx.sv.registry.match('ip')?.prepare([next.text], { icase: false }, (_i, message) => {
        cx.sv.diag.error('invalid-address', next.span, `'option originalto except' : ${message}`)
        bad = true
      })
      if (bad) return
      i++
    } else if (w.text === 'header' && next) {
      header = next.text
      i++
    } else {
      cx.sv.diag.error('invalid-argument', w.span, `'option originalto' only supports optional values 'except' and 'header' (got '${w.text}')`)
      return
    }
  }
  p.options.originalto = header
  if (except !== undefined) p.options.originaltoExcept = except
  else delete p.options.originaltoExcept
}

function parseRedispatch(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  if (st.prefix === 'no') {
    delete p.options.redispatch
    return
  }
  if (!arity(st, cx.sv, 0, 1, '[<interval>]')) return
  if (st.args.length === 0) {
    p.options.redispatch = -1
    return
  }
  const v = intArg(st.args[0] as Word, cx.sv, 'option redispatch', -1_000_000, 1_000_000)
  if (v !== undefined) p.options.redispatch = v
}

const HTTP_OPTION_IGNORED = "connection handling between client and edge is Cloudflare's; the setting has no effect"

/** An option without meaning at the edge; like HAProxy 2.6, it takes no argument. */
function ignoredOpt(name: string, note: string, sections = PROXY_SECTIONS): KeywordDef {
  return { name: `option ${name}`, sections, support: 'ignored', note, negatable: true, parse: noExtraArgs }
}

function noExtraArgs(st: Statement, cx: KeywordContext): void {
  const extra = st.args[0]
  if (extra) cx.sv.diag.error('too-many-arguments', extra.span, `'${kwName(st)}' cannot handle unexpected argument '${extra.text}'.`)
}

export const OPTION_KEYWORDS: readonly KeywordDef[] = [
  { name: 'option httplog', sections: FE_SECTIONS, support: 'yes', parse: flag('httplog') },
  { name: 'option dontlognull', sections: FE_SECTIONS, negatable: true, support: 'yes', parse: flag('dontlognull') },
  { name: 'option forwardfor', sections: PROXY_SECTIONS, support: 'yes', parse: parseForwardfor },
  { name: 'option originalto', sections: PROXY_SECTIONS, support: 'yes', parse: parseOriginalto },
  { name: 'option forwarded', sections: BE_SECTIONS, support: 'no', negatable: true, note: "the RFC 7239 'Forwarded' header is not added: use 'option forwardfor'" },
  { name: 'option http-server-close', sections: PROXY_SECTIONS, support: 'edge', negatable: true, parse: connMode('httpServerClose') },
  { name: 'option httpclose', sections: PROXY_SECTIONS, support: 'edge', negatable: true, parse: connMode('httpClose') },
  { name: 'option http-keep-alive', sections: PROXY_SECTIONS, support: 'yes', negatable: true, parse: connMode('httpKeepAlive') },
  { name: 'option redispatch', sections: BE_SECTIONS, support: 'yes', negatable: true, parse: parseRedispatch },
  { name: 'option persist', sections: BE_SECTIONS, support: 'yes', negatable: true, parse: flag('persist') },
  { name: 'option allbackups', sections: BE_SECTIONS, support: 'yes', negatable: true, parse: flag('allbackups') },
  { name: 'option log-health-checks', sections: BE_SECTIONS, support: 'yes', negatable: true, parse: flag('logHealthChecks') },
  ignoredOpt('prefer-last-server', 'there is no client connection to reuse a server for: each request is balanced on its own', BE_SECTIONS),
  { ...ignoredOpt('tcplog', 'the edge logs HTTP requests only', FE_SECTIONS), negatable: false },
  ignoredOpt('http-buffer-request', 'request bodies are streamed to the origin'),
  ignoredOpt('http-ignore-probes', HTTP_OPTION_IGNORED),
  ignoredOpt('http-no-delay', HTTP_OPTION_IGNORED),
  ignoredOpt('http-pretend-keepalive', HTTP_OPTION_IGNORED),
  ignoredOpt('http-use-proxy-header', 'Cloudflare parses the request; the Proxy-Connection header has no effect on the Worker'),
  ignoredOpt('idle-close-on-response', 'idle client connections are closed by Cloudflare', FE_SECTIONS),
  ignoredOpt('splice-auto', 'kernel splicing does not exist at the edge'),
  ignoredOpt('splice-request', 'kernel splicing does not exist at the edge'),
  ignoredOpt('splice-response', 'kernel splicing does not exist at the edge'),
  ignoredOpt('tcp-smart-accept', 'TCP accept tuning does not exist at the edge'),
  ignoredOpt('tcp-smart-connect', 'TCP connect tuning does not exist at the edge'),
  { ...ignoredOpt('tcpka', 'TCP keepalive is managed by the Workers runtime'), negatable: false },
  ignoredOpt('clitcpka', 'TCP keepalive is managed by Cloudflare'),
  ignoredOpt('srvtcpka', 'TCP keepalive is managed by the Workers runtime'),
  ignoredOpt('socket-stats', 'there are no listener sockets at the edge'),
  ignoredOpt('logasap', 'Workers Logs record each request once it completes'),
  ignoredOpt('log-separate-errors', 'Workers Logs carry the status of each request'),
  ignoredOpt('nolinger', 'socket lingering does not exist at the edge'),
  ignoredOpt('contstats', 'stats are aggregated continuously at the edge'),
  ignoredOpt('independent-streams', 'streams are handled by the Workers runtime'),
  ignoredOpt('abortonclose', 'the Workers runtime cancels the origin fetch when the client goes away'),
  ignoredOpt('accept-invalid-http-request', 'Cloudflare validates requests before the Worker sees them'),
  ignoredOpt('accept-invalid-http-response', 'the Workers runtime validates origin responses'),
  ignoredOpt('h1-case-adjust-bogus-client', 'header case is normalised by Cloudflare'),
  ignoredOpt('h1-case-adjust-bogus-server', 'header case is normalised by the Workers runtime'),
  ignoredOpt('disable-h2-upgrade', 'HTTP/2 is negotiated by Cloudflare'),
  ignoredOpt('dontlog-normal', 'Workers Logs keep every request; filter them in the dashboard or Logpush'),
  { name: 'option checkcache', sections: BE_SECTIONS, negatable: true, support: 'no' },
  { name: 'option transparent', sections: BE_SECTIONS, negatable: true, support: 'no', note: 'transparent proxying needs the kernel and does not exist at the edge' },
  { name: 'option http-restrict-req-hdr-names', sections: PROXY_SECTIONS, support: 'yes', parse: parseRestrictHdrNames },
  { name: 'option spop-check', sections: BE_SECTIONS, support: 'no', note: 'SPOP agents cannot be reached from the edge' },
  { name: 'option external-check', sections: BE_SECTIONS, support: 'no', note: 'external check programs cannot run at the edge: use option httpchk or tcp-check' },
]
