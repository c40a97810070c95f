/**
 * @module
 * The URI normalizers of `http-request normalize-uri` (HAProxy 2.6, uri_normalizer.c), as pure
 * functions on an origin-form request target (`/path?query`). Path normalizers work on the part
 * before `?`; the percent and fragment normalizers on the whole target, query included, as
 * HAProxy's do. A target that does not start with '/' (`*`) has no path and is left alone.
 * `undefined` means an invalid percent-encoding under `strict`: HAProxy answers 400.
 */

export type NormalizerName =
  | 'fragment-encode'
  | 'fragment-strip'
  | 'path-merge-slashes'
  | 'path-strip-dot'
  | 'path-strip-dotdot'
  | 'percent-decode-unreserved'
  | 'percent-to-uppercase'
  | 'query-sort-by-name'

/** The words that may follow each normalizer (`full`, `strict`). */
export const NORMALIZER_OPTIONS: Readonly<Record<NormalizerName, string | undefined>> = {
  'fragment-encode': undefined,
  'fragment-strip': undefined,
  'path-merge-slashes': undefined,
  'path-strip-dot': undefined,
  'path-strip-dotdot': 'full',
  'percent-decode-unreserved': 'strict',
  'percent-to-uppercase': 'strict',
  'query-sort-by-name': undefined,
}

/** Adjacent slashes become one. */
export function mergeSlashes(path: string): string {
  return path.replace(/\/{2,}/g, '/')
}

/** Drops every `.` segment with the slash after it (`/a/./b` → `/a/b`, `/a/.` → `/a/`). */
export function stripDot(path: string): string {
  const parts = path.split('/')
  let out = ''
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '.') continue
    out += parts[i] as string
    if (i < parts.length - 1) out += '/'
  }
  return out
}

/**
 * Merges each `/../` with the segment before it, scanning from the end as HAProxy does (an empty
 * segment counts as one: `/foo//../` → `/foo/`). `..` segments left over at the start stay
 * (`/../bar/`) unless `full`.
 */
export function stripDotdot(path: string, full: boolean): string {
  const chunks: string[] = []
  let offset = path.length - 1
  let up = 0
  if (path.length >= 3 && path.endsWith('/..')) {
    up++
    offset -= 2
  }
  while (offset >= 0) {
    if (offset >= 3 && path.startsWith('/../', offset - 3)) {
      up++
      offset -= 3
      continue
    }
    if (up > 0) {
      offset-- // the slash
      if (offset >= 0) {
        up--
        while (offset >= 0 && path[offset] !== '/') offset--
      }
    } else {
      const end = offset + 1
      offset--
      while (offset >= 0 && path[offset] !== '/') offset--
      chunks.push(path.slice(offset + 1, end))
    }
  }
  let head = ''
  if (up > 0) head = full ? '/' : `${'/..'.repeat(up)}/`
  return head + chunks.reverse().join('')
}

const HEX = /^[0-9A-Fa-f]{2}$/

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
}

/**
 * Walks the `%XX` sequences of `s`: `valid` maps a well-formed one to its replacement; a `%` not
 * followed by two hex digits stays as it is, or makes the result undefined when `strict`.
 */
function mapPercent(s: string, strict: boolean, valid: (hex: string) => string): string | undefined {
  let i = s.indexOf('%')
  if (i < 0) return s
  let out = s.slice(0, i)
  while (i < s.length) {
    const ch = s[i] as string
    if (ch !== '%') {
      out += ch
      i++
      continue
    }
    const hex = s.slice(i + 1, i + 3)
    if (HEX.test(hex)) {
      out += valid(hex)
      i += 3
      continue
    }
    if (strict) return undefined
    out += '%'
    i++
  }
  return out
}

/** `%61` → `a` for letters, digits and `-._~`; other encodings are kept as written. */
export function percentDecodeUnreserved(s: string, strict: boolean): string | undefined {
  return mapPercent(s, strict, (hex) => {
    const c = Number.parseInt(hex, 16)
    return isUnreserved(c) ? String.fromCharCode(c) : `%${hex}`
  })
}

/** `%6f` → `%6F`. */
export function percentToUppercase(s: string, strict: boolean): string | undefined {
  return mapPercent(s, strict, (hex) => `%${hex.toUpperCase()}`)
}

export function fragmentStrip(s: string): string {
  const h = s.indexOf('#')
  return h < 0 ? s : s.slice(0, h)
}

export function fragmentEncode(s: string): string {
  return s.replaceAll('#', '%23')
}

/**
 * Sorts the `&`-separated parameters of `query` (without its `?`) by name, the part before `=`,
 * bytewise, shorter first; equal names keep their order. An empty parameter left by a trailing
 * `&` is dropped, as HAProxy's split does.
 */
export function querySortByName(query: string): string {
  if (query === '') return query
  const params = query.split('&')
  if (params[params.length - 1] === '') params.pop()
  const name = (p: string): string => {
    const e = p.indexOf('=')
    return e < 0 ? p : p.slice(0, e)
  }
  const keyed = params.map((p) => [name(p), p] as const)
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return keyed.map((k) => k[1]).join('&')
}

function onPath(target: string, f: (path: string) => string): string {
  const q = target.indexOf('?')
  return q < 0 ? f(target) : f(target.slice(0, q)) + target.slice(q)
}

/**
 * Applies one normalizer to a request target; `option` is `full` or `strict` when given. Returns
 * the new target, or undefined for an invalid percent-encoding under `strict`.
 */
export function normalizeTarget(target: string, normalizer: NormalizerName, option: boolean): string | undefined {
  if (!target.startsWith('/')) return target
  switch (normalizer) {
    case 'path-merge-slashes':
      return onPath(target, mergeSlashes)
    case 'path-strip-dot':
      return onPath(target, stripDot)
    case 'path-strip-dotdot':
      return onPath(target, (p) => stripDotdot(p, option))
    case 'query-sort-by-name': {
      const q = target.indexOf('?')
      return q < 0 ? target : `${target.slice(0, q + 1)}${querySortByName(target.slice(q + 1))}`
    }
    case 'percent-decode-unreserved':
      return percentDecodeUnreserved(target, option)
    case 'percent-to-uppercase':
      return percentToUppercase(target, option)
    case 'fragment-strip':
      return fragmentStrip(target)
    case 'fragment-encode':
      return fragmentEncode(target)
  }
}
