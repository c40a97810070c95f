/**
 * @module
 * Pattern references (HAProxy's `struct pat_ref`, pattern.c): what `show map` / `show acl` list
 * and `add|del|set|clear map|acl` edit. edgeproxy derives them from the RouteMap:
 * - one reference per ACL test (each `acl` line and each anonymous `{ … }`), ids 0, 1, … in
 *   config order, shown as `<id> () acl '<keyword>' file '<cfg>' line <n>`;
 * - then one per map file used by a `map*` converter, shown as
 *   `<id> (<file>) pattern loaded from file '<file>' used by map at file '<cfg>' line <n>`.
 * Edits are kept outside the RouteMap (PatternEdits, keyed by the map file name or `acl-<id>`);
 * applyPatternEdits() makes the RouteMap the engine is rebuilt from. ACL pattern text is not in
 * the RouteMap: a test's patterns are `patterns` when the compiler records them, else what the
 * prepared data gives back (string methods exactly; `ip`, `int`, `len` as equivalent networks
 * and ranges), else unknown: listed as none, and only `clear acl` may change them.
 */
import type { Acl, AclTest, Origin, RouteMap } from '../routemap/schema.ts'
import { defaultRegistry } from '../sample/index.ts'
import { v4Text, v6Text } from '../sample/fetches/ip-text.ts'
import { parseIpPattern } from '../sample/match/ip-parse.ts'
import { ipSetWords } from '../sample/match/ip-set.ts'
import type { Sample } from '../sample/types.ts'
import { canonicalJson, sha256Hex } from '../util/sha256.ts'
import type { PatternEdits } from './context.ts'

/** Entries of a reference: [pattern, value] ('' value for ACLs). */
export type PatternEntries = readonly (readonly [string, string])[]

/** An AclTest with the source text the compiler may record (see the module comment). */
type AclTestText = AclTest & { readonly patterns?: readonly string[]; readonly keyword?: string }

/** Where an ACL test lives in the RouteMap (a `listen` proxy's test is in both lists). */
interface TestPlace {
  readonly list: 'frontends' | 'backends'
  readonly proxy: number
  readonly acl: number
  readonly test: number
}

/** How a map file is used: by which converter match method and output type. */
export interface MapUse {
  readonly match: string
  readonly out: 'str' | 'int' | 'ip'
  readonly origin: Origin
}

export interface PatternRef {
  readonly id: number
  /** PatternEdits key: the map file, or `acl-<id>`. */
  readonly key: string
  /** The file shown between parentheses ('' for inline ACL patterns). */
  readonly file: string
  readonly display: string
  readonly map: boolean
  readonly acl: boolean
  /** The ACL test (ACL references). */
  readonly test?: AclTest
  readonly places: readonly TestPlace[]
  /** Converter uses (map references), first use first. */
  readonly uses: readonly MapUse[]
  /**
   * Entries before runtime edits (made on first use: a million-line list is not turned back into
   * text for a command that does not read it), and how many the RouteMap says there are.
   */
  readonly base: PatternEntries
  readonly baseCount: number
  /** False when the RouteMap does not keep the patterns (`base` is then empty): only `clear` may edit. */
  readonly known: boolean
}

const ALIASES = defaultRegistry

/** The ACL keyword HAProxy names in the description: the alias when one matches, else the fetch. */
function keywordOf(t: AclTestText): string {
  if (t.keyword) return t.keyword
  if (t.sample.conv.length === 0) {
    for (const suffix of ['beg', 'dir', 'dom', 'end', 'len', 'reg', 'sub', 'str', 'int']) {
      for (const prefix of ['path', 'url', 'base', 'hdr', 'urlp', 'cook', 'shdr', 'scook']) {
        const a = ALIASES.alias(`${prefix}_${suffix}`)
        if (a && a.fetch === t.sample.fetch && a.match === t.match) return a.name
      }
    }
  }
  return t.sample.fetch
}

/** Minimal CIDR blocks covering [start, end] of a `bits`-bit address space. */
function cidrBlocks(start: bigint, end: bigint, bits: number): [bigint, number][] {
  const out: [bigint, number][] = []
  let s = start
  while (s <= end) {
    let size = 0
    while (size < bits && (s & ((1n << BigInt(size + 1)) - 1n)) === 0n && s + (1n << BigInt(size + 1)) - 1n <= end) size++
    out.push([s, bits - size])
    s += 1n << BigInt(size)
  }
  return out
}

/**
 * Patterns equivalent to prepared `-m ip` data (merged ranges as networks). Not the text as
 * written: adjacent or nested networks come back merged.
 */
