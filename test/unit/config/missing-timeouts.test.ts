/**
 * HAProxy 2.6's "missing timeouts for <type> '<name>'." warning (cfgparse.c check_config_validity):
 * a frontend without `timeout client`, a backend with servers but without `timeout connect`, or
 * without `timeout server` (a tcp backend may have `timeout tunnel` instead). Each config's expected
 * warnings are what `haproxy -c` (2.6.12) prints for it; when the binary is installed the last test
 * asks it again.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cfg, compile, diags } from '../../helpers/cfg.ts'

const CASES: readonly (readonly [name: string, text: string, expected: readonly (readonly [line: number, message: string])[]])[] = [
  [
    'a frontend without timeout client',
    cfg`
      defaults
        mode http
        timeout connect 5s
        timeout server 5s
      frontend fe
        bind :8080
        default_backend be
      backend be
        server s1 127.0.0.1:9000
    `,
    [[5, "missing timeouts for frontend 'fe'."]],
  ],
  [
    'a backend without timeout server (timeout tunnel does not replace it in http mode)',
    cfg`
      defaults
        mode http
        timeout client 5s
        timeout connect 5s
        timeout tunnel 1h
      frontend fe
        bind :8080
        default_backend be
      backend be
        server s1 127.0.0.1:9000
      backend noservers
    `,
    [[9, "missing timeouts for backend 'be'."]],
  ],
  [
    "a listen section is called 'proxy'",
    cfg`
      listen li
        mode http
        bind :8080
        timeout connect 5s
        server s1 127.0.0.1:9000
    `,
    [[1, "missing timeouts for proxy 'li'."]],
  ],
  [
    'a tcp backend with timeout tunnel instead of timeout server',
    cfg`
      defaults
        mode tcp
        timeout client 5s
        timeout connect 5s
      frontend fe
        bind :8080
        default_backend be
      backend be
        timeout tunnel 1h
        server s1 127.0.0.1:9000
      backend other
        server s1 127.0.0.1:9001
    `,
    [[11, "missing timeouts for backend 'other'."]],
  ],
  [
    'a timeout set to 0 counts as missing; the section may set its own',
    cfg`
      defaults
        mode http
        timeout client 5s
        timeout server 5s
      frontend fe
        bind :8080
        timeout client 0
        default_backend be
      backend be
        timeout connect 5s
        server s1 127.0.0.1:9000
    `,
    [[5, "missing timeouts for frontend 'fe'."]],
  ],
]

const missing = (text: string) =>
  diags(compile(text))
    .filter((d) => d.message.startsWith('missing timeouts'))
    .map((d) => [d.line, d.message] as const)

describe("HAProxy's missing timeouts warning", () => {
  it.each(CASES.map((c) => [c[0], c] as const))('%s', (_name, [, text, expected]) => {
    expect(missing(text)).toEqual(expected)
  })

  it('is a warning at the section line, with what to set', () => {
    const d = compile(CASES[0]?.[1] ?? '').diagnostics.find((x) => x.message.startsWith('missing timeouts'))
    expect(d).toMatchObject({ severity: 'warning', code: 'missing-argument', span: { line: 5, column: 1 } })
    expect(d?.help).toContain("please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server'")
  })

  it.runIf(existsSync('/usr/sbin/haproxy'))('matches what haproxy -c prints for the same configs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-timeouts-'))
    for (const [i, [, text, expected]] of CASES.entries()) {
      const f = join(dir, `${i}.cfg`)
      writeFileSync(f, text)
      const r = spawnSync('/usr/sbin/haproxy', ['-c', '-f', f], { encoding: 'utf8' })
      const out = `${r.stdout}${r.stderr}`
      const said = [...out.matchAll(/missing timeouts for \w+ '[^']+'\./g)].map((m) => m[0])
      expect(said).toEqual(expected.map((x) => x[1]))
    }
  })
})
