/**
 * @module
 * What every probe receives: the outgoing I/O (fetch, and `connect()` from `cloudflare:sockets`
 * passed in by the Durable Object so this code runs in Node tests with fakes), the target, the
 * timeouts and a clock. Probes return a CheckResult and never throw.
 */
import type { CheckTimeouts } from '../plan.ts'
import type { CheckResult } from '../status.ts'

/** The part of a `cloudflare:sockets` Socket that probes use. */
export interface ProbeSocket {
  readonly readable: ReadableStream<Uint8Array>
  readonly writable: WritableStream<Uint8Array>
  readonly opened: Promise<unknown>
  readonly closed: Promise<unknown>
  close(): Promise<void>
}

/** `connect()` of `cloudflare:sockets` (or a fake). May throw synchronously for a bad address. */
export type ConnectFn = (address: { hostname: string; port: number }, options: { secureTransport: 'off' | 'on'; allowHalfOpen: boolean }) => ProbeSocket

export type FetchFn = (request: Request) => Promise<Response>

export interface ProbeIo {
  readonly fetch: FetchFn
  readonly connect: ConnectFn
  /**
   * A plain layer-4 `check` of `host` goes over fetch() rather than connect(): the Durable Object
   * says so for the addresses only its VPC network reaches (connect() cannot: a VPC network
   * carries HTTP). Absent: connect() for every host.
   */
  readonly l4OverFetch?: (host: string) => boolean
  /** Milliseconds clock (Date.now in the runtime). */
  readonly now: () => number
}

export interface ProbeTarget {
  readonly backend: string
  readonly server: string
  readonly address: string
  readonly port?: number
  readonly ssl: boolean
  readonly timeouts: CheckTimeouts
  /** The server is DOWN (`disable-on-404` only applies to servers that are not). */
  readonly serverDown?: boolean
  /** `x-haproxy-server-state` value, for `http-check send-state`. */
  readonly serverState?: string
}

export type Probe = (target: ProbeTarget, io: ProbeIo) => Promise<CheckResult>
