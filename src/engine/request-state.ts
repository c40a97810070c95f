/**
 * @module
 * The per-request state the engine mutates while running rules: the request line and headers
 * (http-request rules rewrite them), variables, stick counters, and what the pipeline decided.
 * It is the SampleContext fetches read.
 */
import { HeaderList } from '../sample/headers.ts'
import type { Sample, SampleContext, StickView, TlsClientInfo } from '../sample/types.ts'

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

export class RequestState implements SampleContext {
  method: string
  /** Request target in origin-form (`/path?query`), as HAProxy sees an HTTP/1 request. */
  target: string
  version: string
  readonly headers: HeaderList
  readonly src: string
  readonly srcPort: number
  readonly dst: string
  readonly dstPort: number
  readonly ssl: boolean
  readonly tls?: TlsClientInfo
  readonly cf?: Readonly<Record<string, unknown>>
  frontend: string
  backend?: string
  server?: string
  readonly vars = new Map<string, Sample>()
  /** The response being processed by http-response rules (`reason` set by set-status). */
  response?: { status: number; reason?: string; headers: HeaderList }
  stick?: StickView
  readonly #random32: () => number

  constructor(req: EngineRequest, frontend: string, random32: () => number) {
    const u = new URL(req.url)
    this.method = req.method.toUpperCase()
    this.target = `${u.pathname}${u.search}`
    this.version = req.version ?? '1.1'
    const headers = new HeaderList(req.headers)
    if (!headers.has('host')) headers.add('host', u.host)
    this.headers = headers
    this.src = req.src
    this.srcPort = req.srcPort ?? 0
    this.ssl = req.ssl ?? u.protocol === 'https:'
    // The socket that received the request, when known (`edgeproxy dev` binds an address), is
    // HAProxy's dst/dst_port; otherwise the URL's host and port stand for it.
    const bound = (req.listener?.local ?? req.listener?.address ?? '').replace(/^\[|\]$/g, '')
    this.dst = /^[\d.]+$|:/.test(bound) && bound !== '0.0.0.0' && bound !== '::' ? bound : u.hostname.replace(/^\[|\]$/g, '')
    this.dstPort = req.listener?.port ?? (u.port ? Number(u.port) : this.ssl ? 443 : 80)
    if (req.tls) this.tls = req.tls
    if (req.cf) this.cf = req.cf
    this.frontend = frontend
    this.#random32 = random32
  }

  random32(): number {
    return this.#random32()
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
