/**
 * @module
 * What `runRuntime` returns: plain JSON, every figure named. Times in milliseconds, rates per
 * second, ratios as plain numbers (1 = equal).
 */

/** One wrk run (or the best of several) against one target. */
export interface WrkFigures {
  readonly requestsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly requests: number
  readonly non2xx3xx: number
  readonly socketErrors: number
}

export interface ThroughputTarget extends WrkFigures {
  /** What was measured. */
  readonly what: string
  /** req/s of each run, in run order (the figures above are from the best run). */
  readonly runsRequestsPerSec: readonly number[]
}

export interface ThroughputResults {
  /** The wrk command line shape used for every target (same parameters for all). */
  readonly wrk: string
  /** Which configuration edgeproxy and HAProxy ran. */
  readonly config: string
  /** How the runs were ordered and which run's figures are reported. */
  readonly method: string
  readonly origin: ThroughputTarget
  readonly haproxy: ThroughputTarget
  readonly edgeproxy: ThroughputTarget
  readonly bare: ThroughputTarget
  /** Full mode: HAProxy on the same config with `option http-keep-alive` instead of `http-server-close`. */
  readonly haproxyKeepAlive?: ThroughputTarget
  /** Full mode, diagnostic: the bare Worker plus a JS pump of the body through a FixedLengthStream (what edgeproxy's end-of-body accounting does). */
  readonly barePump?: ThroughputTarget
  /** Full mode: one request at a time; the latency edgeproxy adds over the bare Worker. */
  readonly sequential?: {
    readonly wrk: string
    readonly edgeproxy: WrkFigures
    readonly bare: WrkFigures
    readonly addedP50Ms: number
  }
  readonly ratios: {
    /** Target ≥ 0.90 (DESIGN.md, Performance budget). */
    readonly edgeproxyOverBare: number
    readonly edgeproxyOverHaproxy: number
    readonly edgeproxyOverOrigin: number
    readonly bareOverOrigin: number
    readonly haproxyOverOrigin: number
    readonly barePumpOverBare?: number
  }
  readonly edgeproxyOverBareTarget: number
  readonly edgeproxyOverBareMet: boolean
}

/** Durable Object and KV calls counted by the counting wrapper over one wrk run. */
export interface CountedRun {
  /** The wrk command. */
  readonly wrk: string
  /** Requests the Worker received (counted by the wrapper). */
  readonly requests: number
  readonly seconds: number
  readonly requestsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Every counted call, `BINDING.method` → count. */
  readonly calls: Readonly<Record<string, number>>
  /** STICK calls / requests. */
  readonly stickCallsPerRequest: number
  /** All Durable Object calls (HEALTH, STICK, RUNTIME) / requests, background ones included. */
  readonly doCallsPerRequest: number
  /** HEALTH.snapshot calls per second (one isolate). */
  readonly healthSnapshotsPerSec: number
  /** RUNTIME.sync calls per second (one isolate). */
  readonly runtimeSyncsPerSec: number
  readonly non2xx3xx: number
}

export interface StickModeResults {
  /** The stick-table line (none for the route without a table). */
  readonly config: string
  /** Sequential requests (wrk -c1): the latency each mode adds. */
  readonly sequential: CountedRun
  /** Under load (the throughput wrk parameters). */
  readonly loaded: CountedRun
  /** p50 / p99 of the sequential run minus the no-table route's. */
  readonly addedP50Ms: number
  readonly addedP99Ms: number
}

export interface StateCostResults {
  readonly method: string
  readonly none: StickModeResults
  readonly exact: StickModeResults
  readonly fast: StickModeResults
  /** Targets: none 0, exact 1, fast ≤ 0.05 STICK calls per request (the loaded runs). */
  readonly targets: { readonly none: number; readonly exact: number; readonly fast: number }
  readonly met: { readonly none: boolean; readonly exact: boolean; readonly fast: boolean }
  /** HEALTH.snapshot calls per isolate per second over every run (one checked backend, `inter 1s`). */
  readonly healthSnapshotRefreshesPerIsolatePerSec: number
}

export interface FailoverRun {
  /** `fail`: A stays up but answers /health and requests with 503; `kill`: A's socket is closed. */
  readonly how: 'fail' | 'kill'
  /** From A going down to the last request routed to A. */
  readonly failoverMs: number | null
  /** From A coming back to the first request it received. */
  readonly recoveryMs: number | null
  /** Requests routed to A after it went down (A's own log for `fail`; client-visible failures for `kill`). */
  readonly requestsToDownServer: number
  /** Non-2xx responses the client saw while A was down. */
  readonly clientErrors: number
}

export interface FailoverResults {
  readonly config: string
  readonly interMs: number
  readonly fall: number
  readonly rise: number
  /** inter × fall + inter. */
  readonly targetMs: number
  readonly requestIntervalMs: number
  readonly runs: readonly FailoverRun[]
  readonly met: boolean
}

export interface RuntimeResults {
  readonly mode: 'quick' | 'full'
  readonly startedAt: string
  readonly durationSec: number
  readonly runtime: string
  readonly throughput: ThroughputResults
  readonly stateCosts: StateCostResults
  readonly failover: FailoverResults
  /** Distinct lines workerd logged during the run (`[phase] level: first line` → count): Worker console output and runtime warnings. */
  readonly workerdLog: Readonly<Record<string, number>>
  readonly caveats: readonly string[]
}
