/**
 * @module
 * Synchronous SHA-256 over UTF-8 text, so the compiler stays pure (no node:crypto, no async
 * crypto.subtle) and gives the same RouteMap hash in Node and in a Worker. The hash itself is
 * util/hashes.ts's.
 */
import { sha256 } from './hashes.ts'

/** Hex SHA-256 of the UTF-8 encoding of `text`. */
export function sha256Hex(text: string): string {
  let out = ''
  for (const b of sha256(new TextEncoder().encode(text))) out += b.toString(16).padStart(2, '0')
  return out
}

/** JSON with object keys sorted, so equal content hashes equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return v
  })
}
