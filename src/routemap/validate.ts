/**
 * @module
 * The whole RouteMap checked against one schema before it serves: every field of every
 * frontend, backend, server, rule, ACL, matcher and stick table, as a table per type of
 * schema.ts. The tables are typed by those types (`Fields<T>` wants exactly one entry per field,
 * optional fields through `opt`), so a field added to schema.ts fails the type check here until
 * the validator knows it, and a field the compiler writes that the schema lacks is refused at run
 * time (test/unit/routemap/validate.test.ts validates every example's RouteMap).
 *
 * Names resolved by the layers above (rule actions, sample fetches, converters, match methods)
 * are checked when the caller passes them (`KnownNames`): the RouteMap contract imports nothing.
 * The first problem stops the walk and is reported with its JSON path (`$.backends[2].balance.algo`).
 * It runs once per version (the compiler, `push`, the isolate adopting a version), never per request.
 */
import { LOG_VARS } from './log-vars.ts'
import { unpackRanges4, unpackRanges6 } from './packed.ts'
import { ROUTEMAP_SCHEMA, type RouteMap } from './schema.ts'
import type * as S from './schema.ts'

/** Names the engine resolves; a RouteMap naming anything else cannot run. */
export interface KnownNames {
  readonly action?: (name: string) => boolean
  readonly fetch?: (name: string) => boolean
  readonly converter?: (name: string) => boolean
  readonly match?: (name: string) => boolean
}

/** The first problem found: where (a JSON path) and what. */
export interface ValidationError {
  readonly path: string
  readonly message: string
}

/** The deepest nesting accepted in free-form JSON (rule arguments, prepared pattern data). */
export const MAX_JSON_DEPTH = 64

class Invalid extends Error {}

interface Ctx {
  readonly path: (string | number)[]
  readonly names: KnownNames
  /** The ACL count of the proxy being walked (a condition term indexes its ACLs). */
  acls: number
  message: string
}

