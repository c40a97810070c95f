/**
 * @module
 * The RouteMap: what `edgeproxy compile` produces and the Worker executes without re-parsing.
 * Plain JSON (no class instances), versioned by `schema`, identified by `hash` (SHA-256 of the
 * canonical JSON of everything else). Times are milliseconds; `line` fields point back at the
 * config for `explain` and logs. Documented for users in docs/routemap.md.
 */
import type { LogVar } from './log-vars.ts'

export const ROUTEMAP_SCHEMA = 'edgeproxy.routemap/2'

export interface RouteMap {
  readonly schema: typeof ROUTEMAP_SCHEMA
  /** SHA-256 (hex) of the canonical JSON of this object without `hash`. */
  readonly hash: string
  /** The config files it came from, in order. */
  readonly sources: readonly string[]
  readonly global: GlobalSettings
  /** Proxies with the frontend capability (`frontend` and `listen`), in config order. */
  readonly frontends: readonly Frontend[]
  /** Proxies with the backend capability (`backend` and `listen`), in config order. */
  readonly backends: readonly Backend[]
  readonly userlists: readonly Userlist[]
  /** Stick tables declared in `peers` sections, named `<peers>/<table>` (ordinary tables at the edge). */
  readonly peerTables?: readonly StickTableSpec[]
  /** Map files (`map*` converters), by id: their entries in file order, flat (MapEntries). */
  readonly maps: Readonly<Record<string, MapEntries>>
  /** `cache` sections (absent when there is none), carried by the Workers Cache API. */
  readonly caches?: readonly CacheSpec[]
}

/**
 * A map file's entries flat, each key followed by its value: `[k0, v0, k1, v1, …]`. Not one
 * `[key, value]` array per entry: a 100,000-entry map then costs an isolate half the memory.
 */
export type MapEntries = readonly string[]

/** A `cache` section (HAProxy doc section 6.2.1); sizes in bytes. */
export interface CacheSpec {
  readonly name: string
  /** `max-age`: the longest an object stays fresh (default 60). */
  readonly maxAgeS: number
  /** `total-max-size` (MB in the config): not enforceable with the Cache API, kept for the record. */
  readonly totalMaxSize: number
  /** `max-object-size` (default: a 256th of total-max-size): larger objects are not stored. */
  readonly maxObjectSize: number
  /** `process-vary on`: responses with `Vary: accept-encoding` / `referer` get secondary keys. */
  readonly processVary: boolean
  readonly maxSecondaryEntries: number
  readonly origin: Origin
}

/** Where a construct came from. */
export interface Origin {
  readonly file: string
  readonly line: number
}

export interface GlobalSettings {
  readonly maxconn?: number
  readonly statsSockets: readonly { readonly path: string; readonly level: string }[]
  /** Worker log targets (the edge has one: Workers Logs). */
  readonly log: boolean
  readonly spreadChecks?: number
  /** `proc.*` variables set by `set-var`/`set-var-fmt` in `global`, computed at compile time. */
  readonly procVars?: Readonly<Record<string, ProcVar>>
}

/** A `proc.*` variable's value (a sample without binary data). */
export type ProcVar = { readonly type: 'bool'; readonly value: boolean } | { readonly type: 'int'; readonly value: number } | { readonly type: 'str' | 'ip' | 'meth'; readonly value: string }

export type Mode = 'http' | 'tcp'

export interface Bind {
  /** Address as written ('*' and '' mean any). */
  readonly address: string
  readonly port: number
  /** Last port of a range (`bind :8000-8010`). */
  readonly portEnd: number
  readonly ssl: boolean
  /**
   * `verify optional|required` (with `ssl`): the client certificate the edge must see
   * (request.cf.tlsClientAuth). Absent: `verify none`, HAProxy's default.
   */
  readonly verify?: 'optional' | 'required'
  readonly origin: Origin
}

