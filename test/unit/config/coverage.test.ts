import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { ACTIONS } from '../../../src/config/actions/index.ts'
import { PENDING } from '../../../src/config/keywords/pending.ts'
import { RUNTIME_ACTIONS } from '../../../src/engine/actions/index.ts'
import type { Backend, Frontend, RouteMap, Server } from '../../../src/routemap/schema.ts'
import { cfg, compile, diags, errorsOf, fixture } from '../../helpers/cfg.ts'

/*
 * Keyword coverage (issue: "every keyword listed in haproxy-semantics.md sections 1–7 is either
 * supported or rejected with an error that says it is not supported yet, never silently
 * ignored"). Each row puts one keyword, in a minimal form, into a whole config and checks what
 * `check` says about it:
 *
 *   yes   accepted with no warning on its line, and (when given) the RouteMap carries the value;
 *   warn  accepted with a warning on its line (the edge does it differently, ignores it, or the
 *         Worker does not apply it yet); the RouteMap still carries the value when given;
 *   no    rejected: an error on its line whose message says "not supported".
 *
 * Never an "unknown keyword" error. A row's `where` is the section its text goes in; the text
 * may hold several lines, the keyword being on the last one (earlier lines set things up).
 */

type Where = 'global' | 'defaults' | 'frontend' | 'backend' | 'top'
type Expect = 'yes' | 'warn' | 'no'
type Row = readonly [ref: string, where: Where, text: string, expect: Expect, carries?: (m: RouteMap) => unknown, value?: unknown]

const FILES: Record<string, string> = {
  '/etc/haproxy/errors/503.http': 'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\r\nbusy\n',
  '/etc/haproxy/pages/maint.txt': 'down for maintenance\n',
  '/etc/haproxy/pages/maint.lf': 'down for %[path]\n',
  '/etc/haproxy/acl/nets.lst': '10.0.0.0/8\n',
  '/etc/haproxy/maps/hosts.map': 'example.com be\n',
}

interface Built {
  readonly text: string
  readonly line: number
}

/** The row's text in its section of a small valid HTTP config; `line` is the keyword's line. */
function build(where: Where, text: string): Built {
  const snippet = text.split('\n')
  const out: string[] = []
  let line = 0
  const put = (lines: readonly string[], indent: string): void => {
    for (const l of lines) out.push(/^\S/.test(l) && indent === '' ? l : `${indent}${l}`)
    line = out.length
  }
  out.push('global')
  if (where === 'global') put(snippet, '  ')
  out.push('defaults', '  mode http', '  timeout connect 5s', '  timeout client 5s', '  timeout server 5s')
  if (where === 'defaults') put(snippet, '  ')
  out.push('frontend fe', '  bind :80')
  if (where === 'frontend') put(snippet, '  ')
  out.push('  default_backend be', 'backend be')
  if (where === 'backend') put(snippet, '  ')
  out.push('  server s1 app.example.com:80')
  if (where === 'top') {
    const start = out.length + 1
    for (const l of snippet) out.push(l)
    line = start
  }
  return { text: `${out.join('\n')}\n`, line }
}

const fe = (m: RouteMap, name = 'fe'): Frontend | undefined => m.frontends.find((f) => f.name === name)
const be = (m: RouteMap, name = 'be'): Backend | undefined => m.backends.find((b) => b.name === name)
/** The row's own server is always named `t`. */
const srv = (m: RouteMap): Server | undefined => be(m)?.servers.find((s) => s.name === 't')
const reqRule = (m: RouteMap) => fe(m)?.httpRequest.at(-1)
const resRule = (m: RouteMap) => fe(m)?.httpResponse.at(-1)

/** A frontend table tracked by sc0, for the stick-counter actions. */
const TRACKED = 'stick-table type ip size 1k store http_req_rate(10s),gpc0,gpc1,gpt0\nhttp-request track-sc0 src'