type Run = (v: unknown, c: Ctx) => void
/** A field's check; `optional` says whether the field may be absent. */
export interface Check {
  readonly optional: boolean
  readonly run: Run
}
interface Req extends Check {
  readonly optional: false
}
interface Opt extends Check {
  readonly optional: true
}
/** One check per field of T, none more: optional fields take an `opt(...)`, required ones not. */
export type Fields<T> = { readonly [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? Opt : Req }
/** The member of union T whose `K` accepts `A`. */
type Member<T, K extends keyof T, A> = T extends unknown ? (A extends T[K] ? T : never) : never

function fail(c: Ctx, message: string): never {
  c.message = message
  throw new Invalid(message)
}

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

const req = (run: Run): Req => ({ optional: false, run })
export const opt = (c: Req): Opt => ({ optional: true, run: c.run })

export const str = req((v, c) => {
  if (typeof v !== 'string') fail(c, `expected a string, found ${kind(v)}`)
})
export const num = req((v, c) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(c, `expected a number, found ${kind(v)}`)
})
export const int = req((v, c) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(c, `expected an integer, found ${typeof v === 'number' ? String(v) : kind(v)}`)
})
export const bool = req((v, c) => {
  if (typeof v !== 'boolean') fail(c, `expected a boolean, found ${kind(v)}`)
})
export function lit(...values: readonly (string | number | boolean)[]): Req {
  const set = new Set<unknown>(values)
  return req((v, c) => {
    if (!set.has(v)) fail(c, `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, found ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : kind(v)}`)
  })
}
/** A string the engine must know by name. */
function named(what: string, pick: (n: KnownNames) => ((name: string) => boolean) | undefined): Req {
  return req((v, c) => {
    str.run(v, c)
    const known = pick(c.names)
    if (known && !known(v as string)) fail(c, `unknown ${what} ${JSON.stringify(v)}`)
  })
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function arr(item: Check): Req {
  const run = item.run
  return req((v, c) => {
    if (!Array.isArray(v)) fail(c, `expected an array, found ${kind(v)}`)
    const p = c.path
    const at = p.length
    p.push(0)
    for (let i = 0; i < v.length; i++) {
      p[at] = i
      run(v[i], c)
    }
    p.pop()
  })
}
export function tuple(...items: readonly Req[]): Req {
  return req((v, c) => {
    if (!Array.isArray(v) || v.length !== items.length) fail(c, `expected an array of ${items.length}, found ${Array.isArray(v) ? `${v.length} items` : kind(v)}`)
    const p = c.path
    const at = p.length
    p.push(0)
    for (let i = 0; i < items.length; i++) {
      p[at] = i
      ;(items[i] as Req).run(v[i], c)
    }
    p.pop()
  })
}
/** An object used as a dictionary: any keys, each value checked. */
export function rec(value: Check): Req {
  const run = value.run
  return req((v, c) => {
    if (!isObject(v)) fail(c, `expected an object, found ${kind(v)}`)
    const p = c.path
    for (const k of Object.keys(v)) {
      p.push(k)
      run(v[k], c)
      p.pop()
    }
  })
}

/** A record with exactly the fields of T (no missing required field, no unknown one). */
export function obj<T>(fields: Fields<T>): Req {
  const table = Object.entries(fields as Record<string, Check>)
  const known = new Set(table.map(([k]) => k))
  return req((v, c) => {
    if (!isObject(v)) fail(c, `expected an object, found ${kind(v)}`)
    const p = c.path
    for (const [k, check] of table) {
      const x = v[k]
      if (x === undefined) {
        if (!check.optional) fail(c, `missing field '${k}'`)
        continue
      }
      p.push(k)
      check.run(x, c)
      p.pop()
    }
    for (const k in v) {
      if (!known.has(k)) {
        p.push(k)
        fail(c, 'unknown field')
      }
    }
  })
}

/** A union told apart by its `key` field: one table of the other fields per value. */
export function variant<T, K extends keyof T & string>(key: K, members: { readonly [A in T[K] & (string | number)]: Fields<Omit<Member<T, K, A>, K>> }): Req {
  const byTag = new Map<unknown, Req>()
  for (const [tag, fields] of Object.entries(members as Record<string, Record<string, Check>>)) {
    byTag.set(tag, obj<Record<string, unknown>>({ ...fields, [key]: req(() => {}) } as Fields<Record<string, unknown>>))
  }
  const tags = [...byTag.keys()]
  return req((v, c) => {
    if (!isObject(v)) fail(c, `expected an object, found ${kind(v)}`)
    const m = byTag.get(v[key])
    if (!m) {
      c.path.push(key)
      fail(c, `expected one of ${tags.map((t) => JSON.stringify(t)).join(', ')}, found ${typeof v[key] === 'string' ? JSON.stringify(String(v[key]).slice(0, 40)) : kind(v[key])}`)
    }
    m.run(v, c)
  })
}

/** A union told apart by which key is present (the first listed that is). */
function byKey(members: readonly (readonly [string, Req])[]): Req {
  return req((v, c) => {
    if (!isObject(v)) fail(c, `expected an object, found ${kind(v)}`)
    for (const [k, m] of members) {
      if (k in v) return m.run(v, c)
    }
    fail(c, `expected an object with one of ${members.map(([k]) => `'${k}'`).join(', ')}`)
  })
}

/** One of several checks (tried in order; the last one's error is reported). */
function oneOf(...checks: readonly Req[]): Req {
  return req((v, c) => {
    const depth = c.path.length
    for (let i = 0; i < checks.length - 1; i++) {
      try {
        return (checks[i] as Req).run(v, c)
      } catch (e) {
        if (!(e instanceof Invalid)) throw e
        c.path.length = depth
      }
    }
    ;(checks[checks.length - 1] as Req).run(v, c)
  })
}

/** Free-form JSON (compiled action arguments, prepared pattern data): JSON values only, nesting bounded. */
export const json = req((v, c) => {
  const walk = (x: unknown, depth: number): void => {
    if (x === null || typeof x === 'string' || typeof x === 'boolean') return
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) fail(c, 'not a finite number')
      return
    }
    if (typeof x !== 'object') fail(c, `not JSON (${typeof x})`)
    if (depth >= MAX_JSON_DEPTH) fail(c, `nested deeper than ${MAX_JSON_DEPTH} levels`)
    if (Array.isArray(x)) {
      for (const e of x) walk(e, depth + 1)
      return
    }
    for (const k in x as Record<string, unknown>) walk((x as Record<string, unknown>)[k], depth + 1)
  }
  walk(v, 0)
})

