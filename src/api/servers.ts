/**
 * @module
 * Server commands (HAProxy 2.6 server.c): `set server <b>/<s> state|weight|health|addr`,
 * `set weight`, `get weight`, `enable|disable server`, `enable|disable health`, and
 * `show backend` (proxy.c). Changes go through ApiContext.setAdmin; every message is HAProxy's.
 */
import { hasDynamicWeights } from '../balance/slowstart.ts'
import { inetPton4, inetPton6 } from '../sample/match/ip-parse.ts'
import type { Backend, RouteMap, Server } from '../routemap/schema.ts'
import { type Args, arg, atoi, type Command } from './command.ts'
import type { ApiContext } from './context.ts'

/** proxy.c proxy_find_by_name for backends: `#<id>` by id, else by name. */
export function findBackend(routeMap: RouteMap, name: string): Backend | undefined {
  if (name.startsWith('#')) {
    const id = atoi(name.slice(1))
    return routeMap.backends.find((b) => b.id === id)
  }
  return routeMap.backends.find((b) => b.name === name)
}

/** proxy.c get_backend_server's server part: `#<puid>` or the name. */
export function findServer(backend: Backend, name: string): Server | undefined {
  if (name.startsWith('#')) {
    const id = atoi(name.slice(1))
    if (id >= 0) return backend.servers.find((s) => s.id === id)
  }
  return backend.servers.find((s) => s.name === name)
}

type Found = { readonly backend: Backend; readonly server: Server } | { readonly error: string }

/** server.c cli_find_server: splits `backend/server`; the errors are HAProxy's. */
export function findBackendServer(routeMap: RouteMap, ref: string): Found {
  const slash = ref.indexOf('/')
  const bk = slash < 0 ? ref : ref.slice(0, slash)
  const sv = slash < 0 ? '' : ref.slice(slash + 1)
  if (!sv || !bk) return { error: "Require 'backend/server'.\n" }
  const backend = findBackend(routeMap, bk)
  if (!backend) return { error: 'No such backend.\n' }
  const server = findServer(backend, sv)
  if (!server) return { error: 'No such server.\n' }
  return { backend, server }
}

/** The user weight now (an admin override, else the configured weight). */
function uweight(ctx: ApiContext, b: Backend, s: Server): number {
  return ctx.admin(b.name, s.name)?.weight ?? s.weight
}

/** C strtol(s, &end, 10): the value and the rest, or undefined when no digit was read. */
function strtol(s: string): { value: number; rest: string } | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s)
  if (!m) return undefined
  return { value: Number.parseInt(m[1] as string, 10), rest: s.slice(m[0].length) }
}

/**
 * server.c server_parse_weight_change_request: the new user weight, or HAProxy's error text
 * (two of which have no newline, as in HAProxy).
 */
export function parseWeightChange(text: string, b: Backend, s: Server): number | { readonly error: string } {
  if (!text) return { error: 'Require <weight> or <weight%>.\n' }
  const r = strtol(text)
  if (!r) return { error: 'Empty weight string empty or preceded by garbage' }
  let w = r.value
  if (r.rest === '%') {
    if (w < 0) return { error: 'Relative weight must be positive.\n' }
    if (w > 25600) w = 25600
    w = Math.trunc((s.weight * w) / 100)
    if (w > 256) w = 256
  } else if (w < 0 || w > 256) return { error: 'Absolute weight can only be between 0 and 256 inclusive.\n' }
  else if (r.rest !== '') return { error: 'Trailing garbage in weight string' }
  if (w && w !== s.weight && !hasDynamicWeights(b.balance, b.hash)) return { error: "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n" }
  return w
}

async function setWeight(ctx: ApiContext, b: Backend, s: Server, text: string): Promise<string> {
  const w = parseWeightChange(text, b, s)
  if (typeof w !== 'number') return w.error
  await ctx.setAdmin(b.name, s.name, { weight: w })
  return ''
}

/** tools.c str2ip2 without resolution: an IPv4 or IPv6 literal. */
function isIpLiteral(s: string): boolean {
  return inetPton4(s) >= 0 || inetPton6(s, new Uint32Array(4))
}

/** server.c srv_update_addr_port, with the updater 'stats socket command'. */
async function setAddr(ctx: ApiContext, b: Backend, s: Server, addr: string, port: string | undefined): Promise<string> {
  const cur = ctx.admin(b.name, s.name)
  const curAddr = cur?.addr ?? s.host
  const curPort = cur?.port ?? s.port ?? 0
  let msg = ''
  let newAddr: string | undefined
  let newPort: number | undefined
  const done = () => `${msg} by 'stats socket command'\n`
  if (!isIpLiteral(addr)) {
    msg = `Invalid addr '${addr}'`
    return done()
  }
  if (addr === curAddr) msg += 'no need to change the addr'
  else {
    newAddr = addr
    msg = `IP changed from '${curAddr}' to '${addr}'`
  }
  if (port !== undefined) {
    msg += ', '
    const r = strtol(port)
    if (!r) {
      msg += `problem converting port '${port}' to an int`
    } else {
      const p = r.value & 0xffff
      if (port.startsWith('+') || port.startsWith('-')) {
        msg += "can't change <port> to port map because it is incompatible with current health check port configuration (use 'port' statement from the 'server' directive."
      } else if (p !== curPort) {
        newPort = p
        msg += `port changed from '${curPort}' to '${p}'`
      } else msg += 'no need to change the port'
    }
  }
  if (newAddr !== undefined || newPort !== undefined) await ctx.setAdmin(b.name, s.name, { ...(newAddr !== undefined ? { addr: newAddr } : {}), ...(newPort !== undefined ? { port: newPort } : {}) })
  return done()
}

