/**
 * @module
 * Mutable proxy drafts filled by the keyword handlers, section by section. A draft is copied from
 * its defaults section first (HAProxy's inheritance, doc 4.1), then its own lines apply.
 */
import type { BalanceSpec, HashSpec } from '../balance/types.ts'
import type {
  Acl,
  Bind,
  CaptureSlot,
  CheckSpec,
  Condition,
  CookieSpec,
  ErrorReply,
  ForwardFor,
  LogFormat,
  Mode,
  Origin,
  Rule,
  StickRule,
  StickTableSpec,
  TcpRules,
  Timeouts,
  UseBackend,
} from '../routemap/schema.ts'
import type { ErrorConfEntry } from './keywords/http-errors.ts'
import type { Word } from './lexer.ts'
import type { SourceSpan } from './source.ts'

export type ProxyKind = 'defaults' | 'frontend' | 'backend' | 'listen'

/** Mutable options; the RouteMap's ProxyOptions is the frozen form. */
export interface OptionsDraft {
  httplog: boolean
  dontlognull: boolean
  forwardfor?: ForwardFor
  httpServerClose: boolean
  httpClose: boolean
  redispatch?: number
  persist: boolean
  allbackups: boolean
  logHealthChecks: boolean
  httpKeepAlive: boolean
  preferLastServer: boolean
  originalto?: string
  /** Prepared IP-set data of `option originalto except <net>` (a destination network). */
  originaltoExcept?: unknown
  forwarded: boolean
  restrictReqHdrNames?: 'delete' | 'reject'
}

/** Server settings that `default-server` lines accumulate. */
export type ServerDefaults = Record<string, ServerParamValue>
export type ServerParamValue = string | number | boolean

export interface ServerDraft {
  name: string
  nameWord: Word
  id?: number
  host: string
  port?: number
  portOffset?: number
  params: ServerDefaults
  origin: Origin
  span: SourceSpan
}

/** An ACL under construction, with where it was declared. */
export interface AclDraft extends Acl {
  readonly span: SourceSpan
  /** Declared in a defaults section: usable by its own rules, not by name from the proxy. */
  readonly hidden: boolean
  tests: Acl['tests'][number][]
}

/** A reference checked once every proxy is known (backends, tables, servers). */
export interface PendingRef {
  readonly kind: 'backend' | 'table' | 'server' | 'userlist'
  readonly name: string
  readonly span: SourceSpan
  /** Context for the message, e.g. "in 'use_backend'". */
  readonly context: string
}

export interface ProxyDraft {
  readonly kind: ProxyKind
  readonly name: string
  readonly nameWord?: Word
  readonly span: SourceSpan
  id: number
  mode: Mode
  modeSpan?: SourceSpan
  binds: Bind[]
  bindSpans: SourceSpan[]
  acls: AclDraft[]
  httpRequest: Rule[]
  httpResponse: Rule[]
  httpAfterResponse: Rule[]
  redirects: Rule[]
  /** tcp-request / tcp-response rules and inspect delays (src/config/keywords/tcp-rules.ts). */
  tcp: TcpDraft
  useBackends: UseBackend[]
  defaultBackend?: { name: string; span: SourceSpan }
  options: OptionsDraft
  timeouts: Partial<Record<keyof Timeouts, number>>
  stats?: {
    enabled: boolean
    uri?: string
    realm?: string
    auth: string[]
    refreshMs?: number
    hideVersion?: boolean
    admin?: Condition
    showLegends?: boolean
    scope: string[]
  }
  monitorUri?: string
  /** `monitor fail` conditions: the monitor-uri answers 503 when one holds. */
  monitorFail?: Condition[]
  stickTable?: StickTableSpec
  errorfiles: Record<string, string>
  /** errorfile / errorfiles / http-error directives in order (src/config/keywords/http-errors.ts). */
  errorConf?: ErrorConfEntry[]
  errorReplies?: Record<string, ErrorReply>
  maxconn?: number
  /** The access log's `log-format` / `option httpslog`, as written and compiled (`option httplog` clears it). */
  logFormat?: { readonly text: string; readonly format: LogFormat }
  uniqueIdFormat?: LogFormat
  uniqueIdHeader?: string
  /** `log global` or a `log <target>` line of its own (inherited from defaults; `no log` clears it). */
  log?: 'global' | 'own' | false
  balance?: BalanceSpec
  balanceSpan?: SourceSpan
  hash: HashSpec
  hashSpan?: SourceSpan
  cookie?: CookieSpec
  cookieSpan?: SourceSpan
  defaultServer: ServerDefaults
  servers: ServerDraft[]
  /** `dispatch <address>:<port>`: where requests go when the backend has no `balance` (own or inherited). */
  dispatch?: { host: string; port: number; span: SourceSpan }
  /** `use-server` rules; `format` when the name is a log-format resolved per request. */
  useServers: { server: string; format?: LogFormat; cond?: Condition; origin: Origin; span: SourceSpan }[]
  forcePersist: Condition[]
  ignorePersist: Condition[]
  retries: number
  retryOn: string[]
  /** edgeproxy's `health-location <hint>` (keywords/edge.ts). */
  healthLocation?: string
  /** edgeproxy's `health-regions <hint>,...` (keywords/edge.ts). */
  healthRegions?: string[]
  check?: CheckSpec
  checkSpan?: SourceSpan
  /** Explicit http-check rules seen (send/expect), to combine with `option httpchk`. */
  httpCheckRules: { kind: 'send' | 'expect'; words: Word[]; span: SourceSpan }[]
  stickRules: StickRule[]
  fullconn?: number
  /** Directives that need another mode, checked once the final mode is known. */
  needsHttp: { keyword: string; span: SourceSpan }[]
  /** Capture slots in declaration order; a frontend starts with its defaults section's (`http-request capture … len` there). */
  captures: { request: CaptureSlot[]; response: CaptureSlot[] }
  /** `http-request|response capture … id N` rules, checked against the slots after parsing. */
  captureRefs: { dir: 'request' | 'response'; id: number; span: SourceSpan }[]
  refs: PendingRef[]
  /** The defaults section this proxy inherited from, when that section carries rules. */
  rulesFrom?: ProxyDraft
}

