/**
 * The layer rules of docs/layers.md are enforced by the tools: Biome's noRestrictedImports
 * (biome.json overrides) and `tsc -p tsconfig.core.json` (the core without any host's types).
 * Each check fails on a deliberate breach written into a core folder (a probe file, removed
 * afterwards) and passes without it. Biome lints the whole tree here; the whole core's
 * `tsc -p tsconfig.core.json` (10 s of CPU) runs in `npm run typecheck`, so the tsc probe is
 * checked in a small program with the core's options: the probe and what it imports.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'node_modules/.bin')

interface Run {
  readonly code: number
  readonly out: string
}

function run(cmd: string, args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(join(BIN, cmd), args, { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      done({ code, out: `${stdout}${stderr}` })
    })
  })
}

/** Writes `files` (paths relative to the repository), runs `body`, then removes them. */
async function withProbes<T>(files: Readonly<Record<string, string>>, body: (paths: readonly string[]) => Promise<T>): Promise<T> {
  const paths = Object.keys(files)
  try {
    for (const p of paths) writeFileSync(join(ROOT, p), files[p] as string)
    return await body(paths)
  } finally {
    for (const p of paths) rmSync(join(ROOT, p), { force: true })
  }
}

const tag = `__layer_probe_${process.pid}__`

describe('layer rules (docs/layers.md)', () => {
  it('biome: the tree passes; a core module importing the shell, a host module or a higher layer fails', async () => {
    const clean = await run('biome', ['lint', '--colors=off', 'src', 'durable-objects'])
    expect(clean.out).not.toContain('noRestrictedImports')
    expect(clean.code).toBe(0)

    const probes = {
      [`src/engine/${tag}.ts`]:
        "import { handle } from '../proxy/handler.ts'\nimport { env } from 'cloudflare:workers'\nimport { compileConfig } from '../config/compile.ts'\nexport const probe = [handle, env, compileConfig]\n",
      [`src/sample/${tag}.ts`]: "import { Engine } from '../engine/index.ts'\nimport type { StatsInput } from '../stats/input.ts'\nexport type Probe = [Engine, StatsInput]\n",
      [`src/util/${tag}.ts`]: "import type { RouteMap } from '../routemap/schema.ts'\nexport type Probe = RouteMap\n",
      [`src/ops/${tag}.ts`]: "import type { ApiContext } from '../api/context.ts'\nexport type Probe = ApiContext\n",
    }
    const r = await withProbes(probes, (paths) => run('biome', ['lint', '--colors=off', '--max-diagnostics=50', ...paths]))
    expect(r.code).not.toBe(0)
    const flagged = (file: string, line: number): boolean => r.out.includes(`${file}:${line}:`)
    // Each restricted import is reported on its line, with the rule's message.
    expect(flagged(`src/engine/${tag}.ts`, 1), 'engine → proxy').toBe(true)
    expect(flagged(`src/engine/${tag}.ts`, 2), 'engine → cloudflare:workers').toBe(true)
    expect(flagged(`src/engine/${tag}.ts`, 3), 'engine → config').toBe(true)
    expect(flagged(`src/sample/${tag}.ts`, 1), 'sample → engine').toBe(true)
    expect(flagged(`src/sample/${tag}.ts`, 2), 'sample → stats').toBe(true)
    expect(flagged(`src/util/${tag}.ts`, 1), 'util → routemap').toBe(true)
    expect(flagged(`src/ops/${tag}.ts`, 1), 'ops → api').toBe(true)
    expect(r.out).toContain('lint/style/noRestrictedImports')
    expect(r.out).toMatch(/the Worker shell \(src\/index\.ts, src\/proxy/)
    expect(r.out).toMatch(/the pure core runs unchanged in Node/)
    expect(r.out).toMatch(/it never imports the compiler/)
    expect(r.out).toMatch(/src\/util is the bottom layer/)
  })

  it('tsc with the core options: a Workers or Node type in a core module fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-layers-'))
    const probe = `src/engine/${tag}.ts`
    const config = join(dir, 'tsconfig.json')
    writeFileSync(config, JSON.stringify({ extends: join(ROOT, 'tsconfig.core.json'), include: [], files: [join(ROOT, 'src/util/ambient.d.ts'), join(ROOT, probe)] }))
    try {
      const body =
        "import { readFileSync } from 'node:fs'\nimport type { RouteMap } from '../routemap/schema.ts'\n\nexport function probe(ctx: ExecutionContext, rm: RouteMap): string {\n  ctx.waitUntil(Promise.resolve())\n  return readFileSync(rm.hash, 'utf8')\n}\n"
      const bad = await withProbes({ [probe]: body }, () => run('tsc', ['-p', config]))
      expect(bad.code).not.toBe(0)
      expect(bad.out).toMatch(new RegExp(`${tag}\\.ts\\(1,\\d+\\): error TS2307: Cannot find module 'node:fs'`))
      expect(bad.out).toMatch(new RegExp(`${tag}\\.ts\\(4,\\d+\\): error TS2304: Cannot find name 'ExecutionContext'`))
      // The same program without the host types compiles: the failure is theirs.
      const good = await withProbes({ [probe]: "import type { RouteMap } from '../routemap/schema.ts'\n\nexport const probe = (rm: RouteMap): string => rm.hash\n" }, () => run('tsc', ['-p', config]))
      expect(good.out).toBe('')
      expect(good.code).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
