/**
 * @module
 * The stats page's admin mode (`stats admin if <cond>`): the per-backend form (a checkbox per
 * server, the action select, the hidden `b=#<id>`), and the POST it submits —
 * `s=<srv>&s=<srv2>&action=<act>&b=<backend name or #id>` — parsed and applied with HAProxy
 * 2.6's rules (stats.c `stats_process_http_post`):
 *
 * - parameters are read from the last to the first, so the last `b` and the last `action` win;
 *   an unknown backend or action answers `ERRP` at once; `s` values are applied once both are
 *   known;
 * - each `s` that names no server of the backend (or a duplicated name) counts as "not altered";
 *   so do servers an action does not apply to (`dhlth` on a server without `check`, `hrunn` on a
 *   tracking server, legacy `enable` on a server not in MAINT…);
 * - the code is `NONE` (no server), `ERRP` (none altered), `DONE` (all) or `PART` (some); a body
 *   that does not fit HAProxy's buffer is `EXCD`; a POST without admin rights is `DENY`.
 *
 * The reply is always `303 See Other` to `<uri>;st=<CODE>[;up][;norefresh][?scope=<text>]`.
 */
import type { AdminPatch, AdminServer } from '../ops/types.ts'
import type { StatsInput } from './input.ts'
import type { Backend, Server } from '../routemap/schema.ts'
import { escapeHtml } from '../util/html.ts'

/** The result codes of an admin POST (`;st=<CODE>`), stats.c `stat_status_codes`. */
export type StatCode = 'DENY' | 'DONE' | 'ERRP' | 'EXCD' | 'NONE' | 'PART' | 'UNKN' | 'IVAL'
export const STAT_CODES: readonly StatCode[] = ['DENY', 'DONE', 'ERRP', 'EXCD', 'NONE', 'PART', 'UNKN', 'IVAL']

/** The actions of the select, in HAProxy's order (agent and "Kill Sessions" have no edge equivalent). */
export const ADMIN_ACTIONS: readonly { readonly value: string; readonly label: string }[] = [
  { value: 'ready', label: 'Set state to READY' },
  { value: 'drain', label: 'Set state to DRAIN' },
  { value: 'maint', label: 'Set state to MAINT' },
  { value: 'dhlth', label: 'Health: disable checks' },
  { value: 'ehlth', label: 'Health: enable checks' },
  { value: 'hrunn', label: 'Health: force UP' },
  { value: 'hnolb', label: 'Health: force NOLB' },
  { value: 'hdown', label: 'Health: force DOWN' },
]

/** Every action value HAProxy 2.6 accepts (including the agent ones, `shutdown` and the legacy four). */
const KNOWN_ACTIONS = new Set(['ready', 'drain', 'maint', 'shutdown', 'dhlth', 'ehlth', 'hrunn', 'hnolb', 'hdown', 'dagent', 'eagent', 'arunn', 'adown', 'disable', 'enable', 'stop', 'start'])

/** Largest POST body accepted (HAProxy: what fits the buffer minus maxrewrite) → `EXCD`. */
export const MAX_ADMIN_BODY = 8192
/** HAProxy's LINESIZE: a longer `key=value` parameter is `ERRP`. */
const LINESIZE = 2048

/** url_decode(…, in_form=1): `+` is a space; a bad `%` sequence is an error (undefined). */
function formDecode(s: string): string | undefined {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return undefined
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    // Not UTF-8: HAProxy decodes bytes; keep the Latin-1 reading so names still compare.
    return s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
  }
}

/** proxy_be_by_name: a backend-capable proxy by name or `#<id>`. */
export function findBackend(backends: readonly Backend[], name: string): Backend | undefined {
  if (name.startsWith('#')) {
    const id = Number.parseInt(name.slice(1), 10)
    return Number.isNaN(id) ? undefined : backends.find((b) => b.id === id)
  }
  const found = backends.filter((b) => b.name === name)
  return found.length === 1 ? found[0] : undefined
}

/** findserver: a server by name, undefined when unknown or duplicated. */
function findServer(be: Backend, name: string): Server | undefined {
  const found = be.servers.filter((s) => s.name === name)
  return found.length === 1 ? found[0] : undefined
}

/**
 * The patch one action makes to one server, or undefined when HAProxy would not count the
 * server as altered (the action does not apply, or changes nothing for the legacy actions).
 */
