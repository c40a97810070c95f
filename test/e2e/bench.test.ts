/**
 * `npm run bench -- --quick` runs end to end and writes well-formed results: every figure named
 * in bench/targets.ts is a finite number, each target says whether it was met. Benchmarks are
 * not tests: no timing is asserted here, only that the run completes and its output is sound.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { Results } from '../../bench/targets.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')

describe('npm run bench -- --quick', () => {
  it('runs every benchmark and writes bench results with the machine, the figures and the targets', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'edgeproxy-bench-')), 'results.json')
    const started = Date.now()
    const r = await run('node', [join(ROOT, 'bench', 'run.ts'), '--quick', '--out', out, '--no-plot'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    })
    const seconds = (Date.now() - started) / 1000
    const results = JSON.parse(readFileSync(out, 'utf8')) as Results
    expect(results.schema).toBe('edgeproxy.bench/1')
    expect(results.quick).toBe(true)
    expect(Number.isNaN(Date.parse(results.date))).toBe(false)
    expect(results.machine.cores).toBeGreaterThan(0)
    expect(results.machine.haproxy).toMatch(/^2\.6/)
    const th = results.runtime.throughput
    for (const t of [th.origin, th.haproxy, th.edgeproxy, th.bare]) {
      expect(t.requestsPerSec).toBeGreaterThan(0)
      expect(Number.isFinite(t.p50Ms) && Number.isFinite(t.p99Ms)).toBe(true)
    }
    expect(results.micro.pipeline.seed.medianUs).toBeGreaterThan(0)
    expect(results.runtime.stateCosts.none.loaded.requests).toBeGreaterThan(0)
    expect(results.runtime.failover.runs.length).toBeGreaterThan(0)
    expect(results.targets.length).toBeGreaterThanOrEqual(9)
    for (const t of results.targets) {
      expect(typeof t.met).toBe('boolean')
      expect(t.value === null || Number.isFinite(t.value)).toBe(true)
    }
    // The printed table names every target.
    for (const t of results.targets) expect(r.stdout).toContain(t.name)
    // Timing is reported, never asserted (benchmarks are not tests).
    console.log(`bench --quick took ${seconds.toFixed(1)} s`)
  }, 180_000)
})