// ---------------------------------------------------------------------------------------------
// The tables, one per type of schema.ts.

const origin = obj<S.Origin>({ file: str, line: int })
const argValue = oneOf(str, num)
const sampleExpr = obj<S.SampleExpr>({
  fetch: named('sample fetch', (n) => n.fetch),
  args: arr(argValue),
  conv: arr(obj<S.SampleExpr['conv'][number]>({ name: named('converter', (n) => n.converter), args: arr(argValue) })),
})
const logFormat = arr(
  byKey([
    ['lit', obj<Extract<S.LogFormatPart, { lit: string }>>({ lit: str })],
    ['expr', obj<Extract<S.LogFormatPart, { expr: S.SampleExpr }>>({ expr: sampleExpr, quote: bool })],
    ['alias', obj<Extract<S.LogFormatPart, { alias: string }>>({ alias: lit(...Object.keys(LOG_VARS)), quote: bool, hex: opt(bool) })],
  ]),
)
const conditionTerm = obj<S.ConditionTerm>({
  negate: bool,
  acl: req((v, c) => {
    int.run(v, c)
    if ((v as number) < 0 || (v as number) >= c.acls) fail(c, `ACL index ${String(v)} out of range (the proxy has ${c.acls})`)
  }),
})
const condition = obj<S.Condition>({ unless: bool, or: arr(arr(conditionTerm)), text: str })
const u32 = req((v, c) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) fail(c, `expected an unsigned 32-bit integer, found ${typeof v === 'number' ? String(v) : kind(v)}`)
})
/** A packed range list (src/routemap/packed.ts), decoded here so that a bad one never reaches an engine. */
function packed(unpack: (s: string) => Uint32Array | string): Req {
  return req((v, c) => {
    str.run(v, c)
    const r = unpack(v as string)
    if (typeof r === 'string') fail(c, `bad packed range list: ${r}`)
  })
}
/** A flat list of `stride`-tuples of words. */
function words(stride: number): Req {
  const list = arr(u32)
  return req((v, c) => {
    list.run(v, c)
    if ((v as unknown[]).length % stride !== 0) fail(c, `expected groups of ${stride} numbers, found ${(v as unknown[]).length}`)
  })
}
const ipSetData = obj<S.IpSetData>({ v4: oneOf(words(2), packed(unpackRanges4)), v4m: words(2), v6: oneOf(words(8), packed(unpackRanges6)) })
/** Prepared data the engine decodes itself, checked by match method (others: free-form JSON). */
const MATCH_DATA: ReadonlyMap<unknown, Req> = new Map([['ip', ipSetData]])
const aclTestFields = obj<S.AclTest>({
  sample: sampleExpr,
  match: named('match method', (n) => n.match),
  icase: bool,
  data: json,
  patternCount: int,
  keyword: opt(str),
  origin,
})
const aclTest = req((v, c) => {
  aclTestFields.run(v, c)
  const data = MATCH_DATA.get((v as { match: unknown }).match)
  if (data) {
    c.path.push('data')
    data.run((v as { data: unknown }).data, c)
    c.path.pop()
  }
})
const acl = obj<S.Acl>({ name: str, tests: arr(aclTest) })
const rule = obj<S.Rule>({ action: named('action', (n) => n.action), args: rec(json), cond: opt(condition), origin, text: str })
const rules = arr(rule)
const tcpRules = obj<S.TcpRules>({ connection: rules, session: rules, content: rules, response: rules })
const useBackend = obj<S.UseBackend>({ backend: oneOf(str, logFormat), cond: opt(condition), origin, text: str })
const stats = obj<S.StatsSettings>({
  uri: str,
  realm: str,
  auth: arr(str),
  refreshMs: opt(num),
  hideVersion: bool,
  admin: opt(condition),
  showLegends: bool,
  scope: arr(str),
})
const stickTable = obj<S.StickTableSpec>({
  name: str,
  type: lit('ip', 'ipv6', 'integer', 'string', 'binary'),
  keyLength: int,
  size: int,
  expireMs: opt(num),
  nopurge: bool,
  store: arr(obj<S.StickTableSpec['store'][number]>({ type: str, periodMs: opt(num) })),
  consistency: lit('exact', 'fast'),
  onError: opt(lit('open', 'local')),
  peers: opt(str),
  origin,
})
const captureSlot = obj<S.CaptureSlot>({ len: int, header: opt(str) })
const errorReply = obj<S.ErrorReply>({
  default: opt(bool),
  contentType: opt(str),
  text: opt(str),
  format: opt(logFormat),
  headers: arr(tuple(str, logFormat)),
})
const bind = obj<S.Bind>({ address: str, port: int, portEnd: int, ssl: bool, verify: opt(lit('optional', 'required')), origin })
const timeouts = obj<S.Timeouts>({
  client: opt(num),
  server: opt(num),
  connect: opt(num),
  queue: opt(num),
  check: opt(num),
  httpRequest: opt(num),
  httpKeepAlive: opt(num),
  tunnel: opt(num),
  tarpit: opt(num),
  clientFin: opt(num),
  serverFin: opt(num),
})
const options = obj<S.ProxyOptions>({
  httplog: bool,
  dontlognull: bool,
  forwardfor: opt(obj<S.ForwardFor>({ header: str, ifNone: bool, except: opt(json) })),
  httpServerClose: bool,
  httpClose: bool,
  redispatch: opt(num),
  persist: bool,
  allbackups: bool,
  logHealthChecks: bool,
  httpKeepAlive: bool,
  preferLastServer: bool,
  originalto: opt(str),
  originaltoExcept: opt(json),
  forwarded: bool,
  restrictReqHdrNames: opt(lit('delete', 'reject')),
})
/** A proxy's checks run with its ACL count in scope (condition terms index its ACLs). */
function proxyScope(check: Req): Req {
  return req((v, c) => {
    const outer = c.acls
    c.acls = isObject(v) && Array.isArray(v.acls) ? v.acls.length : 0
    check.run(v, c)
    c.acls = outer
  })
}
const frontend = proxyScope(
  obj<S.Frontend>({
    name: str,
    id: int,
    listen: bool,
    mode: lit('http', 'tcp'),
    binds: arr(bind),
    edgeHosts: opt(arr(str)),
    acls: arr(acl),
    httpRequest: rules,
    httpResponse: rules,
    httpAfterResponse: rules,
    redirects: rules,
    tcpRules: opt(tcpRules),
    useBackends: arr(useBackend),
    defaultBackend: opt(str),
    options,
    timeouts,
    stats: opt(stats),
    monitorUri: opt(str),
    monitorFail: opt(arr(condition)),
    stickTable: opt(stickTable),
    errorfiles: rec(str),
    errorReplies: opt(rec(errorReply)),
    maxconn: opt(num),
    logFormat: opt(str),
    accessLog: opt(logFormat),
    captures: opt(obj<S.Captures>({ request: arr(captureSlot), response: arr(captureSlot) })),
    uniqueId: opt(obj<NonNullable<S.Frontend['uniqueId']>>({ format: logFormat, header: opt(str) })),
    log: opt(bool),
    origin,
  }),
)

