/**
 * @module
 * String converters (sample.c): lower, upper, length, field, word, regsub, json, ltrim, rtrim,
 * cut_crlf, concat, add_item, strcmp, iif, language (http_conv.c), debug.
 */
import { argInt, argRaw, argStr, int, sampleStr, str } from '../fetches/util.ts'
import type { ArgSpec, ConverterDef, ConverterFn, Sample, SampleContext } from '../types.ts'
import { castTo } from '../cast.ts'
import { type Regex, compileRegex } from '../../util/regex/index.ts'

function strConv(name: string, doc: string, args: readonly ArgSpec[], build: ConverterDef['build'], output: ConverterDef['output'] = 'str'): ConverterDef {
  return { name, args, input: ['str'], output, doc, build }
}

const mapStr =
  (f: (s: string) => string | undefined): ConverterFn =>
  (input) => {
    const s = sampleStr(input)
    if (s === undefined) return undefined
    const r = f(s)
    return r === undefined ? undefined : str(r)
  }

/** ASCII-only case changes, like the C loops in sample.c. */
function asciiCase(s: string, upper: boolean): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (upper && c >= 97 && c <= 122) out += String.fromCharCode(c - 32)
    else if (!upper && c >= 65 && c <= 90) out += String.fromCharCode(c + 32)
    else out += s[i]
  }
  return out
}

/** sample_conv_field: field <idx> (negative: from the end) split on any of <delims>, <count> fields long. */
export function field(s: string, idx: number, delims: string, countArg: number | undefined): string | undefined {
  let count = countArg ?? 1
  if (idx === 0) return undefined
  const isDelim = (c: string | undefined): boolean => c !== undefined && delims.includes(c)
  if (idx < 0) {
    let fieldNo = -1
    let start = s.length
    let end = s.length
    while (start > 0) {
      if (isDelim(s[start - 1])) {
        if (fieldNo === idx) {
          if (count === 1) return s.slice(start, end)
          if (count > 1) count--
        } else {
          end = start - 1
          fieldNo--
        }
      }
      start--
    }
    return fieldNo === idx ? s.slice(start, end) : undefined
  }
  let fieldNo = 1
  let start = 0
  let end = 0
  while (end < s.length) {
    if (isDelim(s[end])) {
      if (fieldNo === idx) {
        if (count === 1) return s.slice(start, end)
        if (count > 1) count--
      } else {
        start = end + 1
        fieldNo++
      }
    }
    end++
  }
  return fieldNo === idx ? s.slice(start, end) : undefined
}

/** sample_conv_word: word <idx> (negative: from the end), separators collapsed; '' when missing. */
export function word(s: string, idx: number, delims: string, countArg: number | undefined): string | undefined {
  let count = countArg ?? 1
  if (idx === 0) return undefined
  const isSep = (c: string | undefined): boolean => c !== undefined && delims.includes(c)
  let wordNo = 0
  let inWord = false
  if (idx < 0) {
    let start = s.length
    let end = s.length
    while (start > 0) {
      const sep = isSep(s[start - 1])
      if (!inWord) {
        if (!sep) {
          if (wordNo !== idx) {
            wordNo--
            end = start
          }
          inWord = true
        }
      } else if (sep) {
        if (wordNo === idx) {
          if (count === 1) return s.slice(start, end)
          if (count > 1) count--
        }
        inWord = false
      }
      start--
    }
    return wordNo === idx ? s.slice(start, end) : ''
  }
  let start = 0
  let end = 0
  while (end < s.length) {
    const sep = isSep(s[end])
    if (!inWord) {
      if (!sep) {
        if (wordNo !== idx) {
          wordNo++
          start = end
        }
        inWord = true
      }
    } else if (sep) {
      if (wordNo === idx) {
        if (count === 1) return s.slice(start, end)
        if (count > 1) count--
      }
      inWord = false
    }
    end++
  }
  return wordNo === idx ? s.slice(start, end) : ''
}

