/**
 * @module
 * Access log lines as HAProxy writes them (log.c sess_build_logline, reference §11): the
 * `option httplog`, `option httplog clf` and `option tcplog` formats and custom `log-format`
 * strings. Verified against HAProxy 2.6 (test/diff/logs.test.ts, test/unit/log/httplog.test.ts).
 *
 * Rendering rules kept from HAProxy: a run of spaces is one separator, written only after
 * something non-empty (an empty `%hr` leaves no double space); `%{+Q}` quotes text fields (names,
 * addresses, the request line, samples), never numbers; an absent text field is `-` (`""` when
 * quoted); `%r` escapes `"`, `#` and non-printable bytes as `#XX`. Dates are UTC (the edge's
 * clock), where HAProxy uses the host's local time for `%t` / `%tr`.
 */
import { sampleToString } from '../engine/log-format.ts'
import type { LogFormat, MapEntries, ProcVar } from '../routemap/schema.ts'
import type { FetchFn, ProxyStateView, Sample } from '../sample/types.ts'
import { buildSampleExpr, type SampleExpr } from '../sample/expr.ts'
import { defaultRegistry } from '../sample/index.ts'
import type { SampleRegistry } from '../sample/registry.ts'
import type { AccessLogEntry } from './entry.ts'
import type { LogVar } from '../routemap/log-vars.ts'

/** Extra context for a few aliases: `%rt`/`%lc` counters, `%H`, `%pid`. */
export interface LogContext {
  /** `%rt`: this isolate's request counter. */
  readonly requestCounter?: number
  readonly hostname?: string
  readonly pid?: number
}

export type LogLine = (e: AccessLogEntry, cx?: LogContext) => string

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n))
const p3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n))

