/**
 * @module
 * `cache` sections and `filter cache` (HAProxy 2.6 doc section 6, src/cache.c): the section's
 * keywords, the checks HAProxy makes once a section ends (size given, object size limit) and once
 * every proxy is read (each `cache-use` / `cache-store` / `filter cache` names a declared cache).
 * The caches go into the RouteMap as `caches`; the Worker carries them with the Workers Cache API.
 */
import type { CacheSpec } from '../../routemap/schema.ts'
import type { Section } from '../ast.ts'
import type { ProxyDraft } from '../draft.ts'
import type { Word } from '../lexer.ts'
import type { Services } from '../services.ts'
import type { SourceSpan } from '../source.ts'
import { kwName } from './args.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'
import { atol } from '../../util/c-number.ts'

/** Longest cache name HAProxy keeps (the rest is cut with a warning). */
const NAME_MAX = 32

interface CacheDraft {
  name: string
  span: SourceSpan
  maxAgeS: number
  /** total-max-size in MB (0: not given). */
  totalMb: number
  maxObjectSize: number
  processVary: boolean
  maxSecondaryEntries: number
  /** The section ended with an error: it is not declared. */
  failed?: boolean
}

/** Every cache section and every `filter cache` line of a config. */
export interface CacheConfigDraft {
  readonly sections: Map<string, CacheDraft>
  /** Sections that ended with an error (already reported: references to them are not). */
  readonly failed: Set<string>
  current?: CacheDraft
  readonly filters: { readonly proxy: ProxyDraft; readonly name: string; readonly span: SourceSpan }[]
}

export function createCacheConfig(): CacheConfigDraft {
  return { sections: new Map(), failed: new Set(), filters: [] }
}

/** `cache <name>`: opens a section (cfg_parse_cache). Returns false when its lines must be skipped. */
export function openCacheSection(section: Section, caches: CacheConfigDraft, sv: Services): boolean {
  caches.current = undefined
  const nameW = section.args[0]
  if (!nameW) {
    sv.diag.error('missing-argument', section.keyword.span, "'cache' expects a <name> argument")
    return false
  }
  const extra = section.args[1]
  if (extra) {
    sv.diag.error('too-many-arguments', extra.span, `'cache' cannot handle unexpected argument '${extra.text}'`)
    return false
  }
  let name = nameW.text
  if (name.length > NAME_MAX) {
    name = name.slice(0, NAME_MAX)
    sv.diag.warning('invalid-argument', nameW.span, `cache name is limited to ${NAME_MAX} characters, truncate to '${name}'`)
  }
  const dup = caches.sections.get(name)
  if (dup) {
    sv.diag.error('duplicate-name', nameW.span, `duplicate cache name '${name}'`, { notes: [{ message: 'first declared here', span: dup.span }] })
    return false
  }
  caches.current = { name, span: nameW.span, maxAgeS: 60, totalMb: 0, maxObjectSize: 0, processVary: false, maxSecondaryEntries: 10 }
  return true
}

/** The end of a cache section (cfg_post_parse_section_cache): size checks, then the cache exists. */
export function closeCacheSection(caches: CacheConfigDraft, sv: Services): void {
  const c = caches.current
  caches.current = undefined
  if (!c) return
  caches.failed.add(c.name)
  if (c.failed) return
  if (c.totalMb <= 0) {
    sv.diag.error('missing-argument', c.span, `size not specified for cache '${c.name}'`, { help: "add 'total-max-size <megabytes>' to the section" })
    return
  }
  const total = c.totalMb * 1024 * 1024
  if (c.maxObjectSize === 0) c.maxObjectSize = Math.floor(total / 256)
  else if (c.maxObjectSize > total / 2) {
    sv.diag.error('out-of-range', c.span, `'max-object-size' is limited to an half of 'total-max-size' => ${Math.floor(total / 2)}`)
    return
  }
  caches.failed.delete(c.name)
  caches.sections.set(c.name, c)
}

/** An unsigned decimal as strtoul reads a whole word (no sign, no suffix), or undefined. */
function unsigned(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined
}

/** One argument at most (alertif_too_many_args); the section is dropped otherwise. */
function oneArg(st: Statement, cx: KeywordContext, c: CacheDraft): boolean {
  const extra = st.args[1]
  if (!extra) return true
  cx.sv.diag.error('too-many-arguments', extra.span, `'${kwName(st)}' cannot handle unexpected argument '${extra.text}'`)
  c.failed = true
  return false
}

const TOTAL_NOTE = "the Workers Cache API cannot bound a cache's size: Cloudflare evicts objects by its own rules, per data center"

function cacheKeyword(name: string, apply: (c: CacheDraft, arg: Word | undefined, st: Statement, cx: KeywordContext) => void, note?: string): KeywordDef {
  return {
    name,
    sections: ['cache'],
    support: note ? 'edge' : 'yes',
    ...(note ? { note } : {}),
    parse: (st, cx) => {
      const c = cx.global.caches.current
      if (!c || !oneArg(st, cx, c)) return
      apply(c, st.args[0], st, cx)
    },
  }
}

/** A value HAProxy refuses (ERR_ABORT): the whole configuration is refused. */
function refuse(c: CacheDraft, cx: KeywordContext, w: Word | undefined, st: Statement, message: string): void {
  cx.sv.diag.error('invalid-argument', (w ?? st.keyword[0] ?? st).span, message)
  c.failed = true
}

