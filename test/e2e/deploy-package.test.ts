/*
 * edgeproxy as a dependency of a user's project: the packed tarball installs into an empty
 * project, `npx edgeproxy init` and `npx edgeproxy deploy --dry-run` work there, from the
 * installed copy (not this repository's sources).
 *
 * Offline constraint: `npm i ./edgeproxy-x.y.z.tgz` must resolve edgeproxy's dependencies
 * (esbuild, miniflare, wrangler), and npm's cache after this repository's `npm ci` holds their
 * tarballs but not the registry metadata a fresh resolution reads. So the empty project starts with
 * a package-lock.json holding those packages as this repository's lock pins them (what a project
 * that already uses wrangler has): npm then installs edgeproxy with `--offline` from the cache.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')

interface LockEntry {
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  [k: string]: unknown
}

/** The lockfile entries of `roots` and everything they depend on, from this repository's lock. */
function lockClosure(roots: readonly string[]): Record<string, LockEntry> {
  const packages = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages
  const find = (from: string, name: string): string | undefined => {
    let base = from
    for (;;) {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`
      if (packages[key]) return key
      if (!base) return undefined
      const i = base.lastIndexOf('/node_modules/')
      base = i < 0 ? '' : base.slice(0, i)
    }
  }
  const keep: Record<string, LockEntry> = {}
  const todo = roots.map((n) => find('', n))
  while (todo.length > 0) {
    const key = todo.pop()
    if (!key || keep[key]) continue
    const { dev: _d, devOptional: _o, peer: _p, ...entry } = packages[key] as LockEntry
    keep[key] = entry
    for (const n of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) todo.push(find(key, n))
  }
  return keep
}

const project = mkdtempSync(join(tmpdir(), 'edgeproxy-project-'))
// Node 22 first on PATH (the one running the tests): the installed launcher needs 22.18+.
const env = {
  ...process.env,
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  NO_COLOR: '1',
}

function sh(cmd: string, args: readonly string[], cwd = project, extra: Record<string, string | undefined> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...env, ...extra }, timeout: 120_000 })
}

const npx = (args: readonly string[], cwd = project, extra: Record<string, string | undefined> = {}) => sh('npx', ['--no-install', 'edgeproxy', ...args], cwd, extra)

describe('the packed edgeproxy in an empty project', () => {
  beforeAll(() => {
    const pack = sh('npm', ['pack', '--pack-destination', project, '--silent'], ROOT)
    expect(pack.status, pack.stderr).toBe(0)
    const tgz = readdirSync(project).find((f) => /^edgeproxy-\d+\.\d+\.\d+\.tgz$/.test(f))
    expect(tgz).toBeDefined()
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'my-lb', version: '1.0.0', private: true }, null, 2)}\n`)
    const lock = { name: 'my-lb', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'my-lb', version: '1.0.0' }, ...lockClosure(['esbuild', 'miniflare', 'wrangler']) } }
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2))
    const install = sh('npm', ['i', '-D', `./${tgz}`, '--offline', '--no-audit', '--no-fund'])
    expect(install.status, install.stderr + install.stdout).toBe(0)
  }, 180_000)

  it('init writes a starter haproxy.cfg and EDGEPROXY.md, and never overwrites them', () => {
    const r = npx(['init'])
    expect(r.status, r.stderr).toBe(0)
    expect(readFileSync(join(project, 'haproxy.cfg'), 'utf8')).toContain('server web1 origin1.example.com:443 ssl check')
    expect(readFileSync(join(project, 'EDGEPROXY.md'), 'utf8')).toContain('npx wrangler login')
    const again = npx(['init'])
    expect(again.status).toBe(1)
    expect(again.stderr).toContain('haproxy.cfg, EDGEPROXY.md already exist')
  })

  it('deploy --dry-run writes out/wrangler.json and bundles the installed Worker with the user RouteMap', () => {
    const r = npx(['deploy', '-f', 'haproxy.cfg', '--domain', 'lb.example.com', '--domain', 'stats=stats.example.com', '--dry-run', '--outdir', 'out'])
    expect(r.status, r.stderr + r.stdout).toBe(0)
    expect(r.stdout).toMatch(/dry run: bundled in out\/dist, [\d.]+ KiB \/ gzip: [\d.]+ KiB; nothing uploaded, nothing pushed/)
    // The bill at the default traffic, as `edgeproxy cost` computes it.
    expect(r.stdout).toContain('(edgeproxy cost -f haproxy.cfg for details)')
    const c = JSON.parse(readFileSync(join(project, 'out', 'wrangler.json'), 'utf8'))
    // Named after the configuration's directory.
    expect(c.name).toBe(basename(project).toLowerCase())
    expect(c.main).toBe('../node_modules/edgeproxy/src/index.ts')
    expect(c.routes).toEqual([
      { pattern: 'lb.example.com', custom_domain: true },
      { pattern: 'stats.example.com', custom_domain: true },
    ])
    expect(c.durable_objects.bindings.map((b: { name: string; class_name: string }) => `${b.name}:${b.class_name}`)).toEqual(['HEALTH:HealthMonitor', 'STICK:StickTable', 'RUNTIME:RuntimeState'])
    expect(c.kv_namespaces).toEqual([{ binding: 'ROUTEMAPS' }])
    expect(c.triggers).toEqual({ crons: ['* * * * *'] })
    expect(c.observability).toEqual({ enabled: true })
    expect(c.vpc_networks).toBeUndefined()
    const bundle = readFileSync(join(project, 'out', 'dist', 'index.js'), 'utf8')
    // The user's map is the built-in one (its origins and the stats hostname), not the demo's.
    expect(bundle).toContain('origin1.example.com')
    expect(bundle).toContain('stats.example.com')
  }, 120_000)

  it("the dry-run bundle serves the deployed config with no live version in KV: each domain's frontend", async () => {
    // No `check` and no request forwarded: nothing here resolves a name or leaves the machine.
    const dir = join(project, 'served')
    mkdirSync(dir, { recursive: true })
    const config = [
      'defaults',
      '    mode http',
      '    timeout connect 5s',
      '    timeout client 30s',
      '    timeout server 30s',
      'frontend web',
      '    bind *:80',
      '    http-request return status 200 content-type text/plain string "the user web frontend"',
      'frontend admin',
      '    bind *:9000',
      '    http-request return status 200 content-type text/plain string "the user admin frontend"',
      '',
    ].join('\n')
    writeFileSync(join(dir, 'haproxy.cfg'), config)
    const r = npx(['deploy', '-f', 'served/haproxy.cfg', '--domain', 'lb.example.com', '--domain', 'admin=admin.example.com', '--dry-run', '--outdir', 'out-served'])
    expect(r.status, r.stderr + r.stdout).toBe(0)
    const dist = join(project, 'out-served', 'dist')
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        modules: true,
        scriptPath: join(dist, 'index.js'),
        modulesRoot: dist,
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        kvNamespaces: ['ROUTEMAPS'],
        durableObjects: {
          HEALTH: { className: 'HealthMonitor', useSQLite: true },
          STICK: { className: 'StickTable', useSQLite: true },
          RUNTIME: { className: 'RuntimeState', useSQLite: true },
        },
      }),
    )
    try {
      const text = async (url: string) => (await mf.dispatchFetch(url)).text()
      expect(await text('https://lb.example.com/')).toBe('the user web frontend')
      // Port 443, which no bind names: the deploy's hostname picks the frontend.
      expect(await text('https://ADMIN.example.com/')).toBe('the user admin frontend')
    } finally {
      await mf.dispose()
    }
  }, 120_000)

  it('private servers: exit 1 naming them and --vpc-network; with it, the vpc_networks binding', () => {
    const dir = join(project, 'private')
    mkdirSync(dir, { recursive: true })
    const text = readFileSync(join(project, 'haproxy.cfg'), 'utf8').replace('origin1.example.com:443 ssl', '10.0.1.10:3000')
    writeFileSync(join(dir, 'haproxy.cfg'), text)
    const refused = npx(['deploy', '-f', 'private/haproxy.cfg', '--dry-run', '--outdir', 'out-private'])
    expect(refused.status).toBe(1)
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^edgeproxy deploy: app\/web1 \(10\.0\.1\.10\) has a private or loopback address .* add --vpc-network cf1:network/)])
    const r = npx(['deploy', '-f', 'private/haproxy.cfg', '--vpc-network', 'cf1:network', '--dry-run', '--outdir', 'out-private'])
    expect(r.status, r.stderr + r.stdout).toBe(0)
    const c = JSON.parse(readFileSync(join(project, 'out-private', 'wrangler.json'), 'utf8'))
    expect(c.name).toBe('private')
    expect(c.vpc_networks).toEqual([{ binding: 'EDGEPROXY_VPC', network_id: 'cf1:network', remote: true }])
    expect(c.workers_dev).toBe(true)
  }, 120_000)

  it('without credentials, a real deploy stops before wrangler deploy, naming wrangler login and CLOUDFLARE_API_TOKEN', () => {
    const home = mkdtempSync(join(tmpdir(), 'edgeproxy-home-'))
    const r = npx(['deploy', '-f', 'haproxy.cfg', '--outdir', 'out-real'], project, {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      CLOUDFLARE_API_TOKEN: undefined,
      CLOUDFLARE_API_KEY: undefined,
    })
    expect(r.status).toBe(1)
    expect(r.stderr.trim()).toBe("edgeproxy deploy: not logged in to Cloudflare: run 'npx wrangler login', or set CLOUDFLARE_API_TOKEN (or use --dry-run)")
    expect(readdirSync(join(project, 'out-real'))).toEqual([])
  }, 60_000)
})
