/**
 * @module
 * `show servers state [<backend>]` (server.c `dump_servers_state`, format version 1): a version
 * line, a `#` header naming the 25 fields, then one space-separated line per server; empty
 * strings are written `-`. An unknown backend answers `Can't find backend.` Outputs end with the
 * CLI's empty line, like HAProxy 2.6's.
 */
import { checkResultKind, type CheckStatus } from '../health/status.ts'
import type { StatsInput } from './input.ts'
import { checkStatusNumber } from './fields.ts'
import { ageSec, backendView, proxiesInOrder, type ServerView, serverAddr } from './model.ts'

export const SERVERS_STATE_HEADER =
  '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port'

const OP_STATE = { STOPPED: 0, STARTING: 1, RUNNING: 2, STOPPING: 3 } as const
const RESULT = { unknown: 0, neutral: 1, failed: 2, passed: 3, condpass: 4 } as const

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/

function line(input: StatsInput, v: ServerView): string {
  // An agent's drain/maint set the same forced flags as the CLI (srv_adm_set_drain/maint).
  const agentAdmin = v.srv.track ? undefined : v.snap?.agentAdmin
  const forcedDrain = v.admin?.state === 'drain' || agentAdmin === 'drain'
  const admin =
    (v.srv.disabled ? 0x05 : 0) | (v.admin?.state === 'maint' || agentAdmin === 'maint' ? 0x01 : 0) | (v.inheritedMaint ? 0x02 : 0) | (forcedDrain ? 0x08 : 0) | (v.drain && !forcedDrain ? 0x10 : 0)
  const configured = v.srv.check && !v.srv.track
  const checkState = (configured ? 0x02 : 0) | (v.checkEnabled ? 0x04 : 0) | (v.maint || v.inheritedMaint ? 0x08 : 0)
  const agentState = v.srv.agent ? 0x16 : 0
  const status = (configured ? v.checkStatus : 'INI') as CheckStatus
  const result = configured ? RESULT[checkResultKind(status)] : 0
  const { host, port } = serverAddr(v)
  const fields: (string | number)[] = [
    v.be.id,
    v.be.name,
    v.srv.id,
    v.srv.name,
    host,
    OP_STATE[v.opState],
    admin,
    v.uweight,
    v.iweight,
    ageSec(input.now, v.lastChange),
    checkStatusNumber(status),
    result,
    v.health,
    checkState,
    agentState,
    0,
    0,
    IPV4.test(host) || host.includes(':') ? '' : host,
    port,
    '',
    v.srv.ssl ? 1 : 0,
    v.srv.checkPort ?? 0,
    v.srv.checkAddr ?? '',
    '',
    v.srv.agent?.port ?? 0,
  ]
  return fields.map((f) => (f === '' ? '-' : String(f))).join(' ')
}

/** `show servers state [<backend>]`, ending with the CLI's empty line. */
export function renderServersState(input: StatsInput, backend?: string): string {
  const proxies = proxiesInOrder(input).filter((p) => p.be)
  let selected = proxies
  if (backend !== undefined) {
    selected = proxies.filter((p) => p.name === backend)
    if (selected.length === 0) return "Can't find backend.\n\n"
  }
  let out = `1\n${SERVERS_STATE_HEADER}\n`
  for (const p of selected) {
    if (!p.be) continue
    for (const v of backendView(input, p.be).servers) out += `${line(input, v)}\n`
  }
  return `${out}\n`
}