export const CACHE_KEYWORDS: readonly KeywordDef[] = [
  cacheKeyword(
    'total-max-size',
    (c, w, st, cx) => {
      const n = unsigned(w?.text ?? '')
      if (n === undefined) return refuse(c, cx, w, st, `total-max-size wrong value '${w?.text ?? ''}'`)
      if (n > 4095) return refuse(c, cx, w, st, `'total-max-size' (${w?.text}) must not be greater than 4095`)
      c.totalMb = n
      cx.sv.diag.warning('edge-mapping', (st.keyword[0] as Word).span, `'total-max-size' is not enforced at the edge: ${TOTAL_NOTE}; it still sets the default 'max-object-size'`)
    },
    TOTAL_NOTE,
  ),
  cacheKeyword('max-age', (c, w, st, cx) => {
    if (!w) cx.sv.diag.warning('missing-argument', st.span, "'max-age' expects an age parameter in seconds")
    c.maxAgeS = Math.max(0, atol(w?.text ?? ''))
  }),
  cacheKeyword('max-object-size', (c, w, st, cx) => {
    if (!w) cx.sv.diag.warning('missing-argument', st.span, "'max-object-size' expects a maximum file size parameter in bytes")
    const n = unsigned(w?.text ?? '')
    if (n === undefined || n > 0xffffffff) return refuse(c, cx, w, st, `max-object-size wrong value '${w?.text ?? ''}'`)
    c.maxObjectSize = n
  }),
  cacheKeyword('process-vary', (c, w, st, cx) => {
    if (w?.text === 'on' || w?.text === 'off') c.processVary = w.text === 'on'
    else cx.sv.diag.warning('invalid-argument', (w ?? st).span, `'process-vary' expects "on" or "off" (enable or disable vary processing)`)
  }),
  cacheKeyword('max-secondary-entries', (c, w, st, cx) => {
    if (!w) cx.sv.diag.warning('missing-argument', st.span, "'max-secondary-entries' expects a strictly positive number")
    const n = unsigned(w?.text ?? '')
    if (n === undefined || n === 0 || n > 0xffffffff) return refuse(c, cx, w, st, `max-secondary-entries wrong value '${w?.text ?? ''}'`)
    c.maxSecondaryEntries = n
  }),
]

/** `filter cache <name>` (parse_cache_flt): recorded here, checked once every cache is known. */
export function parseCacheFilter(st: Statement, cx: KeywordContext, args: readonly Word[]): void {
  const p = cx.proxy
  const nameW = args[0]
  if (!p) return
  if (!nameW) {
    cx.sv.diag.error('missing-argument', st.span, "'filter cache' expects a <name> argument")
    return
  }
  const extra = args[1]
  if (extra) {
    cx.sv.diag.error('too-many-arguments', extra.span, `'filter cache' cannot handle unexpected argument '${extra.text}'`)
    return
  }
  const caches = cx.global.caches
  if (caches.filters.some((f) => f.proxy === p && f.name === nameW.text)) {
    cx.sv.diag.error('duplicate-name', nameW.span, `${p.name}: multiple explicit declarations of the cache filter '${nameW.text}'`)
    return
  }
  caches.filters.push({ proxy: p, name: nameW.text, span: nameW.span })
}

/**
 * Once every section is read (post_check_cache / cache_store_check): each cache named by a
 * `cache-use` / `cache-store` rule or a `filter cache` line must exist. Returns the caches for the
 * RouteMap in declaration order.
 */
export function finalizeCaches(caches: CacheConfigDraft, proxies: readonly ProxyDraft[], sv: Services): CacheSpec[] {
  const missing = (name: string) => !caches.sections.has(name) && !caches.failed.has(name)
  for (const p of proxies) {
    for (const rules of [p.httpRequest, p.httpResponse]) {
      rules.forEach((r, i) => {
        if (r.action !== 'cache-use' && r.action !== 'cache-store') return
        const name = r.args.cache as string
        const c = caches.sections.get(name)
        if (c) {
          // The actions read the section's settings from their own arguments (no lookup per request).
          rules[i] = { ...r, args: { cache: name, maxAgeS: c.maxAgeS, maxObjectSize: c.maxObjectSize, processVary: c.processVary, maxSecondaryEntries: c.maxSecondaryEntries } }
          return
        }
        if (!missing(name)) return
        const span: SourceSpan = { file: r.origin.file, line: r.origin.line, column: 1, length: 1 }
        sv.diag.error('unknown-backend', span, `${p.kind} '${p.name}': unable to find the cache '${name}' referenced by the filter 'cache'`, {
          help: `declare it: 'cache ${name}' with 'total-max-size <megabytes>'`,
        })
      })
    }
  }
  for (const f of caches.filters) {
    if (missing(f.name)) sv.diag.error('unknown-backend', f.span, `${f.proxy.kind} '${f.proxy.name}': unable to find the cache '${f.name}' referenced by the filter 'cache'`)
  }
  return [...caches.sections.values()].map((c) => ({
    name: c.name,
    maxAgeS: c.maxAgeS,
    totalMaxSize: c.totalMb * 1024 * 1024,
    maxObjectSize: c.maxObjectSize,
    processVary: c.processVary,
    maxSecondaryEntries: c.maxSecondaryEntries,
    origin: { file: c.span.file, line: c.span.line },
  }))
}
