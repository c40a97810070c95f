/**
 * @module
 * What machine a benchmark ran on: CPU model and count, memory, OS, and the versions of the
 * runtimes compared (Node, workerd through Miniflare, HAProxy, nginx, wrk).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, platform, release, totalmem } from 'node:os'

/** A version from a command's output (nginx and wrk print theirs on stderr, wrk exits 1). */
function version(cmd: string, args: readonly string[], re: RegExp): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1]
}

function pkgVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return undefined
  }
}

export interface MachineInfo {
  readonly cpu: string
  readonly cores: number
  readonly memoryGB: number
  readonly os: string
  readonly loadavg1m: number
  readonly node: string
  readonly miniflare?: string
  readonly wrangler?: string
  readonly haproxy?: string
  readonly nginx?: string
  readonly wrk?: string
}

export function machineInfo(): MachineInfo {
  const c = cpus()
  const info: MachineInfo = {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
    ...opt('miniflare', pkgVersion('miniflare')),
    ...opt('wrangler', pkgVersion('wrangler')),
    ...opt('haproxy', version('haproxy', ['-v'], /version (\S+)/)),
    ...opt('nginx', version('nginx', ['-v'], /nginx\/(\S+)/)),
    ...opt('wrk', version('wrk', ['-v'], /wrk (\S+)/)),
  }
  return info
}

function opt<K extends string>(k: K, v: string | undefined): Partial<Record<K, string>> {
  return v ? ({ [k]: v } as Record<K, string>) : {}
}
