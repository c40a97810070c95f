/**
 * @module
 * The actions of `tcp-request connection|session|content` and `tcp-response content` rules
 * (tcp_rules.c tcp_parse_request_rule / tcp_parse_response_rule and the keyword lists that
 * tcp_act.c, vars.c, stick_table.c, stream.c, queue.c, resolvers.c and flt_spoe.c register per rule
 * set), and what the edge does with each. `reuse` actions compile through the http-request /
 * http-response action table (src/config/actions), so they run with the same runtime.
 */

export type TcpRuleSet = 'connection' | 'session' | 'content' | 'response'

/**
 * - `accept` / `reject`: final; accept stops the rule set, reject ends the request.
 * - `reuse`: the http action of the same name (track-sc, set-var, sc-inc-gpc0…).
 * - `ignored`: accepted with a warning; `no`: refused with 'not-supported' and `note`.
 * - the others are validated by the keyword module (src/config/keywords/tcp-rules.ts).
 */
export type TcpActionKind = 'accept' | 'reject' | 'reuse' | 'ignored' | 'no' | 'capture' | 'expect' | 'switch-mode' | 'use-service'

export interface TcpActionDef {
  /** As written, before any '(' (`set-var`); `lua.` matches every `lua.<name>`. */
  readonly name: string
  readonly sets: readonly TcpRuleSet[]
  readonly kind: TcpActionKind
  readonly note?: string
}

const REQ: readonly TcpRuleSet[] = ['connection', 'session', 'content']
const ALL: readonly TcpRuleSet[] = ['connection', 'session', 'content', 'response']
const CONTENT: readonly TcpRuleSet[] = ['content']
const CONTENT_RES: readonly TcpRuleSet[] = ['content', 'response']

export const TCP_ACTIONS: readonly TcpActionDef[] = [
  { name: 'accept', sets: ALL, kind: 'accept' },
  { name: 'reject', sets: ALL, kind: 'reject' },
  { name: 'close', sets: ['response'], kind: 'no', note: "a Worker cannot close the origin connection in the middle of a response: use 'http-response' rules ('http-response deny')" },
  { name: 'capture', sets: REQ, kind: 'capture' },
  { name: 'expect-proxy', sets: REQ, kind: 'expect' },
  { name: 'expect-netscaler-cip', sets: REQ, kind: 'expect' },
  ...[0, 1, 2].map((n): TcpActionDef => ({ name: `track-sc${n}`, sets: REQ, kind: 'reuse' })),
  ...['sc-inc-gpc', 'sc-inc-gpc0', 'sc-inc-gpc1', 'sc-set-gpt', 'sc-set-gpt0'].map((name): TcpActionDef => ({ name, sets: ALL, kind: 'reuse' })),
  ...['set-var', 'set-var-fmt', 'unset-var'].map((name): TcpActionDef => ({ name, sets: ALL, kind: 'reuse' })),
  ...['set-src', 'set-src-port', 'set-dst', 'set-dst-port'].map((name): TcpActionDef => ({ name, sets: REQ, kind: 'reuse' })),
  { name: 'set-mark', sets: ALL, kind: 'ignored', note: 'socket marks do not exist at the edge' },
  { name: 'set-tos', sets: ALL, kind: 'ignored', note: 'socket TOS does not exist at the edge' },
  { name: 'silent-drop', sets: ALL, kind: 'no', note: "a Worker cannot drop the client connection silently: use 'reject' (the edge answers 403) or Cloudflare WAF 'Block'" },
  { name: 'set-log-level', sets: CONTENT_RES, kind: 'ignored', note: 'Workers Logs record every request at one level' },
  { name: 'set-nice', sets: CONTENT_RES, kind: 'ignored', note: 'task priorities do not exist at the edge' },
  { name: 'switch-mode', sets: CONTENT, kind: 'switch-mode', note: 'requests are always HTTP at the edge' },
  { name: 'use-service', sets: CONTENT, kind: 'use-service' },
  { name: 'send-spoe-group', sets: CONTENT_RES, kind: 'no', note: 'SPOE agents cannot be reached from the edge' },
  { name: 'do-resolve', sets: CONTENT, kind: 'no', note: "DNS resolution is Cloudflare's" },
  { name: 'set-priority-class', sets: CONTENT, kind: 'ignored', note: 'there is no request queue at the edge' },
  { name: 'set-priority-offset', sets: CONTENT, kind: 'ignored', note: 'there is no request queue at the edge' },
  { name: 'lua.', sets: CONTENT_RES, kind: 'no', note: 'Lua cannot run in a Worker' },
]

const BY_NAME = new Map(TCP_ACTIONS.map((a) => [a.name, a]))

/** The action of a rule word (`set-var(txn.x)` → set-var, `lua.foo` → lua.). */
export function findTcpAction(word: string): TcpActionDef | undefined {
  const base = word.replace(/\(.*$/, '')
  return BY_NAME.get(base) ?? (base.startsWith('lua.') ? BY_NAME.get('lua.') : undefined)
}

/** HAProxy's list of a rule set's actions, for "expects 'accept', 'reject', …". */
export function tcpActionNames(set: TcpRuleSet): string[] {
  return TCP_ACTIONS.filter((a) => a.sets.includes(set) && a.name !== 'lua.').map((a) => a.name)
}