/** `dd/Mon/yyyy:HH:MM:SS` in UTC. */
function dateBase(ms: number): string {
  const d = new Date(ms)
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`
}

/** `%t` / `%tr`: `dd/Mon/yyyy:HH:MM:SS.mmm`. */
export function logDate(ms: number): string {
  return `${dateBase(ms)}.${p3(((ms % 1000) + 1000) % 1000)}`
}

/** log.c url_encode_map with '#': `"`, `#`, bytes < 32 and ≥ 127. */
function encodeRequestLine(s: string): string {
  return s.replace(/[\x00-\x1f"#\x7f-\uffff]/g, (c) => {
    const code = c.charCodeAt(0)
    return code > 0xff ? c : `#${code.toString(16).toUpperCase().padStart(2, '0')}`
  })
}

/** log.c hdr_encode_map with '#': `"`, `#`, `{`, `|`, `}`, bytes < 32 and ≥ 127. */
function encodeHeader(s: string): string {
  return s.replace(/[\x00-\x1f"#{|}\x7f-\uffff]/g, (c) => {
    const code = c.charCodeAt(0)
    return code > 0xff ? c : `#${code.toString(16).toUpperCase().padStart(2, '0')}`
  })
}

/** `%hr`/`%hs`: `{v1|v2}` (an empty slot stays empty); nothing at all when the frontend has no slot. */
const capturedBlock =
  (dir: 'request' | 'response'): AliasFn =>
  (e) => {
    const v = e.request?.captures?.[dir]
    return v && v.length > 0 ? { text: `{${v.map((x) => (x === undefined ? '' : encodeHeader(x))).join('|')}}`, quotable: true } : ''
  }

/** `%hrl`/`%hsl`: the values separated by spaces, `-` for an empty slot. */
const capturedList =
  (dir: 'request' | 'response'): AliasFn =>
  (e) => {
    const v = e.request?.captures?.[dir]
    return v && v.length > 0 ? v.map((x) => (x === undefined ? '-' : encodeHeader(x))).join(' ') : ''
  }

const sum = (...t: number[]): number => t.reduce((a, b) => a + Math.max(b, 0), 0)

/** Renders one alias: `text` fields may be quoted, numbers never. */
type AliasFn = (e: AccessLogEntry, cx: LogContext) => { readonly text: string | undefined; readonly quotable: boolean } | string

const num =
  (f: (e: AccessLogEntry) => number): AliasFn =>
  (e) =>
    String(f(e))
const txt =
  (f: (e: AccessLogEntry, cx: LogContext) => string | undefined): AliasFn =>
  (e, cx) => ({ text: f(e, cx), quotable: true })

const query = (uri: string): string => {
  const i = uri.indexOf('?')
  return i < 0 ? '' : uri.slice(i)
}
const path = (uri: string): string => {
  const i = uri.indexOf('?')
  return i < 0 ? uri : uri.slice(0, i)
}

/** Every variable of the vocabulary (src/routemap/log-vars.ts) and how the access log writes it. */
const ALIAS_FNS: Readonly<Record<LogVar, AliasFn>> = {
  ci: txt((e) => e.clientIp),
  cp: num((e) => e.clientPort),
  fi: txt((e) => e.frontendIp),
  fp: num((e) => e.frontendPort),
  bi: txt(() => undefined),
  bp: txt(() => undefined),
  si: txt(() => undefined),
  sp: txt(() => undefined),
  f: txt((e) => e.frontend),
  ft: txt((e) => (e.ssl ? `${e.frontend}~` : e.frontend)),
  b: txt((e) => e.backend),
  s: txt((e) => e.server),
  ST: num((e) => e.status),
  B: num((e) => e.bytesOut),
  U: num((e) => e.bytesIn),
  CC: txt(() => undefined),
  CS: txt(() => undefined),
  hr: capturedBlock('request'),
  hs: capturedBlock('response'),
  hrl: capturedList('request'),
  hsl: capturedList('response'),
  ts: (e) => e.termination.slice(0, 2),
  tsc: (e) => e.termination,
  ac: num((e) => e.actconn),
  fc: num((e) => e.feconn),
  bc: num((e) => e.beconn),
  sc: num((e) => e.srvconn),
  rc: (e) => (e.redispatched ? `+${e.retries}` : String(e.retries)),
  sq: num((e) => e.srvQueue),
  bq: num((e) => e.backendQueue),
  rt: (_e, cx) => String(cx.requestCounter ?? 0),
  lc: (_e, cx) => String(cx.requestCounter ?? 0),
  r: txt((e) => encodeRequestLine(`${e.method} ${e.uri} ${e.version}`)),
  HM: txt((e) => e.method),
  HU: txt((e) => e.uri),
  HP: txt((e) => path(e.uri)),
  HPO: txt((e) => path(e.uri)),
  HQ: txt((e) => query(e.uri)),
  HV: txt((e) => e.version),
  H: txt((_e, cx) => cx.hostname ?? 'edgeproxy'),
  ID: txt((e) => e.request?.uniqueId() ?? e.request?.headers.first('cf-ray') ?? undefined),
  pid: (_e, cx) => String(cx.pid ?? 0),
  sslc: txt(() => undefined),
  sslv: txt(() => undefined),
  Th: num((e) => e.Th),
  Ti: num((e) => e.Ti),
  TR: num((e) => e.TR),
  Tq: num((e) => (e.Th < 0 || e.Ti < 0 || e.TR < 0 ? -1 : e.Th + e.Ti + e.TR)),
  Tw: num((e) => e.Tw),
  Tc: num((e) => e.Tc),
  Tr: num((e) => e.Tr),
  Td: num((e) => e.Td),
  Ta: num((e) => e.Ta),
  Tt: num((e) => e.Tt),
  Tu: num((e) => sum(e.Th, e.TR, e.Tw, e.Tc, e.Tr, e.Td)),
  t: (e) => logDate(e.acceptDate),
  tr: (e) => logDate(e.acceptDate),
  trg: (e) => `${dateBase(e.acceptDate)} +0000`,
  trl: (e) => `${dateBase(e.acceptDate)} +0000`,
  T: (e) => `${dateBase(e.acceptDate)} +0000`,
  Tl: (e) => `${dateBase(e.acceptDate)} +0000`,
  Ts: (e) => String(Math.floor(e.acceptDate / 1000)),
  ms: (e) => p3(((e.acceptDate % 1000) + 1000) % 1000),
}

type Part = (e: AccessLogEntry, cx: LogContext) => string
const SEP: Part = () => ' '

/**
 * What the line is made of: literal text, separators (a run of spaces: HAProxy writes one space,
 * and none after another separator or at the start), variables and sample expressions.
 */
type LogNode =
  | { readonly t: 'lit'; readonly text: string }
  | { readonly t: 'sep' }
  | { readonly t: 'alias'; readonly name: LogVar; readonly quote: boolean }
  | { readonly t: 'expr'; readonly expr: SampleExpr; readonly quote: boolean }

/** Splits literal text into text and separator nodes. */
function pushLit(out: LogNode[], text: string): void {
  let i = 0
  while (i < text.length) {
    if (text[i] === ' ') {
      while (text[i] === ' ') i++
      out.push({ t: 'sep' })
      continue
    }
    let j = i
    while (j < text.length && text[j] !== ' ') j++
    out.push({ t: 'lit', text: text.slice(i, j) })
    i = j
  }
}

/** A compiled LogFormat as log nodes (the access log merges spaces, log.c LOG_OPT_MERGE_SPACES). */
function logNodes(fmt: LogFormat): LogNode[] {
  const out: LogNode[] = []
  for (const p of fmt) {
    if ('lit' in p) pushLit(out, p.lit)
    else if ('alias' in p) out.push({ t: 'alias', name: p.alias, quote: p.quote })
    else out.push({ t: 'expr', expr: p.expr, quote: p.quote })
  }
  return out
}

/** Compiles a format once; the result renders entries. `registry` builds `%[…]` samples. */
export function compileLogLine(
  fmt: LogFormat,
  registry: SampleRegistry = defaultRegistry,
  maps?: Readonly<Record<string, MapEntries>>,
  procVars?: Readonly<Record<string, ProcVar>>,
  proxies?: ProxyStateView,
): LogLine {
  const nodes = logNodes(fmt)
  const build = (e: SampleExpr): FetchFn | undefined => {
    try {
      return buildSampleExpr(e, registry, { map: (id) => maps?.[id] ?? [], ...(procVars ? { procVar: (n: string) => procVars[n] as Sample | undefined } : {}), ...(proxies ? { proxies } : {}) })
    } catch {
      return undefined
    }
  }
  const parts: Part[] = nodes.map((n): Part => {
    switch (n.t) {
      case 'sep':
        return SEP
      case 'lit': {
        const text = n.text
        return () => text
      }
      case 'alias': {
        const f = ALIAS_FNS[n.name]
        const quote = n.quote
        return (e, cx) => {
          const v = f(e, cx)
          if (typeof v === 'string') return v
          if (v.text === undefined || v.text === '') return quote ? '""' : '-'
          return quote ? `"${v.text}"` : v.text
        }
      }
      case 'expr': {
        const fetch = build(n.expr)
        const quote = n.quote
        return (e) => {
          const r = fetch && e.request ? fetch(e.request, false) : undefined
          const s = r === undefined ? undefined : Array.isArray(r) ? r[r.length - 1] : (r as Sample)
          if (s === undefined) return quote ? '""' : '-'
          const text = sampleToString(s)
          return quote ? `"${text}"` : text
        }
      }
      default:
        return () => ''
    }
  })
  const isSep = parts.map((p) => p === SEP)
  return (e, cx = {}) => {
    let out = ''
    // HAProxy starts as if after a space: no leading separator, none after another.
    let lastSpace = true
    for (let i = 0; i < parts.length; i++) {
      if (isSep[i]) {
        if (!lastSpace) {
          out += ' '
          lastSpace = true
        }
        continue
      }
      const s = (parts[i] as Part)(e, cx)
      if (s === '') continue
      out += s
      lastSpace = false
    }
    return out
  }
}

/**
 * One access log line for `entry` in the compiled `fmt`. Compiles the format on each call: the sink
 * (src/log/sink.ts) compiles once per frontend instead.
 */
export function formatLogLine(entry: AccessLogEntry, fmt: LogFormat, cx: LogContext = {}, registry?: SampleRegistry): string {
  return compileLogLine(fmt, registry)(entry, cx)
}