export interface Timeouts {
  readonly client?: number
  readonly server?: number
  readonly connect?: number
  readonly queue?: number
  readonly check?: number
  readonly httpRequest?: number
  readonly httpKeepAlive?: number
  readonly tunnel?: number
  readonly tarpit?: number
  readonly clientFin?: number
  readonly serverFin?: number
}

/** `option forwardfor [except <net>] [header <name>] [if-none]`. */
export interface ForwardFor {
  readonly header: string
  readonly ifNone: boolean
  /** Prepared IP-set data of the `except` network, or undefined. */
  readonly except?: unknown
}

export interface ProxyOptions {
  readonly httplog: boolean
  readonly dontlognull: boolean
  readonly forwardfor?: ForwardFor
  readonly httpServerClose: boolean
  readonly httpClose: boolean
  readonly redispatch?: number
  readonly persist: boolean
  readonly allbackups: boolean
  readonly logHealthChecks: boolean
  readonly httpKeepAlive: boolean
  readonly preferLastServer: boolean
  /** `option originalto` header name. */
  readonly originalto?: string
  /** Prepared IP-set data of `option originalto except <net>`: no header when the destination is in it. */
  readonly originaltoExcept?: unknown
  readonly forwarded: boolean
  /** `option http-restrict-req-hdr-names delete|reject`: header names outside [A-Za-z0-9-] (absent: preserve). */
  readonly restrictReqHdrNames?: 'delete' | 'reject'
}

/** One test of an ACL: a sample expression, a match method, and prepared pattern data. */
export interface AclTest {
  readonly sample: SampleExpr
  readonly match: string
  readonly icase: boolean
  /** Output of MatchDef.prepare() (JSON). */
  readonly data: unknown
  readonly patternCount: number
  /** The ACL keyword as written, before any `(` (`path_beg`, `hdr`): the runtime API's `show acl` names it. */
  readonly keyword?: string
  readonly origin: Origin
}

/**
 * The prepared data of an `-m ip` test (AclTest.data when `match` is `ip`): IPv4 networks with a
 * contiguous mask as sorted, merged, inclusive ranges (`v4`, flat `[start, end, …]`), networks with
 * a non-contiguous dotted mask (`v4m`, flat `[addr & mask, mask, …]`), IPv6 ranges (`v6`, 8 words
 * per range: start then end, most significant first). Lists of more than PACK_MIN_RANGES ranges
 * are packed (`v4`/`v6` a base64 string, src/routemap/packed.ts), so that a million-line `-f` list
 * costs the RouteMap and the isolate a few bytes per merged range.
 */
export interface IpSetData {
  readonly v4: readonly number[] | string
  readonly v4m: readonly number[]
  readonly v6: readonly number[] | string
}

/** Range lists longer than this are packed in IpSetData (shorter ones stay readable numbers). */
export const PACK_MIN_RANGES = 64

/** A named ACL: matches when any of its tests matches (repeated `acl` lines OR together). */
export interface Acl {
  readonly name: string
  readonly tests: readonly AclTest[]
}

/** `if|unless` condition in disjunctive normal form; terms index into the proxy's `acls`. */
export interface Condition {
  readonly unless: boolean
  readonly or: readonly (readonly ConditionTerm[])[]
  /** The condition as written, for explain. */
  readonly text: string
}
export interface ConditionTerm {
  readonly negate: boolean
  readonly acl: number
}

/** A log-format string (`%[expr]`, `%{+Q}[expr]`, `%ci`: a variable of src/routemap/log-vars.ts, literals). */
export type LogFormat = readonly LogFormatPart[]
export type LogFormatPart =
  | { readonly lit: string }
  | { readonly expr: SampleExpr; readonly quote: boolean }
  | { readonly alias: LogVar; readonly quote: boolean /** `+X`: numbers and addresses in hexadecimal. */; readonly hex?: boolean }

/** A compiled `http-request` / `http-response` / `http-after-response` rule. */
export interface Rule {
  readonly action: string
  /** Action-specific compiled arguments (see src/config/actions). */
  readonly args: Readonly<Record<string, unknown>>
  readonly cond?: Condition
  readonly origin: Origin
  /** The rule as written, for explain. */
  readonly text: string
}