/** regex.c exp_replace: \0-\9 insert groups, \xHH a byte, \c the character c. */
export function expReplace(fmt: string, m: RegExpExecArray | readonly (string | undefined)[]): string {
  let out = ''
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const n = fmt[i + 1]
    if (n === undefined) break
    i++
    if (n >= '0' && n <= '9') out += m[Number(n)] ?? ''
    else if (n === 'x') {
      const h = fmt[i + 1]
      const l = fmt[i + 2]
      if (h === undefined || l === undefined) break
      const v = (d: string): number => {
        const u = d.toUpperCase().charCodeAt(0) - 48
        return u > 9 ? u - 7 : u
      }
      out += String.fromCharCode(((v(h) << 4) + v(l)) & 255)
      i += 2
    } else out += n
  }
  return out
}

/**
 * sample_conv_regsub: replaces the first match (every match with flag g) like HAProxy's loop:
 * after a match the search restarts at its end without the beginning-of-line anchor, and an
 * empty match copies one character and moves on.
 */
export function regsub(s: string, re: Regex, subst: string, global: boolean): string {
  let out = ''
  let start = 0
  let notBol = false
  for (;;) {
    let m: RegExpExecArray | null = null
    if (global || !notBol) m = re.exec(s, start)
    if (!m) {
      out += s.slice(start)
      break
    }
    out += s.slice(start, m.index)
    out += expReplace(subst, m)
    if (start >= s.length) break
    let next = m.index + m[0].length
    if (next === start) {
      out += s[start] ?? ''
      next++
    }
    start = next
    notBol = true
  }
  return out
}

const JSON_MODES = ['', 'ascii', 'utf8', 'utf8s', 'utf8p', 'utf8ps']

/** Decodes one UTF-8 sequence at `i` of a byte string: [code point, length, ok]. */
function utf8At(s: string, i: number): [number, number, boolean] {
  const b0 = s.charCodeAt(i)
  if (b0 < 0x80) return [b0, 1, true]
  const need = b0 >= 0xf0 && b0 < 0xf8 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc0 ? 1 : -1
  if (need < 0) return [b0, 1, false]
  let cp = b0 & (0x3f >> need)
  for (let k = 1; k <= need; k++) {
    const b = s.charCodeAt(i + k)
    if (Number.isNaN(b) || (b & 0xc0) !== 0x80) return [b0, k, false]
    cp = (cp << 6) | (b & 0x3f)
  }
  const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000
  return [cp, need + 1, cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)]
}

