/**
 * @module
 * Map and ACL commands (HAProxy 2.6 map.c): `show|add|del|set|clear|get map` and
 * `show|add|del|clear|get acl`, over the references of patterns.ts and ApiContext.patterns.
 * Messages are HAProxy's, including its quirks (`del acl` on an unknown reference says "map").
 * Changing commands need the admin level, as HAProxy ≥ 2.8 requires (2.6 lets every level).
 */
import { defaultRegistry } from '../sample/index.ts'
import { canonicalIp } from '../sample/fetches/ip-text.ts'
import { type Args, arg, type Command } from './command.ts'
import type { ApiContext } from './context.ts'
import { findRef, lookupEntry, type PatternEntries, type PatternRef, patternError, patternRefs, refCount, refEntries, treeIndexed } from './patterns.ts'
import { fakePointer } from './pointer.ts'

type Noun = 'map' | 'acl'

/** edgeproxy: an ACL whose patterns the RouteMap does not keep cannot be edited entry by entry. */
export const UNKNOWN_PATTERNS = "This ACL's patterns are not kept in the compiled configuration: only 'clear acl' can change it at runtime.\n"

const UNKNOWN: Readonly<Record<Noun, string>> = {
  map: 'Unknown map identifier. Please use #<id> or <file>.\n',
  acl: 'Unknown ACL identifier. Please use #<id> or <file>.\n',
}

/** Identifiers of a reference's entries, in order (stable while an entry is unchanged). */
function entryIds(ref: PatternRef, entries: PatternEntries): string[] {
  const seen = new Map<string, number>()
  return entries.map(([k, v]) => {
    const id = `${k}\0${v}`
    const n = seen.get(id) ?? 0
    seen.set(id, n + 1)
    return fakePointer(`${ref.key}\0${id}\0${n}`)
  })
}

function refs(ctx: ApiContext): PatternRef[] {
  return patternRefs(ctx.routeMap)
}

function has(ref: PatternRef, noun: Noun): boolean {
  return noun === 'map' ? ref.map : ref.acl
}

/** map.c map_parse_str/int/ip for a value: an error text, or undefined when valid. */
function valueError(ref: PatternRef, value: string): string | undefined {
  for (const u of ref.uses) {
    if (u.out === 'int' && !/^[+-]?\d+$/.test(value)) return `unable to parse '${value}'`
    if (u.out === 'ip' && canonicalIp(value) === undefined) return `unable to parse '${value}'`
  }
  return undefined
}

/** pat_ref_push's checks for a new entry: the value first, then the pattern. */
function entryError(ref: PatternRef, key: string, value: string | undefined): string | undefined {
  if (value !== undefined) {
    const e = valueError(ref, value)
    if (e) return e
  }
  return patternError(ref, key)
}

function show(noun: Noun): Command['handler'] {
  return (args, ctx) => {
    let a = 2
    const all = refs(ctx)
    if (!arg(args, a)) {
      let out = '# id (file) description\n'
      for (const r of all) if (has(r, noun)) out += `${r.id} (${r.file}) ${r.display}. curr_ver=0 next_ver=0 entry_cnt=${refCount(r, ctx.patterns)}\n`
      return out
    }
    if (arg(args, a).startsWith('@')) a++
    const ref = findRef(all, arg(args, a))
    if (!ref || !has(ref, noun)) return UNKNOWN[noun]
    const entries = refEntries(ref, ctx.patterns)
    const ids = entryIds(ref, entries)
    return entries.map(([k, v], i) => (ref.map || v !== '' ? `${ids[i]} ${k} ${v}\n` : `${ids[i]} ${k}\n`)).join('')
  }
}

