/**
 * @module
 * A small argv parser for the CLI: repeated `-f`, `-H`, flags with values, and positional words.
 */

export interface ParsedArgs {
  readonly command: string | undefined
  readonly values: Map<string, string[]>
  readonly flags: Set<string>
  readonly positional: string[]
}

/** Options that take a value; everything else starting with '-' is a flag. */
const WITH_VALUE = new Set(['-f', '--file', '-o', '--out', '--url', '--method', '-X', '-H', '--header', '--src', '--down', '--port', '--ip', '--persist-to', '--version-id', '--namespace-id', '--token', '--env', '--config', '--binding'])

const ALIASES: Readonly<Record<string, string>> = { '--file': '-f', '--out': '-o', '-X': '--method', '--header': '-H' }

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<string, string[]>()
  const flags = new Set<string>()
  const positional: string[] = []
  let command: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const eq = a.startsWith('--') ? a.indexOf('=') : -1
    const name0 = eq > 0 ? a.slice(0, eq) : a
    const name = ALIASES[name0] ?? name0
    if (WITH_VALUE.has(name0) || WITH_VALUE.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i]
      if (v === undefined) throw new UsageError(`option '${name0}' expects a value`)
      values.set(name, [...(values.get(name) ?? []), v])
    } else if (a.startsWith('-') && a !== '-') flags.add(name)
    else if (command === undefined) command = a
    else positional.push(a)
  }
  return { command, values, flags, positional }
}

export class UsageError extends Error {}
