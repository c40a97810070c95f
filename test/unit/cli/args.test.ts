import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type ParsedArgs, parseCommandLine } from '../../../src/cli/args.ts'
import { type Command, COMMANDS } from '../../../src/cli/commands.ts'
import { didYouMean, editDistance } from '../../../src/cli/did-you-mean.ts'
import { main } from '../../../src/cli/main.ts'

function command(name: string): Command {
  const c = COMMANDS.find((x) => x.name === name)
  if (!c) throw new Error(`no command ${name}`)
  return c
}

/** Runs `main` in this process, collecting what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

function parsed(name: string, argv: string[]): ParsedArgs {
  const r = parseCommandLine(command(name), argv)
  if (r === 'help') throw new Error('unexpected help')
  return r
}

interface Case {
  readonly command: string
  readonly argv: string[]
  /** Option values after parsing: string[] for repeatable options, string for the others, boolean for flags. */
  readonly expect: Readonly<Record<string, string | string[] | boolean>>
  readonly positionals?: string[]
}

/** Every option each command accepted before the parser became strict, in each of its spellings. */
const CASES: readonly Case[] = [
  { command: 'check', argv: ['-f', 'a.cfg'], expect: { file: ['a.cfg'], quiet: false } },
  { command: 'check', argv: ['-f', 'a.cfg', '-f', 'b.cfg', '-q'], expect: { file: ['a.cfg', 'b.cfg'], quiet: true } },
  { command: 'check', argv: ['--file', 'a.cfg', '--file=b.cfg', '--quiet'], expect: { file: ['a.cfg', 'b.cfg'], quiet: true } },
  { command: 'migrate', argv: ['-f', 'old.cfg', '-o', 'new.cfg'], expect: { file: 'old.cfg', out: 'new.cfg' } },
  { command: 'migrate', argv: ['--file', 'old.cfg', '--out', 'new.cfg'], expect: { file: 'old.cfg', out: 'new.cfg' } },
  { command: 'compile', argv: ['-f', 'a.cfg', '-f', 'b.cfg', '-o', 'rm.json'], expect: { file: ['a.cfg', 'b.cfg'], out: 'rm.json' } },
  { command: 'compile', argv: ['--file', 'a.cfg', '--out=rm.json'], expect: { file: ['a.cfg'], out: 'rm.json' } },
  { command: 'explain', argv: ['-f', 'a.cfg', '--url', 'http://x/'], expect: { file: ['a.cfg'], url: 'http://x/', method: 'GET', src: '127.0.0.1', header: [], down: [] } },
  {
    command: 'explain',
    argv: ['-f', 'a.cfg', '--url=http://x/', '--method', 'POST', '-H', 'Cookie: a=1', '--header', 'X-A: 2', '--src', '198.51.100.7', '--down', 'be/s1', '--down', 'be/s2'],
    expect: { url: 'http://x/', method: 'POST', header: ['Cookie: a=1', 'X-A: 2'], src: '198.51.100.7', down: ['be/s1', 'be/s2'] },
  },
  { command: 'explain', argv: ['--file', 'a.cfg', '--url', 'http://x/', '-X', 'PUT'], expect: { file: ['a.cfg'], method: 'PUT' } },
  { command: 'explain', argv: ['-f', 'a.cfg', '--url', 'https://x:8443/', '--tls-client-auth', '{"certPresented":"1"}'], expect: { 'tls-client-auth': '{"certPresented":"1"}' } },
  { command: 'dev', argv: ['-f', 'a.cfg'], expect: { file: ['a.cfg'], 'demo-origins': false, 'persist-to': '.wrangler/state' } },
  { command: 'dev', argv: ['-f', 'a.cfg', '-f', 'b.cfg', '--demo-origins', '--persist-to', '/tmp/st'], expect: { file: ['a.cfg', 'b.cfg'], 'demo-origins': true, 'persist-to': '/tmp/st' } },
  {
    command: 'dev',
    argv: [
      '-f',
      'a.cfg',
      '--edge',
      '--vpc-network',
      'cf1:network',
      '--edge-host',
      'a.example=127.0.0.1:1',
      '--edge-host',
      'b.example=127.0.0.1:2',
      '--tls-cert',
      's.pem',
      '--tls-key',
      's.key',
      '--tls-ca',
      'ca.pem',
      '--domain',
      'lb.example.com',
      '--domain',
      'stats=stats.example.com',
    ],
    expect: {
      edge: true,
      'vpc-network': 'cf1:network',
      'edge-host': ['a.example=127.0.0.1:1', 'b.example=127.0.0.1:2'],
      'tls-cert': 's.pem',
      'tls-key': 's.key',
      'tls-ca': 'ca.pem',
      domain: ['lb.example.com', 'stats=stats.example.com'],
    },
  },
  { command: 'init', argv: [], expect: {} },
  {
    command: 'deploy',
    argv: ['-f', 'a.cfg'],
    expect: { file: ['a.cfg'], domain: [], route: [], 'dry-run': false, outdir: '.edgeproxy' },
  },
  {
    command: 'deploy',
    argv: [
      '--file',
      'a.cfg',
      '--name',
      'lb',
      '--domain',
      'lb.example.com',
      '--domain=stats=stats.example.com',
      '--route',
      'example.com/*',
      '--vpc-network',
      'cf1:network',
      '--dry-run',
      '--outdir',
      'out',
    ],
    expect: { file: ['a.cfg'], name: 'lb', domain: ['lb.example.com', 'stats=stats.example.com'], route: ['example.com/*'], 'vpc-network': 'cf1:network', 'dry-run': true, outdir: 'out' },
  },
  { command: 'push', argv: ['-f', 'a.cfg', '--local', '--persist-to', 'st'], expect: { file: ['a.cfg'], local: true, remote: false, 'persist-to': 'st' } },
  { command: 'push', argv: ['--file', 'a.cfg', '--remote', '--config', 'w.toml', '--binding', 'RM'], expect: { file: ['a.cfg'], local: false, remote: true, config: 'w.toml', binding: 'RM' } },
  { command: 'rollback', argv: [], expect: { local: false, remote: false, 'persist-to': '.wrangler/state' }, positionals: [] },
  {
    command: 'rollback',
    argv: ['v3', '--local', '--persist-to', 'st', '--config', 'w.toml', '--binding', 'RM'],
    expect: { local: true, 'persist-to': 'st', config: 'w.toml', binding: 'RM' },
    positionals: ['v3'],
  },
  { command: 'rollback', argv: ['--remote', 'v2'], expect: { remote: true }, positionals: ['v2'] },
  { command: 'status', argv: ['--local', '--persist-to', 'st'], expect: { local: true, remote: false, 'persist-to': 'st' } },
  { command: 'status', argv: ['--remote', '--config', 'w.toml', '--binding', 'RM'], expect: { remote: true, config: 'w.toml', binding: 'RM' } },
  { command: 'cost', argv: ['-f', 'a.cfg'], expect: { file: ['a.cfg'], json: false } },
  { command: 'cost', argv: ['--file', 'a.cfg', '--rps', '50', '--locations=20', '--isolates', '40', '--json'], expect: { rps: '50', locations: '20', isolates: '40', json: true } },
  { command: 'api', argv: ['show stat'], expect: { 'persist-to': '.wrangler/state' }, positionals: ['show stat'] },
  { command: 'api', argv: ['--url', 'https://lb.example.com', '--token', 't0k', 'show', 'stat'], expect: { url: 'https://lb.example.com', token: 't0k' }, positionals: ['show', 'stat'] },
  { command: 'api', argv: ['--persist-to', 'st', '-'], expect: { 'persist-to': 'st' }, positionals: ['-'] },
  { command: 'api', argv: ['--token=-starts-with-a-dash', '--', '-odd'], expect: { token: '-starts-with-a-dash' }, positionals: ['-odd'] },
]