async function setServer(args: Args, ctx: ApiContext): Promise<string> {
  const f = findBackendServer(ctx.routeMap, arg(args, 2))
  if ('error' in f) return f.error
  const { backend: b, server: s } = f
  const what = arg(args, 3)
  const v = arg(args, 4)
  switch (what) {
    case 'weight':
      return setWeight(ctx, b, s, v)
    case 'state':
      if (v === 'ready') await ctx.setAdmin(b.name, s.name, { state: null })
      else if (v === 'drain' || v === 'maint') await ctx.setAdmin(b.name, s.name, { state: v })
      else return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n"
      return ''
    case 'health':
      if (s.track) return 'cannot change health on a tracking server.\n'
      if (v !== 'up' && v !== 'stopping' && v !== 'down') return "'set server <srv> health' expects 'up', 'stopping', or 'down'.\n"
      await ctx.setAdmin(b.name, s.name, { health: v })
      return ''
    case 'agent':
      if (!s.agent) return 'agent checks are not enabled on this server.\n'
      return "'set server <srv> agent' expects 'up' or 'down'.\n"
    case 'addr':
      if (!v) return 'set server <b>/<s> addr requires an address and optionally a port.\n'
      return setAddr(ctx, b, s, v, arg(args, 5) === 'port' ? arg(args, 6) : undefined)
    default:
      return 'usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n'
  }
}

function getWeight(args: Args, ctx: ApiContext): string {
  const ref = arg(args, 2)
  const slash = ref.indexOf('/')
  if (slash < 0) return "Require 'backend/server'.\n"
  const backend = findBackend(ctx.routeMap, ref.slice(0, slash))
  if (!backend) return 'No such backend.\n'
  const server = findServer(backend, ref.slice(slash + 1))
  if (!server) return 'No such server.\n'
  return `${uweight(ctx, backend, server)} (initial ${server.weight})\n`
}

/** A `<verb> <noun> <b>/<s>` command: finds the server, then runs `fn`. */
function onServer(fn: (ctx: ApiContext, b: Backend, s: Server) => Promise<string>): Command['handler'] {
  return async (args, ctx) => {
    const f = findBackendServer(ctx.routeMap, arg(args, 2))
    return 'error' in f ? f.error : fn(ctx, f.backend, f.server)
  }
}

export const SERVER_COMMANDS: readonly Command[] = [
  { words: ['set', 'server'], usage: "set server <bk>/<srv> [opts]            : change a server's state, weight, address or ssl", level: 'admin', handler: setServer },
  {
    words: ['set', 'weight'],
    usage: "set weight <bk>/<srv>  (DEPRECATED)     : change a server's weight (use 'set server' instead)",
    level: 'admin',
    handler: async (args, ctx) => {
      const f = findBackendServer(ctx.routeMap, arg(args, 2))
      return 'error' in f ? f.error : setWeight(ctx, f.backend, f.server, arg(args, 3))
    },
  },
  { words: ['get', 'weight'], usage: "get weight <bk>/<srv>                   : report a server's current weight", level: 'user', handler: getWeight },
  {
    words: ['disable', 'server'],
    usage: "disable server (DEPRECATED)             : disable a server for maintenance (use 'set server' instead)",
    level: 'admin',
    handler: onServer(async (ctx, b, s) => {
      await ctx.setAdmin(b.name, s.name, { state: 'maint' })
      return ''
    }),
  },
  {
    words: ['enable', 'server'],
    usage: "enable server  (DEPRECATED)             : enable a disabled server (use 'set server' instead)",
    level: 'admin',
    handler: onServer(async (ctx, b, s) => {
      await ctx.setAdmin(b.name, s.name, { state: null })
      return ''
    }),
  },
  {
    words: ['disable', 'health'],
    usage: 'disable health                          : disable health checks',
    level: 'admin',
    handler: onServer(async (ctx, b, s) => {
      await ctx.setAdmin(b.name, s.name, { checksDisabled: true })
      return ''
    }),
  },
  {
    words: ['enable', 'health'],
    usage: 'enable health                           : enable health checks',
    level: 'admin',
    handler: onServer(async (ctx, b, s) => {
      if (!s.check) return 'Health check was not configured on this server, cannot enable.\n'
      await ctx.setAdmin(b.name, s.name, { checksDisabled: null })
      return ''
    }),
  },
  {
    words: ['show', 'backend'],
    usage: 'show backend                            : list backends in the current running config',
    level: 'user',
    handler: (_args, ctx) => `# name\n${ctx.routeMap.backends.map((b) => `${b.name}\n`).join('')}`,
  },
]
