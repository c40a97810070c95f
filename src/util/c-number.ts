/**
 * @module
 * C's number parsing, as HAProxy's config and CLI parsers apply it: optional blanks and a sign, then
 * the leading digits, the rest ignored ("1k" is 1, "abc" is 0). A leaf: imports nothing.
 */

/** The leading integer of `text` as strtol reads it (blanks, sign, digits), or 0n when there is none. */
export function leadingInteger(text: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text)
  return m ? BigInt(m[1] as string) : 0n
}

/** C's atol on a 64-bit long. */
export function atol(text: string): number {
  return Number(BigInt.asIntN(64, leadingInteger(text)))
}

/** glibc's atoi: (int)strtol, so a value beyond 32 bits keeps its low 32 bits. */
export function atoi(text: string): number {
  return Number(BigInt.asIntN(32, BigInt.asIntN(64, leadingInteger(text))))
}