function add(noun: Noun): Command['handler'] {
  return async (argsIn, ctx, payload) => {
    let args: Args = argsIn
    if (arg(args, 2).startsWith('@')) args = [args[0] ?? '', args[1] ?? '', ...args.slice(3)]
    if (noun === 'map') {
      if ((payload === undefined && (!arg(args, 2) || !arg(args, 3) || !arg(args, 4))) || (payload !== undefined && !arg(args, 2)))
        return "'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload\n"
    } else if (!arg(args, 2) || !arg(args, 3)) return "'add acl' expects two parameters: ACL identifier and pattern.\n"
    const ref = findRef(refs(ctx), arg(args, 2))
    if (!ref) return UNKNOWN[noun]
    if (noun === 'acl' && ref.map) return "This ACL is shared with a map containing samples. You must use the command 'add map' to add values.\n"
    if (!ref.known && ctx.patterns.get(ref.key) === undefined) return UNKNOWN_PATTERNS
    const pairs: [string, string, string?][] = []
    if (payload !== undefined) {
      for (const line of payload.split('\n')) {
        if (line === '') continue
        const m = /^([^ \t]*)([ \t]?)[ \t]*(.*)$/.exec(line) as RegExpExecArray
        if (!m[2] && noun === 'map') {
          pairs.push(['', '', `Missing value for key '${m[1]}'`])
          break
        }
        pairs.push([m[1] as string, noun === 'map' ? (m[3] as string) : ''])
      }
    } else pairs.push([arg(args, 3), noun === 'map' ? arg(args, 4) : ''])
    const entries = [...refEntries(ref, ctx.patterns)]
    let error = ''
    for (const [k, v, missing] of pairs) {
      const e = missing ?? entryError(ref, k, noun === 'map' ? v : undefined)
      if (e) {
        error = `${e}.\n`
        break
      }
      entries.push([k, v])
    }
    // Entries added before a faulty payload line stay, as in HAProxy.
    if (entries.length !== refEntries(ref, ctx.patterns).length) await ctx.patterns.put(ref.key, entries)
    return error
  }
}