/**
 * `tcp-request connection|session|content` and `tcp-response content` rules of an HTTP proxy
 * (src/config/keywords/tcp-rules.ts). The edge runs them once per request: connection, session,
 * then content rules before the frontend's http-request rules; a backend's content rules before
 * its http-request rules; its response rules before its http-response rules.
 */
export interface TcpRules {
  readonly connection: readonly Rule[]
  readonly session: readonly Rule[]
  readonly content: readonly Rule[]
  readonly response: readonly Rule[]
}

export interface UseBackend {
  /** A backend name, or a log-format resolved per request (`use_backend be_%[...]`). */
  readonly backend: string | LogFormat
  readonly cond?: Condition
  readonly origin: Origin
  readonly text: string
}

export interface StatsSettings {
  readonly uri: string
  readonly realm: string
  readonly auth: readonly string[]
  readonly refreshMs?: number
  readonly hideVersion: boolean
  readonly admin?: Condition
  readonly showLegends: boolean
  readonly scope: readonly string[]
}

export interface StickTableSpec {
  readonly name: string
  readonly type: 'ip' | 'ipv6' | 'integer' | 'string' | 'binary'
  readonly keyLength: number
  readonly size: number
  readonly expireMs?: number
  readonly nopurge: boolean
  /** Data types to store; rates carry their period: `http_req_rate(10000)`. */
  readonly store: readonly { readonly type: string; readonly periodMs?: number }[]
  /** edgeproxy: `fast` (the default: the isolate's view decides, writes flushed to its location's replica) or `exact` (one round trip to the home shard per tracked request). */
  readonly consistency: 'exact' | 'fast'
  /**
   * edgeproxy: when the table's Durable Object fails or times out, `open` (default) lets the
   * request through untracked; `local` counts in the isolate's own view instead.
   */
  readonly onError?: 'open' | 'local'
  readonly peers?: string
  readonly origin: Origin
}

/** A capture slot (`capture request|response header`, `declare capture`, `http-request capture … len`). */
export interface CaptureSlot {
  /** The longest value kept (longer values are cut). */
  readonly len: number
  /** Lowercased header name, for `capture … header`; absent for slots filled by rules. */
  readonly header?: string
}

/** A frontend's capture slots, by index (the order of their declarations). */
export interface Captures {
  readonly request: readonly CaptureSlot[]
  readonly response: readonly CaptureSlot[]
}

export interface Frontend {
  readonly name: string
  readonly id: number
  readonly listen: boolean
  readonly mode: Mode
  readonly binds: readonly Bind[]
  /**
   * The hostnames this frontend serves at the edge (lowercased), set by `edgeproxy deploy --domain
   * FRONTEND=HOST` (src/routemap/edge-hosts.ts), absent otherwise. When any frontend has some, a
   * request whose Host is one of them reaches that frontend before any bind is considered.
   */
  readonly edgeHosts?: readonly string[]
  readonly acls: readonly Acl[]
  readonly httpRequest: readonly Rule[]
  readonly httpResponse: readonly Rule[]
  readonly httpAfterResponse: readonly Rule[]
  /** Legacy `redirect` rules, run after http-request rules. */
  readonly redirects: readonly Rule[]
  /** tcp-request connection/session/content rules (absent when the frontend has none). */
  readonly tcpRules?: TcpRules
  readonly useBackends: readonly UseBackend[]
  readonly defaultBackend?: string
  readonly options: ProxyOptions
  readonly timeouts: Timeouts
  readonly stats?: StatsSettings
  readonly monitorUri?: string
  /** `monitor fail if|unless <cond>`: the monitor-uri answers 503 when one of them holds. */
  readonly monitorFail?: readonly Condition[]
  readonly stickTable?: StickTableSpec
  /** Custom error pages by status: the full HTTP response text of `errorfile`. */
  readonly errorfiles: Readonly<Record<string, string>>
  /** `http-error` replies with log-format parts, by status. */
  readonly errorReplies?: Readonly<Record<string, ErrorReply>>
  readonly maxconn?: number
  /** `log-format` or `option httpslog` as written (absent for `option httplog`). */
  readonly logFormat?: string
  /**
   * The access log line, compiled: `log-format`, `option httpslog` or `option httplog`, the last
   * one written; absent without any, when the line is HAProxy's legacy `Connect from …`.
   */
  readonly accessLog?: LogFormat
  /** Capture slots (%hr, %hs, capture.req.hdr…); absent when the frontend declares none. */
  readonly captures?: Captures
  /** `unique-id-format` (rendered once per request, after the http-request rules) and `unique-id-header`. */
  readonly uniqueId?: { readonly format: LogFormat; readonly header?: string }
  /** The frontend logs its requests: `log global` (with a global `log` line) or a `log` target of its own. */
  readonly log?: boolean
  readonly origin: Origin
}

