/**
 * @module
 * `show stat`, `show info` and `show servers state`: argument parsing as HAProxy 2.6 does it
 * (stats.c cli_parse_show_stat / cli_parse_show_info, proxy.c cli_parse_show_servers); the
 * rendering is src/stats/, reached through a StatsRenderers table so the command layer does
 * not depend on how rows are built.
 */
import type { StatsInput } from '../stats/input.ts'
import type { StatFilter } from '../stats/fields.ts'
import { type Args, arg, atoi, type Command, hasLevel } from './command.ts'
import { findBackend } from './servers.ts'

export type StatFormat = 'csv' | 'typed' | 'json'

/** The renderers of src/stats the commands call (injected: see src/api/run.ts). */
export interface StatsRenderers<R = unknown> {
  statRows(input: StatsInput, filter: StatFilter): R
  renderCsv(rows: R): string
  renderTyped(rows: R): string
  renderStatJson(rows: R): string
  renderInfo(input: StatsInput, opts: { readonly typed: boolean; readonly json: boolean }): string
  renderServersState(input: StatsInput, backend?: string): string
}

export interface ShowStatRequest {
  readonly filter: StatFilter
  readonly format: StatFormat
  readonly desc: boolean
}

/** stats.c cli_parse_show_stat: the filter and format, or HAProxy's error text. */
export function parseShowStat(args: Args, proxyId: (name: string) => number | undefined): ShowStatRequest | { readonly error: string } {
  let i = 2
  let filter: { -readonly [K in keyof StatFilter]: StatFilter[K] } = {}
  if (arg(args, i) === 'domain') {
    i++
    if (arg(args, i) === 'proxy') i++
    else return { error: 'Invalid statistics domain.\n' }
  }
  if (arg(args, i) && arg(args, i + 1) && arg(args, i + 2)) {
    const name = arg(args, i)
    const byName = proxyId(name)
    const iid = byName ?? atoi(name)
    if (!iid) return { error: 'No such proxy.\n' }
    filter = { iid, ...(byName !== undefined ? { name } : {}), typeMask: atoi(arg(args, i + 1)), sid: atoi(arg(args, i + 2)) }
    i += 3
  }
  let format: StatFormat = 'csv'
  let desc = false
  for (; arg(args, i); i++) {
    const a = arg(args, i)
    if (a === 'typed') format = 'typed'
    else if (a === 'json') format = 'json'
    else if (a === 'desc') desc = true
    else if (a === 'no-maint') filter.noMaint = true
    else if (a === 'up') filter.up = true
  }
  return { filter, format, desc }
}

/** The commands, bound to `r`. */
export function statsCommands(r: StatsRenderers): Command[] {
  return [
    {
      words: ['show', 'stat'],
      usage: 'show stat [desc|json|no-maint|typed|up]*: report counters for each proxy and server',
      level: 'user',
      handler: async (args, ctx) => {
        const p = parseShowStat(args, (name) => {
          const px = ctx.routeMap.frontends.find((f) => f.name === name) ?? ctx.routeMap.backends.find((b) => b.name === name)
          return px?.id
        })
        if ('error' in p) return p.error
        // STAT_SHLGNDS: addr, cookie and algo for operator and admin levels
        const rows = r.statRows(await ctx.stats(), { ...p.filter, legends: hasLevel(ctx.level, 'operator') })
        return p.format === 'typed' ? r.renderTyped(rows) : p.format === 'json' ? r.renderStatJson(rows) : r.renderCsv(rows)
      },
    },
    {
      words: ['show', 'info'],
      usage: 'show info [desc|json|typed|float]*      : report information about the running process',
      level: 'user',
      handler: async (args, ctx) => {
        const rest = args.slice(2)
        // the last of typed/json wins (STAT_FMT_MASK)
        const fmt = rest.filter((a) => a === 'typed' || a === 'json').pop()
        return r.renderInfo(await ctx.stats(), { typed: fmt === 'typed', json: fmt === 'json' })
      },
    },
    {
      words: ['show', 'servers', 'state'],
      usage: 'show servers state [<backend>]          : dump volatile server information (all or for a single backend)',
      level: 'user',
      handler: async (args, ctx) => {
        const name = arg(args, 3)
        if (name) {
          const b = findBackend(ctx.routeMap, name)
          if (!b) return "Can't find backend.\n"
          return r.renderServersState(await ctx.stats(), b.name)
        }
        return r.renderServersState(await ctx.stats())
      },
    },
  ]
}
