/**
 * @module
 * `tcp-request inspect-delay|connection|session|content` and `tcp-response inspect-delay|content`
 * (tcp_rules.c tcp_parse_tcp_req / tcp_parse_tcp_rep). Rules compile into the same Rule form as
 * http-request rules, one ordered list per rule set (RouteMap `tcpRules`), and the engine runs
 * them once per request (src/engine/tcp-rules.ts). What differs at the edge:
 *
 * - connection and session rules run for every HTTP request, not once per client connection
 *   (Cloudflare holds the connections): one warning per proxy says so;
 * - `reject` cannot close the client connection from a Worker: the edge answers 403 (request
 *   rules) or 502 (`tcp-response`), with one warning per proxy;
 * - `inspect-delay` is accepted: the edge always has the whole request head (and the response
 *   head for `tcp-response`), as HAProxy has once the delay has passed;
 * - rules that need raw bytes (`req.payload`, `req.ssl_sni`…) are refused by the fetch table, and
 *   actions the edge cannot do (`silent-drop`, `set-src`, `close`…) with 'not-supported'.
 */
import type { Condition, Rule } from '../../routemap/schema.ts'
import type { SampleExpr } from '../../sample/expr.ts'
import { findAction } from '../actions/index.ts'
import type { ActionInput } from '../actions/types.ts'
import { parseCondition } from '../condition.ts'
import { closest } from '../../util/closest.ts'
import type { ProxyDraft } from '../draft.ts'
import type { Word } from '../lexer.ts'
import type { Services } from '../services.ts'
import type { SourceSpan } from '../source.ts'
import { findTcpAction, type TcpRuleSet, tcpActionNames } from '../tcp/actions.ts'
import { availableAt, checkpointName, sourceName, type TcpLevel } from '../tcp/levels.ts'
import { parseTime } from '../../util/time.ts'
import { condStart } from './args.ts'
import { BE_SECTIONS, type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'

const hasFe = (p: ProxyDraft): boolean => p.kind !== 'backend'
const hasBe = (p: ProxyDraft): boolean => p.kind !== 'frontend'
const where = (p: ProxyDraft): string => (p.kind === 'defaults' ? 'defaults section' : `${p.kind} '${p.name}'`)

/** Where each compiled rule was written, for the checks made once the proxy is complete. */
const ruleSpans = new WeakMap<Rule, SourceSpan>()

/** What the edge does differently, warned once per proxy (drafts live for one compile). */
type Difference = 'per-request' | 'reject' | 'response-reject'
const warned = new WeakMap<ProxyDraft, Set<Difference>>()

function warnOnce(p: ProxyDraft, what: Difference, sv: Services, span: SourceSpan, message: string): void {
  const seen = warned.get(p) ?? new Set<Difference>()
  if (seen.has(what)) return
  seen.add(what)
  warned.set(p, seen)
  sv.diag.warning('edge-mapping', span, message)
}

/** `tcp-request inspect-delay <time>` / `tcp-response inspect-delay <time>`. */
function inspectDelay(st: Statement, cx: KeywordContext, p: ProxyDraft, kw: string): void {
  const w = st.args[1]
  const t = w ? parseTime(w.text) : undefined
  if (!w || !t?.ok) {
    cx.sv.diag.error('invalid-argument', (w ?? (st.args[0] as Word)).span, `'${kw} inspect-delay' expects a positive delay in milliseconds, in ${where(p)}${t && !t.ok ? ` (${t.error})` : ''}`)
    return
  }
  const field = kw === 'tcp-request' ? 'inspectDelay' : 'responseInspectDelay'
  if (p.tcp[field] !== undefined) {
    cx.sv.diag.warning('useless', (st.args[0] as Word).span, `ignoring ${kw} inspect-delay (was already defined) in ${where(p)}`, {
      help: "a delay set in the proxy's defaults section counts as defined",
    })
    return
  }
  p.tcp[field] = t.value
}

/** HAProxy's "a '…' rule placed after a '…' rule will still be processed before" (cfgparse-listen.c warnif_misplaced_tcp_*). */
function misplaced(p: ProxyDraft, set: TcpRuleSet): string | undefined {
  const after: string[] = []
  if (set === 'connection') after.push('session')
  if (set !== 'content') after.push('content')
  for (const s of after) if (p.tcp[s as TcpRuleSet].length > (p.rulesFrom?.tcp[s as TcpRuleSet].length ?? 0)) return `tcp-request ${s}`
  if (p.httpRequest.length > (p.rulesFrom?.httpRequest.length ?? 0)) return 'http-request'
  if (p.redirects.length > 0) return 'redirect'
  if (p.useBackends.length > 0) return 'use_backend'
  if (p.useServers.length > 0) return 'use-server'
  return undefined
}

/**
 * acl.c acl_cond_conflicts / acl_cond_kw_conflicts: an ACL of the condition whose every keyword
 * needs a later rule set never matches; one that mixes both works only partly. Both are warnings.
 */
function checkConditionLevel(cond: Condition, p: ProxyDraft, level: TcpLevel, label: string, sv: Services, span: SourceSpan): void {
  const ckp = checkpointName(level, !hasFe(p))
  let partly: string | undefined
  for (const group of cond.or) {
    for (const term of group) {
      const acl = p.acls[term.acl]
      if (!acl) continue
      const fetches = acl.tests.map((t) => t.sample.fetch)
      const bad = fetches.filter((f) => !availableAt(f, level))
      const first = bad[0]
      if (first === undefined) continue
      const anonymous = acl.name.startsWith('{')
      if (bad.length === fetches.length) {
        sv.diag.warning(
          'useless',
          span,
          anonymous
            ? `anonymous acl will never match in '${label}' because it uses keyword '${first}' which is incompatible with '${ckp}'`
            : `acl '${acl.name}' will never match in '${label}' because it only involves keywords that are incompatible with '${ckp}'`,
        )
        return
      }
      partly ??= anonymous ? `anonymous acl involves keyword '${first}' which is incompatible with '${ckp}'` : `acl '${acl.name}' involves keyword '${first}' which is incompatible with '${ckp}'`
    }
  }
  if (partly) sv.diag.warning('useless', span, partly)
}

/** The sample expressions a compiled reused action reads (track-sc key, set-var value…). */
function exprsOf(args: Readonly<Record<string, unknown>>): SampleExpr[] {
  return [args.key, args.expr].filter((e): e is SampleExpr => typeof e === 'object' && e !== null && 'fetch' in e)
}

function ruleText(st: Statement): string {
  return st.words.map((w) => (w.quoted || /\s/.test(w.text) ? JSON.stringify(w.text) : w.text)).join(' ')
}

/** Parses one rule of `set`; returns it, or undefined when it is refused, ignored or invalid. */
function compileTcpRule(st: Statement, cx: KeywordContext, p: ProxyDraft, kw: string, set: TcpRuleSet, actionWord: Word, rest: readonly Word[]): Rule | undefined {
  const sv = cx.sv
  const label = `${kw} ${set === 'response' ? 'content' : set}`
  const sc = /^track-sc(\d+)$/.exec(actionWord.text)?.[1]
  if (sc !== undefined && Number(sc) > 2) {
    sv.diag.error('invalid-argument', actionWord.span, `'${label} ${actionWord.text}' : ${sc} track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value`, { help: 'stick counters are sc0, sc1 and sc2' })
    return undefined
  }
  const def = findTcpAction(actionWord.text)
  if (!def?.sets.includes(set)) {
    const valid = tcpActionNames(set)
    const s = closest(actionWord.text.replace(/\(.*/, ''), valid)
    sv.diag.error(
      'unknown-keyword',
      actionWord.span,
      `'${label}' expects ${valid.map((v) => `'${v}'`).join(', ')} in ${where(p)} (got '${actionWord.text}').`,
      s ? { help: `did you mean '${s}'?` } : undefined,
    )
    return undefined
  }
  const ci = condStart(rest)
  const args = rest.slice(0, ci)
  const extra = args[0]
  if ((def.kind === 'accept' || def.kind === 'reject') && extra) {
    sv.diag.error('invalid-argument', extra.span, `'${label} ${def.name}' only accepts 'if' or 'unless', in ${where(p)} (got '${extra.text}')`)
    return undefined
  }
  if (def.kind === 'no') {
    sv.diag.error('not-supported', actionWord.span, `'${label} ${actionWord.text}' is not supported at the edge${def.note ? `: ${def.note}` : ''}`)
    return undefined
  }
  const phase = set === 'response' ? 'response' : 'request'
  const cond = ci < rest.length ? parseCondition(rest.slice(ci), p, phase, sv, `'${label} ${def.name}'`) : undefined
  if (ci < rest.length && !cond) return undefined
  const level: TcpLevel | undefined = set === 'connection' || set === 'session' ? set : undefined
  if (cond && level) checkConditionLevel(cond, p, level, label, sv, st.span)
  const rule = (action: string, a: Readonly<Record<string, unknown>>): Rule => ({
    action,
    args: a,
    ...(cond ? { cond } : {}),
    origin: { file: st.span.file, line: st.span.line },
    text: ruleText(st),
  })
  switch (def.kind) {
    case 'accept':
      return rule('allow', {})
    case 'reject': {
      const status = set === 'response' ? 502 : 403
      warnOnce(
        p,
        set === 'response' ? 'response-reject' : 'reject',
        sv,
        actionWord.span,
        set === 'response'
          ? `'${label} reject': a Worker cannot close the connection: the edge answers 502 Bad Gateway, as 'http-response deny' does, where HAProxy closes the connection without a response`
          : `'${label} reject': a Worker cannot close the client connection: the edge answers 403 Forbidden (the proxy's 403 errorfile), as 'http-request deny' does, where HAProxy closes the connection without a response`,
      )
      return rule('reject', { status, set: label })
    }
    case 'ignored':
      sv.diag.warning('edge-mapping', actionWord.span, `'${label} ${def.name}' is ignored at the edge: ${def.note ?? ''}`)
      return undefined
    case 'capture':
      if (set !== 'content') {
        sv.diag.error('invalid-argument', actionWord.span, `'capture ${args[0]?.text ?? ''}' is not allowed in '${label}' rules in ${where(p)}`, { help: "use it in 'tcp-request content' rules" })
        return undefined
      }
      return capture(p, label, actionWord, args, sv) ? reuse(st, cx, p, label, set, level, actionWord, args, rule) : undefined
    case 'expect': {
      const l4 = args[0]
      if (l4?.text !== 'layer4' || args.length > 1) {
        sv.diag.error('invalid-argument', (l4 ?? actionWord).span, `'${label} ${def.name}' only supports 'layer4' in ${where(p)} (got '${l4?.text ?? ''}')`)
        return undefined
      }
      if (set !== 'connection') {
        sv.diag.error('invalid-argument', actionWord.span, `'${def.name} layer4' is not allowed in '${label}' rules in ${where(p)}`, { help: "use it in 'tcp-request connection' rules" })
        return undefined
      }
      sv.diag.warning('edge-mapping', actionWord.span, `'${def.name} layer4' has no effect at the edge: Cloudflare gives the client address in CF-Connecting-IP, which 'src' reads`)
      return undefined
    }
    case 'switch-mode': {
      const m = args[0]
      const ok = m?.text === 'http' && (args.length === 1 || (args.length === 3 && args[1]?.text === 'proto'))
      if (!ok) {
        sv.diag.error('invalid-argument', (m ?? actionWord).span, `'${label} switch-mode' expects 'http [proto <name>]' (got '${args.map((a) => a.text).join(' ')}')`)
        return undefined
      }
      sv.diag.warning('edge-mapping', actionWord.span, `'${label} switch-mode' is ignored at the edge: ${def.note ?? ''}`)
      return undefined
    }
    case 'use-service': {
      const s = args[0]
      if (s?.text.startsWith('lua.')) sv.diag.error('not-supported', s.span, `'${label} use-service ${s.text}' is not supported at the edge: Lua cannot run in a Worker`)
      else if (s?.text === 'prometheus-exporter')
        sv.diag.error('invalid-argument', s.span, "Prometheus exporter service only available on 'http-request' rulesets", { help: "use 'http-request use-service prometheus-exporter'" })
      else sv.diag.error('invalid-argument', (s ?? actionWord).span, `'${label} use-service' : unknown service '${s?.text ?? ''}'`)
      return undefined
    }
    case 'reuse':
      return reuse(st, cx, p, label, set, level, actionWord, args, rule)
  }
}

/** track-sc, sc-inc-gpc*, sc-set-gpt*, set-var*, unset-var: the http action, with HAProxy's level check. */
function reuse(
  st: Statement,
  cx: KeywordContext,
  p: ProxyDraft,
  label: string,
  set: TcpRuleSet,
  level: TcpLevel | undefined,
  actionWord: Word,
  args: readonly Word[],
  rule: (action: string, a: Readonly<Record<string, unknown>>) => Rule,
): Rule | undefined {
  const def = findAction(actionWord.text)
  if (!def) throw new Error(`tcp action '${actionWord.text}' has no http action`)
  if (def.support === 'no') {
    cx.sv.diag.error('not-supported', actionWord.span, `'${label} ${def.name}' is not supported yet${def.note ? `: ${def.note}` : ''}`)
    return undefined
  }
  const input: ActionInput = {
    name: actionWord,
    args,
    ruleSet: set === 'response' ? 'http-response' : 'http-request',
    label,
    proxy: p,
    sv: cx.sv,
    span: st.span,
  }
  const a = def.parse ? def.parse(input) : {}
  if (!a) return undefined
  if (level) {
    for (const e of exprsOf(a)) {
      if (availableAt(e.fetch, level)) continue
      const w = args.find((x) => x.text.startsWith(e.fetch)) ?? actionWord
      cx.sv.diag.error('invalid-argument', w.span, `'${label} ${actionWord.text}' : fetch method '${w.text}' extracts information from '${sourceName(e.fetch)}', none of which is available here`, {
        help: `'${e.fetch}' has a value from 'tcp-request ${level === 'connection' && availableAt(e.fetch, 'session') ? 'session' : 'content'}' rules on`,
      })
      return undefined
    }
  }
  return rule(def.name, a)
}

/** `capture <expr> len <n>`: validated as HAProxy does, then ignored (captures feed HAProxy's logs). */
/** `capture <expr> len <n>`: checked as HAProxy does; it then runs as `http-request capture … len`. */
function capture(p: ProxyDraft, label: string, actionWord: Word, args: readonly Word[], sv: Services): boolean {
  if (!hasFe(p)) {
    sv.diag.error('invalid-argument', actionWord.span, `'${label} capture' : proxy '${p.name}' has no frontend capability`)
    return false
  }
  const e = args[0]
  if (!e) {
    sv.diag.error('missing-argument', actionWord.span, `'${label} capture' : expects a sample expression`)
    return false
  }
  const lenW = args[1]
  const n = args[2]
  if (lenW?.text !== 'len' || !n || !/^\d+$/.test(n.text) || Number(n.text) <= 0 || args.length > 3) {
    sv.diag.error('invalid-argument', (lenW ?? e).span, `'${label} capture' : a positive 'len' argument is mandatory`)
    return false
  }
  return true
}

function tcpKeyword(kw: 'tcp-request' | 'tcp-response') {
  return (st: Statement, cx: KeywordContext): void => {
    const p = cx.proxy
    if (!p) return
    const kwWord = st.keyword[0] as Word
    const sub = st.args[0]
    if (!sub) {
      cx.sv.diag.error('missing-argument', kwWord.span, `missing argument for '${kw}' in ${where(p)}`, {
        help: `write '${kw} ${kw === 'tcp-request' ? 'connection|session|content' : 'content'} <action> [if|unless <cond>]' or '${kw} inspect-delay <time>'`,
      })
      return
    }
    if (p.kind === 'defaults' && p.name === '') {
      cx.sv.diag.error('keyword-out-of-section', sub.span, `${kw} ${sub.text} is not allowed in anonymous 'defaults' sections`, {
        help: "name the defaults section ('defaults mydefaults') and use 'from mydefaults' where it applies",
      })
      return
    }
    if (sub.text === 'inspect-delay') {
      inspectDelay(st, cx, p, kw)
      return
    }
    const sets: readonly string[] = kw === 'tcp-request' ? ['connection', 'session', 'content'] : ['content']
    if (!sets.includes(sub.text)) {
      const s = closest(sub.text, ['inspect-delay', ...sets])
      cx.sv.diag.error(
        'invalid-argument',
        sub.span,
        `'${kw}' expects 'inspect-delay', ${kw === 'tcp-request' ? "'connection', or 'content'" : "or 'content'"} in ${where(p)} (got '${sub.text}')`,
        s ? { help: `did you mean '${s}'?` } : undefined,
      )
      return
    }
    const set: TcpRuleSet = kw === 'tcp-response' ? 'response' : (sub.text as TcpRuleSet)
    if ((set === 'connection' || set === 'session') && !hasFe(p)) {
      cx.sv.diag.error('keyword-out-of-section', sub.span, `${kw} ${set} is not allowed because ${where(p)} is not a frontend`, { help: "use 'tcp-request content' rules in a backend" })
      return
    }
    const action = st.args[1]
    if (!action) {
      cx.sv.diag.error('missing-argument', sub.span, `'${kw} ${sub.text}' expects an action`)
      return
    }
    const errors = cx.sv.diag.errorCount
    const rule = compileTcpRule(st, cx, p, kw, set, action, st.args.slice(2))
    // A valid rule the edge ignores (capture, set-log-level…) still gets HAProxy's warnings.
    if (cx.sv.diag.errorCount > errors) return
    if (kw === 'tcp-request') {
      const before = misplaced(p, set)
      if (before) cx.sv.diag.warning('useless', kwWord.span, `a '${kw}' rule placed after a '${before}' rule will still be processed before.`)
    }
    if (set === 'connection' || set === 'session') {
      warnOnce(
        p,
        'per-request',
        cx.sv,
        sub.span,
        `'${kw} ${set}' rules run once per HTTP request at the edge, not once per client connection: Cloudflare holds the client connections, so each request is checked (and tracked) on its own`,
      )
    }
    if (rule) {
      ruleSpans.set(rule, action.span)
      p.tcp[set].push(rule)
    }
  }
}

/** Fetch names a condition reads. */
function condFetches(cond: Condition | undefined, p: ProxyDraft): string[] {
  if (!cond) return []
  return cond.or.flatMap((g) => g.flatMap((t) => p.acls[t.acl]?.tests.map((x) => x.sample.fetch) ?? []))
}

/**
 * action.c check_trk_action: in a frontend, a content `track-sc` on request contents without an
 * inspect-delay, or one that needs no request contents in an HTTP frontend, gets HAProxy's
 * warnings. At the edge both forms count the same (the request head is always complete, and
 * Cloudflare answers invalid HTTP requests itself); the help says so.
 */
function checkContentTracking(p: ProxyDraft, sv: Services): void {
  if (!hasFe(p)) return
  const own = p.tcp.content.slice(p.rulesFrom?.tcp.content.length ?? 0)
  for (const r of own) {
    if (!/^track-sc\d$/.test(r.action)) continue
    const span = ruleSpans.get(r)
    const key = (r.args.key as SampleExpr | undefined)?.fetch
    if (!span || !key) continue
    const px = `${p.kind} '${p.name}'`
    if (p.tcp.inspectDelay === undefined && !availableAt(key, 'session')) {
      sv.diag.warning(
        'useless',
        span,
        `${px} : a 'tcp-request content track-sc*' rule explicitly depending on request contents without any 'tcp-request inspect-delay' setting. This means that this rule will randomly find its contents. This can be fixed by setting the tcp-request inspect-delay.`,
        {
          help: 'at the edge the request head is always complete, so the rule always finds its contents',
        },
      )
    }
    if (p.mode === 'http' && availableAt(key, 'session') && condFetches(r.cond, p).every((f) => availableAt(f, 'session'))) {
      sv.diag.warning(
        'useless',
        span,
        `${px} : a 'tcp-request content track-sc*' rule not depending on request contents for an HTTP frontend should be executed at the session level, using a 'tcp-request session' rule (mandatory to track invalid HTTP requests).`,
        {
          help: 'at the edge Cloudflare answers invalid HTTP requests itself, so both rule sets count the same requests',
        },
      )
    }
  }
}

/**
 * Checks that need the whole configuration: HAProxy's tracking warnings (action.c), and
 * cfgparse-listen.c's rule that a defaults section with `tcp-request connection|session` rules
 * cannot serve a backend, one with `tcp-response` rules cannot serve a frontend.
 */
export function checkTcpRules(proxies: readonly ProxyDraft[], sv: Services): void {
  for (const p of proxies) checkContentTracking(p, sv)
  for (const p of proxies) {
    const d = p.rulesFrom
    if (!d) continue
    const own = d.tcp
    const bad =
      !hasFe(p) && own.connection.length + own.session.length > 0
        ? "'tcp-request connection' or 'tcp-request session' rules"
        : !hasBe(p) && own.response.length > 0
          ? "'tcp-response content' rules"
          : undefined
    if (!bad) continue
    sv.diag.error('keyword-out-of-section', p.span, `a ${p.kind} section cannot inherit from a defaults section defining ${bad} (defaults section at ${d.span.file}:${d.span.line}).`, {
      notes: [{ message: `defaults '${d.name}' declared here`, span: d.span }],
    })
  }
}

const REQUEST_NOTE =
  'connection and session rules run once per HTTP request (Cloudflare holds the connections); reject answers 403 instead of closing the connection; rules on raw bytes (req.payload, req.ssl_sni…) are refused'
const RESPONSE_NOTE = 'rules see the whole response head; reject answers 502 instead of closing the connection; rules on raw bytes (res.payload…) and close are refused'

export const TCP_RULE_KEYWORDS: readonly KeywordDef[] = [
  { name: 'tcp-request', sections: PROXY_SECTIONS, support: 'edge', note: REQUEST_NOTE, parse: tcpKeyword('tcp-request') },
  { name: 'tcp-response', sections: BE_SECTIONS, support: 'edge', note: RESPONSE_NOTE, parse: tcpKeyword('tcp-response') },
]
