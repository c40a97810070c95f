/**
 * @module
 * `if|unless` conditions (doc 7.2): terms side by side are ANDed, `||`/`or` separates OR groups,
 * `!` negates, `{ … }` declares an anonymous ACL. ACL names must be declared before use, as in
 * HAProxy; predefined ACLs (TRUE, METH_GET, …) are created on first use.
 */
import type { Condition, ConditionTerm } from '../routemap/schema.ts'
import type { Phase } from '../sample/types.ts'
import { PREDEFINED_ACLS, parseAclTest } from './acl.ts'
import { closest } from '../util/closest.ts'
import type { AclDraft, ProxyDraft } from './draft.ts'
import type { Word } from './lexer.ts'
import type { Services } from './services.ts'
import { spanAt } from './source.ts'

/**
 * Parses `words` (starting with `if` or `unless`). Returns undefined after reporting errors.
 * `context` names the statement for messages ("'http-request deny'"); `where` names the place
 * where the condition runs as HAProxy does in its phase warnings ('frontend use-backend rule').
 */
export function parseCondition(words: readonly Word[], proxy: ProxyDraft, phase: Phase, sv: Services, context: string, where?: string): Condition | undefined {
  const head = words[0]
  if (!head || (head.text !== 'if' && head.text !== 'unless')) return undefined
  // acl.c parse_acl_cond, word by word (quoting does not matter, as in HAProxy): leading '!'s
  // toggle negation (so '!{' opens a negated anonymous ACL and a lone '!' applies to the next
  // term), 'or' in any case or '||' starts an OR group, '{' … '}' is an anonymous ACL. An empty
  // condition, a leading or trailing 'or' are accepted: groups without terms are dropped. The first
  // error ends the parse, as in HAProxy.
  const groups: ConditionTerm[][] = [[]]
  let negate = false
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as Word
    const bangs = /^!*/.exec(w.text)?.[0].length ?? 0
    if (bangs % 2 === 1) negate = !negate
    const text = w.text.slice(bangs)
    if (text === '') continue
    const cur = groups[groups.length - 1] as ConditionTerm[]
    if (text.toLowerCase() === 'or' || text === '||') {
      if (cur.length > 0) groups.push([])
      negate = false
      continue
    }
    if (text === '{') {
      let j = i + 1
      while (j < words.length && words[j]?.text !== '}') j++
      if (j >= words.length) {
        sv.diag.error('syntax', w.span, `missing closing '}' in condition of ${context}`, {
          help: "'{' and '}' are words of their own: separate them from the ACL with spaces",
        })
        return undefined
      }
      const inner = words.slice(i + 1, j)
      if (inner.length === 0) {
        sv.diag.error('syntax', w.span, `missing fetch method in ACL expression '' in ${context}`, { help: "write the ACL between the braces, e.g. '{ path_beg /api }'" })
        return undefined
      }
      const test = parseAclTest(inner, 'any', sv, 'anonymous')
      if (!test) return undefined
      const first = inner[0] as Word
      const acl: AclDraft = { name: `{${inner.map((x) => x.text).join(' ')}}`, tests: [test], span: first.span, hidden: true }
      proxy.acls.push(acl)
      cur.push(phaseTerm(acl, proxy.acls.length - 1, negate, { proxy, phase, sv, where }, first))
      negate = false
      i = j
      continue
    }
    const index = findAcl(text, proxy, phase, sv)
    if (index === undefined) {
      const candidates = proxy.acls.filter((a) => !a.hidden).map((a) => a.name)
      const glued = /^\{.|.\}$/.test(text)
      const s = glued ? undefined : closest(text, [...candidates, ...Object.keys(PREDEFINED_ACLS)])
      sv.diag.error('unknown-acl', w.span, `no such ACL : '${text}' in ${context}`, {
        help: glued
          ? "'{' and '}' are words of their own: separate them from the ACL with spaces, e.g. '!{ ssl_fc }'"
          : s
            ? `did you mean '${s}'? ACLs must be declared with 'acl' before they are used`
            : "declare it with 'acl' before this line",
      })
      return undefined
    }
    cur.push(phaseTerm(proxy.acls[index] as AclDraft, index, negate, { proxy, phase, sv, where }, w))
    negate = false
  }
  const text = words.map((x) => (x.quoted || /\s/.test(x.text) ? JSON.stringify(x.text) : x.text)).join(' ')
  return { unless: head.text === 'unless', or: groups.filter((g) => g.length > 0), text }
}

function findAcl(name: string, proxy: ProxyDraft, phase: Phase, sv: Services): number | undefined {
  for (let k = proxy.acls.length - 1; k >= 0; k--) {
    const a = proxy.acls[k] as AclDraft
    if (!a.hidden && a.name === name) return k
  }
  const pre = PREDEFINED_ACLS[name]
  if (!pre) return undefined
  const span = spanAt('<predefined>', 0, 1)
  const words = pre.map((text) => ({ text, span, quoted: false }))
  const test = parseAclTest(words, phase, sv, name)
  if (!test) throw new Error(`predefined ACL ${name} does not compile`)
  proxy.acls.push({ name, tests: [test], span, hidden: false })
  return proxy.acls.length - 1
}

/**
 * cfgparse.c warn_about_incompatible ACLs: an ACL whose keywords cannot be fetched where the
 * condition runs (`status` in an http-request rule) is accepted with a warning and never matches
 * there (a negated one always does). Such a term points at a hidden always-false ACL.
 */
function phaseTerm(acl: AclDraft, index: number, negate: boolean, use: { proxy: ProxyDraft; phase: Phase; sv: Services; where: string | undefined }, at: Word): ConditionTerm {
  const { proxy, phase, sv } = use
  const bad = acl.tests.filter((t) => !(sv.registry.fetch(t.sample.fetch)?.phases.includes(phase) ?? true))
  if (bad.length === 0) return { negate, acl: index }
  const where = use.where ?? `${proxy.kind === 'backend' ? 'backend' : 'frontend'} ${phase === 'request' ? 'http-request' : 'http-response'} header rule`
  const kw = bad[0]?.keyword ?? bad[0]?.sample.fetch ?? ''
  const all = bad.length === acl.tests.length
  const message = acl.hidden
    ? `anonymous acl ${all ? 'will never match because it uses' : 'involves'} keyword '${kw}' which is incompatible with '${where}'`
    : all
      ? `acl '${acl.name}' will never match because it only involves keywords that are incompatible with '${where}'`
      : `acl '${acl.name}' involves keywords '${kw}' which is incompatible with '${where}'`
  sv.diag.warning('useless', at.span, message, {
    help: `'${kw}' is only available in ${phase === 'request' ? 'response' : 'request'} rules`,
  })
  if (!all) return { negate, acl: index }
  let never = proxy.acls.findIndex((a) => a.hidden && a.name === NEVER)
  if (never < 0) {
    const span = spanAt('<predefined>', 0, 1)
    const test = parseAclTest([{ text: 'always_false', span, quoted: false }], phase, sv, NEVER)
    if (!test) throw new Error('always_false does not compile')
    proxy.acls.push({ name: NEVER, tests: [test], span, hidden: true })
    never = proxy.acls.length - 1
  }
  return { negate, acl: never }
}

const NEVER = '{always_false}'
