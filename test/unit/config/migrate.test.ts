import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LEGACY_DIRECTIVES } from '../../../src/config/keywords/legacy.ts'
import { REWRITES } from '../../../src/config/legacy-rewrite.ts'
import { migrateConfig } from '../../../src/config/migrate.ts'
import { compile, fixture } from '../../helpers/cfg.ts'

/*
 * `edgeproxy migrate` (src/config/migrate.ts, legacy-rewrite.ts): each 1.x directive's 2.x form,
 * the refusals where no exact form exists, 1.x's rule order, and byte-for-byte preservation.
 */

/** The config around `lines` (frontend lines from line 8, backend lines after `backend be`). */
function wrap(fe: readonly string[], be: readonly string[] = []): string {
  return [
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 5s',
    '  timeout server 5s',
    'frontend fe',
    '  bind :80',
    ...fe.map((l) => `  ${l}`),
    '  default_backend be',
    'backend be',
    ...be.map((l) => `  ${l}`),
    '  server s1 192.0.2.1:80',
    '',
  ].join('\n')
}

/** The migrated frontend (or backend) lines, without indentation, and the error messages. */
function migrate(fe: readonly string[], be: readonly string[] = []) {
  const r = migrateConfig('t.cfg', wrap(fe, be))
  const out = r.text.split('\n')
  return {
    fe: out.slice(7, 7 + fe.length).map((l) => l.trim()),
    be: out.slice(9 + fe.length, 9 + fe.length + be.length).map((l) => l.trim()),
    errors: r.diag.sorted().map((d) => `${d.span.line}:${d.span.column}: ${d.message}`),
    result: r,
  }
}

