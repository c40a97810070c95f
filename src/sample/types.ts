/**
 * @module
 * The sample layer's contract: typed samples, the keyword registries for fetches, converters and
 * match methods, and the request view they read. Semantics follow HAProxy 2.6 (sample.c,
 * http_fetch.c, pattern.c, acl.c). The compiler validates expressions against these tables; the
 * engine builds closures from them once per isolate (`build`), never per request.
 */
import type { HeaderList } from './headers.ts'
import type { ArgValue, MapEntries, Userlist } from '../routemap/schema.ts'

/** Sample types, after HAProxy's SMP_T_* (ipv4/ipv6 are folded into `ip`). */
export type SampleType = 'bool' | 'int' | 'str' | 'bin' | 'ip' | 'meth'

/** A typed value produced by a fetch or a converter. `ip` values are canonical address text. */
export type Sample =
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'str'; readonly value: string }
  | { readonly type: 'bin'; readonly value: Uint8Array }
  | { readonly type: 'ip'; readonly value: string }
  | { readonly type: 'meth'; readonly value: string }

/** Kinds of keyword arguments, validated at compile time. */
export type ArgKind =
  | 'str'
  | 'int'
  | 'time' // ms, with HAProxy units
  | 'var' // scope.name
  | 'table' // stick-table (proxy) name
  | 'backend'
  | 'frontend'
  | 'server' // [backend/]server
  | 'regex'
  | 'map' // map file path, loaded at compile time
  | 'ip'

export interface ArgSpec {
  readonly kind: ArgKind
  readonly optional?: boolean
}

export type { ArgValue }

/** Resources resolved at compile time and shipped in the RouteMap (maps, pattern files). */
export interface BuildEnv {
  /** Entries of a map file, by the id the compiler gave it, flat (key, value, key, value…) in file order. */
  map(id: string): MapEntries
  /** The `proc.*` variables set by `set-var` in `global` (constants for the whole configuration). */
  procVar?(name: string): Sample | undefined
  /** A userlist of the RouteMap by name (http_auth, http_auth_group). */
  userlist?(name: string): Userlist | undefined
  /**
   * Live proxy and server state (health, in-flight counts, queues, rates) for the capacity fetches
   * (`nbsrv`, `be_conn`, `srv_is_up`...): they resolve their proxy and server here once, at build
   * time. Absent outside an engine: those fetches then fail.
   */
  readonly proxies?: ProxyStateView
}

/**
 * Read-only view of the proxies as this isolate sees them (src/engine/proxy-state.ts implements
 * it): health and admin state from the shared health snapshot, counts and rates of its own.
 */
export interface ProxyStateView {
  frontend(name: string): FrontendState | undefined
  backend(name: string): BackendState | undefined
}

export interface FrontendState {
  /** HAProxy's proxy id (uuid). */
  readonly id: number
  readonly defaultBackend?: string
  /** Requests in progress on the frontend (feconn). */
  conn(): number
  /** Requests per second over the last second (fe_req_per_sec). */
  reqRate(): number
  /** Sessions per second: at the edge one request is one session (fe_sess_per_sec). */
  sessRate(): number
}

export interface BackendState {
  readonly id: number
  /** `option allbackups`. */
  readonly allBackups: boolean
  /** Servers in declaration order. */
  readonly servers: readonly ServerState[]
  server(name: string): ServerState | undefined
  /**
   * A number that changes whenever the servers' health, admin state or weights may have (the
   * health snapshot's version); undefined when unknown. Lets nbsrv reuse its count meanwhile.
   */
  stateVersion(): number | undefined
  /** Requests assigned to the backend and not finished (beconn). */
  conn(): number
  /** Requests waiting in the backend's queue (not in a server's). */
  queued(): number
  sessRate(): number
}

