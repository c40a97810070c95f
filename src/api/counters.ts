/**
 * @module
 * `clear counters [all]` (stats.c cli_parse_clear_counters): resets the maxima and rates
 * (operator), or every counter (`all`, admin), in the aggregate every isolate reports to.
 */
import { arg, type Command, hasLevel, PERMISSION_DENIED } from './command.ts'

export const COUNTER_COMMANDS: readonly Command[] = [
  {
    words: ['clear', 'counters'],
    usage: 'clear counters [all]                    : clear max statistics counters (or all counters)',
    level: 'operator',
    handler: async (args, ctx) => {
      const all = arg(args, 2) === 'all'
      if (all && !hasLevel(ctx.level, 'admin')) return PERMISSION_DENIED
      await ctx.clearCounters(all)
      return ''
    },
  },
]
