/**
 * @module
 * Translates a PCRE2 pattern, as HAProxy 2.6 compiles it for `-m reg` (regex.c regex_comp:
 * no options but PCRE2_CASELESS with -i and PCRE2_NO_AUTO_CAPTURE), into JavaScript RegExp
 * source with the same meaning in non-Unicode mode:
 * - `.` does not match "\n" only (JS also excludes "\r", U+2028, U+2029);
 * - `$` matches at the end or before a final "\n"; `\Z`, `\z`, `\A`, `\G` are rewritten;
 * - `\s` is [\t-\r ] (JS adds NBSP and Unicode spaces), `\h`, `\v`, `\R`, `\e`, `\a`, `\x{..}`,
 *   `\o{..}`, `\Q..\E`, octal escapes and POSIX classes ([:alpha:]) are expanded;
 * - plain groups are non-capturing (NO_AUTO_CAPTURE); `(?P<n>..)`, `(?'n'..)`, `(?P=n)`, `\k{n}`
 *   become JS named groups and references; `(?i)`, `(?s)`, `(?m)` at the start are honoured.
 * What JS cannot express is refused with an error: numeric back-references (errors in HAProxy
 * too, groups do not capture), atomic groups, possessive quantifiers, recursion, conditionals,
 * inline options other than (?i) (?s) (?m) at the start (or after ^), `\K`, `\p`, `\X`, verbs.
 * The result must also run on the linear-time engine (src/util/regex): named back-references
 * and lookarounds wider than a fixed string of characters need backtracking and are refused
 * there, with the refusal's typed feature kept in the result.
 */
import { type Refusal, compileRegex } from '../../util/regex/index.ts'

export interface JsRegex {
  readonly source: string
  readonly flags: string
}

class Unsupported extends Error {}

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t-\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

/** Class contents (without brackets) for PCRE's shorthand escapes that differ from JS. */
const CLASS_SHORTHAND: Readonly<Record<string, string>> = {
  s: '\\t-\\r ',
  S: '\\x00-\\x08\\x0e-\\x1f!-\\uffff',
  h: '\\t \\xa0',
  H: '\\x00-\\x08\\n-\\x1f!-\\x9f\\xa1-\\uffff',
  v: '\\n-\\r\\x85',
  V: '\\x00-\\t\\x0e-\\x84\\x86-\\uffff',
  d: '\\d',
  D: '\\D',
  w: '\\w',
  W: '\\W',
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, e: 0x1b, f: 12, n: 10, r: 13, t: 9 }

function hex2(code: number): string {
  return `\\x${code.toString(16).padStart(2, '0')}`
}

function literal(code: number): string {
  if (code > 0xff) return `\\u${code.toString(16).padStart(4, '0')}`
  const ch = String.fromCharCode(code)
  if (/[0-9A-Za-z_]/.test(ch)) return ch
  return hex2(code)
}

