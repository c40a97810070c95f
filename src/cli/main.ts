/**
 * @module
 * The `edgeproxy` command line: check, migrate, compile, explain, dev, push, rollback, status, api.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs, UsageError } from './args.ts'
import { compileFiles, type Io } from './compile-files.ts'
import { explain } from './explain.ts'
import { ConfigFileError } from './files.ts'

const USAGE = `usage: edgeproxy <command> [options]

commands:
  check -f FILE [-f FILE…] [-q]        validate a configuration (like 'haproxy -c -f')
  migrate -f FILE [-o OUT]             rewrite HAProxy 1.x directives (reqadd, reqrep, rspdel,
                                       block, contimeout…) to their 2.x equivalents
  compile -f FILE [-f FILE…] [-o OUT]  print (or write) the RouteMap JSON
  explain -f FILE --url URL [--method M] [-H 'Name: value']… [--src IP] [--down BACKEND/SERVER]…
                                       show the decision for one request
  dev -f FILE [--demo-origins] [--persist-to DIR]
                                       run the Worker locally in workerd, listening on each bind
  push -f FILE [--local|--remote] [--persist-to DIR] [--config wrangler.toml]
                                       validate, compile and publish a new RouteMap version to KV
  rollback [VERSION] [--local|--remote]
                                       make an earlier version live again (default: the previous one)
  status [--local|--remote]            show the live version and the version history
  api [--url URL] [--token TOKEN] "COMMAND" | -
                                       run HAProxy runtime API commands (show stat, set server…)
`

function files(args: ReturnType<typeof parseArgs>): string[] {
  const f = args.values.get('-f') ?? []
  if (f.length === 0) throw new UsageError("missing '-f FILE'")
  return f
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const args = parseArgs(argv)
    switch (args.command) {
      case 'check': {
        const r = compileFiles(files(args), io, { quiet: args.flags.has('-q') })
        if (r.errorCount > 0) {
          io.err(`Fatal errors found in configuration (${r.errorCount} error${r.errorCount === 1 ? '' : 's'}).`)
          return 1
        }
        io.out('Configuration file is valid')
        return 0
      }
      case 'compile': {
        const r = compileFiles(files(args), io, { quiet: true })
        if (!r.routeMap) return 1
        const json = `${JSON.stringify(r.routeMap, null, 2)}\n`
        const out = args.values.get('-o')?.[0]
        if (out) writeFileSync(out, json)
        else io.out(json.trimEnd())
        return 0
      }
      case 'migrate': {
        const { migrateCommand } = await import('./migrate.ts')
        return migrateCommand(files(args), args.values.get('-o')?.[0], io)
      }
      case 'explain': {
        const url = args.values.get('--url')?.[0]
        if (!url) throw new UsageError("explain needs '--url URL'")
        const r = compileFiles(files(args), io, { quiet: true })
        if (!r.routeMap) return 1
        io.out(
          await explain(r.routeMap, {
            url,
            method: args.values.get('--method')?.[0] ?? 'GET',
            headers: args.values.get('-H') ?? [],
            src: args.values.get('--src')?.[0] ?? '127.0.0.1',
            down: args.values.get('--down') ?? [],
          }),
        )
        return 0
      }
      case 'dev': {
        // Loaded on demand: it brings in Miniflare and esbuild, which check/compile do not need.
        const { dev } = await import('./dev.ts')
        return await dev({ files: files(args), demoOrigins: args.flags.has('--demo-origins'), ...(args.values.get('--persist-to') ? { persistTo: args.values.get('--persist-to')?.[0] as string } : {}) }, io)
      }
      case 'push': {
        const { pushCommand } = await import('./versions.ts')
        return await pushCommand(args, files(args), io)
      }
      case 'rollback': {
        const { rollbackCommand } = await import('./versions.ts')
        return await rollbackCommand(args, io)
      }
      case 'status': {
        const { statusCommand } = await import('./versions.ts')
        return await statusCommand(args, io)
      }
      case 'api': {
        const { apiCommand } = await import('./api.ts')
        return await apiCommand(args, io)
      }
      case undefined:
      case 'help':
        io.out(USAGE.trimEnd())
        return args.command === 'help' || args.flags.has('-h') || args.flags.has('--help') ? 0 : 2
      default:
        throw new UsageError(`unknown command '${args.command}'`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`edgeproxy: ${e.message}\n\n${USAGE.trimEnd()}`)
      return 2
    }
    if (e instanceof ConfigFileError) {
      io.err(e.message)
      return 1
    }
    throw e
  }
}
