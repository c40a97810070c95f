/**
 * @module
 * Argument helpers shared by keyword handlers: arity checks and typed values with positions.
 */
import { parseTime } from '../../util/time.ts'
import { parseIntIn } from '../values.ts'
import type { Word } from '../lexer.ts'
import type { Services } from '../services.ts'
import type { Statement } from './types.ts'

export function kwName(st: Statement): string {
  return st.keyword.map((w) => w.text).join(' ')
}

/** Checks the argument count; reports with the usage string. */
export function arity(st: Statement, sv: Services, min: number, max: number, usage: string): boolean {
  const n = st.args.length
  const last = st.keyword[st.keyword.length - 1] as Word
  if (n < min) {
    sv.diag.error('missing-argument', last.span, `'${kwName(st)}' expects ${usage}`, { help: `usage: ${kwName(st)} ${usage}` })
    return false
  }
  if (n > max) {
    const extra = st.args[max] as Word
    sv.diag.error('too-many-arguments', extra.span, `'${kwName(st)}' cannot handle unexpected argument '${extra.text}'`, {
      help: `usage: ${kwName(st)} ${usage}`,
    })
    return false
  }
  return true
}

export function timeArg(w: Word, sv: Services, what: string, unit: 'ms' | 's' = 'ms'): number | undefined {
  const r = parseTime(w.text, unit)
  if (!r.ok) {
    sv.diag.error('invalid-argument', w.span, `${what}: ${r.error}`)
    return undefined
  }
  if (r.warning) timeWarning(w, sv, r.warning)
  return r.value
}

/** parse_time_err's warning for characters after a time unit (`15min`): accepted by HAProxy 2.6. */
export function timeWarning(w: Word, sv: Services, warning: string): void {
  sv.diag.warning('deprecated', w.span, warning, { help: `write the unit alone (${w.text.replace(/^(\d+(?:us|ms|s|m|h|d)).*$/, "'$1'")})` })
}

export function intArg(w: Word, sv: Services, what: string, min: number, max: number): number | undefined {
  const r = parseIntIn(w.text, min, max, what)
  if (!r.ok) {
    sv.diag.error('outOfRange' in r ? 'out-of-range' : 'invalid-argument', w.span, r.error)
    return undefined
  }
  return r.value
}

/** Index of the `if`/`unless` word in `args`, or args.length. */
export function condStart(args: readonly Word[]): number {
  const i = args.findIndex((w) => !w.quoted && (w.text === 'if' || w.text === 'unless'))
  return i < 0 ? args.length : i
}
