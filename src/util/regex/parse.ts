/**
 * @module
 * Parses JavaScript RegExp source (non-Unicode mode, Annex B syntax: what pcre.ts and the
 * rewriting actions produce) into the linear engine's AST. The caller has already checked the
 * source with `new RegExp`, so every error here is a construct the engine refuses (a typed
 * Refusal), never a syntax error. Refused: back-references (`\1`, `\k<n>`), lookarounds other
 * than over a fixed string of sets (`(?!\.\.)`) and the two end idioms pcre.ts writes, a
 * quantified lookaround, counted repetition above 1000 (as RE2), flags other than `i`, `m`, `s`,
 * `g`, `y`.
 */
import type { AssertKind, Node, ParsedRegex, Refusal, SetNode } from './ast.ts'
import { ALL, DIGIT, LINE_TERMINATOR, type Ranges, SPACE, WORD, negate, normalize } from './charset.ts'

/** The largest count of a `{n,m}` repetition (RE2's limit). */
export const MAX_REPEAT = 1000

class Refused extends Error {
  readonly refusal: Refusal
  constructor(refusal: Refusal) {
    super(refusal.detail)
    this.refusal = refusal
  }
}

const refuse = (feature: Refusal['feature'], detail: string): never => {
  throw new Refused({ feature, detail })
}

const CONTROL: Readonly<Record<string, number>> = { f: 12, n: 10, r: 13, t: 9, v: 11 }
const SHORTHAND: Readonly<Record<string, Ranges>> = {
  d: DIGIT,
  D: negate(DIGIT),
  w: WORD,
  W: negate(WORD),
  s: SPACE,
  S: negate(SPACE),
}

const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c)
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/** Capturing groups and whether any is named: a `\N` is a back-reference only when N <= the count. */
function scanGroups(src: string): { count: number; named: boolean } {
  let count = 0
  let named = false
  let inClass = false
  for (let i = 0; i < src.length; i++) {
    const c = src[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(') {
      if (src[i + 1] !== '?') count++
      else if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') {
        count++
        named = true
      }
    }
  }
  return { count, named }
}

const SET_ALL: SetNode = { t: 'set', ranges: ALL }

/** `(?![\s\S])`: nothing follows. */
function isEndLook(n: Node): boolean {
  const r = n.t === 'look' && n.sets.length === 1 && !n.sets[0]?.negated ? n.sets[0]?.ranges : undefined
  return n.t === 'look' && !n.behind && n.negate && r?.length === 2 && r[0] === 0 && r[1] === 0xffff
}

function isNewline(n: Node | undefined): boolean {
  return n?.t === 'set' && !n.negated && n.ranges.length === 2 && n.ranges[0] === 10 && n.ranges[1] === 10
}