const ROWS: readonly Row[] = [
  // §1.1 sections, conditional blocks, units
  ['peers section', 'top', 'peers mypeers\n  peer edge1 192.0.2.50:10000', 'warn'],
  ['peers: table', 'top', 'peers mypeers\n  table t1 type ip size 1k', 'warn'],
  ['resolvers section', 'top', 'resolvers dns\n  nameserver ns1 192.0.2.53:53', 'warn'],
  ['userlist section', 'top', 'userlist admins\n  user admin insecure-password secret', 'yes', (m) => m.userlists[0]?.users[0]?.name, 'admin'],
  ['userlist: group', 'top', 'userlist admins\n  group ops users admin\n  user admin insecure-password secret', 'yes', (m) => m.userlists[0]?.groups[0]?.name, 'ops'],
  [
    'userlist: crypt password and http_auth',
    'top',
    'userlist admins\n  user admin password $5$s5salt$n0z5Mi9ceD5byJyqZv4KWr0U0xpklmi9ZWqujqaL.n3\nfrontend fe2\n  bind :81\n  http-request auth unless { http_auth(admins) }',
    'yes',
    (m) => fe(m, 'fe2')?.httpRequest[0]?.action,
    'auth',
  ],
  ['global set-var', 'global', 'set-var proc.x int(3)', 'yes', (m) => m.global.procVars?.['proc.x'], { type: 'int', value: 3 }],
  ['global set-var-fmt', 'global', 'set-var-fmt proc.y "v%[int(1)]"', 'yes', (m) => m.global.procVars?.['proc.y'], { type: 'str', value: 'v1' }],
  ['mailers section', 'top', 'mailers mta\n  mailer smtp1 192.0.2.25:25', 'warn'],
  ['http-errors section', 'top', 'http-errors site\n  errorfile 503 /etc/haproxy/errors/503.http', 'yes'],
  ['ring section', 'top', 'ring logbuf\n  size 32764', 'warn'],
  ['cache section', 'top', 'cache small\n  total-max-size 4', 'yes', (m) => m.caches?.[0]?.maxObjectSize, 16384],
  ['program section', 'top', 'program agent\n  command /usr/bin/true', 'warn'],
  ['log-forward section', 'top', 'log-forward syslog\n  dgram-bind 127.0.0.1:1514', 'warn'],
  ['crt-store section', 'top', 'crt-store web\n  load crt site.pem', 'warn'],
  ['traces section', 'top', 'traces\n  trace h1 sink stderr', 'warn'],
  ['acme section (3.x)', 'top', 'acme le', 'no'],
  ['healthcheck section (3.x)', 'top', 'healthcheck hc1', 'no'],
  ['.if/.endif', 'backend', '.if defined(HOME)\n.endif\nretries 2', 'yes', (m) => be(m)?.retries, 2],
  ['.notice', 'global', '.notice "compiling"', 'warn'],
  ['.warning', 'global', '.warning "careful"', 'warn'],
  ['.diag', 'global', '.diag "details"', 'warn'],
  ['time unit us', 'backend', 'timeout server 1500us', 'yes', (m) => be(m)?.timeouts.server, 2],
  ['time unit m', 'backend', 'timeout server 2m', 'yes', (m) => be(m)?.timeouts.server, 120000],
  ['time unit h', 'backend', 'timeout server 1h', 'yes', (m) => be(m)?.timeouts.server, 3600000],
  ['time unit d', 'backend', 'timeout server 1d', 'yes', (m) => be(m)?.timeouts.server, 86400000],
  ['size unit m', 'frontend', 'stick-table type ip size 1m', 'yes', (m) => fe(m)?.stickTable?.size, 1048576],

  // §1.2 naming and §1.3 inheritance
  ['listen section', 'top', 'listen li\n  bind :81\n  server t app.example.com:80', 'yes', (m) => [fe(m, 'li')?.listen, be(m, 'li')?.servers.length], [true, 1]],
  ['defaults <name> + from', 'top', 'defaults base\n  mode http\n  retries 5\nbackend b2 from base\n  server t app.example.com:80', 'yes', (m) => be(m, 'b2')?.retries, 5],
  ['defaults: mode', 'defaults', 'mode http', 'yes', (m) => be(m)?.mode, 'http'],
  ['defaults: retries', 'defaults', 'retries 4', 'yes', (m) => be(m)?.retries, 4],
  ['defaults: balance', 'defaults', 'balance leastconn', 'yes', (m) => be(m)?.balance.algo, 'leastconn'],
  ['defaults: hash-type', 'defaults', 'hash-type consistent', 'yes', (m) => be(m)?.hash.type, 'consistent'],
  ['defaults: cookie', 'defaults', 'cookie SRV insert', 'yes', (m) => be(m)?.cookie?.name, 'SRV'],
  ['defaults: default-server', 'defaults', 'default-server weight 7', 'yes', (m) => be(m)?.servers[0]?.weight, 7],
  ['defaults: errorfile', 'defaults', 'errorfile 503 /etc/haproxy/errors/503.http', 'yes', (m) => Object.keys(be(m)?.errorfiles ?? {}), ['503']],
  ['defaults: option forwardfor', 'defaults', 'option forwardfor', 'yes', (m) => fe(m)?.options.forwardfor?.header, 'X-Forwarded-For'],
  ['defaults: no option', 'defaults', 'option redispatch\nno option redispatch', 'yes', (m) => be(m)?.options.redispatch, undefined],
  ['defaults: default option', 'defaults', 'option persist\ndefault option persist', 'yes', (m) => be(m)?.options.persist, false],
  ['mode tcp', 'top', 'backend db\n  mode tcp\n  server t app.example.com:3306', 'warn', (m) => be(m, 'db')?.mode, 'tcp'],
  ['mode health', 'backend', 'mode health', 'no'],
  ['mode log', 'backend', 'mode log', 'no'],

  // §1.4 server line: addresses
  ['server <hostname>:<port>', 'backend', 'server t app.example.com:8080', 'yes', (m) => [srv(m)?.host, srv(m)?.port], ['app.example.com', 8080]],
  ['server without port', 'backend', 'server t app.example.com', 'yes', (m) => srv(m)?.port, undefined],
  ['server port +N', 'backend', 'server t app.example.com:+1000', 'yes', (m) => srv(m)?.portOffset, 1000],
  ['server port -N', 'backend', 'server t app.example.com:-1', 'yes', (m) => srv(m)?.portOffset, -1],
  ['server IPv4', 'backend', 'server t 192.0.2.10:80', 'warn', (m) => srv(m)?.host, '192.0.2.10'],
  ['server [IPv6]', 'backend', 'server t [2001:db8::1]:80', 'warn', (m) => srv(m)?.host, '2001:db8::1'],
  ['server ipv4@', 'backend', 'server t ipv4@192.0.2.10:80', 'warn', (m) => srv(m)?.host, '192.0.2.10'],
  ['server ipv6@', 'backend', 'server t ipv6@[2001:db8::1]:80', 'warn', (m) => srv(m)?.host, '2001:db8::1'],
  ['server 0.0.0.0', 'backend', 'server t 0.0.0.0:80', 'no'],
  ['server *', 'backend', 'server t *:80', 'no'],
  ['server unix@', 'backend', 'server t unix@/run/app.sock', 'no'],
  ['server abns@', 'backend', 'server t abns@app', 'no'],
  ['server abnsz@', 'backend', 'server t abnsz@app', 'no'],
  ['server sockpair@', 'backend', 'server t sockpair@3', 'no'],
  ['server quic4@', 'backend', 'server t quic4@192.0.2.10:443', 'no'],
  ['server quic6@', 'backend', 'server t quic6@[2001:db8::1]:443', 'no'],
  ['server rhttp@', 'backend', 'server t rhttp@', 'no'],
  ['server from', 'backend', 'server t app.example.com:80 from none', 'no'],
  // §1.4 server parameters
  ['server weight', 'backend', 'server t app.example.com:80 weight 50', 'yes', (m) => srv(m)?.weight, 50],
  ['server weight 0', 'backend', 'server t app.example.com:80 weight 0', 'yes', (m) => srv(m)?.weight, 0],
  ['server backup', 'backend', 'server t app.example.com:80 backup', 'yes', (m) => srv(m)?.backup, true],
  ['server cookie', 'backend', 'server t app.example.com:80 cookie t1', 'yes', (m) => srv(m)?.cookie, 't1'],
  ['server check', 'backend', 'server t app.example.com:80 check', 'yes', (m) => srv(m)?.check, true],
  ['server inter', 'backend', 'server t app.example.com:80 check inter 3s', 'yes', (m) => srv(m)?.interMs, 3000],
  ['server fastinter', 'backend', 'server t app.example.com:80 check fastinter 1s', 'yes', (m) => srv(m)?.fastinterMs, 1000],
  ['server downinter', 'backend', 'server t app.example.com:80 check downinter 5s', 'yes', (m) => srv(m)?.downinterMs, 5000],
  ['server rise', 'backend', 'server t app.example.com:80 check rise 3', 'yes', (m) => srv(m)?.rise, 3],
  ['server fall', 'backend', 'server t app.example.com:80 check fall 5', 'yes', (m) => srv(m)?.fall, 5],
  ['server slowstart', 'backend', 'server t app.example.com:80 check slowstart 10s', 'yes', (m) => srv(m)?.slowstartMs, 10000],
  ['server slowstart rounding', 'backend', 'server t app.example.com:80 check slowstart 1500', 'yes', (m) => srv(m)?.slowstartMs, 2000],
  ['server maxconn', 'backend', 'server t app.example.com:80 maxconn 100', 'warn', (m) => srv(m)?.maxconn, 100],
  ['server maxqueue', 'backend', 'server t app.example.com:80 maxqueue 10', 'warn', (m) => srv(m)?.maxqueue, 10],
  ['server minconn', 'backend', 'server t app.example.com:80 minconn 5 maxconn 50', 'warn'],
  ['server disabled', 'backend', 'server t app.example.com:80 disabled', 'yes', (m) => srv(m)?.disabled, true],
  ['server enabled', 'backend', 'default-server disabled\nserver t app.example.com:80 enabled', 'yes', (m) => srv(m)?.disabled, false],
  ['server init-addr', 'backend', 'server t app.example.com:80 init-addr last,libc,none', 'warn'],
  ['server init-state (3.x)', 'backend', 'server t app.example.com:80 init-state up', 'no'],
  ['server id', 'backend', 'server t app.example.com:80 id 7', 'yes', (m) => srv(m)?.id, 7],
  ['server hash-key (3.x)', 'backend', 'server t app.example.com:80 hash-key addr', 'no'],
  ['server observe', 'backend', 'server t app.example.com:80 check observe layer7', 'yes', (m) => srv(m)?.observe, 'layer7'],
  ['server on-error', 'backend', 'server t app.example.com:80 check observe layer7 on-error mark-down', 'yes', (m) => srv(m)?.onError, 'mark-down'],
  ['server error-limit', 'backend', 'server t app.example.com:80 check observe layer4 error-limit 5', 'yes', (m) => srv(m)?.errorLimit, 5],
  ['server agent-check', 'backend', 'server t app.example.com:80 agent-check agent-port 9999', 'yes', (m) => srv(m)?.agent?.port, 9999],
  ['server agent-check port', 'backend', 'server t app.example.com:80 check port 8081 agent-check', 'yes', (m) => srv(m)?.agent?.port, 8081],
  ['server agent-inter', 'backend', 'server t app.example.com:80 agent-check agent-port 9999 agent-inter 5s', 'yes', (m) => srv(m)?.agent?.interMs, 5000],
  ['server agent-send', 'backend', 'server t app.example.com:80 agent-check agent-port 9999 agent-send ping', 'yes', (m) => srv(m)?.agent?.send, 'ping'],
  ['server agent-addr', 'backend', 'server t app.example.com:80 agent-check agent-port 9999 agent-addr agent.example.com', 'yes', (m) => srv(m)?.agent?.addr, 'agent.example.com'],
  ['server check-alpn', 'backend', 'server t app.example.com:80 check check-alpn h2', 'warn'],
  ['server check-proto', 'backend', 'server t app.example.com:80 check check-proto h2', 'warn'],
  ['server port (check port)', 'backend', 'server t app.example.com:80 check port 8081', 'yes', (m) => srv(m)?.checkPort, 8081],
  ['server addr (check address)', 'backend', 'server t app.example.com:80 check addr health.example.com', 'yes', (m) => srv(m)?.checkAddr, 'health.example.com'],
  ['server check-ssl', 'backend', 'server t app.example.com:80 check check-ssl', 'warn'],
  ['server ssl', 'backend', 'server t app.example.com:443 ssl', 'yes', (m) => srv(m)?.ssl, true],
  ['server send-proxy', 'backend', 'server t app.example.com:80 send-proxy', 'no'],
  ['server track', 'backend', 'server s2 app.example.com:80 check\nserver t app.example.com:80 track s2', 'yes', (m) => srv(m)?.track, 's2'],
  ['server redir', 'backend', 'server t app.example.com:80 redir http://www.example.com', 'yes', (m) => srv(m)?.redir, 'http://www.example.com'],
  ['server on-marked-down', 'backend', 'server t app.example.com:80 check on-marked-down shutdown-sessions', 'warn'],
  ['server on-marked-up', 'backend', 'server t app.example.com:80 check on-marked-up shutdown-backup-sessions', 'warn'],
  ['server ws', 'backend', 'server t app.example.com:80 ws h1', 'warn'],
  // §1.5 default-server
  ['default-server', 'backend', 'default-server weight 20 backup\nserver t app.example.com:80', 'yes', (m) => [srv(m)?.weight, srv(m)?.backup], [20, true]],
  ['default-server health settings', 'backend', 'default-server inter 3s fall 3 rise 2', 'yes', (m) => be(m)?.servers[0]?.interMs, 3000],
  ['default-server name (3.x)', 'backend', 'default-server name tpl weight 5', 'no'],

  // §2 balance and hash-type
  ['balance roundrobin', 'backend', 'balance roundrobin', 'yes', (m) => be(m)?.balance, { algo: 'roundrobin' }],
  ['balance static-rr', 'backend', 'balance static-rr', 'yes', (m) => be(m)?.balance, { algo: 'static-rr' }],
  ['balance leastconn', 'backend', 'balance leastconn', 'yes', (m) => be(m)?.balance, { algo: 'leastconn' }],
  ['balance first', 'backend', 'balance first', 'yes', (m) => be(m)?.balance, { algo: 'first' }],
  ['balance source', 'backend', 'balance source', 'yes', (m) => be(m)?.balance, { algo: 'source' }],
  ['balance random', 'backend', 'balance random', 'yes', (m) => be(m)?.balance, { algo: 'random', draws: 2 }],
  ['balance random(draws)', 'backend', 'balance random(3)', 'yes', (m) => be(m)?.balance, { algo: 'random', draws: 3 }],
  ['balance (no algorithm)', 'backend', 'balance', 'yes', (m) => be(m)?.balance, { algo: 'random', draws: 2 }],
  ['balance uri + options', 'backend', 'balance uri len 10 depth 2 whole path-only', 'yes', (m) => be(m)?.balance, { algo: 'uri', len: 10, depth: 2, whole: true, pathOnly: true }],
  ['balance url_param', 'backend', 'balance url_param userid', 'yes', (m) => be(m)?.balance, { algo: 'url_param', param: 'userid', checkPost: false }],
  ['balance url_param check_post', 'backend', 'balance url_param userid check_post', 'warn'],
  ['balance hdr', 'backend', 'balance hdr(X-Tenant-Id) use_domain_only', 'yes', (m) => be(m)?.balance, { algo: 'hdr', header: 'X-Tenant-Id', useDomainOnly: true }],
  ['balance hash', 'backend', 'balance hash path', 'no'],
  ['balance rdp-cookie', 'backend', 'balance rdp-cookie(mstshash)', 'no'],
  ['balance log-hash', 'backend', 'balance log-hash lower', 'no'],
  ['balance sticky', 'backend', 'balance sticky', 'no'],
  ['hash-type map-based', 'backend', 'hash-type map-based', 'yes', (m) => be(m)?.hash, { type: 'map-based', fn: 'sdbm', avalanche: false }],
  ['hash-type consistent', 'backend', 'hash-type consistent', 'yes', (m) => be(m)?.hash, { type: 'consistent', fn: 'sdbm', avalanche: true }],
  ['hash-type consistent sdbm', 'backend', 'hash-type consistent sdbm', 'yes', (m) => be(m)?.hash, { type: 'consistent', fn: 'sdbm', avalanche: false }],
  ['hash-type djb2 avalanche', 'backend', 'hash-type consistent djb2 avalanche', 'yes', (m) => be(m)?.hash, { type: 'consistent', fn: 'djb2', avalanche: true }],
  ['hash-type wt6', 'backend', 'hash-type map-based wt6', 'yes', (m) => be(m)?.hash.fn, 'wt6'],
  ['hash-type crc32', 'backend', 'hash-type map-based crc32', 'yes', (m) => be(m)?.hash.fn, 'crc32'],
  ['hash-type none', 'backend', 'hash-type map-based none', 'yes', (m) => be(m)?.hash.fn, 'none'],
  ['option allbackups', 'backend', 'option allbackups', 'yes', (m) => be(m)?.options.allbackups, true],
  ['option prefer-last-server', 'backend', 'option prefer-last-server', 'warn'],
  ['hash-balance-factor', 'backend', 'hash-balance-factor 150', 'no'],
  ['hash-preserve-affinity (3.x)', 'backend', 'hash-preserve-affinity maxconn', 'no'],
  ['timeout queue', 'backend', 'timeout queue 5s', 'warn', (m) => be(m)?.timeouts.queue, 5000],

  // §3 health checks
  ['option httpchk', 'backend', 'server t app.example.com:80 check\noption httpchk', 'yes', (m) => be(m)?.check?.http?.method, 'OPTIONS'],
  ['option httpchk <uri>', 'backend', 'server t app.example.com:80 check\noption httpchk /health', 'yes', (m) => be(m)?.check?.http?.uri, '/health'],
  ['option httpchk <meth> <uri>', 'backend', 'server t app.example.com:80 check\noption httpchk GET /health', 'yes', (m) => be(m)?.check?.http?.method, 'GET'],
  ['option httpchk <meth> <uri> <ver>', 'backend', 'server t app.example.com:80 check\noption httpchk GET /health HTTP/1.1', 'yes', (m) => be(m)?.check?.http?.version, 'HTTP/1.1'],
  [
    'option httpchk <meth> <uri> <ver> <host>',
    'backend',
    'server t app.example.com:80 check\noption httpchk GET /health HTTP/1.1 www.example.com',
    'yes',
    (m) => be(m)?.check?.http?.headers,
    [['host', 'www.example.com']],
  ],
  [
    'option httpchk headers in the version',
    'backend',
    'server t app.example.com:80 check\noption httpchk GET /health "HTTP/1.1\\r\\nHost:\\ www"',
    'warn',
    (m) => be(m)?.check?.http?.headers,
    [['host', 'www']],
  ],
  [
    'http-check send',
    'backend',
    'http-check send meth GET uri /ready ver HTTP/1.1 hdr Host api.example.com body ping comment c',
    'yes',
    (m) => be(m)?.check?.http?.steps,
    [{ step: 'send', method: 'GET', uri: '/ready', version: 'HTTP/1.1', headers: [['host', 'api.example.com']], body: 'ping' }],
  ],
  ['http-check send uri-lf', 'backend', 'http-check send uri-lf /h?%[date]', 'no'],
  [
    'http-check send uri-lf with check samples',
    'backend',
    'http-check send uri-lf /h/%[srv_name]?v=%[var(check.v)] hdr x-be %[be_name]',
    'yes',
    (m) => (be(m)?.check?.http?.steps?.[0] as { lf?: unknown } | undefined)?.lf,
    { uri: ['/h/', { fetch: 'srv_name' }, '?v=', { fetch: 'var', arg: 'v' }], headers: [['x-be', [{ fetch: 'be_name' }]]] },
  ],
  ['http-check send body-lf', 'backend', 'http-check send body-lf %[date]', 'no'],
  ['http-check expect status', 'backend', 'http-check expect status 200,201,300-310', 'yes', (m) => be(m)?.check?.http?.expect, { kind: 'status', negate: false, pattern: '200,201,300-310' }],
  ['http-check expect rstatus', 'backend', 'http-check expect rstatus ^2[0-9]{2}', 'yes', (m) => be(m)?.check?.http?.expect?.kind, 'rstatus'],
  ['http-check expect ! rstatus', 'backend', 'http-check expect ! rstatus ^5', 'yes', (m) => be(m)?.check?.http?.expect?.negate, true],
  ['http-check expect string', 'backend', 'http-check expect string OK', 'yes', (m) => be(m)?.check?.http?.expect?.kind, 'string'],
  ['http-check expect rstring', 'backend', 'http-check expect rstring ^OK', 'yes', (m) => be(m)?.check?.http?.expect?.kind, 'rstring'],
  ['http-check expect comment', 'backend', 'http-check expect comment "is it up" status 200', 'yes', (m) => be(m)?.check?.http?.expect?.pattern, '200'],
  [
    'http-check expect hdr',
    'backend',
    'http-check expect hdr name content-type value -m beg text/',
    'yes',
    (m) => be(m)?.check?.http?.expect,
    { kind: 'hdr', negate: false, pattern: 'content-type', value: { match: 'beg', pattern: 'text/' } },
  ],
  [
    'http-check expect fhdr',
    'backend',
    'http-check expect fhdr name -m reg ^cache value -m sub private',
    'yes',
    (m) => be(m)?.check?.http?.expect,
    { kind: 'fhdr', negate: false, pattern: '^cache', nameMatch: 'reg', value: { match: 'sub', pattern: 'private' } },
  ],
  ['http-check expect hdr name-lf', 'backend', 'http-check expect hdr name-lf %[var(check.h)]', 'yes', (m) => be(m)?.check?.http?.expect?.nameLf, [{ fetch: 'var', arg: 'h' }]],
  ['http-check expect hdr name-lf other sample', 'backend', 'http-check expect hdr name-lf %[req.hdr(x)]', 'no'],
  ['http-check expect string-lf', 'backend', 'http-check expect string-lf %[date]', 'no'],
  ['http-check expect min-recv', 'backend', 'http-check expect min-recv 10 string OK', 'yes', (m) => be(m)?.check?.http?.expect?.minRecv, 10],
  ['http-check expect ok-status', 'backend', 'http-check expect ok-status L7OKC status 200', 'yes', (m) => be(m)?.check?.http?.expect?.okStatus, 'L7OKC'],
  ['http-check expect error-status', 'backend', 'http-check expect error-status L7RSP status 200', 'yes', (m) => be(m)?.check?.http?.expect?.errorStatus, 'L7RSP'],
  ['http-check expect tout-status', 'backend', 'http-check expect tout-status L4TOUT status 200', 'yes', (m) => be(m)?.check?.http?.expect?.toutStatus, 'L4TOUT'],
  ['http-check expect on-success', 'backend', 'http-check expect on-success "ok" status 200', 'yes', (m) => be(m)?.check?.http?.expect?.onSuccess, 'ok'],
  ['http-check expect on-error', 'backend', 'http-check expect on-error "ko" status 200', 'yes', (m) => be(m)?.check?.http?.expect?.onError, 'ko'],
  ['http-check expect on-error log-format', 'backend', 'http-check expect on-error "ko %[res.hdr(x)]" status 200', 'no'],
  ['http-check expect status-code', 'backend', 'http-check expect status-code 200 status 200', 'no'],
  ['http-check disable-on-404', 'backend', 'http-check disable-on-404', 'yes', (m) => be(m)?.check?.disableOn404, true],
  ['http-check send-state', 'backend', 'http-check send-state', 'yes', (m) => be(m)?.check?.sendState, true],
  ['http-check comment', 'backend', 'http-check comment "the health page"', 'yes'],
  ['http-check connect', 'backend', 'http-check connect addr 192.0.2.9:8080 ssl', 'yes', (m) => be(m)?.check?.http?.steps, [{ step: 'connect', port: 8080, addr: '192.0.2.9', ssl: true }]],
  ['http-check connect sni', 'backend', 'http-check connect port 443 ssl sni api.example.com', 'warn'],
  ['http-check set-var', 'backend', 'http-check set-var(check.x) int(1)', 'yes', (m) => be(m)?.check?.http?.steps, [{ step: 'set-var', name: 'x', sample: { fetch: 'int', arg: '1' } }]],
  ['http-check set-var converter', 'backend', 'http-check set-var(check.x) res.hdr(x),lower', 'no'],
  ['http-check set-var txn scope', 'backend', 'http-check set-var(txn.x) int(1)', 'no'],
  ['http-check unset-var', 'backend', 'http-check unset-var(check.x)', 'yes', (m) => be(m)?.check?.http?.steps, [{ step: 'unset-var', name: 'x' }]],
  ['option tcp-check', 'backend', 'server t app.example.com:80 check\noption tcp-check', 'yes', (m) => be(m)?.check?.type, 'tcp'],
  ['tcp-check connect', 'backend', 'tcp-check connect port 6379 ssl', 'yes', (m) => be(m)?.check?.tcpSteps, [{ step: 'connect', port: 6379, ssl: true }]],
  ['tcp-check connect comment/default/linger', 'backend', 'tcp-check connect default linger comment "redis"', 'yes', (m) => be(m)?.check?.tcpSteps, [{ step: 'connect', ssl: false, default: true }]],
  ['tcp-check connect addr', 'backend', 'tcp-check connect addr 192.0.2.9 port 6379', 'yes', (m) => be(m)?.check?.tcpSteps, [{ step: 'connect', port: 6379, addr: '192.0.2.9', ssl: false }]],
  ['tcp-check connect send-proxy', 'backend', 'tcp-check connect port 6379 send-proxy', 'no'],
  ['tcp-check connect sni', 'backend', 'tcp-check connect port 6379 ssl sni redis.example.com', 'warn'],
  ['tcp-check connect alpn', 'backend', 'tcp-check connect port 443 ssl alpn h2', 'warn'],
  ['tcp-check connect proto', 'backend', 'tcp-check connect port 443 proto h2', 'warn'],
  ['tcp-check connect via-socks4', 'backend', 'tcp-check connect port 6379 via-socks4', 'no'],
  ['tcp-check send', 'backend', 'tcp-check send "PING\\r\\n"', 'yes', (m) => be(m)?.check?.tcpSteps, [{ step: 'send', data: 'PING\r\n', binary: false }]],
  ['tcp-check send-binary', 'backend', 'tcp-check send-binary 50494e470d0a', 'yes', (m) => be(m)?.check?.tcpSteps?.[0], { step: 'send', data: '50494e470d0a', binary: true }],
  ['tcp-check send-lf', 'backend', 'tcp-check send-lf "%[date]\\r\\n"', 'no'],
  ['tcp-check send-binary-lf', 'backend', 'tcp-check send-binary-lf "%[date,hex]"', 'no'],
  ['tcp-check expect string', 'backend', 'tcp-check expect string +PONG', 'yes', (m) => be(m)?.check?.tcpSteps?.[0], { step: 'expect', kind: 'string', negate: false, pattern: '+PONG' }],
  ['tcp-check expect rstring', 'backend', 'tcp-check expect rstring ^\\+OK', 'yes'],
  ['tcp-check expect binary', 'backend', 'tcp-check expect binary 2b4f4b', 'yes'],
  ['tcp-check expect rbinary', 'backend', 'tcp-check expect rbinary ^2b', 'yes'],
  ['tcp-check expect !', 'backend', 'tcp-check expect ! string -ERR', 'yes', (m) => be(m)?.check?.tcpSteps?.[0], { step: 'expect', kind: 'string', negate: true, pattern: '-ERR' }],
  ['tcp-check expect string-lf', 'backend', 'tcp-check expect string-lf %[date]', 'no'],
  ['tcp-check expect binary-lf', 'backend', 'tcp-check expect binary-lf %[date,hex]', 'no'],
  ['tcp-check comment', 'backend', 'tcp-check comment "redis ping"', 'yes'],
  ['tcp-check set-var', 'backend', 'tcp-check set-var(check.x) int(1)', 'no'],
  ['tcp-check unset-var', 'backend', 'tcp-check unset-var(check.x)', 'no'],
  ['option ssl-hello-chk', 'backend', 'server t app.example.com:80 check\noption ssl-hello-chk', 'yes', (m) => be(m)?.check?.type, 'ssl-hello'],
  ['option smtpchk', 'backend', 'server t app.example.com:80 check\noption smtpchk', 'yes', (m) => be(m)?.check?.type, 'smtp'],
  ['option ldap-check', 'backend', 'server t app.example.com:80 check\noption ldap-check', 'yes', (m) => be(m)?.check?.type, 'ldap'],
  ['option pgsql-check', 'backend', 'server t app.example.com:80 check\noption pgsql-check user postgres', 'yes', (m) => be(m)?.check?.type, 'pgsql'],
  ['option redis-check', 'backend', 'server t app.example.com:80 check\noption redis-check', 'yes', (m) => be(m)?.check?.type, 'redis'],
  ['option mysql-check', 'backend', 'server t app.example.com:80 check\noption mysql-check', 'warn', (m) => be(m)?.check?.type, 'mysql'],
  [
    'option mysql-check user',
    'backend',
    'server t app.example.com:80 check\noption mysql-check user haproxy',
    'yes',
    (m) => [be(m)?.check?.mysqlUser, be(m)?.check?.mysqlVariant],
    ['haproxy', 'post-41'],
  ],
  ['option mysql-check user post-80', 'backend', 'server t app.example.com:80 check\noption mysql-check user haproxy post-80', 'yes', (m) => be(m)?.check?.mysqlVariant, 'post-80'],
  ['option spop-check', 'backend', 'option spop-check', 'no'],
  ['option external-check', 'backend', 'option external-check', 'no'],
  ['spread-checks', 'global', 'spread-checks 5', 'yes', (m) => m.global.spreadChecks, 5],
  ['max-spread-checks', 'global', 'max-spread-checks 1s', 'warn'],
  ['timeout check', 'backend', 'timeout check 5s', 'yes', (m) => be(m)?.timeouts.check, 5000],
  ['option log-health-checks', 'backend', 'option log-health-checks', 'yes', (m) => be(m)?.options.logHealthChecks, true],

  // §4 cookie persistence
  [
    'cookie with every option',
    'backend',
    'cookie SRV insert indirect nocache postonly preserve httponly secure domain .example.com domain .ex2.com maxidle 30m maxlife 8h attr SameSite=Lax',
    'yes',
    (m) => be(m)?.cookie,
    {
      name: 'SRV',
      mode: 'insert',
      indirect: true,
      nocache: true,
      postonly: true,
      preserve: true,
      httponly: true,
      secure: true,
      dynamic: false,
      domains: ['.example.com', '.ex2.com'],
      attrs: ['SameSite=Lax'],
      maxidleMs: 1800000,
      maxlifeMs: 28800000,
    },
  ],
  ['cookie maxidle in seconds', 'backend', 'cookie SRV insert maxidle 60', 'yes', (m) => be(m)?.cookie?.maxidleMs, 60000],
  ['cookie rewrite', 'backend', 'cookie SRV rewrite', 'yes', (m) => be(m)?.cookie?.mode, 'rewrite'],
  ['cookie prefix', 'backend', 'cookie SRV prefix indirect', 'yes', (m) => be(m)?.cookie?.mode, 'prefix'],
  ['cookie (passive)', 'backend', 'cookie SRV', 'yes', (m) => be(m)?.cookie?.mode, 'passive'],
  ['cookie dynamic', 'backend', 'cookie SRV insert dynamic', 'warn'],
  ['dynamic-cookie-key', 'backend', 'dynamic-cookie-key s3cr3t', 'no'],
  ['option persist', 'backend', 'option persist', 'yes', (m) => be(m)?.options.persist, true],
  ['force-persist', 'backend', 'force-persist if { src 10.0.0.0/8 }', 'yes', (m) => be(m)?.forcePersist.map((c) => c.unless), [false]],
  ['ignore-persist', 'backend', 'ignore-persist unless { path_beg /app }', 'yes', (m) => be(m)?.ignorePersist.map((c) => c.unless), [true]],
  ['option redispatch', 'backend', 'option redispatch', 'yes', (m) => be(m)?.options.redispatch, -1],
  ['option redispatch <interval>', 'backend', 'option redispatch 2', 'yes', (m) => be(m)?.options.redispatch, 2],
  ['dispatch', 'backend', 'dispatch origin.example.com:8080', 'yes', (m) => [be(m)?.dispatch?.host, be(m)?.dispatch?.port, be(m)?.dispatch?.name], ['origin.example.com', 8080, '<NOSRV>']],
  ['dispatch with balance (ignored)', 'backend', 'balance roundrobin\ndispatch origin.example.com:8080', 'warn', (m) => be(m)?.dispatch, undefined],

  // §5 ACLs: flags, match methods, predefined ACLs, fetches, converters, variables
  ['acl', 'frontend', 'acl is_api path_beg /api/', 'yes', (m) => fe(m)?.acls.map((a) => a.name), ['is_api']],
  ['acl repeated (OR)', 'frontend', 'acl a path /x\nacl a path /y', 'yes', (m) => fe(m)?.acls[0]?.tests.length, 2],
  ['acl -i', 'frontend', 'acl a hdr(host) -i example.com', 'yes', (m) => fe(m)?.acls[0]?.tests[0]?.icase, true],
  ['acl -f', 'frontend', 'acl a src -f /etc/haproxy/acl/nets.lst', 'yes', (m) => fe(m)?.acls[0]?.tests[0]?.patternCount, 1],
  ['acl -m', 'frontend', 'acl a path -m beg /api', 'yes', (m) => fe(m)?.acls[0]?.tests[0]?.match, 'beg'],
  ['acl -n', 'frontend', 'acl a src -n 10.0.0.0/8', 'yes'],
  ['acl -u', 'frontend', 'acl a path -u 1 /x', 'yes'],
  ['acl --', 'frontend', 'acl a path -- -x', 'yes'],
  ...(['found', 'bool', 'int', 'ip', 'bin', 'len', 'str', 'beg', 'end', 'sub', 'dir', 'dom', 'reg'] as const).map((method): Row => {
    const patterns: Record<string, string> = {
      found: '',
      bool: '',
      int: '1',
      ip: '10.0.0.0/8',
      bin: '2f',
      len: '3',
      str: '/x',
      beg: '/x',
      end: '.js',
      sub: 'x',
      dir: 'img',
      dom: 'example',
      reg: '^/x',
    }
    const fetch = method === 'ip' ? 'src' : method === 'int' || method === 'bool' ? 'url_port' : 'path'
    return [`match method -m ${method}`, 'frontend', `acl a ${fetch} -m ${method} ${patterns[method] ?? ''}`.trimEnd(), 'yes', (m) => fe(m)?.acls[0]?.tests[0]?.match, method]
  }),
  ...[
    'TRUE',
    'FALSE',
    'HTTP',
    'HTTP_1.0',
    'HTTP_1.1',
    'HTTP_2.0',
    'HTTP_3.0',
    'HTTP_CONTENT',
    'HTTP_URL_ABS',
    'HTTP_URL_SLASH',
    'HTTP_URL_STAR',
    'LOCALHOST',
    'METH_CONNECT',
    'METH_DELETE',
    'METH_GET',
    'METH_HEAD',
    'METH_OPTIONS',
    'METH_POST',
    'METH_PUT',
    'METH_TRACE',
    'REQ_CONTENT',
    'WAIT_END',
  ].map((acl): Row => [`predefined ACL ${acl}`, 'frontend', `http-request deny if ${acl}`, 'yes']),
  ...[
    'path',
    'pathq',
    'url',
    'base',
    'hdr(host)',
    'req.hdr(host)',
    'req.fhdr(accept)',
    'req.hdr_cnt(accept)',
    'cook(SRV)',
    'req.cook(SRV)',
    'src',
    'method',
    'url_param(id)',
    'urlp(id)',
    'ssl_fc',
    'ssl_fc_has_crt',
    'ssl_c_s_dn(cn)',
    'rand(100)',
    'var(txn.x)',
    'req.ver',
    'query',
    'url_port',
    'dst',
    'dst_port',
    'src_port',
    'fe_name',
    'be_name',
  ].map((f): Row => [`fetch ${f}`, 'frontend', `acl a ${f} -m found`, 'yes']),
  ['fetch srv_name', 'frontend', 'http-response set-header X-Server %[srv_name]', 'yes'],
  ...(
    [
      ['nbsrv(be)', 'be'],
      ['srv_is_up(be/s1)', 'be/s1'],
      ['be_conn(be)', 'be'],
      ['srv_conn(be/s1)', 'be/s1'],
      ['queue(be)', 'be'],
      ['fe_conn', 'fe'],
    ] as const
  ).map(([f, arg]): Row => [`fetch ${f}`, 'frontend', `acl a ${f} -m found`, 'yes', (m) => fe(m)?.acls[0]?.tests[0]?.sample.args, [arg]]),
  ['fetch sc_http_req_rate', 'frontend', 'stick-table type ip size 1k store http_req_rate(10s)\nacl a sc_http_req_rate(0) gt 10', 'yes'],
  ['fetch sc0_http_req_rate', 'frontend', 'stick-table type ip size 1k store http_req_rate(10s)\nacl a sc0_http_req_rate gt 10', 'yes'],
  ['fetch src_http_req_rate', 'frontend', 'stick-table type ip size 1k store http_req_rate(10s)\nacl a src_http_req_rate(fe) gt 10', 'yes'],
  ['fetch sc_get_gpc0', 'frontend', 'stick-table type ip size 1k store gpc0\nacl a sc_get_gpc0(0) gt 0', 'yes'],
  ['fetch sc_inc_gpc0', 'frontend', 'stick-table type ip size 1k store gpc0\nacl a sc_inc_gpc0(0) gt 0', 'no'],
  ['fetch src_conn_rate', 'frontend', 'stick-table type ip size 1k store conn_rate(10s)\nacl a src_conn_rate gt 3', 'yes'],
  ...['lower', 'upper', 'field(1,/)', 'word(1,/)', 'regsub(a,b,g)', 'base64', 'hex', 'url_dec', 'json', 'concat(x)', 'sdbm', 'sdbm(1)', 'djb2', 'wt6', 'crc32', 'xxh32'].map(
    (c): Row => [`converter ${c}`, 'frontend', `http-request set-var(txn.x) path,${c}`, 'yes'],
  ),
  ...['add(1)', 'sub(1)', 'mul(2)', 'div(2)', 'mod(2)', 'bool', 'not', 'and(1)', 'or(1)', 'xor(1)', 'iif(a,b)', 'set-var(txn.y)'].map(
    (c): Row => [`converter ${c}`, 'frontend', `http-request set-var(txn.x) url_port,${c}`, 'yes'],
  ),
  ['converter ipmask', 'frontend', 'http-request set-var(txn.x) src,ipmask(24,64)', 'yes'],
  ...[
    'map(/etc/haproxy/maps/hosts.map)',
    'map_str(/etc/haproxy/maps/hosts.map,def)',
    'map_beg(/etc/haproxy/maps/hosts.map)',
    'map_sub(/etc/haproxy/maps/hosts.map)',
    'map_dir(/etc/haproxy/maps/hosts.map)',
    'map_dom(/etc/haproxy/maps/hosts.map)',
    'map_end(/etc/haproxy/maps/hosts.map)',
    'map_reg(/etc/haproxy/maps/hosts.map)',
    'map_regm(/etc/haproxy/maps/hosts.map)',
    'map_str_int(/etc/haproxy/maps/hosts.map,0)',
  ].map((c): Row => [`converter ${c.replace(/\(.*/, '')}`, 'frontend', `http-request set-var(txn.x) hdr(host),${c}`, 'yes']),
  ['converter map_ip', 'frontend', 'http-request set-var(txn.x) src,map_ip(/etc/haproxy/acl/nets.lst,none)', 'yes'],
  ['converter map_int', 'frontend', 'http-request set-var(txn.x) url_port,map_int(/etc/haproxy/maps/hosts.map,none)', 'yes'],
  ...(['proc', 'sess', 'txn', 'req'] as const).map((s): Row => [`variable scope ${s}`, 'frontend', `http-request set-var(${s}.v) path`, 'yes', (m) => reqRule(m)?.args.name, `${s}.v`]),
  ['variable scope res', 'frontend', 'http-response set-var(res.v) status', 'yes'],
  ...['ifexists', 'ifnotexists', 'ifempty', 'ifnotempty', 'ifset', 'ifnotset', 'ifgt', 'iflt'].map(
    (c): Row => [`set-var condition ${c}`, 'frontend', `http-request set-var(txn.v,${c}) url_port`, 'yes', (m) => reqRule(m)?.args.conds, [c]],
  ),

  // §6.1 routing
  ['monitor-uri', 'frontend', 'monitor-uri /healthz', 'yes', (m) => fe(m)?.monitorUri, '/healthz'],
  ['monitor fail', 'frontend', 'monitor fail if FALSE', 'yes', (m) => fe(m)?.monitorFail?.map((c) => c.text), ['if FALSE']],
  ['use_backend', 'frontend', 'use_backend be if { path_beg /api }', 'yes', (m) => fe(m)?.useBackends.map((u) => u.backend), ['be']],
  ['use_backend (dynamic name)', 'frontend', 'use_backend be_%[req.hdr(x-app)]', 'yes', (m) => typeof fe(m)?.useBackends[0]?.backend, 'object'],
  ['default_backend', 'frontend', 'acl x path /', 'yes', (m) => fe(m)?.defaultBackend, 'be'],
  ['use-server', 'backend', 'use-server s1 if { path /x }', 'yes', (m) => be(m)?.useServers[0]?.server, 's1'],
  ['redirect (legacy keyword)', 'frontend', 'redirect prefix https://www.example.com code 301', 'yes', (m) => fe(m)?.redirects[0]?.args.code, 301],
  ['http-after-response', 'frontend', 'http-after-response set-header X-Served-By edge', 'yes', (m) => fe(m)?.httpAfterResponse[0]?.action, 'set-header'],
  ['unique-id-format', 'frontend', 'unique-id-format %{+X}o%ci', 'yes'],

  // §6.2 http-request / http-response actions
  [
    'http-request redirect location',
    'frontend',
    'http-request redirect location https://example.com/ code 308 keep-query ignore-empty',
    'yes',
    (m) => [reqRule(m)?.args.code, reqRule(m)?.args.keepQuery, reqRule(m)?.args.ignoreEmpty],
    [308, true, true],
  ],
  [
    'http-request redirect prefix',
    'frontend',
    'http-request redirect prefix /new drop-query append-slash',
    'yes',
    (m) => [reqRule(m)?.args.type, reqRule(m)?.args.dropQuery, reqRule(m)?.args.appendSlash],
    ['prefix', true, true],
  ],
  [
    'http-request redirect scheme',
    'frontend',
    'http-request redirect scheme https code 303 set-cookie SEEN=1 clear-cookie OLD=',
    'yes',
    (m) => [reqRule(m)?.args.code, reqRule(m)?.args.setCookie, reqRule(m)?.args.clearCookie],
    [303, undefined, 'OLD='],
  ], // one cookie per rule: the last of set-cookie/clear-cookie wins (http_rules.c)
  ['http-request redirect set-cookie-fmt', 'frontend', 'http-request redirect location / set-cookie-fmt "A=%[src]"', 'yes'],
  ['http-response redirect location', 'frontend', 'http-response redirect location /moved code 307', 'yes', (m) => resRule(m)?.args.code, 307],
  ['http-request set-header', 'frontend', 'http-request set-header X-Real-IP %[src]', 'yes', (m) => reqRule(m)?.args.name, 'X-Real-IP'],
  ['http-request add-header', 'frontend', 'http-request add-header X-A a', 'yes', (m) => reqRule(m)?.action, 'add-header'],
  ['http-request del-header', 'frontend', 'http-request del-header X-A', 'yes', (m) => reqRule(m)?.args.method, 'str'],
  ['http-request del-header -m', 'frontend', 'http-request del-header x-debug- -m beg', 'yes', (m) => reqRule(m)?.args.method, 'beg'],
  ['http-request replace-header', 'frontend', 'http-request replace-header Host (.*):.* \\1', 'yes', (m) => reqRule(m)?.args.regex, '(.*):.*'],
  ['http-request replace-value', 'frontend', 'http-request replace-value X-Fwd ^(.*)$ <\\1>', 'yes', (m) => reqRule(m)?.action, 'replace-value'],
  ['http-response set-header', 'frontend', 'http-response set-header Strict-Transport-Security "max-age=63072000"', 'yes', (m) => resRule(m)?.args.name, 'Strict-Transport-Security'],
  ['http-response add-header', 'frontend', 'http-response add-header X-A a', 'yes'],
  ['http-response del-header', 'frontend', 'http-response del-header Server', 'yes'],
  ['http-response replace-header', 'frontend', 'http-response replace-header Set-Cookie (.*) \\1;\\ Secure', 'yes'],
  ['http-response replace-value', 'frontend', 'http-response replace-value Cache-Control ^public$ private', 'yes'],
  ['http-request deny', 'frontend', 'http-request deny', 'yes', (m) => reqRule(m)?.args.status, 403],
  ['http-request deny deny_status', 'frontend', 'http-request deny deny_status 429', 'yes', (m) => reqRule(m)?.args.status, 429],
  [
    'http-request deny status + string',
    'frontend',
    'http-request deny status 451 content-type text/plain string "blocked" hdr X-Why geo',
    'yes',
    (m) => [reqRule(m)?.args.status, reqRule(m)?.args.contentType],
    [451, 'text/plain'],
  ],
  ['http-request deny lf-string', 'frontend', 'http-request deny status 403 content-type text/plain lf-string "no %[path]"', 'yes'],
  [
    'http-request deny file',
    'frontend',
    'http-request deny status 503 content-type text/plain file /etc/haproxy/pages/maint.txt',
    'yes',
    (m) => reqRule(m)?.args.body,
    { kind: 'file', value: 'down for maintenance\n' },
  ],
  [
    'http-request deny lf-file',
    'frontend',
    'http-request deny status 503 content-type text/plain lf-file /etc/haproxy/pages/maint.lf',
    'yes',
    (m) => (reqRule(m)?.args.body as { kind?: string } | undefined)?.kind,
    'lf-string',
  ],
  [
    'http-request deny errorfile',
    'frontend',
    'http-request deny status 503 errorfile /etc/haproxy/errors/503.http',
    'yes',
    (m) => (reqRule(m)?.args.body as { kind?: string } | undefined)?.kind,
    'errorfile',
  ],
  ['http-request deny default-errorfiles', 'frontend', 'http-request deny status 404 default-errorfiles', 'yes'],
  [
    'http-request deny errorfiles',
    'top',
    'http-errors site\n  errorfile 503 /etc/haproxy/errors/503.http\nfrontend fe2\n  bind :81\n  http-request deny deny_status 503 errorfiles site',
    'yes',
    (m) => fe(m, 'fe2')?.httpRequest[0]?.args.body,
    { kind: 'errorfile', value: 'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\r\nbusy\n' },
  ],
  ['http-response deny', 'frontend', 'http-response deny', 'yes', (m) => resRule(m)?.args.status, 502],
  ['http-request return', 'frontend', 'http-request return status 200 content-type text/plain string ok', 'yes', (m) => reqRule(m)?.args.status, 200],
  ['http-request return (empty)', 'frontend', 'http-request return status 204', 'yes', (m) => reqRule(m)?.args.status, 204],
  ['http-response return', 'frontend', 'http-response return status 503 default-errorfiles', 'yes'],
  ['http-request set-var', 'frontend', 'http-request set-var(txn.rand) rand(100)', 'yes', (m) => reqRule(m)?.args.name, 'txn.rand'],
  ['http-request set-var-fmt', 'frontend', 'http-request set-var-fmt(txn.who) "%[src]:%[src_port]"', 'yes', (m) => reqRule(m)?.action, 'set-var-fmt'],
  ['http-request unset-var', 'frontend', 'http-request unset-var(txn.who)', 'yes', (m) => reqRule(m)?.action, 'unset-var'],
  ['http-request track-sc0', 'frontend', 'stick-table type ip size 1k store http_req_rate(10s)\nhttp-request track-sc0 src', 'yes', (m) => reqRule(m)?.args.counter, 0],
  ['http-request track-sc1 table', 'frontend', 'stick-table type ip size 1k store http_req_rate(10s)\nhttp-request track-sc1 src table fe', 'yes', (m) => reqRule(m)?.args.table, 'fe'],
  ['http-request track-sc2', 'frontend', 'stick-table type string size 1k store http_req_cnt\nhttp-request track-sc2 req.hdr(x-user)', 'yes', (m) => reqRule(m)?.args.counter, 2],
  ['http-response track-sc0', 'frontend', 'stick-table type ip size 1k store http_req_rate(10s)\nhttp-response track-sc0 src', 'yes'],
  ['http-request set-path', 'frontend', 'http-request set-path /v2%[path]', 'yes', (m) => reqRule(m)?.action, 'set-path'],
  ['http-request set-pathq', 'frontend', 'http-request set-pathq /v2%[pathq]', 'yes'],
  ['http-request set-query', 'frontend', 'http-request set-query a=1', 'yes'],
  ['http-request set-uri', 'frontend', 'http-request set-uri /x', 'yes'],
  ['http-request set-method', 'frontend', 'http-request set-method GET', 'yes'],
  ['http-request replace-path', 'frontend', 'http-request replace-path /old/(.*) /new/\\1', 'yes', (m) => reqRule(m)?.args.regex, '/old/(.*)'],
  ['http-request replace-pathq', 'frontend', 'http-request replace-pathq /old(.*) /new\\1', 'yes'],
  ['http-request replace-uri', 'frontend', 'http-request replace-uri ^http://(.*) https://\\1', 'yes'],
  ['http-request use-service prometheus-exporter', 'frontend', 'http-request use-service prometheus-exporter if { path /metrics }', 'yes', (m) => reqRule(m)?.args.service, 'prometheus-exporter'],
  ['http-request allow', 'frontend', 'http-request allow if { src 10.0.0.0/8 }', 'yes', (m) => reqRule(m)?.action, 'allow'],
  ['http-response allow', 'frontend', 'http-response allow', 'yes'],
  ['http-request auth', 'frontend', 'http-request auth realm Admins', 'yes', (m) => reqRule(m)?.args.realm, 'Admins'],
  ['http-request tarpit', 'frontend', 'http-request tarpit deny_status 429', 'yes', (m) => reqRule(m)?.args.status, 429],
  ['http-response set-status', 'frontend', 'http-response set-status 503', 'yes', (m) => resRule(m)?.args.status, 503],
  ['http-response set-status reason', 'frontend', 'http-response set-status 503 reason "Maintenance"', 'yes', (m) => resRule(m)?.args.reason, 'Maintenance'],
  ['http-request set-log-level', 'frontend', 'http-request set-log-level silent', 'warn'],
  ['http-request capture', 'frontend', 'http-request capture req.hdr(host) len 32', 'yes', (m) => fe(m)?.captures?.request, [{ len: 32 }]],
  ['http-request set-map', 'frontend', 'http-request set-map(/etc/haproxy/maps/hosts.map) %[src] %[path]', 'no'],
  ['http-request del-map', 'frontend', 'http-request del-map(/etc/haproxy/maps/hosts.map) %[src]', 'no'],
  ['http-request add-acl', 'frontend', 'http-request add-acl(/etc/haproxy/acl/nets.lst) %[src]', 'no'],
  ['http-request del-acl', 'frontend', 'http-request del-acl(/etc/haproxy/acl/nets.lst) %[src]', 'no'],
  ['http-request sc-inc-gpc0', 'frontend', `${TRACKED}\nhttp-request sc-inc-gpc0(0)`, 'yes', (m) => reqRule(m)?.args.counter, 0],
  ['http-request sc-inc-gpc1', 'frontend', `${TRACKED}\nhttp-request sc-inc-gpc1(0)`, 'yes'],
  ['http-request sc-set-gpt0', 'frontend', `${TRACKED}\nhttp-request sc-set-gpt0(0) 1`, 'yes', (m) => reqRule(m)?.args.value, 1],
  ['http-request sc-inc-gpc (array)', 'frontend', `${TRACKED}\nhttp-request sc-inc-gpc(0,0)`, 'no'],
  ['http-request sc-add-gpc', 'frontend', `${TRACKED}\nhttp-request sc-add-gpc(0,0) 1`, 'no'],
  ['http-request sc-set-gpt', 'frontend', `${TRACKED}\nhttp-request sc-set-gpt(0,0) 1`, 'no'],
  ['http-request set-timeout', 'backend', 'http-request set-timeout server 5s', 'yes', (m) => be(m)?.httpRequest[0]?.args, { timeout: 'server', ms: 5000 }],
  ['http-request wait-for-body', 'frontend', 'http-request wait-for-body time 1s', 'warn'],
  [
    'http-request normalize-uri',
    'top',
    'global\n  expose-experimental-directives\nfrontend nu\n  bind :81\n  default_backend be\nhttp-request normalize-uri path-strip-dotdot full',
    'yes',
    (m) => fe(m, 'nu')?.httpRequest[0]?.args,
    { normalizer: 'path-strip-dotdot', option: true },
  ],
  ['http-request disable-l7-retry', 'frontend', 'http-request disable-l7-retry', 'yes'],
  ['http-request set-priority-class', 'frontend', 'http-request set-priority-class int(1)', 'warn'],
  ['http-request reject', 'frontend', 'http-request reject', 'warn', (m) => fe(m)?.httpRequest.map((r) => [r.action, r.args]), [['reject', { status: 403, set: 'http-request' }]]],
  ['http-request silent-drop', 'frontend', 'http-request silent-drop', 'no'],
  ['http-request set-src', 'frontend', 'http-request set-src hdr(x-forwarded-for)', 'yes', (m) => fe(m)?.httpRequest[0]?.action, 'set-src'],
  ['http-request early-hint', 'frontend', 'http-request early-hint Link "</style.css>; rel=preload"', 'no'],
  ['http-request lua.*', 'frontend', 'http-request lua.hello', 'no'],

  // §6.4 / §6.5 forwarding headers and connection modes
  [
    'option forwardfor except header if-none',
    'frontend',
    'option forwardfor except 127.0.0.0/8 header X-Client if-none',
    'yes',
    (m) => [fe(m)?.options.forwardfor?.header, fe(m)?.options.forwardfor?.ifNone],
    ['X-Client', true],
  ],
  ['option forwarded', 'backend', 'option forwarded', 'no'],
  ['option originalto', 'frontend', 'option originalto header X-Orig', 'yes', (m) => fe(m)?.options.originalto, 'X-Orig'],
  ['option originalto except', 'frontend', 'option originalto except 127.0.0.1', 'yes', (m) => fe(m)?.options.originaltoExcept !== undefined, true],
  ['option http-keep-alive', 'frontend', 'option http-keep-alive', 'yes', (m) => fe(m)?.options.httpKeepAlive, true],
  ['option http-server-close', 'frontend', 'option http-server-close', 'warn'],
  ['option httpclose', 'frontend', 'option httpclose', 'warn'],
  ['http-reuse', 'backend', 'http-reuse safe', 'warn'],

  // §7 stick tables
  [
    'stick-table type ip',
    'frontend',
    'stick-table type ip size 200k expire 30s store http_req_rate(10s)',
    'yes',
    (m) => fe(m)?.stickTable,
    {
      name: 'fe',
      type: 'ip',
      keyLength: 4,
      size: 204800,
      expireMs: 30000,
      nopurge: false,
      store: [{ type: 'http_req_rate', periodMs: 10000 }],
      consistency: 'fast',
      origin: { file: 'test.cfg', line: 9 },
    },
  ],
  ['stick-table type ipv4', 'frontend', 'stick-table type ipv4 size 1k', 'yes', (m) => fe(m)?.stickTable?.type, 'ip'],
  ['stick-table type ipv6', 'frontend', 'stick-table type ipv6 size 1k', 'yes', (m) => fe(m)?.stickTable?.type, 'ipv6'],
  ['stick-table type integer', 'frontend', 'stick-table type integer size 1k', 'yes', (m) => fe(m)?.stickTable?.type, 'integer'],
  ['stick-table type string len', 'frontend', 'stick-table type string len 64 size 1k', 'yes', (m) => fe(m)?.stickTable?.keyLength, 64],
  ['stick-table type binary len', 'frontend', 'stick-table type binary len 16 size 1k', 'yes', (m) => fe(m)?.stickTable?.type, 'binary'],
  ['stick-table nopurge', 'frontend', 'stick-table type ip size 1k nopurge', 'yes', (m) => fe(m)?.stickTable?.nopurge, true],
  ['stick-table recv-only', 'frontend', 'stick-table type ip size 1k recv-only', 'warn'],
  ['stick-table peers', 'top', 'peers mypeers\n  peer edge1 192.0.2.50:10000\nbackend b3\n  stick-table type ip size 1k peers mypeers\n  server t app.example.com:80', 'warn'],
  ['stick-table srvkey', 'backend', 'stick-table type ip size 1k srvkey addr', 'no'],
  ['stick-table srvkey name', 'backend', 'stick-table type ip size 1k srvkey name', 'yes', (m) => be(m)?.stickTable?.size, 1024],
  ['stick-table write-to', 'backend', 'stick-table type ip size 1k write-to other', 'no'],
  ['stick-table brates-factor', 'backend', 'stick-table type ip size 1k brates-factor 8', 'no'],
  ...[
    'server_id',
    'gpt0',
    'gpc0',
    'gpc1',
    'gpc0_rate(10s)',
    'gpc1_rate(10s)',
    'conn_cnt',
    'conn_rate(10s)',
    'sess_cnt',
    'sess_rate(10s)',
    'http_req_cnt',
    'http_req_rate(10s)',
    'conn_cur',
    'http_err_cnt',
    'http_err_rate(10s)',
    'http_fail_cnt',
    'http_fail_rate(10s)',
    'bytes_in_cnt',
    'bytes_in_rate(10s)',
    'bytes_out_cnt',
    'bytes_out_rate(10s)',
  ].map((t): Row => [`stick-table store ${t}`, 'frontend', `stick-table type ip size 1k store ${t}`, 'yes', (m) => fe(m)?.stickTable?.store[0]?.type, t.replace(/\(.*/, '')]),
  ...['glitch_cnt', 'glitch_rate(10s)', 'gpt(2)', 'gpc(2)', 'gpc_rate(2,10s)', 'server_key'].map((t): Row => [`stick-table store ${t}`, 'frontend', `stick-table type ip size 1k store ${t}`, 'no']),
  ['stick match', 'backend', 'stick-table type ip size 1k\nstick match src', 'yes', (m) => be(m)?.stickRules.map((r) => r.kind), ['match']],
  ['stick on', 'backend', 'stick-table type ip size 1k\nstick on src', 'yes', (m) => be(m)?.stickRules.map((r) => r.kind), ['on']],
  ['stick store-request', 'backend', 'stick-table type ip size 1k\nstick store-request src if { path_beg /login }', 'yes', (m) => be(m)?.stickRules.map((r) => r.kind), ['store-request']],
  ['stick on ... table', 'top', 'backend b3\n  stick on src table b4\n  server t app.example.com:80\nbackend b4\n  stick-table type ip size 1k\n  server t app.example.com:80', 'yes'],
  ['stick store-response', 'backend', 'stick-table type string size 1k\nstick store-response res.cook(SID)', 'yes', (m) => be(m)?.stickRules.map((r) => r.kind), ['store-response']],
  [
    'tcp-request connection track-sc0',
    'frontend',
    'stick-table type ip size 1k store conn_cnt\ntcp-request connection track-sc0 src',
    'warn',
    (m) => fe(m)?.tcpRules?.connection.map((r) => r.action),
    ['track-sc0'],
  ],
  ['tcp-request session set-var', 'frontend', 'tcp-request session set-var(sess.s) src', 'warn', (m) => fe(m)?.tcpRules?.session.map((r) => r.action), ['set-var']],
  ['tcp-request content', 'frontend', 'tcp-request content accept', 'yes', (m) => fe(m)?.tcpRules?.content.map((r) => r.action), ['allow']],
  ['tcp-request content reject', 'frontend', 'tcp-request content reject if { path /x }', 'warn', (m) => fe(m)?.tcpRules?.content.map((r) => r.action), ['reject']],
  ['tcp-request inspect-delay', 'frontend', 'tcp-request inspect-delay 5s', 'yes'],
  ['tcp-request content on raw bytes', 'frontend', 'tcp-request content reject if { req.ssl_sni -m str a.example }', 'no'],
  ['tcp-request content silent-drop', 'frontend', 'tcp-request content silent-drop', 'no'],
  ['tcp-request connection expect-proxy', 'frontend', 'tcp-request connection expect-proxy layer4', 'warn'],
  ['tcp-response content', 'backend', 'tcp-response content accept', 'yes', (m) => be(m)?.tcpRules?.response.map((r) => r.action), ['allow']],
  ['tcp-response content close', 'backend', 'tcp-response content close', 'no'],
  ['localpeer', 'global', 'localpeer edge1', 'warn'],

  // §8.1 stats (named in §1.3 and §6.1)
  ['stats enable', 'frontend', 'stats enable', 'yes', (m) => fe(m)?.stats?.uri, '/haproxy?stats'],
  ['stats uri', 'frontend', 'stats uri /stats', 'yes', (m) => fe(m)?.stats?.uri, '/stats'],
  ['stats refresh', 'frontend', 'stats refresh 10s', 'yes', (m) => fe(m)?.stats?.refreshMs, 10000],
  ['stats auth', 'frontend', 'stats auth admin:secret', 'yes', (m) => fe(m)?.stats?.auth, ['admin:secret']],
  ['stats realm', 'frontend', 'stats realm Ops', 'yes', (m) => fe(m)?.stats?.realm, 'Ops'],
  ['stats admin', 'frontend', 'stats admin if TRUE', 'yes', (m) => fe(m)?.stats?.admin?.text, 'if TRUE'],
  ['stats hide-version', 'frontend', 'stats hide-version', 'yes', (m) => fe(m)?.stats?.hideVersion, true],
  ['stats show-legends', 'frontend', 'stats show-legends', 'yes', (m) => fe(m)?.stats?.showLegends, true],
  ['stats scope', 'frontend', 'stats scope .', 'yes', (m) => fe(m)?.stats?.scope, ['.']],
  ['stats show-node', 'frontend', 'stats show-node edge1', 'warn'],
  ['stats show-desc', 'frontend', 'stats show-desc "edge"', 'warn'],
  ['stats http-request', 'frontend', 'stats http-request deny unless TRUE', 'no'],
  ['stats socket', 'global', 'stats socket /run/haproxy.sock mode 660 level admin', 'warn', (m) => m.global.statsSockets, [{ path: '/run/haproxy.sock', level: 'admin' }]],

  // §12 timeouts
  ['timeout connect', 'backend', 'timeout connect 3s', 'yes', (m) => be(m)?.timeouts.connect, 3000],
  ['timeout server', 'backend', 'timeout server 30s', 'yes', (m) => be(m)?.timeouts.server, 30000],
  ['timeout tarpit', 'frontend', 'timeout tarpit 2s', 'yes', (m) => fe(m)?.timeouts.tarpit, 2000],
  ['timeout client', 'frontend', 'timeout client 30s', 'warn', (m) => fe(m)?.timeouts.client, 30000],
  ['timeout client (defaults)', 'defaults', 'timeout client 30s', 'yes', (m) => fe(m)?.timeouts.client, 30000],
  ['timeout http-request', 'frontend', 'timeout http-request 10s', 'warn', (m) => fe(m)?.timeouts.httpRequest, 10000],
  ['timeout http-keep-alive', 'frontend', 'timeout http-keep-alive 10s', 'warn', (m) => fe(m)?.timeouts.httpKeepAlive, 10000],
  ['timeout client-fin', 'frontend', 'timeout client-fin 1s', 'warn'],
  ['timeout server-fin', 'backend', 'timeout server-fin 1s', 'warn'],
  ['timeout tunnel', 'backend', 'timeout tunnel 1h', 'warn', (m) => be(m)?.timeouts.tunnel, 3600000],

  // §13 (named in §1.3 and §2): retries, retry-on, maxconn, fullconn
  ['retries', 'backend', 'retries 2', 'yes', (m) => be(m)?.retries, 2],
  ['retry-on conn-failure', 'backend', 'retry-on conn-failure', 'yes', (m) => be(m)?.retryOn, ['conn-failure']],
  ['retry-on none', 'backend', 'retry-on none', 'yes', (m) => be(m)?.retryOn, ['none']],
  ['retry-on all-retryable-errors', 'backend', 'retry-on all-retryable-errors', 'warn', (m) => be(m)?.retryOn, ['all-retryable-errors']],
  ['retry-on status codes', 'backend', 'retry-on conn-failure 503 empty-response response-timeout', 'warn', (m) => be(m)?.retryOn, ['conn-failure', '503', 'empty-response', 'response-timeout']],
  ['maxconn (frontend)', 'frontend', 'maxconn 1000', 'warn', (m) => fe(m)?.maxconn, 1000],
  ['maxconn (global)', 'global', 'maxconn 50000', 'warn', (m) => m.global.maxconn, 50000],
  ['fullconn', 'backend', 'fullconn 500', 'warn', (m) => be(m)?.fullconn, 500],

  // Other proxy keywords §1.3 names: logs, errors, captures
  ['log global', 'defaults', 'log global', 'yes'],
  ['log <target>', 'global', 'log stdout format raw local0', 'warn'],
  ['no log', 'frontend', 'no log', 'yes'],
  ['log-format', 'frontend', 'log-format "%ci [%tr] %ST %B"', 'yes', (m) => fe(m)?.logFormat, '%ci [%tr] %ST %B'],
  ['option httplog', 'frontend', 'option httplog', 'yes', (m) => fe(m)?.options.httplog, true],
  ['option dontlognull', 'frontend', 'option dontlognull', 'yes', (m) => fe(m)?.options.dontlognull, true],
  ['option tcplog', 'frontend', 'option tcplog', 'warn'],
  ['errorfile', 'frontend', 'errorfile 503 /etc/haproxy/errors/503.http', 'yes', (m) => Object.keys(fe(m)?.errorfiles ?? {}), ['503']],
  [
    'errorfiles',
    'top',
    'http-errors site\n  errorfile 503 /etc/haproxy/errors/503.http\nfrontend fe2\n  bind :81\n  errorfiles site',
    'yes',
    (m) => fe(m, 'fe2')?.errorfiles['503'],
    'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\r\nbusy\n',
  ],
  [
    'http-error',
    'frontend',
    'http-error status 503 content-type text/plain string busy',
    'yes',
    (m) => fe(m)?.errorfiles['503'],
    'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\ncontent-type: text/plain\r\n\r\nbusy',
  ],
  ['capture request header', 'frontend', 'capture request header Host len 32', 'yes', (m) => fe(m)?.captures?.request, [{ len: 32, header: 'host' }]],
  ['declare capture', 'frontend', 'declare capture response len 8', 'yes', (m) => fe(m)?.captures?.response, [{ len: 8 }]],
  ['description', 'frontend', 'description "public entry point"', 'warn'],
  ['id', 'frontend', 'id 10', 'yes', (m) => fe(m)?.id, 10],
  ['enabled', 'backend', 'enabled', 'yes'],
  ['disabled (proxy)', 'backend', 'disabled', 'no'],

  // bind parameters (§1.1 seed binds, §5.6 accept-proxy)
  [
    'bind port range',
    'frontend',
    'bind :8000-8010',
    'yes',
    (m) => fe(m)?.binds.map((b) => [b.port, b.portEnd]),
    [
      [80, 80],
      [8000, 8010],
    ],
  ],
  ['bind ipv4@', 'frontend', 'bind ipv4@0.0.0.0:81', 'yes', (m) => fe(m)?.binds[1]?.port, 81],
  ['bind ssl crt alpn', 'frontend', 'bind *:443 ssl crt /etc/haproxy/certs/ alpn h2,http/1.1', 'warn', (m) => fe(m)?.binds[1]?.ssl, true],
  ['bind crt-list', 'frontend', 'bind *:443 ssl crt-list /etc/haproxy/crt-list.txt', 'warn'],
  ['bind ca-file verify', 'frontend', 'bind *:8443 ssl crt /etc/haproxy/certs/server.pem ca-file /etc/haproxy/certs/ca.pem verify required', 'warn'],
  ['bind accept-proxy', 'frontend', 'bind :81 accept-proxy', 'warn'],
  ['bind unix@', 'frontend', 'bind unix@/run/fe.sock', 'warn'],
  ['bind quic4@', 'frontend', 'bind quic4@:443 ssl crt /etc/haproxy/certs/', 'warn'],
  ...[
    'name web',
    'id 5',
    'maxconn 100',
    'backlog 1024',
    'transparent',
    'defer-accept',
    'tfo',
    'v4v6',
    'v6only',
    'interface eth0',
    'mss 1400',
    'process 1',
    'thread 1',
    'nice 10',
    'accept-netscaler-cip 1234',
  ].map((p): Row => [`bind ${p}`, 'frontend', `bind :81 ${p}`, 'warn']),
]

/** What `check` said about the row's line. */
function classify(row: Row) {
  const [, where, text] = row
  const b = build(where, text)
  const r = compileConfig([{ name: 'test.cfg', text: b.text }], { readFile: (p) => FILES[p], env: (n) => (n === 'HOME' ? '/root' : undefined) })
  const all = diags(r)
  return { built: b, result: r, all, errors: all.filter((d) => d.severity === 'error'), warningsOnLine: all.filter((d) => d.severity === 'warning' && d.line === b.line) }
}

describe('keyword coverage: every keyword of reference §1–7 is supported, or says why not', () => {
  it.each(ROWS.map((r) => [r[0], r] as const))('%s', (_name, row) => {
    const [, , text, want, carries, value] = row
    const { built, result, errors, warningsOnLine, all } = classify(row)
    const where = `${built.text}\n${JSON.stringify(all, null, 1)}`
    expect(
      all.filter((d) => d.code === 'unknown-keyword'),
      where,
    ).toEqual([])
    if (want === 'no') {
      expect(errors.length, where).toBeGreaterThan(0)
      expect(
        errors.filter((e) => e.line !== built.line),
        where,
      ).toEqual([])
      expect(
        errors.some((e) => /not supported|doesn't exist anymore/.test(e.message)),
        where,
      ).toBe(true)
      return
    }
    expect(errors, where).toEqual([])
    if (want === 'yes') expect(warningsOnLine, where).toEqual([])
    else expect(warningsOnLine.length, `${text}: expected a warning on line ${built.line}\n${where}`).toBeGreaterThan(0)
    if (carries && result.routeMap) expect(carries(result.routeMap), where).toEqual(value)
  })

  it('has a row for each kind of rule action in the action table', () => {
    const named = new Set(ROWS.map((r) => r[2].split('\n').at(-1)?.split(' ')[1]?.replace(/\(.*$/, '')))
    const missing = ACTIONS.map((a) => a.name).filter((n) => !named.has(n) && !['set-var', 'track-sc1', 'track-sc2'].includes(n))
    expect(
      missing.filter(
        (n) =>
          ![
            'set-dst',
            'set-dst-port',
            'set-src-port',
            'cache-use',
            'cache-store',
            'do-resolve',
            'set-bandwidth-limit',
            'strict-mode',
            'send-spoe-group',
            'set-mark',
            'set-tos',
            'set-nice',
            'wait-for-handshake',
            'set-priority-offset',
            'lua',
          ].includes(n),
      ),
    ).toEqual([])
  })
})

/*
 * 'yes' must mean the Worker applies it: the RouteMap field a supported keyword fills is read by
 * the runtime (src/engine, src/proxy, src/balance, src/state, src/sample). A field nothing reads
 * means the keyword is silently ignored at run time.
 */
function sources(dir: string): string {
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .map((p) => (statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? readFileSync(p, 'utf8') : ''))
    .join('\n')
}

describe("'yes' keywords are read by the Worker", () => {
  const SRC = join(import.meta.dirname, '..', '..', '..', 'src')
  const runtime = ['engine', 'proxy', 'balance', 'state', 'sample', 'stats', 'log', 'ops'].map((d) => sources(join(SRC, d))).join('\n')
  it.each([
    ['retries', /\.retries\b/],
    ['retry-on', /\.retryOn\b/],
    ['option redispatch', /options\.redispatch\b/],
    ['option persist', /options\.persist\b/],
    ['option allbackups', /options\.allbackups\b/],
    ['option forwardfor', /options\.forwardfor\b/],
    ['option originalto', /options\.originalto\b/],
    ['force-persist', /\.forcePersist\b/],
    ['ignore-persist', /\.ignorePersist\b/],
    ['cookie', /def\.cookie\b/],
    ['cookie indirect', /\.indirect\b/],
    ['cookie nocache', /\.nocache\b/],
    ['cookie postonly', /\.postonly\b/],
    ['cookie preserve', /\.preserve\b/],
    ['cookie httponly', /\.httponly\b/],
    ['cookie secure', /\.secure\b/],
    ['cookie domain', /\.domains\b/],
    ['cookie attr', /\.attrs\b/],
    ['cookie maxidle', /\.maxidleMs\b/],
    ['cookie maxlife', /\.maxlifeMs\b/],
    ['server weight', /\.weight\b/],
    ['server backup', /\.backup\b/],
    ['server disabled', /\.disabled\b/],
    ['server cookie', /\.cookie\b/],
    ['server redir', /\.redir\b/],
    ['server ssl', /server\.ssl\b/],
    ['server port offset', /\.portOffset\b/],
    ['balance', /def\.balance\b/],
    ['hash-type', /def\.hash\b/],
    ['timeout connect', /timeouts\.connect\b/],
    ['timeout server', /timeouts\.server\b/],
    ['timeout tarpit', /timeouts\.tarpit\b/],
    ['monitor-uri', /\.monitorUri\b/],
    ['stats uri', /\.stats\b/],
    ['option httplog', /\.accessLog\b/],
    ['log-format', /\.accessLog\b/],
    ['errorfile', /\.errorfiles\b/],
    ['use_backend', /\.useBackends\b/],
    ['default_backend', /\.defaultBackend\b/],
    ['http-request', /\.httpRequest\b/],
    ['http-response', /\.httpResponse\b/],
    ['http-after-response', /\.httpAfterResponse\b/],
    ['redirect', /\.redirects\b/],
    ['tcp-request / tcp-response', /\.tcpRules\b/],
    ['stick-table expire', /\.expireMs\b/],
    ['stick-table nopurge', /\.nopurge\b/],
    ['stick match/on/store-request', /'store-request'/],
    ['userlist', /userlists?\b/],
    ['bind', /\.binds\b/],
    ['mode', /\.mode\b/],
  ])('%s', (_kw, re) => {
    expect(runtime).toMatch(re)
  })

  it('every rule action the compiler accepts has a runtime', () => {
    const missing = ACTIONS.filter((a) => a.support === 'yes' || a.support === 'edge')
      .map((a) => a.name)
      .filter((n) => !RUNTIME_ACTIONS.has(n))
    expect(missing).toEqual([])
  })

  it('names each feature whose runtime is still missing, and warns once per proxy', () => {
    expect(Object.keys(PENDING).sort()).toEqual(['limits', 'queue'])
    const w = diags(
      compile(cfg`
        defaults
          mode http
        frontend fe
          bind :80
          default_backend be
        backend be
          fullconn 100
          server a app.example.com:80 maxconn 10
          server b app.example.com:81 maxconn 10 maxqueue 5
        backend other
          server c app.example.com:82 maxconn 10
      `),
    ).filter((d) => d.code === 'not-supported')
    expect(w.map((d) => [d.severity, d.line, d.column])).toEqual([
      ['warning', 7, 3],
      ['warning', 8, 31],
      ['warning', 11, 31],
    ])
    expect(w[0]?.message).toBe(`'fullconn': ${PENDING.queue}`)
    expect(w[1]?.message).toBe(`'maxconn': ${PENDING.limits}`)
    expect(w[2]?.message).toBe(`'maxconn': ${PENDING.limits}`)
  })
})

/*
 * Known gaps whose fix is outside src/config/keywords and src/config/actions. Each asserts what
 * happens today; when one is fixed this test fails: move the case into ROWS above.
 */
describe('known gaps outside the keyword tables (pinned)', () => {
  const errs = (where: Where, text: string) => {
    const b = build(where, text)
    return errorsOf(b.text, { files: FILES }).map((e) => [e.code, e.line, e.message])
  }
  it("acl -M is a flag: '-M -f <map>' reads the map file's keys", () => {
    expect(errs('frontend', 'acl a hdr(host) -M -f /etc/haproxy/maps/hosts.map')).toEqual([])
  })
  it('predefined ACL RDP_COOKIE is unknown (src/config/acl.ts) instead of not supported', () => {
    expect(errs('frontend', 'http-request deny if RDP_COOKIE')).toEqual([['unknown-acl', 9, "no such ACL : 'RDP_COOKIE' in 'http-request deny'"]])
  })
  it('the map_<match>_key converters are unknown (src/sample); HAProxy 2.6 rejects them too', () => {
    expect(errs('frontend', 'http-request set-var(txn.x) hdr(host),map_str_key(/etc/haproxy/maps/hosts.map)').map((e) => e[0])).toEqual(['unknown-converter'])
  })
  it("a 3.x section keyword opening a file is 'out of section' (src/config/ast.ts lists no 'acme'/'healthcheck')", () => {
    expect(errorsOf('acme le\n').map((e) => [e.code, e.message])).toEqual([['keyword-out-of-section', "unknown keyword 'acme' out of section"]])
  })
})

/*
 * Wrong-input diagnostics the issue requires (the ones test/unit/config/check.test.ts does not
 * already cover): the first diagnostic, with its exact position and text. The last column is what
 * `haproxy -c -f` (HAProxy 2.6.12) says about the same config, with 'valid' when it accepts it:
 * where the two disagree it is on purpose (edgeproxy is stricter about values HAProxy parses with
 * atol() or ignores) unless the report says otherwise.
 */
const D = 'defaults\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\n'
const FE = 'frontend fe\n  bind :8081\n  default_backend be\n'
const BE = 'backend be\n  server s1 127.0.0.1:8080\n'
const indent = (x: string): string =>
  x
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')
/** `x` in a frontend: its first line is line 8. */
const inFe = (x: string): string => `${D}frontend fe\n  bind :8081\n${indent(x)}\n  default_backend be\n${BE}`
/** `x` in a backend: its first line is line 10. */
const inBe = (x: string): string => `${D}${FE}backend be\n${indent(x)}\n`
const raw = (x: string): string => x

interface Expected {
  readonly severity: string
  readonly code: string
  readonly line: number
  readonly column: number
  readonly message: string
  readonly help?: string
}

const DIAG_CASES: readonly (readonly [name: string, text: string, first: Expected, haproxy: string])[] = [
  [
    'unknown keyword in global',
    raw(`global\n  maxconnn 100\n${D}${FE}${BE}`),
    { severity: 'error', code: 'unknown-keyword', line: 2, column: 3, message: "unknown keyword 'maxconnn' in 'global' section", help: "did you mean 'maxconn'?" },
    "error at line 2: unknown keyword 'maxconnn' in 'global' section; did you mean 'maxconn' maybe ?",
  ],
  [
    'unknown keyword in defaults',
    raw('defaults\n  mode http\n  timout connect 5s\n'),
    { severity: 'error', code: 'unknown-keyword', line: 3, column: 3, message: "unknown keyword 'timout' in 'defaults' section", help: "did you mean 'timeout'?" },
    "error at line 3: unknown keyword 'timout' in 'defaults' section; did you mean 'timeout' maybe ?",
  ],
  [
    'unknown keyword in backend',
    inBe('balanse roundrobin\nserver s1 127.0.0.1:8080'),
    { severity: 'error', code: 'unknown-keyword', line: 10, column: 3, message: "unknown keyword 'balanse' in 'backend' section", help: "did you mean 'balance'?" },
    "error at line 10: unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe ?",
  ],
  [
    'unknown keyword in listen',
    raw('listen li\n  mode http\n  bind :8081\n  retires 3\n  timeout client 5s\n  timeout connect 5s\n  timeout server 5s\n  server s1 127.0.0.1:8080\n'),
    { severity: 'error', code: 'unknown-keyword', line: 4, column: 3, message: "unknown keyword 'retires' in 'listen' section", help: "did you mean 'retries'?" },
    "error at line 4: unknown keyword 'retires' in 'listen' section; did you mean 'retries' maybe ?",
  ],
  [
    'unknown keyword in userlist',
    raw('userlist ul\n  usr admin insecure-password x\n'),
    { severity: 'error', code: 'unknown-keyword', line: 2, column: 3, message: "unknown keyword 'usr' in 'userlist' section", help: "did you mean 'user'?" },
    "error at line 2: unknown keyword 'usr' in 'users' section",
  ],
  [
    'unknown option',
    inBe('option redispach\nserver s1 127.0.0.1:8080'),
    { severity: 'error', code: 'unknown-keyword', line: 10, column: 10, message: "unknown keyword 'option redispach' in 'backend' section", help: "did you mean 'option redispatch'?" },
    "error at line 10: unknown option 'redispach'; did you mean 'redispatch' maybe ?",
  ],
  [
    'unknown timeout',
    raw('defaults\n  mode http\n  timeout conect 5s\n'),
    { severity: 'error', code: 'unknown-keyword', line: 3, column: 11, message: "unknown keyword 'timeout conect' in 'defaults' section", help: "did you mean 'timeout connect'?" },
    "error at line 3: 'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got 'conect')",
  ],
  [
    'use_backend in a backend',
    inBe('use_backend x\nserver s1 127.0.0.1:8080'),
    {
      severity: 'warning',
      code: 'keyword-out-of-section',
      line: 10,
      column: 3,
      message: "'use_backend' ignored because backend 'be' has no frontend capability.",
      help: "HAProxy ignores it here: move it to a frontend or 'listen' section",
    },
    "warning at line 10: 'use_backend' ignored because backend 'be' has no frontend capability. / error: Proxy 'be': unable to find required use_backend: 'x'.",
  ],
  [
    'server in a frontend',
    raw(`${D}frontend fe\n  bind :8081\n  server s1 127.0.0.1:8080\n`),
    { severity: 'error', code: 'keyword-out-of-section', line: 8, column: 3, message: "'server' is not allowed in 'frontend' sections", help: "it belongs in 'backend', 'listen', 'peers'" },
    "error at line 8: 'server' not allowed because frontend 'fe' has no backend capability.",
  ],
  [
    'bind in a backend',
    inBe('bind :8082\nserver s1 127.0.0.1:8080'),
    {
      severity: 'warning',
      code: 'keyword-out-of-section',
      line: 10,
      column: 3,
      message: "'bind' ignored because backend 'be' has no frontend capability.",
      help: "HAProxy ignores it here: move it to a frontend or 'listen' section",
    },
    "warning at line 10: 'bind' ignored because backend 'be' has no frontend capability. (valid)",
  ],
  [
    'stick on in a frontend',
    inFe('stick on src'),
    {
      severity: 'warning',
      code: 'keyword-out-of-section',
      line: 8,
      column: 9,
      message: "'stick' ignored because frontend 'fe' has no backend capability.",
      help: "HAProxy ignores it here: move it to a backend or 'listen' section",
    },
    "warning at line 8: 'stick' ignored because frontend 'fe' has no backend capability. (valid)",
  ],
  [
    'stats admin in defaults',
    raw(`${D}  stats admin if TRUE\n${FE}${BE}`),
    { severity: 'error', code: 'keyword-out-of-section', line: 6, column: 9, message: "'stats admin' is not allowed in 'defaults' sections", help: "it belongs in 'frontend', 'backend', 'listen'" },
    "error at line 6: 'stats admin' not allowed in 'defaults' section.",
  ],
  [
    'mode in global',
    raw(`global\n  mode http\n${D}${FE}${BE}`),
    { severity: 'error', code: 'keyword-out-of-section', line: 2, column: 3, message: "'mode' is not allowed in 'global' sections", help: "it belongs in 'defaults', 'frontend', 'backend', 'listen'" },
    "error at line 2: unknown keyword 'mode' in 'global' section; did you mean 'node' maybe ?",
  ],
  [
    'retries without a value',
    inBe('retries\nserver s1 127.0.0.1:8080'),
    { severity: 'error', code: 'missing-argument', line: 10, column: 3, message: "'retries' expects <integer>", help: 'usage: retries <integer>' },
    "error at line 10: 'retries' expects an integer argument (dispatch counts for one).",
  ],
  [
    'retries with two values',
    inBe('retries 1 2\nserver s1 127.0.0.1:8080'),
    { severity: 'error', code: 'too-many-arguments', line: 10, column: 13, message: "'retries' cannot handle unexpected argument '2'", help: 'usage: retries <integer>' },
    "error at line 10: 'retries' cannot handle unexpected argument '2'.",
  ],
  [
    'mode without a value',
    raw('defaults\n  mode\n'),
    { severity: 'error', code: 'missing-argument', line: 2, column: 3, message: "'mode' expects http|tcp", help: 'usage: mode http|tcp' },
    "error at line 2: unknown proxy mode ''.",
  ],
  [
    'timeout without a value',
    raw('defaults\n  mode http\n  timeout connect\n'),
    { severity: 'error', code: 'missing-argument', line: 3, column: 11, message: "'timeout connect' expects <time>", help: 'usage: timeout connect <time>' },
    "error at line 3: 'timeout connect' expects an integer value (in milliseconds)",
  ],
  [
    'default_backend with two names',
    inFe('default_backend be other'),
    { severity: 'error', code: 'too-many-arguments', line: 8, column: 22, message: "'default_backend' cannot handle unexpected argument 'other'", help: 'usage: default_backend <backend>' },
    "error at line 8: 'default_backend' cannot handle unexpected argument 'other'.",
  ],
  [
    'server without an address',
    inBe('server s1'),
    { severity: 'error', code: 'missing-argument', line: 10, column: 3, message: "'server' expects <name> <address>[:<port>] [param*]", help: 'usage: server <name> <address>[:<port>] [param*]' },
    "error at line 10: 'server' expects <name> and <addr>[:<port>] as arguments.",
  ],
  [
    'weight -1',
    inBe('server s1 127.0.0.1:8080 weight -1'),
    { severity: 'error', code: 'out-of-range', line: 10, column: 35, message: 'weight of server be/s1 is not within 0 and 256 (-1)' },
    "error at line 10: 'server be/s1' : weight of server s1 is not within 0 and 256 (-1)..",
  ],
  [
    'weight 257',
    inBe('server s1 127.0.0.1:8080 weight 257'),
    { severity: 'error', code: 'out-of-range', line: 10, column: 35, message: 'weight of server be/s1 is not within 0 and 256 (257)' },
    "error at line 10: 'server be/s1' : weight of server s1 is not within 0 and 256 (257)..",
  ],
  [
    'weight abc',
    inBe('server s1 127.0.0.1:8080 weight abc'),
    { severity: 'error', code: 'invalid-argument', line: 10, column: 35, message: "'server be/s1' : 'weight' expects an integer argument (got 'abc')" },
    'valid',
  ],
  [
    'rise 0',
    inBe('server s1 127.0.0.1:8080 check rise 0'),
    { severity: 'error', code: 'out-of-range', line: 10, column: 39, message: "'server be/s1' : 'rise' (0) is not within 1 and 1000000" },
    "error at line 10: 'server be/s1' : 'rise' has to be > 0..",
  ],
  [
    'inter 0',
    inBe('server s1 127.0.0.1:8080 check inter 0'),
    { severity: 'error', code: 'out-of-range', line: 10, column: 40, message: "'server be/s1' : 'inter' expects a positive delay" },
    "error at line 10: 'server be/s1' : invalid value 0 for argument 'inter' of server s1..",
  ],
  [
    'check port 70000',
    inBe('server s1 127.0.0.1:8080 check port 70000'),
    { severity: 'error', code: 'out-of-range', line: 10, column: 39, message: "'server be/s1' : 'port' (70000) is not within 1 and 65535" },
    'valid',
  ],
  [
    'spread-checks 60',
    raw(`global\n  spread-checks 60\n${D}${FE}${BE}`),
    { severity: 'error', code: 'out-of-range', line: 2, column: 17, message: "'spread-checks' (60) is not within 0 and 50" },
    "error at line 2: 'spread-checks' needs a positive value in range 0..50.",
  ],
  ['retries -1', inBe('retries -1\nserver s1 127.0.0.1:8080'), { severity: 'error', code: 'out-of-range', line: 10, column: 11, message: "'retries' (-1) is not within 0 and 1000000" }, 'valid'],
  [
    'decimal time',
    inBe('timeout server 1.5s\nserver s1 127.0.0.1:8080'),
    { severity: 'error', code: 'invalid-argument', line: 10, column: 18, message: "'timeout server': unexpected character '.' in time '1.5s' (units: us, ms, s, m, h, d)" },
    "error at line 10: unexpected character '.' in 'timeout server'",
  ],
  [
    'time overflow',
    inBe('timeout server 30d\nserver s1 127.0.0.1:8080'),
    { severity: 'error', code: 'invalid-argument', line: 10, column: 18, message: "'timeout server': timer overflow in '30d' (maximum value is 2147483647 ms or ~24.8 days)" },
    "error at line 10: timer overflow in argument '30d' to 'timeout server' (maximum value is 2147483647 ms or ~24.8 days)",
  ],
  [
    'bad unit in inter',
    inBe('server s1 127.0.0.1:8080 check inter 2x'),
    { severity: 'error', code: 'invalid-argument', line: 10, column: 40, message: "'server be/s1' : 'inter' unexpected character 'x' in time '2x' (units: us, ms, s, m, h, d)" },
    "error at line 10: 'server be/s1' : unexpected character 'x' in 'agent-inter' argument of server s1..",
  ],
  [
    'bad unit in cookie maxidle',
    inBe('cookie S insert maxidle 10x\nserver s1 127.0.0.1:8080'),
    {
      severity: 'error',
      code: 'invalid-argument',
      line: 10,
      column: 27,
      message: "'maxidle' expects <idletime> in seconds as argument: unexpected character 'x' in time '10x' (units: us, ms, s, m, h, d)",
    },
    "error at line 10: unexpected character 'x' in argument to <maxidle>.",
  ],
  [
    'deny_status 199',
    inFe('http-request deny deny_status 199'),
    { severity: 'error', code: 'invalid-argument', line: 8, column: 33, message: "'http-request deny' : status code '199' is not valid (expects 200..599)" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-request deny' rule : Unexpected status code '199'.",
  ],
  [
    'tarpit deny_status 700',
    inFe('http-request tarpit deny_status 700'),
    { severity: 'error', code: 'invalid-argument', line: 8, column: 35, message: "'http-request tarpit' : status code '700' is not valid (expects 200..599)" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-request tarpit' rule : Unexpected status code '700'.",
  ],
  [
    'return status 600',
    inFe('http-request return status 600'),
    { severity: 'error', code: 'invalid-argument', line: 8, column: 30, message: "'http-request return' : status code '600' is not valid (expects 200..599)" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-request return' rule : Unexpected status code '600'.",
  ],
  [
    'redirect code 306',
    inFe('http-request redirect location / code 306'),
    { severity: 'error', code: 'invalid-argument', line: 8, column: 41, message: "'http-request redirect' : 'code': unsupported HTTP code '306' (must be one of 301, 302, 303, 307 or 308)." },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-request redirect' rule : 'code': unsupported HTTP code '306' (must be one of 301, 302, 303, 307 or 308).",
  ],
  [
    'set-status 99',
    inFe('http-response set-status 99'),
    { severity: 'error', code: 'invalid-argument', line: 8, column: 28, message: "'http-response set-status' expects an HTTP status code between 100 and 999" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-response set-status' rule : expects an integer status code between 100 and 999.",
  ],
  [
    'deny status without an error page',
    inFe('http-response deny deny_status 418'),
    { severity: 'error', code: 'invalid-argument', line: 8, column: 34, message: "'http-response deny' : no built-in error page for status 418; add a 'string' or 'file' payload" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-response deny' rule : status code '418' not handled by default with 'default-errorfiles' argument..",
  ],
  [
    'errorfile 302',
    inFe('errorfile 302 /etc/hosts'),
    {
      severity: 'error',
      code: 'invalid-argument',
      line: 8,
      column: 13,
      message: "'errorfile' : status code '302' cannot be overridden",
      help: 'use one of 200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 414, 421, 422, 425, 429, 431, 500, 501, 502, 503, 504',
    },
    "error at line 8: errorfile : status code '302' not handled.",
  ],
  [
    'http-check expect status 2xx',
    inBe('option httpchk\nhttp-check expect status 2xx\nserver s1 127.0.0.1:8080 check'),
    {
      severity: 'error',
      code: 'invalid-argument',
      line: 11,
      column: 28,
      message: "'http-check expect status' : invalid status code or range '2xx'",
      help: "write codes and ranges separated by commas, e.g. '200,201,300-310'",
    },
    "error at line 11: 'http-check expect' : invalid character 'x' in the list of status codes.",
  ],
  [
    'return string without content-type',
    inFe('http-request return status 200 string ok'),
    { severity: 'error', code: 'invalid-argument', line: 8, column: 16, message: "'http-request return' : a 'string', 'lf-string' or 'file' payload requires a 'content-type'" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-request return' rule : a content type must be defined when non-empty payload is configured.",
  ],
  [
    'duplicate server id',
    inBe('server s1 127.0.0.1:8080 id 1\nserver s2 127.0.0.1:8081 id 1'),
    { severity: 'error', code: 'duplicate-name', line: 11, column: 10, message: "server 'be/s2' has the same ID (1) as server 's1' at line 10" },
    "error at line 11: 'server be/s2' : 'id' : custom id 1 already used at test.cfg:10 ('server s1').",
  ],
  [
    'duplicate user',
    raw(`userlist u\n  user a insecure-password x\n  user a insecure-password y\n${D}${FE}${BE}`),
    { severity: 'warning', code: 'duplicate-name', line: 3, column: 8, message: "ignoring duplicated user 'a' in userlist 'u'." },
    "warning at line 3: ignoring duplicated user 'a' in userlist 'u'. (valid)",
  ],
  [
    'duplicate userlist',
    raw(`userlist u\n  user a insecure-password x\nuserlist u\n  user b insecure-password y\n${D}${FE}${BE}`),
    { severity: 'warning', code: 'duplicate-name', line: 3, column: 10, message: "ignoring duplicated userlist 'u'." },
    "warning at line 3: ignoring duplicated userlist 'u'. (valid)",
  ],
  [
    'listen named like a backend',
    raw(`${D + FE + BE}listen be\n  bind :8082\n  server s2 127.0.0.1:8080\n`),
    { severity: 'error', code: 'duplicate-name', line: 11, column: 8, message: "listen 'be' has the same name as backend 'be' declared at test.cfg:9" },
    'valid',
  ],
  [
    'undefined defaults section',
    raw(`${D}frontend fe from nope\n  bind :8081\n  default_backend be\n${BE}`),
    {
      severity: 'error',
      code: 'unknown-backend',
      line: 6,
      column: 18,
      message: "defaults section 'nope' not found for frontend 'fe'",
      help: 'named defaults sections must appear before the sections that use them',
    },
    "error at line 6: defaults section 'nope' not found for frontend 'fe'.",
  ],
  [
    'undefined stick table',
    inBe('stick on src table nope\nserver s1 127.0.0.1:8080'),
    {
      severity: 'error',
      code: 'unknown-table',
      line: 10,
      column: 22,
      message: "backend 'be': unable to find stick-table 'nope' in 'stick on'.",
      help: "declare 'stick-table type ... size ...' in that proxy, or name another with 'table <proxy>'",
    },
    "error: Proxy 'be': unable to find stick-table 'nope'.",
  ],
  [
    'undefined track-sc table',
    inFe('http-request track-sc0 src table nope'),
    {
      severity: 'error',
      code: 'unknown-table',
      line: 8,
      column: 36,
      message: "frontend 'fe': unable to find stick-table 'nope' in 'track-sc0'.",
      help: "declare 'stick-table type ... size ...' in that proxy, or name another with 'table <proxy>'",
    },
    "error: Proxy 'fe': unable to find table 'nope' referenced by track-sc0.",
  ],
  [
    'undefined tracked server',
    inBe('server s1 127.0.0.1:8080 track nope'),
    { severity: 'error', code: 'unknown-server', line: 10, column: 3, message: "config : backend 'be', server 's1': unable to find required server 'nope' for tracking." },
    "error at line 10: 'server be/s1' : unable to find required server 'nope' for tracking.",
  ],
  [
    'check and track together',
    inBe('server s1 127.0.0.1:8080 check track s2\nserver s2 127.0.0.1:8081 check'),
    {
      severity: 'error',
      code: 'invalid-argument',
      line: 10,
      column: 28,
      message: "'server be/s1' : unable to enable checks and tracking at the same time!",
      help: "a tracking server takes its state from the tracked one: remove 'check'",
    },
    "error at line 10: 'server be/s1' : unable to enable checks and tracking at the same time!",
  ],
  [
    'undefined ACL in http-request',
    inFe('http-request deny if nope'),
    { severity: 'error', code: 'unknown-acl', line: 8, column: 24, message: "no such ACL : 'nope' in 'http-request deny'", help: "declare it with 'acl' before this line" },
    "error at line 8: error detected while parsing an 'http-request deny' condition : no such ACL : 'nope'.",
  ],
  [
    'undefined ACL in redirect',
    inFe('redirect location /x if nope'),
    { severity: 'error', code: 'unknown-acl', line: 8, column: 27, message: "no such ACL : 'nope' in 'http-request redirect'", help: "declare it with 'acl' before this line" },
    "error at line 8: error detected in frontend 'fe' while parsing redirect rule : error in condition: no such ACL : 'nope'.",
  ],
  [
    'invalid regex in replace-path',
    inFe('http-request replace-path ( /x'),
    { severity: 'error', code: 'invalid-regex', line: 8, column: 29, message: "'http-request replace-path' : invalid regex '(': Invalid regular expression: /(/: Unterminated group" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-request replace-path' rule : failed to parse the regex : regex '(' is invalid (error=missing closing parenthesis, erroffset=1).",
  ],
  [
    'invalid regex in replace-header',
    inFe('http-request replace-header Host [ x'),
    { severity: 'error', code: 'invalid-regex', line: 8, column: 36, message: "'http-request replace-header' : invalid regex '[': Invalid regular expression: /[/: Unterminated character class" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-request replace-header' rule : regex '[' is invalid (error=missing terminating ] for character class, erroffset=1).",
  ],
  [
    'invalid regex in http-check expect',
    inBe('option httpchk\nhttp-check expect rstatus (\nserver s1 127.0.0.1:8080 check'),
    { severity: 'error', code: 'invalid-regex', line: 11, column: 29, message: "'http-check expect' : regex '(' is invalid (Invalid regular expression: /(/: Unterminated group)" },
    "error at line 11: 'http-check expect' : regex '(' is invalid (error=missing closing parenthesis, erroffset=1).",
  ],
  [
    'invalid regex in an ACL',
    inFe('acl a hdr(host) -m reg *.example'),
    { severity: 'error', code: 'invalid-regex', line: 8, column: 26, message: "regex '*.example' is invalid (quantifier does not follow a repeatable item) in acl 'a'" },
    "error at line 8: error detected while parsing ACL 'a' : regex '*.example' is invalid (error=quantifier does not follow a repeatable item, erroffset=0).",
  ],
  [
    'bind port 0',
    inFe('bind :0'),
    { severity: 'error', code: 'invalid-address', line: 8, column: 8, message: "'bind' : invalid port '0' in ':0' (ports are 1 to 65535)", help: "write '[address]:port', e.g. '*:80' or ':8080'" },
    "error at line 8: 'bind' : invalid port '0'",
  ],
  [
    'bind port 70000',
    inFe('bind :70000'),
    {
      severity: 'error',
      code: 'invalid-address',
      line: 8,
      column: 8,
      message: "'bind' : invalid port '70000' in ':70000' (ports are 1 to 65535)",
      help: "write '[address]:port', e.g. '*:80' or ':8080'",
    },
    "error at line 8: 'bind' : invalid port '70000'",
  ],
  [
    'bind without a port',
    inFe('bind 127.0.0.1'),
    { severity: 'error', code: 'invalid-address', line: 8, column: 8, message: "'bind' : missing port number: '127.0.0.1'", help: "write '[address]:port', e.g. '*:80' or ':8080'" },
    "error at line 8: 'bind' : missing port specification in '127.0.0.1'",
  ],
  [
    'bind 300.1.1.1',
    inFe('bind 300.1.1.1:80'),
    { severity: 'error', code: 'invalid-address', line: 8, column: 8, message: "'bind' : invalid address: '300.1.1.1' in '300.1.1.1:80'", help: 'an IPv4 address has four numbers from 0 to 255' },
    "error at line 8: 'bind' : invalid address: '300.1.1.1' in '300.1.1.1:80'",
  ],
  [
    'server 300.1.1.1',
    inBe('server s1 300.1.1.1:80'),
    {
      severity: 'error',
      code: 'invalid-address',
      line: 10,
      column: 13,
      message: "'server be/s1' : invalid address: '300.1.1.1' in '300.1.1.1:80'",
      help: 'an IPv4 address has four numbers from 0 to 255',
    },
    "error at line 10: 'server be/s1' : could not resolve address '300.1.1.1'. / error: Failed to initialize server(s) addr.",
  ],
  [
    'server bad host name',
    inBe('server s1 bad_host!:80'),
    {
      severity: 'error',
      code: 'invalid-address',
      line: 10,
      column: 13,
      message: "'server be/s1' : invalid address: 'bad_host!' in 'bad_host!:80'",
      help: "write '<ip or hostname>[:port]', e.g. 'api.example.com:8080'",
    },
    "error at line 10: 'server be/s1' : could not resolve address 'bad_host!'. / error: Failed to initialize server(s) addr.",
  ],
  [
    'forwardfor except bad network',
    inFe('option forwardfor except 300.0.0.0/8'),
    { severity: 'error', code: 'invalid-address', line: 8, column: 28, message: "'option forwardfor except' : '300.0.0.0/8' is not a valid IPv4 or IPv6 address" },
    "error at line 8: 'option forwardfor except' expects <address>[/mask] as argument.",
  ],
  [
    'acl src bad mask',
    inFe('acl a src 10.0.0.0/33'),
    { severity: 'error', code: 'invalid-pattern', line: 8, column: 13, message: "'10.0.0.0/33' is not a valid IPv4 or IPv6 address in acl 'a'" },
    "error at line 8: error detected while parsing ACL 'a' : '10.0.0.0/33' is not a valid IPv4 or IPv6 address.",
  ],
  [
    'unknown fetch in a header format',
    inFe('http-request set-header X %[nosuch]'),
    { severity: 'error', code: 'unknown-fetch', line: 8, column: 31, message: "unknown fetch method 'nosuch' in sample expression 'nosuch'" },
    "error at line 8: error detected in frontend 'fe' while parsing 'http-request set-header' rule : failed to parse sample expression <nosuch]> : unknown fetch method 'nosuch'.",
  ],
  [
    'unknown converter in use_backend',
    inFe('use_backend %[path,nosuchconv]'),
    { severity: 'error', code: 'unknown-converter', line: 8, column: 22, message: "unknown converter 'nosuchconv' in sample expression 'path,nosuchconv'" },
    "error at line 8: failed to parse use_backend rule '%[path,nosuchconv]' : failed to parse sample expression <path,nosuchconv]> : unknown converter 'nosuchconv'.",
  ],
  [
    'unknown fetch in track-sc0',
    inFe('stick-table type ip size 1k\nhttp-request track-sc0 nosuch'),
    { severity: 'error', code: 'unknown-fetch', line: 9, column: 26, message: "unknown fetch method 'nosuch' in sample expression 'nosuch'" },
    "error at line 9: error detected in frontend 'fe' while parsing 'http-request track-sc0' rule : unknown fetch method 'nosuch'.",
  ],
  [
    'unknown match method',
    inFe('acl a path -m nope x'),
    { severity: 'error', code: 'unknown-match', line: 8, column: 17, message: "unknown matching method 'nope'" },
    "error at line 8: error detected while parsing ACL 'a' : unknown matching method 'nope' when parsing ACL expression.",
  ],
  [
    'option forwardfor in tcp mode',
    raw(
      'defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\nfrontend fe\n  bind :8081\n  option forwardfor\n  default_backend be\nbackend be\n  server s1 127.0.0.1:8080\n',
    ),
    {
      severity: 'warning',
      code: 'wrong-mode',
      line: 8,
      column: 3,
      message: "'option forwardfor' ignored for frontend 'fe' as it requires HTTP mode",
      help: "add 'mode http' to the proxy (or to its defaults section)",
    },
    "warning: 'option forwardfor' ignored for frontend 'fe' as it requires HTTP mode. (valid)",
  ],
  [
    'balance uri in tcp mode',
    raw(
      'defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\nfrontend fe\n  bind :8081\n  default_backend be\nbackend be\n  balance uri\n  server s1 127.0.0.1:8080\n',
    ),
    {
      severity: 'warning',
      code: 'wrong-mode',
      line: 10,
      column: 3,
      message: "'balance uri' ignored for backend 'be' as it requires HTTP mode",
      help: "add 'mode http' to the proxy (or to its defaults section)",
    },
    "warning: Layer 7 hash not possible for backend 'be' (needs 'mode http'). Falling back to round robin. (valid)",
  ],
  [
    'http-request in tcp mode',
    raw(
      'defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\nfrontend fe\n  bind :8081\n  default_backend be\nbackend be\n  http-request set-header X y\n  server s1 127.0.0.1:8080\n',
    ),
    {
      severity: 'warning',
      code: 'wrong-mode',
      line: 10,
      column: 3,
      message: "'http-request' ignored for backend 'be' as it requires HTTP mode",
      help: "add 'mode http' to the proxy (or to its defaults section)",
    },
    "warning: 'http-request' rules ignored for backend 'be' as they require HTTP mode. (valid)",
  ],
]

/** Warnings about what the edge does differently (valid lines). */
const EDGE_NOTES = new Set(['edge-mapping', 'edge-origin', 'edge-check', 'not-supported'])

describe('diagnostics name the line, the column and the problem', () => {
  it.each(DIAG_CASES.map((c) => [c[0], c] as const))('%s', (_name, c) => {
    const [, text, first] = c
    const r = compile(text)
    // Edge-mapping notes (private origins, mode tcp, features not applied yet) come from valid lines.
    const d = r.diagnostics.find((x) => x.severity === 'error' || !EDGE_NOTES.has(x.code))
    const got = d ? { severity: d.severity, code: d.code, line: d.span.line, column: d.span.column, message: d.message, ...(d.help ? { help: d.help } : {}) } : undefined
    expect(got).toEqual(first)
  })

  it('accepts the errorfile codes HAProxy 2.6 accepts (421 and 422 included)', () => {
    for (const code of ['421', '422']) {
      expect(errorsOf(inFe(`errorfile ${code} /etc/haproxy/errors/503.http`), { files: FILES })).toEqual([])
    }
  })
})

/*
 * Seed article (shared/seeds/000_a55d058241f501bf.txt): every configuration block, comments
 * dropped, appears in order in one of the whole configs under test/fixtures/seed/ (which
 * seed.test.ts compiles); the fragments its tips mention compile too.
 */
const SEED_BLOCKS: Readonly<Record<string, readonly string[]>> = {
  'frontend/backend (기본 구조)': [
    'global',
    'maxconn 50000',
    'log stdout format raw local0',
    'stats socket /var/run/haproxy.sock mode 660 level admin',
    'ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384',
    'ssl-default-bind-options prefer-client-ciphers no-sslv3 no-tlsv10 no-tlsv11',
    'tune.ssl.default-dh-param 2048',
    'defaults',
    'mode http',
    'log global',
    'option httplog',
    'option dontlognull',
    'option forwardfor',
    'option http-server-close',
    'timeout connect 5s',
    'timeout client 30s',
    'timeout server 30s',
    'timeout http-keep-alive 10s',
    'timeout check 5s',
    'default-server init-addr last,libc,none',
    'frontend http_front',
    'bind *:80',
    'bind *:443 ssl crt /etc/haproxy/certs/ alpn h2,http/1.1',
    'http-request redirect scheme https unless { ssl_fc }',
    'http-response set-header Strict-Transport-Security "max-age=63072000"',
    'acl is_api path_beg /api/',
    'acl is_ws hdr(Upgrade) -i websocket',
    'acl is_static path_end .css .js .png .jpg .svg .woff2',
    'use_backend api_servers if is_api',
    'use_backend ws_servers if is_ws',
    'use_backend static_servers if is_static',
    'default_backend web_servers',
    'backend web_servers',
    'balance roundrobin',
    'option httpchk GET /health',
    'http-check expect status 200',
    'cookie SERVERID insert indirect nocache',
    'server web1 10.0.1.10:3000 check cookie web1 weight 100',
    'server web2 10.0.1.11:3000 check cookie web2 weight 100',
    'server web3 10.0.1.12:3000 check cookie web3 weight 50',
  ],
  'load-balancing algorithms (로드밸런싱 알고리즘)': [
    'balance roundrobin',
    'balance leastconn',
    'balance source',
    'hash-type consistent',
    'balance uri',
    'hash-type consistent',
    'balance hdr(X-Tenant-Id)',
    'hash-type consistent',
  ],
  'health checks (고급 헬스체크)': [
    'backend api_servers',
    'balance leastconn',
    'option httpchk',
    'http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host api.example.com',
    'http-check expect rstatus ^2[0-9]{2}',
    'default-server inter 3s fall 3 rise 2',
    'server api1 10.0.2.10:8080 check slowstart 30s',
    'server api2 10.0.2.11:8080 check slowstart 30s',
    'server api3 10.0.2.12:8080 check slowstart 30s backup',
    'backend db_tcp',
    'mode tcp',
    'balance leastconn',
    'option mysql-check user haproxy',
    'server db1 10.0.3.10:3306 check',
    'server db2 10.0.3.11:3306 check backup',
  ],
  'ACL routing (ACL 기반 고급 라우팅)': [
    'frontend http_front',
    'bind *:443 ssl crt /etc/haproxy/certs/',
    'acl is_canary hdr(X-Canary) -i true',
    'acl is_canary_cookie cook(canary) -i true',
    'acl no_ab_cookie cook(canary) -m len 0',
    'http-request set-var(txn.rand) rand(100) if no_ab_cookie',
    'http-request add-header Set-Cookie "canary=true; Path=/; Max-Age=86400" if no_ab_cookie { var(txn.rand) -m int lt 10 }',
    'http-request add-header Set-Cookie "canary=false; Path=/; Max-Age=86400" if no_ab_cookie { var(txn.rand) -m int ge 10 }',
    'use_backend canary_servers if is_canary',
    'default_backend prod_servers',
    'stick-table type ip size 200k expire 30s store http_req_rate(10s)',
    'http-request track-sc0 src',
    'http-request deny deny_status 429 if { sc_http_req_rate(0) gt 200 }',
    'acl is_kr src -f /etc/haproxy/maps/kr-ips.lst',
    'use_backend kr_servers if is_kr',
    'backend canary_servers',
    'balance roundrobin',
    'server canary1 10.0.4.10:3000 check',
    'backend prod_servers',
    'balance roundrobin',
    'server prod1 10.0.4.20:3000 check',
    'server prod2 10.0.4.21:3000 check',
  ],
  'stats page (Stats 대시보드)': ['frontend stats', 'bind *:8404', 'stats enable', 'stats uri /stats', 'stats refresh 10s', 'stats admin if TRUE', 'stats auth admin:securepass123'],
  'TLS (SSL/TLS 최적화)': [
    'global',
    'ssl-default-bind-options ssl-min-ver TLSv1.2',
    'tune.ssl.cachesize 100000',
    'tune.ssl.lifetime 600',
    'frontend https',
    'bind *:443 ssl crt-list /etc/haproxy/crt-list.txt alpn h2,http/1.1',
    'bind *:8443 ssl crt /etc/haproxy/certs/server.pem ca-file /etc/haproxy/certs/ca.pem verify required',
    'http-request set-header X-Forwarded-Proto https',
    'http-request set-header X-Real-IP %[src]',
    'http-request set-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)] if { ssl_fc_has_crt }',
  ],
  'Prometheus (Prometheus 메트릭 연동)': ['frontend stats', 'bind *:8404', 'http-request use-service prometheus-exporter if { path /metrics }', 'stats enable', 'stats uri /stats'],
}

const SEED_FIXTURES = ['01-basic.cfg', '02-balance.cfg', '03-health.cfg', '04-acl.cfg', '05-stats.cfg', '06-tls.cfg', '07-prometheus.cfg']

/** Config lines of a fixture: comments dropped, blanks collapsed. */
function configLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) =>
      l
        .replace(/(^|\s)#.*$/, '')
        .trim()
        .replace(/\s+/g, ' '),
    )
    .filter((l) => l !== '')
}

/** True when `block` appears in `lines` in order (other lines may come between). */
function inOrder(block: readonly string[], lines: readonly string[]): boolean {
  let i = 0
  for (const l of lines) if (l === block[i]) i++
  return i === block.length
}

describe('seed article: every config block is in a fixture', () => {
  const fixtures = SEED_FIXTURES.map((f) => [f, configLines(fixture(`seed/${f}`))] as const)
  it.each(Object.entries(SEED_BLOCKS))('%s', (_name, block) => {
    expect(fixtures.filter(([, lines]) => inOrder(block, lines)).map(([f]) => f).length).toBeGreaterThan(0)
  })

  it("compiles the tips' fragments: 'server ... maxconn 100' and a peers section for table sync", () => {
    const r = compile(cfg`
      peers mesh
        peer edge1 192.0.2.50:10000
      defaults
        mode http
        timeout connect 5s
        timeout server 30s
      frontend http_front
        bind *:80
        stick-table type ip size 200k expire 30s peers mesh store http_req_rate(10s)
        http-request track-sc0 src
        default_backend web_servers
      backend web_servers
        server web1 web1.example.com:3000 check maxconn 100
    `)
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(r.routeMap?.backends[0]?.servers[0]?.maxconn).toBe(100)
    expect(r.routeMap?.frontends[0]?.stickTable?.peers).toBe('mesh')
    const w = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.span.line)
    expect(w).toEqual(expect.arrayContaining([1, 9, 13]))
  })
})
