import { describe, expect, it } from 'vitest'
import { createEngine, type Decision } from '../../../src/engine/index.ts'
import { runCommands } from '../../../src/api/run.ts'
import { tableSpecs } from '../../../src/api/tables.ts'
import { cfg, compile, diags, errorsOf, warningsOf } from '../../helpers/cfg.ts'
import { memoryContext } from '../api/memory-context.ts'
import { renderPrometheus } from '../../../src/stats/prometheus.ts'
import { statsInput } from '../../helpers/stats-input.ts'

const DEFAULTS = 'defaults\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\n'

function engineFor(text: string, files: Record<string, string> = {}) {
  const r = compile(text, { files })
  if (!r.routeMap) throw new Error(JSON.stringify(diags(r).filter((d) => d.severity === 'error')))
  return createEngine(r.routeMap)
}

const get = (path: string, headers: [string, string][] = []) => ({ method: 'GET', url: `http://h.example${path}`, headers, src: '198.51.100.7' })
const basic = (user: string, pw: string): [string, string] => ['Authorization', `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`]
const statusOf = (d: Decision): number | string => (d.kind === 'respond' ? d.response.status : d.kind === 'forward' ? `${d.backend}/${d.server.name}` : d.kind)
const hdr = (d: Decision, name: string): string | undefined => (d.kind === 'respond' ? d.response.headers.find(([n]) => n.toLowerCase() === name)?.[1] : undefined)

describe('peers sections', () => {
  const text = cfg`
    peers mypeers
      bind 127.0.0.1:10000
      default-server ssl verify none
      server A
      server B 127.0.0.1:10001
      table stkt type ip size 1m expire 10s store http_req_rate(10s)
      table st2 type string size 1k
    ${DEFAULTS}
    frontend fe
      bind :80
      http-request track-sc0 src table mypeers/stkt
      http-request deny if { sc_http_req_rate(0) gt 2 }
      default_backend be
    backend be
      stick on path table mypeers/st2
      server s1 192.0.2.1:80
  `

  it('declares ordinary stick tables named <peers>/<table>, with one warning for the section', () => {
    const r = compile(text)
    expect(diags(r).filter((d) => d.severity === 'error')).toEqual([])
    expect(r.routeMap?.peerTables?.map((t) => [t.name, t.type, t.size, t.expireMs])).toEqual([
      ['mypeers/stkt', 'ip', 1048576, 10000],
      ['mypeers/st2', 'string', 1024, undefined],
    ])
    expect(r.routeMap && [...tableSpecs(r.routeMap).keys()]).toEqual(['mypeers/stkt', 'mypeers/st2'])
    const w = warningsOf(text).filter((d) => d.message.includes('peers'))
    expect(w).toHaveLength(1)
    expect(w[0]?.message).toContain('peers replication is not needed')
  })

  it('counts requests in a peers table: from the third request within the period on, requests are denied (the rate counts the current one)', async () => {
    const e = engineFor(text)
    const out: (number | string)[] = []
    for (let i = 0; i < 4; i++) out.push(statusOf(await e.decide(get('/'))))
    expect(out).toEqual(['be/s1', 'be/s1', 403, 403])
  })

  it('shows peers tables in the runtime API under their HAProxy name, in declaration order', async () => {
    const rm = compile(text).routeMap
    if (!rm) throw new Error('no routemap')
    const ctx = memoryContext(rm)
    const run = (c: string) => runCommands(`${c}\n`, ctx)
    expect(await run('show table')).toBe('# table: mypeers/st2, type: string, size:1024, used:0\n# table: mypeers/stkt, type: ip, size:1048576, used:0\n\n')
    expect(await run('show table mypeers/stkt')).toBe('# table: mypeers/stkt, type: ip, size:1048576, used:0\n\n')
  })

  it('exports peers tables in the Prometheus sticktable metrics, last declared first', () => {
    const body = renderPrometheus(statsInput(text), new URLSearchParams()).body
    expect(body.split('\n').filter((l) => l.startsWith('haproxy_sticktable_size{'))).toEqual([
      'haproxy_sticktable_size{name="mypeers/st2",type="string"} 1024',
      'haproxy_sticktable_size{name="mypeers/stkt",type="ip"} 1048576',
    ])
  })

  it("refuses an unknown table, an unknown peers section and 2.6's unknown keywords", () => {
    expect(errorsOf(`${DEFAULTS}frontend fe\n  bind :80\n  http-request track-sc0 src table mypeers/nope\n`).map((d) => d.code)).toEqual(['unknown-table'])
    expect(errorsOf(`${DEFAULTS}backend b\n  stick-table type ip size 1k peers nope\n`).map((d) => d.message)).toEqual(["Proxy 'b': unable to find sync peers 'nope'."])
    expect(errorsOf('peers p\n  shards 2\n').map((d) => d.code)).toEqual(['unknown-keyword'])
    expect(errorsOf('peers p\n  table t type ip size 1k\n  table t type ip size 1k\n').map((d) => d.code)).toEqual(['duplicate-name'])
    expect(errorsOf('peers p\n  table t type nope size 1k\n').map((d) => d.message)).toEqual(["'table' : unknown type 'nope' (expects ip, ipv6, integer, string or binary)"])
    expect(errorsOf('peers p\n  bind 127.0.0.1:10001\n  peer a 127.0.0.1:10002\n  bind 127.0.0.1:10003\n').map((d) => d.message)).toEqual([
      'mixing "peer" and "bind" line is forbidden',
      'One listener per "peers" section is authorized but another is already configured at [test.cfg:2].',
    ])
    expect(errorsOf(`${DEFAULTS}backend stkt\n  stick-table type ip size 1k\npeers q\n  table stkt type ip size 1k\n`).map((d) => d.message)).toEqual([
      "stick-table name 'stkt' conflicts with table declared in backend 'stkt' at test.cfg:7.",
    ])
  })

  it("accepts a backend's 'peers' option naming the section, with a warning", () => {
    const t = `peers p\n  peer h1 127.0.0.1:9999\n${DEFAULTS}backend b\n  stick-table type ip size 1k peers p\n  server s 192.0.2.1:80\n`
    expect(errorsOf(t)).toEqual([])
    expect(warningsOf(t).some((d) => d.message.includes("'stick-table ... peers p'"))).toBe(true)
  })
})