/** Translates `src`; throws Unsupported or returns the JS source and flags. */
function translate(src: string, icase: boolean): JsRegex {
  let i = 0
  let dotAll = false
  let multiline = false
  let ignoreCase = icase

  let out = ''
  let atom = false // the previous token can take a quantifier

  const checkAfterQuantifier = (): void => {
    if (src[i] === '+') throw new Unsupported('possessive quantifiers are not supported')
    if (src[i] === '?') {
      out += '?'
      i++
    }
  }

  /** Reads an escape after '\\' at src[i]; returns JS source for outside or inside a class. */
  const readEscape = (inClass: boolean): string => {
    const c = src[i]
    if (c === undefined) throw new SyntaxError('\\ at end of pattern')
    i++
    if (inClass && c in CLASS_SHORTHAND) return CLASS_SHORTHAND[c] as string
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return `\\${c}`
      case 's':
      case 'S':
      case 'h':
      case 'H':
      case 'v':
      case 'V':
        return `[${CLASS_SHORTHAND[c]}]`
      case 'b':
        return inClass ? '\\x08' : '\\b'
      case 'B':
        if (inClass) throw new Unsupported('\\B in a character class')
        return '\\B'
      case 'R':
        if (inClass) throw new Unsupported('\\R in a character class')
        return '(?:\\r\\n|[\\n-\\r\\x85])'
      case 'A':
      case 'G':
        if (inClass) throw new Unsupported(`\\${c} in a character class`)
        return '^'
      case 'z':
        if (inClass) throw new Unsupported('\\z in a character class')
        return '(?![\\s\\S])'
      case 'Z':
        if (inClass) throw new Unsupported('\\Z in a character class')
        return '(?=\\n?(?![\\s\\S]))'
      case 'x': {
        let code: number
        if (src[i] === '{') {
          const close = src.indexOf('}', i)
          const digits = close < 0 ? '' : src.slice(i + 1, close)
          if (!/^[0-9A-Fa-f]+$/.test(digits)) throw new SyntaxError('invalid \\x{...} escape')
          code = Number.parseInt(digits, 16)
          i = close + 1
        } else {
          const m = /^[0-9A-Fa-f]{0,2}/.exec(src.slice(i))?.[0] ?? ''
          code = m === '' ? 0 : Number.parseInt(m, 16)
          i += m.length
        }
        if (code > 0xff) throw new SyntaxError('character code point value in \\x{} or \\o{} is too large')
        return literal(code)
      }
      case 'o': {
        const close = src.indexOf('}', i)
        const digits = src[i] === '{' && close > 0 ? src.slice(i + 1, close) : ''
        if (!/^[0-7]+$/.test(digits)) throw new SyntaxError('missing opening brace after \\o')
        const code = Number.parseInt(digits, 8)
        if (code > 0xff) throw new SyntaxError('character code point value in \\x{} or \\o{} is too large')
        i = close + 1
        return literal(code)
      }
      case 'c': {
        const x = src[i]
        if (x === undefined || x.charCodeAt(0) < 32 || x.charCodeAt(0) > 126) throw new SyntaxError('\\c must be followed by a printable ASCII character')
        i++
        return literal(x.toUpperCase().charCodeAt(0) ^ 0x40)
      }
      case 'Q': {
        let close = src.indexOf('\\E', i)
        if (close < 0) close = src.length
        let lit = ''
        for (let k = i; k < close; k++) lit += literal(src.charCodeAt(k))
        i = Math.min(close + 2, src.length)
        if (!inClass && lit !== '') return `(?:${lit})`
        return lit
      }
      case 'E':
        return ''
      case 'k': {
        if (inClass) throw new Unsupported('\\k in a character class')
        const m = /^(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|\{([A-Za-z_]\w*)\})/.exec(src.slice(i))
        if (!m) throw new SyntaxError('\\k is not followed by a braced, angle-bracketed, or quoted name')
        i += m[0].length
        return `\\k<${m[1] ?? m[2] ?? m[3]}>`
      }
      default:
        break
    }
    const simple = SIMPLE_ESCAPES[c]
    if (simple !== undefined) return literal(simple)
    if (c >= '0' && c <= '9') {
      if (inClass || c === '0') {
        // octal: \0 plus up to two digits; in a class \1..\7 are octal too
        if (c > '7') throw new Unsupported(`\\${c} in a character class`)
        const m = /^[0-7]{0,2}/.exec(src.slice(i))?.[0] ?? ''
        i += m.length
        return literal(Number.parseInt(c + m, 8))
      }
      const digits = c + (/^[0-9]*/.exec(src.slice(i))?.[0] ?? '')
      if (digits.length >= 2 && /^[0-7]+$/.test(digits)) {
        const oct = digits.slice(0, 3)
        i += oct.length - 1
        return literal(Number.parseInt(oct, 8) & 0xff)
      }
      throw new Unsupported(`back-reference \\${digits} (HAProxy compiles -m reg without capturing groups)`)
    }
    if (/[A-Za-z]/.test(c)) {
      if ('KCXNpPgLlUu'.includes(c)) throw new Unsupported(`\\${c} is not supported`)
      throw new SyntaxError(`unrecognized character follows \\ (\\${c})`)
    }
    return literal(c.charCodeAt(0))
  }

  const charClass = (): string => {
    // src[i - 1] === '['
    let body = ''
    if (src[i] === '^') {
      body += '^'
      i++
    }
    let first = true
    let afterSet = false // the previous item expanded to a set: a following '-' is literal
    for (;;) {
      const c = src[i]
      if (c === undefined) throw new SyntaxError('missing terminating ] for character class')
      if (c === ']' && !first) {
        i++
        break
      }
      first = false
      if (c === '[' && (src[i + 1] === ':' || src[i + 1] === '.' || src[i + 1] === '=')) {
        const close = src.indexOf(`${src[i + 1]}]`, i + 2)
        if (close > 0) {
          if (src[i + 1] !== ':') throw new SyntaxError('POSIX collating elements are not supported')
          const name = src.slice(i + 2, close)
          const set = POSIX[name]
          if (name.startsWith('^')) throw new Unsupported(`negated POSIX class [:${name}:]`)
          if (set === undefined) throw new SyntaxError(`unknown POSIX class name '${name}'`)
          body += set
          i = close + 2
          afterSet = true
          continue
        }
      }
      i++
      if (c === '\\') {
        const e = src[i]
        const piece = readEscape(true)
        body += piece
        afterSet = e !== undefined && e in CLASS_SHORTHAND
        continue
      }
      if (c === '-' && afterSet && src[i] !== ']') body += '\\-'
      else body += c === '[' || c === ']' || c === '\\' ? `\\${c}` : c === '-' || c === '^' ? c : literal(c.charCodeAt(0))
      afterSet = false
    }
    return `[${body}]`
  }

  let depth = 0
  while (i < src.length) {
    const c = src[i++] as string
    switch (c) {
      case '\\': {
        const before = src[i]
        const piece = readEscape(false)
        out += piece
        atom = piece !== '' && !(before !== undefined && 'AGzZbBE'.includes(before))
        break
      }
      case '[':
        out += charClass()
        atom = true
        break
      case '(': {
        atom = false
        if (src[i] === '*') throw new Unsupported('(*VERB) is not supported')
        if (src[i] !== '?') {
          out += '(?:'
          depth++
          break
        }
        const rest = src.slice(i + 1)
        if (rest.startsWith('#')) {
          const close = src.indexOf(')', i)
          if (close < 0) throw new SyntaxError('missing ) after (?# comment')
          i = close + 1
          break
        }
        const named = /^(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest)
        const namedRef = /^P=([A-Za-z_]\w*)\)/.exec(rest)
        if (/^(?::|=|!|<=|<!)/.test(rest)) {
          const head = rest.startsWith('<') ? 2 : 1
          out += `(?${rest.slice(0, head)}`
          i += 1 + head
        } else if (named) {
          out += `(?<${named[1] ?? named[2]}>`
          i += 1 + named[0].length
        } else if (namedRef) {
          out += `\\k<${namedRef[1]}>`
          i += 1 + namedRef[0].length
          atom = true
          break
        } else if (rest.startsWith('>')) throw new Unsupported('atomic groups (?>...) are not supported')
        else if (rest.startsWith('|')) throw new Unsupported('branch reset groups (?|...) are not supported')
        else if (rest.startsWith('(')) throw new Unsupported('conditional groups are not supported')
        else if (/^(?:R|[+-]?\d|&|P>)/.test(rest)) throw new Unsupported('recursion and subroutine calls are not supported')
        else if (/^[a-zA-Z^-]/.test(rest)) {
          // (?i) (?s) (?m) (?-i) ...: only where they cover the whole rest of the regex and
          // nothing case-sensitive precedes them (start of pattern, after anchors)
          const opts = /^([a-zA-Z]*(?:-[a-zA-Z]*)?)\)/.exec(rest)
          if (!opts || depth > 0 || !/^(?:\^|\\A|\\G|\(\?[a-zA-Z]*(?:-[a-zA-Z]*)?\))*$/.test(src.slice(0, i - 1))) {
            throw new Unsupported('inline options are only supported at the start of the regex')
          }
          let on = true
          for (const f of opts[1] as string) {
            if (f === '-') on = false
            else if (f === 'i') ignoreCase = on
            else if (f === 's') dotAll = on
            else if (f === 'm') multiline = on
            else throw new Unsupported(`inline option '${f}' is not supported`)
          }
          i += 1 + opts[0].length
          break
        } else throw new SyntaxError('unrecognized character after (? or (?-')
        depth++
        break
      }
      case ')':
        if (depth === 0) throw new SyntaxError('unmatched closing parenthesis')
        depth--
        out += ')'
        atom = true
        break
      case '|':
        out += '|'
        atom = false
        break
      case '.':
        out += dotAll ? '[\\s\\S]' : '[^\\n]'
        atom = true
        break
      case '^':
        out += multiline ? '(?:^|(?<=\\n)(?=[\\s\\S]))' : '^'
        atom = false
        break
      case '$':
        out += multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))'
        atom = false
        break
      case '*':
      case '+':
      case '?':
        if (!atom) throw new SyntaxError('quantifier does not follow a repeatable item')
        out += c
        atom = false
        checkAfterQuantifier()
        break
      case '{': {
        const m = /^(\d+)(,(\d*))?\}/.exec(src.slice(i))
        if (m) {
          if (!atom) throw new SyntaxError('quantifier does not follow a repeatable item')
          if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) throw new SyntaxError('numbers out of order in {} quantifier')
          out += `{${m[0]}`
          i += m[0].length
          atom = false
          checkAfterQuantifier()
        } else {
          out += '\\{'
          atom = true
        }
        break
      }
      default:
        out += c === '}' || c === ']' || c === '/' ? `\\${c}` : c
        atom = true
    }
  }
  if (depth > 0) throw new SyntaxError('missing closing parenthesis')
  return { source: out, flags: ignoreCase ? 'i' : '' }
}

/** PCRE2 (as HAProxy compiles it) to a JS RegExp source and flags, or an error message. */
export function pcreToJs(src: string, icase: boolean): JsRegex | { error: string; refusal?: Refusal } {
  try {
    const r = translate(src, icase)
    const linear = compileRegex(r.source, r.flags)
    if (!linear.ok && linear.refusal) return { error: `regex '${src}' cannot be used at the edge: ${linear.error}`, refusal: linear.refusal }
    if (!linear.ok) throw new SyntaxError(linear.error)
    return r
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(e)
    if (e instanceof Unsupported) return { error: `regex '${src}' cannot be used at the edge: ${why}` }
    return { error: `regex '${src}' is invalid (${why})` }
  }
}
