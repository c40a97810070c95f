/**
 * @module
 * Racing a promise against a deadline without leaking timers or unhandled rejections: the
 * building block that keeps a hung origin from hanging the monitor.
 */

export const TIMED_OUT: unique symbol = Symbol('timed out')

/** Resolves with `p`'s value, or TIMED_OUT after `ms` (≤ 0: immediately). Rejections of `p` propagate. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (ms <= 0) {
    p.catch(() => {})
    return Promise.resolve(TIMED_OUT)
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms)
  })
  return Promise.race([p, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer)
    // A late rejection of `p` after the timeout must not surface as unhandled.
    p.catch(() => {})
  })
}

/** The message of anything thrown, for check info. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message
  return typeof e === 'string' ? e : 'unknown error'
}
