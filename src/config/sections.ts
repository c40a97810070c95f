/**
 * @module
 * Walks the parsed sections in order: opens proxy drafts (with `defaults` inheritance and
 * `from <name>`), the global settings and the auxiliary sections, and applies each statement
 * through the keyword table.
 */
import type { ConfigAst, Section } from './ast.ts'
import { createDraft, holdsRules, inheritDraft, type ProxyDraft } from './draft.ts'
import type { Word } from './lexer.ts'
import { closeCacheSection, openCacheSection } from './keywords/cache.ts'
import { resolveKeyword } from './keywords/index.ts'
import { createGlobalDraft, type GlobalDraft } from './keywords/global-draft.ts'
import type { KeywordContext } from './keywords/types.ts'
import type { Services } from './services.ts'

const NAME = /^[A-Za-z0-9._:-]+$/

/** Sections edgeproxy reads; the others are accepted with a warning and skipped. */
const IGNORED_SECTIONS: Readonly<Record<string, string>> = {
  mailers: 'e-mail alerts are not sent from the edge; use Workers Logs alerts or Logpush',
  ring: 'logs go to Workers Logs at the edge',
  program: 'external programs cannot run at the edge',
  'log-forward': 'logs go to Workers Logs at the edge',
  'crt-store': 'certificates are managed by Cloudflare (SSL/TLS > Edge Certificates)',
  traces: 'use wrangler tail and Workers Logs to trace requests',
  'fcgi-app': 'FastCGI applications cannot be reached from the edge: serve the application over HTTP (behind a Cloudflare Tunnel)',
}

export interface Built {
  readonly proxies: ProxyDraft[]
  readonly global: GlobalDraft
}

export function buildDrafts(ast: ConfigAst, sv: Services): Built {
  const global = createGlobalDraft()
  const proxies: ProxyDraft[] = []
  const named = new Map<string, ProxyDraft>()
  let lastDefaults: ProxyDraft = createDraft('defaults', '', { file: '', line: 0, column: 1, length: 1 })
  for (const section of ast.sections) {
    let proxy: ProxyDraft | undefined
    if (section.kind === 'defaults' || section.kind === 'frontend' || section.kind === 'backend' || section.kind === 'listen') {
      proxy = openProxy(section, lastDefaults, named, proxies, sv)
      if (!proxy) continue
      if (section.kind === 'defaults') {
        lastDefaults = proxy
        if (proxy.name) named.set(proxy.name, proxy)
      } else proxies.push(proxy)
    } else if (section.kind === 'http-errors') {
      if (!openHttpErrors(section, global, sv)) continue
    } else if (section.kind === 'userlist' || section.kind === 'peers' || section.kind === 'resolvers') {
      const nameW = section.args[0]
      if (!nameW) {
        sv.diag.error('missing-argument', section.keyword.span, `'${section.kind}' section expects <name> as argument`)
        continue
      }
      if (section.kind === 'userlist') {
        const bad = /[^A-Za-z0-9._:-]/.exec(nameW.text)
        if (bad) sv.diag.error('invalid-argument', nameW.span, `character '${bad[0]}' is not permitted in 'userlist' name '${nameW.text}'.`)
        if (global.userlists.has(nameW.text)) {
          // cfgparse.c: a second userlist of the same name is ignored, with its users and groups.
          sv.diag.warning('duplicate-name', nameW.span, `ignoring duplicated userlist '${nameW.text}'.`)
          global.currentUserlist = undefined
        } else {
          global.userlists.set(nameW.text, { name: nameW.text, users: [], groups: [], span: nameW.span })
          global.currentUserlist = nameW.text
        }
      } else if (section.kind === 'peers') {
        const prev = global.peers.get(nameW.text)
        if (prev) sv.diag.error('duplicate-name', nameW.span, `peers section '${nameW.text}' has the same name as another peers section declared at ${prev.file}:${prev.line}.`)
        global.peers.set(nameW.text, nameW.span)
        global.currentPeers = nameW.text
        sv.diag.warning(
          'edge-mapping',
          section.keyword.span,
          `'peers ${nameW.text}': stick tables are global at the edge (Durable Objects), so peers replication is not needed; its tables are ordinary stick tables named '${nameW.text}/<table>', its peers are ignored`,
        )
      } else {
        const prev = global.resolvers.get(nameW.text)
        if (prev) sv.diag.error('duplicate-name', nameW.span, `resolvers '${nameW.text}' has same name as another resolvers (declared at ${prev.file}:${prev.line}).`)
        global.resolvers.set(nameW.text, nameW.span)
        sv.diag.warning('edge-mapping', section.keyword.span, `'resolvers ${nameW.text}': origins are resolved by Cloudflare DNS; this section is accepted and ignored`)
      }
    } else if (section.kind === 'cache') {
      if (!openCacheSection(section, global.caches, sv)) continue
    } else if (section.kind === 'global') {
      // cfgparse-global.c: `global` takes no argument.
      const extra = section.args[0]
      if (extra) sv.diag.error('too-many-arguments', extra.span, `'global' cannot handle unexpected argument '${extra.text}'.`)
    } else {
      sv.diag.warning('edge-mapping', section.keyword.span, `'${section.kind}' section is ignored at the edge: ${IGNORED_SECTIONS[section.kind] ?? ''}`)
      continue
    }
    const socketsBefore = global.statsSockets.length
    const cx: KeywordContext = { sv, section: section.kind, global, ...(proxy ? { proxy } : {}) }
    for (const st of section.statements) {
      const r = resolveKeyword(st.words, st.span, section.kind, sv, proxy?.name)
      if (!r) continue
      const { def, statement } = r
      if (def.support === 'no') {
        sv.diag.error('not-supported', (statement.keyword[0] as Word).span, `'${def.name}' is not supported yet${def.note ? `: ${def.note}` : ''}`)
        continue
      }
      if (def.support === 'ignored') {
        if (statement.prefix !== 'no') sv.diag.warning('edge-mapping', (statement.keyword[0] as Word).span, `'${def.name}' is ignored at the edge: ${def.note ?? ''}`)
        // An ignored keyword may still record what a later check reads (`timeout tunnel`).
        if (statement.prefix !== 'no') def.parse?.(statement, cx)
        continue
      }
      def.parse?.(statement, cx)
    }
    if (section.kind === 'cache') closeCacheSection(global.caches, sv)
    // HAProxy's stats socket is served by an internal proxy that takes the next proxy id when its first line is parsed.
    if (socketsBefore === 0 && global.statsSockets.length > 0) global.statsSocketSlot = proxies.length
  }
  return { proxies, global }
}