export function patchFor(action: string, server: Server, current: AdminServer | undefined): AdminPatch | undefined {
  switch (action) {
    case 'ready':
      return { state: null }
    case 'drain':
      return { state: 'drain' }
    case 'maint':
      return { state: 'maint' }
    // Legacy actions flip one admin flag and count only when it changes.
    case 'disable':
      return current?.state === 'maint' ? undefined : { state: 'maint' }
    case 'enable':
      return current?.state === 'maint' ? { state: null } : undefined
    case 'stop':
      return current?.state === 'drain' ? undefined : { state: 'drain' }
    case 'start':
      return current?.state === 'drain' ? { state: null } : undefined
    // Health actions need a configured check (dhlth/ehlth) or a server that tracks no other.
    case 'dhlth':
      return server.check ? { checksDisabled: true } : undefined
    case 'ehlth':
      return server.check ? { checksDisabled: null } : undefined
    case 'hrunn':
      return server.track ? undefined : { health: 'up' }
    case 'hnolb':
      return server.track ? undefined : { health: 'stopping' }
    case 'hdown':
      return server.track ? undefined : { health: 'down' }
    default:
      // dagent/eagent/arunn/adown/shutdown: no agent state nor session kill at the edge.
      return undefined
  }
}

/** What an admin POST asks for, after HAProxy's parameter walk. */
export interface AdminRequest {
  /** Set when the walk already decided the answer (ERRP, EXCD). */
  readonly code?: StatCode
  readonly backend?: Backend
  readonly action?: string
  /** Server names in the order HAProxy applies them. */
  readonly servers: readonly string[]
}

/** Walks the form parameters like stats_process_http_post (last to first, `s` deferred). */
export function parseAdminPost(body: string, backends: readonly Backend[]): AdminRequest {
  if (body.length > MAX_ADMIN_BODY) return { code: 'EXCD', servers: [] }
  const params = body.length === 0 ? [] : body.split('&')
  let backend: Backend | undefined
  let action: string | undefined
  const servers: string[] = []
  let reprocessAt = -1
  let i = params.length - 1
  while (i >= 0) {
    const p = params[i] ?? ''
    if (p.length + 1 > LINESIZE) return { code: 'ERRP', servers }
    const eq = p.indexOf('=')
    const key = formDecode(eq < 0 ? p : p.slice(0, eq))
    const value = formDecode(eq < 0 ? '' : p.slice(eq + 1))
    if (key === undefined || value === undefined) break
    if (!backend && key === 'b') {
      backend = findBackend(backends, value)
      if (!backend) return { code: 'ERRP', servers }
    } else if (!action && key === 'action') {
      if (!KNOWN_ACTIONS.has(value)) return { code: 'ERRP', servers }
      action = value
    } else if (key === 's') {
      if (!(backend && action)) {
        if (reprocessAt < 0) reprocessAt = i
      } else {
        servers.push(value)
      }
    }
    if (reprocessAt >= 0 && backend && action) {
      i = reprocessAt
      reprocessAt = -1
      continue
    }
    i--
  }
  return { ...(backend ? { backend } : {}), ...(action ? { action } : {}), servers }
}

/**
 * Applies an admin POST and returns the `;st=` code. `apply` failing for a server counts it as
 * not altered.
 */
export async function processAdminPost(body: string, input: StatsInput, apply: (backend: string, server: string, patch: AdminPatch) => Promise<void>): Promise<StatCode> {
  const req = parseAdminPost(body, input.routeMap.backends)
  if (req.code) return req.code
  const { backend, action } = req
  if (!backend || !action) return 'NONE'
  let total = 0
  let altered = 0
  for (const name of req.servers) {
    total++
    const server = findServer(backend, name)
    if (!server) continue
    const patch = patchFor(action, server, input.admin(backend.name, server.name))
    if (!patch) continue
    try {
      await apply(backend.name, server.name, patch)
      altered++
    } catch {
      // not altered
    }
  }
  if (total === 0) return 'NONE'
  if (altered === 0) return 'ERRP'
  return altered === total ? 'DONE' : 'PART'
}

/** The checkbox cell of a server row. */
export function serverCheckbox(proxy: string, server: string): string {
  return `<td><input class='${escapeHtml(proxy)}-checkbox' type="checkbox" name="s" value="${escapeHtml(server)}"></td>`
}

/** The header cell that checks every server of the proxy. */
export function checkAllHeader(proxy: string): string {
  const cls = JSON.stringify(`${proxy}-checkbox`)
  return `<th rowspan=2 width=1><input type="checkbox" onclick="${escapeHtml(`for (const c of document.getElementsByClassName(${cls})) c.checked = this.checked`)}"></th>`
}

/** The end of a backend's admin form: the action select, the hidden backend id and Apply. */
export function adminFormEnd(backendId: number): string {
  const options = ADMIN_ACTIONS.map((a) => `<option value="${a.value}">${a.label}</option>`).join('')
  return (
    'Choose the action to perform on the checked servers : ' +
    `<select name=action><option value=""></option>${options}</select>` +
    `<input type="hidden" name="b" value="#${backendId}">` +
    '&nbsp;<input type="submit" value="Apply"></form>'
  )
}