/** `#0x<hex>` entry identifiers: the id text, or an error for a malformed one. */
function pointerArg(a: string): string | { readonly error: string } | undefined {
  if (!a.startsWith('#0x')) return undefined
  if (!/^#0x[0-9a-fA-F]*$/.test(a)) return { error: 'Malformed identifier. Please use #<id> or <file>.\n' }
  return `0x${a
    .slice(3)
    .toLowerCase()
    .replace(/^0+(?=.)/, '')}`
}

function sameId(id: string, want: string): boolean {
  return id.replace(/^0x0*/, '0x') === want
}

function del(noun: Noun): Command['handler'] {
  return async (args, ctx) => {
    if (!arg(args, 2) || !arg(args, 3)) return `This command expects two parameters: ${noun === 'map' ? 'map' : 'ACL'} identifier and key.\n`
    const ref = findRef(refs(ctx), arg(args, 2))
    if (!ref || !has(ref, noun)) return UNKNOWN.map
    if (!ref.known && ctx.patterns.get(ref.key) === undefined) return UNKNOWN_PATTERNS
    const entries = refEntries(ref, ctx.patterns)
    const p = pointerArg(arg(args, 3))
    if (typeof p === 'object') return p.error
    let keep: PatternEntries
    if (p !== undefined) {
      const ids = entryIds(ref, entries)
      const at = ids.findIndex((id) => sameId(id, p))
      if (at < 0) return 'Key not found.\n'
      keep = entries.filter((_, i) => i !== at)
    } else {
      keep = entries.filter(([k]) => k !== arg(args, 3))
      if (keep.length === entries.length) return 'Key not found.\n'
    }
    await ctx.patterns.put(ref.key, keep)
    return ''
  }
}

async function setMap(args: Args, ctx: ApiContext): Promise<string> {
  if (!arg(args, 2) || !arg(args, 3) || !arg(args, 4)) return "'set map' expects three parameters: map identifier, key and value.\n"
  const ref = findRef(refs(ctx), arg(args, 2))
  if (!ref) return UNKNOWN.map
  const entries = refEntries(ref, ctx.patterns)
  const value = arg(args, 4)
  const p = pointerArg(arg(args, 3))
  if (typeof p === 'object') return p.error
  const ids = entryIds(ref, entries)
  const hit = entries.map((e, i) => (p !== undefined ? sameId(ids[i] as string, p) : e[0] === arg(args, 3)))
  if (!hit.includes(true)) return p !== undefined ? 'key or pattern not found.\n' : 'entry not found.\n'
  // pat_ref_set reports a value it cannot parse only for `#<ref>`; by key it silently keeps the old value
  const err = valueError(ref, value)
  if (err) return p !== undefined ? `${err}.\n` : ''
  await ctx.patterns.put(
    ref.key,
    entries.map((e, i) => (hit[i] ? ([e[0], value] as const) : e)),
  )
  return ''
}

function clear(noun: Noun): Command['handler'] {
  return async (args, ctx) => {
    let a = 2
    if (arg(args, a).startsWith('@')) a++
    if (!arg(args, a)) return `Missing ${noun === 'map' ? 'map' : 'ACL'} identifier.\n`
    const ref = findRef(refs(ctx), arg(args, a))
    if (!ref || !has(ref, noun)) return UNKNOWN[noun]
    await ctx.patterns.put(ref.key, [])
    return ''
  }
}

/** Sample type names (sample.c smp_to_type) of a map value. */
function valueType(out: 'str' | 'int' | 'ip', v: string): string {
  if (out === 'int') return 'sint'
  if (out === 'ip') return (canonicalIp(v) ?? '').includes(':') ? 'ipv6' : 'ipv4'
  return 'str'
}

function get(noun: Noun): Command['handler'] {
  return (args, ctx) => {
    if (!arg(args, 2) || !arg(args, 3)) return `Missing ${noun === 'map' ? 'map' : 'ACL'} identifier and/or key.\n`
    const ref = findRef(refs(ctx), arg(args, 2))
    if (!ref) return UNKNOWN[noun]
    const entries = refEntries(ref, ctx.patterns)
    const input = arg(args, 3)
    const exprs: { match: string; icase: boolean; out?: 'str' | 'int' | 'ip' }[] = []
    if (ref.test) exprs.push({ match: ref.test.match, icase: ref.test.icase })
    for (const u of ref.uses) if (!exprs.some((e) => e.match === u.match && e.out === u.out)) exprs.push({ match: u.match, icase: false, out: u.out })
    let out = ''
    for (const e of exprs) {
      const known = defaultRegistry.match(e.match) !== undefined && e.match !== 'meth'
      out += known ? `type=${e.match}` : 'type=unknown(0x0)'
      out += e.icase ? ', case=insensitive' : ', case=sensitive'
      const at = lookupEntry(entries, e.match, e.icase, input)
      const hit = entries[at]
      if (!hit) out += noun === 'map' ? ', found=no' : ', match=no'
      else {
        out += noun === 'map' ? ', found=yes' : ', match=yes'
        out += treeIndexed(e.match, e.icase) ? ', idx=tree' : ', idx=list'
        out += noun === 'map' ? `, key="${hit[0]}"` : `, pattern="${hit[0]}"`
        if (noun === 'map') out += e.out ? `, value="${hit[1]}", type="${valueType(e.out, hit[1])}"` : ', value=none'
      }
      out += '\n'
    }
    return out
  }
}

export const MAP_COMMANDS: readonly Command[] = [
  { words: ['add', 'acl'], usage: 'add acl [@<ver>] <acl> <pattern>        : add an acl entry', level: 'admin', handler: add('acl') },
  { words: ['clear', 'acl'], usage: 'clear acl [@<ver>] <acl>                : clear the contents of this acl', level: 'admin', handler: clear('acl') },
  { words: ['del', 'acl'], usage: 'del acl <acl> [<key>|#<ref>]            : delete acl entries matching <key>', level: 'admin', handler: del('acl') },
  { words: ['get', 'acl'], usage: 'get acl <acl> <value>                   : report the patterns matching a sample for an ACL', level: 'user', handler: get('acl') },
  { words: ['show', 'acl'], usage: "show acl [@<ver>] <acl>]                : report available acls or dump an acl's contents", level: 'user', handler: show('acl') },
  { words: ['add', 'map'], usage: 'add map [@<ver>] <map> <key> <val>      : add a map entry (payload supported instead of key/val)', level: 'admin', handler: add('map') },
  { words: ['clear', 'map'], usage: 'clear map [@<ver>] <map>                : clear the contents of this map', level: 'admin', handler: clear('map') },
  { words: ['del', 'map'], usage: 'del map <map> [<key>|#<ref>]            : delete map entries matching <key>', level: 'admin', handler: del('map') },
  { words: ['get', 'map'], usage: 'get map <acl> <value>                   : report the keys and values matching a sample for a map', level: 'user', handler: get('map') },
  { words: ['set', 'map'], usage: 'set map <map> [<key>|#<ref>] <value>    : modify a map entry', level: 'admin', handler: setMap },
  { words: ['show', 'map'], usage: "show map [@ver] [map]                   : report available maps or dump a map's contents", level: 'user', handler: show('map') },
]
