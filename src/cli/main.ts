/**
 * @module
 * The `edgeproxy` command line: check, migrate, compile, explain, dev, init, deploy, push, rollback, status, api
 * (src/cli/commands.ts). Exit codes: 0 done, 1 the command failed (a configuration with errors, an
 * unreachable Worker…), 2 a bad command line (printed with the usage).
 */
import { parseCommandLine, UsageError } from './args.ts'
import { COMMANDS } from './commands.ts'
import type { Io } from './compile-files.ts'
import { didYouMean } from './did-you-mean.ts'
import { ConfigFileError } from './files.ts'
import { commandUsage, globalUsage, type UsageEntry } from './usage.ts'

/** `edgeproxy help [COMMAND]`: shown in the global usage, handled here. */
const HELP: UsageEntry = {
  name: 'help',
  summary: "show this help, or a command's",
  options: [],
  positionals: { name: 'COMMAND', synopsis: '[COMMAND]', min: 0, max: 1, help: 'the command to describe' },
}

const USAGE = globalUsage([...COMMANDS, HELP])

/** What `edgeproxy` accepts before a command: only `--help`. */
const GLOBAL = { name: 'edgeproxy', options: [] }

function isOption(word: string): boolean {
  return word.startsWith('-') && word !== '-'
}

function unknownCommand(name: string): UsageError {
  const near = didYouMean(
    name,
    [...COMMANDS, HELP].map((x) => x.name),
  )
  return new UsageError(`unknown command '${name}'${near ? ` (did you mean '${near}'?)` : ''}`)
}

/** Runs `f`; a UsageError is printed as `NAME: message` with `usage` (exit 2), an unreadable config file as is (exit 1). */
async function guarded(io: Io, name: string, usage: string, f: () => Promise<number>): Promise<number> {
  try {
    return await f()
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${name}: ${e.message}\n\n${usage}`)
      return 2
    }
    if (e instanceof ConfigFileError) {
      io.err(e.message)
      return 1
    }
    throw e
  }
}

export function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv
  if (first === HELP.name) {
    return guarded(io, `edgeproxy ${HELP.name}`, USAGE, async () => {
      const args = parseCommandLine(HELP, rest)
      const topic = args === 'help' ? undefined : args.positionals[0]
      const command = topic === undefined ? undefined : COMMANDS.find((c) => c.name === topic)
      if (topic !== undefined && !command) throw unknownCommand(topic)
      io.out(command ? commandUsage(command) : USAGE)
      return 0
    })
  }
  const command = first === undefined || isOption(first) ? undefined : COMMANDS.find((c) => c.name === first)
  if (!command) {
    return guarded(io, 'edgeproxy', USAGE, async () => {
      if (first !== undefined && !isOption(first)) throw unknownCommand(first)
      // Options before any command: only --help means something there.
      const before = argv.findIndex((a) => !isOption(a))
      if (parseCommandLine(GLOBAL, before < 0 ? argv : argv.slice(0, before)) !== 'help') throw new UsageError('missing command')
      io.out(USAGE)
      return 0
    })
  }
  const usage = commandUsage(command)
  return guarded(io, `edgeproxy ${command.name}`, usage, async () => {
    const args = parseCommandLine(command, rest)
    if (args === 'help') {
      io.out(usage)
      return 0
    }
    return await command.run(args, io)
  })
}
