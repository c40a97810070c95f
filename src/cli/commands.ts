/**
 * @module
 * The commands of `edgeproxy`: each one's option table (what it accepts, and its usage text, see
 * src/cli/args.ts and src/cli/usage.ts) and what it runs. Commands that need Miniflare, esbuild or
 * wrangler load them on demand, so `check` and `compile` start fast.
 */
import { writeFileSync } from 'node:fs'
import type { OptionSpec, ParsedArgs } from './args.ts'
import { compileFiles, type Io } from './compile-files.ts'
import { explain } from './explain.ts'
import type { UsageEntry } from './usage.ts'
import { DEFAULT_PERSIST_TO } from './versions.ts'

export interface Command extends UsageEntry {
  run(args: ParsedArgs, io: Io): Promise<number>
}

const FILES: OptionSpec = { name: 'file', short: 'f', value: 'FILE', multiple: true, required: true, help: 'a configuration file; several are read as one configuration, in order' }
const PERSIST_TO: OptionSpec = { name: 'persist-to', value: 'DIR', default: DEFAULT_PERSIST_TO, help: "the local state directory of 'edgeproxy dev' and 'wrangler dev'" }
/** Where push, rollback and status read and write the RouteMap versions (src/cli/wrangler-kv.ts). */
const KV_OPTIONS: readonly OptionSpec[] = [
  { name: 'local', shownWith: 'remote', help: "use the local KV that 'edgeproxy dev' and 'wrangler dev' run on (the default)" },
  { name: 'remote', help: 'use the deployed KV namespace (wins over --local)' },
  { ...PERSIST_TO, help: `${PERSIST_TO.help}, holding the local KV` },
  {
    name: 'config',
    value: 'wrangler.toml',
    help: "the wrangler configuration with the KV binding (default: with --remote, the one 'edgeproxy deploy' wrote in .edgeproxy/; else ./wrangler.toml, else edgeproxy's own)",
  },
  { name: 'binding', value: 'NAME', help: 'the KV binding that holds the RouteMaps (default: ROUTEMAPS)' },
]

function fatal(errorCount: number, suffix = '.'): string {
  return `Fatal errors found in configuration (${errorCount} error${errorCount === 1 ? '' : 's'})${suffix}`
}