function ipSetPatterns(d: { v4?: unknown; v4m?: unknown; v6?: unknown }): string[] | undefined {
  let v4: Uint32Array
  let v4m: Uint32Array
  let v6w: Uint32Array
  try {
    // packed lists (a base64 string, src/routemap/packed.ts) decode to the same words
    v4 = ipSetWords(d, 'v4', 2)
    v4m = ipSetWords(d, 'v4m', 2)
    v6w = ipSetWords(d, 'v6', 8)
  } catch {
    return undefined
  }
  const out: string[] = []
  for (let i = 0; i + 1 < v4.length; i += 2) {
    const s = v4[i] as number
    const e = v4[i + 1] as number
    // a single address (most entries of a big list) without BigInt
    if (s === e) out.push(v4Text(s))
    else for (const [a, len] of cidrBlocks(BigInt(s), BigInt(e), 32)) out.push(len === 32 ? v4Text(Number(a)) : `${v4Text(Number(a))}/${len}`)
  }
  for (let i = 0; i + 1 < v4m.length; i += 2) out.push(`${v4Text(v4m[i] as number)}/${v4Text(v4m[i + 1] as number)}`)
  const v6 = Array.from(v6w, (x) => BigInt(x))
  const big = (o: number): bigint => ((v6[o] as bigint) << 96n) | ((v6[o + 1] as bigint) << 64n) | ((v6[o + 2] as bigint) << 32n) | (v6[o + 3] as bigint)
  for (let i = 0; i + 7 < v6.length; i += 8) {
    for (const [a, len] of cidrBlocks(big(i), big(i + 4), 128)) {
      const w = [Number((a >> 96n) & 0xffffffffn), Number((a >> 64n) & 0xffffffffn), Number((a >> 32n) & 0xffffffffn), Number(a & 0xffffffffn)]
      out.push(len === 128 ? v6Text(w) : `${v6Text(w)}/${len}`)
    }
  }
  return out
}

/** Patterns equivalent to prepared `-m int` / `-m len` data (`lo:hi`, `lo`, `lo:`, `:hi`). */
function intPatterns(d: { r?: unknown }): string[] | undefined {
  if (!Array.isArray(d.r)) return undefined
  const out: string[] = []
  for (let i = 0; i + 1 < d.r.length; i += 2) {
    const lo = d.r[i] as number | null
    const hi = d.r[i + 1] as number | null
    out.push(lo !== null && lo === hi ? String(lo) : `${lo ?? ''}:${hi ?? ''}`)
  }
  return out
}

/**
 * The patterns of a test, or undefined when the RouteMap cannot give them back: the recorded
 * text (`patterns`), the string methods' pattern list, or patterns equivalent to the prepared
 * data of `ip`, `int` and `len` (networks merged, operators turned into ranges).
 */
function testPatterns(t: AclTestText): (() => string[]) | undefined {
  const list = t.patterns
  if (list) return () => [...list]
  if (t.patternCount === 0) return () => []
  const d = t.data as { p?: unknown; v4?: unknown; v4m?: unknown; v6?: unknown; r?: unknown } | null
  if (!d || typeof d !== 'object') return undefined
  const p = d.p
  if (Array.isArray(p)) return p.length === t.patternCount ? () => p.map(String) : undefined
  // the shape only: a packed list is decoded when its entries are read
  const field = (v: unknown): boolean => Array.isArray(v) || typeof v === 'string'
  if (t.match === 'ip') return field(d.v4) && Array.isArray(d.v4m) && field(d.v6) ? () => ipSetPatterns(d) ?? [] : undefined
  if (t.match === 'int' || t.match === 'len') return intPatterns(d) && (() => intPatterns(d) ?? [])
  return undefined
}

/** A map's flat entries (schema.ts MapEntries) as [key, value] pairs. */
export function mapPairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = []
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string])
  return out
}

/** A value computed on first read. */
function lazy<T>(make: () => T): () => T {
  let v: T | undefined
  let done = false
  return () => {
    if (!done) {
      v = make()
      done = true
    }
    return v as T
  }
}

/** `map`, `map_beg`, `map_beg_int`… → match method and output type. */
function parseMapConverter(name: string): { match: string; out: 'str' | 'int' | 'ip' } | undefined {
  const m = /^map(?:_(str|beg|sub|dir|dom|end|reg|regm|int|ip))?(?:_(str|int|ip))?$/.exec(name)
  if (!m) return undefined
  const match = m[1] ?? 'str'
  return { match: match === 'regm' ? 'reg' : match, out: (m[2] as 'str' | 'int' | 'ip' | undefined) ?? 'str' }
}

