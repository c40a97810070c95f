/**
 * @module
 * "Did you mean …?" for the command line: only near misses are suggested, at most one edit per
 * three characters of the typed name and at most two, so `--demo-orgins` suggests
 * `--demo-origins` while `--bogus-flag` suggests nothing. The distance is src/util/closest.ts's.
 */
import { closest } from '../util/closest.ts'

export { editDistance } from '../util/closest.ts'

/** The candidate nearest to `typed`, if it is a near miss (see the module comment); ties go to the first. */
export function didYouMean(typed: string, candidates: Iterable<string>): string | undefined {
  return closest(typed, candidates, Math.min(2, Math.floor(typed.length / 3)))
}