describe('userlists and http_auth', () => {
  const text = cfg`
    userlist L
      group admins users carol
      group ops
      user alice insecure-password plain groups ops
      user bob password $6$s6salt$udvPw/rfV2iToc3uupfelb3kxerU5xKrHZptWZSDNIGG6kXFt/qkJFYyGgk9o1Ek/PyvAiJECSQcbj3651pnd/
      user carol password $5$s5salt$n0z5Mi9ceD5byJyqZv4KWr0U0xpklmi9ZWqujqaL.n3
      user dave password $1$s1salt$qHVo7VrgdtiG3MGklEobT. groups admins,ops
    ${DEFAULTS}
    frontend fe
      bind :80
      acl is_admin http_auth_group(L) admins
      acl is_ops http_auth_group(L) ops
      http-request auth realm Staff unless { http_auth(L) }
      use_backend adm if is_admin
      use_backend ops if is_ops
      default_backend be
    backend be
      server s1 192.0.2.1:80
    backend adm
      server s1 192.0.2.2:80
    backend ops
      server s1 192.0.2.3:80
  `

  it('lets valid users through and routes them by group', async () => {
    const e = engineFor(text)
    expect(statusOf(await e.decide(get('/', [basic('alice', 'plain')])))).toBe('ops/s1')
    expect(statusOf(await e.decide(get('/', [basic('bob', 'pw6')])))).toBe('be/s1')
    expect(statusOf(await e.decide(get('/', [basic('carol', 'pw5')])))).toBe('adm/s1')
    expect(statusOf(await e.decide(get('/', [basic('dave', 'pw1')])))).toBe('adm/s1')
  })

  it("answers wrong or missing credentials with HAProxy's 401 and the realm", async () => {
    const e = engineFor(text)
    for (const h of [[basic('bob', 'pw5')], [basic('alice', 'Plain')], [basic('nobody', 'x')], [], [['Authorization', 'Bearer abc'] as [string, string]]]) {
      const d = await e.decide(get('/', h))
      expect(statusOf(d)).toBe(401)
      expect(hdr(d, 'www-authenticate')).toBe('Basic realm="Staff"')
      if (d.kind === 'respond') expect(d.response.body).toBe('<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n')
    }
  })

  it("reads '!{ ... }' as a negated anonymous ACL, as acl.c does", async () => {
    const e = engineFor(
      `userlist L\n  user a insecure-password b\n${DEFAULTS}frontend fe\n  bind :80\n  http-request auth if !{ http_auth(L) }\n  http-request return status 200 if !!{ http_auth(L) }\n`,
    )
    expect(statusOf(await e.decide(get('/', [basic('a', 'b')])))).toBe(200)
    expect(statusOf(await e.decide(get('/', [basic('a', 'c')])))).toBe(401)
  })

  it('refuses hashes the edge cannot check, unknown groups, users and userlists', () => {
    const des = errorsOf('userlist L\n  user u password abJnggxhB/yWI\n')
    expect(des.map((d) => d.code)).toEqual(['not-supported'])
    expect(des[0]?.message).toContain("'$6$...'")
    expect(errorsOf('userlist L\n  user u insecure-password x groups nope\n').map((d) => d.message)).toEqual(["userlist 'L': no such group 'nope' specified in user 'u'"])
    expect(errorsOf('userlist L\n  group g users nope\n').map((d) => d.message)).toEqual(["userlist 'L': no such user 'nope' specified in group 'g'"])
    expect(errorsOf(`${DEFAULTS}frontend fe\n  bind :80\n  http-request auth unless { http_auth(M) }\n`).map((d) => d.code)).toEqual(['unknown-section'])
    expect(errorsOf(`userlist L\n  group g\n${DEFAULTS}frontend fe\n  bind :80\n  acl a http_auth_group(L) h\n  http-request auth if !a\n`).map((d) => d.message)).toEqual([
      "proxy fe: acl a http_auth_group(): invalid group 'h'.",
    ])
    expect(warningsOf('userlist L\nuserlist L\n').map((d) => d.message)).toContain("ignoring duplicated userlist 'L'.")
  })
})

