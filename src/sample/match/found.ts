/**
 * @module
 * `-m found` (pattern.c: no match function): the ACL matches whenever the fetch returned a
 * sample, even an empty one. Patterns, if any, are ignored like HAProxy does.
 */
import type { MatchDef } from '../types.ts'

export const found: MatchDef = {
  name: 'found',
  accepts: ['bool', 'int', 'str', 'bin', 'ip', 'meth'],
  takesPatterns: false,
  prepare: () => null,
  build: () => () => true,
}