const headerMatch = lit('str', 'beg', 'end', 'sub', 'reg')
const checkSample = obj<S.CheckSample>({ fetch: lit('str', 'int', 'be_name', 'srv_name', 'var', 'res.hdr', 'res.fhdr'), arg: opt(str) })
const checkLogFormat = arr(oneOf(str, checkSample))
const headerList = arr(tuple(str, str))
const httpCheckExpect = obj<S.HttpCheckExpect>({
  kind: lit('status', 'rstatus', 'string', 'rstring', 'hdr', 'fhdr'),
  negate: bool,
  pattern: str,
  nameMatch: opt(headerMatch),
  value: opt(obj<NonNullable<S.HttpCheckExpect['value']>>({ match: headerMatch, pattern: str })),
  minRecv: opt(num),
  okStatus: opt(str),
  errorStatus: opt(str),
  toutStatus: opt(str),
  onSuccess: opt(str),
  onError: opt(str),
  nameLf: opt(checkLogFormat),
  valueLf: opt(checkLogFormat),
})
const connectFields: Fields<Omit<S.TcpCheckConnect, 'step'>> = { port: opt(int), addr: opt(str), ssl: bool, default: opt(bool) }
const httpCheckStep = variant<S.HttpCheckStep, 'step'>('step', {
  connect: connectFields,
  send: {
    method: opt(str),
    uri: opt(str),
    version: opt(str),
    headers: headerList,
    body: opt(str),
    implicit: opt(bool),
    lf: opt(
      obj<NonNullable<Extract<S.HttpCheckStep, { step: 'send' }>['lf']>>({
        uri: opt(checkLogFormat),
        body: opt(checkLogFormat),
        headers: opt(arr(tuple(str, checkLogFormat))),
      }),
    ),
  },
  expect: { expect: httpCheckExpect },
  'set-var': { name: str, sample: checkSample },
  'unset-var': { name: str },
})
const tcpCheckStep = variant<S.TcpCheckStep, 'step'>('step', {
  connect: connectFields,
  send: { data: str, binary: bool },
  expect: {
    kind: lit('string', 'rstring', 'binary', 'rbinary'),
    negate: bool,
    pattern: str,
    minRecv: opt(num),
    okStatus: opt(str),
    errorStatus: opt(str),
    toutStatus: opt(str),
    onSuccess: opt(str),
    onError: opt(str),
  },
})
const checkSpec = obj<S.CheckSpec>({
  type: lit('tcp', 'http', 'mysql', 'redis', 'pgsql', 'smtp', 'ldap', 'ssl-hello'),
  http: opt(
    obj<S.HttpCheck>({
      method: str,
      uri: str,
      version: str,
      headers: headerList,
      body: opt(str),
      expect: opt(httpCheckExpect),
      steps: opt(arr(httpCheckStep)),
      option: opt(bool),
    }),
  ),
  tcpSteps: opt(arr(tcpCheckStep)),
  mysqlUser: opt(str),
  mysqlVariant: opt(lit('post-41', 'pre-41', 'post-80')),
  disableOn404: bool,
  sendState: bool,
})
const server = obj<S.Server>({
  name: str,
  id: int,
  host: str,
  port: opt(int),
  portOffset: opt(int),
  weight: int,
  backup: bool,
  disabled: bool,
  check: bool,
  interMs: num,
  fastinterMs: opt(num),
  downinterMs: opt(num),
  rise: int,
  fall: int,
  slowstartMs: num,
  cookie: opt(str),
  maxconn: int,
  maxqueue: int,
  ssl: bool,
  checkPort: opt(int),
  checkAddr: opt(str),
  observe: opt(lit('layer4', 'layer7')),
  onError: opt(str),
  errorLimit: int,
  agent: opt(obj<NonNullable<S.Server['agent']>>({ port: int, interMs: num, send: opt(str), addr: opt(str) })),
  redir: opt(str),
  track: opt(str),
  origin,
})
const balance = variant<S.BalanceSpec, 'algo'>('algo', {
  roundrobin: {},
  'static-rr': {},
  leastconn: {},
  first: {},
  random: { draws: int },
  source: {},
  uri: { len: int, depth: int, whole: bool, pathOnly: bool },
  url_param: { param: str, checkPost: bool },
  hdr: { header: str, useDomainOnly: bool },
})
const cookie = obj<S.CookieSpec>({
  name: str,
  mode: lit('insert', 'rewrite', 'prefix', 'passive'),
  indirect: bool,
  nocache: bool,
  postonly: bool,
  preserve: bool,
  httponly: bool,
  secure: bool,
  domains: arr(str),
  maxidleMs: opt(num),
  maxlifeMs: opt(num),
  dynamic: bool,
  attrs: arr(str),
})
const backend = proxyScope(
  obj<S.Backend>({
    name: str,
    id: int,
    listen: bool,
    mode: lit('http', 'tcp'),
    balance,
    hash: obj<S.HashSpec>({ type: lit('map-based', 'consistent'), fn: lit('sdbm', 'djb2', 'wt6', 'crc32', 'none'), avalanche: bool }),
    servers: arr(server),
    dispatch: opt(server),
    cookie: opt(cookie),
    acls: arr(acl),
    httpRequest: rules,
    httpResponse: rules,
    httpAfterResponse: rules,
    redirects: rules,
    tcpRules: opt(tcpRules),
    useServers: arr(obj<S.Backend['useServers'][number]>({ server: str, format: opt(logFormat), cond: opt(condition), origin })),
    forcePersist: arr(condition),
    ignorePersist: arr(condition),
    options,
    timeouts,
    retries: int,
    retryOn: arr(str),
    check: opt(checkSpec),
    healthLocation: opt(str),
    healthRegions: opt(arr(str)),
    stickTable: opt(stickTable),
    stickRules: arr(obj<S.StickRule>({ kind: lit('match', 'on', 'store-request', 'store-response'), sample: sampleExpr, table: opt(str), cond: opt(condition), origin })),
    stats: opt(stats),
    errorfiles: rec(str),
    errorReplies: opt(rec(errorReply)),
    fullconn: opt(num),
    origin,
  }),
)
const procVar = variant<S.ProcVar, 'type'>('type', {
  bool: { value: bool },
  int: { value: num },
  str: { value: str },
  ip: { value: str },
  meth: { value: str },
})
const userlist = obj<S.Userlist>({
  name: str,
  users: arr(obj<S.Userlist['users'][number]>({ name: str, password: str, insecure: bool, groups: arr(str) })),
  groups: arr(obj<S.Userlist['groups'][number]>({ name: str, users: arr(str) })),
})
const cacheSpec = obj<S.CacheSpec>({
  name: str,
  maxAgeS: num,
  totalMaxSize: num,
  maxObjectSize: num,
  processVary: bool,
  maxSecondaryEntries: int,
  origin,
})