const FE_REWRITES: readonly (readonly [string, unknown])[] = [
  ['reqadd X-Proto:\\ SSL', 'http-request add-header X-Proto SSL'],
  ['reqadd X-Proto:\\ SSL if is_ssl', 'http-request add-header X-Proto SSL if is_ssl'],
  ['reqadd X-Msg:\\ 100%\\ sure', "http-request add-header X-Msg '100%% sure'"],
  ["reqadd X-Q:\\ it\\'s\\ $5", 'http-request add-header X-Q "it\'s \\$5"'],
  ['rspadd Strict-Transport-Security:\\ max-age=31536000 unless { status 500 }', 'http-response add-header Strict-Transport-Security max-age=31536000 unless { status 500 }'],
  ['reqdel ^X-Forwarded-For:', 'http-request del-header X-Forwarded-For'],
  ['reqidel ^X-Forwarded-For:.*', 'http-request del-header X-Forwarded-For'],
  ['rspidel ^Server: if { status 200 }', 'http-response del-header Server if { status 200 }'],
  ['rspdel ^X-Powered-By:\\ .*', 'http-response del-header X-Powered-By'],
  ['reqirep ^Host:\\ www.mydomain.com   Host:\\ www', 'http-request replace-header Host (?i)^www.mydomain.com www'],
  ['reqrep ^[Cc]ookie:\\ (.*)SERVER=[^;]*(.*) Cookie:\\ \\1\\2', "http-request replace-header Cookie ^(.*)SERVER=[^;]*(.*) '\\1\\2'"],
  ['reqrep ^Cookie:.*SERVER=([^;]*) Cookie:\\ S=\\1', "http-request replace-header Cookie ^.*SERVER=([^;]*) 'S=\\1'"],
  ['rsprep ^Location:\\ http://127.0.0.1:8080/(.*) Location:\\ https://www.example.com/\\1', "http-response replace-header Location ^http://127.0.0.1:8080/(.*) 'https://www.example.com/\\1'"],
  ['rspirep ^Set-Cookie:\\s*(.*);\\ secure Set-Cookie:\\ \\1', "http-response replace-header Set-Cookie '(?i)^(.*); secure' '\\1'"],
  ['reqrep ^([^\\ :]*)\\ /static/(.*)     \\1\\ /\\2', "http-request replace-path ^/static/(.*) '/\\1'"],
  ['reqirep ^(GET|HEAD)\\ /Old/(.*) \\1\\ /new/\\2', "http-request replace-path (?i)^/Old/(.*) '/new/\\1' if { method -i GET HEAD }"],
  ['reqrep ^GET\\ /v1/(.*) GET\\ /v2/\\1 if is_api', "http-request replace-path ^/v1/(.*) '/v2/\\1' if { method GET } is_api"],
  ['reqdeny ^User-Agent:\\ .*[Bb]ot', 'http-request deny if { req.fhdr(User-Agent) -m reg ^.*[Bb]ot }'],
  ['reqideny ^Host:\\ .*\\.local', "http-request deny if { req.fhdr(Host) -m reg -i '^.*\\.local' }"],
  ['reqdeny ^X-Bad: if a b || c', 'http-request deny if { req.fhdr(X-Bad) -m found } a b || { req.fhdr(X-Bad) -m found } c'],
  ['reqdeny ^X-Bad: unless a !b', 'http-request deny if { req.fhdr(X-Bad) -m found } !a || { req.fhdr(X-Bad) -m found } b'],
  ['reqdeny ^Cookie:.*debug=1', 'http-request deny if { req.fhdr(Cookie) -m reg debug=1 }'],
  ['reqitarpit ^[^\\ :]*\\ /wp-login', 'http-request tarpit if { path -m reg -i ^/wp-login }'],
  ['reqdeny ^[^\\ :]*\\ /admin(.*) unless local', 'http-request deny if { path -m reg ^/admin } !local'],
  ['reqtarpit ^X-Scanner:', 'http-request tarpit if { req.fhdr(X-Scanner) -m found }'],
  ['rspdeny ^Content-Type:\\ .*ms-word', 'http-response deny if { res.fhdr(Content-Type) -m reg ^.*ms-word }'],
  ['rspideny ^X-Debug-Token:', 'http-response deny if { res.fhdr(X-Debug-Token) -m found }'],
  ['block if { src 10.0.0.0/8 } || bad', 'http-request deny if { src 10.0.0.0/8 } || bad'],
  ['monitor-net 192.0.2.0/24', 'http-request return status 200 if { src 192.0.2.0/24 }'],
  ['clitimeout 30s', 'timeout client 30s'],
  ['timeout clitimeout 30s', 'timeout client 30s'],
  ['option forceclose', 'option httpclose'],
  ['no option forceclose', 'no option httpclose'],
  ['option http-tunnel', expect.stringMatching(/^# option http-tunnel {2}# removed by edgeproxy migrate: /)],
]

const BE_REWRITES: readonly (readonly [string, unknown])[] = [
  ['contimeout 5s', 'timeout connect 5s'],
  ['srvtimeout 1m', 'timeout server 1m'],
  ['redispatch', 'option redispatch'],
  ['redisp', 'option redispatch'],
  ['hash-type avalanche', 'hash-type map-based sdbm avalanche'],
  ['reqiallow ^X-Trusted:\\ yes', 'http-request allow if { req.fhdr(X-Trusted) -m reg -i ^yes }'],
]

describe('edgeproxy migrate: rewrites', () => {
  it.each(FE_REWRITES)('%s', (line, expected) => {
    const r = migrate([line])
    expect(r.errors).toEqual([])
    expect(r.fe[0]).toEqual(expected)
  })

  it.each(BE_REWRITES)('%s (backend)', (line, expected) => {
    const r = migrate([], [line])
    expect(r.errors).toEqual([])
    expect(r.be[0]).toEqual(expected)
  })

  const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0
  it('gives lines that edgeproxy check and haproxy -c (2.6) accept', () => {
    const acls = ['acl is_ssl dst_port 443', 'acl is_api path_beg /api', 'acl a path /a', 'acl b path /b', 'acl c path /c', 'acl local src 127.0.0.1', 'acl bad path /bad']
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-migrate-'))
    const configs = [...FE_REWRITES.map(([l]) => wrap([...acls, l])), ...BE_REWRITES.map(([l]) => wrap([], [...acls, l]))]
    for (const [i, text] of configs.entries()) {
      const r = migrateConfig('t.cfg', text)
      expect(r.diag.items).toEqual([])
      expect(
        compile(r.text).diagnostics.filter((d) => d.severity === 'error'),
        r.text,
      ).toEqual([])
      if (!haproxy) continue
      const f = join(dir, `c${i}.cfg`)
      writeFileSync(f, r.text)
      const h = spawnSync('haproxy', ['-c', '-f', f], { encoding: 'utf8' })
      expect(`${h.stdout}${h.stderr}`, r.text).not.toMatch(/ALERT/)
    }
  })

  it('comments out global nbproc and tune.chksize', () => {
    const r = migrateConfig('t.cfg', 'global\n    nbproc 4\n    tune.chksize 32768\n    grace 1s\n')
    expect(r.text).toBe(
      'global\n    # nbproc 4  # removed by edgeproxy migrate: HAProxy 2.5+ runs threads instead of processes\n    # tune.chksize 32768  # removed by edgeproxy migrate: checks use tune.bufsize since HAProxy 1.6\n    grace 1s\n',
    )
    expect(r.diag.items).toEqual([])
  })
})

describe('edgeproxy migrate: lines with no exact 2.x form are left, with an error', () => {
  it.each([
    [
      'reqpass ^X-A:',
      "8:3: 'reqpass' has no HAProxy 2.x equivalent: a request line matching it skipped the later 'reqallow'/'reqdeny'/'reqtarpit' filters; write that exception into their conditions",
    ],
    ['reqrep ^X-A:(.*) X-B:\\1', "8:10: 'reqrep': no exact 2.x form for '^X-A:(.*)': after 'X-A:' write '\\ ' then the value regex (as in '^X-A:\\ <value-regex>'), or '.*' for any value"],
    ['reqrep ^X-A:\\ (.*) X-B:\\ \\1', "8:22: 'reqrep': the replacement renames the header ('X-A' to 'X-B'): 'http-request replace-header' keeps the name; use 'set-header' and 'del-header' rules"],
    ['reqdel ^X-A:\\ secret', "8:10: 'reqdel': HAProxy 2.6's 'http-request del-header' removes every 'X-A' line by name, not only those whose value matches '^X-A: secret'"],
    ['reqdeny Mozilla', expect.stringMatching(/^8:11: 'reqdeny': no exact 2\.x form for 'Mozilla': 1\.x tested it against the request line and every header line/)],
    ['reqdeny ^[^\\ ]*\\ /admin', expect.stringMatching(/^8:11: 'reqdeny': no exact 2\.x form for '\^\[\^ \]\* \/admin'/)],
    ['reqdeny ^[^\\ :]*\\ /.*\\.php', expect.stringMatching(/^8:11: 'reqdeny': '\/\.\*\\\.php' can match past the path/)],
    ['reqrep ^([^\\ :]*)\\ /a/(.*) \\1\\ /b/\\2?x=1', expect.stringMatching(/^8:30: 'reqrep': the replacement must be a path ending with '\\2'/)],
    ['reqrep ^[^\\ :]*\\ /a/(.*) GET\\ /b/\\1', expect.stringMatching(/^8:28: 'reqrep': the replacement must keep the method/)],
    ['rsprep ^HTTP/1.1\\ 302(.*) HTTP/1.1\\ 301\\1', expect.stringMatching(/^8:10: 'rsprep': no exact 2\.x form for '\^HTTP\/1\.1 302\(\.\*\)': only '\^Name:' header regexes translate/)],
    ['reqdeny ^X-A: unless a || b', expect.stringMatching(/^8:24: 'reqdeny \.\.\. unless <cond>' with '\|\|' or an anonymous ACL has no single 2\.x condition/)],
    ['appsession JSESSIONID len 52 timeout 3h', expect.stringMatching(/^8:3: 'appsession' has no HAProxy 2\.x equivalent: /)],
    ['option http_proxy', expect.stringMatching(/^8:10: 'option http_proxy' has no HAProxy 2\.x equivalent: /)],
    ['mode health', expect.stringMatching(/^8:8: 'mode health' has no HAProxy 2\.x equivalent: /)],
    ['grace 10s', expect.stringMatching(/^8:3: 'grace' has no HAProxy 2\.x equivalent: /)],
    ['reqadd NoColonHere', "8:10: 'reqadd' expects a complete header line 'Name:\\ value' (got 'NoColonHere')"],
    ['block', "8:3: 'block' expects 'if' or 'unless' followed by a condition"],
    ['reqadd X-Empty:', `8:10: 'reqadd': an empty header value has no 2.x form ('add-header X-Empty ""' ends the arguments at the empty word)`],
  ])('%s', (line, error) => {
    const r = migrate([line])
    expect(r.errors).toEqual([error])
    expect(r.fe[0]).toBe(line)
  })

  it("refuses filters in 'defaults' sections (1.x refused them there too)", () => {
    const r = migrateConfig('t.cfg', 'defaults\n  mode http\n  reqadd X-A:\\ 1\n  contimeout 5s\n')
    expect(r.text).toBe('defaults\n  mode http\n  reqadd X-A:\\ 1\n  timeout connect 5s\n')
    expect(r.diag.items.map((d) => `${d.span.line}: ${d.message}`)).toEqual([
      "3: 'reqadd' was not allowed in 'defaults' sections in HAProxy 1.x either: move it to the frontends or backends that need it",
    ])
  })

  it("refuses 'reqallow' when request rules follow it in 1.x's order, or backends have verdict filters", () => {
    const a = migrate(['reqallow ^X-Ok:', 'reqadd X-A:\\ 1'])
    expect(a.errors).toEqual([expect.stringMatching(/^8:3: 'reqallow' has no exact 2\.x equivalent here: a request rule follows it in 1\.x's order \(line 9\)/)])
    expect(a.fe).toEqual(['reqallow ^X-Ok:', 'http-request add-header X-A 1'])
    // Later deny/tarpit filters were skipped by 1.x after a matching reqallow, as 2.x skips them.
    const ok = migrate(['reqallow ^X-Ok:', 'reqdeny ^X-Bad:'])
    expect(ok.errors).toEqual([])
    expect(ok.fe).toEqual(['http-request allow if { req.fhdr(X-Ok) -m found }', 'http-request deny if { req.fhdr(X-Bad) -m found }'])
    const b = migrate(['reqallow ^X-Ok:'], ['reqdeny ^X-Bad:'])
    expect(b.errors).toEqual([expect.stringMatching(/^8:3: 'reqallow' has no exact 2\.x equivalent here: a backend has reqdeny/)])
    expect(b.be).toEqual(['http-request deny if { req.fhdr(X-Bad) -m found }'])
  })
})

describe('edgeproxy migrate: the rewriting table', () => {
  it('has an entry for every directive edgeproxy check refuses', () => {
    expect(LEGACY_DIRECTIVES.filter((d) => !REWRITES[d.name]).map((d) => d.name)).toEqual([])
  })
})

describe("edgeproxy migrate: 1.x's rule order", () => {
  it("moves 'block' before the http-request rules and reqadd/filters after them, as 1.x ran them", () => {
    const r = migrate(['reqadd X-Last:\\ 1', 'reqidel ^X-Drop:', 'http-request set-header X-Rule 1', 'block if { path /x }', 'rspadd X-R:\\ 1', 'http-response set-header X-Rule 1'])
    expect(r.errors).toEqual([])
    expect(r.fe).toEqual([
      'http-request deny if { path /x }',
      'http-request set-header X-Rule 1',
      'http-request del-header X-Drop',
      'http-request add-header X-Last 1',
      'http-response set-header X-Rule 1',
      'http-response add-header X-R 1',
    ])
    expect(r.result.changes.map((c) => [c.line, c.movedTo])).toEqual([
      [8, 11],
      [9, 10],
      [11, 8],
      [12, 13],
    ])
  })

  it("puts 'monitor-net' first: 1.x answered those clients before any rule", () => {
    const r = migrate(['block if { path /x }', 'monitor-net 192.0.2.0/24'])
    expect(r.fe).toEqual(['http-request return status 200 if { src 192.0.2.0/24 }', 'http-request deny if { path /x }'])
  })

  it('keeps rule lines in place when the file already has 1.x order', () => {
    const r = migrate(['block if { path /x }', 'http-request set-header X-Rule 1', 'reqidel ^X-Drop:', 'reqadd X-Last:\\ 1'])
    expect(r.result.changes.every((c) => c.movedTo === undefined)).toBe(true)
  })
})

describe('edgeproxy migrate: everything else is kept byte for byte', () => {
  it('keeps comments, blank lines, tabs, CRLF line ends and trailing comments', () => {
    const text =
      '# old config\r\n\r\nfrontend fe\r\n\tbind :80   # the port\r\n\treqadd X-A:\\ 1    # added\r\n  \t# indented comment\r\n\tdefault_backend be\r\nbackend be\r\n\tserver s 192.0.2.1:80\r\n'
    const r = migrateConfig('t.cfg', text)
    expect(r.text).toBe(text.replace('reqadd X-A:\\ 1', 'http-request add-header X-A 1'))
  })

  it('changes nothing in a 2.x config', () => {
    const text = fixture('seed/01-basic.cfg')
    const r = migrateConfig('t.cfg', text)
    expect(r.text).toBe(text)
    expect(r.changes).toEqual([])
  })
})

describe('edgeproxy migrate: a realistic 1.x config', () => {
  const text = fixture('legacy/haproxy-1x.cfg')
  const r = migrateConfig('haproxy-1x.cfg', text)

  it('rewrites every legacy line, and edgeproxy check accepts the result (but not the input)', () => {
    expect(r.diag.items).toEqual([])
    expect(r.changes.length).toBeGreaterThanOrEqual(15)
    const before = compile(text).diagnostics.filter((d) => d.severity === 'error')
    expect(before.length).toBe(r.changes.length)
    expect(before.every((d) => d.code === 'deprecated')).toBe(true)
    expect(compile(r.text).diagnostics.filter((d) => d.severity === 'error')).toEqual([])
  })

  const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0
  it.skipIf(!haproxy)('haproxy -c (2.6) refuses the input and accepts the result', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-migrate-'))
    writeFileSync(join(dir, 'old.cfg'), text)
    writeFileSync(join(dir, 'new.cfg'), r.text)
    const old = spawnSync('haproxy', ['-c', '-f', join(dir, 'old.cfg')], { encoding: 'utf8' })
    expect(old.status).toBe(1)
    const neu = spawnSync('haproxy', ['-c', '-f', join(dir, 'new.cfg')], { encoding: 'utf8' })
    expect(`${neu.stdout}${neu.stderr}`).not.toMatch(/ALERT/)
    expect([0, 2]).toContain(neu.status)
  })
})
