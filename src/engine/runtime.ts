/**
 * @module
 * Hydrates a RouteMap into closures, once per isolate: ACL matchers from prepared pattern data,
 * conditions, rule actions, log-format renderers. Nothing here runs per request; decide.ts does.
 */
import type { Acl, Backend, Condition, Frontend, LogFormat, RouteMap, Rule, UseBackend } from '../routemap/schema.ts'
import { buildSampleExpr, type SampleExpr } from '../sample/expr.ts'
import type { SampleRegistry } from '../sample/registry.ts'
import type { BuildEnv, FetchFn, Matcher, ProxyStateView, RequestTimeouts, Sample } from '../sample/types.ts'
import { RUNTIME_ACTIONS } from './actions/index.ts'
import type { ActionBuildEnv, ActionFn } from './actions/types.ts'
import { buildRenderer, type Renderer } from './log-format.ts'
import type { RequestState } from './request-state.ts'
import type { StickTracker } from './stick.ts'
import type { Tracer } from './trace.ts'

export type CondFn = (ctx: RequestState, trace: Tracer) => boolean

export interface RtAcl {
  readonly name: string
  readonly test: (ctx: RequestState) => boolean
}

export interface RtRule {
  readonly def: Rule
  readonly cond?: CondFn
  readonly run: ActionFn
}

export interface RtProxy {
  readonly acls: readonly RtAcl[]
  readonly httpRequest: readonly RtRule[]
  readonly httpResponse: readonly RtRule[]
  readonly httpAfterResponse: readonly RtRule[]
  readonly redirects: readonly RtRule[]
  /** tcp-request / tcp-response rules (src/engine/tcp-rules.ts runs them); absent when none. */
  readonly tcp?: RtTcpRules
  /** `option forwardfor except <net>`: true when the client is in the network. */
  readonly xffExcept?: (ip: string) => boolean
  /** `option originalto except <net>`: true when the destination is in the network. */
  readonly xotExcept?: (ip: string) => boolean
}

export interface RtTcpRules {
  readonly connection: readonly RtRule[]
  readonly session: readonly RtRule[]
  readonly content: readonly RtRule[]
  readonly response: readonly RtRule[]
}

export interface RtFrontend extends RtProxy {
  readonly def: Frontend
  /** `unique-id-format`, rendered for the request the first time its id is needed. */
  readonly uniqueId?: Renderer
  /** The request's timeouts before a backend is chosen (shared by every request; copied on write). */
  readonly timeouts: RequestTimeouts
  /** The request's timeouts once `be` is chosen (built once per backend, then shared). */
  timeoutsWith(be: RtBackend): RequestTimeouts
  readonly useBackends: readonly { readonly def: UseBackend; readonly target: string | Renderer; readonly cond?: CondFn }[]
  readonly statsAdmin?: CondFn
  readonly monitorFail?: readonly CondFn[]
  /** Some bind says `verify optional|required`: the request's bind is looked up (client-verify.ts). */
  readonly verifies?: true
}

export interface RtBackend extends RtProxy {
  readonly def: Backend
  readonly stickRules: readonly { readonly def: Backend['stickRules'][number]; readonly key: FetchFn; readonly cond?: CondFn }[]
  readonly forcePersist: readonly CondFn[]
  readonly ignorePersist: readonly CondFn[]
  /** `use-server` rules: the server's name (rendered per request when it is a log-format). */
  readonly useServers: readonly { readonly target: string | Renderer; readonly cond?: CondFn }[]
}

export interface Hydrated {
  readonly routeMap: RouteMap
  readonly frontends: readonly RtFrontend[]
  /** The frontend of each deploy hostname (`edgeHosts`); absent when no frontend has any. */
  readonly edgeHosts?: ReadonlyMap<string, RtFrontend>
  readonly backends: ReadonlyMap<string, RtBackend>
  readonly registry: SampleRegistry
}

