/**
 * @module
 * The origin request's and the forwarded response's header lines as edits: a native copy of the
 * incoming head is changed only where the rules changed its lines (cheaper for the runtime than
 * Headers built line by line), and an unchanged head is recognised so it need not be touched.
 */

/** Lines by lower-case name, values in order. */
function byName(lines: readonly (readonly [string, string])[]): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const [n, v] of lines) {
    const k = n.toLowerCase()
    const vs = m.get(k)
    if (vs) vs.push(v)
    else m.set(k, [v])
  }
  return m
}

/** Same name (`a` as written, `b` as the runtime gives it: lower case) and value. */
function sameLine(b: readonly [string, string], a: readonly [string, string]): boolean {
  return b[1] === a[1] && (b[0] === a[0] || (b[0].length === a[0].length && b[0] === a[0].toLowerCase()))
}

/** The rules left the header lines as they were (same lines in the same order). */
export function sameHeaderLines(before: readonly (readonly [string, string])[], after: readonly (readonly [string, string])[]): boolean {
  if (before.length !== after.length) return false
  for (let i = 0; i < before.length; i++) if (!sameLine(before[i] as readonly [string, string], after[i] as readonly [string, string])) return false
  return true
}

/**
 * Makes `h` (holding `before`) hold `after`: only the names whose values changed are touched.
 *
 * The common case costs no map: `after` is `before` with lines removed (hop-by-hop, del-header) and
 * lines appended (add-header, set-header, forwardfor, cookies). Those removed names are deleted
 * and the appended lines appended, which leaves every name's values in `after`'s order as long as
 * no removed name keeps a line among the unchanged ones. Anything else (a line changed in place,
 * a partial removal) compares the two by name.
 */
export function applyHeaderChanges(h: Headers, before: readonly (readonly [string, string])[], after: readonly (readonly [string, string])[]): void {
  let j = 0
  let removed: string[] | undefined
  for (let i = 0; i < before.length; i++) {
    const b = before[i] as readonly [string, string]
    const a = after[j]
    if (a !== undefined && sameLine(b, a)) j++
    else {
      removed ??= []
      removed.push(b[0].toLowerCase())
    }
  }
  if (removed === undefined && j === after.length) return
  if (removed !== undefined) {
    for (let k = 0; k < j; k++) {
      if (removed.includes((after[k] as readonly [string, string])[0].toLowerCase())) return applyByName(h, before, after)
    }
    for (const n of removed) h.delete(n)
  }
  for (; j < after.length; j++) {
    const a = after[j] as readonly [string, string]
    h.append(a[0], a[1])
  }
}

/** applyHeaderChanges' general case: every name whose values differ is rewritten. */
function applyByName(h: Headers, before: readonly (readonly [string, string])[], after: readonly (readonly [string, string])[]): void {
  const was = byName(before)
  const now = byName(after)
  for (const k of was.keys()) if (!now.has(k)) h.delete(k)
  for (const [k, vs] of now) {
    const old = was.get(k)
    if (old && old.length === vs.length && old.every((v, i) => v === vs[i])) continue
    if (old) h.delete(k)
    for (const v of vs) h.append(k, v)
  }
}
