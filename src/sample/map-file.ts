/**
 * @module
 * Pattern files (`acl ... -f FILE`) and map files (`map(FILE)`), read the way HAProxy's
 * pattern.c reads them (pat_ref_read_from_file, pat_ref_read_from_file_smp): a `#` in the first
 * column starts a comment, leading blanks are skipped, empty lines are ignored; in a map the key
 * ends at the first blank and the value is the rest of the line, without trailing blanks.
 */

function* lines(text: string): Generator<string> {
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.startsWith('#')) continue
    const s = line.replace(/^[ \t]+/, '')
    if (s !== '') yield s
  }
}

/** The patterns of a `-f` file, in file order. */
export function parsePatternFile(text: string): string[] {
  return [...lines(text)]
}

/** The [key, value] entries of a map file, in file order. */
export function parseMapFile(text: string): [string, string][] {
  const out: [string, string][] = []
  for (const s of lines(text)) {
    const m = /^([^ \t]+)[ \t]*(.*?)[ \t]*$/.exec(s)
    if (m) out.push([m[1] as string, m[2] as string])
  }
  return out
}