describe('http-errors sections', () => {
  const raw = (code: number, body: string) => `HTTP/1.1 ${code} Custom\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`
  const files = { '/e/403-a': raw(403, 'A403'), '/e/404-a': raw(404, 'A404'), '/e/403-b': raw(403, 'B403'), '/e/500': raw(500, 'P500') }
  const text = cfg`
    http-errors A
      errorfile 403 /e/403-a
      errorfile 404 /e/404-a
    ${DEFAULTS}
    frontend fe
      bind :80
      errorfile 404 /e/404-a
      errorfiles B
      http-error status 500 content-type text/plain string "http-error 500"
      http-error status 502 content-type text/plain lf-string "bad %[path]" hdr x-path "%[path]"
      http-request deny deny_status 403 if { path /403 }
      http-request deny deny_status 404 if { path /404 }
      http-request deny deny_status 500 if { path /500 }
      http-request deny deny_status 502 if { path /502 }
      http-request return status 403 errorfiles A if { path /ret }
      default_backend be
    backend be
      server s1 192.0.2.1:80
    http-errors B
      errorfile 403 /e/403-b
  `

  it('replays errorfile, errorfiles and http-error in order', async () => {
    const e = engineFor(text, files)
    const body = async (p: string) => {
      const d = await e.decide(get(p))
      return d.kind === 'respond' ? [d.response.status, d.response.body] : d.kind
    }
    expect(await body('/403')).toEqual([403, 'B403'])
    expect(await body('/404')).toEqual([404, 'A404'])
    expect(await body('/500')).toEqual([500, 'http-error 500'])
    expect(await body('/502')).toEqual([502, 'bad /502'])
    expect(hdr(await e.decide(get('/502')), 'x-path')).toBe('/502')
    expect(await body('/ret')).toEqual([403, 'A403'])
  })

  it('reports unknown sections and codes HAProxy does not handle', () => {
    expect(errorsOf(`${DEFAULTS}frontend fe\n  bind :80\n  errorfiles nope\n`).map((d) => d.message)).toEqual(["proxy 'fe': unknown http-errors section 'nope' (at test.cfg:8)."])
    expect(errorsOf('http-errors A\n  errorfile 302 /x\n').map((d) => d.code)).toEqual(['invalid-argument'])
    expect(errorsOf(`${DEFAULTS}frontend fe\n  bind :80\n  errorfiles A 302\n`).map((d) => d.message)).toEqual(["errorfiles : status code '302' not handled."])
    expect(errorsOf(`${DEFAULTS}frontend fe\n  bind :80\n  http-error status 302\n`).map((d) => d.code)).toEqual(['invalid-argument'])
  })
})

