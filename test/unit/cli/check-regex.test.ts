/**
 * `edgeproxy check` refuses, with FILE:LINE:COL, the regex constructs the linear-time engine
 * cannot run (src/util/regex): back-references and lookarounds wider than a fixed string need a
 * backtracking matcher, which a hostile input can drive into exponential time at the edge.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'edgeproxy.mjs')

const CONFIG = `defaults
  mode http
  timeout client 5s
  timeout connect 5s
  timeout server 5s
frontend fe
  bind :80
  acl twice path_reg ^/(?P<w>[a-z]+)/(?P=w)$
  acl ahead path_reg ^/(?=.*admin)
  http-request replace-path ^/(a)\\1(.*) /\\2
  http-request set-header X-Y %[path,regsub(\\"(?<!w+\\\\.)ex+\\",y)]
  http-request replace-header Host (?=[a-z]+\\.com)(.*) \\1
  default_backend be
backend be
  option httpchk GET /
  http-check expect rstring (?!.*error)
  server s1 192.0.2.1:80 check
`

describe('edgeproxy check and regexes that need backtracking', () => {
  it('refuses back-references and lookarounds, each with its line and column, and says what to do', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'edgeproxy-regex-')), 'regex.cfg')
    writeFileSync(f, CONFIG)
    const r = spawnSync('node', [BIN, 'check', '-f', f], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    expect(r.status).toBe(1)
    const errors = r.stderr.split('\n').filter((l) => l.includes(': error: '))
    const at = errors.map((l) => /:(\d+):(\d+): error: /.exec(l)?.slice(1, 3).join(':'))
    expect(at).toEqual(['8:22', '9:22', '10:29', '11:45', '12:36', '16:29'])
    for (const [i, feature] of ['back-reference', 'lookaround', 'back-reference', 'lookaround', 'lookaround', 'lookaround'].entries()) {
      expect(errors[i], feature).toContain(feature)
      expect(errors[i]).toMatch(/cannot be used at the edge: .*needs a backtracking matcher/)
      expect(errors[i]).toMatch(/instead/)
      expect(errors[i]).not.toMatch(/ in acl '\w+'.+instead/)
    }
  })
})
