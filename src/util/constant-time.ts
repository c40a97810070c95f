/**
 * @module
 * Comparing secrets without an early exit, so the time taken tells nothing about where two values
 * differ (only about their lengths): the runtime API token, stats page Basic auth, `http_auth`
 * passwords and the `secure_memcmp` converter. A leaf: imports nothing.
 */

/** True when `a` and `b` hold the same bytes; the time depends on the lengths only. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

const ENC = new TextEncoder()

/** constantTimeEqual over the UTF-8 encodings of two strings (equal exactly when the strings are). */
export function constantTimeEqualText(a: string, b: string): boolean {
  return constantTimeEqual(ENC.encode(a), ENC.encode(b))
}
