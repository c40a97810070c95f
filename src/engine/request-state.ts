/**
 * @module
 * The per-request state the engine mutates while running rules: the request line and headers
 * (http-request rules rewrite them), variables, stick counters, and what the pipeline decided.
 * It is the SampleContext fetches read.
 */
import { HeaderList } from '../sample/headers.ts'
import type { Captures } from '../routemap/schema.ts'
import type { CaptureView, RequestTimeouts, Sample, SampleContext, StickView, TlsClientInfo } from '../sample/types.ts'
import type { CacheTx } from './cache.ts'

/** A request as the engine receives it (from the Worker, `explain`, or a test). */
export interface EngineRequest {
  readonly method: string
  /** Absolute URL, e.g. `http://example.com:8080/a?b=1`; its port selects the frontend. */
  readonly url: string
  readonly headers: readonly (readonly [string, string])[]
  readonly src: string
  readonly srcPort?: number
  /** HTTP version ('1.1' unless told). */
  readonly version?: string
  /** The client connection is TLS (Cloudflare terminated it). Defaults to the URL scheme. */
  readonly ssl?: boolean
  readonly tls?: TlsClientInfo
  readonly cf?: Readonly<Record<string, unknown>>
  /**
   * The socket that received the request (`edgeproxy dev` listens on each bind as written).
   * Absent at the edge, where the URL's host and port stand for it.
   */
  readonly listener?: { readonly address: string; readonly port: number; readonly local?: string }
}

/** The parts of a request URL the engine reads, as WHATWG URL gives them. */
export interface UrlParts {
  /** `http:` or `https:` (any scheme, with its colon, on the slow path). */
  readonly protocol: string
  /** Host name with the port when it is not the scheme's default, e.g. `example.com:8080`. */
  readonly host: string
  /** Host name (IPv6 in brackets), lower case. */
  readonly hostname: string
  /** The port when it is not the scheme's default; else ''. */
  readonly port: string
  readonly pathname: string
  /** `?query`, or '' when there is none or it is empty. */
  readonly search: string
  /** pathname + search, when known without concatenating them. */
  readonly target?: string
}

/**
 * An http(s) URL that WHATWG parsing would return unchanged: lower-case scheme and host name
 * (no user info, no IPv6 literal), an optional port without leading zero, and a path and query
 * of characters no percent-encoding set touches (no `'` in the query, no fragment).
 */
