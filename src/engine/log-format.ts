/**
 * @module
 * Renders compiled log-format strings for a request: literals, sample expressions (`%[…]`,
 * quoted with `%{+Q}`) and the aliases that make sense in header values (`%ci`, `%b`, …).
 */
import type { LogVar } from '../routemap/log-vars.ts'
import type { LogFormat } from '../routemap/schema.ts'
import type { FetchFn, Sample } from '../sample/types.ts'
import type { RequestState } from './request-state.ts'

export type Renderer = (ctx: RequestState) => string

/** Sample → text, as HAProxy casts to string (bool → 1/0, ip → address text). */
export function sampleToString(s: Sample): string {
  switch (s.type) {
    case 'bool':
      return s.value ? '1' : '0'
    case 'int':
      return String(s.value)
    case 'bin':
      return String.fromCharCode(...s.value)
    default:
      return s.value
  }
}

/** The variables a header value can render (the others write `-`: they are only known once the response is sent). */
const ALIASES: Readonly<Partial<Record<LogVar, (c: RequestState) => string>>> = {
  ci: (c) => c.src,
  cp: (c) => String(c.srcPort),
  fi: (c) => c.dst,
  fp: (c) => String(c.dstPort),
  f: (c) => c.frontend,
  ft: (c) => `${c.frontend}${c.ssl ? '~' : ''}`,
  b: (c) => c.backend ?? '<NOSRV>',
  s: (c) => c.server ?? '<NOSRV>',
  HM: (c) => c.method,
  HU: (c) => c.target,
  HP: (c) => c.path,
  HQ: (c) => (c.query === undefined ? '' : `?${c.query}`),
  HV: (c) => `HTTP/${c.version}`,
  r: (c) => `${c.method} ${c.target} HTTP/${c.version}`,
  H: () => 'edgeproxy',
  pid: () => '0',
  ST: (c) => (c.response ? String(c.response.status) : '-1'),
  Ts: () => String(Math.floor(Date.now() / 1000)),
  ms: () => String(Date.now() % 1000).padStart(3, '0'),
  t: () => new Date().toISOString(),
  T: () => new Date().toUTCString(),
  ID: (c) => c.uniqueId() ?? c.headers.first('cf-ray') ?? '',
}

const hex4 = (n: number): string => (n >>> 0).toString(16).toUpperCase().padStart(4, '0')
/** An IPv4 address as 8 hex digits (log.c lf_ip with LOG_OPT_HEXA); other addresses unchanged. */
function hexIp(ip: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip)
  return m
    ? m
        .slice(1)
        .map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0'))
        .join('')
    : ip
}

/** `%{+X}`: the aliases HAProxy writes in hexadecimal (log.c LOG_OPT_HEXA); others ignore the flag. */
const HEX_ALIASES: Readonly<Partial<Record<LogVar, (c: RequestState) => string>>> = {
  ci: (c) => hexIp(c.src),
  fi: (c) => hexIp(c.dst),
  cp: (c) => hex4(c.srcPort),
  fp: (c) => hex4(c.dstPort),
  Ts: () => hex4(Math.floor(Date.now() / 1000)),
  ms: () => (Date.now() % 1000).toString(16).toUpperCase().padStart(2, '0'),
  pid: () => '0000',
}

const HTTP_ENCODED = /[\x00-\x08\x0a-\x1f\x7f]/

/** log.c http_encode_map: the bytes HTTP contexts %-encode (CTLs except HTAB, and DEL). */
function httpEncode(text: string): string {
  if (!HTTP_ENCODED.test(text)) return text
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

/**
 * Builds a renderer once per isolate. `build` turns a compiled sample expression into a fetch.
 * `http` is HAProxy's LOG_OPT_HTTP, set for every header, URI, redirect and payload format
 * (http_act.c, http_htx.c, http_rules.c) and unset for `use_backend` names and `set-var-fmt`:
 * - HTTP: a sample expression is %-encoded (log.c lf_encode_chunk) and `+Q` does not apply to it;
 * - otherwise (lf_text_len): `+Q` wraps the text in double quotes, without escaping.
 * A missing sample renders as nothing (`""` when quoted outside HTTP). Aliases such as `%ci`
 * honour `+Q` in both.
 */
export function buildRenderer(fmt: LogFormat, build: (expr: import('../sample/expr.ts').SampleExpr) => FetchFn, http = true): Renderer {
  const parts = fmt.map((p): Renderer => {
    if ('lit' in p) {
      const lit = p.lit
      return () => lit
    }
    if ('alias' in p) {
      const f = (p.hex ? HEX_ALIASES[p.alias] : undefined) ?? ALIASES[p.alias] ?? (() => '-')
      return p.quote ? (c) => `"${f(c)}"` : f
    }
    const fetch = build(p.expr)
    const quote = p.quote && !http
    return (c) => {
      const r = fetch(c, false)
      const s = r === undefined ? undefined : Array.isArray(r) ? r[r.length - 1] : (r as Sample)
      const text = s === undefined ? '' : sampleToString(s)
      if (http) return httpEncode(text)
      return quote ? `"${text}"` : text
    }
  })
  if (parts.length === 1) return parts[0] as Renderer
  return (c) => {
    let out = ''
    for (const p of parts) out += p(c)
    return out
  }
}
