import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FIXTURES } from '../../helpers/cfg.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const BIN = join(ROOT, 'bin', 'edgeproxy.mjs')

function run(args: string[]) {
  const r = spawnSync('node', [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const tmp = mkdtempSync(join(tmpdir(), 'edgeproxy-migrate-cli-'))
const OLD = join(FIXTURES, 'legacy', 'haproxy-1x.cfg')

describe('edgeproxy migrate', () => {
  it('prints the migrated config, a summary on stderr, and exits 0; check accepts the result', () => {
    const r = run(['migrate', '-f', OLD])
    expect(r.code).toBe(0)
    expect(r.out).toContain('    http-request add-header X-Forwarded-Proto http          # tell the app how it was reached\n')
    expect(r.out).not.toMatch(/^\s*(reqadd|reqrep|rspadd|contimeout|redispatch)\b/m)
    expect(r.err).toContain(`${OLD}:9: rewrote 'contimeout 5s' as 'timeout connect 5s'`)
    expect(r.err.trim().split('\n').at(-1)).toBe('edgeproxy migrate: 20 lines rewritten, 0 left unchanged (no exact HAProxy 2.x equivalent)')
    const out = join(tmp, 'stdout.cfg')
    writeFileSync(out, `${r.out}`)
    expect(run(['check', '-f', out]).code).toBe(0)
    expect(run(['check', '-f', OLD]).code).toBe(1)
  })

  it("writes the result with '-o'", () => {
    const out = join(tmp, 'new.cfg')
    const r = run(['migrate', '-f', OLD, '-o', out])
    expect(r.code).toBe(0)
    expect(r.out).toBe('')
    expect(readFileSync(out, 'utf8')).toContain('    timeout connect 5s\n')
  })

  it('exits 1 with FILE:LINE:COL errors for the lines it cannot rewrite, and rewrites the others', () => {
    const f = join(tmp, 'pass.cfg')
    writeFileSync(f, 'frontend fe\n  bind :80\n  reqipass ^User-Agent:\\ .*Mozilla\n  reqadd X-A:\\ 1\n  default_backend be\nbackend be\n  server s 192.0.2.1:80\n')
    const r = run(['migrate', '-f', f])
    expect(r.code).toBe(1)
    expect(r.out).toContain('  reqipass ^User-Agent:\\ .*Mozilla\n  http-request add-header X-A 1\n')
    expect(r.err).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:3: error: 'reqipass' has no HAProxy 2\\.x equivalent`, 'm'))
    expect(r.err).toContain('edgeproxy migrate: 1 line rewritten, 1 left unchanged')
  })

  it('is in the usage text', () => {
    expect(run(['help']).out).toMatch(/migrate -f FILE \[-o OUT\]/)
  })
})
