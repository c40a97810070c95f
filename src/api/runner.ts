/**
 * @module
 * HAProxy's CLI request loop in non-interactive mode (cli.c `cli_io_handler`,
 * `cli_parse_request`): the text is cut into commands at newlines and unescaped `;`, each
 * command into words at blanks (`\` escapes the next character), a line ending in `<<` takes
 * the following lines up to an empty one as its payload; each command runs in turn and its
 * output is followed by an empty line. The command table is data (a list of {words, level,
 * handler}); the longest keyword prefix wins, as in `cli_find_kw`.
 */
import { type Command, hasLevel, PERMISSION_DENIED } from './command.ts'
import type { ApiContext } from './context.ts'
import { usageMessage } from './usage.ts'

/** One command line: its raw text and its payload (the lines after `<<`), if any. */
export interface CommandLine {
  readonly line: string
  readonly payload?: string
}

/**
 * Cuts `text` into command lines like cli_io_handler: at `\n` and at `;` not escaped by `\`,
 * dropping a trailing `\r`. A line whose last word is `<<` collects the following lines up to
 * an empty one (or the end) as its payload. Unlike HAProxy, a last line without a newline is
 * still run (HTTP bodies often lack it).
 */
export function splitCommands(text: string): CommandLine[] {
  const out: CommandLine[] = []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  for (let i = 0; i < lines.length; i++) {
    let rest = lines[i] as string
    for (;;) {
      let cut = -1
      for (let j = 0; j < rest.length; j++) {
        const c = rest[j]
        if (c === '\\') {
          j++
          continue
        }
        if (c === ';') {
          cut = j
          break
        }
      }
      let line = cut < 0 ? rest : rest.slice(0, cut)
      if (cut < 0 && line.endsWith('\r')) line = line.slice(0, -1)
      if (cut < 0 && /(^|[ \t])<<$/.test(line)) {
        const body: string[] = []
        for (i++; i < lines.length; i++) {
          let l = lines[i] as string
          if (l.endsWith('\r')) l = l.slice(0, -1)
          if (l === '') break
          body.push(l)
        }
        out.push({ line: line.slice(0, -2), payload: body.join('\n') })
        break
      }
      out.push({ line })
      if (cut < 0) break
      rest = rest.slice(cut + 1)
    }
  }
  return out
}

/** cli_parse_request's word splitter: blanks separate words, `\x` is `x` and `\\` is `\`. */
export function splitWords(line: string): string[] {
  const words: string[] = []
  let i = 0
  while (i < line.length) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++
    if (i >= line.length) break
    let w = ''
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      if (line[i] === '\\') {
        i++
        if (i < line.length) w += line[i]
        i++
        continue
      }
      w += line[i]
      i++
    }
    words.push(w)
  }
  return words
}

/** The command whose keywords are a prefix of `args` (the longest such, as cli_find_kw). */
export function findCommand(commands: readonly Command[], args: readonly string[]): Command | undefined {
  let best: Command | undefined
  for (const c of commands) {
    if (c.words.length > args.length || !c.words.every((w, i) => args[i] === w)) continue
    if (!best || c.words.length > best.words.length) best = c
  }
  return best
}

/** Runs one command line; returns its output including the final empty line. */
export async function runOne(commands: readonly Command[], cl: CommandLine, ctx: ApiContext): Promise<string> {
  const args = splitWords(cl.line)
  if (args[0] === 'help') return `${usageMessage(commands, args)}\n`
  const cmd = findCommand(commands, args)
  if (!cmd) return `${usageMessage(commands, args)}\n`
  if (!hasLevel(ctx.level, cmd.level)) return `${PERMISSION_DENIED}\n`
  return `${await cmd.handler(args, ctx, cl.payload)}\n`
}

/**
 * A runner over a command table: `text` in, every command's output concatenated. `quit` ends
 * the session; `prompt` toggles the interactive mode, where `> ` follows every output.
 */
export function createRunner(commands: readonly Command[]): (text: string, ctx: ApiContext) => Promise<string> {
  return async (text, ctx) => {
    let out = ''
    let interactive = false
    for (const cl of splitCommands(text)) {
      const first = splitWords(cl.line)[0]
      if (first === 'quit') break
      if (first === 'prompt') {
        interactive = !interactive
        out += '\n'
      } else out += await runOne(commands, cl, ctx)
      if (interactive) out += '> '
    }
    return out
  }
}