export interface ServerState {
  readonly id: number
  readonly backup: boolean
  /** Configured `maxconn` / `maxqueue` (0: unlimited). */
  readonly maxconn: number
  readonly maxqueue: number
  /** Configured weight (iweight). */
  readonly iweight: number
  /** Not DOWN and not in maintenance (cur_state != STOPPED). */
  up(): boolean
  /** Takes load-balanced traffic: up, not DRAIN or NOLB, weight above 0 (srv_currently_usable). */
  usable(): boolean
  /** Current user weight (uweight: the configured one unless an operator changed it). */
  uweight(): number
  /** Effective weight as HAProxy reports it: uweight scaled by slowstart. */
  weight(): number
  /** Requests being served (cur_sess). */
  conn(): number
  /** Requests waiting in this server's queue. */
  queued(): number
  sessRate(): number
}

/** What a fetch may read. Implemented by the engine for each request (and by `explain`). */
export interface SampleContext {
  readonly method: string
  /** Request target as received: `/path?query`, or absolute-form. */
  readonly target: string
  /** HTTP version without prefix: '1.0', '1.1', '2.0'. */
  readonly version: string
  /** Request headers, mutable by http-request rules (later rules see changes). */
  readonly headers: HeaderList
  readonly src: string
  readonly srcPort: number
  readonly dst: string
  readonly dstPort: number
  /** The client connection is TLS (terminated by Cloudflare in front of the Worker). */
  readonly ssl: boolean
  readonly tls?: TlsClientInfo
  /** `request.cf` (Cloudflare properties: country, colo, asn, ...). */
  readonly cf?: Readonly<Record<string, unknown>>
  readonly frontend: string
  readonly backend?: string
  readonly server?: string
  /** Variables by full name (`txn.rand`). */
  readonly vars: Map<string, Sample>
  /** Uniform random 32-bit unsigned integer. */
  random32(): number
  /** Present in response rules. */
  readonly response?: { readonly status: number; readonly headers: HeaderList }
  /** Stick counters (sc0..sc2) and table lookups; absent when the request tracks nothing. */
  readonly stick?: StickView
  /** Captured values by slot (capture.req.hdr, capture-req…); absent when the frontend has no slot. */
  readonly captures?: CaptureView
  /** The request line as received, before any rule changed it (capture.req.method/uri/ver). */
  readonly received?: { readonly method: string; readonly target: string; readonly version: string }
  /** The request's unique id (`unique-id-format`), generated on first use; undefined without a format. */
  uniqueId?(): string | undefined
  /** The cache the response was served from (`res.cache_hit`, `res.cache_name`). */
  readonly cacheHit?: string
  /** Timeouts of this request (be_server_timeout, cur_server_timeout…); absent outside an engine. */
  readonly timeouts?: RequestTimeouts
  /** The rule that ended the last rule list (last_rule_file, last_rule_line). */
  readonly lastRule?: { readonly file: string; readonly line: number }
}

/** Timeouts in ms as HAProxy's stream sees them (0 when not set). */
export interface RequestTimeouts {
  /** The frontend's `timeout client`. */
  readonly feClient: number
  /** The current backend's configured `timeout server` / `timeout tunnel` (the frontend's before one is chosen). */
  readonly beServer: number
  readonly beTunnel: number
  /** The ones in force for this request: the backend's, or what `set-timeout` put. */
  readonly curServer: number
  readonly curTunnel: number
}

/** The capture slots of the request's frontend: the values by index, and each slot's length. */
export interface CaptureView {
  readonly request: (string | undefined)[]
  readonly response: (string | undefined)[]
  readonly requestLen: readonly number[]
  readonly responseLen: readonly number[]
}

/** Stores `value` (cut to the slot's length) in slot `index`; no slot, no capture (HAProxy fails silently). */
export function storeCapture(view: CaptureView | undefined, dir: 'request' | 'response', index: number, value: string): boolean {
  const len = (dir === 'request' ? view?.requestLen : view?.responseLen)?.[index]
  if (view === undefined || len === undefined) return false
  view[dir][index] = value.slice(0, len)
  return true
}