/** `http-errors <name>` (http_htx.c cfg_parse_http_errors). */
function openHttpErrors(section: Section, global: GlobalDraft, sv: Services): boolean {
  const nameW = section.args[0]
  if (!nameW) {
    sv.diag.error('missing-argument', section.keyword.span, 'missing name for http-errors section.')
    return false
  }
  const bad = /[^A-Za-z0-9._:-]/.exec(nameW.text)
  if (bad) sv.diag.error('invalid-argument', nameW.span, `character '${bad[0]}' is not permitted in 'http-errors' name '${nameW.text}'.`)
  const prev = global.httpErrors.get(nameW.text)
  if (prev) sv.diag.error('duplicate-name', nameW.span, `http-errors section '${nameW.text}' already exists (declared at ${prev.span.file}:${prev.span.line}).`)
  global.httpErrors.set(nameW.text, { span: nameW.span, files: {} })
  global.currentHttpErrors = nameW.text
  return true
}

function openProxy(section: Section, lastDefaults: ProxyDraft, named: Map<string, ProxyDraft>, proxies: readonly ProxyDraft[], sv: Services): ProxyDraft | undefined {
  const kind = section.kind as 'defaults' | 'frontend' | 'backend' | 'listen'
  const args = section.args
  const nameW = args[0] && args[0].text !== 'from' ? args[0] : undefined
  if (!nameW && kind !== 'defaults') {
    sv.diag.error('missing-argument', section.keyword.span, `'${kind}' expects <name> as an argument`)
    return undefined
  }
  // HAProxy 2.6 accepts any name on a `defaults` line (it refuses it only where `from` names it).
  if (nameW && kind !== 'defaults' && !NAME.test(nameW.text)) {
    sv.diag.error('invalid-argument', nameW.span, `character '${/[^A-Za-z0-9._:-]/.exec(nameW.text)?.[0] ?? ''}' is invalid in ${kind} name '${nameW.text}'`, {
      help: "proxy names use letters, digits, '.', '_', ':' and '-'",
    })
    return undefined
  }
  // A defaults section starts from HAProxy's built-in defaults unless it names one with `from`
  // (measured on 2.6: neither settings nor rules carry over from the previous defaults section).
  let from = kind === 'defaults' ? createDraft('defaults', '', section.keyword.span) : lastDefaults
  const fromIdx = args.findIndex((w) => w.text === 'from')
  if (fromIdx >= 0) {
    const ref = args[fromIdx + 1]
    if (!ref) {
      sv.diag.error('missing-argument', args[fromIdx]?.span ?? section.keyword.span, "'from' expects a defaults section name")
      return undefined
    }
    const d = named.get(ref.text)
    if (!d) {
      sv.diag.error('unknown-backend', ref.span, `defaults section '${ref.text}' not found for ${kind} '${nameW?.text ?? ''}'`, {
        help: 'named defaults sections must appear before the sections that use them',
      })
      return undefined
    }
    if (kind === 'defaults' && holdsRules(d)) {
      sv.diag.error('keyword-out-of-section', ref.span, `a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at ${d.span.file}:${d.span.line}).`, {
        notes: [{ message: `defaults '${d.name}' declared here`, span: d.span }],
      })
    }
    from = d
  }
  if (kind !== 'frontend' && from.captures.request.length + from.captures.response.length > 0) {
    sv.diag.error(
      'keyword-out-of-section',
      section.keyword.span,
      `backend or defaults sections cannot inherit from a defaults section defining captures (defaults section at ${from.span.file}:${from.span.line}).`,
      {
        help: "captures belong to frontends: give the backends a defaults section without 'http-request capture'",
      },
    )
    return undefined
  }
  noteDefaultsUse(fromIdx >= 0 ? from : kind === 'defaults' ? undefined : lastDefaults, fromIdx >= 0, section, sv)
  const extra = args.find((_w, i) => i > 0 && i !== fromIdx && i !== fromIdx + 1)
  if (extra) sv.diag.error('too-many-arguments', extra.span, `'${kind}' : unexpected argument '${extra.text}' (expects '<name> [from <defaults>]')`)
  const name = nameW?.text ?? ''
  if (kind !== 'defaults') {
    const fe = kind === 'frontend' || kind === 'listen'
    const be = kind === 'backend' || kind === 'listen'
    const clash = proxies.find((p) => p.name === name && ((fe && (p.kind === 'frontend' || p.kind === 'listen')) || (be && (p.kind === 'backend' || p.kind === 'listen'))))
    if (clash && nameW) {
      sv.diag.error('duplicate-name', nameW.span, `${kind} '${name}' has the same name as ${clash.kind} '${name}' declared at ${clash.span.file}:${clash.span.line}`, {
        notes: [{ message: 'first declared here', span: clash.span }],
      })
      return undefined
    }
  } else if (name && named.has(name)) {
    sv.diag.warning('duplicate-name', nameW?.span ?? section.keyword.span, `defaults section '${name}' redefines the one declared at line ${named.get(name)?.span.line ?? 0}`)
  }
  return inheritDraft(from, kind, name, section.keyword.span, nameW)
}

/** How each defaults section has been used: by name (`from`) and/or as the last one before a proxy. */
const DEFAULTS_USE = new WeakMap<ProxyDraft, { explicit: boolean; implicit: boolean }>()

/**
 * cfgparse-listen.c: a defaults section both named by `from` and used implicitly is ambiguous;
 * HAProxy 2.6 warns (with ALERT wording) at every proxy using it once both kinds of use are seen.
 */
function noteDefaultsUse(d: ProxyDraft | undefined, explicit: boolean, section: Section, sv: Services): void {
  if (!d || d.span.file === '') return
  const use = DEFAULTS_USE.get(d) ?? { explicit: false, implicit: false }
  if (explicit) use.explicit = true
  else use.implicit = true
  DEFAULTS_USE.set(d, use)
  if (!use.explicit || !use.implicit) return
  sv.diag.warning(
    'syntax',
    section.keyword.span,
    `defaults section '${d.name}' (declared at ${d.span.file}:${d.span.line}) is explicitly referenced by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.`,
    { help: "add 'from <defaults>' to this section, or an unnamed defaults section before it", notes: [{ message: 'defaults section declared here', span: d.span }] },
  )
}