export interface CookieSpec {
  readonly name: string
  readonly mode: 'insert' | 'rewrite' | 'prefix' | 'passive'
  readonly indirect: boolean
  readonly nocache: boolean
  readonly postonly: boolean
  readonly preserve: boolean
  readonly httponly: boolean
  readonly secure: boolean
  readonly domains: readonly string[]
  readonly maxidleMs?: number
  readonly maxlifeMs?: number
  readonly dynamic: boolean
  readonly attrs: readonly string[]
}

/** What a health check sends and expects. */
export interface CheckSpec {
  readonly type: 'tcp' | 'http' | 'mysql' | 'redis' | 'pgsql' | 'smtp' | 'ldap' | 'ssl-hello'
  readonly http?: HttpCheck
  readonly tcpSteps?: readonly TcpCheckStep[]
  readonly mysqlUser?: string
  readonly mysqlVariant?: 'post-41' | 'pre-41' | 'post-80'
  readonly disableOn404: boolean
  readonly sendState: boolean
}
export interface HttpCheck {
  readonly method: string
  readonly uri: string
  readonly version: string
  readonly headers: readonly (readonly [string, string])[]
  readonly body?: string
  readonly expect?: HttpCheckExpect
  /**
   * Every `http-check connect|send|expect` rule in order, the `option httpchk` request merged
   * into the first send as HAProxy does (tcpcheck.c `tcpcheck_add_http_rule`). Absent: one send
   * (the fields above) and `expect`.
   */
  readonly steps?: readonly HttpCheckStep[]
  /** `option httpchk` was given (without it HAProxy ignores the http-check rules). */
  readonly option?: boolean
}
export interface HttpCheckExpect {
  readonly kind: 'status' | 'rstatus' | 'string' | 'rstring' | 'hdr' | 'fhdr'
  readonly negate: boolean
  /** status list, regex or body string; for hdr/fhdr the name pattern. */
  readonly pattern: string
  /** hdr/fhdr: how the name is matched (default str). */
  readonly nameMatch?: HeaderMatch
  /** hdr/fhdr: the value pattern (absent: the header's presence is enough). */
  readonly value?: { readonly match: HeaderMatch; readonly pattern: string }
  readonly minRecv?: number
  readonly okStatus?: string
  readonly errorStatus?: string
  readonly toutStatus?: string
  readonly onSuccess?: string
  readonly onError?: string
  /** `name-lf` / `value-lf`: the name or value pattern is a log-format string evaluated per check. */
  readonly nameLf?: CheckLogFormat
  readonly valueLf?: CheckLogFormat
}
export type HeaderMatch = 'str' | 'beg' | 'end' | 'sub' | 'reg'
/** A sample a check rule can use (constants, names, check variables, the last response's headers). */
export interface CheckSample {
  readonly fetch: 'str' | 'int' | 'be_name' | 'srv_name' | 'var' | 'res.hdr' | 'res.fhdr'
  readonly arg?: string
}
/** A log-format string of a check rule: literal text and samples. */
export type CheckLogFormat = readonly (string | CheckSample)[]
export type HttpCheckStep =
  | TcpCheckConnect
  | {
      readonly step: 'send'
      /** Unset fields take HAProxy's defaults (OPTIONS, `/`, HTTP/1.0) or the merged `option httpchk` values. */
      readonly method?: string
      readonly uri?: string
      readonly version?: string
      readonly headers: readonly (readonly [string, string])[]
      readonly body?: string
      /** The request of `option httpchk` not merged into an explicit `http-check send` (TCPCHK_SND_HTTP_FROM_OPT). */
      readonly implicit?: boolean
      /** Log-format parts with samples (`uri-lf`, `body-lf`, header values using `%[...]`), evaluated per check. */
      readonly lf?: { readonly uri?: CheckLogFormat; readonly body?: CheckLogFormat; readonly headers?: readonly (readonly [string, CheckLogFormat])[] }
    }
  | { readonly step: 'expect'; readonly expect: HttpCheckExpect }
  | { readonly step: 'set-var'; readonly name: string; readonly sample: CheckSample }
  | { readonly step: 'unset-var'; readonly name: string }
