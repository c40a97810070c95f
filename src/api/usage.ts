/**
 * @module
 * The CLI's help and "Unknown command" messages, as cli.c `cli_gen_usage_msg` builds them in
 * HAProxy 2.6: commands whose leading words match the input exactly; when the next word does
 * not, up to 5 fuzzy candidates ranked by the distance between word fingerprints
 * (tools.c `update_word_fingerprint`, `word_fingerprint_distance`); usage lines sorted with
 * strcmp; then the three built-in lines (help, prompt, quit).
 */

/** What the usage message needs of a command. */
export interface UsageEntry {
  readonly words: readonly string[]
  /** The usage line (`show backend                            : list backends…`); none: hidden. */
  readonly usage?: string
}

/** cli.c CLI_PREFIX_KW_NB, CLI_MAX_MATCHES */
const PREFIX_WORDS = 5
const MAX_MATCHES = 5

const TRAILER =
  '  help [<command>]                        : list matching or all commands\n' +
  '  prompt                                  : toggle interactive mode with prompt\n' +
  '  quit                                    : disconnect\n'

/** tools.c update_word_fingerprint: letter-pair transitions of `word` into a 1024-slot table. */
export function updateWordFingerprint(fp: Uint8Array, word: string): void {
  let from = 28
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i) | (word.charCodeAt(i) >= 65 && word.charCodeAt(i) <= 90 ? 0x20 : 0)
    let to: number
    if (c >= 97 && c <= 122) to = c - 97 + 1
    else if (c >= 48 && c <= 57) to = 27
    else to = 28
    fp[to] = 1
    fp[32 * from + to] = ((fp[32 * from + to] ?? 0) + 1) & 255
    from = to
  }
  fp[32 * from + 28] = ((fp[32 * from + 28] ?? 0) + 1) & 255
}

/** tools.c word_fingerprint_distance */
export function wordFingerprintDistance(a: Uint8Array, b: Uint8Array): number {
  let d = 0
  for (let i = 0; i < 1024; i++) d += Math.abs((a[i] ?? 0) - (b[i] ?? 0))
  return d
}

/** C strcmp on byte strings (usage lines are ASCII). */
function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Number of leading words of `args` that some entry matches exactly. */
function matchedLength(entries: readonly UsageEntry[], args: readonly string[]): number {
  let length = 0
  for (const kw of entries) {
    for (let idx = 0; idx < PREFIX_WORDS; idx++) {
      const w = kw.words[idx]
      const a = args[idx]
      if (w === undefined || !a || w !== a) break
      if (idx + 1 > length) length = idx + 1
    }
  }
  return length
}

function prefixMatches(kw: UsageEntry, args: readonly string[], length: number): boolean {
  let idx = 0
  for (; idx < length; idx++) {
    const w = kw.words[idx]
    const a = args[idx]
    if (w === undefined || !a || w !== a) break
  }
  return idx === length
}

/**
 * The message for `args` (the words of a command nobody handles), or for `help [words…]` when
 * args[0] is `help`. Ends with a newline; the caller adds the CLI's empty line.
 */
export function usageMessage(entries: readonly UsageEntry[], argsIn: readonly string[]): string {
  let args = argsIn
  let isHelp = false
  if (args[0] === 'help') {
    args = args.slice(1)
    isHelp = true
  }
  const length = matchedLength(entries, args)
  let out: string
  if (isHelp) out = 'The following commands are valid at this level:\n'
  else if (!length && !args[0]) out = 'Unknown command. Please enter one of the following commands only:\n'
  else out = 'Unknown command, but maybe one of the following ones is a better match:\n'

  const matches: { kw: UsageEntry; dist: number }[] = []
  const next = args[length]
  if (next) {
    for (const kw of entries) {
      if (!kw.usage || !prefixMatches(kw, args, length)) continue
      const wordSig = new Uint8Array(1024)
      const listSig = new Uint8Array(1024)
      let totlen = 0
      for (let i = length; i < PREFIX_WORDS && args[i]; i++) {
        updateWordFingerprint(wordSig, args[i] as string)
        totlen += (args[i] as string).length
      }
      for (let i = length; i < PREFIX_WORDS && kw.words[i] !== undefined; i++) {
        updateWordFingerprint(listSig, kw.words[i] as string)
        totlen += (kw.words[i] as string).length
      }
      const dist = wordFingerprintDistance(wordSig, listSig)
      const worst = matches.length < MAX_MATCHES ? Number.MAX_SAFE_INTEGER : (matches[MAX_MATCHES - 1] as { dist: number }).dist
      if (dist < Math.trunc((5 * totlen) / 2) && dist < worst) {
        if (matches.length >= MAX_MATCHES) matches.pop()
        // insert after every entry with a distance <= dist (cli.c keeps earlier ones first)
        let at = matches.length
        while (at > 0 && (matches[at - 1] as { dist: number }).dist > dist) at--
        matches.splice(at, 0, { kw, dist })
      }
    }
  }
  const chosen: UsageEntry[] = []
  if (matches.length > 0) {
    const best = (matches[0] as { dist: number }).dist
    for (const m of matches) {
      if (m.dist > Math.trunc((5 * best) / 2)) break
      chosen.push(m.kw)
    }
  } else {
    for (const kw of entries) if (kw.usage && prefixMatches(kw, args, length)) chosen.push(kw)
  }
  chosen.sort((a, b) => strcmp(a.usage ?? '', b.usage ?? ''))
  for (const kw of chosen) out += `  ${kw.usage}\n`
  return out + TRAILER
}
