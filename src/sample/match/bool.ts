/**
 * @module
 * `-m bool` (pattern.c pat_match_nothing): the sample is cast to an integer and matches when it
 * is not zero; a boolean matches when true. Patterns, if any, are ignored.
 */
import { castTo } from '../cast.ts'
import type { MatchDef, Sample } from '../types.ts'

function truthy(sample: Sample): boolean {
  if (sample.type === 'bool') return sample.value
  if (sample.type === 'int') return sample.value !== 0
  const n = castTo(sample, 'int')
  return n?.type === 'int' && n.value !== 0
}

export const bool: MatchDef = {
  name: 'bool',
  accepts: ['bool', 'int'],
  takesPatterns: false,
  prepare: () => null,
  build: () => truthy,
}