describe('resolvers', () => {
  it('accepts the section and server resolvers options, with warnings that Cloudflare resolves origins', () => {
    const t = cfg`
      resolvers dns
        nameserver ns1 192.0.2.53:53
        parse-resolv-conf
        resolve_retries 3
        timeout resolve 1s
        timeout retry 1s
        hold valid 10s
        hold nx 30s
        accepted_payload_size 8192
      ${DEFAULTS}
      backend be
        server s1 origin.example.com:80 resolvers dns resolve-prefer ipv4 init-addr last,libc,none
    `
    expect(errorsOf(t)).toEqual([])
    const w = warningsOf(t)
      .map((d) => d.message)
      .join('\n')
    expect(w).toContain("'resolvers dns': origins are resolved by Cloudflare DNS")
    expect(w).toMatch(/resolvers.*Cloudflare DNS/)
  })
})

describe('set-var in global', () => {
  const text = cfg`
    global
      set-var proc.int12 int(12)
      set-var proc.int5 var(proc.str60,60),div(proc.int12)
      set-var proc.str1 str("this is")
      set-var-fmt proc.str "%[var(proc.str1)] a string"
    ${DEFAULTS}
    frontend fe
      bind :80
      http-request return status 200 content-type text/plain lf-string "%[var(proc.int5)]|%[var(proc.str)]|%[var(proc.int12),add(1)]"
  `

  it('computes proc variables once, in order, and every rule reads them', async () => {
    const r = compile(text)
    expect(r.routeMap?.global.procVars).toEqual({
      'proc.int12': { type: 'int', value: 12 },
      'proc.int5': { type: 'int', value: 5 },
      'proc.str1': { type: 'str', value: 'this is' },
      'proc.str': { type: 'str', value: 'this is a string' },
    })
    const d = await engineFor(text).decide(get('/'))
    expect(d.kind === 'respond' && d.response.body).toBe('5|this is a string|13')
  })

  it('refuses other scopes and fetches that need a request, as HAProxy does', () => {
    expect(errorsOf('global\n  set-var txn.x int(1)\n').map((d) => d.message)).toEqual(["'set-var': cannot set variable 'txn.x', only scope 'proc' is permitted in the global section."])
    expect(errorsOf('global\n  set-var proc.x path\n').map((d) => d.code)).toEqual(['invalid-argument'])
    expect(errorsOf('global\n  set-var proc.x\n').map((d) => d.code)).toEqual(['missing-argument'])
  })
})