/** sample_conv_json: escapes for a JSON string; non-printable or non-ASCII as \uXXXX. */
export function jsonEscape(s: string, mode: string): string | undefined {
  let out = ''
  const utf = mode.startsWith('utf8')
  const skipBad = mode === 'utf8s' || mode === 'utf8ps'
  for (let i = 0; i < s.length; ) {
    let c: number
    if (!utf) {
      c = s.charCodeAt(i)
      i++
    } else {
      const [cp, len, ok] = utf8At(s, i)
      i += len
      if (!ok) {
        if (skipBad) continue
        return undefined
      }
      if (cp > 0xffff) {
        if (mode === 'utf8' || mode === 'utf8p') return undefined
        continue
      }
      c = cp
    }
    if (c === 34) out += '\\"'
    else if (c === 92) out += '\\\\'
    else if (c === 47) out += '\\/'
    else if (c === 8) out += '\\b'
    else if (c === 12) out += '\\f'
    else if (c === 13) out += '\\r'
    else if (c === 10) out += '\\n'
    else if (c === 9) out += '\\t'
    else if (c > 0xff || c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`
    else out += String.fromCharCode(c)
  }
  return out
}

/** A variable's value as a string (sample_conv_var2smp_str), or undefined. */
export function varText(ctx: SampleContext, name: string): string | undefined {
  const v = ctx.vars.get(name)
  if (!v) return undefined
  const s = castTo(v, 'str')
  return s?.type === 'str' ? s.value : undefined
}

/** http.h http_language_range_match: the header's range equals the tag or extends it with '-' (case-sensitive). */
function languageMatch(range: string, tag: string): boolean {
  return range === tag || (range.startsWith(tag) && range[tag.length] === '-')
}

/** sample_conv_q_preferred: the best of the configured languages by q-value, or <default>. */
function preferredLanguage(header: string, wanted: readonly string[], def: string | undefined): string | undefined {
  let best = ''
  let bestQ = 0
  for (const part of header.split(',')) {
    const tok = /^\s*([^;,\s]*)/.exec(part)?.[1] ?? ''
    if (tok === '') continue
    const hit = wanted.find((w) => languageMatch(tok, w))
    if (hit === undefined) continue
    let q = 1000
    const qm = /^[^;]*;\s*q\s*=\s*([0-9](?:\.[0-9]{0,3})?)/.exec(part)
    if (qm) {
      const [ip, fp = ''] = (qm[1] as string).split('.')
      q = Math.min(1000, Number(ip) * 1000 + Number(`${fp}000`.slice(0, 3)))
    }
    if (q > bestQ) {
      best = hit
      if (q >= 1000) break
      bestQ = q
    }
  }
  if (best === '' && def !== undefined) best = def
  return best === '' ? undefined : best
}

function trimSet(s: string, chars: string, left: boolean): string {
  let a = 0
  let b = s.length
  if (left) while (a < b && chars.includes(s[a] as string)) a++
  else while (b > a && chars.includes(s[b - 1] as string)) b--
  return s.slice(a, b)
}

export const STRING_CONVERTERS: readonly ConverterDef[] = [
  strConv('lower', 'ASCII lower case', [], () => mapStr((s) => asciiCase(s, false))),
  strConv('upper', 'ASCII upper case', [], () => mapStr((s) => asciiCase(s, true))),
  strConv(
    'length',
    'length of the string in bytes',
    [],
    () => (input) => {
      const s = sampleStr(input)
      return s === undefined ? undefined : int(s.length)
    },
    'int',
  ),
  strConv(
    'field',
    'field <idx> of the input split on any of <delims> (negative idx counts from the end), <count> fields',
    [{ kind: 'int' }, { kind: 'str' }, { kind: 'int', optional: true }],
    (args) => {
      const idx = argInt(args, 0) ?? 0
      const delims = argRaw(args, 1) ?? ''
      const count = argInt(args, 2)
      if (idx === 0 || delims === '') return () => undefined
      return mapStr((s) => field(s, idx, delims, count))
    },
  ),
  strConv('word', 'word <idx> of the input, consecutive separators collapsed', [{ kind: 'int' }, { kind: 'str' }, { kind: 'int', optional: true }], (args) => {
    const idx = argInt(args, 0) ?? 0
    const delims = argRaw(args, 1) ?? ''
    const count = argInt(args, 2)
    if (idx === 0 || delims === '') return () => undefined
    return mapStr((s) => word(s, idx, delims, count))
  }),
  strConv(
    'regsub',
    'replaces what <regex> matches by <subst> (\\1 references groups); flags i (ignore case) and g (all)',
    [{ kind: 'regex' }, { kind: 'str' }, { kind: 'str', optional: true }],
    (args) => {
      const flags = argStr(args, 2) ?? ''
      if (!/^[ig]*$/.test(flags)) return () => undefined
      const compiled = compileRegex(argRaw(args, 0) ?? '', flags.includes('i') ? 'i' : '')
      if (!compiled.ok) return () => undefined
      const re = compiled.regex
      const subst = argRaw(args, 1) ?? ''
      const global = flags.includes('g')
      return mapStr((s) => regsub(s, re, subst, global))
    },
  ),
  strConv('json', 'escapes the input for a JSON string (input: ascii, utf8, utf8s, utf8p, utf8ps)', [{ kind: 'str', optional: true }], (args) => {
    const mode = argStr(args, 0) ?? ''
    if (!JSON_MODES.includes(mode)) return () => undefined
    return mapStr((s) => jsonEscape(s, mode))
  }),
  strConv('ltrim', 'removes the leading characters found in <chars>', [{ kind: 'str' }], (args) => {
    const chars = argRaw(args, 0) ?? ''
    return mapStr((s) => trimSet(s, chars, true))
  }),
  strConv('rtrim', 'removes the trailing characters found in <chars>', [{ kind: 'str' }], (args) => {
    const chars = argRaw(args, 0) ?? ''
    return mapStr((s) => trimSet(s, chars, false))
  }),
  strConv('cut_crlf', 'cuts the string at the first CR or LF', [], () =>
    mapStr((s) => {
      const m = /[\r\n]/.exec(s)
      return m ? s.slice(0, m.index) : s
    }),
  ),
  strConv(
    'concat',
    'appends <start>, the variable <var> (if set) and <end>',
    [
      { kind: 'str', optional: true },
      { kind: 'var', optional: true },
      { kind: 'str', optional: true },
    ],
    (args) => {
      const a = argRaw(args, 0) ?? ''
      const v = argStr(args, 1)
      const b = argRaw(args, 2) ?? ''
      return (input, ctx) => {
        const s = sampleStr(input)
        if (s === undefined) return undefined
        return str(s + a + (v === undefined ? '' : (varText(ctx, v) ?? '')) + b)
      }
    },
  ),
  strConv(
    'add_item',
    'appends <delim> (only after a non-empty input), the variable <var> and <suffix>',
    [{ kind: 'str' }, { kind: 'var', optional: true }, { kind: 'str', optional: true }],
    (args) => {
      const delim = argRaw(args, 0) ?? ''
      const v = argStr(args, 1)
      const suffix = argRaw(args, 2) ?? ''
      return (input, ctx) => {
        const s = sampleStr(input)
        if (s === undefined) return undefined
        const value = v === undefined ? undefined : varText(ctx, v)
        const sep = s !== '' && ((value !== undefined && value !== '') || suffix !== '') ? delim : ''
        return str(s + sep + (value ?? '') + suffix)
      }
    },
  ),
  strConv(
    'strcmp',
    'compares the input with variable <var>: <0, 0 or >0 like strcmp(3)',
    [{ kind: 'var' }],
    (args) => {
      const v = String(args[0] ?? '')
      return (input, ctx) => {
        const s = sampleStr(input)
        const o = varText(ctx, v)
        if (s === undefined || o === undefined) return undefined
        const n = Math.min(s.length, o.length)
        for (let i = 0; i < n; i++) {
          const d = s.charCodeAt(i) - o.charCodeAt(i)
          if (d !== 0) return int(d)
        }
        return int(s.length === o.length ? 0 : s.length < o.length ? -1 : 1)
      }
    },
    'int',
  ),
  {
    name: 'iif',
    args: [{ kind: 'str' }, { kind: 'str' }],
    input: ['bool'],
    output: 'str',
    doc: 'returns <true> when the boolean input is true, else <false>',
    build: (args) => {
      const t = str(argRaw(args, 0) ?? '')
      const f = str(argRaw(args, 1) ?? '')
      return (input) => (input.type === 'bool' ? (input.value ? t : f) : undefined)
    },
  },
  strConv('language', 'best language of an Accept-Language value among <list> (";"-separated), or <default>', [{ kind: 'str' }, { kind: 'str', optional: true }], (args) => {
    const wanted = (argRaw(args, 0) ?? '').split(';').filter((w) => w !== '')
    const def = argStr(args, 1)
    return mapStr((s) => preferredLanguage(s, wanted, def))
  }),
  {
    name: 'debug',
    args: [
      { kind: 'str', optional: true },
      { kind: 'str', optional: true },
    ],
    input: ['bool', 'int', 'str', 'bin', 'ip', 'meth'],
    output: 'same',
    doc: 'passes the input through (HAProxy also copies it to a ring buffer)',
    build: () => (input: Sample) => input,
  },
]