/** A proxy's tcp rule sets as they fill, and whether an inspect-delay was set (inherited included). */
export interface TcpDraft extends TcpRules {
  readonly connection: Rule[]
  readonly session: Rule[]
  readonly content: Rule[]
  readonly response: Rule[]
  inspectDelay?: number
  responseInspectDelay?: number
}

export function emptyTcpDraft(): TcpDraft {
  return { connection: [], session: [], content: [], response: [] }
}

export function defaultOptions(): OptionsDraft {
  return {
    httplog: false,
    dontlognull: false,
    httpServerClose: false,
    httpClose: false,
    persist: false,
    allbackups: false,
    logHealthChecks: false,
    httpKeepAlive: true,
    preferLastServer: false,
    forwarded: false,
  }
}

/** HAProxy's defaults before any `defaults` section. */
export function createDraft(kind: ProxyKind, name: string, span: SourceSpan, nameWord?: Word): ProxyDraft {
  return {
    kind,
    name,
    ...(nameWord ? { nameWord } : {}),
    span,
    id: 0,
    mode: 'tcp',
    binds: [],
    bindSpans: [],
    acls: [],
    httpRequest: [],
    httpResponse: [],
    httpAfterResponse: [],
    redirects: [],
    tcp: emptyTcpDraft(),
    useBackends: [],
    options: defaultOptions(),
    timeouts: {},
    errorfiles: {},
    hash: { type: 'map-based', fn: 'sdbm', avalanche: false },
    defaultServer: {},
    servers: [],
    useServers: [],
    forcePersist: [],
    ignorePersist: [],
    retries: 3,
    retryOn: ['conn-failure'],
    httpCheckRules: [],
    stickRules: [],
    needsHttp: [],
    captures: { request: [], response: [] },
    captureRefs: [],
    refs: [],
  }
}

/** The section holds http-request/-response/-after-response or tcp-request/-response rules. */
export function holdsRules(p: ProxyDraft): boolean {
  const t = p.tcp
  return p.httpRequest.length + p.httpResponse.length + p.httpAfterResponse.length + t.connection.length + t.session.length + t.content.length + t.response.length > 0
}

/**
 * A new proxy inheriting from `defaults` (doc 4.1: mode, timeouts, options, balance, hash-type,
 * cookie, retries, default-server, log, errorfiles, stats, checks). Rules of a named defaults
 * section run before the proxy's own; its ACLs come along hidden so those rules still resolve.
 */
export function inheritDraft(from: ProxyDraft, kind: ProxyKind, name: string, span: SourceSpan, nameWord?: Word): ProxyDraft {
  const d = createDraft(kind, name, span, nameWord)
  d.mode = from.mode
  d.options = { ...from.options }
  d.timeouts = { ...from.timeouts }
  if (from.balance) d.balance = from.balance
  d.hash = from.hash
  if (from.cookie) d.cookie = from.cookie
  d.retries = from.retries
  d.retryOn = [...from.retryOn]
  d.defaultServer = { ...from.defaultServer }
  d.errorfiles = { ...from.errorfiles }
  if (from.errorConf) d.errorConf = [...from.errorConf]
  if (from.stats) d.stats = { ...from.stats, auth: [...from.stats.auth], scope: [...from.stats.scope] }
  if (from.check) d.check = from.check
  d.httpCheckRules = [...from.httpCheckRules]
  if (from.maxconn !== undefined) d.maxconn = from.maxconn
  if (from.logFormat !== undefined) d.logFormat = from.logFormat
  if (kind !== 'backend') d.captures = { request: [...from.captures.request], response: [...from.captures.response] }
  if (from.uniqueIdFormat !== undefined) d.uniqueIdFormat = from.uniqueIdFormat
  if (from.uniqueIdHeader !== undefined) d.uniqueIdHeader = from.uniqueIdHeader
  if (from.log !== undefined) d.log = from.log
  if (from.monitorUri !== undefined) d.monitorUri = from.monitorUri
  if (from.fullconn !== undefined) d.fullconn = from.fullconn
  d.acls = from.acls.map((a) => ({ ...a, hidden: true, tests: [...a.tests] }))
  const t = from.tcp
  if (holdsRules(from)) d.rulesFrom = from
  d.tcp = {
    connection: [...t.connection],
    session: [...t.session],
    content: [...t.content],
    response: [...t.response],
    ...(t.inspectDelay !== undefined ? { inspectDelay: t.inspectDelay } : {}),
    ...(t.responseInspectDelay !== undefined ? { responseInspectDelay: t.responseInspectDelay } : {}),
  }
  d.httpRequest = [...from.httpRequest]
  d.httpResponse = [...from.httpResponse]
  d.httpAfterResponse = [...from.httpAfterResponse]
  return d
}