function optionValue(args: ParsedArgs, c: Command, name: string): string | readonly string[] | boolean | undefined {
  const o = c.options.find((x) => x.name === name)
  if (!o) return `no option --${name}`
  if (!o.value) return args.flag(name)
  return o.multiple ? args.strings(name) : args.string(name)
}

describe('every option each command accepts', () => {
  it.each(CASES.map((c) => [`${c.command} ${c.argv.join(' ')}`, c] as const))('%s', (_, c) => {
    const args = parsed(c.command, c.argv)
    for (const [name, want] of Object.entries(c.expect)) expect([name, optionValue(args, command(c.command), name)]).toEqual([name, want])
    expect(args.positionals).toEqual(c.positionals ?? [])
  })

  it('covers every option of every command', () => {
    const tested = new Set(CASES.flatMap((c) => Object.keys(c.expect).map((o) => `${c.command} --${o}`)))
    const all = COMMANDS.flatMap((c) => c.options.map((o) => `${c.name} --${o.name}`))
    expect(all.filter((o) => !tested.has(o))).toEqual([])
  })

  it('gives --remote priority over --local, as before', () => {
    expect(parsed('status', ['--local', '--remote']).flag('remote')).toBe(true)
  })
})

describe('a bad command line exits 2 with the command usage', () => {
  it('refuses an unknown option', async () => {
    const r = await cli('check', '--bogus-flag', '-f', 'a.cfg')
    expect(r.code).toBe(2)
    expect(r.out).toBe('')
    expect(r.err.split('\n')[0]).toBe("edgeproxy check: unknown option '--bogus-flag'")
    expect(r.err).toContain('usage: edgeproxy check -f FILE [-f FILE…] [-q]')
    expect(r.err).toContain('-q, --quiet')
  })

  it('suggests the option a near miss meant', async () => {
    const r = await cli('dev', '-f', 'a.cfg', '--demo-orgins')
    expect(r.code).toBe(2)
    expect(r.err.split('\n')[0]).toBe("edgeproxy dev: unknown option '--demo-orgins' (did you mean '--demo-origins'?)")
    expect(r.err).toContain('usage: edgeproxy dev -f FILE [-f FILE…] [--demo-origins] [--persist-to DIR]')
  })

  it.each([
    [['check', '-f'], "edgeproxy check: option '-f' needs a value (FILE)"],
    [['explain', '-f', 'a.cfg', '--url'], "edgeproxy explain: option '--url' needs a value (URL)"],
    [['check', '-f', '-q'], "edgeproxy check: option '-f' needs a value (FILE), not the option-like '-q' (write '--file=-q' if that is the value)"],
    [['check', '-f', 'a.cfg', '-x'], "edgeproxy check: unknown option '-x'"],
    [['check', '-f', 'a.cfg', '-qx'], "edgeproxy check: unknown option '-x'"],
    [['check', '-f', 'a.cfg', '--quiet=yes'], "edgeproxy check: option '--quiet' takes no value"],
    [['check', '-f', 'a.cfg', 'b.cfg'], "edgeproxy check: unexpected argument 'b.cfg'"],
    [['check'], "edgeproxy check: missing option '-f FILE'"],
    [['explain', '-f', 'a.cfg'], "edgeproxy explain: missing option '--url URL'"],
    [['explain', '-f', 'a.cfg', '--url', 'http://a/', '--url', 'http://b/'], "edgeproxy explain: option '--url' given more than once"],
    [['migrate', '-f', 'a.cfg', '-f', 'b.cfg'], "edgeproxy migrate: option '-f' given more than once"],
    [['rollback', 'v1', 'v2'], "edgeproxy rollback: unexpected argument 'v2'"],
    [['status', 'v1'], "edgeproxy status: unexpected argument 'v1'"],
    [['api'], 'edgeproxy api: missing COMMAND'],
    [['dev', '-f', 'a.cfg', '--port', '8080'], "edgeproxy dev: unknown option '--port'"],
    [['push', '-f', 'a.cfg', '--remot'], "edgeproxy push: unknown option '--remot' (did you mean '--remote'?)"],
  ])('%j', async (argv, line) => {
    const r = await cli(...argv)
    expect(r.code).toBe(2)
    expect(r.err.split('\n')[0]).toBe(line)
    expect(r.err).toContain(`usage: edgeproxy ${argv[0]} `)
    expect(r.out).toBe('')
  })

  it('refuses an unknown command with the global usage, suggesting a near miss', async () => {
    const r = await cli('chek', '-f', 'a.cfg')
    expect(r.code).toBe(2)
    expect(r.err.split('\n')[0]).toBe("edgeproxy: unknown command 'chek' (did you mean 'check'?)")
    expect(r.err).toContain('usage: edgeproxy <command> [options]')
    expect((await cli('frobnicate')).err.split('\n')[0]).toBe("edgeproxy: unknown command 'frobnicate'")
    expect((await cli('help', 'frobnicate')).code).toBe(2)
  })

  it('needs a command first', async () => {
    for (const argv of [[], ['-f', 'a.cfg', 'check']]) {
      const r = await cli(...argv)
      expect(r.code).toBe(2)
      expect(r.err).toContain('usage: edgeproxy <command> [options]')
    }
    expect((await cli()).err.split('\n')[0]).toBe('edgeproxy: missing command')
    expect((await cli('-f', 'a.cfg', 'check')).err.split('\n')[0]).toBe("edgeproxy: unknown option '-f'")
  })

  it('does the same through bin/edgeproxy.mjs', () => {
    const r = spawnSync('node', [join(import.meta.dirname, '..', '..', '..', 'bin', 'edgeproxy.mjs'), 'check', '--bogus-flag'], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^edgeproxy check: unknown option '--bogus-flag'\n\nusage: edgeproxy check /)
    expect(r.stdout).toBe('')
  })
})

