/**
 * @module
 * The `ROUTEMAPS` KV namespace through wrangler's own commands (`wrangler kv key get`,
 * `wrangler kv bulk put`), so `edgeproxy push|rollback|status` use the account, login and
 * local storage wrangler uses: `--local` is the store `edgeproxy dev` and `wrangler dev` run on,
 * `--remote` the deployed namespace.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KvStore } from '../routemap/publish.ts'

export interface WranglerKvOptions {
  readonly remote: boolean
  /** wrangler's `--persist-to` for local storage (edgeproxy dev's `--persist-to`). */
  readonly persistTo?: string
  /** wrangler.toml with the ROUTEMAPS binding (default: ./wrangler.toml, else edgeproxy's own). */
  readonly config?: string
  readonly binding?: string
}

/** edgeproxy's own directory: the repository, or node_modules/edgeproxy when installed. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The configuration `edgeproxy deploy` writes by default (src/cli/deploy.ts). */
export const DEPLOY_CONFIG = join('.edgeproxy', 'wrangler.json')

/**
 * The wrangler configuration with the KV binding: the explicit one; for `--remote`, the one
 * `edgeproxy deploy` wrote (.edgeproxy/wrangler.json) when it exists; else ./wrangler.toml, else
 * edgeproxy's own.
 */
export function wranglerConfig(explicit?: string, remote = false, cwd = process.cwd()): string {
  if (explicit) return resolve(cwd, explicit)
  if (remote && existsSync(resolve(cwd, DEPLOY_CONFIG))) return resolve(cwd, DEPLOY_CONFIG)
  const local = resolve(cwd, 'wrangler.toml')
  return existsSync(local) ? local : join(PACKAGE_ROOT, 'wrangler.toml')
}

/** wrangler's script, found as Node finds the package from edgeproxy (nested or hoisted), else `wrangler` on PATH. */
function wranglerBin(): string {
  try {
    const bin = join(dirname(createRequire(join(PACKAGE_ROOT, 'package.json')).resolve('wrangler/package.json')), 'bin', 'wrangler.js')
    if (existsSync(bin)) return bin
  } catch {
    // not resolvable from edgeproxy: the one on PATH
  }
  return 'wrangler'
}

export class WranglerError extends Error {}

export interface WranglerRun {
  readonly code: number
  readonly out: string
  readonly err: string
}

/** Runs wrangler with `args` (metrics off); `echo` receives its output as it comes. */
export function runWrangler(args: readonly string[], echo?: (chunk: string) => void): Promise<WranglerRun> {
  return run(args, echo)
}

function run(args: readonly string[], echo?: (chunk: string) => void): Promise<WranglerRun> {
  return new Promise((res, rej) => {
    const bin = wranglerBin()
    const cmd = bin.endsWith('.js') ? process.execPath : bin
    const argv = bin.endsWith('.js') ? [bin, ...args] : [...args]
    const p = spawn(cmd, argv, { env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8')
      echo?.(d.toString('utf8'))
    })
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8')
      echo?.(d.toString('utf8'))
    })
    p.on('error', rej)
    p.on('close', (code) => res({ code: code ?? 1, out, err }))
  })
}

export function wranglerKv(o: WranglerKvOptions): KvStore {
  const common = [
    '--binding',
    o.binding ?? 'ROUTEMAPS',
    '--config',
    wranglerConfig(o.config, o.remote),
    ...(o.remote ? ['--remote'] : ['--local', ...(o.persistTo ? ['--persist-to', resolve(o.persistTo)] : [])]),
  ]
  return {
    async get(key) {
      const r = await run(['kv', 'key', 'get', key, '--text', ...common])
      if (r.code !== 0) throw new WranglerError(`wrangler kv key get ${key} failed (exit ${r.code}):\n${r.err.trim() || r.out.trim()}`)
      // Every value edgeproxy stores is JSON; wrangler prints "Value not found" for a missing key.
      const text = r.out.replace(/\n$/, '')
      if (text === 'Value not found') return null
      return text
    },
    async putMany(entries) {
      const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-kv-'))
      try {
        const file = join(dir, 'bulk.json')
        writeFileSync(file, JSON.stringify(entries.map((e) => ({ key: e.key, value: e.value }))))
        const r = await run(['kv', 'bulk', 'put', file, ...common])
        if (r.code !== 0) throw new WranglerError(`wrangler kv bulk put failed (exit ${r.code}):\n${r.err.trim() || r.out.trim()}`)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
