/**
 * @module
 * `if|unless` conditions (doc 7.2): terms side by side are ANDed, `||`/`or` separates OR groups,
 * `!` negates, `{ … }` declares an anonymous ACL. ACL names must be declared before use, as in
 * HAProxy; predefined ACLs (TRUE, METH_GET, …) are created on first use.
 */
import type { Condition, ConditionTerm } from '../routemap/schema.ts'
import type { Phase } from '../sample/types.ts'
import { PREDEFINED_ACLS, parseAclTest } from './acl.ts'
import { closest } from './diagnostics.ts'
import type { AclDraft, ProxyDraft } from './draft.ts'
import type { Word } from './lexer.ts'
import type { Services } from './services.ts'
import { spanAt } from './source.ts'

/**
 * Parses `words` (starting with `if` or `unless`). Returns undefined after reporting errors.
 * `context` names the statement for messages ("'http-request deny'").
 */
export function parseCondition(
  words: readonly Word[],
  proxy: ProxyDraft,
  phase: Phase,
  sv: Services,
  context: string,
): Condition | undefined {
  const head = words[0]
  if (!head || (head.text !== 'if' && head.text !== 'unless')) return undefined
  if (words.length === 1) {
    sv.diag.error('missing-argument', head.span, `missing condition after '${head.text}' in ${context}`)
    return undefined
  }
  const ws: Word[] = [...words]
  const groups: ConditionTerm[][] = [[]]
  let negate = false
  let failed = false
  for (let i = 1; i < ws.length; i++) {
    const w = ws[i] as Word
    const cur = groups[groups.length - 1] as ConditionTerm[]
    // acl.c: leading '!' marks negate (and may stand alone, or precede '{' as in `!{ ... }`).
    let text = w.text
    if (!w.quoted) {
      while (text.startsWith('!')) {
        negate = !negate
        text = text.slice(1)
      }
      if (text === '') continue
    }
    if (!w.quoted && (text === '||' || text === 'or')) {
      if (cur.length === 0) {
        sv.diag.error('syntax', w.span, `'${w.text}' without a term before it in ${context}`)
        failed = true
      }
      groups.push([])
      negate = false
      continue
    }
    if (!w.quoted && text === '{') {
      let j = i + 1
      while (j < ws.length && !(ws[j]?.text === '}' && !ws[j]?.quoted)) j++
      if (j >= ws.length) {
        sv.diag.error('syntax', w.span, `missing closing '}' in condition of ${context}`)
        return undefined
      }
      const inner = ws.slice(i + 1, j)
      if (inner.length === 0) {
        sv.diag.error('syntax', w.span, `empty anonymous ACL '{ }' in ${context}`)
        failed = true
      } else {
        const test = parseAclTest(inner, phase, sv, 'anonymous')
        if (test) {
          const index = proxy.acls.length
          const first = inner[0] as Word
          proxy.acls.push({ name: `{${inner.map((x) => x.text).join(' ')}}`, tests: [test], span: first.span, hidden: true })
          cur.push({ negate, acl: index })
        } else failed = true
      }
      negate = false
      i = j
      continue
    }
    const name = text
    const index = findAcl(name, proxy, phase, sv)
    if (index === undefined) {
      const candidates = proxy.acls.filter((a) => !a.hidden).map((a) => a.name)
      const s = closest(name, [...candidates, ...Object.keys(PREDEFINED_ACLS)])
      sv.diag.error('unknown-acl', w.span, `no such ACL : '${name}' in ${context}`, {
        help: s ? `did you mean '${s}'? ACLs must be declared with 'acl' before they are used` : "declare it with 'acl' before this line",
      })
      failed = true
    } else cur.push({ negate, acl: index })
    negate = false
  }
  if (failed) return undefined
  if (groups[groups.length - 1]?.length === 0) {
    sv.diag.error('syntax', (words[words.length - 1] as Word).span, `condition ends with an operator in ${context}`)
    return undefined
  }
  const text = words.map((x) => (x.quoted || /\s/.test(x.text) ? JSON.stringify(x.text) : x.text)).join(' ')
  return { unless: head.text === 'unless', or: groups, text }
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
