/**
 * @module
 * Command-line parsing: one option table per command (src/cli/commands.ts), read by `parseArgs`
 * from `node:util` in strict mode, and by src/cli/usage.ts for the usage text, so what a command
 * accepts and what its usage says come from the same rows.
 *
 * An unknown option, an option without its value, a value given to a flag, a single-valued option
 * given twice, a positional the command does not take or a missing required option is a
 * {@link UsageError} naming the argument (with a "did you mean" for a near-miss option name):
 * src/cli/main.ts prints it with the command's usage and exits 2.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { didYouMean } from './did-you-mean.ts'

/** One row of a command's option table. */
export interface OptionSpec {
  /** The long name, without dashes: `file` is `--file`. */
  readonly name: string
  /** The one-letter alias, without the dash: `f` is `-f`. */
  readonly short?: string
  /** The value's placeholder in the usage (`FILE`) when the option takes a value; absent for a flag. */
  readonly value?: string
  /** May be given more than once (`-f a.cfg -f b.cfg`); every value is kept, in order. */
  readonly multiple?: boolean
  /** Must be given. */
  readonly required?: boolean
  /** The value when the option is not given (options with a value, not `multiple`). */
  readonly default?: string
  /** A flag shown with this one as a choice in the synopsis: `local` with `remote` is `[--local|--remote]`. */
  readonly shownWith?: string
  /** One line for the usage. */
  readonly help: string
}

/** The words after the options (`rollback [VERSION]`, `api "COMMAND"…`). */
export interface PositionalSpec {
  /** The placeholder, e.g. `VERSION`. */
  readonly name: string
  /** As shown in the synopsis, e.g. `[VERSION]`. */
  readonly synopsis: string
  readonly min: number
  readonly max: number
  /** One line for the usage. */
  readonly help: string
}

/** What a command accepts: the source of both its parsing and its usage text. */
export interface CommandLineSpec {
  readonly name: string
  readonly options: readonly OptionSpec[]
  /** Absent: the command takes no positional arguments. */
  readonly positionals?: PositionalSpec
}

/** `-h, --help`: added to every command's table. */
export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', help: 'show this help and exit' }

/** The parsed command line of one command. */
export interface ParsedArgs {
  /** The value of an option that takes one (its default when not given). */
  string(name: string): string | undefined
  /** Every value of a `multiple` option, in order (empty when not given). */
  strings(name: string): readonly string[]
  /** Whether a flag was given. */
  flag(name: string): boolean
  readonly positionals: readonly string[]
}

export class UsageError extends Error {}

/** The rows of a command's table, `--help` included. */
export function optionsOf(spec: CommandLineSpec): readonly OptionSpec[] {
  return [...spec.options, HELP_OPTION]
}

/** How an option is written in messages and in the synopsis: `-f` when it has a short form. */
export function optionLabel(o: OptionSpec): string {
  return o.short ? `-${o.short}` : `--${o.name}`
}

function nodeOptions(options: readonly OptionSpec[]): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {}
  for (const o of options) {
    out[o.name] = {
      type: o.value ? 'string' : 'boolean',
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
      ...(o.default !== undefined && !o.multiple ? { default: o.default } : {}),
    }
  }
  return out
}

/**
 * Parses `argv` (the words after the command name) against the command's table. Returns 'help'
 * when `-h`/`--help` is among the options (it wins over any other problem); throws a UsageError
 * for anything the table does not allow.
 */
export function parseCommandLine(spec: CommandLineSpec, argv: readonly string[]): ParsedArgs | 'help' {
  const table = optionsOf(spec)
  const options = nodeOptions(table)
  const byName = new Map(table.map((o) => [o.name, o]))
  // A lenient pass first, for its tokens: they say which argument is wrong, as data.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true })
  if (tokens.some((t) => t.kind === 'option' && t.name === HELP_OPTION.name)) return 'help'
  const seen = new Set<string>()
  let positionals = 0
  const max = spec.positionals?.max ?? 0
  for (const t of tokens) {
    if (t.kind === 'positional') {
      if (++positionals > max) throw new UsageError(`unexpected argument '${t.value}'`)
      continue
    }
    if (t.kind !== 'option') continue
    const o = byName.get(t.name)
    if (!o) {
      const near = t.rawName.startsWith('--')
        ? didYouMean(
            t.name,
            table.map((x) => x.name),
          )
        : undefined
      throw new UsageError(`unknown option '${t.rawName}'${near ? ` (did you mean '--${near}'?)` : ''}`)
    }
    if (o.value && t.value === undefined) throw new UsageError(`option '${t.rawName}' needs a value (${o.value})`)
    if (o.value && !t.inlineValue && t.value?.startsWith('-')) {
      throw new UsageError(`option '${t.rawName}' needs a value (${o.value}), not the option-like '${t.value}' (write '--${o.name}=${t.value}' if that is the value)`)
    }
    if (!o.value && t.value !== undefined) throw new UsageError(`option '${t.rawName}' takes no value`)
    if (!o.multiple && seen.has(o.name)) throw new UsageError(`option '${t.rawName}' given more than once`)
    seen.add(o.name)
  }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: max > 0 })
  } catch (e) {
    // The checks above cover what strict mode refuses; this keeps Node's own words for anything else.
    throw new UsageError((e as Error).message)
  }
  for (const o of table) {
    if (o.required && parsed.values[o.name] === undefined) throw new UsageError(`missing option '${optionLabel(o)}${o.value ? ` ${o.value}` : ''}'`)
  }
  const min = spec.positionals?.min ?? 0
  if (parsed.positionals.length < min) throw new UsageError(`missing ${spec.positionals?.name}`)
  const values = parsed.values
  // Reading an option the table does not have is a bug in the command, not a user's mistake.
  const value = (name: string) => {
    if (!byName.has(name)) throw new Error(`edgeproxy ${spec.name}: no option '--${name}' in its table`)
    return values[name]
  }
  return {
    string: (name) => {
      const v = value(name)
      return typeof v === 'string' ? v : undefined
    },
    strings: (name) => {
      const v = value(name)
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []
    },
    flag: (name) => value(name) === true,
    positionals: parsed.positionals,
  }
}
