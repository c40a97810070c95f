/**
 * @module
 * Small statistics and timing helpers for the micro benchmarks: median and percentiles of
 * samples, and a batch timing loop with warm-up (time N operations, divide, take the median of
 * the batches: a GC pause or a preemption spoils one batch, not the figure).
 */

/** The p-th percentile (0..100) of `xs` by the nearest-rank method; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * s.length)
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))] as number
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length
}

/** Rounds to `digits` decimal places (JSON-friendly figures). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Nanoseconds since an arbitrary origin, as a number. */
export function nowNs(): number {
  return Number(process.hrtime.bigint())
}

export interface BatchOptions {
  /** Operations per timed batch. */
  readonly batch: number
  /** Timed batches (after warm-up). */
  readonly batches: number
  /** Untimed batches first, so that the JIT has optimised the path. */
  readonly warmup?: number
  /** Stop early (after at least 5 timed batches) once this much wall time went by. */
  readonly maxMs?: number
}

export interface BatchResult {
  /** Per-operation time of each batch, nanoseconds. */
  readonly perOpNs: readonly number[]
  readonly medianNs: number
  readonly p99Ns: number
  readonly minNs: number
  /** Operations timed (warm-up excluded). */
  readonly iterations: number
}

function summarize(perOpNs: number[], batch: number): BatchResult {
  return {
    perOpNs,
    medianNs: median(perOpNs),
    p99Ns: percentile(perOpNs, 99),
    minNs: Math.min(...perOpNs),
    iterations: perOpNs.length * batch,
  }
}

/**
 * Times `op(i)` (i counts up across all calls) in batches. Returns per-operation times. `op`'s
 * result is kept in a sink so that the JIT cannot drop the work.
 */
export function timeBatches(op: (i: number) => unknown, opts: BatchOptions): BatchResult {
  let i = 0
  let sink: unknown
  for (let w = 0; w < (opts.warmup ?? 2); w++) for (let k = 0; k < opts.batch; k++) sink = op(i++)
  const perOp: number[] = []
  const start = performance.now()
  for (let b = 0; b < opts.batches; b++) {
    const t0 = nowNs()
    for (let k = 0; k < opts.batch; k++) sink = op(i++)
    perOp.push((nowNs() - t0) / opts.batch)
    if (opts.maxMs !== undefined && b >= 4 && performance.now() - start > opts.maxMs) break
  }
  keep(sink)
  return summarize(perOp, opts.batch)
}

/** timeBatches for operations that may return a promise (awaited only when they do). */
export async function timeBatchesAsync(op: (i: number) => unknown, opts: BatchOptions): Promise<BatchResult> {
  let i = 0
  let sink: unknown
  const run = async (): Promise<void> => {
    for (let k = 0; k < opts.batch; k++) {
      const r = op(i++)
      sink = r instanceof Promise ? await r : r
    }
  }
  for (let w = 0; w < (opts.warmup ?? 2); w++) await run()
  const perOp: number[] = []
  const start = performance.now()
  for (let b = 0; b < opts.batches; b++) {
    const t0 = nowNs()
    await run()
    perOp.push((nowNs() - t0) / opts.batch)
    if (opts.maxMs !== undefined && b >= 4 && performance.now() - start > opts.maxMs) break
  }
  keep(sink)
  return summarize(perOp, opts.batch)
}

let kept: unknown
/** Keeps a value observable so that the work producing it is not optimised away. */
export function keep(v: unknown): void {
  kept = v
  if (kept === Symbol.for('never')) console.log(kept)
}
