import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Io } from '../../../src/cli/compile-files.ts'
import { defaultWorkerName, deployConfig, isVpcNetworkId, privateServers, ROUTEMAP_DEFINE, rawIpMessage, rawIpServers, vpcNeededMessage, WORKER_BASE } from '../../../src/cli/deploy-config.ts'
import { bundleSizeFrom, deployCommand, type DeployOptions, namespaceIdFrom } from '../../../src/cli/deploy.ts'
import { parseCommandLine } from '../../../src/cli/args.ts'
import { type Command, COMMANDS } from '../../../src/cli/commands.ts'
import { INIT_FILES, initCommand } from '../../../src/cli/init.ts'
import { deployedDomains, pushCommand } from '../../../src/cli/versions.ts'
import { parseDomain, withEdgeHosts } from '../../../src/routemap/edge-hosts.ts'
import { versionKey } from '../../../src/routemap/kv.ts'
import { PACKAGE_ROOT, wranglerConfig } from '../../../src/cli/wrangler-kv.ts'
import { compileConfig } from '../../../src/config/compile.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'
import { cfg, compile, routeMapOf } from '../../helpers/cfg.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')

const PRIVATE = cfg`
  defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
  frontend web
    bind *:80
    default_backend app
  backend app
    server web1 10.0.1.10:3000
    server web2 app.example.net:443 ssl
    server web3 127.0.0.1:8080
`

function capture(): Io & { lines: string[]; errs: string[] } {
  const lines: string[] = []
  const errs: string[] = []
  return { lines, errs, out: (s) => lines.push(s), err: (s) => errs.push(s) }
}

