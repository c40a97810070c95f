/**
 * @module
 * Resolves the proxy and server arguments of sample fetches (`nbsrv(main)`, `srv_is_up(be/s1)`,
 * `fe_conn`) once every proxy is known, as HAProxy's smp_resolve_args does, with its messages:
 * an omitted backend or frontend is the proxy that holds the expression (an error when it lacks
 * that capability), a server without `backend/` is looked up in that proxy. Resolved names are
 * written into the expression, so the engine never guesses. Expressions a proxy inherited from a
 * defaults section are left as written: like HAProxy, they name the proxy running them at runtime.
 */
import type { Origin } from '../routemap/schema.ts'
import type { SampleExpr } from '../sample/expr.ts'
import type { ArgKind, ArgValue } from '../sample/types.ts'
import { closest } from '../util/closest.ts'
import type { ProxyDraft } from './draft.ts'
import type { Services } from './services.ts'
import type { SourceSpan } from './source.ts'

type RefKind = Extract<ArgKind, 'backend' | 'frontend' | 'server'>
const REF_KINDS: ReadonlySet<ArgKind> = new Set<ArgKind>(['backend', 'frontend', 'server'])

/** Draft fields holding expressions, with HAProxy's context text (sample.c ARGC_*) for fetches outside ACLs. */
const FIELDS: readonly (readonly [keyof ProxyDraft, string])[] = [
  ['acls', 'in'],
  ['httpRequest', 'in http-request expression in'],
  ['redirects', 'in'],
  ['useBackends', 'in use_backend expression in'],
  ['stickRules', 'in stick rule in'],
  ['httpResponse', 'in http-response response in'],
  ['httpAfterResponse', 'in http-response response in'],
]

interface Found {
  readonly expr: SampleExpr
  readonly origin?: Origin
  readonly acl: boolean
  readonly where: string
}

function isExpr(v: unknown): v is SampleExpr {
  const o = v as Partial<SampleExpr> | null
  return typeof o === 'object' && o !== null && typeof o.fetch === 'string' && Array.isArray(o.args) && Array.isArray(o.conv)
}

/** Every sample expression under `v`, with the nearest enclosing origin. */
function collect(v: unknown, origin: Origin | undefined, acl: boolean, where: string, out: Found[], seen: Set<unknown>): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return
  seen.add(v)
  if (isExpr(v)) {
    out.push({ expr: v, ...(origin ? { origin } : {}), acl, where })
    return
  }
  if (Array.isArray(v)) {
    for (const x of v) collect(x, origin, acl, where, out, seen)
    return
  }
  const rec = v as Record<string, unknown>
  const o = rec.origin as Origin | undefined
  const here = o && typeof o.file === 'string' && typeof o.line === 'number' ? o : origin
  for (const k of Object.keys(rec)) if (k !== 'origin' && k !== 'span') collect(rec[k], here, acl, where, out, seen)
}

function expressionsOf(p: ProxyDraft): Found[] {
  const out: Found[] = []
  const seen = new Set<unknown>()
  for (const [field, where] of FIELDS) collect(p[field], undefined, field === 'acls', where, out, seen)
  return out
}

const hasFe = (p: ProxyDraft): boolean => p.kind === 'frontend' || p.kind === 'listen'
const hasBe = (p: ProxyDraft): boolean => p.kind === 'backend' || p.kind === 'listen'

