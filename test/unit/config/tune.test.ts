/**
 * `tune.*` arguments are checked as HAProxy 2.6 checks them (issue 14: "unvalidated arguments of
 * keywords accepted with a warning (`tune.ssl.cachesize -100000`)"). test/fixtures/tune-matrix.json
 * holds what `haproxy -c` (2.6.12) said for every tune keyword × {none, 0, -1, abc, 1k, 10s, on, 2,
 * "1 2", 99999999999}: its exit status and first ALERT. Where HAProxy refuses, `check` refuses with
 * the same words; where HAProxy accepts, `check` accepts (with the "ignored at the edge" warning).
 * When /usr/sbin/haproxy is installed, a sample of the matrix is re-measured live.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TUNE_SPECS } from '../../../src/config/keywords/tune.ts'
import { compile, diags, FIXTURES } from '../../helpers/cfg.ts'

type Row = [keyword: string, args: string, rc: number, alert: string]
const MATRIX = JSON.parse(readFileSync(join(FIXTURES, 'tune-matrix.json'), 'utf8')) as Row[]

const TAIL =
  'defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nfrontend f\n    bind 127.0.0.1:18080\n    default_backend b\nbackend b\n    server s 127.0.0.1:18081\n'
const configOf = (line: string): string => `global\n    ${line}\n${TAIL}`

function errorsOf(line: string) {
  return diags(compile(configOf(line))).filter((d) => d.severity === 'error')
}

describe('tune.* arguments, as haproxy -c checks them', () => {
  it('the matrix covers every tune keyword of the table, and only those', () => {
    expect([...new Set(MATRIX.map((r) => r[0]))].sort()).toEqual(Object.keys(TUNE_SPECS).sort())
  })

  it.each(MATRIX.map((r) => [`${r[0]} ${r[1]}`.trim(), r] as const))('%s', (_label, [kw, args, rc, alert]) => {
    const errs = errorsOf(`${kw} ${args}`)
    if (rc === 0) {
      expect(errs).toEqual([])
      return
    }
    expect(errs.length).toBeGreaterThan(0)
    // A parse-time ALERT is quoted word for word; a refusal after parsing (a crash, "Internal error")
    // is an error with our own words.
    const parseTime = alert !== '' && !alert.startsWith('Internal error') && !alert.startsWith('global.tune')
    if (parseTime) expect(errs[0]?.message).toBe(alert)
    expect(errs[0]?.line).toBe(2)
  })

  it('the issue case: tune.ssl.cachesize -100000 is refused on its argument, with HAProxy words', () => {
    const e = errorsOf('tune.ssl.cachesize -100000')
    expect(e).toMatchObject([{ code: 'invalid-argument', message: "'tune.ssl.cachesize' expects a positive numeric value.", line: 2, column: 24 }])
  })

  it('a valid tune line is ignored with a warning that names it', () => {
    const d = diags(compile(configOf('tune.bufsize 32768')))
    expect(d.filter((x) => x.severity === 'error')).toEqual([])
    expect(d.find((x) => x.message.startsWith("'tune.bufsize' is ignored at the edge"))).toBeDefined()
  })

  it('a tune keyword HAProxy 2.6 does not know is an unknown keyword, with a suggestion', () => {
    const e = compile(configOf('tune.ssl.cachesise 100')).diagnostics.filter((d) => d.severity === 'error')
    expect(e).toMatchObject([{ code: 'unknown-keyword', message: "unknown keyword 'tune.ssl.cachesise' in 'global' section" }])
    expect(e[0]?.help).toContain('tune.ssl.cachesize')
    // A keyword of later versions (tune.quic.* needs a QUIC build; tune.h2.be.* is 2.9).
    expect(errorsOf('tune.h2.be.initial-window-size 65535')[0]?.code).toBe('unknown-keyword')
  })

  it('an experimental tune keyword needs expose-experimental-directives', () => {
    expect(errorsOf('tune.fd.edge-triggered on')[0]?.message).toContain('directive is experimental')
    expect(errorsOf('expose-experimental-directives\n    tune.fd.edge-triggered on')).toEqual([])
  })

  it("repeating a counter HAProxy keeps once gives its 'already specified' warning", () => {
    const d = diags(compile(configOf('tune.maxpollevents 5\n    tune.maxpollevents 6')))
    expect(d.filter((x) => x.message === "'tune.maxpollevents' already specified. Continuing.").map((x) => x.line)).toEqual([3])
  })

  it.runIf(existsSync('/usr/sbin/haproxy'))('the recorded matrix still matches haproxy -c (a sample, re-measured)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-tune-'))
    const f = join(dir, 'h.cfg')
    // Every 7th row: all keywords appear (10 rows each), every argument shape too.
    for (const [kw, args, rc, alert] of MATRIX.filter((_, i) => i % 7 === 0)) {
      writeFileSync(f, configOf(`${kw} ${args}`))
      const r = spawnSync('/usr/sbin/haproxy', ['-c', '-f', f], { encoding: 'utf8' })
      expect(r.status === 0 ? 0 : 1, `${kw} ${args}`).toBe(rc === 0 ? 0 : 1)
      if (alert !== '' && rc !== 0) expect(`${r.stdout}${r.stderr}`).toContain(alert)
    }
  })
})
