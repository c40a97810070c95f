/**
 * @module
 * What HAProxy checks of an errorfile when it loads it (http_htx.c `http_str_to_htx`, the H1
 * response parser): a whole HTTP/1 response head — a status line starting `HTTP/`, header lines
 * `name: value` with a token name, an empty line — then the body. An empty file is valid (an
 * empty answer). Anything else is refused with the parser's error offset, so a file that is not
 * an HTTP response (a `/etc/passwd`) never ends up in a RouteMap.
 */

/** RFC 9110 tchar: the characters of a header name. */
const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]$/

/**
 * The offset where `text` stops being an HTTP/1 response head, HAProxy's way: the first bad
 * character, or -2 when the head is not terminated; undefined when it parses.
 */
export function errorfileParseError(text: string): number | undefined {
  if (text === '') return undefined
  const prefix = 'HTTP/'
  for (let i = 0; i < prefix.length; i++) if (text[i] !== prefix[i]) return i
  const end = /\r?\n\r?\n/.exec(text)
  if (!end) return -2
  const head = text.slice(0, end.index)
  let pos = head.search(/\r?\n/)
  if (pos < 0) return undefined
  while (pos < head.length) {
    pos += head[pos] === '\r' ? 2 : 1
    const next = head.slice(pos).search(/\r?\n/)
    const lineEnd = next < 0 ? head.length : pos + next
    const line = head.slice(pos, lineEnd)
    const colon = line.indexOf(':')
    for (let i = 0; i < (colon < 0 ? line.length : colon); i++) if (!TCHAR.test(line[i] as string)) return pos + i
    if (colon <= 0) return pos + (colon < 0 ? line.length : 0)
    pos = lineEnd
  }
  return undefined
}
