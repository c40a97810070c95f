/**
 * @module
 * Map converters (map.c): map_<match>[_<out>](<map file>[,<default>]) with match str (also plain
 * `map`), beg, sub, dir, dom, end, reg, regm, int, ip and output str (default), int or ip. The
 * lookup structure is built once from the map's entries. Which entry wins follows pattern.c for
 * case-sensitive maps: `str` exact (first duplicate), `beg` the longest matching prefix, `ip` the
 * most specific network; every other method takes the first matching line of the file. Without
 * a match the default is returned, or the converter fails when there is none.
 */
import { canonicalIp } from '../fetches/ip-text.ts'
import { argInt, argRaw, int, ip, parseWholeInt, sampleInt, sampleStr, str } from '../fetches/util.ts'
import { buf2ip } from '../match/ip-parse.ts'
import { pcreToJs } from '../match/pcre.ts'
import type { MapEntries } from '../../routemap/schema.ts'
import { type Regex, compileRegex } from '../../util/regex/index.ts'
import type { ArgSpec, BuildEnv, ConverterDef, Sample, SampleType } from '../types.ts'
import { buildIpMap } from './map-ip.ts'
import { expReplace } from './string.ts'

type Match = 'str' | 'beg' | 'sub' | 'dir' | 'dom' | 'end' | 'reg' | 'regm' | 'int' | 'ip'
type Out = 'str' | 'int' | 'ip'

/** A lookup: the matched value, or undefined. `input` is the sample's text (or integer for int). */
type Lookup = (input: Sample) => Sample | undefined

