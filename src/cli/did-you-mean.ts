/**
 * @module
 * "Did you mean …?" for the command line: the known name closest to a mistyped option or command,
 * by edit distance (insertions, deletions, substitutions and swaps of two neighbours each cost 1).
 * Only near misses are suggested: at most one edit per three characters of the typed name, and at
 * most two, so `--demo-orgins` suggests `--demo-origins` while `--bogus-flag` suggests nothing.
 */

/** Optimal string alignment distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  // d[i][j]: distance between the first i characters of a and the first j of b.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[]
    const prev = d[i - 1] as number[]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1)
      row[j] = v
    }
  }
  return (d[a.length] as number[])[b.length] as number
}

/** The candidate nearest to `typed`, if it is a near miss (see the module comment); ties go to the first. */
export function didYouMean(typed: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.floor(typed.length / 3))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const c of candidates) {
    const dist = editDistance(typed, c)
    if (dist < bestDistance) {
      best = c
      bestDistance = dist
    }
  }
  return best
}
