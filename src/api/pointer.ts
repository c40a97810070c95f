/**
 * @module
 * Stand-ins for the C pointers HAProxy prints as entry identifiers (`show map`, `show table`):
 * 12 hex digits derived from what the entry is, so an identifier stays valid while the entry
 * is unchanged and never designates another entry after edits.
 */

/** `0x` and 12 hex digits (48 bits of two FNV-1a-32 hashes of `s`), like a user-space %p. */
export function fakePointer(s: string): string {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193 ^ 0x5bd1e995
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0
  }
  const hi = (0x5500 | (h2 & 0xff)).toString(16)
  return `0x${hi}${h1.toString(16).padStart(8, '0')}`
}