/** Every `map*` converter use, by map file, with the origin of the construct it appears in. */
function mapUses(routeMap: RouteMap): Map<string, MapUse[]> {
  const uses = new Map<string, MapUse[]>()
  const seen = new Set<unknown>()
  const walk = (v: unknown, origin: Origin | undefined): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return
    seen.add(v)
    if (Array.isArray(v)) {
      for (const x of v) walk(x, origin)
      return
    }
    const o = v as Record<string, unknown>
    const here = o.origin && typeof o.origin === 'object' && 'line' in (o.origin as object) ? (o.origin as Origin) : origin
    if (typeof o.fetch === 'string' && Array.isArray(o.conv)) {
      for (const c of o.conv as { name: string; args: readonly unknown[] }[]) {
        const p = parseMapConverter(c.name)
        const file = c.args[0]
        if (!p || typeof file !== 'string' || !here) continue
        const l = uses.get(file) ?? []
        uses.set(file, l)
        l.push({ ...p, origin: here })
      }
    }
    for (const [k, x] of Object.entries(o)) if (k !== 'origin') walk(x, here)
  }
  walk(routeMap.frontends, undefined)
  walk(routeMap.backends, undefined)
  return uses
}

function originOrder(routeMap: RouteMap): (a: Origin, b: Origin) => number {
  const files = routeMap.sources
  return (a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line
}

/** The references of a RouteMap, in id order (ACL tests first, then map files). */
export function patternRefs(routeMap: RouteMap): PatternRef[] {
  const order = originOrder(routeMap)
  // ACL tests in config order; a listen proxy appears in both lists with the same ACLs.
  const byProxy = new Map<string, { origin: Origin; acls: readonly Acl[]; places: { list: 'frontends' | 'backends'; proxy: number }[] }>()
  routeMap.frontends.forEach((p, i) => {
    byProxy.set(`${p.origin.file}:${p.origin.line}`, { origin: p.origin, acls: p.acls, places: [{ list: 'frontends', proxy: i }] })
  })
  routeMap.backends.forEach((p, i) => {
    const k = `${p.origin.file}:${p.origin.line}`
    const e = byProxy.get(k)
    if (e) e.places.push({ list: 'backends', proxy: i })
    else byProxy.set(k, { origin: p.origin, acls: p.acls, places: [{ list: 'backends', proxy: i }] })
  })
  const tests: { test: AclTestText; places: TestPlace[] }[] = []
  for (const px of [...byProxy.values()].sort((a, b) => order(a.origin, b.origin))) {
    const local: { test: AclTestText; places: TestPlace[] }[] = []
    px.acls.forEach((a, ai) => {
      a.tests.forEach((t, ti) => {
        local.push({ test: t, places: px.places.map((pl) => ({ ...pl, acl: ai, test: ti })) })
      })
    })
    local.sort((a, b) => order(a.test.origin, b.test.origin))
    tests.push(...local)
  }
  const refs: PatternRef[] = []
  for (const { test, places } of tests) {
    const id = refs.length
    const patterns = testPatterns(test)
    const base = lazy(() => (patterns?.() ?? []).map((p) => [p, ''] as const))
    refs.push({
      id,
      key: `acl-${id}`,
      file: '',
      display: `acl '${keywordOf(test)}' file '${test.origin.file}' line ${test.origin.line}`,
      map: false,
      acl: true,
      test,
      places,
      uses: [],
      get base() {
        return base()
      },
      // the compiler counts `-m int` operators (`gt 3`) among the patterns; HAProxy does not
      baseCount: (test.match === 'int' || test.match === 'len') && patterns ? patterns().length : test.patternCount,
      known: patterns !== undefined,
    })
  }
  const uses = mapUses(routeMap)
  for (const [file, entries] of Object.entries(routeMap.maps)) {
    const u = [...(uses.get(file) ?? [])].sort((a, b) => order(a.origin, b.origin))
    const first = u[0]
    const display = first
      ? `pattern loaded from file '${file}' used by map at file '${first.origin.file}' line ${first.origin.line}${u
          .slice(1)
          .map((x) => `, by map at file '${x.origin.file}' line ${x.origin.line}`)
          .join('')}`
      : `pattern loaded from file '${file}'`
    const base = lazy(() => mapPairs(entries))
    refs.push({
      id: refs.length,
      key: file,
      file,
      display,
      map: true,
      acl: false,
      places: [],
      uses: u,
      get base() {
        return base()
      },
      baseCount: entries.length / 2,
      known: true,
    })
  }
  return refs
}

/** pat_ref_lookup_ref: `#<id>` or the file name. */
export function findRef(refs: readonly PatternRef[], name: string): PatternRef | undefined {
  if (name.startsWith('#')) {
    const m = /^[+-]?\d+/.exec(name.slice(1))
    const id = m ? Number(m[0]) : 0
    return refs.find((r) => r.id === id)
  }
  return refs.find((r) => r.file !== '' && r.file === name)
}

/** The entries of `ref` now: the edited list, or the RouteMap's. */
export function refEntries(ref: PatternRef, edits: PatternEdits): PatternEntries {
  return edits.get(ref.key) ?? ref.base
}

/** entry_cnt: the RouteMap's count until the reference is edited. */
export function refCount(ref: PatternRef, edits: PatternEdits): number {
  return edits.get(ref.key)?.length ?? ref.baseCount
}

/**
 * Checks patterns for an ACL reference with its match method (the compiler's prepare):
 * undefined when valid, else the message (e.g. `'x' is not a valid IPv4 or IPv6 address`).
 */
export function patternError(ref: PatternRef, pattern: string): string | undefined {
  const t = ref.test
  const match = t?.match ?? ref.uses[0]?.match ?? 'str'
  const def = defaultRegistry.match(match)
  if (!def) return undefined
  let msg: string | undefined
  def.prepare([pattern], { icase: t?.icase ?? false }, (_i, m) => {
    msg ??= m
  })
  // the compiler's explanation for host names is not part of HAProxy's message
  return msg?.replace(/ \(host names are not supported[^)]*\)$/, '')
}

