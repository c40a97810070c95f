/**
 * @module
 * The rewriting table of `edgeproxy migrate`: for each HAProxy 1.x directive that 2.6 refuses
 * (keywords/legacy.ts), the 2.x line that does the same thing, or the reason there is none.
 *
 * Semantics kept (HAProxy 1.8 proto_http.c): per proxy, `block` rules ran first, then
 * `http-request` rules, then the `req*` filters in order (reqrep, reqdel, reqdeny, reqallow,
 * reqtarpit), then `reqadd`; responses: `http-response` rules, the `rsp*` filters, then `rspadd`.
 * Each rewrite carries that place (`order`) so the caller keeps 1.x's order among rule lines.
 * A filter rewrote, deleted or tested every matching line; the rewrite is exact when the regex
 * names one header (or the path, see legacy-regex.ts). Header names compare case-insensitively in
 * 2.x, as HTTP says (1.x compared the bytes the client sent unless the `i` variant was used).
 */
import type { SectionKind } from './ast.ts'
import { countGroups, pathOnly, splitHeaderRegex, splitRequestLine, valueMatch } from './legacy-regex.ts'
import type { Word } from './lexer.ts'
import type { SourceSpan } from './source.ts'

/** One config line whose keyword is a removed directive. */
export interface LegacyLine {
  /** The line as written. */
  readonly raw: string
  readonly words: readonly Word[]
  /** The directive, as in keywords/legacy.ts ('reqadd', 'option forceclose', 'timeout clitimeout'). */
  readonly name: string
  /** Index in `words` of the first argument (after any `no`/`default` prefix and the keyword words). */
  readonly argStart: number
  readonly section: SectionKind
}

/** Where a rewritten rule runs among the proxy's rules (1.x order: lower runs first). */
export interface RuleOrder {
  readonly side: 'request' | 'response'
  readonly rank: number
}

/** Rule ranks, 1.x order (monitor-net answered at accept time). Native `http-request`/`http-response` lines rank `httpRules`. */
export const RANK = { monitor: -1, block: 0, httpRules: 1, filter: 2, add: 3 } as const

export type Rewrite =
  | {
      readonly ok: true
      /** The 2.x statement (no indentation). */
      readonly text: string
      readonly order?: RuleOrder
      /** An `http-request allow` from `reqallow`: exact only as the proxy's last request rule. */
      readonly allow?: boolean
      /** Said in the summary (what changed beyond the keyword). */
      readonly note?: string
    }
  | { readonly ok: false; readonly span: SourceSpan; readonly message: string }

const fail = (span: SourceSpan, message: string): Rewrite => ({ ok: false, span, message })

/** The source text from the start of `from` to the end of `to`. */
function slice(l: LegacyLine, from: Word, to: Word): string {
  return l.raw.slice(from.span.column - 1, to.span.column - 1 + to.span.length)
}

