/**
 * @module
 * Prints an AST back as JavaScript RegExp source, for flags `i` or none (every set, anchor and
 * line end written out, so `m` and `s` are not needed). Groups print as non-capturing: the
 * printed regex serves `test` only (index.ts, the leading-star rule).
 */
import type { AssertKind, Node, SetNode } from './ast.ts'
import type { Ranges } from './charset.ts'

const hex = (c: number): string => `\\u${c.toString(16).padStart(4, '0')}`

function set(n: SetNode): string {
  const r: Ranges = n.ranges
  if (r.length === 0) return n.negated ? '[\\s\\S]' : '[^\\s\\S]'
  let out = ''
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i] as number
    const hi = r[i + 1] as number
    out += lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`
  }
  return n.negated ? `[^${out}]` : `[${out}]`
}

const ASSERT: Readonly<Record<AssertKind, string>> = {
  start: '(?<![\\s\\S])',
  end: '(?![\\s\\S])',
  'line-start': '(?<![^\\n\\r\\u2028\\u2029])',
  'line-end': '(?![^\\n\\r\\u2028\\u2029])',
  'end-or-final-newline': '(?=\\n?(?![\\s\\S]))',
  'end-or-newline': '(?=\\n|(?![\\s\\S]))',
  'word-boundary': '\\b',
  'not-word-boundary': '\\B',
}

export function printRegex(n: Node): string {
  switch (n.t) {
    case 'set':
      return set(n)
    case 'seq':
      return n.items.map((x) => (x.t === 'alt' ? `(?:${printRegex(x)})` : printRegex(x))).join('')
    case 'alt':
      return n.alts.map(printRegex).join('|')
    case 'group':
      return `(?:${printRegex(n.body)})`
    case 'rep': {
      const q = n.max === Number.POSITIVE_INFINITY ? `{${n.min},}` : `{${n.min},${n.max}}`
      return `(?:${printRegex(n.body)})${q}${n.greedy ? '' : '?'}`
    }
    case 'assert':
      return ASSERT[n.kind]
    case 'look':
      return `(?${n.behind ? '<' : ''}${n.negate ? '!' : '='}${n.sets.map(set).join('')})`
  }
}