export function parseRegex(src: string, flags: string): ParsedRegex | Refusal {
  for (const f of flags) if (!'imsgy'.includes(f)) return { feature: 'unsupported-syntax', detail: `the '${f}' flag` }
  const icase = flags.includes('i')
  const multiline = flags.includes('m')
  const dotAll = flags.includes('s')
  const scan = scanGroups(src)
  const names = new Map<number, string>()
  let groupIndex = 0
  let i = 0

  const set = (r: Ranges): SetNode => ({ t: 'set', ranges: r })
  const unit = (c: number): number[] => [c, c]

  /** Annex B legacy octal after `\` (digit at src[i]); consumes it. */
  const octal = (): number => {
    const m = /^(?:[0-3][0-7]{0,2}|[4-7][0-7]?)/.exec(src.slice(i))?.[0] ?? ''
    i += m.length
    return Number.parseInt(m, 8)
  }

  /** A character escape (after `\`, at src[i]) as one code unit, or undefined when it is not one. */
  const charEscape = (inClass: boolean): number | undefined => {
    const c = src[i] as string
    if (c in CONTROL) {
      i++
      return CONTROL[c]
    }
    if (c === 'c') {
      const x = src[i + 1]
      if (x !== undefined && (/[A-Za-z]/.test(x) || (inClass && /[0-9_]/.test(x)))) {
        i += 2
        return x.charCodeAt(0) % 32
      }
      return 0x5c // `\c` alone: a backslash, then `c` is read as itself
    }
    if (c === 'x' && isHex(src[i + 1]) && isHex(src[i + 2])) {
      i += 3
      return Number.parseInt(src.slice(i - 2, i), 16)
    }
    if (c === 'u' && /^[0-9A-Fa-f]{4}$/.test(src.slice(i + 1, i + 5))) {
      i += 5
      return Number.parseInt(src.slice(i - 4, i), 16)
    }
    if (c === '0' && !isDigit(src[i + 1])) {
      i++
      return 0
    }
    return undefined
  }

  /** After `\` inside a class: the ranges it stands for, and whether it is a shorthand (\d...). */
  const classEscape = (): { ranges: Ranges; shorthand: boolean } => {
    const c = src[i] as string
    const sh = SHORTHAND[c]
    if (sh) {
      i++
      return { ranges: sh, shorthand: true }
    }
    if (c === 'b') {
      i++
      return { ranges: unit(8), shorthand: false }
    }
    const e = charEscape(true)
    if (e !== undefined) {
      if (e === 0x5c && c === 'c') return { ranges: unit(0x5c), shorthand: false }
      return { ranges: unit(e), shorthand: false }
    }
    if (isDigit(c)) {
      if (c === '8' || c === '9') {
        i++
        return { ranges: unit(c.charCodeAt(0)), shorthand: false }
      }
      return { ranges: unit(octal()), shorthand: false }
    }
    i++
    return { ranges: unit(c.charCodeAt(0)), shorthand: false }
  }

  const charClass = (): Node => {
    // src[i - 1] === '['
    let neg = false
    if (src[i] === '^') {
      neg = true
      i++
    }
    const acc: number[] = []
    const atom = (): { ranges: Ranges; shorthand: boolean } => {
      const c = src[i] as string
      i++
      if (c === '\\') return classEscape()
      return { ranges: unit(c.charCodeAt(0)), shorthand: false }
    }
    while (src[i] !== ']') {
      if (i >= src.length) refuse('unsupported-syntax', 'an unterminated class')
      const a = atom()
      if (src[i] === '-' && src[i + 1] !== ']' && i + 1 < src.length) {
        i++
        const b = atom()
        if (a.shorthand || b.shorthand) acc.push(...a.ranges, 0x2d, 0x2d, ...b.ranges)
        else acc.push(a.ranges[0] as number, b.ranges[0] as number)
      } else acc.push(...a.ranges)
    }
    i++
    const r = normalize(acc)
    // JS: [^...] under `i` is the complement of the case-closed set
    if (!neg) return set(r)
    // under `i`, [^...] is the complement of the case-closed set: compile.ts builds it
    return icase ? { t: 'set', ranges: r, negated: true } : set(negate(r))
  }

  const SIMPLE_QUANT: Readonly<Record<string, { min: number; max: number }>> = {
    '*': { min: 0, max: Number.POSITIVE_INFINITY },
    '+': { min: 1, max: Number.POSITIVE_INFINITY },
    '?': { min: 0, max: 1 },
  }
  const quantifier = (): { min: number; max: number } | undefined => {
    const c = src[i]
    const simple = c === undefined ? undefined : SIMPLE_QUANT[c]
    if (simple) {
      i++
      return simple
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i))
      if (!m) return undefined
      i += m[0].length
      const min = Number(m[1])
      const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3])
      if (min > MAX_REPEAT || (max !== Number.POSITIVE_INFINITY && max > MAX_REPEAT)) refuse('repetition-too-large', `the repetition ${m[0]} (the limit is ${MAX_REPEAT})`)
      return { min, max }
    }
    return undefined
  }

  const lookaround = (behind: boolean, negated: boolean, start: number): Node => {
    const body = disjunction()
    if (src[i] !== ')') refuse('unsupported-syntax', 'an unclosed group')
    i++
    const text = src.slice(start, i)
    // the idioms pcre.ts writes for PCRE's `$`/`\Z` and multiline `$`
    if (!behind && !negated && body.t === 'seq' && body.items.length === 2) {
      const [a, b] = body.items
      if (a?.t === 'rep' && a.min === 0 && a.max === 1 && isNewline(a.body) && b && isEndLook(b)) return { t: 'assert', kind: 'end-or-final-newline' }
    }
    if (!behind && !negated && body.t === 'alt' && body.alts.length === 2 && isNewline(body.alts[0]) && body.alts[1] && isEndLook(body.alts[1])) {
      return { t: 'assert', kind: 'end-or-newline' }
    }
    const items = body.t === 'seq' ? body.items : [body]
    const sets: SetNode[] = []
    for (const n of items) {
      if (n.t !== 'set') refuse('lookaround', `the lookaround ${text}`)
      else sets.push(n)
    }
    if (sets.length === 0) refuse('lookaround', `the empty lookaround ${text}`)
    return { t: 'look', behind, negate: negated, sets }
  }

  const group = (): Node => {
    // src[i - 1] === '('
    const start = i - 1
    if (src[i] === '?') {
      const rest = src.slice(i + 1, i + 3)
      if (rest[0] === ':') {
        i += 2
        return closeGroup(0)
      }
      if (rest[0] === '=' || rest[0] === '!') {
        i += 2
        return lookaround(false, rest[0] === '!', start)
      }
      if (rest === '<=' || rest === '<!') {
        i += 3
        return lookaround(true, rest[1] === '!', start)
      }
      const named = /^\?<([A-Za-z_$][\w$]*)>/.exec(src.slice(i))
      if (!named) return refuse('unsupported-syntax', `the group ${src.slice(start, start + 4)}`)
      i += named[0].length
      const index = ++groupIndex
      names.set(index, named[1] as string)
      return closeGroup(index)
    }
    return closeGroup(++groupIndex)
  }

  const closeGroup = (index: number): Node => {
    const body = disjunction()
    if (src[i] !== ')') refuse('unsupported-syntax', 'an unclosed group')
    i++
    return { t: 'group', index, body }
  }

  const atomEscape = (): Node => {
    // src[i - 1] === '\\'
    const c = src[i] as string
    if (c === 'b' || c === 'B') {
      i++
      return { t: 'assert', kind: c === 'b' ? 'word-boundary' : 'not-word-boundary' }
    }
    const sh = SHORTHAND[c]
    if (sh) {
      i++
      return set(sh)
    }
    if (c === 'k' && scan.named) {
      const m = /^k<([^>]*)>/.exec(src.slice(i))
      return refuse('backreference', `the back-reference \\k<${m?.[1] ?? ''}>`)
    }
    if (isDigit(c) && c !== '0') {
      const digits = /^\d+/.exec(src.slice(i))?.[0] ?? c
      if (Number(digits) <= scan.count) refuse('backreference', `the back-reference \\${digits}`)
      if (c === '8' || c === '9') {
        i++
        return set(unit(c.charCodeAt(0)))
      }
      return set(unit(octal()))
    }
    if (c === '0' && isDigit(src[i + 1])) return set(unit(octal()))
    const e = charEscape(false)
    if (e !== undefined) return set(unit(e))
    i++
    return set(unit(c.charCodeAt(0)))
  }

  const term = (): Node | undefined => {
    const c = src[i] as string
    i++
    let atom: Node
    switch (c) {
      case '^':
        return { t: 'assert', kind: (multiline ? 'line-start' : 'start') satisfies AssertKind }
      case '$':
        return { t: 'assert', kind: multiline ? 'line-end' : 'end' }
      case '\\':
        atom = atomEscape()
        if (atom.t === 'assert') return atom
        break
      case '.':
        atom = dotAll ? SET_ALL : set(negate(LINE_TERMINATOR))
        break
      case '[':
        atom = charClass()
        break
      case '(':
        atom = group()
        break
      default:
        atom = set(unit(c.charCodeAt(0)))
    }
    const q = quantifier()
    if (!q) return atom
    if (atom.t === 'look' || (atom.t === 'assert' && atom.kind !== 'word-boundary')) refuse('unsupported-syntax', 'a quantified lookaround')
    let greedy = true
    if (src[i] === '?') {
      greedy = false
      i++
    }
    return { t: 'rep', body: atom, min: q.min, max: q.max, greedy }
  }

  const alternative = (): Node => {
    const items: Node[] = []
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const n = term()
      if (n) items.push(n)
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'seq', items }
  }

  const disjunction = (): Node => {
    const alts = [alternative()]
    while (src[i] === '|') {
      i++
      alts.push(alternative())
    }
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', alts }
  }

  try {
    const root = disjunction()
    if (i < src.length) refuse('unsupported-syntax', `'${src[i]}' at ${i}`)
    return { root, icase, groups: groupIndex, names }
  } catch (e) {
    if (e instanceof Refused) return e.refusal
    throw e
  }
}