/** One config word: bare when it is plain, otherwise quoted so HAProxy's tokenizer gives `s` back. */
export function quoteWord(s: string): string {
  if (s !== '' && /^[^\s#\\'"$]+$/.test(s)) return s
  if (!s.includes("'")) return `'${s}'`
  return `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`
}

/** A log-format string (add-header value, replace format) that reads as the literal `s`. */
const logFormat = (s: string): string => quoteWord(s.replace(/%/g, '%%'))

interface Cond {
  readonly kind: 'if' | 'unless'
  /** Words after if/unless. */
  readonly words: readonly Word[]
  /** ` if ...` as written (with the leading space), or ''. */
  readonly raw: string
}

/** Splits `args [if|unless cond]`; undefined when words remain that are neither. */
function splitArgs(l: LegacyLine, count: number): { args: readonly Word[]; cond?: Cond } | Rewrite {
  const rest = l.words.slice(l.argStart)
  const args = rest.slice(0, count)
  if (args.length < count) return fail((l.words[l.argStart - 1] as Word).span, `'${l.name}' expects ${count} argument${count > 1 ? 's' : ''}`)
  const tail = rest.slice(count)
  if (tail.length === 0) return { args }
  const kw = tail[0] as Word
  if ((kw.text !== 'if' && kw.text !== 'unless') || kw.quoted || tail.length < 2) {
    return fail(kw.span, `'${l.name}': unexpected '${kw.text}' (expects '[{if | unless} <cond>]' after its arguments)`)
  }
  return { args, cond: { kind: kw.text, words: tail.slice(1), raw: ` ${slice(l, kw, tail[tail.length - 1] as Word)}` } }
}

function notInDefaults(l: LegacyLine): Rewrite {
  return fail((l.words[0] as Word).span, `'${l.name}' was not allowed in 'defaults' sections in HAProxy 1.x either: move it to the frontends or backends that need it`)
}

function isRewrite(x: unknown): x is Rewrite {
  return typeof x === 'object' && x !== null && 'ok' in x
}

/**
 * `if <terms> <cond>`: the match terms ANDed with the 1.x condition. `if a || b` distributes the
 * terms over each alternative; `unless a b` becomes `!a || !b` with the terms on each side.
 */
function conditionWith(l: LegacyLine, terms: readonly string[], cond: Cond | undefined): string | Rewrite {
  const m = terms.join(' ')
  if (!cond) return terms.length ? ` if ${m}` : ''
  if (terms.length === 0) return cond.raw
  const alternatives: Word[][] = [[]]
  for (const w of cond.words) {
    if (!w.quoted && (w.text === '||' || w.text === 'or')) alternatives.push([])
    else alternatives[alternatives.length - 1]?.push(w)
  }
  if (cond.kind === 'if') return ` if ${alternatives.map((a) => `${m} ${slice(l, a[0] as Word, a[a.length - 1] as Word)}`).join(' || ')}`
  if (alternatives.length > 1 || cond.words.some((w) => w.text.includes('{') || w.text.includes('}'))) {
    return fail(
      cond.words[0]?.span ?? (l.words[0] as Word).span,
      `'${l.name} ... unless <cond>' with '||' or an anonymous ACL has no single 2.x condition: write the condition with 'if' (or name the ACLs) and run migrate again`,
    )
  }
  return ` if ${cond.words.map((w) => `${m} ${w.text.startsWith('!') ? w.text.slice(1) : `!${w.text}`}`).join(' || ')}`
}

/** `Name: value` of reqadd/rspadd, as 2.x add-header arguments. */
function header(l: LegacyLine, w: Word): { name: string; value: string } | Rewrite {
  const i = w.text.indexOf(':')
  const name = w.text.slice(0, i)
  if (i <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return fail(w.span, `'${l.name}' expects a complete header line 'Name:\\ value' (got '${w.text}')`)
  const value = w.text.slice(i + 1).trim()
  // HAProxy's tokenizer ends the arguments at an empty word, so '' cannot be the value.
  if (value === '') return fail(w.span, `'${l.name}': an empty header value has no 2.x form ('add-header ${name} ""' ends the arguments at the empty word)`)
  return { name, value }
}

function addHeader(ruleSet: 'http-request' | 'http-response') {
  return (l: LegacyLine): Rewrite => {
    if (l.section === 'defaults') return notInDefaults(l)
    const a = splitArgs(l, 1)
    if (isRewrite(a)) return a
    const h = header(l, a.args[0] as Word)
    if (isRewrite(h)) return h
    return {
      ok: true,
      text: `${ruleSet} add-header ${quoteWord(h.name)} ${logFormat(h.value)}${a.cond?.raw ?? ''}`,
      order: { side: ruleSet === 'http-request' ? 'request' : 'response', rank: RANK.add },
    }
  }
}

type FilterAction = 'replace' | 'del' | 'deny' | 'allow' | 'tarpit'

/** A `req*` or `rsp*` filter: `<regex>` (and the replacement for `replace`), case-insensitive for the i-variants. */
function filter(side: 'request' | 'response', action: FilterAction, icase: boolean) {
  return (l: LegacyLine): Rewrite => {
    if (l.section === 'defaults') return notInDefaults(l)
    const a = splitArgs(l, action === 'replace' ? 2 : 1)
    if (isRewrite(a)) return a
    const reW = a.args[0] as Word
    const ruleSet = side === 'request' ? 'http-request' : 'http-response'
    const order: RuleOrder = { side, rank: RANK.filter }
    const re = reW.text
    const hdr = splitHeaderRegex(re)
    if (hdr) {
      const vm = valueMatch(hdr.rest)
      if (!vm) {
        return fail(reW.span, `'${l.name}': no exact 2.x form for '${re}': after '${hdr.name}:' write '\\ ' then the value regex (as in '^${hdr.name}:\\ <value-regex>'), or '.*' for any value`)
      }
      const iflag = icase ? ' -i' : ''
      const fetch = `${side === 'request' ? 'req' : 'res'}.fhdr(${hdr.name})`
      const test = vm.kind === 'any' ? `{ ${fetch} -m found }` : `{ ${fetch} -m reg${iflag} ${quoteWord(vm.regex)} }`
      if (action === 'del') {
        if (vm.kind !== 'any') return fail(reW.span, `'${l.name}': HAProxy 2.6's '${ruleSet} del-header' removes every '${hdr.name}' line by name, not only those whose value matches '${re}'`)
        return { ok: true, text: `${ruleSet} del-header ${hdr.name}${a.cond?.raw ?? ''}`, order }
      }
      if (action === 'replace') {
        const replW = a.args[1] as Word
        const repl = replW.text
        const colon = repl.indexOf(':')
        if (colon < 0 || repl.slice(0, colon).toLowerCase() !== hdr.name.toLowerCase()) {
          return fail(
            replW.span,
            `'${l.name}': the replacement renames the header ('${hdr.name}' to '${colon < 0 ? repl : repl.slice(0, colon)}'): '${ruleSet} replace-header' keeps the name; use 'set-header' and 'del-header' rules`,
          )
        }
        const value = repl.slice(colon + 1).replace(/^[ \t]+/, '')
        if (/\\0/.test(value)) return fail(replW.span, `'${l.name}': '\\0' (the whole 1.x line, name included) has no 2.x counterpart in 'replace-header'`)
        const valRe = vm.kind === 'any' ? '^.*$' : vm.anchored ? vm.regex : `^.*${vm.regex}`
        return { ok: true, text: `${ruleSet} replace-header ${hdr.name} ${quoteWord(`${icase ? '(?i)' : ''}${valRe}`)} ${logFormat(value)}${a.cond?.raw ?? ''}`, order }
      }
      const c = conditionWith(l, [test], a.cond)
      if (isRewrite(c)) return c
      return { ok: true, text: `${ruleSet} ${action}${c}`, order, ...(action === 'allow' ? { allow: true } : {}) }
    }
    if (side === 'response') {
      return fail(reW.span, `'${l.name}': no exact 2.x form for '${re}': only '^Name:' header regexes translate ('http-response set-status' changes the status line)`)
    }
    const rl = splitRequestLine(re)
    if (!rl) {
      return fail(
        reW.span,
        `'${l.name}': no exact 2.x form for '${re}': 1.x tested it against the request line and every header line; only '^Name:\\ value' header regexes and '^[^\\ :]*\\ /path' request-line regexes have exact 2.x equivalents`,
      )
    }
    const methodTerm = rl.methods ? [`{ method${icase ? ' -i' : ''} ${rl.methods.join(' ')} }`] : []
    if (action === 'replace') return replacePath(l, a.args[1] as Word, rl, icase, methodTerm, a.cond)
    if (action === 'del') return fail(reW.span, `'${l.name}': the regex matches the request line, which 1.x could not delete either`)
    const path = rl.uri.replace(/(?:\(\.\*\)|\.\*)\$?$/, '')
    if (!pathOnly(path)) {
      return fail(reW.span, `'${l.name}': '${path}' can match past the path (a '.', a space, '?', '\\s' or an anchor): no exact 'path' condition; use '[^ ?]' or '\\.' in the regex`)
    }
    const c = conditionWith(l, [...methodTerm, `{ path -m reg${icase ? ' -i' : ''} ${quoteWord(`^${path}`)} }`], a.cond)
    if (isRewrite(c)) return c
    return { ok: true, text: `${ruleSet} ${action}${c}`, order, ...(action === 'allow' ? { allow: true } : {}) }
  }
}

/** `reqrep ^([^\ :]*)\ /old/(.*) \1\ /new/\2` → `http-request replace-path ^/old/(.*) /new/\1`. */
function replacePath(l: LegacyLine, replW: Word, rl: ReturnType<typeof splitRequestLine> & object, icase: boolean, methodTerm: readonly string[], cond: Cond | undefined): Rewrite {
  const m = /^(.*)\(\.\*\)\$?$/.exec(rl.uri)
  const prefix = m?.[1]
  if (prefix === undefined || !pathOnly(prefix)) {
    return fail(
      replW.span,
      `'${l.name}': no exact 2.x form: the regex must be '^<method> /<path>(.*)' with a path part that cannot match past the path, so that '(.*)' carries the rest of the request line`,
    )
  }
  const mg = rl.methodGroup ? 1 : 0
  const last = mg + countGroups(prefix) + 1
  const lead = rl.methodGroup ? '\\1 ' : rl.methods?.length === 1 ? `${rl.methods[0]} ` : undefined
  const repl = replW.text
  if (lead === undefined || !repl.startsWith(lead)) {
    return fail(replW.span, `'${l.name}': the replacement must keep the method ('${lead ?? '\\1 '}' first) for an exact 'replace-path'`)
  }
  const r = repl.slice(lead.length)
  if (!r.startsWith('/') || !r.endsWith(`\\${last}`) || /[ ?]|\\0/.test(r)) {
    return fail(replW.span, `'${l.name}': the replacement must be a path ending with '\\${last}' (the rest of the request line) for an exact 'replace-path'`)
  }
  let bad = false
  const renumbered = r.replace(/\\([0-9])/g, (_, d: string) => {
    const n = Number(d) - mg
    if (n < 1) bad = true
    return `\\${n}`
  })
  if (bad) return fail(replW.span, `'${l.name}': the replacement uses the method group elsewhere than at its start`)
  const c = conditionWith(l, methodTerm, cond)
  if (isRewrite(c)) return c
  return {
    ok: true,
    text: `http-request replace-path ${quoteWord(`${icase ? '(?i)' : ''}^${prefix}(.*)`)} ${logFormat(renumbered)}${c}`,
    order: { side: 'request', rank: RANK.filter },
  }
}

/** Keeps the arguments as written after a new keyword. */
function renamed(to: string, note?: string) {
  return (l: LegacyLine): Rewrite => {
    const args = l.words.slice(l.argStart)
    const prefix = l.argStart > 0 && (l.words[0]?.text === 'no' || l.words[0]?.text === 'default') && l.name.startsWith('option ') ? `${l.words[0]?.text} ` : ''
    const rest = args.length ? ` ${slice(l, args[0] as Word, args[args.length - 1] as Word)}` : ''
    return { ok: true, text: `${prefix}${to}${rest}`, ...(note ? { note } : {}) }
  }
}

/** Turns the line into a comment: the directive has no effect in 2.x. */
function dropped(why: string) {
  return (l: LegacyLine): Rewrite => {
    const first = l.words[0] as Word
    const last = l.words[l.words.length - 1] as Word
    return { ok: true, text: `# ${slice(l, first, last)}  # removed by edgeproxy migrate: ${why}`, note: why }
  }
}

function none(why: string) {
  return (l: LegacyLine): Rewrite => fail((l.words[l.argStart - 1] as Word).span, `'${l.name}' has no HAProxy 2.x equivalent: ${why}`)
}

function monitorNet(l: LegacyLine): Rewrite {
  if (l.section !== 'frontend' && l.section !== 'listen')
    return fail(
      (l.words[0] as Word).span,
      `'monitor-net' in a '${l.section}' section: 2.x rules cannot be inherited from an anonymous 'defaults' section; put 'http-request return status 200 if { src <net> }' in each frontend`,
    )
  const a = splitArgs(l, 1)
  if (isRewrite(a)) return a
  if (a.cond) return fail(a.cond.words[0]?.span ?? (l.words[0] as Word).span, "'monitor-net' takes no condition")
  return {
    ok: true,
    text: `http-request return status 200 if { src ${(a.args[0] as Word).text} }`,
    order: { side: 'request', rank: RANK.monitor },
    note: '1.x answered before any rule; this is the first request rule',
  }
}

function block(l: LegacyLine): Rewrite {
  if (l.section === 'defaults') return notInDefaults(l)
  const args = l.words.slice(l.argStart)
  const kw = args[0]
  if (!kw || (kw.text !== 'if' && kw.text !== 'unless') || args.length < 2) return fail((kw ?? (l.words[0] as Word)).span, "'block' expects 'if' or 'unless' followed by a condition")
  return { ok: true, text: `http-request deny ${slice(l, args[0] as Word, args[args.length - 1] as Word)}`, order: { side: 'request', rank: RANK.block } }
}

const HTTPCLOSE = "HAProxy 2.x's closest mode; 'forceclose' also closed the server side after the response"

/** Rewriters by directive name (keywords/legacy.ts names, plus `hash-type avalanche` and `mode health`). */
export const REWRITES: Readonly<Record<string, (l: LegacyLine) => Rewrite>> = {
  reqadd: addHeader('http-request'),
  rspadd: addHeader('http-response'),
  reqrep: filter('request', 'replace', false),
  cliexp: filter('request', 'replace', false),
  reqirep: filter('request', 'replace', true),
  reqdel: filter('request', 'del', false),
  reqidel: filter('request', 'del', true),
  reqdeny: filter('request', 'deny', false),
  reqideny: filter('request', 'deny', true),
  reqallow: filter('request', 'allow', false),
  reqiallow: filter('request', 'allow', true),
  reqtarpit: filter('request', 'tarpit', false),
  reqitarpit: filter('request', 'tarpit', true),
  reqpass: none("a request line matching it skipped the later 'reqallow'/'reqdeny'/'reqtarpit' filters; write that exception into their conditions"),
  reqipass: none("a request line matching it skipped the later 'reqallow'/'reqdeny'/'reqtarpit' filters; write that exception into their conditions"),
  rsprep: filter('response', 'replace', false),
  srvexp: filter('response', 'replace', false),
  rspirep: filter('response', 'replace', true),
  rspdel: filter('response', 'del', false),
  rspidel: filter('response', 'del', true),
  rspdeny: filter('response', 'deny', false),
  rspideny: filter('response', 'deny', true),
  block,
  redispatch: renamed('option redispatch'),
  redisp: renamed('option redispatch'),
  contimeout: renamed('timeout connect'),
  clitimeout: renamed('timeout client'),
  srvtimeout: renamed('timeout server'),
  'timeout contimeout': renamed('timeout connect'),
  'timeout clitimeout': renamed('timeout client'),
  'timeout srvtimeout': renamed('timeout server'),
  'option forceclose': renamed('option httpclose', HTTPCLOSE),
  'option http-tunnel': dropped("HAProxy 2.1+ analyses every request of a connection ('please just remove it, it shouldn't be needed')"),
  'option http_proxy': none("use 'http-request set-dst' and 'http-request set-uri' (HAProxy's advice)"),
  'monitor-net': monitorNet,
  appsession: none("use 'cookie <name> prefix' or a stick table on the cookie ('stick on req.cook(<name>)')"),
  grace: none("2.x has a global 'grace' only; use 'hard-stop-after' or 'grace' in the global section"),
  nbproc: dropped('HAProxy 2.5+ runs threads instead of processes'),
  'tune.chksize': dropped('checks use tune.bufsize since HAProxy 1.6'),
  'hash-type avalanche': renamed('hash-type map-based sdbm avalanche'),
  'mode health': none("1.x answered 'OK' on the raw connection; in HTTP use 'http-request return status 200'"),
}
