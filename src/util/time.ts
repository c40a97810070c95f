/**
 * @module
 * HAProxy's time values (tools.c parse_time_err in 2.6, doc 2.5 "Time format"): read by the config
 * compiler and by sample expressions (`table_*` periods, converter arguments). A leaf: imports nothing.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T /** Accepted with a warning (HAProxy's wording). */; readonly warning?: string } | { readonly ok: false; readonly error: string }

const ok = <T>(value: T, warning?: string): Parsed<T> => (warning === undefined ? { ok: true, value } : { ok: true, value, warning })
const err = <T>(error: string): Parsed<T> => ({ ok: false, error })

/** Unit factors in microseconds, as tools.c parse_time_err reads them after the digits. */
const UNIT_US: Readonly<Record<'ms' | 's', bigint>> = { ms: 1000n, s: 1_000_000n }

/**
 * A time (tools.c parse_time_err in HAProxy 2.6), returned in milliseconds. Digits, then an optional
 * unit `us`, `ms`, `s`, `m`, `h` or `d`; a bare number is in `defaultUnit`. Anything after a
 * recognised unit (`15min`, `10sec`) is accepted with HAProxy 2.6's warning, the unit read so far
 * applying. The value is rounded up to the default unit and must stay below 2^31 of it.
 */
export function parseTime(text: string, defaultUnit: 'ms' | 's' = 'ms'): Parsed<number> {
  const m = /^(\d+)(.*)$/s.exec(text)
  if (!m) return err(text === '' ? `expects an integer value (in ${defaultUnit === 'ms' ? 'milliseconds' : 'seconds'})` : `unexpected character '${text[0]}' in time '${text}'`)
  const value = BigInt.asUintN(64, BigInt(m[1] as string))
  const rest = m[2] as string
  const out = UNIT_US[defaultUnit]
  let inUs: bigint
  let tail: string
  if (rest === '') {
    inUs = out
    tail = ''
  } else {
    const u = /^(us|ms|s|m|h|d)/.exec(rest)?.[1]
    if (u === undefined) return err(`unexpected character '${rest[0]}' in time '${text}' (units: us, ms, s, m, h, d)`)
    inUs = { us: 1n, ms: 1000n, s: 1_000_000n, m: 60_000_000n, h: 3_600_000_000n, d: 86_400_000_000n }[u] as bigint
    tail = rest.slice(u.length)
  }
  const result = (value * inUs + out - 1n) / out
  if (result >= 0x80000000n) {
    return err(`timer overflow in '${text}' (maximum value is 2147483647 ${defaultUnit === 'ms' ? 'ms or ~24.8 days' : 's or ~68 years'})`)
  }
  if (result === 0n && value !== 0n) return err(`timer underflow in '${text}' (minimum non-null value is 1 ${defaultUnit})`)
  const warning =
    tail === ''
      ? undefined
      : `unexpected character '${tail[0]}' after the timer value '${text}', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.`
  return ok(Number(result) * (defaultUnit === 's' ? 1000 : 1), warning)
}
