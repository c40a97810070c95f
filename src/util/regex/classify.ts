/**
 * @module
 * Which regexes may keep V8's native (backtracking) RegExp: those whose backtracking is provably
 * linear in the input. Everything else runs on the Pike VM. The rule (checked on the AST, once,
 * when the regex is compiled):
 *
 * 1. Every unbounded quantifier (`*`, `+`, `{n,}`) applies to a single character set (a literal,
 *    a class, `.`, `\d`...), and there is at most one of them.
 * 2. If there is one, every match is anchored at the start of the input (`^` without `m` leads
 *    every alternative).
 * 3. The rest is bounded: the number of ways W a backtracker can split a match among the
 *    alternatives and bounded quantifiers (a product over sequences, a sum over alternatives,
 *    the sum of W(body)^k over a bounded quantifier's counts k) is at most MAX_WAYS.
 *
 * Why this is linear: at one start position, a backtracker tries at most W paths through the
 * bounded part, each of bounded length L, for each of the at most n+1 counts the single
 * unbounded quantifier can take (a single set leaves no other choice per iteration): O(W·L·n).
 * Rule 2 makes every other start position fail at `^` in O(1), so the whole search is O(W·L·n).
 * Without an unbounded quantifier, each of the n start positions costs at most W·L: O(W·L·n)
 * again. `^/(a+)+$` breaks rule 1 (a quantified group); `a.*b` breaks rule 2 (quadratic: each
 * start scans to the end); `(a|aa){0,40}` breaks rule 3.
 */
import type { Node } from './ast.ts'
import { anchoredAtStart } from './compile.ts'

export const MAX_WAYS = 1000

/** W for a node, capped at MAX_WAYS + 1; Infinity when rule 1 fails below it. */
function ways(n: Node, unbounded: { count: number }): number {
  const cap = (x: number): number => Math.min(x, MAX_WAYS + 1)
  switch (n.t) {
    case 'set':
    case 'assert':
    case 'look':
      return 1
    case 'seq':
      return n.items.reduce((w, x) => cap(w * ways(x, unbounded)), 1)
    case 'alt':
      return n.alts.reduce((w, x) => cap(w + ways(x, unbounded)), 0)
    case 'group':
      return ways(n.body, unbounded)
    case 'rep': {
      if (n.max === Number.POSITIVE_INFINITY) {
        unbounded.count++
        return n.body.t === 'set' ? 1 : Number.POSITIVE_INFINITY
      }
      const b = ways(n.body, unbounded)
      let total = 0
      let pow = 1
      for (let k = 0; k <= n.max && total <= MAX_WAYS; k++) {
        if (k >= n.min) total = cap(total + pow)
        pow = cap(pow * b)
      }
      return total
    }
  }
}

/** True when native RegExp is provably linear on this regex (the rule above). */
export function backtrackingIsLinear(root: Node): boolean {
  const unbounded = { count: 0 }
  const w = ways(root, unbounded)
  if (w > MAX_WAYS) return false
  if (unbounded.count > 1) return false
  return unbounded.count === 0 || anchoredAtStart(root)
}
