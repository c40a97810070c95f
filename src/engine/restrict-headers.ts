/**
 * @module
 * `option http-restrict-req-hdr-names delete|reject` (http_ana.c http_req_restrict_header_names),
 * applied after a proxy's http-request rules: header names with a character outside
 * [0-9A-Za-z-] are removed, or the request is denied with a 403.
 */
import type { HeaderList } from '../sample/headers.ts'

const BAD_NAME = /[^0-9A-Za-z-]/

/** Applies the option; returns true when the request must be denied. */
export function restrictHeaderNames(mode: 'delete' | 'reject' | undefined, headers: HeaderList): boolean {
  if (mode === undefined) return false
  if (mode === 'reject') return headers.entries().some(([n]) => BAD_NAME.test(n))
  headers.delete('', (n) => BAD_NAME.test(n))
  return false
}