/** `tcp-check connect` / `http-check connect`: `addr` (host, no port), `port`, `ssl`; `default` takes the server's settings. */
export interface TcpCheckConnect {
  readonly step: 'connect'
  readonly port?: number
  readonly addr?: string
  readonly ssl: boolean
  readonly default?: boolean
}
export type TcpCheckStep =
  | TcpCheckConnect
  | { readonly step: 'send'; readonly data: string; readonly binary: boolean }
  | {
      readonly step: 'expect'
      readonly kind: 'string' | 'rstring' | 'binary' | 'rbinary'
      readonly negate: boolean
      readonly pattern: string
      readonly minRecv?: number
      readonly okStatus?: string
      readonly errorStatus?: string
      readonly toutStatus?: string
      readonly onSuccess?: string
      readonly onError?: string
    }

export interface Server {
  readonly name: string
  /** puid: 1-based in declaration order unless `id` is set. */
  readonly id: number
  /** Host name or IP as written (no brackets). Empty for `0.0.0.0`/`*` (client's destination). */
  readonly host: string
  /** Port; undefined means the client's port; `portOffset` for `+N`/`-N`. */
  readonly port?: number
  readonly portOffset?: number
  readonly weight: number
  readonly backup: boolean
  readonly disabled: boolean
  readonly check: boolean
  readonly interMs: number
  readonly fastinterMs?: number
  readonly downinterMs?: number
  readonly rise: number
  readonly fall: number
  readonly slowstartMs: number
  readonly cookie?: string
  readonly maxconn: number
  readonly maxqueue: number
  readonly ssl: boolean
  readonly checkPort?: number
  readonly checkAddr?: string
  readonly observe?: 'layer4' | 'layer7'
  readonly onError?: string
  readonly errorLimit: number
  readonly agent?: { readonly port: number; readonly interMs: number; readonly send?: string; readonly addr?: string }
  readonly redir?: string
  readonly track?: string
  readonly origin: Origin
}

export interface StickRule {
  readonly kind: 'match' | 'on' | 'store-request' | 'store-response'
  readonly sample: SampleExpr
  readonly table?: string
  readonly cond?: Condition
  readonly origin: Origin
}

