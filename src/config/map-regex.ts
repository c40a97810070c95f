/**
 * @module
 * The keys of a map file read by `map_reg`/`map_regm` are regexes: each must compile on the
 * linear-time engine (src/util/regex), as HAProxy refuses a map file whose regex does not compile.
 * Checked when a converter loads the file, so a bad line is an error on the converter's argument,
 * never a line the Worker skips in silence.
 */
import type { MapEntries } from '../routemap/schema.ts'
import { pcreToJs } from '../sample/match/pcre.ts'
import { compileRegex } from '../util/regex/index.ts'

export type MapRegexKind = 'reg' | 'regm'

/** Why the first key of `entries` cannot be used as a regex, or undefined when all can. */
export function badMapRegex(path: string, entries: MapEntries, kind: MapRegexKind): string | undefined {
  for (let i = 0; i < entries.length; i += 2) {
    const key = entries[i] as string
    const j = kind === 'regm' ? { source: key, flags: '' } : pcreToJs(key, false)
    if (!('source' in j)) return `map file <${path}>, entry ${i / 2 + 1}: ${j.error}`
    const r = compileRegex(j.source, j.flags)
    if (!r.ok) return `map file <${path}>, entry ${i / 2 + 1}: ${r.refusal ? `regex '${key}' cannot be used at the edge: ${r.error}` : `invalid regex '${key}': ${r.error}`}`
  }
  return undefined
}
