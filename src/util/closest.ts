/**
 * @module
 * "Did you mean" suggestions: the closest known name to a misspelt one (config keywords, sample
 * fetches and converters, runtime API commands). A leaf: imports nothing.
 */

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost)
      diag = up
    }
  }
  return prev[b.length] ?? 0
}

/** The closest candidate within a distance that scales with the word, or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase())
    if (d < bestD) {
      bestD = d
      best = c
    }
  }
  return best
}
