/**
 * @module
 * The runtime API entry point: `runCommands(text, ctx)` runs HAProxy CLI commands (one line or
 * several, `;`-separated) against an ApiContext and returns what HAProxy 2.6's stats socket
 * would print, every command's output followed by an empty line.
 */
import { renderCsv } from '../stats/csv.ts'
import { type StatRow, statRows } from '../stats/fields.ts'
import { renderInfo } from '../stats/info.ts'
import { renderServersState } from '../stats/servers-state.ts'
import { renderStatJson, renderTyped } from '../stats/typed.ts'
import { apiCommands } from './commands.ts'
import type { ApiContext } from './context.ts'
import { createRunner } from './runner.ts'
import type { StatsRenderers } from './show-stats.ts'

/** Drops the CLI's empty line a renderer ends with (the runner adds it to every output). */
function bare(s: string): string {
  return s.endsWith('\n\n') ? s.slice(0, -1) : s
}

/** src/stats/ as the commands call it. */
export const STATS_RENDERERS: StatsRenderers<StatRow[]> = {
  statRows,
  renderCsv: (rows) => renderCsv(rows, { trailingEmptyLine: false }),
  renderTyped: (rows) => renderTyped(rows, { trailingEmptyLine: false }),
  renderStatJson: (rows) => renderStatJson(rows, { trailingEmptyLine: false }),
  renderInfo: (input, opts) => bare(renderInfo(input, opts)),
  renderServersState: (input, backend) => bare(renderServersState(input, backend)),
}

export const API_COMMANDS = apiCommands(STATS_RENDERERS as StatsRenderers)

/** Runs `text` (commands separated by newlines or `;`) and returns the concatenated outputs. */
export const runCommands: (text: string, ctx: ApiContext) => Promise<string> = createRunner(API_COMMANDS)
