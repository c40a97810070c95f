/**
 * @module
 * The runtime API's command table: every supported HAProxy 2.6 command with its usage line
 * and level, in one list (`help` prints it; the runner dispatches on it).
 */
import type { Command } from './command.ts'
import { COUNTER_COMMANDS } from './counters.ts'
import { MAP_COMMANDS } from './maps.ts'
import { SERVER_COMMANDS } from './servers.ts'
import { type StatsRenderers, statsCommands } from './show-stats.ts'
import { TABLE_COMMANDS } from './table-commands.ts'

/** All commands; the stats ones render through `stats`. */
export function apiCommands(stats: StatsRenderers): Command[] {
  return [...SERVER_COMMANDS, ...statsCommands(stats), ...COUNTER_COMMANDS, ...TABLE_COMMANDS, ...MAP_COMMANDS]
}
