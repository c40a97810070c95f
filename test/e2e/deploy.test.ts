import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')

/* `wrangler deploy` bundles the Worker as it would for the edge (dry run: nothing is uploaded). */
describe('wrangler deploy --dry-run', () => {
  it('bundles the Worker with the embedded RouteMap', () => {
    const out = mkdtempSync(join(tmpdir(), 'edgeproxy-deploy-'))
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', out], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      timeout: 120_000,
    })
    expect(r.status, r.stderr + r.stdout).toBe(0)
    expect(r.stdout).toContain('--dry-run: exiting now.')
    const bundle = readFileSync(join(out, 'index.js'), 'utf8')
    expect(bundle).toContain('edgeproxy.routemap/2')
    expect(bundle).not.toMatch(/from ["']node:fs["']/)
  })
})
