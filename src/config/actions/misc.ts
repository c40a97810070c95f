/**
 * @module
 * allow, auth, use-service, set-status, and the actions that have no edge equivalent.
 */
import { type ActionDef, type ActionInput, actionError } from './types.ts'

const ALL = ['http-request', 'http-response', 'http-after-response'] as const
const REQ = ['http-request'] as const

function noArgs(input: ActionInput): Record<string, unknown> | undefined {
  return input.args.length > 0 ? actionError(input, input.args[0], 'takes no argument') : {}
}

const SERVICES = new Set(['prometheus-exporter'])

export const MISC_ACTIONS: readonly ActionDef[] = [
  { name: 'allow', ruleSets: ALL, support: 'yes', final: true, parse: noArgs },
  {
    name: 'auth',
    ruleSets: REQ,
    support: 'yes',
    final: true,
    parse: (input) => {
      const [r, v] = input.args
      if (!r) return { realm: '' }
      if (r.text !== 'realm' || !v || input.args.length > 2) return actionError(input, r, "expects '[realm <realm>]'")
      return { realm: v.text }
    },
  },
  {
    name: 'use-service',
    ruleSets: REQ,
    support: 'yes',
    final: true,
    parse: (input) => {
      const s = input.args[0]
      if (!s || input.args.length > 1) return actionError(input, input.args[1], 'expects exactly one service name')
      if (s.text.startsWith('lua.')) {
        input.sv.diag.error('not-supported', s.span, `'${input.ruleSet} use-service ${s.text}' is not supported at the edge: Lua cannot run in a Worker`, {
          help: 'port the service to rules (http-request return) or to Worker code in front of edgeproxy',
        })
        return undefined
      }
      if (!SERVICES.has(s.text)) return actionError(input, s, `: unknown service '${s.text}' (available: prometheus-exporter)`)
      return { service: s.text }
    },
  },
  {
    name: 'set-status',
    ruleSets: ['http-response', 'http-after-response'],
    support: 'yes',
    parse: (input) => {
      const [s, kw, reason] = input.args
      const n = Number(s?.text)
      if (!s || !/^\d+$/.test(s.text) || n < 100 || n > 999) return actionError(input, s, 'expects an HTTP status code between 100 and 999')
      if (kw && (kw.text !== 'reason' || !reason || input.args.length > 3)) return actionError(input, kw, "expects '<status> [reason <str>]'")
      return { status: n, ...(reason ? { reason: reason.text } : {}) }
    },
  },
  { name: 'set-log-level', ruleSets: ['http-request', 'http-response'], support: 'ignored', note: 'Workers Logs record every request at one level' },
  { name: 'wait-for-body', ruleSets: ['http-request', 'http-response'], support: 'ignored', note: 'bodies are streamed at the edge' },
  { name: 'wait-for-handshake', ruleSets: REQ, support: 'ignored', note: 'TLS 0-RTT is handled by Cloudflare' },
  { name: 'disable-l7-retry', ruleSets: REQ, support: 'yes', parse: noArgs },
  { name: 'set-priority-class', ruleSets: REQ, support: 'ignored', note: 'there is no request queue at the edge' },
  { name: 'set-priority-offset', ruleSets: REQ, support: 'ignored', note: 'there is no request queue at the edge' },
  {
    name: 'reject',
    ruleSets: REQ,
    support: 'edge',
    final: true,
    note: "a Worker cannot close the client connection without a response: the edge answers 403 Forbidden (the proxy's 403 errorfile), as 'deny' does",
    parse: (input) => (input.args.length > 0 ? actionError(input, input.args[0], 'takes no argument') : { status: 403, set: 'http-request' }),
  },
  { name: 'silent-drop', ruleSets: ['http-request', 'http-response'], support: 'no', note: "a Worker cannot drop the client connection silently: use 'deny' (or Cloudflare WAF 'Block')" },
  { name: 'set-map', ruleSets: ['http-request', 'http-response'], support: 'no', note: 'maps change through the runtime API' },
  { name: 'del-map', ruleSets: ['http-request', 'http-response'], support: 'no', note: 'maps change through the runtime API' },
  { name: 'add-acl', ruleSets: ['http-request', 'http-response'], support: 'no', note: 'ACL files change through the runtime API' },
  { name: 'del-acl', ruleSets: ['http-request', 'http-response'], support: 'no', note: 'ACL files change through the runtime API' },
  { name: 'do-resolve', ruleSets: REQ, support: 'no', note: "DNS resolution is Cloudflare's" },
  { name: 'set-bandwidth-limit', ruleSets: ['http-request', 'http-response'], support: 'no' },
  { name: 'strict-mode', ruleSets: ALL, support: 'ignored', note: 'rule errors never abort a request at the edge' },
  { name: 'send-spoe-group', ruleSets: ['http-request', 'http-response'], support: 'no', note: 'SPOE agents cannot be reached from the edge' },
  { name: 'set-mark', ruleSets: ['http-request', 'http-response'], support: 'ignored', note: 'socket marks do not exist at the edge' },
  { name: 'set-tos', ruleSets: ['http-request', 'http-response'], support: 'ignored', note: 'socket TOS does not exist at the edge' },
  { name: 'set-nice', ruleSets: ['http-request', 'http-response'], support: 'ignored', note: 'task priorities do not exist at the edge' },
  { name: 'lua', ruleSets: ['http-request', 'http-response'], support: 'no', note: 'Lua cannot run in a Worker' },
]
