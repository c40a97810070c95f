/**
 * @module
 * The stats page (`stats uri`), as HAProxy 2.6's stats applet serves it (stats.c, http_ana.c
 * `http_handle_stats`, reference §8):
 *
 * - `stats auth user:pass` (repeatable): Basic auth, else **401** with
 *   `WWW-Authenticate: Basic realm="<realm>"` and HAProxy's 401 page;
 * - URL options anywhere after the prefix: `;csv`, `;json`, `;typed`, `;up` (hide DOWN servers),
 *   `;no-maint`, `;norefresh`, `;st=<CODE>` (the admin result banner), `?scope=<text>`
 *   (case-insensitive proxy-name substring, at most 20 characters);
 * - `Refresh: <seconds>` with `stats refresh` unless `;norefresh`, `Cache-Control: no-cache`;
 * - the HTML page: "General process information", the colour legend, display options, then one
 *   table per proxy (FRONTEND, listeners, servers, BACKEND) with HAProxy's column groups and
 *   per-state row classes (`active_up`, `active_down`, `active_draining`, `maintain`…);
 * - admin mode (`deps.isAdmin`): per-backend forms whose POST is applied through
 *   `deps.applyAdmin` and answered `303 See Other` (src/stats/admin.ts); a POST without admin
 *   rights gets `303` to `;st=DENY`, like HAProxy.
 *
 * Rows carry stable selectors for tools and browser tests: `tr[data-proxy][data-server]`
 * (`data-server` is `FRONTEND`, `BACKEND`, the listener or the server name), `data-status`, and
 * value cells `td[data-f=<CSV column>]` (`td.status` holds the Status column).
 */
import { errorResponse } from '../engine/errors.ts'
import { parseAuthorization } from '../sample/fetches/http.ts'
import { textOf } from '../sample/fetches/util.ts'
import type { AdminPatch } from '../ops/types.ts'
import type { StatsInput } from './input.ts'
import type { StatsSettings } from '../routemap/schema.ts'
import { constantTimeEqualText } from '../util/constant-time.ts'
import { escapeHtml as esc } from '../util/html.ts'
import { adminFormEnd, checkAllHeader, MAX_ADMIN_BODY, processAdminPost, STAT_CODES, type StatCode, serverCheckbox } from './admin.ts'
import { renderCsv } from './csv.ts'
import { STAT_COLUMNS_26, type StatRow, statRows } from './fields.ts'
import { STATS_CSS, STATS_LEGEND } from './page-assets.ts'
import { renderStatJson, renderTyped } from './typed.ts'

export interface StatsPageDeps {
  /** Reads the counters, health and admin state (called once per request that needs them). */
  readonly input: () => Promise<StatsInput>
  /** `stats admin if <cond>` matched for this request. */
  readonly isAdmin: boolean
  readonly applyAdmin: (backend: string, server: string, patch: AdminPatch) => Promise<void>
  /** edgeproxy's version, shown unless `stats hide-version`. */
  readonly version: string
  readonly hideVersion?: boolean
  /** The proxy serving the page: what `stats scope .` means. */
  readonly proxy?: string
}

/** HAProxy's default `stats realm`. */
export const DEFAULT_REALM = 'HAProxy Statistics'
/** STAT_SCOPE_TXT_MAXLEN */
const SCOPE_MAX = 20

export type StatsFormat = 'html' | 'csv' | 'json' | 'typed'

/** What the URL asks for (http_handle_stats). */
export interface StatsUrlOptions {
  readonly format: StatsFormat
  /** `;up` */
  readonly hideDown: boolean
  /** `;no-maint` */
  readonly noMaint: boolean
  /** `;norefresh` (only meaningful with `stats refresh`). */
  readonly noRefresh: boolean
  /** `;st=<CODE>`; unknown codes read as UNKN. */
  readonly st?: StatCode
  /** `scope=<text>` ('' when absent or invalid). */
  readonly scope: string
}

/** The request target (path and query) the options are read from. */
function targetOf(req: Request): string {
  try {
    const u = new URL(req.url)
    return u.pathname + u.search
  } catch {
    return req.url
  }
}