/** Builds every closure of `routeMap`. Throws only on a RouteMap the compiler would not produce. */
export function hydrate(routeMap: RouteMap, registry: SampleRegistry, stick: StickTracker, proxies?: ProxyStateView): Hydrated {
  const procVars = routeMap.global.procVars
  const env: BuildEnv = {
    map: (id) => routeMap.maps[id] ?? [],
    ...(procVars ? { procVar: (n: string) => procVars[n] as Sample | undefined } : {}),
    userlist: (n) => routeMap.userlists.find((u) => u.name === n),
    ...(proxies ? { proxies } : {}),
  }
  const expr = (e: SampleExpr): FetchFn => buildSampleExpr(e, registry, env)
  const format = (f: LogFormat, http = true): Renderer => buildRenderer(f, expr, http)
  const acls = (list: readonly Acl[]): RtAcl[] =>
    list.map((a) => {
      const tests = a.tests.map((t) => {
        const fetch = expr(t.sample)
        const def = registry.match(t.match)
        if (!def) throw new Error(`RouteMap uses unknown match method '${t.match}'`)
        const matcher: Matcher = def.build(t.data, { icase: t.icase })
        const multi = registry.fetch(t.sample.fetch)?.multi === true
        return (ctx: RequestState): boolean => {
          const r = fetch(ctx, multi)
          if (r === undefined) return false
          if (Array.isArray(r)) {
            for (let i = 0; i < r.length; i++) if (matcher(r[i] as Sample)) return true
            return false
          }
          return matcher(r as Sample)
        }
      })
      const test =
        tests.length === 1
          ? (tests[0] as (c: RequestState) => boolean)
          : (ctx: RequestState) => {
              for (let i = 0; i < tests.length; i++) if ((tests[i] as (c: RequestState) => boolean)(ctx)) return true
              return false
            }
      return { name: a.name, test }
    })
  const cond = (c: Condition | undefined, rt: readonly RtAcl[]): CondFn | undefined => (c ? compileCondition(c, rt) : undefined)
  const rules = (
    list: readonly Rule[],
    rt: readonly RtAcl[],
    ruleSet: ActionBuildEnv['ruleSet'],
    errorfiles: Readonly<Record<string, string>>,
    proxyName: string,
    tarpitMs: number,
    errorReplies?: Frontend['errorReplies'],
  ): RtRule[] =>
    list.map((r) => {
      const def = RUNTIME_ACTIONS.get(r.action)
      if (!def) throw new Error(`RouteMap uses action '${r.action}' that has no runtime`)
      const run = def.build(r.args, { expr, format, errorfiles, proxyName, stick, tarpitMs, ruleSet, ...(errorReplies ? { errorReplies } : {}) })
      const c = cond(r.cond, rt)
      return { def: r, run, ...(c ? { cond: c } : {}) }
    })
  const proxy = (p: Frontend | Backend): RtProxy => {
    const rt = acls(p.acls)
    const tarpit = p.timeouts.tarpit ?? p.timeouts.connect ?? 0
    const except = p.options.forwardfor?.except
    const ipMatch = except !== undefined ? registry.match('ip')?.build(except, { icase: false }) : undefined
    const xot = p.options.originaltoExcept
    const xotMatch = xot !== undefined ? registry.match('ip')?.build(xot, { icase: false }) : undefined
    const t = p.tcpRules
    const tcp = (list: readonly Rule[], ruleSet: ActionBuildEnv['ruleSet']): RtRule[] => rules(list, rt, ruleSet, p.errorfiles, p.name, tarpit)
    return {
      ...(t
        ? { tcp: { connection: tcp(t.connection, 'http-request'), session: tcp(t.session, 'http-request'), content: tcp(t.content, 'http-request'), response: tcp(t.response, 'http-response') } }
        : {}),
      ...(ipMatch ? { xffExcept: (ip: string) => ipMatch({ type: 'ip', value: ip }) } : {}),
      ...(xotMatch ? { xotExcept: (ip: string) => xotMatch({ type: 'ip', value: ip }) } : {}),
      acls: rt,
      httpRequest: rules(p.httpRequest, rt, 'http-request', p.errorfiles, p.name, tarpit, p.errorReplies),
      httpResponse: rules(p.httpResponse, rt, 'http-response', p.errorfiles, p.name, tarpit, p.errorReplies),
      httpAfterResponse: rules(p.httpAfterResponse, rt, 'http-after-response', p.errorfiles, p.name, tarpit, p.errorReplies),
      redirects: rules(p.redirects, rt, 'http-request', p.errorfiles, p.name, tarpit, p.errorReplies),
    }
  }
  const frontends = routeMap.frontends.map((f): RtFrontend => {
    const base = proxy(f)
    const admin = cond(f.stats?.admin, base.acls)
    return {
      ...base,
      def: f,
      useBackends: f.useBackends.map((u) => {
        const c = cond(u.cond, base.acls)
        return { def: u, target: typeof u.backend === 'string' ? u.backend : format(u.backend, false), ...(c ? { cond: c } : {}) }
      }),
      ...(admin ? { statsAdmin: admin } : {}),
      ...(f.binds.some((b) => b.verify !== undefined) ? { verifies: true as const } : {}),
      ...(f.uniqueId ? { uniqueId: format(f.uniqueId.format) } : {}),
      ...frontendTimeouts(f),
      ...(f.monitorFail ? { monitorFail: f.monitorFail.map((c) => compileCondition(c, base.acls)) } : {}),
    }
  })
  const backends = new Map(
    routeMap.backends.map((b): [string, RtBackend] => {
      const base = proxy(b)
      return [
        b.name,
        {
          ...base,
          def: b,
          stickRules: b.stickRules.map((r) => {
            const c = cond(r.cond, base.acls)
            return { def: r, key: expr(r.sample), ...(c ? { cond: c } : {}) }
          }),
          forcePersist: b.forcePersist.map((c) => compileCondition(c, base.acls)),
          ignorePersist: b.ignorePersist.map((c) => compileCondition(c, base.acls)),
          useServers: b.useServers.map((u) => {
            const c = cond(u.cond, base.acls)
            return { target: u.format ? format(u.format, false) : u.server, ...(c ? { cond: c } : {}) }
          }),
        },
      ]
    }),
  )
  const edgeHosts = new Map<string, RtFrontend>()
  for (const f of frontends) for (const h of f.def.edgeHosts ?? []) if (!edgeHosts.has(h)) edgeHosts.set(h, f)
  return { routeMap, frontends, ...(edgeHosts.size > 0 ? { edgeHosts } : {}), backends, registry }
}