/** Parses a map value for the output type (map_parse_str/int/ip); undefined skips the line. */
function parseValue(v: string, out: Out): Sample | undefined {
  if (out === 'str') return str(v)
  if (out === 'int') {
    const n = parseWholeInt(v)
    return n === undefined ? undefined : int(n)
  }
  const a = buf2ip(v)
  if (a >= 0) return ip(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`)
  const c = canonicalIp(v)
  return c === undefined ? undefined : ip(c)
}

const dirDelim = (c: number): boolean => c === 47 || c === 63
const domDelim = (c: number): boolean => c === 47 || c === 63 || c === 46 || c === 58

function stripDelims(p: string, isDelim: (c: number) => boolean): string {
  let a = 0
  let b = p.length
  while (a < b && isDelim(p.charCodeAt(a))) a++
  while (b > a && isDelim(p.charCodeAt(b - 1))) b--
  return p.slice(a, b)
}

/** pattern.c match_word: `p` bounded by delimiters or the ends of `s`. */
function matchWord(s: string, p: string, isDelim: (c: number) => boolean): boolean {
  const pl = p.length
  if (pl === 0) return s.length === 0 || isDelim(s.charCodeAt(s.length - 1))
  let at = s.indexOf(p)
  while (at >= 0) {
    if ((at === 0 || isDelim(s.charCodeAt(at - 1))) && (at + pl === s.length || isDelim(s.charCodeAt(at + pl)))) return true
    at = s.indexOf(p, at + 1)
  }
  return false
}

/** pattern.c pat_parse_int: N, a:b (or a-b), :b, a: ; undefined when invalid. */
function intRange(t: string): [number, number] | undefined {
  let sep = 0
  while (sep < t.length && t[sep] !== ':' && t[sep] !== '-') sep++
  const num = (x: string): number | undefined => (/^-?\d+$/.test(x) ? Number(x) : undefined)
  if (sep === t.length) {
    const v = num(t)
    return v === undefined ? undefined : [v, v]
  }
  if (sep === 0 && t.length > 1) {
    const v = num(t.slice(1))
    return v === undefined ? undefined : [Number.NEGATIVE_INFINITY, v]
  }
  if (sep === t.length - 1) {
    const v = num(t.slice(0, sep))
    return v === undefined ? undefined : [v, Number.POSITIVE_INFINITY]
  }
  const a = num(t.slice(0, sep))
  const b = num(t.slice(sep + 1))
  return a === undefined || b === undefined || a > b ? undefined : [a, b]
}

/**
 * The entries whose value parses for `out`, each distinct value parsed once and its Sample shared
 * (a 100,000-entry map usually has a few distinct values: one Sample each, not one per entry).
 */
function parseEntries(entries: MapEntries, out: Out): [string, Sample][] {
  const values = new Map<string, Sample | undefined>()
  const parsed: [string, Sample][] = []
  for (let i = 0; i + 1 < entries.length; i += 2) {
    const k = entries[i] as string
    const v = entries[i + 1] as string
    let s = values.get(v)
    if (s === undefined && !values.has(v)) {
      s = parseValue(v, out)
      values.set(v, s)
    }
    if (s !== undefined) parsed.push([k, s])
  }
  return parsed
}

// The exact and prefix lookups are built outside buildLookup: their closures then keep only their
// index, not the parsed entries (a closure keeps its whole enclosing scope alive in V8).

function strLookup(parsed: readonly (readonly [string, Sample])[]): Lookup {
  const m = new Map<string, Sample>()
  for (const [k, v] of parsed) if (!m.has(k)) m.set(k, v)
  return (input) => {
    const s = sampleStr(input)
    return s === undefined ? undefined : m.get(s)
  }
}

function begLookup(parsed: readonly (readonly [string, Sample])[]): Lookup {
  const byLen = new Map<number, Map<string, Sample>>()
  for (const [k, v] of parsed) {
    let m = byLen.get(k.length)
    if (!m) {
      m = new Map()
      byLen.set(k.length, m)
    }
    if (!m.has(k)) m.set(k, v)
  }
  const levels = [...byLen.entries()].sort((a, b) => b[0] - a[0])
  return (input) => {
    const s = sampleStr(input)
    if (s === undefined) return undefined
    for (const [l, m] of levels) {
      if (l > s.length) continue
      const v = m.get(s.slice(0, l))
      if (v !== undefined) return v
    }
    return undefined
  }
}

function ipLookup(parsed: readonly (readonly [string, Sample])[]): Lookup {
  const table = buildIpMap(parsed)
  return (input) => (input.type === 'ip' || input.type === 'str' ? table.get(input.value) : undefined)
}

/** Lookups already built, by map entries (the RouteMap's array) and `match/out`: converters sharing a map share its index. */
const built = new WeakMap<object, Map<string, Lookup>>()

/** The lookup of a map file for a match method and output type, built once per entries array. */
export function lookupFor(entries: MapEntries, match: Match, out: Out): Lookup {
  let byKind = built.get(entries)
  if (!byKind) {
    byKind = new Map()
    built.set(entries, byKind)
  }
  const key = `${match}/${out}`
  let l = byKind.get(key)
  if (!l) {
    l = buildLookup(entries, match, out)
    byKind.set(key, l)
  }
  return l
}

/** Builds the lookup for one map file and match method. */
export function buildLookup(entries: MapEntries, match: Match, out: Out): Lookup {
  if (match === 'str') return strLookup(parseEntries(entries, out))
  if (match === 'beg') return begLookup(parseEntries(entries, out))
  if (match === 'ip') return ipLookup(parseEntries(entries, out))
  const parsed = parseEntries(entries, out)
  const text = (input: Sample): string | undefined => sampleStr(input)
  switch (match) {
    case 'sub':
    case 'end': {
      const end = match === 'end'
      return (input) => {
        const s = text(input)
        if (s === undefined) return undefined
        for (const [k, v] of parsed) if (end ? s.endsWith(k) : s.includes(k)) return v
        return undefined
      }
    }
    case 'dir':
    case 'dom': {
      const isDelim = match === 'dir' ? dirDelim : domDelim
      const words = parsed.map(([k, v]) => [stripDelims(k, isDelim), v] as const)
      return (input) => {
        const s = text(input)
        if (s === undefined) return undefined
        for (const [k, v] of words) if (matchWord(s, k, isDelim)) return v
        return undefined
      }
    }
    case 'reg':
    case 'regm': {
      // on the linear-time engine (src/util/regex). `check` refuses a file with a key that does not
      // compile (src/config/map-regex.ts); one added later through the runtime API is skipped.
      const res: [Regex, Sample][] = []
      for (const [k, v] of parsed) {
        const j = match === 'regm' ? { source: k, flags: '' } : pcreToJs(k, false)
        if (!('source' in j)) continue
        const r = compileRegex(j.source, j.flags)
        if (r.ok) res.push([r.regex, v])
      }
      const regm = match === 'regm'
      return (input) => {
        const s = text(input)
        if (s === undefined) return undefined
        for (const [re, v] of res) {
          const m = re.exec(s)
          if (!m) continue
          return regm && v.type === 'str' ? str(expReplace(v.value, m)) : v
        }
        return undefined
      }
    }
    case 'int': {
      const ranges: [number, number, Sample][] = []
      for (const [k, v] of parsed) {
        const r = intRange(k)
        if (r) ranges.push([r[0], r[1], v])
      }
      return (input) => {
        const n = sampleInt(input)
        if (n === undefined) return undefined
        for (const [lo, hi, v] of ranges) if (lo <= n && n <= hi) return v
        return undefined
      }
    }
  }
}

const INPUT: Readonly<Record<Match, SampleType>> = { str: 'str', beg: 'str', sub: 'str', dir: 'str', dom: 'str', end: 'str', reg: 'str', regm: 'str', int: 'int', ip: 'ip' }

function mapDef(name: string, match: Match, out: Out): ConverterDef {
  const defKind: ArgSpec['kind'] = out === 'int' ? 'int' : out === 'ip' ? 'ip' : 'str'
  return {
    name,
    args: [{ kind: 'map' }, { kind: defKind, optional: true }],
    input: [INPUT[match]],
    output: out,
    doc: `looks the input up in a map file (${match} match) and returns the ${out} value, or <default>`,
    build: (args, env: BuildEnv) => {
      const lookup = lookupFor(env.map(String(args[0] ?? '')), match, out)
      let def: Sample | undefined
      if (args.length > 1) {
        if (out === 'int') def = int(argInt(args, 1) ?? 0)
        else if (out === 'ip') {
          const c = canonicalIp(argRaw(args, 1) ?? '')
          def = c === undefined ? undefined : ip(c)
        } else def = str(argRaw(args, 1) ?? '')
      }
      return (input) => lookup(input) ?? def
    },
  }
}

const MATCHES: readonly Match[] = ['str', 'beg', 'sub', 'dir', 'dom', 'end', 'reg', 'int', 'ip']

export const MAP_CONVERTERS: readonly ConverterDef[] = [
  mapDef('map', 'str', 'str'),
  ...MATCHES.map((m) => mapDef(`map_${m}`, m, 'str')),
  mapDef('map_regm', 'regm', 'str'),
  ...MATCHES.map((m) => mapDef(`map_${m}_int`, m, 'int')),
  ...MATCHES.map((m) => mapDef(`map_${m}_ip`, m, 'ip')),
]