const SIMPLE_URL = /^(https?):\/\/([a-z0-9.-]+)(?::([1-9][0-9]{0,4}))?(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*)?(\?[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*)?$/
/** Host names WHATWG rewrites: an IPv4 form (the last label numeric), or punycode it validates. */
const HOST_REWRITTEN = /(^|\.)(0x[0-9a-f]*|[0-9]+)\.?$|xn--/
const DOTTED_QUAD = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/
/** Path segments WHATWG resolves or decodes: `.` and `..` (also as %2e). */
const DOT_SEGMENT = /\/\.|%2e/i

/**
 * Splits a request URL as `new URL(url)` would, without building a URL object for the usual
 * simple ones (the request path runs it once per request). Throws TypeError, as URL does, on an
 * invalid URL.
 */
export function parseRequestUrl(url: string): UrlParts {
  const m = SIMPLE_URL.exec(url)
  if (m) {
    const scheme = m[1] as string
    const hostname = m[2] as string
    const path = m[4] ?? '/'
    const portText = m[3]
    const port = portText === undefined || (scheme === 'http' ? portText === '80' : portText === '443') ? '' : portText
    if ((!HOST_REWRITTEN.test(hostname) || DOTTED_QUAD.test(hostname)) && !DOT_SEGMENT.test(path) && (port === '' || Number(port) <= 65535) && hostname !== '') {
      const query = m[5]
      const search = query === undefined || query === '?' ? '' : query
      // The URL ends with the path and the query: the target is its tail (no concatenation).
      const target = m[4] === undefined ? `/${search}` : query === '?' ? path : url.slice(url.length - path.length - search.length)
      return { protocol: scheme === 'http' ? 'http:' : 'https:', host: port === '' ? hostname : `${hostname}:${port}`, hostname, port, pathname: path, search, target }
    }
  }
  const u = new URL(url)
  return { protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search }
}

export class RequestState implements SampleContext {
  method: string
  /** Request target in origin-form (`/path?query`), as HAProxy sees an HTTP/1 request. */
  target: string
  version: string
  readonly headers: HeaderList
  /** Client and destination addresses; `set-src`/`set-dst` and their `-port` forms change them. */
  src: string
  srcPort: number
  dst: string
  dstPort: number
  readonly ssl: boolean
  readonly tls?: TlsClientInfo
  readonly cf?: Readonly<Record<string, unknown>>
  frontend: string
  backend?: string
  server?: string
  #vars?: Map<string, Sample>
  /** Variables (txn.*, req.*, …), created on first use: most requests set none. */
  get vars(): Map<string, Sample> {
    if (this.#vars === undefined) this.#vars = new Map()
    return this.#vars
  }
  /** The response being processed by http-response rules (`reason` set by set-status). */
  response?: { status: number; reason?: string; headers: HeaderList }
  stick?: StickView
  /** The cache state of cache-use / cache-store rules (engine/cache.ts); absent without them. */
  cache?: CacheTx
  /** The cache the response was served from (`res.cache_hit`). */
  cacheHit?: string
  readonly #random32: () => number
  /** Timeouts for fetches and the forward path (decide() fills them; `set-timeout` changes cur*). */
  timeouts?: RequestTimeouts
  /** The rule that ended the last rule list: allow, deny, redirect… (last_rule_file/line). */
  lastRule?: { readonly file: string; readonly line: number }
  /** The frontend's capture slots and this request's values (absent when it declares none). */
  captureSlots?: Captures
  captures?: CaptureView
  /** The request line as received (capture.req.*): rules may change method and target later. */
  readonly received: { readonly method: string; readonly target: string; readonly version: string }
  /** The frontend's `unique-id-format` renderer (set by decide()); the id is rendered once, on first use. */
  uniqueIdFormat?: (ctx: RequestState) => string
  #uniqueId?: string
  #renderingId = false

  /** `url`: req.url already parsed (decide() parses it once to choose the frontend). */
  constructor(req: EngineRequest, frontend: string, random32: () => number, url?: UrlParts) {
    const u = url ?? parseRequestUrl(req.url)
    this.method = req.method.toUpperCase()
    this.target = u.target ?? `${u.pathname}${u.search}`
    this.version = req.version ?? '1.1'
    this.received = { method: this.method, target: this.target, version: this.version }
    const headers = new HeaderList(req.headers)
    if (!headers.has('host')) headers.add('host', u.host)
    this.headers = headers
    this.src = req.src
    this.srcPort = req.srcPort ?? 0
    this.ssl = req.ssl ?? u.protocol === 'https:'
    // The socket that received the request, when known (`edgeproxy dev` binds an address), is
    // HAProxy's dst/dst_port; otherwise the URL's host and port stand for it.
    const bound = req.listener ? (req.listener.local ?? req.listener.address).replace(/^\[|\]$/g, '') : ''
    const hostname = u.hostname.charCodeAt(0) === 91 ? u.hostname.replace(/^\[|\]$/g, '') : u.hostname
    this.dst = bound !== '' && /^[\d.]+$|:/.test(bound) && bound !== '0.0.0.0' && bound !== '::' ? bound : hostname
    this.dstPort = req.listener?.port ?? (u.port ? Number(u.port) : this.ssl ? 443 : 80)
    if (req.tls) this.tls = req.tls
    if (req.cf) this.cf = req.cf
    this.frontend = frontend
    this.#random32 = random32
  }

  random32(): number {
    return this.#random32()
  }

  /** stream_generate_unique_id: rendered once (at most UNIQUEID_LEN − 1 = 127 characters), then kept. */
  uniqueId(): string | undefined {
    if (this.#uniqueId !== undefined) return this.#uniqueId
    if (this.uniqueIdFormat === undefined || this.#renderingId) return undefined
    this.#renderingId = true
    try {
      this.#uniqueId = this.uniqueIdFormat(this).slice(0, 127)
    } finally {
      this.#renderingId = false
    }
    return this.#uniqueId
  }

  /** Path part of the target (before `?`). */
  get path(): string {
    const q = this.target.indexOf('?')
    return q < 0 ? this.target : this.target.slice(0, q)
  }

  /** Query string without `?`, or undefined when there is none. */
  get query(): string | undefined {
    const q = this.target.indexOf('?')
    return q < 0 ? undefined : this.target.slice(q + 1)
  }
}
