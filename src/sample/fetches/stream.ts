/**
 * @module
 * Stream fetches (stream.c, backend.c, frontend.c): the request's timeouts as configured and as
 * `set-timeout` left them, and the location of the rule that ended the last rule list.
 */
import type { FetchDef, RequestTimeouts } from '../types.ts'
import { BOTH, int, str } from './util.ts'

const timeout = (name: string, field: keyof RequestTimeouts, doc: string): FetchDef => ({
  name,
  args: [],
  output: 'int',
  phases: BOTH,
  doc,
  build: () => (ctx) => (ctx.timeouts ? int(ctx.timeouts[field]) : undefined),
})

export const STREAM_FETCHES: readonly FetchDef[] = [
  timeout('fe_client_timeout', 'feClient', "the frontend's 'timeout client' in ms"),
  timeout('be_server_timeout', 'beServer', "the current backend's 'timeout server' in ms"),
  timeout('be_tunnel_timeout', 'beTunnel', "the current backend's 'timeout tunnel' in ms"),
  timeout('cur_server_timeout', 'curServer', "the server timeout in force for this request ('set-timeout server' or the backend's)"),
  timeout('cur_tunnel_timeout', 'curTunnel', "the tunnel timeout in force for this request ('set-timeout tunnel' or the backend's)"),
  {
    name: 'last_rule_file',
    args: [],
    output: 'str',
    phases: BOTH,
    doc: 'the configuration file of the rule that ended the last rule list (allow, deny, redirect…)',
    build: () => (ctx) => (ctx.lastRule ? str(ctx.lastRule.file) : undefined),
  },
  {
    name: 'last_rule_line',
    args: [],
    output: 'int',
    phases: BOTH,
    doc: 'the line of the rule that ended the last rule list',
    build: () => (ctx) => (ctx.lastRule ? int(ctx.lastRule.line) : undefined),
  },
]
