/**
 * @module
 * Agent checks (`agent-check`, reference §3.7): the agent's reply line and what HAProxy does
 * with it (tcpcheck.c `tcpcheck_agent_expect_reply`, check.c `set_server_check_status`,
 * `check_notify_*`, server.c `server_parse_weight_change_request`, `srv_adm_set_*`).
 *
 * The reply is one line ended by CR or LF; words are separated by spaces, tabs or commas, and
 * a `#` starts a description. Words (case-insensitive, the last of each kind wins): a health
 * state `up`, `down`, `stopped`, `fail`; an admin state `ready`, `drain`, `maint`; a weight
 * `N%` (relative to the configured weight); `maxconn:N`. Anything else is an error word.
 * Applied in HAProxy's order: admin state, weight, then health. `down`/`stopped`/`fail` take
 * the server DOWN (L7STS); `up` lets it come UP when its health check agrees; a failure to
 * reach the agent never takes the server down. Pure functions; time is passed in.
 */
import { type ServerHealth, type Transition, fullHealth } from './state.ts'
import type { CheckResult, CheckStatus } from './status.ts'
import type { ServerPlan } from './plan.ts'

export type AgentHealthWord = 'up' | 'down' | 'stopped' | 'fail'
export type AgentAdminWord = 'ready' | 'drain' | 'maint'

export interface AgentReply {
  readonly health?: AgentHealthWord
  readonly admin?: AgentAdminWord
  /** The last `N%` word, as written. */
  readonly weight?: string
  /** The value of the last `maxconn:N` word. */
  readonly maxconn?: string
  /** The first word that is none of the above. */
  readonly error?: string
  /** The text after `#`, leading blanks removed. */
  readonly description: string
}

const HEALTH_WORDS = new Set<string>(['up', 'down', 'stopped', 'fail'])
const ADMIN_WORDS = new Set<string>(['ready', 'drain', 'maint'])

/** The first line of `text` (up to CR or LF), or undefined when no line end arrived yet. */
export function agentLine(text: string): string | undefined {
  const end = text.search(/[\r\n]/)
  return end < 0 ? undefined : text.slice(0, end)
}

/** Parses one reply line (without its CR/LF). */
export function parseAgentReply(line: string): AgentReply {
  let health: AgentHealthWord | undefined
  let admin: AgentAdminWord | undefined
  let weight: string | undefined
  let maxconn: string | undefined
  let error: string | undefined
  let description = ''
  let i = 0
  while (i < line.length) {
    const c = line[i] as string
    if (c === ' ' || c === '\t' || c === ',') {
      i++
      continue
    }
    if (c === '#') {
      description = line.slice(i + 1).replace(/^[ \t\n]+/, '')
      break
    }
    let j = i + 1
    while (j < line.length && !' \t,'.includes(line[j] as string)) j++
    const word = line.slice(i, j)
    const lower = word.toLowerCase()
    if (HEALTH_WORDS.has(lower)) health = lower as AgentHealthWord
    else if (ADMIN_WORDS.has(lower)) admin = lower as AgentAdminWord
    else if (/^\d/.test(word) && word.includes('%')) weight = word
    else if (lower.startsWith('maxconn:')) maxconn = word.slice('maxconn:'.length)
    else error ??= word
    i = j + 1
  }
  return {
    ...(health ? { health } : {}),
    ...(admin ? { admin } : {}),
    ...(weight !== undefined ? { weight } : {}),
    ...(maxconn !== undefined ? { maxconn } : {}),
    ...(error !== undefined ? { error } : {}),
    description,
  }
}

/**
 * server.c `server_parse_weight_change_request` for a `N%` word: the new user weight, or
 * HAProxy's message when the word is refused. Static algorithms only take 0% and 100%.
 */
export function agentWeight(word: string, iweight: number, dynamicWeights: boolean): { readonly weight: number } | { readonly warning: string } {
  const m = /^(-?\d+)(.*)$/.exec(word)
  if (!m) return { warning: 'Empty weight string empty or preceded by garbage' }
  let w = Number(m[1])
  if (m[2] === '%') {
    if (w < 0) return { warning: 'Relative weight must be positive.\n' }
    w = Math.min(w, 25600)
    w = Math.min(Math.trunc((iweight * w) / 100), 256)
  } else if (w < 0 || w > 256) return { warning: 'Absolute weight can only be between 0 and 256 inclusive.\n' }
  else if (m[2] !== '') return { warning: 'Trailing garbage in weight string' }
  if (w !== 0 && w !== iweight && !dynamicWeights) return { warning: "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n" }
  return { weight: w }
}

/** The outcome of one agent check: the connection's result, and the reply line when one arrived. */
export interface AgentOutcome {
  readonly result: CheckResult
  /** The reply line; undefined when none was read. `incomplete`: data without a line end. */
  readonly line?: string
  readonly incomplete?: boolean
}

