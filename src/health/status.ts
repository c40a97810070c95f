/**
 * @module
 * Check statuses (reference §3.4; check.c `check_statuses[]`): the code shown in stats
 * (`check_status`), what it means for the rise/fall state machine, and HAProxy's description
 * (`check_desc`). Also the passive-health ("analyze") statuses of `observe` (check.c
 * `analyze_statuses[]`, reference §3.8).
 */

/** What a check status does to the server's health (check.c `CHK_RES_*`). */
export type CheckResultKind = 'unknown' | 'neutral' | 'failed' | 'passed' | 'condpass'

export type CheckStatus = 'UNK' | 'INI' | 'CHECKED' | 'SOCKERR' | 'L4OK' | 'L4TOUT' | 'L4CON' | 'L6OK' | 'L6TOUT' | 'L6RSP' | 'L7TOUT' | 'L7RSP' | 'L7OK' | 'L7OKC' | 'L7STS' | 'HANA'

interface StatusDef {
  readonly result: CheckResultKind
  readonly desc: string
  /** HAProxy prints `code: N` for statuses past L57DATA (the layer-7 ones). */
  readonly hasCode: boolean
}

/** check.c `check_statuses[]`, in HAProxy's order. */
export const CHECK_STATUSES: Readonly<Record<CheckStatus, StatusDef>> = {
  UNK: { result: 'unknown', desc: 'Unknown', hasCode: false },
  INI: { result: 'unknown', desc: 'Initializing', hasCode: false },
  CHECKED: { result: 'neutral', desc: 'No status change', hasCode: false },
  HANA: { result: 'failed', desc: 'Health analyze', hasCode: false },
  SOCKERR: { result: 'failed', desc: 'Socket error', hasCode: false },
  L4OK: { result: 'passed', desc: 'Layer4 check passed', hasCode: false },
  L4TOUT: { result: 'failed', desc: 'Layer4 timeout', hasCode: false },
  L4CON: { result: 'failed', desc: 'Layer4 connection problem', hasCode: false },
  L6OK: { result: 'passed', desc: 'Layer6 check passed', hasCode: false },
  L6TOUT: { result: 'failed', desc: 'Layer6 timeout', hasCode: false },
  L6RSP: { result: 'failed', desc: 'Layer6 invalid response', hasCode: false },
  L7TOUT: { result: 'failed', desc: 'Layer7 timeout', hasCode: false },
  L7RSP: { result: 'failed', desc: 'Layer7 invalid response', hasCode: false },
  L7OK: { result: 'passed', desc: 'Layer7 check passed', hasCode: true },
  L7OKC: { result: 'condpass', desc: 'Layer7 check conditionally passed', hasCode: true },
  L7STS: { result: 'failed', desc: 'Layer7 wrong status', hasCode: true },
}

/** The outcome of one active check, as the probes report it. */
export interface CheckResult {
  readonly status: CheckStatus
  /** HTTP status, MySQL error number, LDAP result code... (layer-7 statuses). */
  readonly code?: number
  /** HAProxy's `info` text (check->desc): reason phrase, error text, server version... */
  readonly info?: string
  readonly durationMs: number
}

export function checkResultKind(status: CheckStatus): CheckResultKind {
  return CHECK_STATUSES[status].result
}

export function checkDescription(status: CheckStatus): string {
  return CHECK_STATUSES[status].desc
}

/**
 * The `reason: …[, code: N][, info: "…"], check duration: Nms` part of HAProxy's health log
 * lines (check.c `check_append_info`).
 */
export function formatCheckInfo(r: { readonly status: CheckStatus; readonly code?: number; readonly info?: string; readonly durationMs?: number }): string {
  let s = `reason: ${checkDescription(r.status)}`
  if (CHECK_STATUSES[r.status].hasCode) s += `, code: ${r.code ?? 0}`
  if (r.info) s += `, info: "${r.info.replace(/["\\]/g, (c) => `\\${c}`)}"`
  if (r.durationMs !== undefined && r.durationMs >= 0) s += `, check duration: ${r.durationMs}ms`
  return s
}

/** Passive-health event kinds (check.c `HANA_STATUS_*`). */
export type AnalyzeStatus = 'L4_OK' | 'L4_ERR' | 'HTTP_OK' | 'HTTP_STS' | 'HTTP_HDRRSP' | 'HTTP_RSP' | 'HTTP_READ_ERROR' | 'HTTP_READ_TIMEOUT' | 'HTTP_BROKEN_PIPE'

/** 0 = ignored, 1 = error, 2 = good; indexed by `observe` mode [layer4, layer7]. */
export const ANALYZE_STATUSES: Readonly<Record<AnalyzeStatus, { readonly desc: string; readonly layer4: 0 | 1 | 2; readonly layer7: 0 | 1 | 2 }>> = {
  L4_OK: { desc: 'L4 successful connection', layer4: 2, layer7: 0 },
  L4_ERR: { desc: 'L4 unsuccessful connection', layer4: 1, layer7: 1 },
  HTTP_OK: { desc: 'Correct http response', layer4: 0, layer7: 2 },
  HTTP_STS: { desc: 'Wrong http response', layer4: 0, layer7: 1 },
  HTTP_HDRRSP: { desc: 'Invalid http response (headers)', layer4: 0, layer7: 1 },
  HTTP_RSP: { desc: 'Invalid http response', layer4: 0, layer7: 1 },
  HTTP_READ_ERROR: { desc: 'Read error (http)', layer4: 0, layer7: 1 },
  HTTP_READ_TIMEOUT: { desc: 'Read timeout (http)', layer4: 0, layer7: 1 },
  HTTP_BROKEN_PIPE: { desc: 'Close from server (http)', layer4: 0, layer7: 1 },
}

/**
 * The analyze status of a response status code seen on real traffic: 100..499, 501 and 505 are
 * good, anything else is a wrong response (http_ana.c).
 */
export function analyzeHttpStatus(status: number): AnalyzeStatus {
  return (status >= 100 && status < 500) || status === 501 || status === 505 ? 'HTTP_OK' : 'HTTP_STS'
}
