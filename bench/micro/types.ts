/**
 * @module
 * The figures the in-process (Node/V8) micro benchmarks report: plain JSON, one object per
 * benchmark. Times are per operation (request, lookup, pick); "median" is the median over timed
 * batches, each batch's time divided by its size.
 */

export interface PipelineFigure {
  /** Median CPU time of edgeproxy's own work per request (decide + admit + response side), µs. */
  readonly medianUs: number
  /** 99th percentile over the timed batches, µs. */
  readonly p99Us: number
  /** Fastest batch, µs per request. */
  readonly minUs: number
  /** Requests timed (warm-up excluded). */
  readonly iterations: number
  /** Requests per batch. */
  readonly batch: number
  /** How the request mix was decided: decision kind → count over one pass of the mix. */
  readonly mix: Readonly<Record<string, number>>
}

export interface CompileFigure {
  readonly servers: number
  readonly backends: number
  /** compileConfig (parse, check, compile to a RouteMap), median ms. */
  readonly compileMs: number
  /** createEngine (hydrate the RouteMap: closures, matchers, balancer state), median ms. */
  readonly hydrateMs: number
  /** RouteMap size as JSON, kB. */
  readonly routeMapKB: number
  /** Heap held by the RouteMap and the engine after a full GC, MB (null without --expose-gc). */
  readonly heapMB: number | null
}

export interface LookupFigure {
  /** Median per lookup, ns. */
  readonly medianNs: number
  readonly p99Ns: number
  readonly iterations: number
}

export interface MicroResults {
  readonly quick: boolean
  readonly node: string
  readonly pipeline: {
    /** examples/haproxy.cfg, its stick table (track-sc0 src) in the in-memory store. */
    readonly seed: PipelineFigure
    /** examples/haproxy.cfg without the stick table lines (the DESIGN.md budget's case). */
    readonly seedNoStick: PipelineFigure
    /** 200 ACLs, 50 backends × 4 servers, mixed algorithms. */
    readonly synthetic: PipelineFigure
    /** Target for `seed` and `seedNoStick` medians, µs (DESIGN.md "Performance budget"). */
    readonly targetUs: number
  }
  readonly compile: {
    readonly servers1k: CompileFigure
    readonly servers10k: CompileFigure
  }
  /** `acl … src -f` with 100k networks. */
  readonly cidr100k: {
    readonly entries: number
    /** The ip matcher on address text (parse + lookup), ns. */
    readonly matcher: LookupFigure
    /** The whole ACL on a request (src fetch + parse + lookup), ns. */
    readonly acl: LookupFigure
    readonly targetNs: number
  }
  /** `balance source` + `hash-type consistent` over 1,000 servers: one pick, ns. */
  readonly chash1000: LookupFigure & { readonly servers: number; readonly buildMs: number; readonly targetNs: number }
  readonly stick: {
    /** StickShard.track (one request op) on the in-memory ShardStorage. */
    readonly oneShardOpsPerSec: number
    /** The same spread over `shards` shards by shardOf (fnv1a32(key) % shards). */
    readonly shardedOpsPerSec: number
    readonly shards: number
    /** Distinct keys the ops were spread over. */
    readonly keys: number
    /** The engine's in-isolate view (MemoryStickTable touch + apply), ops/s. */
    readonly memoryTableOpsPerSec: number
  }
  /** Wall time of the whole run, s. */
  readonly elapsedS: number
}