/** Client certificate information (from request.cf.tlsClientAuth at the edge). */
export interface TlsClientInfo {
  readonly presented: boolean
  /** The edge verified the certificate (certVerified SUCCESS) and it is not revoked. */
  readonly verified: boolean
  /** certRevoked "1": Cloudflare reports SUCCESS for a revoked certificate, this says it. */
  readonly revoked?: boolean
  /** certVerified's text when it is not SUCCESS (`FAILED:<reason>`, `NONE`): ssl_c_verify's code. */
  readonly verifyError?: string
  /** The DER certificate, base64 (certRFC9440 without its colons): ssl_c_der. */
  readonly der?: string
  /** RFC 2253 subject DN, e.g. "CN=alice,O=Example". */
  readonly subjectDn: string
  readonly issuerDn: string
  readonly serial?: string
  readonly notBefore?: string
  readonly notAfter?: string
  readonly fingerprintSha1?: string
}

/** Synchronous view of stick-table data for fetches (filled before the rule runs). */
export interface StickView {
  /** Value of data type `data` (e.g. 'http_req_rate', 'gpc0') for the entry tracked by counter n. */
  tracked(counter: number, data: string, table?: string): number | undefined
  /** Lookup by key without tracking (src_* fetches, table_* converters). */
  lookup(table: string, key: string, data: string): number | undefined
}

export type Phase = 'request' | 'response'

/** A sample fetch keyword (HAProxy `struct sample_fetch`). */
export interface FetchDef {
  readonly name: string
  readonly args: readonly ArgSpec[]
  readonly output: SampleType
  /** Where it can be used. */
  readonly phases: readonly Phase[]
  /** ACLs iterate over every value (hdr(), req.cook(), url_param ...). */
  readonly multi?: boolean
  /**
   * Set when the keyword is known but cannot work at the edge or is not implemented yet: the
   * compiler rejects it with this text instead of "unknown fetch".
   */
  readonly unsupported?: string
  /** Default match method for ACLs when the output type alone does not decide (e.g. `method`). */
  readonly defaultMatch?: string
  /** One-line description for docs and `--help`. */
  readonly doc: string
  /**
   * Builds the per-isolate fetch function. Returns one sample, all samples when `all` is true
   * (ACL iteration), or undefined when the fetch fails (missing header, unset var...).
   */
  build(args: readonly ArgValue[], env: BuildEnv): FetchFn
}
export type FetchFn = (ctx: SampleContext, all: boolean) => Sample | readonly Sample[] | undefined

/** A converter keyword (HAProxy `struct sample_conv`). */
export interface ConverterDef {
  readonly name: string
  readonly args: readonly ArgSpec[]
  readonly input: readonly SampleType[]
  /** Output type, or 'same' for the input's type. */
  readonly output: SampleType | 'same'
  readonly unsupported?: string
  readonly doc: string
  build(args: readonly ArgValue[], env: BuildEnv): ConverterFn
}
export type ConverterFn = (input: Sample, ctx: SampleContext) => Sample | undefined

/** Pattern flags that change how patterns are compiled. */
export interface MatchFlags {
  readonly icase: boolean
}

/**
 * A match method (`-m str|beg|...`). `prepare` validates pattern text at compile time and returns
 * JSON data (e.g. sorted, merged CIDR ranges); `build` turns that data into a matcher once per
 * isolate. `prepare` reports bad patterns through `error` and leaves them out.
 */
export interface MatchDef {
  readonly name: string
  /** Sample types it can match (others are converted like HAProxy does, or rejected). */
  readonly accepts: readonly SampleType[]
  /** False for `found`/`bool`, which take no patterns. */
  readonly takesPatterns: boolean
  prepare(patterns: readonly string[], flags: MatchFlags, error: (patternIndex: number, message: string) => void): unknown
  build(data: unknown, flags: MatchFlags): Matcher
}
/** Returns true when the sample matches one of the patterns. */
export type Matcher = (sample: Sample) => boolean

/** An ACL keyword that is a fetch plus an implied match method (`path_beg` = path + beg). */
export interface AclAlias {
  readonly name: string
  readonly fetch: string
  readonly match: string
}