export const COMMANDS: readonly Command[] = [
  {
    name: 'check',
    summary: "validate a configuration (like 'haproxy -c -f')",
    options: [FILES, { name: 'quiet', short: 'q', help: 'print errors only, not the warnings about what the edge does differently' }],
    async run(args, io) {
      const r = compileFiles(args.strings('file'), io, { quiet: args.flag('quiet') })
      if (r.errorCount > 0) {
        io.err(fatal(r.errorCount))
        return 1
      }
      io.out('Configuration file is valid')
      return 0
    },
  },
  {
    name: 'migrate',
    summary: 'rewrite HAProxy 1.x directives (reqadd, block, contimeout…) as their 2.x equivalents',
    options: [
      { ...FILES, multiple: false, help: 'the HAProxy 1.x configuration file' },
      { name: 'out', short: 'o', value: 'OUT', help: 'write the rewritten configuration to OUT instead of standard output' },
    ],
    async run(args, io) {
      const { migrateCommand } = await import('./migrate.ts')
      return migrateCommand(args.strings('file'), args.string('out'), io)
    },
  },
  {
    name: 'compile',
    summary: 'print (or write) the RouteMap JSON',
    options: [FILES, { name: 'out', short: 'o', value: 'OUT', help: 'write the RouteMap JSON to OUT instead of standard output' }],
    async run(args, io) {
      const r = compileFiles(args.strings('file'), io, { quiet: true })
      if (!r.routeMap) return 1
      const json = `${JSON.stringify(r.routeMap, null, 2)}\n`
      const out = args.string('out')
      if (out) writeFileSync(out, json)
      else io.out(json.trimEnd())
      return 0
    },
  },
  {
    name: 'explain',
    summary: 'show the decision for one request, step by step',
    options: [
      FILES,
      { name: 'url', value: 'URL', required: true, help: "the request's absolute URL, e.g. http://localhost:80/path" },
      { name: 'method', short: 'X', value: 'METHOD', default: 'GET', help: 'the request method' },
      { name: 'header', short: 'H', value: "'Name: value'", multiple: true, help: 'a request header' },
      { name: 'src', value: 'IP', default: '127.0.0.1', help: "the client's address" },
      { name: 'down', value: 'BACKEND/SERVER', multiple: true, help: 'a server to treat as DOWN' },
      { name: 'tls-client-auth', value: 'JSON', help: 'the client certificate as request.cf.tlsClientAuth, e.g. \'{"certPresented":"1","certVerified":"SUCCESS","certSubjectDNRFC2253":"CN=alice"}\'' },
    ],
    async run(args, io) {
      const r = compileFiles(args.strings('file'), io, { quiet: true })
      if (!r.routeMap) return 1
      io.out(
        await explain(r.routeMap, {
          url: args.string('url') as string,
          method: args.string('method') as string,
          headers: args.strings('header'),
          src: args.string('src') as string,
          down: args.strings('down'),
          ...(args.string('tls-client-auth') !== undefined ? { tlsClientAuth: args.string('tls-client-auth') as string } : {}),
        }),
      )
      return 0
    },
  },
  {
    name: 'dev',
    summary: 'run the Worker locally in workerd, listening on each bind',
    options: [
      FILES,
      { name: 'demo-origins', help: "start a demo origin for each loopback 'server' line, answering with its own name" },
      { ...PERSIST_TO, help: `${PERSIST_TO.help}: KV, Durable Objects, the runtime API's address` },
      { name: 'edge', help: "apply the edge's production rules: outbound fetch() as Cloudflare answers it, request.cf from x-edgeproxy-cf-* headers (docs/edge-dev.md)" },
      { name: 'vpc-network', value: 'ID', help: 'with --edge: emulate the Workers VPC network binding (cf1:network or cf1:vnet:UUID), reaching private and loopback servers' },
      { name: 'edge-host', value: 'NAME=127.0.0.1:PORT', multiple: true, help: 'with --edge: a proxied hostname the Worker may fetch, served on a loopback port' },
      {
        name: 'domain',
        value: '[FRONTEND=]HOST',
        multiple: true,
        help: "with --edge: the deploy's hostnames (as `edgeproxy deploy --domain`): a request for HOST goes to FRONTEND whatever bind received it",
      },
      { name: 'tls-cert', value: 'FILE', help: "with --edge: 'ssl' binds listen with TLS, this certificate (PEM, with its key unless --tls-key), and ask for a client certificate" },
      { name: 'tls-key', value: 'FILE', help: 'the private key of --tls-cert (PEM)' },
      { name: 'tls-ca', value: 'FILE', help: 'the CA (PEM) that verifies client certificates on TLS binds' },
    ],
    async run(args, io) {
      // Loaded on demand: it brings in Miniflare and esbuild, which check/compile do not need.
      const { dev } = await import('./dev.ts')
      return await dev(
        {
          files: args.strings('file'),
          demoOrigins: args.flag('demo-origins'),
          persistTo: args.string('persist-to') as string,
          edge: args.flag('edge'),
          vpcNetwork: args.string('vpc-network'),
          edgeHosts: args.strings('edge-host'),
          domains: args.strings('domain'),
          tlsCert: args.string('tls-cert'),
          tlsKey: args.string('tls-key'),
          tlsCa: args.string('tls-ca'),
        },
        io,
      )
    },
  },
  {
    name: 'init',
    summary: 'write a starter haproxy.cfg and EDGEPROXY.md (the next steps) here',
    options: [],
    async run(_args, io) {
      const { initCommand } = await import('./init.ts')
      return initCommand(process.cwd(), io)
    },
  },
  {
    name: 'deploy',
    summary: 'derive the Worker configuration from the config, deploy it with wrangler, push the RouteMap',
    options: [
      { ...FILES, help: 'the configuration to deploy; several are read as one configuration, in order' },
      { name: 'name', value: 'NAME', help: "the Worker's name (default: the configuration file's directory)" },
      { name: 'domain', value: 'HOST|FRONTEND=HOST', multiple: true, help: 'a Custom Domain for the Worker; FRONTEND=HOST serves that frontend on HOST (a bare HOST: the first HTTP frontend)' },
      { name: 'route', value: 'PATTERN', multiple: true, help: "a route on a zone of the account, e.g. 'example.com/*'" },
      { name: 'vpc-network', value: 'ID', help: 'the Workers VPC network (cf1:network or cf1:vnet:<uuid>) through which private origins are reached' },
      { name: 'dry-run', help: "bundle with 'wrangler deploy --dry-run' (no account needed); nothing is uploaded or pushed" },
      { name: 'outdir', value: 'DIR', default: '.edgeproxy', help: 'where wrangler.json, state.json (the KV namespace id) and the dry-run bundle go' },
    ],
    async run(args, io) {
      const { deployCommand, deployOptions } = await import('./deploy.ts')
      return await deployCommand(deployOptions(args), io)
    },
  },
  {
    name: 'cost',
    summary: "estimate edgeproxy's platform usage and its price per day and per million requests (docs/cost.md)",
    options: [
      FILES,
      { name: 'rps', value: 'N', help: 'proxied requests per second (default 1000)' },
      { name: 'locations', value: 'N', help: 'Cloudflare locations that receive traffic (default 300)' },
      { name: 'isolates', value: 'N', help: 'isolates with traffic in all (default: one per location with at least 1 request/s)' },
      { name: 'json', help: 'print the estimate as JSON' },
    ],
    async run(args, io) {
      const { costCommand } = await import('./cost.ts')
      return costCommand(args, io)
    },
  },
  {
    name: 'push',
    summary: 'validate, compile and publish a new RouteMap version to KV',
    options: [FILES, ...KV_OPTIONS],
    async run(args, io) {
      const { pushCommand } = await import('./versions.ts')
      return await pushCommand(args, args.strings('file'), io)
    },
  },
  {
    name: 'rollback',
    summary: 'make an earlier version live again (default: the one before the live one)',
    options: KV_OPTIONS,
    positionals: { name: 'VERSION', synopsis: '[VERSION]', min: 0, max: 1, help: "the version to make live, as 'edgeproxy status' lists it (e.g. v3)" },
    async run(args, io) {
      const { rollbackCommand } = await import('./versions.ts')
      return await rollbackCommand(args, io)
    },
  },
  {
    name: 'status',
    summary: 'show the live version and the version history',
    options: KV_OPTIONS,
    async run(args, io) {
      const { statusCommand } = await import('./versions.ts')
      return await statusCommand(args, io)
    },
  },
  {
    name: 'api',
    summary: 'run HAProxy runtime API commands (show stat, set server…)',
    options: [
      { name: 'url', value: 'URL', help: "the Worker's address (default: $EDGEPROXY_API_URL, else the running 'edgeproxy dev')" },
      { name: 'token', value: 'TOKEN', help: "the runtime API's bearer token (default: $EDGEPROXY_API_TOKEN, else the running 'edgeproxy dev' one's)" },
      { ...PERSIST_TO, help: "where the running 'edgeproxy dev' wrote its address and token" },
    ],
    positionals: {
      name: 'COMMAND',
      synopsis: '"COMMAND" | -',
      min: 1,
      max: Number.POSITIVE_INFINITY,
      help: 'a runtime API command, e.g. "show stat" (several words are one command); \'-\' reads commands from standard input, one per line',
    },
    async run(args, io) {
      const { apiCommand } = await import('./api.ts')
      return await apiCommand(args, io)
    },
  },
]