/** Parses the options after the stats prefix, each found anywhere in the rest of the URI like HAProxy. */
export function parseStatsUrl(target: string, settings: StatsSettings): StatsUrlOptions {
  const rest = target.startsWith(settings.uri) ? target.slice(settings.uri.length) : target
  let format: StatsFormat = 'html'
  if (rest.includes(';csv')) format = 'csv'
  if (rest.includes(';typed')) format = 'typed'
  // `;json-schema` also selects JSON (edgeproxy serves no schema).
  if (rest.includes(';json')) format = 'json'
  let st: StatCode | undefined
  const sti = rest.indexOf(';st=')
  if (sti >= 0 && sti <= rest.length - 8) {
    const code = rest.slice(sti + 4, sti + 8)
    st = STAT_CODES.find((c) => c === code) ?? 'UNKN'
  }
  let scope = ''
  const si = rest.indexOf('scope=')
  if (si >= 0 && si <= rest.length - 8) {
    const m = /^[^;& ]*/.exec(rest.slice(si + 6))
    scope = (m?.[0] ?? '').slice(0, SCOPE_MAX)
    // invalid_char(): only printable characters, no '"' (the text goes back into links).
    if (/[^\x21-\x7e]|["<>]/.test(scope)) scope = ''
  }
  return {
    format,
    hideDown: rest.includes(';up'),
    noMaint: rest.includes(';no-maint'),
    noRefresh: (settings.refreshMs ?? 0) > 0 && rest.includes(';norefresh'),
    ...(st ? { st } : {}),
    scope,
  }
}

const ENC = new TextEncoder()

/**
 * Basic auth against `stats auth user:pass` entries, as HAProxy checks them (`http_auth` on its
 * internal userlist: the Authorization header read by get_http_auth, the first entry with the
 * user's name deciding, passwords compared as written).
 */
export function checkBasicAuth(authorization: string | null, auth: readonly string[]): boolean {
  if (auth.length === 0) return true
  const a = authorization === null ? undefined : parseAuthorization(authorization)
  if (a?.method !== 'Basic' || a.user === undefined || a.pass === undefined) return false
  // The header's user and password are latin-1 text of its bytes: compare the entries' bytes alike.
  const user = a.user
  const pass = a.pass
  const bytes = (s: string): string => textOf(ENC.encode(s))
  let found = false
  let ok = false
  for (const entry of auth) {
    const i = entry.indexOf(':')
    const u = i < 0 ? entry : entry.slice(0, i)
    const p = i < 0 ? '' : entry.slice(i + 1)
    const userMatch = constantTimeEqualText(bytes(u), user)
    const passMatch = constantTimeEqualText(bytes(p), pass)
    if (userMatch && !found) {
      found = true
      ok = passMatch
    }
  }
  return ok
}

/** The 401 HAProxy's implicit `http-request auth realm <realm>` sends. */
export function unauthorized(realm: string, head = false): Response {
  const page = errorResponse(401)
  const headers = new Headers()
  for (const [n, v] of page.headers) headers.append(n, v)
  headers.set('www-authenticate', `Basic realm="${realm || DEFAULT_REALM}"`)
  return new Response(head ? null : page.body, { status: 401, statusText: page.reason, headers })
}

/** `?scope=<text>` as HAProxy appends it to its links (STAT_SCOPE_PATTERN). */
function scopeSuffix(o: StatsUrlOptions): string {
  return o.scope ? `?scope=${o.scope}` : ''
}

/** The 303 after a POST: `<uri>;st=<CODE>[;up][;norefresh][?scope=<text>]`, empty body. */
export function adminRedirect(settings: StatsSettings, o: StatsUrlOptions, code: StatCode): Response {
  const location = `${settings.uri};st=${code}${o.hideDown ? ';up' : ''}${o.noRefresh ? ';norefresh' : ''}${scopeSuffix(o)}`
  return new Response(null, {
    status: 303,
    statusText: 'See Other',
    headers: { 'cache-control': 'no-cache', 'content-type': 'text/plain', 'content-length': '0', location },
  })
}

/** Rows to show: `;up`/`;no-maint` through statRows, then `stats scope` and `?scope=`. */
export function selectRows(input: StatsInput, settings: StatsSettings, o: StatsUrlOptions, proxy?: string): StatRow[] {
  const filter: { up?: boolean; noMaint?: boolean; legends: boolean } = { legends: settings.showLegends }
  if (o.hideDown) filter.up = true
  if (o.noMaint) filter.noMaint = true
  let rows = statRows(input, filter)
  if (settings.scope.length > 0) {
    const names = new Set(settings.scope.map((s) => (s === '.' ? (proxy ?? '.') : s)))
    rows = rows.filter((r) => names.has(r.pxname))
  }
  if (o.scope) {
    const q = o.scope.toLowerCase()
    rows = rows.filter((r) => r.pxname.toLowerCase().includes(q))
  }
  return rows
}

/** Serves one request to the stats URI. */
export async function statsPage(req: Request, settings: StatsSettings, deps: StatsPageDeps): Promise<Response> {
  const head = req.method === 'HEAD'
  if (!checkBasicAuth(req.headers.get('authorization'), settings.auth)) return unauthorized(settings.realm, head)
  const o = parseStatsUrl(targetOf(req), settings)
  if (req.method === 'POST') {
    if (!deps.isAdmin) return adminRedirect(settings, o, 'DENY')
    // Larger than HAProxy's buffer: EXCD without reading it.
    if (Number(req.headers.get('content-length') ?? 0) > MAX_ADMIN_BODY) return adminRedirect(settings, o, 'EXCD')
    const body = await req.text()
    const code = await processAdminPost(body, await deps.input(), deps.applyAdmin)
    return adminRedirect(settings, o, code)
  }
  if (req.method !== 'GET' && !head) return adminRedirect(settings, o, 'IVAL')

  const input = await deps.input()
  const rows = selectRows(input, settings, o, deps.proxy)
  const headers = new Headers({ 'cache-control': 'no-cache' })
  const refreshS = Math.ceil((settings.refreshMs ?? 0) / 1000)
  let body: string
  if (o.format === 'csv') {
    headers.set('content-type', 'text/plain')
    body = renderCsv(rows, { trailingEmptyLine: false })
  } else if (o.format === 'typed') {
    headers.set('content-type', 'text/plain')
    body = renderTyped(rows, { trailingEmptyLine: false })
  } else if (o.format === 'json') {
    headers.set('content-type', 'application/json')
    body = renderStatJson(rows, { trailingEmptyLine: false })
  } else {
    headers.set('content-type', 'text/html')
    body = renderStatsHtml(rows, input, settings, o, {
      isAdmin: deps.isAdmin,
      version: deps.version,
      hideVersion: settings.hideVersion || deps.hideVersion === true,
    })
  }
  if (refreshS > 0 && !o.noRefresh) headers.set('refresh', String(refreshS))
  return new Response(head ? null : body, { status: 200, headers })
}

// ---------------------------------------------------------------------------------------------
// HTML

let columnIndex: Map<string, number> | undefined
function col(name: string): number {
  columnIndex ??= new Map(STAT_COLUMNS_26.map((c, i) => [c, i]))
  return columnIndex.get(name) ?? -1
}

type Value = string | number | undefined
function val(r: StatRow, name: string): Value {
  const i = col(name)
  return i < 0 ? undefined : r.values[i]
}
/** Is the field set (HAProxy's `field.type != 0`)? */
function has(r: StatRow, name: string): boolean {
  const v = val(r, name)
  return v !== undefined && v !== ''
}
/** A numeric field; unset fields read 0 like HAProxy's zeroed fields. */
function num(r: StatRow, name: string): number {
  const v = val(r, name)
  if (typeof v === 'number') return v
  if (v === undefined || v === '') return 0
  const n = Number(v)
  return Number.isFinite(n) ? n : 0
}
function str(r: StatRow, name: string): string {
  const v = val(r, name)
  return v === undefined ? '' : String(v)
}
/** U2H: an unsigned number as text. */
const u2h = (n: number): string => String(Math.trunc(n))
/** LIM2A(x, "-"): a limit, `-` when unset. */
const lim = (r: StatRow, name: string): string => (num(r, name) ? u2h(num(r, name)) : '-')
const pct = (a: number, b: number): number => (b ? Math.trunc((100 * a) / b) : 0)

/** tools.c human_time: two units at most, `?` for negative (never). */
export function humanTime(t: number | undefined): string {
  if (t === undefined || !Number.isFinite(t) || t < 0) return '?'
  const s = Math.trunc(t)
  let out = ''
  let cnt = 2
  if (s >= 86400) {
    out += `${Math.trunc(s / 86400)}d`
    cnt--
  }
  if (cnt && Math.trunc((s % 86400) / 3600)) {
    out += `${Math.trunc((s % 86400) / 3600)}h`
    cnt--
  }
  if (cnt && Math.trunc((s % 3600) / 60)) {
    out += `${Math.trunc((s % 3600) / 60)}m`
    cnt--
  }
  if ((cnt && s % 60) || !s) out += `${s % 60}s`
  return out
}
/** A seconds field for human_time: unset reads as "never" (`?`). */
const ht = (r: StatRow, name: string): string => humanTime(has(r, name) ? num(r, name) : undefined)

/** A value cell with its CSV column name. */
const td = (f: string, content: string, cls?: string): string => `<td${cls ? ` class="${cls}"` : ''} data-f="${f}">${content}</td>`

/**
 * HAProxy's row class for a server (stats_dump_fields_html): `maintain` for MAINT, else
 * `<active|backup>_<down|going_up|draining|going_down|nolb|no_check|up>`.
 */
export function serverRowClass(r: StatRow): string {
  const st = str(r, 'status')
  if (st.startsWith('MAINT')) return 'maintain'
  let style: string
  if (st === 'DOWN' || st === 'DOWN (agent)') style = 'down'
  else if (st.startsWith('DOWN ')) style = 'going_up'
  else if (st === 'DRAIN') style = 'draining'
  else if (st.startsWith('NOLB ')) style = 'going_down'
  else if (st === 'NOLB') style = 'nolb'
  else if (st === 'no check') style = 'no_check'
  else if (!has(r, 'chkfail') || num(r, 'check_health') === num(r, 'check_rise') + num(r, 'check_fall') - 1) style = num(r, 'weight') ? 'up' : 'draining'
  else style = 'going_down'
  return `${num(r, 'bck') ? 'backup' : 'active'}_${style}`
}

function httpTips(r: StatRow, kind: 'fe' | 'be' | 'sv'): string {
  if (str(r, 'mode') !== 'http') return ''
  const row = (k: string, v: string, extra = ''): string => `<tr><th>${k}</th><td>${v}</td>${extra}</tr>`
  const req = num(r, 'req_tot')
  const resp = (c: string): string =>
    kind === 'sv' ? row(`- HTTP ${c} responses:`, u2h(num(r, `hrsp_${c}`)), `<td>(${pct(num(r, `hrsp_${c}`), req)}%)</td>`) : row(`- HTTP ${c} responses:`, u2h(num(r, `hrsp_${c}`)))
  let out = ''
  if (kind !== 'fe') {
    out += row('New connections:', u2h(num(r, 'connect')))
    out += row('Reused connections:', u2h(num(r, 'reuse')), `<td>(${pct(num(r, 'reuse'), num(r, 'connect') + num(r, 'reuse'))}%)</td>`)
  }
  out += row('Cum. HTTP requests:', u2h(req))
  out += resp('1xx') + resp('2xx') + resp('3xx') + resp('4xx') + resp('5xx')
  out += kind === 'sv' ? row('- other responses:', u2h(num(r, 'hrsp_other')), `<td>(${pct(num(r, 'hrsp_other'), req)}%)</td>`) : row('- other responses:', u2h(num(r, 'hrsp_other')))
  if (kind === 'fe') out += row('Intercepted requests:', u2h(num(r, 'intercepted')))
  out += row('Failed hdr rewrites:', u2h(num(r, 'wrew')))
  out += row(kind === 'sv' ? 'Internal error:' : 'Internal errors:', u2h(num(r, 'eint')))
  return out
}

function timeTips(r: StatRow): string {
  const http = str(r, 'mode') === 'http'
  return (
    '<tr><th colspan=3>Max / Avg over last 1024 success. conn.</th></tr>' +
    `<tr><th>- Queue time:</th><td>${u2h(num(r, 'qtime_max'))} / ${u2h(num(r, 'qtime'))}</td><td>ms</td></tr>` +
    `<tr><th>- Connect time:</th><td>${u2h(num(r, 'ctime_max'))} / ${u2h(num(r, 'ctime'))}</td><td>ms</td></tr>` +
    (http ? `<tr><th>- Responses time:</th><td>${u2h(num(r, 'rtime_max'))} / ${u2h(num(r, 'rtime'))}</td><td>ms</td></tr>` : '') +
    `<tr><th>- Total time:</th><td>${u2h(num(r, 'ttime_max'))} / ${u2h(num(r, 'ttime'))}</td><td>ms</td></tr>`
  )
}

const rowAttrs = (r: StatRow, cls: string): string => `<tr class="${cls}" data-proxy="${esc(r.pxname)}" data-server="${esc(r.svname)}" data-type="${r.type}" data-status="${esc(str(r, 'status'))}">`

function frontendRow(r: StatRow, admin: boolean): string {
  const px = esc(r.pxname)
  const http = str(r, 'mode') === 'http'
  let out = rowAttrs(r, 'frontend')
  if (admin) out += '<td></td>'
  out += `<td class=ac><a name="${px}/Frontend"></a><a class=lfsb href="#${px}/Frontend">Frontend</a></td><td colspan=3></td>`
  out += td(
    'rate',
    `<u>${u2h(num(r, 'rate'))}<div class=tips><table class=det><tr><th>Current connection rate:</th><td>${u2h(num(r, 'conn_rate'))}/s</td></tr><tr><th>Current session rate:</th><td>${u2h(num(r, 'rate'))}/s</td></tr>${http ? `<tr><th>Current request rate:</th><td>${u2h(num(r, 'req_rate'))}/s</td></tr>` : ''}</table></div></u>`,
  )
  out += td(
    'rate_max',
    `<u>${u2h(num(r, 'rate_max'))}<div class=tips><table class=det><tr><th>Max connection rate:</th><td>${u2h(num(r, 'conn_rate_max'))}/s</td></tr><tr><th>Max session rate:</th><td>${u2h(num(r, 'rate_max'))}/s</td></tr>${http ? `<tr><th>Max request rate:</th><td>${u2h(num(r, 'req_rate_max'))}/s</td></tr>` : ''}</table></div></u>`,
  )
  out += td('rate_lim', lim(r, 'rate_lim'))
  out += td('scur', u2h(num(r, 'scur'))) + td('smax', u2h(num(r, 'smax'))) + td('slim', u2h(num(r, 'slim')))
  out += td(
    'stot',
    `<u>${u2h(num(r, 'stot'))}<div class=tips><table class=det><tr><th>Cum. connections:</th><td>${u2h(num(r, 'conn_tot'))}</td></tr><tr><th>Cum. sessions:</th><td>${u2h(num(r, 'stot'))}</td></tr>${httpTips(r, 'fe')}</table></div></u>`,
  )
  out += '<td></td><td></td>'
  out += td('bin', u2h(num(r, 'bin'))) + td('bout', u2h(num(r, 'bout')))
  out += td('dreq', u2h(num(r, 'dreq'))) + td('dresp', u2h(num(r, 'dresp')))
  out += `${td('ereq', u2h(num(r, 'ereq')))}<td></td><td></td><td></td><td></td>`
  out += td('status', esc(str(r, 'status')), 'ac status')
  out += '<td class=ac colspan=8></td></tr>\n'
  return out
}

function listenerRow(r: StatRow, admin: boolean, legends: boolean): string {
  const px = esc(r.pxname)
  const sv = esc(r.svname)
  let out = rowAttrs(r, 'socket')
  if (admin) out += '<td></td>'
  out += `<td class=ac><a name="${px}/+${sv}"></a>${legends ? '<u>' : ''}<a class=lfsb href="#${px}/+${sv}">${sv}</a>`
  if (legends) out += `<div class=tips>${has(r, 'addr') ? `${esc(str(r, 'addr'))}, ` : ''}id: ${u2h(num(r, 'sid'))}</div></u>`
  out += '</td><td colspan=3></td><td colspan=3>&nbsp;</td>'
  out += td('scur', u2h(num(r, 'scur'))) + td('smax', u2h(num(r, 'smax'))) + td('slim', u2h(num(r, 'slim'))) + td('stot', u2h(num(r, 'stot')))
  out += '<td>&nbsp;</td><td>&nbsp;</td>'
  out += td('bin', u2h(num(r, 'bin'))) + td('bout', u2h(num(r, 'bout')))
  out += td('dreq', u2h(num(r, 'dreq'))) + td('dresp', u2h(num(r, 'dresp')))
  out += `${td('ereq', u2h(num(r, 'ereq')))}<td></td><td></td><td></td><td></td>`
  out += td('status', esc(str(r, 'status')), 'ac status')
  out += '<td class=ac colspan=8></td></tr>\n'
  return out
}

function serverRow(r: StatRow, admin: boolean, legends: boolean): string {
  const px = esc(r.pxname)
  const sv = esc(r.svname)
  const st = str(r, 'status')
  let out = rowAttrs(r, serverRowClass(r))
  if (admin) out += serverCheckbox(r.pxname, r.svname)
  out += `<td class=ac><a name="${px}/${sv}"></a>${legends ? '<u>' : ''}<a class=lfsb href="#${px}/${sv}">${sv}</a>`
  if (legends) {
    const addr = str(r, 'addr')
    const kind = /^\d/.test(addr) ? 'IPv4: ' : addr.startsWith('[') ? 'IPv6: ' : ''
    out += `<div class=tips>${addr ? `${kind}${esc(addr)}, ` : ''}id: ${u2h(num(r, 'sid'))}${has(r, 'cookie') ? `, cookie: '${esc(str(r, 'cookie'))}'` : ''}</div></u>`
  }
  out += '</td>'
  out += td('qcur', u2h(num(r, 'qcur'))) + td('qmax', u2h(num(r, 'qmax'))) + td('qlimit', lim(r, 'qlimit'))
  out += `${td('rate', u2h(num(r, 'rate')))}${td('rate_max', u2h(num(r, 'rate_max')))}<td></td>`
  out += td(
    'scur',
    `<u>${u2h(num(r, 'scur'))}<div class=tips><table class=det><tr><th>Current active connections:</th><td>${u2h(num(r, 'scur'))}</td></tr><tr><th>Active connections limit:</th><td>${lim(r, 'slim')}</td></tr></table></div></u>`,
  )
  out += td('smax', u2h(num(r, 'smax'))) + td('slim', lim(r, 'slim'))
  out += td('stot', `<u>${u2h(num(r, 'stot'))}<div class=tips><table class=det><tr><th>Cum. sessions:</th><td>${u2h(num(r, 'stot'))}</td></tr>${httpTips(r, 'sv')}${timeTips(r)}</table></div></u>`)
  out += td('lbtot', u2h(num(r, 'lbtot'))) + td('lastsess', ht(r, 'lastsess'))
  out += td('bin', u2h(num(r, 'bin'))) + td('bout', u2h(num(r, 'bout')))
  out += `<td></td>${td('dresp', u2h(num(r, 'dresp')))}`
  out += `<td></td>${td('econ', u2h(num(r, 'econ')))}`
  out += td('eresp', `<u>${u2h(num(r, 'eresp'))}<div class=tips>Connection resets during transfers: ${u2h(num(r, 'cli_abrt'))} client, ${u2h(num(r, 'srv_abrt'))} server</div></u>`)
  out += td('wretr', u2h(num(r, 'wretr'))) + td('wredis', u2h(num(r, 'wredis')))
  // Status, with the time since the last change and the check trend arrows.
  let status: string
  if (st.startsWith('MAINT')) status = `${ht(r, 'lastchg')} MAINT`
  else if (st === 'no check') status = '<i>no check</i>'
  else {
    status = `${ht(r, 'lastchg')} ${esc(st)}`
    const maxHealth = num(r, 'check_rise') + num(r, 'check_fall') - 1
    if (st.startsWith('DOWN')) {
      if (num(r, 'check_health')) status += ' &uarr;'
    } else if (has(r, 'check_health') && num(r, 'check_health') < maxHealth) status += ' &darr;'
  }
  out += td('status', status, 'ac status')
  // LastChk
  if (st.startsWith('DOWN') && has(r, 'agent_status') && !num(r, 'agent_health')) {
    out += td(
      'agent_status',
      `<u> ${esc(str(r, 'agent_status'))}${has(r, 'agent_code') ? `/${u2h(num(r, 'agent_code'))}` : ''}${has(r, 'agent_duration') ? ` in ${u2h(num(r, 'agent_duration'))}ms` : ''}<div class=tips>${esc(str(r, 'agent_desc'))}${has(r, 'last_agt') ? `: ${esc(str(r, 'last_agt'))}` : ''}</div></u>`,
      'ac lastchk',
    )
  } else if (has(r, 'check_status')) {
    out += td(
      'check_status',
      `<u> ${esc(str(r, 'check_status'))}${has(r, 'check_code') ? `/${u2h(num(r, 'check_code'))}` : ''}${has(r, 'check_duration') ? ` in ${u2h(num(r, 'check_duration'))}ms` : ''}<div class=tips>${esc(str(r, 'check_desc'))}${has(r, 'last_chk') ? `: ${esc(str(r, 'last_chk'))}` : ''}</div></u>`,
      'ac lastchk',
    )
  } else out += td('check_status', '', 'lastchk')
  out += td('weight', `${u2h(num(r, 'weight'))}/${u2h(num(r, has(r, 'uweight') ? 'uweight' : 'weight'))}`, 'ac')
  out += td('act', num(r, 'bck') ? '-' : 'Y', 'ac') + td('bck', num(r, 'bck') ? 'Y' : '-', 'ac')
  if (st === 'MAINT (resolution)') out += '<td class=ac colspan=3>resolution</td>'
  else if (has(r, 'chkfail')) {
    out += td(
      'chkfail',
      `<u>${u2h(num(r, 'chkfail'))}${has(r, 'hanafail') ? `/${u2h(num(r, 'hanafail'))}` : ''}<div class=tips>Failed Health Checks${has(r, 'hanafail') ? '/Health Analyses' : ''}</div></u>`,
    )
    out += td('chkdown', u2h(num(r, 'chkdown'))) + td('downtime', ht(r, 'downtime'))
  } else if (st !== 'MAINT' && has(r, 'tracked')) {
    const t = esc(str(r, 'tracked'))
    out += `<td class=ac colspan=3><a class=lfsb href="#${t}">via ${t}</a></td>`
  } else out += '<td colspan=3></td>'
  out += has(r, 'throttle') ? td('throttle', `${u2h(num(r, 'throttle'))} %`, 'ac') : td('throttle', '-', 'ac')
  return `${out}</tr>\n`
}

function backendRow(r: StatRow, admin: boolean, legends: boolean): string {
  const px = esc(r.pxname)
  const st = str(r, 'status')
  let out = rowAttrs(r, 'backend')
  if (admin) out += '<td></td>'
  out += `<td class=ac>${legends ? '<u>' : ''}<a name="${px}/Backend"></a><a class=lfsb href="#${px}/Backend">Backend</a>`
  if (legends) out += `<div class=tips>balancing: ${esc(str(r, 'algo'))}${has(r, 'cookie') ? `, cookie: '${esc(str(r, 'cookie'))}'` : ''}</div></u>`
  out += '</td>'
  out += `${td('qcur', u2h(num(r, 'qcur')))}${td('qmax', u2h(num(r, 'qmax')))}<td></td>`
  out += `${td('rate', u2h(num(r, 'rate')))}${td('rate_max', u2h(num(r, 'rate_max')))}<td></td>`
  out += td('scur', u2h(num(r, 'scur'))) + td('smax', u2h(num(r, 'smax'))) + td('slim', u2h(num(r, 'slim')))
  out += td('stot', `<u>${u2h(num(r, 'stot'))}<div class=tips><table class=det><tr><th>Cum. sessions:</th><td>${u2h(num(r, 'stot'))}</td></tr>${httpTips(r, 'be')}${timeTips(r)}</table></div></u>`)
  out += td('lbtot', u2h(num(r, 'lbtot'))) + td('lastsess', ht(r, 'lastsess'))
  out += td('bin', u2h(num(r, 'bin'))) + td('bout', u2h(num(r, 'bout')))
  out += td('dreq', u2h(num(r, 'dreq'))) + td('dresp', u2h(num(r, 'dresp')))
  out += `<td></td>${td('econ', u2h(num(r, 'econ')))}`
  out += td('eresp', `<u>${u2h(num(r, 'eresp'))}<div class=tips>Connection resets during transfers: ${u2h(num(r, 'cli_abrt'))} client, ${u2h(num(r, 'srv_abrt'))} server</div></u>`)
  out += td('wretr', u2h(num(r, 'wretr'))) + td('wredis', u2h(num(r, 'wredis')))
  out += td('status', `${ht(r, 'lastchg')} ${st === 'DOWN' ? '<font color="red"><b>DOWN</b></font>' : esc(st)}`, 'ac status')
  out += '<td class=ac>&nbsp;</td>'
  out += td('weight', `${u2h(num(r, 'weight'))}/${u2h(num(r, has(r, 'uweight') ? 'uweight' : 'weight'))}`, 'ac')
  out += td('act', u2h(num(r, 'act')), 'ac') + td('bck', u2h(num(r, 'bck')), 'ac')
  out += `<td class=ac>&nbsp;</td>${td('chkdown', u2h(num(r, 'chkdown')))}`
  out += td('downtime', has(r, 'downtime') ? ht(r, 'downtime') : '&nbsp;')
  return `${out}<td></td></tr>\n`
}

export interface HtmlOptions {
  readonly isAdmin: boolean
  readonly version: string
  readonly hideVersion: boolean
}

interface ProxyGroup {
  readonly iid: number
  readonly name: string
  readonly rows: StatRow[]
}

function groupByProxy(rows: readonly StatRow[]): ProxyGroup[] {
  const out: ProxyGroup[] = []
  for (const r of rows) {
    const last = out[out.length - 1]
    if (last && last.iid === r.iid && last.name === r.pxname) last.rows.push(r)
    else out.push({ iid: r.iid, name: r.pxname, rows: [r] })
  }
  return out
}

function proxyTable(g: ProxyGroup, input: StatsInput, settings: StatsSettings, opts: HtmlOptions): string {
  const px = esc(g.name)
  const legends = settings.showLegends
  const be = input.routeMap.backends.find((b) => b.id === g.iid && b.name === g.name)
  const form = opts.isAdmin && be !== undefined && be.servers.length > 0
  let out = form ? '<form method="post">' : ''
  const fe = input.routeMap.frontends.find((f) => f.id === g.iid && f.name === g.name)
  const cap = fe && be ? 'FE+BE' : fe ? 'FE' : 'BE'
  const mode = (be ?? fe)?.mode ?? 'http'
  out += `<table class="tbl" width="100%" data-proxy="${px}">\n<tr class="titre"><th class="pxname" width="10%"><a name="${px}"></a>${legends ? '<u>' : ''}<a class=px href="#${px}">${px}</a>`
  if (legends) out += `<div class=tips>cap: ${cap}, mode: ${mode}, id: ${g.iid}</div></u>`
  out += '</th><th class="empty" width="90%"></th></tr>\n</table>\n<table class="tbl" width="100%">\n<tr class="titre">'
  if (opts.isAdmin) out += form ? checkAllHeader(g.name) : '<th rowspan=2></th>'
  out +=
    '<th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=6>Sessions</th>' +
    '<th colspan=2>Bytes</th><th colspan=2>Denied</th><th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n' +
    '<tr class="titre"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th>' +
    '<th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th><th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th><th>Conn</th>' +
    '<th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th>' +
    '<th>Thrtle</th></tr>\n'
  for (const r of g.rows) {
    if (r.type === 0) out += frontendRow(r, opts.isAdmin)
    else if (r.type === 3) out += listenerRow(r, opts.isAdmin, legends)
    else if (r.type === 2) out += serverRow(r, opts.isAdmin, legends)
    else out += backendRow(r, opts.isAdmin, legends)
  }
  out += '</table>'
  if (form && be) out += adminFormEnd(be.id)
  return `${out}<p>\n`
}

const BANNERS: Readonly<Record<StatCode, readonly [string, string]>> = {
  DONE: ['active_up', 'Action processed successfully.'],
  NONE: ['active_going_down', 'Nothing has changed.'],
  PART: ['active_going_down', 'Action partially processed.<br>Some server names are probably unknown or ambiguous (duplicated names in the backend).'],
  ERRP: [
    'active_down',
    'Action not processed because of invalid parameters.<ul><li>The action is maybe unknown.</li><li>Invalid key parameter (empty or too long).</li><li>The backend name is probably unknown or ambiguous (duplicated names).</li><li>Some server names are probably unknown or ambiguous (duplicated names in the backend).</li></ul>',
  ],
  EXCD: ['active_down', "<b>Action not processed : the buffer couldn't store all the data.<br>You should retry with less servers at a time.</b>"],
  DENY: ['active_down', '<b>Action denied.</b>'],
  IVAL: ['active_down', '<b>Invalid requests (unsupported method or chunked encoded request).</b>'],
  UNKN: ['active_no_check', 'Unexpected result.'],
}

function infoBlock(rows: readonly StatRow[], input: StatsInput, settings: StatsSettings, o: StatsUrlOptions, opts: HtmlOptions): string {
  const up = Math.max(0, Math.trunc((input.now - input.startedAt) / 1000))
  const fes = rows.filter((r) => r.type === 0)
  const conns = fes.reduce((a, r) => a + num(r, 'scur'), 0)
  const connRate = fes.reduce((a, r) => a + num(r, 'conn_rate'), 0)
  const maxconn = input.routeMap.global.maxconn
  const uri = esc(settings.uri)
  const scope = esc(scopeSuffix(o))
  const up_ = o.hideDown ? ';up' : ''
  const norefresh = o.noRefresh ? ';norefresh' : ''
  const refresh = (settings.refreshMs ?? 0) > 0
  const version = opts.hideVersion ? '' : ` version ${esc(opts.version)}`
  let out =
    `<body><h1><span class="product">edgeproxy</span>${version}</h1>\n` +
    '<h2>Statistics Report for pid 1</h2>\n<hr width="100%" class="hr">\n<h3>&gt; General process information</h3>\n' +
    '<table border=0><tr><td align="left" nowrap width="1%">\n' +
    '<p><b>pid = </b> 1 (process #1, nbproc = 1, nbthread = 1)<br>\n' +
    `<b>uptime = </b> ${Math.trunc(up / 86400)}d ${Math.trunc((up % 86400) / 3600)}h${String(Math.trunc((up % 3600) / 60)).padStart(2, '0')}m${String(up % 60).padStart(2, '0')}s<br>\n` +
    `<b>maxconn = </b> ${maxconn ?? 'unlimited'}; <b>isolates reporting = </b> ${input.isolates}<br>\n` +
    `current conns = ${conns}; conn rate = ${connRate}/sec<br>\n` +
    (opts.hideVersion || !input.version ? '' : `<b>configuration = </b> ${esc(input.version)}<br>\n`) +
    `</td><td align="center" nowrap>\n${STATS_LEGEND}</td>` +
    '<td align="left" valign="top" nowrap width="1%"><b>Display option:</b><ul style="margin-top: 0.25em;">'
  out += `<li><form method="GET">Scope : <input value="${esc(o.scope)}" name="scope" size="8" maxlength="${SCOPE_MAX}" tabindex="1"/></form>\n`
  out += o.hideDown ? `<li><a href="${uri}${norefresh}${scope}">Show all servers</a><br>\n` : `<li><a href="${uri};up${norefresh}${scope}">Hide 'DOWN' servers</a><br>\n`
  if (refresh) {
    out += o.noRefresh ? `<li><a href="${uri}${up_}${scope}">Enable refresh</a><br>\n` : `<li><a href="${uri}${up_};norefresh${scope}">Disable refresh</a><br>\n`
  }
  out += `<li><a href="${uri}${up_}${norefresh}${scope}">Refresh now</a><br>\n`
  out += `<li><a href="${uri};csv${refresh ? ';norefresh' : ''}${scope}">CSV export</a><br>\n`
  out += `<li><a href="${uri};json${refresh ? ';norefresh' : ''}${scope}">JSON export</a><br>\n`
  out +=
    '</ul></td><td align="left" valign="top" nowrap width="1%"><b>External resources:</b><ul style="margin-top: 0.25em;">\n' +
    '<li><a href="https://docs.haproxy.org/2.6/configuration.html">HAProxy 2.6 configuration manual</a><br>\n' +
    '<li><a href="https://docs.haproxy.org/2.6/management.html#9">Statistics and monitoring</a><br>\n' +
    '</ul></td></tr></table>\n'
  if (o.st) {
    const [cls, text] = BANNERS[o.st]
    out += `<p><div class=${cls} id="st-banner" data-st="${o.st}"><a class=lfsb href="${uri}${up_}${norefresh}${scope}" title="Remove this message">[X]</a> ${text}</div>\n<p>\n`
  }
  return out
}

/** The whole HTML page for `rows` (already filtered). */
export function renderStatsHtml(rows: readonly StatRow[], input: StatsInput, settings: StatsSettings, o: StatsUrlOptions, opts: HtmlOptions): string {
  let out =
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"\n"http://www.w3.org/TR/html4/loose.dtd">\n' +
    '<html><head><title>Statistics Report for HAProxy</title>\n<link rel="icon" href="data:,">\n' +
    '<meta http-equiv="content-type" content="text/html; charset=utf-8">\n' +
    `<style type="text/css"><!--\n${STATS_CSS}-->\n</style></head>\n`
  out += infoBlock(rows, input, settings, o, opts)
  for (const g of groupByProxy(rows)) out += proxyTable(g, input, settings, opts)
  return `${out}</body></html>\n`
}
