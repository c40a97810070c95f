import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { errorsOf, httpConfig, warningsOf } from '../../helpers/cfg.ts'

/*
 * HAProxy 1.x directives that HAProxy 2.6 refuses: edgeproxy refuses each with HAProxy's own
 * message (which names the 2.x replacement), code 'deprecated', at the keyword. The messages are
 * checked against the real `haproxy -c` output when haproxy is installed.
 * httpConfig puts the frontend lines at line 8, indented 2 (column 3).
 */
const S21 = 'directive is not supported anymore since HAProxy 2.1.'
const CASES: readonly (readonly [line: string, column: number, message: string])[] = [
  ['reqadd X-Proto:\\ SSL', 3, `The 'reqadd' ${S21} Use 'http-request add-header' instead.`],
  ['reqrep ^Host:\\ a Host:\\ b', 3, `The 'reqrep' ${S21} Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.`],
  ['cliexp ^Host:\\ a Host:\\ b', 3, `The 'cliexp' ${S21} Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.`],
  ['reqirep ^Host:\\ a Host:\\ b', 3, `The 'reqirep' ${S21} Use 'http-request replace-header' instead.`],
  ['reqdel ^X-A:', 3, `The 'reqdel' ${S21} Use 'http-request del-header' instead.`],
  ['reqidel ^X-A:', 3, `The 'reqidel' ${S21} Use 'http-request del-header' instead.`],
  ['reqdeny ^X-A:', 3, "The 'reqdeny' not supported anymore since HAProxy 2.1. Use 'http-request deny' instead."],
  ['reqideny ^X-A:', 3, `The 'reqideny' ${S21} Use 'http-request deny' instead.`],
  ['reqpass ^X-A:', 3, "The 'reqpass' not supported anymore since HAProxy 2.1."],
  ['reqipass ^X-A:', 3, `The 'reqipass' ${S21}`],
  ['reqallow ^X-A:', 3, `The 'reqallow' ${S21} Use 'http-request allow' instead.`],
  ['reqiallow ^X-A:', 3, `The 'reqiallow' ${S21} Use 'http-request allow' instead.`],
  ['reqtarpit ^X-A:', 3, `The 'reqtarpit' ${S21} Use 'http-request tarpit' instead.`],
  ['reqitarpit ^X-A:', 3, `The 'reqitarpit' ${S21} Use 'http-request tarpit' instead.`],
  ['rspadd X-A:\\ 1', 3, `The 'rspadd' ${S21} Use 'http-response add-header' instead.`],
  ['rspdel ^X-A:', 3, `The 'rspdel' ${S21} Use 'http-response del-header' .`],
  ['rspidel ^X-A:', 3, `The 'rspidel' ${S21} Use 'http-response del-header' instead.`],
  ['rsprep ^X-A:\\ a X-A:\\ b', 3, `The 'rsprep' ${S21} Use 'http-response replace-header' instead.`],
  ['srvexp ^X-A:\\ a X-A:\\ b', 3, `The 'srvexp' ${S21} Use 'http-response replace-header' instead.`],
  ['rspirep ^X-A:\\ a X-A:\\ b', 3, `The 'rspirep' ${S21} Use 'http-response replace-header' instead.`],
  ['rspdeny ^X-A:', 3, `The 'rspdeny' ${S21} Use 'http-response deny' instead.`],
  ['rspideny ^X-A:', 3, `The 'rspideny' ${S21} Use 'http-response deny' instead.`],
  ['block if { path /x }', 3, `The 'block' ${S21} Use 'http-request deny' which uses the exact same syntax.`],
  ['redispatch', 3, "keyword 'redispatch' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'."],
  ['redisp', 3, "keyword 'redisp' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'."],
  ['contimeout 5s', 3, "the 'contimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout connect'."],
  ['clitimeout 5s', 3, "the 'clitimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout client'."],
  ['srvtimeout 5s', 3, "the 'srvtimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout server'."],
  ['timeout clitimeout 5s', 11, "the 'clitimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout client'."],
  ['option forceclose', 10, "option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed."],
  ['no option forceclose', 13, "option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed."],
  ['option http-tunnel', 10, "option 'http-tunnel' is not supported any more since HAProxy 2.1, please just remove it, it shouldn't be needed."],
  ['option http_proxy', 10, expect.stringMatching(/^option 'http_proxy' is not supported any more since HAProxy 2\.5\. This option stopped working in HAProxy 1\.9/) as unknown as string],
  ['monitor-net 10.0.0.0/8', 3, "'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if { src 10.0.0.0/8 }' instead."],
  ['appsession JSESSIONID len 52 timeout 3h', 3, "'appsession' is not supported anymore since HAProxy 1.6."],
  ['grace 10s', 3, "the 'grace' keyword is not supported any more since HAProxy version 2.5."],
  ['mode health', 8, "'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead."],
]