/**
 * A RouteMap whose map files and ACL pattern data reflect `edits`, with its `hash` recomputed
 * (unchanged objects are shared; without edits, `routeMap` itself).
 */
export function applyPatternEdits(routeMap: RouteMap, edits: PatternEdits): RouteMap {
  const refs = patternRefs(routeMap)
  let maps = routeMap.maps
  const testData = new Map<string, AclTest>()
  for (const ref of refs) {
    const e = edits.get(ref.key)
    if (!e) continue
    if (ref.map) maps = { ...maps, [ref.key]: e.flat() }
    else if (ref.test) {
      const t = ref.test
      const def = defaultRegistry.match(t.match)
      const patterns = e.map(([p]) => p)
      const data = def ? def.prepare(patterns, { icase: t.icase }, () => {}) : t.data
      const next: AclTestText = { ...t, data, patternCount: patterns.length, patterns }
      for (const pl of ref.places) testData.set(`${pl.list}:${pl.proxy}:${pl.acl}:${pl.test}`, next)
    }
  }
  if (maps === routeMap.maps && testData.size === 0) return routeMap
  const patchAcls = (list: 'frontends' | 'backends', pi: number, acls: readonly Acl[]): readonly Acl[] => {
    let changed = false
    const out = acls.map((a, ai) => {
      const tests = a.tests.map((t, ti) => testData.get(`${list}:${pi}:${ai}:${ti}`) ?? t)
      if (tests.some((t, i) => t !== a.tests[i])) {
        changed = true
        return { ...a, tests }
      }
      return a
    })
    return changed ? out : acls
  }
  const { hash: _old, ...body } = {
    ...routeMap,
    maps,
    frontends: routeMap.frontends.map((p, i) => {
      const acls = patchAcls('frontends', i, p.acls)
      return acls === p.acls ? p : { ...p, acls }
    }),
    backends: routeMap.backends.map((p, i) => {
      const acls = patchAcls('backends', i, p.acls)
      return acls === p.acls ? p : { ...p, acls }
    }),
  }
  // `hash` stays what the schema says it is: the SHA-256 of everything else.
  return { ...body, hash: sha256Hex(canonicalJson(body)) }
}

/** Whether HAProxy indexes this method in a tree (PAT_SF_TREE): exact and prefix strings without -i, IP networks. */
export function treeIndexed(match: string, icase: boolean): boolean {
  return match === 'ip' || ((match === 'str' || match === 'beg') && !icase)
}

/** Prefix length of an IP pattern (most specific wins in HAProxy's trees). */
function ipBits(p: string): number {
  const r = parseIpPattern(p)
  if (typeof r === 'string') return -1
  if (r.v === 6) return r.bits
  let n = 0
  for (let m = r.mask >>> 0; m & 0x80000000; m = (m << 1) >>> 0) n++
  return n
}

/**
 * The entry a lookup of `input` finds with `match` (get map / get acl): the longest prefix or
 * most specific network for tree-indexed methods, else the first entry in list order.
 */
export function lookupEntry(entries: PatternEntries, match: string, icase: boolean, input: string): number {
  const def = defaultRegistry.match(match)
  if (!def) return -1
  const sample: Sample = { type: 'str', value: input }
  let best = -1
  let bestScore = -1
  for (let i = 0; i < entries.length; i++) {
    const p = (entries[i] as readonly [string, string])[0]
    let bad = false
    const data = def.prepare([p], { icase }, () => {
      bad = true
    })
    if (bad) continue
    let ok = false
    try {
      ok = def.build(data, { icase })(sample)
    } catch {
      ok = false
    }
    if (!ok) continue
    if (!treeIndexed(match, icase)) return i
    const score = match === 'ip' ? ipBits(p) : p.length
    if (score > bestScore) {
      best = i
      bestScore = score
    }
  }
  return best
}