/** The RouteMap's own table (exported for the completeness test). */
export const ROUTEMAP_FIELDS: Fields<RouteMap> = {
  schema: lit(ROUTEMAP_SCHEMA),
  hash: req((v, c) => {
    str.run(v, c)
    if (!/^[0-9a-f]{64}$/.test(v as string)) fail(c, 'expected a SHA-256 in hex')
  }),
  sources: arr(str),
  global: obj<S.GlobalSettings>({
    maxconn: opt(num),
    statsSockets: arr(obj<S.GlobalSettings['statsSockets'][number]>({ path: str, level: str })),
    log: bool,
    spreadChecks: opt(num),
    procVars: opt(rec(procVar)),
  }),
  frontends: arr(frontend),
  backends: arr(backend),
  userlists: arr(userlist),
  peerTables: opt(arr(stickTable)),
  maps: rec(
    req((v, c) => {
      arr(str).run(v, c)
      if ((v as unknown[]).length % 2 !== 0) fail(c, `expected keys and values in turn, found an odd count (${(v as unknown[]).length})`)
    }),
  ),
  caches: opt(arr(cacheSpec)),
}
const routeMap = obj<RouteMap>(ROUTEMAP_FIELDS)

function formatPath(path: readonly (string | number)[]): string {
  let out = '$'
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`
  return out
}

/** The first problem of `value` as a RouteMap, or undefined when it is one. */
export function validateRouteMap(value: unknown, names: KnownNames = {}): ValidationError | undefined {
  const c: Ctx = { path: [], names, acls: 0, message: '' }
  try {
    routeMap.run(value, c)
    return undefined
  } catch (e) {
    if (!(e instanceof Invalid)) throw e
    return { path: formatPath(c.path), message: c.message }
  }
}

/** `$.backends[0].balance.algo: expected one of …` */
export function formatValidationError(e: ValidationError): string {
  return `${e.path}: ${e.message}`
}