/** Checks and completes the proxy and server arguments of every fetch of every proxy. */
export function resolveFetchRefs(proxies: readonly ProxyDraft[], sv: Services): void {
  const backends = new Map(proxies.filter(hasBe).map((p) => [p.name, p]))
  const frontends = new Map(proxies.filter(hasFe).map((p) => [p.name, p]))
  const resolveAll = (p: ProxyDraft, list: readonly Found[], inDefaults: boolean): void => {
    for (const f of list) {
      const def = sv.registry.fetch(f.expr.fetch)
      if (!def) continue
      def.args.forEach((spec, i) => {
        if (!REF_KINDS.has(spec.kind)) return
        const args = f.expr.args as ArgValue[]
        const v = resolveArg(spec.kind as RefKind, String(args[i] ?? ''), i + 1, f, p, inDefaults, backends, frontends, sv)
        if (v !== undefined) {
          while (args.length < i) args.push('')
          args[i] = v
        }
      })
    }
  }
  // Rules of a defaults section (copied into the proxies using it) are checked once, as its own;
  // its ACLs are resolved only through those rules' use, as HAProxy does.
  const defaults = new Set<ProxyDraft>()
  for (const p of proxies) if (p.rulesFrom) defaults.add(p.rulesFrom)
  const inherited = new Set<SampleExpr>()
  for (const d of defaults) {
    const list = expressionsOf(d)
    for (const f of list) inherited.add(f.expr)
    resolveAll(
      d,
      list.filter((f) => !f.acl),
      true,
    )
  }
  for (const p of proxies) {
    if (p.kind === 'defaults') continue
    // ACLs and rules copied from a defaults section were written before the proxy's own section.
    const own = (o: Origin | undefined): boolean => o === undefined || (o.file === p.span.file && o.line >= p.span.line)
    resolveAll(
      p,
      expressionsOf(p).filter((f) => !inherited.has(f.expr) && own(f.origin)),
      false,
    )
  }
}

function resolveArg(
  kind: RefKind,
  text: string,
  pos: number,
  f: Found,
  p: ProxyDraft,
  inDefaults: boolean,
  backends: ReadonlyMap<string, ProxyDraft>,
  frontends: ReadonlyMap<string, ProxyDraft>,
  sv: Services,
): string | undefined {
  const ctx = `${f.acl ? 'ACL keyword' : 'sample fetch keyword'} '${f.expr.fetch}' ${f.acl ? 'in' : f.where} proxy '${p.name}'`
  const span: SourceSpan = f.origin ? { file: f.origin.file, line: f.origin.line, column: 1, length: 1 } : p.span
  const fail = (code: 'unknown-backend' | 'unknown-server', message: string, help: string): undefined => {
    sv.diag.error(code, span, `${message}.`, { help })
    return undefined
  }
  if (kind === 'server') {
    if (text === '') return fail('unknown-server', `missing server name in arg ${pos} of ${ctx}`, "name a server: '<server>' or '<backend>/<server>'")
    const slash = text.lastIndexOf('/')
    let px: ProxyDraft | undefined = p
    let pname = p.name
    if (slash >= 0) {
      pname = text.slice(0, slash)
      px = backends.get(pname)
      if (!px) return fail('unknown-backend', `unable to find proxy '${pname}' referenced in arg ${pos} of ${ctx}`, hint(pname, backends.keys(), `declare 'backend ${pname}'`))
    }
    if (slash < 0 && inDefaults)
      return fail('unknown-backend', `backend name must be set in arg ${pos} of ${ctx}`, "name the backend: '<backend>/<server>' (an expression of a defaults section runs in several proxies)")
    const sname = slash >= 0 ? text.slice(slash + 1) : text
    if (!px.servers.some((s) => s.name === sname)) {
      return fail(
        'unknown-server',
        `unable to find server '${sname}' in proxy '${pname}', referenced in arg ${pos} of ${ctx}`,
        hint(
          sname,
          px.servers.map((s) => s.name),
          slash >= 0 ? `declare 'server ${sname}' in '${pname}'` : "write '<backend>/<server>' for a server of another proxy",
        ),
      )
    }
    return `${pname}/${sname}`
  }
  const table = kind === 'backend' ? backends : frontends
  const capable = kind === 'backend' ? hasBe : hasFe
  if (text !== '') {
    if (!table.has(text)) return fail('unknown-backend', `unable to find ${kind} '${text}' referenced in arg ${pos} of ${ctx}`, hint(text, table.keys(), `declare '${kind} ${text}'`))
    return text
  }
  // Left empty in a defaults section: the proxy running the rule (HAProxy's PR_CAP_DEF case).
  if (inDefaults) return undefined
  if (!capable(p)) return fail('unknown-backend', `proxy '${p.name}', referenced in arg ${pos} of ${ctx}, has not ${kind} capability`, `name the ${kind}: '${f.expr.fetch}(<${kind}>)'`)
  return p.name
}

function hint(name: string, names: Iterable<string>, otherwise: string): string {
  const s = closest(name, names)
  return s ? `did you mean '${s}'?` : otherwise
}
