/**
 * @module
 * The shape of a runtime API command (HAProxy's `struct cli_kw`): its leading keywords, the
 * usage line `help` prints, the level it needs, and the handler. Handlers return exactly what
 * HAProxy writes for the command (each line with its newline); the runner adds the empty line
 * that ends every output.
 */
import { leadingInteger } from '../util/c-number.ts'
import type { ApiContext, ApiLevel } from './context.ts'
import type { UsageEntry } from './usage.ts'

/** Arguments as HAProxy's CLI parser leaves them: words after unescaping; missing ones read as ''. */
export type Args = readonly string[]

export type Handler = (args: Args, ctx: ApiContext, payload: string | undefined) => string | Promise<string>

export interface Command extends UsageEntry {
  /** Lowest level allowed to run it; lower levels get `Permission denied`. */
  readonly level: ApiLevel
  readonly handler: Handler
}

const RANK: Readonly<Record<ApiLevel, number>> = { user: 0, operator: 1, admin: 2 }

/** True when `level` is at least `need` (cli.c cli_has_level). */
export function hasLevel(level: ApiLevel, need: ApiLevel): boolean {
  return RANK[level] >= RANK[need]
}

/** cli.c cli_permission_denied_msg */
export const PERMISSION_DENIED = 'Permission denied\n'

/** args[i], or '' past the end (HAProxy fills unused argument slots with an empty string). */
export function arg(args: Args, i: number): string {
  return args[i] ?? ''
}

/** C atoi() as the CLI reads it: the leading integer, saturated to an int. */
export function atoi(s: string): number {
  return Math.max(-2147483648, Math.min(2147483647, Number(leadingInteger(s))))
}
