/**
 * @module
 * "Did you mean" suggestions: the closest known name to a misspelt one (config keywords, sample
 * fetches and converters, runtime API commands, command-line options and commands). A leaf:
 * imports nothing.
 */

/**
 * Optimal string alignment distance between `a` and `b`: insertions, deletions, substitutions and
 * swaps of two neighbours each cost 1.
 */
export function editDistance(a: string, b: string): number {
  // Three rows: i-2, i-1 and i.
  let older: number[] = []
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (older[j - 2] as number) + 1)
      row.push(v)
    }
    older = prev
    prev = row
  }
  return prev[b.length] as number
}

/**
 * The closest candidate (case-insensitive) within `maxDistance` edits (by default one per three
 * characters of the word, at least two), or undefined; ties go to the first.
 */
export function closest(word: string, candidates: Iterable<string>, maxDistance = Math.max(2, Math.floor(word.length / 3))): string | undefined {
  let best: string | undefined
  let bestD = maxDistance + 1
  const w = word.toLowerCase()
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase())
    if (d < bestD) {
      bestD = d
      best = c
    }
  }
  return best
}