describe('help', () => {
  it.each(COMMANDS.map((c) => c.name))('%s --help and -h print its usage and exit 0', async (name) => {
    for (const flag of ['--help', '-h']) {
      const r = await cli(name, flag)
      expect(r.code).toBe(0)
      expect(r.err).toBe('')
      expect(r.out).toMatch(new RegExp(`^usage: edgeproxy ${name}\\b`))
      for (const o of command(name).options) expect(r.out).toContain(`--${o.name}${o.value ? ` ${o.value}` : ''}  `)
      expect(r.out).toContain('-h, --help')
    }
    expect((await cli('help', name)).out).toBe((await cli(name, '--help')).out)
  })

  it('wins over other mistakes on the same line', async () => {
    const r = await cli('check', '--bogus', '--help')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^usage: edgeproxy check /)
  })

  it('lists every command in the global usage', async () => {
    for (const argv of [['help'], ['--help'], ['-h']]) {
      const r = await cli(...argv)
      expect(r.code).toBe(0)
      for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c.name} `, 'm'))
    }
    expect((await cli('help')).out).toContain('push -f FILE [-f FILE…] [--local|--remote] [--persist-to DIR]')
    expect((await cli('help')).out).toContain('rollback [--local|--remote]')
  })
})

describe('did you mean', () => {
  it('measures edits, a swap of neighbours being one', () => {
    expect(editDistance('demo-orgins', 'demo-origins')).toBe(1)
    expect(editDistance('ulr', 'url')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('same', 'same')).toBe(0)
  })

  it('suggests near misses only', () => {
    const names = ['file', 'demo-origins', 'persist-to', 'help']
    expect(didYouMean('demo-orgins', names)).toBe('demo-origins')
    expect(didYouMean('persistto', names)).toBe('persist-to')
    expect(didYouMean('bogus-flag', names)).toBeUndefined()
    // Short words need a closer match: 'x' is one edit from many names and suggests none.
    expect(didYouMean('x', ['q', 'f'])).toBeUndefined()
    expect(didYouMean('fil', names)).toBe('file')
  })
})
