/**
 * @module
 * Usage text, written from the same option tables the parser reads (src/cli/args.ts): a command's
 * synopsis and option list, and the global list of commands.
 */
import { type CommandLineSpec, type OptionSpec, optionLabel, optionsOf } from './args.ts'

/** A command with the one line the global usage shows for it. */
export interface UsageEntry extends CommandLineSpec {
  readonly summary: string
}

function synopsisOf(o: OptionSpec, all: readonly OptionSpec[]): string {
  const other = o.shownWith ? all.find((x) => x.name === o.shownWith) : undefined
  const one = `${optionLabel(o)}${o.value ? ` ${o.value}` : ''}${other ? `|${optionLabel(other)}` : ''}`
  if (o.required) return o.multiple ? `${one} [${one}…]` : one
  return o.multiple ? `[${one}]…` : `[${one}]`
}

/** `check -f FILE [-f FILE…] [-q]`: the command and what it takes, `--help` left out. */
export function synopsis(spec: CommandLineSpec): string {
  const shown = spec.options.filter((o) => !spec.options.some((x) => x.shownWith === o.name))
  return [spec.name, ...shown.map((o) => synopsisOf(o, spec.options)), ...(spec.positionals ? [spec.positionals.synopsis] : [])].join(' ')
}

function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([l]) => l.length)) + 2
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`.trimEnd())
}

/** The usage of one command: synopsis, summary, arguments and options with their help lines. */
export function commandUsage(spec: UsageEntry): string {
  const rows = optionsOf(spec).map((o): [string, string] => {
    const names = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`
    const notes = [o.multiple ? 'repeatable' : '', o.default !== undefined ? `default: ${o.default}` : ''].filter((n) => n !== '')
    return [names, `${o.help}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`]
  })
  const args = spec.positionals ? ['', 'arguments:', ...columns([[spec.positionals.name, spec.positionals.help]])] : []
  return [`usage: edgeproxy ${synopsis(spec)}`, '', spec.summary, ...args, '', 'options:', ...columns(rows)].join('\n')
}

const SUMMARY_COLUMN = 40

/** The usage of `edgeproxy` itself: every command's synopsis and summary. */
export function globalUsage(commands: readonly UsageEntry[]): string {
  const lines = commands.flatMap((c) => {
    const left = `  ${synopsis(c)}`
    return left.length < SUMMARY_COLUMN - 1 ? [`${left.padEnd(SUMMARY_COLUMN)}${c.summary}`] : [left, `${' '.repeat(SUMMARY_COLUMN)}${c.summary}`]
  })
  return ['usage: edgeproxy <command> [options]', '', 'commands:', ...lines, '', "'edgeproxy <command> --help' lists a command's options; unknown options are refused."].join('\n')
}