/**
 * The timeouts a request of frontend `f` starts with: until a backend is chosen, the stream's
 * backend is the frontend itself, and only a listen section has server-side timeouts (a frontend
 * does not take them from defaults). Once a backend is chosen, its own.
 */
function frontendTimeouts(f: Frontend): Pick<RtFrontend, 'timeouts' | 'timeoutsWith'> {
  const t = f.timeouts
  const own = (v: number | undefined): number => (f.listen ? (v ?? 0) : 0)
  const feClient = t.client ?? 0
  const byBackend = new Map<RtBackend, RequestTimeouts>()
  return {
    timeouts: { feClient, beServer: own(t.server), beTunnel: own(t.tunnel), curServer: own(t.server), curTunnel: own(t.tunnel) },
    timeoutsWith(be) {
      let r = byBackend.get(be)
      if (!r) {
        const bt = be.def.timeouts
        r = { feClient, beServer: bt.server ?? 0, beTunnel: bt.tunnel ?? 0, curServer: bt.server ?? 0, curTunnel: bt.tunnel ?? 0 }
        byBackend.set(be, r)
      }
      return r
    },
  }
}

/** DNF evaluation (acl.c acl_exec_cond): the first OR group whose terms all pass wins. */
export function compileCondition(c: Condition, acls: readonly RtAcl[]): CondFn {
  const groups = c.or.map((g) => g.map((t) => ({ negate: t.negate, acl: acls[t.acl] as RtAcl })))
  return (ctx, trace) => {
    let result = false
    for (const g of groups) {
      let pass = true
      for (const t of g) {
        const v = t.acl.test(ctx)
        if (trace.enabled) trace.step({ stage: 'acl', text: `${t.negate ? '!' : ''}${t.acl.name} → ${v !== t.negate}`, matched: v !== t.negate })
        if (v === t.negate) {
          pass = false
          break
        }
      }
      if (pass) {
        result = true
        break
      }
    }
    return c.unless ? !result : result
  }
}