describe('the generated wrangler.json', () => {
  const routeMap = routeMapOf(PRIVATE)
  const base = { name: 'lb', main: '../node_modules/edgeproxy/src/index.ts', routeMap }

  it('has the domains as Custom Domains, the routes as routes, the bindings, migrations, cron, KV and observability', () => {
    const c = deployConfig({ ...base, domains: ['lb.example.com', 'stats.example.com'], routes: ['example.com/api/*'], kvNamespaceId: '0123456789abcdef0123456789abcdef' })
    expect(c.name).toBe('lb')
    expect(c.main).toBe('../node_modules/edgeproxy/src/index.ts')
    expect(c.routes).toEqual([{ pattern: 'lb.example.com', custom_domain: true }, { pattern: 'stats.example.com', custom_domain: true }, 'example.com/api/*'])
    expect(c.durable_objects).toEqual({
      bindings: [
        { name: 'HEALTH', class_name: 'HealthMonitor' },
        { name: 'STICK', class_name: 'StickTable' },
        { name: 'RUNTIME', class_name: 'RuntimeState' },
      ],
    })
    expect(c.triggers).toEqual({ crons: ['* * * * *'] })
    expect(c.kv_namespaces).toEqual([{ binding: 'ROUTEMAPS', id: '0123456789abcdef0123456789abcdef' }])
    expect(c.observability).toEqual({ enabled: true })
    expect(c.vpc_networks).toBeUndefined()
    expect(c.workers_dev).toBeUndefined()
  })

  it('carries the RouteMap as a define, the same map once parsed', () => {
    const c = deployConfig({ ...base, domains: [], routes: [] })
    const define = c.define as Record<string, string>
    expect(JSON.parse(define[ROUTEMAP_DEFINE] as string)).toEqual(routeMap)
  })

  it('has no KV id in a dry run (never a placeholder), workers.dev without routes, and the VPC network binding when given', () => {
    const c = deployConfig({ ...base, domains: [], routes: [], vpcNetwork: 'cf1:network' })
    expect(c.kv_namespaces).toEqual([{ binding: 'ROUTEMAPS' }])
    expect(c.workers_dev).toBe(true)
    expect(c.vpc_networks).toEqual([{ binding: 'EDGEPROXY_VPC', network_id: 'cf1:network', remote: true }])
  })

  it("keeps edgeproxy's wrangler.toml bindings, migrations, cron and compatibility settings", () => {
    const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
    const bindings = [...toml.matchAll(/\[\[durable_objects\.bindings\]\]\s*name = "(\w+)"\s*class_name = "(\w+)"/g)].map((m) => ({ name: m[1], class_name: m[2] }))
    const migrations = [...toml.matchAll(/\[\[migrations\]\]\s*tag = "(\w+)"\s*new_sqlite_classes = \["(\w+)"\]/g)].map((m) => ({ tag: m[1], new_sqlite_classes: [m[2]] }))
    expect([...WORKER_BASE.durable_objects.bindings].sort((a, b) => a.name.localeCompare(b.name))).toEqual(bindings.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')))
    expect(WORKER_BASE.migrations).toEqual(migrations)
    expect(toml).toContain(`compatibility_date = "${WORKER_BASE.compatibility_date}"`)
    expect(toml).toContain(`compatibility_flags = ${JSON.stringify(WORKER_BASE.compatibility_flags)}`)
    expect(toml).toContain(`crons = ${JSON.stringify(WORKER_BASE.triggers.crons)}`)
  })
})

describe('deploy inputs', () => {
  it('lists the servers that need a VPC network, in one line naming the fix', () => {
    const servers = privateServers(routeMapOf(PRIVATE))
    expect(servers).toEqual([
      { backend: 'app', server: 'web1', host: '10.0.1.10' },
      { backend: 'app', server: 'web3', host: '127.0.0.1' },
    ])
    const line = vpcNeededMessage(servers)
    expect(line).not.toContain('\n')
    expect(line).toContain('app/web1 (10.0.1.10), app/web3 (127.0.0.1)')
    expect(line).toContain('--vpc-network cf1:network')
  })

  it('refuses raw public IPs (error 1003 at the edge) without a VPC network, naming both fixes', () => {
    const cfg = `defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend fe
  bind :80
  default_backend app
backend app
  server a 203.0.113.7:80
  server b 104.16.1.1:443
  server c origin.example.com:443
`
    const servers = rawIpServers(routeMapOf(cfg))
    expect(servers.map((s) => s.server)).toEqual(['a', 'b'])
    const line = rawIpMessage(servers)
    expect(line).not.toContain('\n')
    expect(line).toContain('app/a (203.0.113.7), app/b (104.16.1.1)')
    expect(line).toContain('error 1003')
    expect(line).toContain('DNS name')
    expect(line).toContain('--vpc-network cf1:network')
  })

  it('names the Worker after the config directory, as a valid Worker name', () => {
    expect(defaultWorkerName('/home/me/My_LB Project/haproxy.cfg')).toBe('my-lb-project')
    expect(defaultWorkerName('/haproxy.cfg')).toBe('edgeproxy')
  })

  it('accepts cf1:network and cf1:vnet:<uuid> as VPC networks', () => {
    expect(isVpcNetworkId('cf1:network')).toBe(true)
    expect(isVpcNetworkId('cf1:vnet:0b5d5a9e-3c0e-4c5f-9a8e-2f6a1c3d4e5f')).toBe(true)
    expect(isVpcNetworkId('my-tunnel')).toBe(false)
  })

  it("reads wrangler's new namespace id and bundle size", () => {
    expect(namespaceIdFrom('{\n  "kv_namespaces": [\n    {\n      "binding": "lb_routemaps",\n      "id": "0123456789abcdef0123456789abcdef"\n    }\n  ]\n}')).toBe('0123456789abcdef0123456789abcdef')
    expect(namespaceIdFrom('id = "fedcba9876543210fedcba9876543210"')).toBe('fedcba9876543210fedcba9876543210')
    expect(namespaceIdFrom('something failed')).toBeUndefined()
    expect(bundleSizeFrom('Total Upload: 740.29 KiB / gzip: 189.34 KiB\nYour Worker')).toBe('740.29 KiB / gzip: 189.34 KiB')
  })
})

describe('edgeproxy deploy stops before wrangler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-deploy-unit-'))
  const opts = (file: string, o: Partial<DeployOptions> = {}): DeployOptions => ({ files: [file], domains: [], routes: [], dryRun: true, outdir: join(dir, 'out'), ...o })

  it('on private servers without --vpc-network, naming them and the fix, writing nothing', async () => {
    const f = join(dir, 'private.cfg')
    writeFileSync(f, PRIVATE)
    const io = capture()
    expect(await deployCommand(opts(f), io)).toBe(1)
    expect(io.errs).toEqual([vpcNeededMessage(privateServers(routeMapOf(PRIVATE)))])
    expect(() => readFileSync(join(dir, 'out', 'wrangler.json'))).toThrow()
  })

  it('on configuration errors, with FILE:LINE:COL', async () => {
    const f = join(dir, 'bad.cfg')
    writeFileSync(f, 'defaults\n  mode http\nfrontend web\n  bind *:80\n  default_backend nowhere\n')
    const io = capture()
    expect(await deployCommand(opts(f), io)).toBe(1)
    expect(io.errs.join('\n')).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: error: `))
    expect(io.errs.at(-1)).toBe('Fatal errors found in configuration (1 error): nothing deployed.')
  })

  it('on a --domain naming no frontend, a bad --vpc-network or a bad --name', async () => {
    const f = join(dir, 'ok.cfg')
    writeFileSync(f, PRIVATE.replace(/10\.0\.1\.10|127\.0\.0\.1/g, 'app.example.net'))
    const io = capture()
    expect(await deployCommand(opts(f, { domains: ['admin=a.example.com'] }), io)).toBe(1)
    expect(await deployCommand(opts(f, { vpcNetwork: 'tunnel' }), io)).toBe(1)
    expect(await deployCommand(opts(f, { name: 'My LB' }), io)).toBe(1)
    expect(io.errs).toEqual([
      "edgeproxy deploy: --domain admin=a.example.com: no frontend or listen 'admin' (the configuration has: web)",
      "edgeproxy deploy: --vpc-network 'tunnel': expected cf1:network or cf1:vnet:<uuid>",
      "edgeproxy deploy: 'My LB' is not a Worker name (lowercase letters, digits and dashes, at most 63): give one with --name",
    ])
  })
})

describe('edgeproxy init', () => {
  it('writes a valid starter haproxy.cfg whose origins the edge can reach, and refuses to overwrite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-init-'))
    const io = capture()
    expect(initCommand(dir, io)).toBe(0)
    const text = readFileSync(join(dir, 'haproxy.cfg'), 'utf8')
    const r = compileConfig([{ name: 'haproxy.cfg', text }], {})
    expect(r.errorCount).toBe(0)
    expect(r.routeMap && privateServers(r.routeMap)).toEqual([])
    expect(r.routeMap?.backends.flatMap((b) => b.servers.map((s) => s.host))).toEqual(['origin1.example.com', 'origin2.example.com'])
    expect(readFileSync(join(dir, 'EDGEPROXY.md'), 'utf8')).toContain('npx edgeproxy deploy -f haproxy.cfg')

    writeFileSync(join(dir, 'haproxy.cfg'), 'mine\n')
    const again = capture()
    expect(initCommand(dir, again)).toBe(1)
    expect(again.errs).toEqual(['edgeproxy init: haproxy.cfg, EDGEPROXY.md already exist; nothing written (move them away to start over)'])
    expect(readFileSync(join(dir, 'haproxy.cfg'), 'utf8')).toBe('mine\n')
    expect(INIT_FILES.map(([f]) => f)).toEqual(['haproxy.cfg', 'EDGEPROXY.md'])
  })
})

describe('push, rollback and status --remote', () => {
  it("use the configuration 'edgeproxy deploy' wrote, when there is one; --local keeps wrangler.toml", () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-remote-'))
    expect(wranglerConfig(undefined, true, dir)).toBe(join(PACKAGE_ROOT, 'wrangler.toml'))
    mkdirSync(join(dir, '.edgeproxy'))
    writeFileSync(join(dir, '.edgeproxy', 'wrangler.json'), '{}')
    writeFileSync(join(dir, 'wrangler.toml'), '')
    expect(wranglerConfig(undefined, true, dir)).toBe(join(dir, '.edgeproxy', 'wrangler.json'))
    expect(wranglerConfig(undefined, false, dir)).toBe(join(dir, 'wrangler.toml'))
    expect(wranglerConfig('other.toml', true, dir)).toBe(join(dir, 'other.toml'))
  })
})

describe('a push to a deployed Worker', () => {
  it("keeps the deploy's hostnames on their frontends (the same map as the deploy's, so nothing to push)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-push-'))
    const text = PRIVATE.replace(/10\.0\.1\.10|127\.0\.0\.1/g, 'app.example.net')
    const cfgFile = join(dir, 'haproxy.cfg')
    writeFileSync(cfgFile, text)
    const compiled = compile(text, { name: cfgFile }).routeMap as RouteMap
    const deployed = withEdgeHosts(compiled, [parseDomain('web=lb.example.com')])
    const configFile = join(dir, 'wrangler.json')
    writeFileSync(configFile, JSON.stringify(deployConfig({ name: 'lb', main: 'x.ts', domains: ['lb.example.com'], routes: [], routeMap: deployed })))
    expect(deployedDomains(configFile)).toEqual([{ frontend: 'web', host: 'lb.example.com' }])

    const store = new Map<string, string>()
    const kv = {
      get: async (k: string) => store.get(k) ?? null,
      putMany: async (es: readonly { key: string; value: string }[]) => {
        for (const e of es) store.set(e.key, e.value)
      },
    }
    const args = parseCommandLine(COMMANDS.find((c) => c.name === 'push') as Command, ['-f', cfgFile, '--remote', '--config', configFile])
    if (args === 'help') throw new Error('help')
    const io = capture()
    expect(await pushCommand(args, [cfgFile], io, kv)).toBe(0)
    const pushed = JSON.parse(store.get(versionKey('v1')) as string) as RouteMap
    expect(pushed.frontends[0]?.edgeHosts).toEqual(['lb.example.com'])
    expect(pushed.hash).toBe(deployed.hash)
  })
})
