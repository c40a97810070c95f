/**
 * @module
 * Capacity and failover fetches (backend.c, frontend.c): nbsrv, srv_is_up, be_conn, be_conn_free,
 * be_sess_rate, connslots, queue, avg_queue, srv_conn, srv_conn_free, srv_queue, srv_sess_rate,
 * srv_weight, srv_iweight, srv_uweight, fe_conn, fe_req_rate, fe_sess_rate, and the ids fe_id,
 * be_id, srv_id, fe_defbe. They read the BuildEnv's ProxyStateView, resolved once per isolate.
 *
 * The compiler resolves the arguments as smp_resolve_args does: an omitted backend or frontend is
 * the proxy that holds the expression, a server without `backend/` is looked up there. A name left
 * empty (an expression of a defaults section) is the request's current proxy, as HAProxy's
 * PR_CAP_DEF case.
 */
import type { ArgSpec, ArgValue, BackendState, BuildEnv, FetchDef, FetchFn, FrontendState, SampleContext, ServerState } from '../types.ts'
import { argStr, BOTH, failing, FALSE, int, RES, str, TRUE } from './util.ts'

const BE_ARG: readonly ArgSpec[] = [{ kind: 'backend', optional: true }]
const FE_ARG: readonly ArgSpec[] = [{ kind: 'frontend', optional: true }]
const SRV_ARG: readonly ArgSpec[] = [{ kind: 'server' }]

/** nbsrv per backend while its state version stays the same (the hot path of a failover rule). */
const USABLE = new WeakMap<BackendState, { version: number; value: number }>()

/** be_usable_srv(): usable active servers; else 1 for the first usable backup; else all usable backups with `option allbackups`. */
export function usableServers(be: BackendState): number {
  const version = be.stateVersion()
  if (version === undefined) return countUsable(be)
  const hit = USABLE.get(be)
  if (hit && hit.version === version) return hit.value
  const value = countUsable(be)
  USABLE.set(be, { version, value })
  return value
}

function countUsable(be: BackendState): number {
  let act = 0
  let bck = 0
  for (const s of be.servers) {
    if (!s.usable()) continue
    if (s.backup) bck++
    else act++
  }
  if (act > 0) return act
  if (bck > 0 && !be.allBackups) return 1
  return bck
}

/** px->totpend: the backend's queue plus every server's. */
function totalQueued(be: BackendState): number {
  let n = be.queued()
  for (const s of be.servers) n += s.queued()
  return n
}

/** smp_fetch_connslots: free connection and queue slots of the servers not DOWN; -1 when one is unlimited. */
export function connSlots(be: BackendState): number {
  let n = 0
  for (const s of be.servers) {
    if (!s.up()) continue
    if (s.maxconn === 0 || s.maxqueue === 0) return -1
    n += s.maxconn - s.conn() + (s.maxqueue - s.queued())
  }
  return n
}

/**
 * smp_fetch_be_conn_free: free connections of the servers that take traffic (backups only when no
 * active server is usable: the first one, or all with `option allbackups`); -1 when one is unlimited.
 */
export function connFree(be: BackendState): number {
  let act = 0
  for (const s of be.servers) if (!s.backup && s.usable()) act++
  let firstBackup: ServerState | undefined
  if (act === 0 && !be.allBackups) firstBackup = be.servers.find((s) => s.backup && s.usable())
  let n = 0
  for (const s of be.servers) {
    if (!s.usable()) continue
    if (s.backup && (act > 0 || (s !== firstBackup && !be.allBackups))) continue
    if (s.maxconn === 0) return -1
    const c = s.conn()
    if (s.maxconn > c) n += s.maxconn - c
  }
  return n
}

/** A backend by argument, or the request's backend when the argument is empty (defaults sections). */
function backendOf(args: readonly ArgValue[], env: BuildEnv): ((ctx: SampleContext) => BackendState | undefined) | undefined {
  const view = env.proxies
  if (!view) return undefined
  const name = argStr(args, 0)
  if (name === undefined) return (ctx) => (ctx.backend === undefined ? undefined : view.backend(ctx.backend))
  const be = view.backend(name)
  return be ? () => be : undefined
}

function frontendOf(args: readonly ArgValue[], env: BuildEnv): ((ctx: SampleContext) => FrontendState | undefined) | undefined {
  const view = env.proxies
  if (!view) return undefined
  const name = argStr(args, 0)
  if (name === undefined) return (ctx) => view.frontend(ctx.frontend)
  const fe = view.frontend(name)
  return fe ? () => fe : undefined
}

/** `backend/server`, or `server` of the request's backend. */
function serverOf(args: readonly ArgValue[], env: BuildEnv): ((ctx: SampleContext) => ServerState | undefined) | undefined {
  const view = env.proxies
  const ref = argStr(args, 0)
  if (!view || ref === undefined) return undefined
  const slash = ref.lastIndexOf('/')
  if (slash < 0) return (ctx) => (ctx.backend === undefined ? undefined : view.backend(ctx.backend)?.server(ref))
  const srv = view.backend(ref.slice(0, slash))?.server(ref.slice(slash + 1))
  return srv ? () => srv : undefined
}

type Reader<T> = (x: T) => number

function beInt(read: Reader<BackendState>): FetchDef['build'] {
  return (args, env) => {
    const of = backendOf(args, env)
    if (!of) return failing
    return (ctx) => {
      const be = of(ctx)
      return be ? int(read(be)) : undefined
    }
  }
}

function feInt(read: Reader<FrontendState>): FetchDef['build'] {
  return (args, env) => {
    const of = frontendOf(args, env)
    if (!of) return failing
    return (ctx) => {
      const fe = of(ctx)
      return fe ? int(read(fe)) : undefined
    }
  }
}