export interface Backend {
  readonly name: string
  readonly id: number
  readonly listen: boolean
  readonly mode: Mode
  readonly balance: BalanceSpec
  readonly hash: HashSpec
  readonly servers: readonly Server[]
  /**
   * `dispatch <address>:<port>` with no `balance`: a request that persistence (use-server, cookie,
   * stick) did not give to a server goes to this address (HAProxy's PR_O_DISPATCH). Not one of
   * `servers`: no stats row, no health check; `%s` logs `<NOSRV>`.
   */
  readonly dispatch?: Server
  readonly cookie?: CookieSpec
  readonly acls: readonly Acl[]
  readonly httpRequest: readonly Rule[]
  readonly httpResponse: readonly Rule[]
  readonly httpAfterResponse: readonly Rule[]
  readonly redirects: readonly Rule[]
  /** tcp-request content and tcp-response content rules (absent when the backend has none). */
  readonly tcpRules?: TcpRules
  /** `use-server` rules in order; `format` (a log-format) names the server per request. */
  readonly useServers: readonly { readonly server: string; readonly format?: LogFormat; readonly cond?: Condition; readonly origin: Origin }[]
  readonly forcePersist: readonly Condition[]
  readonly ignorePersist: readonly Condition[]
  readonly options: ProxyOptions
  readonly timeouts: Timeouts
  readonly retries: number
  readonly retryOn: readonly string[]
  readonly check?: CheckSpec
  /**
   * edgeproxy's `health-location <hint>`: the Durable Object `locationHint` of the backend's
   * HealthMonitor, so its checks run near the origins (docs/health.md).
   */
  readonly healthLocation?: string
  /**
   * edgeproxy's `health-regions <hint>,<hint>,...`: the backend is checked from each region (one
   * monitor group per location hint) and a server is DOWN only when a strict majority of the
   * regions says so (src/health/vote.ts, docs/health.md).
   */
  readonly healthRegions?: readonly string[]
  readonly stickTable?: StickTableSpec
  readonly stickRules: readonly StickRule[]
  readonly stats?: StatsSettings
  readonly errorfiles: Readonly<Record<string, string>>
  /** `http-error` replies with log-format parts, by status. */
  readonly errorReplies?: Readonly<Record<string, ErrorReply>>
  readonly fullconn?: number
  readonly origin: Origin
}

/**
 * An `http-error` reply with log-format parts, rendered per request (static ones are stored as raw
 * pages in `errorfiles`). `default` restores HAProxy's built-in page.
 */
export interface ErrorReply {
  readonly default?: boolean
  readonly contentType?: string
  readonly text?: string
  readonly format?: LogFormat
  readonly headers: readonly (readonly [string, LogFormat])[]
}

export interface Userlist {
  readonly name: string
  readonly users: readonly { readonly name: string; readonly password: string; readonly insecure: boolean; readonly groups: readonly string[] }[]
  readonly groups: readonly { readonly name: string; readonly users: readonly string[] }[]
}

// ---------------------------------------------------------------------------------------------
// Types the compiler writes and the sample and balance layers read (owned here, the contract, so
// the RouteMap imports nothing; src/sample/expr.ts and src/balance/types.ts re-export them).

/** A compiled argument: strings and numbers only, so it survives JSON. */
export type ArgValue = string | number

/** A compiled sample expression (stored in the RouteMap). */
export interface SampleExpr {
  readonly fetch: string
  readonly args: readonly ArgValue[]
  readonly conv: readonly { readonly name: string; readonly args: readonly ArgValue[] }[]
}

/** `hash-type` settings. */
export interface HashSpec {
  readonly type: 'map-based' | 'consistent'
  readonly fn: 'sdbm' | 'djb2' | 'wt6' | 'crc32' | 'none'
  readonly avalanche: boolean
}

/** `balance` algorithm and its parameters. */
export type BalanceSpec =
  | { readonly algo: 'roundrobin' }
  | { readonly algo: 'static-rr' }
  | { readonly algo: 'leastconn' }
  | { readonly algo: 'first' }
  | { readonly algo: 'random'; readonly draws: number }
  | { readonly algo: 'source' }
  | {
      readonly algo: 'uri'
      readonly len: number
      readonly depth: number
      readonly whole: boolean
      readonly pathOnly: boolean
    }
  | { readonly algo: 'url_param'; readonly param: string; readonly checkPost: boolean }
  | { readonly algo: 'hdr'; readonly header: string; readonly useDomainOnly: boolean }