/** check.c `srv_getinter` for the agent: agent-inter (the agent has no fastinter/downinter). */
export function agentInterval(s: ServerPlan): number {
  return s.agent?.interMs ?? s.interMs
}

/** Whether the server may be RUNNING as far as its checks go (check_notify_success's conditions). */
function checksAllowUp(h: ServerHealth, s: ServerPlan): boolean {
  if (!s.agentOnly && h.health < s.rise) return false
  return (h.agent?.health ?? 1) >= 1
}

/**
 * Applies an agent check's outcome to the server's health (the agent's own state, the admin
 * state, the weight, then the operational state). `dynamicWeights`: the algorithm accepts any
 * weight. Returns the transition for logs.
 */
export function applyAgentOutcome(h: ServerHealth, s: ServerPlan, o: AgentOutcome, dynamicWeights: boolean, now: number): { readonly health: ServerHealth; readonly transition: Transition } {
  const prev = h.agent ?? { health: 1, status: 'INI' as CheckStatus, info: '', nextCheck: now }
  let agentHealth = prev.health
  let status: CheckStatus
  let info = ''
  let next: ServerHealth = h
  if (o.line === undefined) {
    // No reply line: the connection's own result.
    status = o.incomplete ? prev.status : o.result.status
    info = o.incomplete ? 'Ignoring incomplete line from agent' : (o.result.info ?? '')
    // Not reaching the agent (timeouts and empty replies included: they rank below L57DATA) changes neither health.
  } else {
    const r = parseAgentReply(o.line)
    status = r.health === undefined ? 'CHECKED' : r.health === 'up' ? 'L7OK' : 'L7STS'
    if (r.health === 'up') agentHealth = 1
    else if (r.health) agentHealth = 0
    // The words set the agent's health before the admin state is applied.
    next = { ...next, agent: { ...prev, health: agentHealth } }
    if (r.admin) {
      const { agentAdmin: _a, ...rest } = next
      next = r.admin === 'ready' ? leaveMaint(rest, h, s, now) : enterAdmin(next, r.admin, now)
    }
    let warning: string | undefined
    if (r.weight !== undefined) {
      const w = agentWeight(r.weight, s.weight, dynamicWeights)
      if ('weight' in w) next = { ...next, agentWeight: w.weight }
      else warning = w.warning
    }
    if (r.health) {
      let msg = r.description
      if (msg === '' || status === 'L7OK') msg = r.error || warning || msg
      info = `via agent : ${r.health}${msg ? ` (${msg})` : ''}`
    } else if (r.error) info = `agent reports an error : ${r.error}`
    else if (warning) info = `agent warns : ${warning}`
  }
  const agent = {
    health: agentHealth,
    status,
    ...(o.result.code !== undefined && o.line === undefined ? { code: o.result.code } : {}),
    info,
    durationMs: o.result.durationMs,
    lastCheck: now,
    nextCheck: prev.nextCheck,
  }
  next = { ...next, agent }
  const before = h.state
  let state = next.state
  const maint = next.maint || next.agentAdmin === 'maint'
  if (!maint) {
    // check_notify_failure: only an L7STS reply (down/stopped/fail) takes the server down.
    if (status === 'L7STS' && agentHealth === 0) state = 'STOPPED'
    // check_notify_success: up when the health check agrees; the agent cannot lift NOLB.
    else if (status === 'L7OK' && state === 'STOPPED' && checksAllowUp(next, s)) state = s.slowstartMs > 0 ? 'STARTING' : 'RUNNING'
  }
  if (state !== next.state) next = { ...next, state, lastChange: now, downTransitions: next.downTransitions + (state === 'STOPPED' ? 1 : 0) }
  const transition: Transition = before === next.state ? undefined : next.state === 'STOPPED' ? 'DOWN' : before === 'STOPPED' ? 'UP' : undefined
  return { health: next, transition }
}

/** `drain` or `maint` from the agent. Entering maintenance pauses the health check and takes the server down. */
function enterAdmin(h: ServerHealth, admin: 'drain' | 'maint', now: number): ServerHealth {
  if (admin === 'drain') return { ...h, agentAdmin: 'drain' }
  if (h.agentAdmin === 'maint') return h
  return { ...h, agentAdmin: 'maint', health: 0, state: 'STOPPED', lastChange: h.state === 'STOPPED' ? h.lastChange : now }
}

/**
 * `ready`: clears drain and maintenance. Leaving maintenance restarts the health check "up, but
 * checked at once" (health = rise) and brings the server up when its agent agrees (server.c
 * `srv_update_status`).
 */
function leaveMaint(h: ServerHealth, before: ServerHealth, s: ServerPlan, now: number): ServerHealth {
  if (before.agentAdmin !== 'maint' || h.maint) return h
  const health = s.agentOnly ? fullHealth(s) : s.rise
  const up = (h.agent?.health ?? 1) >= 1
  return { ...h, health, nextCheck: now, ...(up ? { state: s.slowstartMs > 0 ? 'STARTING' : 'RUNNING', lastChange: now } : {}) }
}
