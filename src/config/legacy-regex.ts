/**
 * @module
 * Reading HAProxy 1.x header-filter regexes (`reqrep`, `reqdeny`, `rspdel`...) for `edgeproxy
 * migrate`. HAProxy 1.x applied them to whole lines, the request line first ("GET /x HTTP/1.1") and
 * then each header line ("Name: value"). HAProxy 2.x matches header values and paths instead, so a
 * 1.x regex has an exact 2.x form only when it visibly targets one header name or the path:
 *   - `^Name:<space>VALUE` (space written ` `, `\ `, ` *`, `\s*`, `[ \t]*`...): value regex `^VALUE`;
 *     `^Name:` or `^Name:.*`: any value; `^Name:.*X` (X starting with a plain character): `X`.
 *   - `^M PATH` where M is a method (`GET`, `(GET|HEAD)`) or a pattern that cannot match a header
 *     name with its colon (`[^ :]*`, `([^ :]*)`, `[A-Z]+`), and PATH starts with `/` and can match
 *     neither a space nor `?` (so the match stays inside the path, as it stayed inside the URI).
 * Anything else is reported as having no exact equivalent.
 */

/** `^Name:REST`: the header name (a literal, or `[Hh]ost`-style case classes) and the regex after the colon. */
export function splitHeaderRegex(re: string): { readonly name: string; readonly rest: string } | undefined {
  if (!re.startsWith('^')) return undefined
  let i = 1
  let name = ''
  while (i < re.length && re[i] !== ':') {
    const c = re[i] as string
    const next = re[i + 1] ?? ''
    const pair = /^\[([A-Za-z])([A-Za-z])\]/.exec(re.slice(i))
    if (/[A-Za-z0-9_-]/.test(c)) {
      name += c
      i++
    } else if (c === '\\' && /[-_.]/.test(next)) {
      name += next
      i += 2
    } else if (pair && pair[1]?.toLowerCase() === pair[2]?.toLowerCase()) {
      name += pair[1]
      i += 4
    } else return undefined
  }
  if (re[i] !== ':' || name === '') return undefined
  return { name, rest: re.slice(i + 1) }
}

export type ValueMatch = { readonly kind: 'any' } | { readonly kind: 'regex'; readonly regex: string; readonly anchored: boolean }

const SPACE_FORMS = ['[ \\t]*', '[ \\t]+', '[\\t ]*', '[\\t ]+', '\\s*', '\\s+', '\\s?', ' *', ' +', ' ?', '\\ ', ' ']

/**
 * What the part after `Name:` asks of the value (HAProxy 2.x strips the blanks around a value; 1.x
 * saw `Name: value` with one space, the form HAProxy 2.0 rebuilt too). Undefined: no exact form.
 */
export function valueMatch(rest: string): ValueMatch | undefined {
  if (rest === '' || rest === '.*' || rest === '.*$') return { kind: 'any' }
  for (const f of SPACE_FORMS) {
    if (!rest.startsWith(f)) continue
    const r = rest.slice(f.length)
    if (/^[*+?{]/.test(r)) return undefined
    if (r === '' || r === '.*' || r === '.*$') return { kind: 'any' }
    return { kind: 'regex', regex: `^${r}`, anchored: true }
  }
  // `.*X`: X found anywhere after the colon; equally anywhere in the value when X starts with a
  // character that is not a blank (greedy `^.*X` keeps 1.x's captures in a replacement).
  if (rest.startsWith('.*') && /^([A-Za-z0-9=;,/_-]|\\[.\-/])/.test(rest.slice(2))) return { kind: 'regex', regex: rest.slice(2), anchored: false }
  return undefined
}

/** A request-line regex `^M PATH...`. */
export interface RequestLineMatch {
  /** The literal methods M allows, or undefined for any method. */
  readonly methods?: readonly string[]
  /** M is a capturing group (group 1). */
  readonly methodGroup: boolean
  /** The regex after `M ` (starts with `/`). */
  readonly uri: string
}

export function splitRequestLine(re: string): RequestLineMatch | undefined {
  if (!re.startsWith('^')) return undefined
  const s = re.slice(1)
  const any = /^(\()?(\[\^ :\]|\[\^: \]|\[A-Z\])[*+](\))? \//.exec(s)
  if (any && Boolean(any[1]) === Boolean(any[3])) {
    const m = any[0].length - 1
    return { methodGroup: Boolean(any[1]), uri: s.slice(m) }
  }
  const lit = /^([A-Z]+) \//.exec(s)
  if (lit) return { methods: [lit[1] as string], methodGroup: false, uri: s.slice((lit[1] as string).length + 1) }
  const alt = /^\((\?:)?([A-Z]+(?:\|[A-Z]+)*)\) \//.exec(s)
  if (alt) return { methods: (alt[2] as string).split('|'), methodGroup: !alt[1], uri: s.slice(alt[0].length - 1) }
  return undefined
}

/** Can no part of this regex match a space or a `?` (so a match on `URI HTTP/1.1` stays in the path)? */
export function pathOnly(frag: string): boolean {
  for (let i = 0; i < frag.length; i++) {
    const c = frag[i] as string
    if (c === '\\') {
      const n = frag[i + 1]
      if (n === undefined || /[sSDWbBAzZ0-9 ?]/.test(n)) return false
      i++
      continue
    }
    if (c === '.' || c === '$' || c === '^' || c === ' ') return false
    if (c === '(' && frag[i + 1] === '?') {
      if (frag[i + 2] !== ':') return false
      i += 2
      continue
    }
    if (c === '[') {
      const end = frag.indexOf(']', i + 2)
      if (end < 0) return false
      const body = frag.slice(i + 1, end)
      if (!classSafe(body)) return false
      i = end
    }
  }
  return true
}

function classSafe(body: string): boolean {
  if (body.startsWith('^')) {
    const b = body.slice(1)
    return (b.includes(' ') || b.includes('\\s')) && b.includes('?')
  }
  if (/ |\?|\\s|\\S|\\W|\\D/.test(body)) return false
  // Ranges must stay inside letters or digits (e.g. 'a-z', '0-9'): '!-~' would cover the space.
  for (const m of body.matchAll(/(.)-(.)/g)) {
    const ok = /[a-z]/.test(m[1] as string) ? /[a-z]/.test(m[2] as string) : /[A-Z]/.test(m[1] as string) ? /[A-Z]/.test(m[2] as string) : /[0-9]/.test(m[1] as string) && /[0-9]/.test(m[2] as string)
    if (!ok) return false
  }
  return true
}

/** Capturing groups in a regex (for renumbering back-references). */
export function countGroups(re: string): number {
  let n = 0
  let inClass = false
  for (let i = 0; i < re.length; i++) {
    const c = re[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(' && re[i + 1] !== '?') n++
  }
  return n
}
