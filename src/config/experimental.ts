/**
 * @module
 * `expose-experimental-directives` (global): HAProxy 2.6 refuses its experimental keywords and
 * actions (KWF_EXPERIMENTAL, e.g. `http-request normalize-uri`) unless this directive was read
 * before them. Recorded per compile run (per Services object).
 */
import type { Services } from './services.ts'

const ALLOWED = new WeakSet<Services>()

export function allowExperimental(sv: Services): void {
  ALLOWED.add(sv)
}

export function experimentalAllowed(sv: Services): boolean {
  return ALLOWED.has(sv)
}
