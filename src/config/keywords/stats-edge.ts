/**
 * @module
 * What the stats page and the Prometheus exporter become at the edge, warned about by `check`:
 * - a frontend that serves them only on ports Cloudflare does not proxy (`bind *:8404`) cannot
 *   be reached through a route; a hostname mapped to the frontend can (`edgeproxy deploy
 *   --domain stats=stats.example.com`), on the standard ports;
 * - `stats admin if LOCALHOST` (any condition that needs a loopback `src`) never holds at the
 *   edge: the client address is the real client's (CF-Connecting-IP).
 */
import type { Condition } from '../../routemap/schema.ts'
import { isProxyPort, PROXY_PORTS_HTTP, PROXY_PORTS_HTTPS } from '../../util/addresses.ts'
import type { IpSetData } from '../../sample/match/ip-set.ts'
import type { ProxyDraft } from '../draft.ts'
import type { Services } from '../services.ts'
import type { SourceSpan } from '../source.ts'

const LOOP4_START = 0x7f000000
const LOOP4_END = 0x7fffffff

/** The IP set holds loopback addresses only (127.0.0.0/8, ::1). */
function loopbackOnly(d: IpSetData): boolean {
  // a packed list has more ranges than loopback can hold
  if (d.v4m.length > 0 || typeof d.v4 === 'string' || typeof d.v6 === 'string') return false
  for (let i = 0; i < d.v4.length; i += 2) if ((d.v4[i] as number) < LOOP4_START || (d.v4[i + 1] as number) > LOOP4_END) return false
  for (let i = 0; i < d.v6.length; i += 8) {
    const r = d.v6.slice(i, i + 8)
    if (r.join(',') !== '0,0,0,1,0,0,0,1') return false
  }
  return d.v4.length + d.v6.length > 0
}

/** An ACL that matches only requests whose `src` is a loopback address. */
function loopbackSrcAcl(p: ProxyDraft, index: number): boolean {
  const acl = p.acls[index]
  if (!acl || acl.tests.length === 0) return false
  return acl.tests.every((t) => t.sample.fetch === 'src' && t.sample.conv.length === 0 && t.match === 'ip' && typeof t.data === 'object' && t.data !== null && loopbackOnly(t.data as IpSetData))
}

/** `if` conditions of which every alternative requires a loopback `src`: never true at the edge. */
export function needsLoopbackSrc(cond: Condition, p: ProxyDraft): boolean {
  if (cond.unless || cond.or.length === 0) return false
  return cond.or.every((and) => and.some((t) => !t.negate && loopbackSrcAcl(p, t.acl)))
}

export function warnAdminAtEdge(cond: Condition, p: ProxyDraft, span: SourceSpan, sv: Services): void {
  if (!needsLoopbackSrc(cond, p)) return
  sv.diag.warning('edge-unreachable', span, `'stats admin ${cond.text}' can never be true at the edge: the client address is the real client's, never a loopback address`, {
    help: "protect admin actions with 'stats auth' and a condition the edge can see, e.g. 'stats admin if { http_auth(admins) }' or an office network in 'src'",
  })
}

const list = (s: ReadonlySet<number>): string => [...s].join(', ')

/** Whether a bind's port range holds a port Cloudflare proxies. */
function anyProxyPort(port: number, portEnd: number): boolean {
  if (portEnd - port > 65535) return false
  for (let n = port; n <= portEnd; n++) if (isProxyPort(n)) return true
  return false
}

/** A frontend serving the stats page or Prometheus on no port Cloudflare proxies. */
export function checkStatsPorts(p: ProxyDraft, sv: Services): void {
  const prometheus = p.httpRequest.some((r) => r.action === 'use-service' && (r.args as { service?: unknown }).service === 'prometheus-exporter')
  if (!p.stats?.enabled && !prometheus) return
  if (p.binds.length === 0 || p.binds.some((b) => anyProxyPort(b.port, b.portEnd))) return
  const what = p.stats?.enabled && prometheus ? 'the stats page and the Prometheus exporter' : p.stats?.enabled ? 'the stats page' : 'the Prometheus exporter'
  const b = p.binds[0]
  const span = p.bindSpans[0] ?? p.span
  if (!b) return
  sv.diag.warning(
    'edge-port',
    span,
    `${p.kind} '${p.name}' serves ${what} on port ${b.port === b.portEnd ? b.port : `${b.port}-${b.portEnd}`}, which Cloudflare does not proxy (HTTP: ${list(PROXY_PORTS_HTTP)}; HTTPS: ${list(PROXY_PORTS_HTTPS)}): no route reaches it`,
    { help: `map the frontend to a hostname of its own: 'edgeproxy deploy --domain ${p.name}=stats.example.com' (served on 443), or bind a proxied port` },
  )
}