function srvInt(read: Reader<ServerState>): FetchDef['build'] {
  return (args, env) => {
    const of = serverOf(args, env)
    if (!of) return failing
    return (ctx) => {
      const s = of(ctx)
      return s ? int(read(s)) : undefined
    }
  }
}

const beDef = (name: string, doc: string, read: Reader<BackendState>): FetchDef => ({ name, args: BE_ARG, output: 'int', phases: BOTH, doc, build: beInt(read) })
const feDef = (name: string, doc: string, read: Reader<FrontendState>): FetchDef => ({ name, args: FE_ARG, output: 'int', phases: BOTH, doc, build: feInt(read) })
const srvDef = (name: string, doc: string, read: Reader<ServerState>): FetchDef => ({ name, args: SRV_ARG, output: 'int', phases: BOTH, doc, build: srvInt(read) })

/** The request's current proxies, looked up by name per request (the id fetches take no argument). */
function current(env: BuildEnv, pick: (view: NonNullable<BuildEnv['proxies']>, ctx: SampleContext) => ReturnType<FetchFn>): FetchFn {
  const view = env.proxies
  return view ? (ctx, _all) => pick(view, ctx) : failing
}

export const PROXY_STATE_FETCHES: readonly FetchDef[] = [
  beDef('nbsrv', 'usable servers of <backend> (default: this proxy); backups count only when no active server is usable', usableServers),
  {
    name: 'srv_is_up',
    args: SRV_ARG,
    output: 'bool',
    phases: BOTH,
    doc: 'true when [<backend>/]<server> is UP (not DOWN, not in maintenance)',
    build: (args, env) => {
      const of = serverOf(args, env)
      if (!of) return failing
      return (ctx) => {
        const s = of(ctx)
        return s === undefined ? undefined : s.up() ? TRUE : FALSE
      }
    },
  },
  beDef('be_conn', 'requests in progress on <backend> in this isolate (possibly the one being evaluated)', (be) => be.conn()),
  beDef('be_conn_free', "free connections (maxconn) of <backend>'s serving servers in this isolate; -1 when one has no maxconn", connFree),
  beDef('be_sess_rate', 'requests per second assigned to <backend> in this isolate', (be) => be.sessRate()),
  beDef('connslots', "free connection and queue slots of <backend>'s servers in this isolate; -1 when one has no maxconn or maxqueue", connSlots),
  beDef('queue', 'requests queued in <backend> and its servers in this isolate', totalQueued),
  beDef('avg_queue', 'queued requests of <backend> divided by its usable servers, rounded up (twice the total without any)', (be) => {
    const n = usableServers(be)
    const q = totalQueued(be)
    return n > 0 ? Math.floor((q + n - 1) / n) : q * 2
  }),
  srvDef('srv_conn', 'requests in progress on [<backend>/]<server> in this isolate', (s) => s.conn()),
  srvDef('srv_conn_free', 'free connections of [<backend>/]<server> (maxconn) in this isolate; -1 without maxconn', (s) => {
    if (s.maxconn === 0) return -1
    const c = s.conn()
    return s.maxconn > c ? s.maxconn - c : 0
  }),
  srvDef('srv_queue', 'requests queued for [<backend>/]<server> in this isolate', (s) => s.queued()),
  srvDef('srv_sess_rate', 'requests per second sent to [<backend>/]<server> by this isolate', (s) => s.sessRate()),
  srvDef('srv_weight', 'effective weight of [<backend>/]<server> (user weight scaled by slowstart)', (s) => s.weight()),
  srvDef('srv_iweight', 'initial (configured) weight of [<backend>/]<server>', (s) => s.iweight),
  srvDef('srv_uweight', "user weight of [<backend>/]<server> (changed by 'set server ... weight')", (s) => s.uweight()),
  feDef('fe_conn', 'requests in progress on <frontend> (default: this proxy) in this isolate, the one being evaluated included', (fe) => fe.conn()),
  feDef('fe_req_rate', 'requests per second on <frontend> in this isolate', (fe) => fe.reqRate()),
  feDef('fe_sess_rate', 'sessions per second on <frontend> in this isolate (one request is one session at the edge)', (fe) => fe.sessRate()),
  {
    name: 'fe_id',
    args: [],
    output: 'int',
    phases: BOTH,
    doc: "id of the frontend (HAProxy's numbering, or its 'id')",
    build: (_args, env) =>
      current(env, (v, ctx) => {
        const fe = v.frontend(ctx.frontend)
        return fe ? int(fe.id) : undefined
      }),
  },
  {
    name: 'fe_defbe',
    args: [],
    output: 'str',
    phases: BOTH,
    doc: "the frontend's default_backend (fails without one)",
    build: (_args, env) =>
      current(env, (v, ctx) => {
        const d = v.frontend(ctx.frontend)?.defaultBackend
        return d === undefined ? undefined : str(d)
      }),
  },
  {
    name: 'be_id',
    args: [],
    output: 'int',
    phases: BOTH,
    doc: 'id of the backend (once chosen)',
    build: (_args, env) =>
      current(env, (v, ctx) => {
        const be = ctx.backend === undefined ? undefined : v.backend(ctx.backend)
        return be ? int(be.id) : undefined
      }),
  },
  {
    name: 'srv_id',
    args: [],
    output: 'int',
    phases: RES,
    doc: "id of the server that handled the request (HAProxy's numbering, or its 'id')",
    build: (_args, env) =>
      current(env, (v, ctx) => {
        const s = ctx.backend === undefined || ctx.server === undefined ? undefined : v.backend(ctx.backend)?.server(ctx.server)
        return s ? int(s.id) : undefined
      }),
  },
]