/** Lines only a backend takes (httpConfig puts backend lines at line 11). */
const BACKEND_CASES: readonly (readonly [line: string, column: number, message: string])[] = [
  ['hash-type avalanche', 13, "experimental feature 'hash-type avalanche' is not supported anymore, please use 'hash-type map-based sdbm avalanche' instead."],
]

const GLOBAL_CASES: readonly (readonly [line: string, column: number, message: string])[] = [
  ['nbproc 2', 3, 'nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.'],
  ['tune.chksize 16384', 3, "option 'tune.chksize' is not supported any more (tune.bufsize is used instead)."],
]

const globalConfig = (line: string) => `global\n  ${line}\n${httpConfig('acl x path /')}`
const backendConfig = (line: string) => httpConfig('acl x path /', `${line}\n  server s1 192.0.2.1:80`)

describe('HAProxy 1.x directives', () => {
  it.each(CASES)('refuses %s with HAProxy 2.6 message', (line, column, message) => {
    const errs = errorsOf(httpConfig(line))
    expect(errs).toEqual([{ severity: 'error', code: 'deprecated', line: 8, column, message }])
  })

  it.each(BACKEND_CASES)('refuses %s in a backend', (line, column, message) => {
    expect(errorsOf(backendConfig(line))).toEqual([{ severity: 'error', code: 'deprecated', line: 11, column, message }])
  })

  it.each(GLOBAL_CASES)('refuses global %s', (line, column, message) => {
    expect(errorsOf(globalConfig(line))).toEqual([{ severity: 'error', code: 'deprecated', line: 2, column, message }])
  })

  it('refuses them in defaults sections too, and points at edgeproxy migrate when it can rewrite them', async () => {
    const { compile } = await import('../../helpers/cfg.ts')
    const r = compile(`defaults\n  contimeout 5s\n  reqpass ^X:\n${httpConfig('acl x path /')}`)
    const errs = r.diagnostics.filter((d) => d.severity === 'error')
    expect(errs.map((d) => [d.span.line, d.code, d.help])).toEqual([
      [2, 'deprecated', "'edgeproxy migrate -f FILE' rewrites HAProxy 1.x directives to their 2.x equivalents"],
      [3, 'deprecated', undefined],
    ])
  })

  it("accepts 'bind-process' with a warning, as HAProxy 2.6 does", () => {
    const text = httpConfig('bind-process 1')
    expect(errorsOf(text)).toEqual([])
    expect(warningsOf(text).some((w) => w.line === 8 && /'bind-process'.*deprecated/.test(w.message))).toBe(true)
  })

  const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0
  it.skipIf(!haproxy)('words each refusal as haproxy -c does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-legacy-'))
    const all = [
      ...CASES.map(([l, , m]) => [httpConfig(l), 8, m] as const),
      ...BACKEND_CASES.map(([l, , m]) => [backendConfig(l), 11, m] as const),
      ...GLOBAL_CASES.map(([l, , m]) => [globalConfig(l), 2, m] as const),
    ]
    for (const [i, [text, line, message]] of all.entries()) {
      const f = join(dir, `c${i}.cfg`)
      writeFileSync(f, text)
      const r = spawnSync('haproxy', ['-c', '-f', f], { encoding: 'utf8' })
      const alert = `${r.stdout}${r.stderr}`.split('\n').find((l) => l.includes(`${f}:${line}]`)) ?? ''
      const said = alert.replace(/^.*?parsing \[[^\]]*\] ?: /, '')
      expect(said).toEqual(message)
    }
  })
})
