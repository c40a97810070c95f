/**
 * The runtime API commands against the in-memory ApiContext: HAProxy 2.6's texts (the ones the
 * differential suite also checks against a live HAProxy, plus the branches it cannot reach),
 * the admin patches each command sends, levels, and the RouteMap applyPatternEdits produces.
 */
import { describe, expect, it } from 'vitest'
import { apiCommands } from '../../../src/api/commands.ts'
import { UNKNOWN_PATTERNS } from '../../../src/api/maps.ts'
import { applyPatternEdits, patternRefs } from '../../../src/api/patterns.ts'
import { runCommands } from '../../../src/api/run.ts'
import { createRunner, splitCommands, splitWords } from '../../../src/api/runner.ts'
import { parseShowStat, type StatsRenderers } from '../../../src/api/show-stats.ts'
import { defaultRegistry } from '../../../src/sample/index.ts'
import { cfg, compile } from '../../helpers/cfg.ts'
import { memoryContext } from './memory-context.ts'

const CONFIG = cfg`
  defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
  frontend fe
    bind 127.0.0.1:8080
    stick-table type ip size 200k expire 30s store http_req_rate(10s),gpc0,http_req_cnt,conn_cur
    http-request track-sc0 src
    acl is_api path_beg /api
    acl blocked src 10.0.0.0/8 192.168.1.1
    acl exact path /a /b
    http-request set-header X-Be %[path,map_beg(/etc/paths.map,be1)]
    http-request set-header X-N %[path,map_str_int(/etc/ints.map,0)]
    http-request deny if blocked
    use_backend be2 if is_api
    default_backend be1
  backend be1
    balance roundrobin
    server s1 127.0.0.1:19001 weight 10 check
    server s2 127.0.0.1:19002
    server s3 127.0.0.1:19004 track be1/s1
  backend be2
    balance source
    server a 127.0.0.1:19003 weight 20
  backend st
    stick-table type string len 8 size 1k store gpc0,http_req_rate(5s)
`
const FILES = { '/etc/paths.map': '/api be2\n/static be1\n/api/v2 be3\n', '/etc/ints.map': '/one 1\n' }

function routeMap() {
  const r = compile(CONFIG, { files: FILES })
  if (!r.routeMap) throw new Error(r.diagnostics.map((d) => d.message).join('\n'))
  return r.routeMap
}

function setup(level: 'user' | 'operator' | 'admin' = 'admin', now = () => 1_700_000_000_000) {
  const ctx = memoryContext(routeMap(), { level, now })
  return { ctx, run: (text: string) => runCommands(text.endsWith('\n') ? text : `${text}\n`, ctx) }
}

describe('command lines', () => {
  it('splits at newlines and unescaped semicolons, drops \\r, takes << payloads', () => {
    expect(splitCommands('a b;c\\;d\r\n\ne\n')).toEqual([{ line: 'a b' }, { line: 'c\\;d' }, { line: '' }, { line: 'e' }])
    expect(splitCommands('add map m <<\nk v\nk2 v2\n\nshow map')).toEqual([{ line: 'add map m ', payload: 'k v\nk2 v2' }, { line: 'show map' }])
    expect(splitCommands('show backend')).toEqual([{ line: 'show backend' }])
  })

  it('splits words at blanks; a backslash escapes the next character', () => {
    expect(splitWords('  set\tmap  a\\ b c\\\\d \\;')).toEqual(['set', 'map', 'a b', 'c\\d', ';'])
  })

  it('ends every output with an empty line; an empty command lists every command', async () => {
    const { run } = setup()
    expect(await run('show backend;get weight be1/s2')).toBe('# name\nbe1\nbe2\nst\n\n1 (initial 1)\n\n')
    const empty = await run('\n')
    expect(empty.startsWith('Unknown command. Please enter one of the following commands only:\n  add acl ')).toBe(true)
    expect(empty.endsWith('  quit                                    : disconnect\n\n')).toBe(true)
  })

  it('help lists the supported commands; help <words> the matching ones', async () => {
    const { run } = setup()
    expect(await run('help get')).toBe(
      'The following commands are valid at this level:\n' +
        '  get acl <acl> <value>                   : report the patterns matching a sample for an ACL\n' +
        '  get map <acl> <value>                   : report the keys and values matching a sample for a map\n' +
        "  get weight <bk>/<srv>                   : report a server's current weight\n" +
        '  help [<command>]                        : list matching or all commands\n' +
        '  prompt                                  : toggle interactive mode with prompt\n' +
        '  quit                                    : disconnect\n\n',
    )
    expect(await run('show stt')).toBe(
      'Unknown command, but maybe one of the following ones is a better match:\n' +
        '  show stat [desc|json|no-maint|typed|up]*: report counters for each proxy and server\n' +
        '  help [<command>]                        : list matching or all commands\n' +
        '  prompt                                  : toggle interactive mode with prompt\n' +
        '  quit                                    : disconnect\n\n',
    )
  })
})

describe('server commands', () => {
  it('set server state / enable / disable send the admin patch', async () => {
    const { ctx, run } = setup()
    expect(await run('set server be1/s1 state drain')).toBe('\n')
    expect(ctx.admin('be1', 's1')?.state).toBe('drain')
    expect(await run('set server be1/s1 state maint')).toBe('\n')
    expect(ctx.admin('be1', 's1')?.state).toBe('maint')
    expect(await run('set server be1/s1 state ready')).toBe('\n')
    expect(ctx.admin('be1', 's1')?.state).toBeUndefined()
    await run('disable server be1/#2')
    expect(ctx.admin('be1', 's2')?.state).toBe('maint')
    await run('enable server be1/s2')
    expect(ctx.admin('be1', 's2')?.state).toBeUndefined()
    expect(await run('set server be1/s1 state up')).toBe("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n")
  })

  it('weights: absolute, relative to the configured weight, static algorithms, errors', async () => {
    const { ctx, run } = setup()
    expect(await run('set weight be1/s1 50%')).toBe('\n')
    expect(await run('get weight be1/s1')).toBe('5 (initial 10)\n\n')
    expect(await run('set server be1/s1 weight 3000%')).toBe('\n')
    expect(ctx.admin('be1', 's1')?.weight).toBe(256)
    expect(await run('set weight be1/s1 abc')).toBe('Empty weight string empty or preceded by garbage\n')
    expect(await run('set weight be1/s1 10x')).toBe('Trailing garbage in weight string\n')
    expect(await run('set weight be1/s1 -5%')).toBe('Relative weight must be positive.\n\n')
    expect(await run('set weight be1/s1 257')).toBe('Absolute weight can only be between 0 and 256 inclusive.\n\n')
    expect(await run('set weight be1/s1')).toBe('Require <weight> or <weight%>.\n\n')
    expect(await run('set weight be2/a 10')).toBe("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n")
    expect(await run('set weight be2/a 0%;get weight be2/a;set weight be2/a 100%;get weight be2/a')).toBe('\n0 (initial 20)\n\n\n20 (initial 20)\n\n')
  })

  it('finds backend/server like cli_find_server', async () => {
    const { run } = setup()
    expect(await run('get weight be1')).toBe("Require 'backend/server'.\n\n")
    expect(await run('set server /s1 state ready')).toBe("Require 'backend/server'.\n\n")
    expect(await run('set server be1/ state ready')).toBe("Require 'backend/server'.\n\n")
    expect(await run('set server nob/s1 state ready')).toBe('No such backend.\n\n')
    expect(await run('set server be1/zz state ready')).toBe('No such server.\n\n')
    expect(await run('get weight #2/#1')).toBe('10 (initial 10)\n\n')
  })

  it('health, agent, checks and address', async () => {
    const { ctx, run } = setup()
    expect(await run('set server be1/s1 health down')).toBe('\n')
    expect(ctx.admin('be1', 's1')?.health).toBe('down')
    expect(await run('set server be1/s3 health up')).toBe('cannot change health on a tracking server.\n\n')
    expect(await run('set server be1/s1 health x')).toBe("'set server <srv> health' expects 'up', 'stopping', or 'down'.\n\n")
    expect(await run('set server be1/s1 agent up')).toBe('agent checks are not enabled on this server.\n\n')
    expect(await run('enable health be1/s2')).toBe('Health check was not configured on this server, cannot enable.\n\n')
    expect(await run('disable health be1/s1')).toBe('\n')
    expect(ctx.admin('be1', 's1')?.checksDisabled).toBe(true)
    expect(await run('enable health be1/s1')).toBe('\n')
    expect(ctx.admin('be1', 's1')?.checksDisabled).toBeUndefined()
    expect(await run('set server be1/s1 addr 127.0.0.1')).toBe("no need to change the addr by 'stats socket command'\n\n")
    expect(await run('set server be1/s1 addr 10.1.1.1 port 81')).toBe("IP changed from '127.0.0.1' to '10.1.1.1', port changed from '19001' to '81' by 'stats socket command'\n\n")
    expect(ctx.admin('be1', 's1')).toMatchObject({ addr: '10.1.1.1', port: 81 })
    expect(await run('set server be1/s1 addr 10.1.1.1 port 81')).toBe("no need to change the addr, no need to change the port by 'stats socket command'\n\n")
    expect(await run('set server be1/s1 addr 300.1.1.1')).toBe("Invalid addr '300.1.1.1' by 'stats socket command'\n\n")
    expect(await run('set server be1/s1 addr')).toBe('set server <b>/<s> addr requires an address and optionally a port.\n\n')
    expect(await run('set server be1/s1 fqdn x')).toBe(
      'usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n\n',
    )
  })

  it('levels: user and operator cannot change servers', async () => {
    const { ctx, run } = setup('user')
    expect(await run('set server be1/s1 state drain')).toBe('Permission denied\n\n')
    expect(await run('set weight be1/s1 1')).toBe('Permission denied\n\n')
    expect(await runCommands('disable health be1/s1\n', ctx.as('operator'))).toBe('Permission denied\n\n')
    expect(await run('get weight be1/s1')).toBe('10 (initial 10)\n\n')
    expect(ctx.admins.size).toBe(0)
  })
})

describe('show stat, show info, show servers state', () => {
  const calls: unknown[] = []
  const stub: StatsRenderers<string> = {
    statRows: (_input, filter) => {
      calls.push(filter)
      return 'rows'
    },
    renderCsv: (rows) => `csv:${rows}\n`,
    renderTyped: (rows) => `typed:${rows}\n`,
    renderStatJson: (rows) => `json:${rows}\n`,
    renderInfo: (_input, opts) => `info:${JSON.stringify(opts)}\n`,
    renderServersState: (_input, backend) => `state:${backend ?? '*'}\n`,
  }
  const run = createRunner(apiCommands(stub as StatsRenderers))

  it('parses the show stat arguments like cli_parse_show_stat', () => {
    const id = (n: string) => (n === 'be1' ? 2 : undefined)
    expect(parseShowStat(['show', 'stat'], id)).toEqual({ filter: {}, format: 'csv', desc: false })
    expect(parseShowStat(['show', 'stat', 'be1', '4', '-1', 'typed', 'up'], id)).toEqual({ filter: { iid: 2, name: 'be1', typeMask: 4, sid: -1, up: true }, format: 'typed', desc: false })
    expect(parseShowStat(['show', 'stat', '3', '-1', '-1', 'json', 'desc', 'no-maint'], id)).toEqual({ filter: { iid: 3, typeMask: -1, sid: -1, noMaint: true }, format: 'json', desc: true })
    expect(parseShowStat(['show', 'stat', 'nope', '1', '1'], id)).toEqual({ error: 'No such proxy.\n' })
    expect(parseShowStat(['show', 'stat', 'domain', 'dns'], id)).toEqual({ error: 'Invalid statistics domain.\n' })
  })

  it('src/stats output ends with exactly one empty line through runCommands', async () => {
    const { run } = setup()
    for (const c of ['show stat', 'show stat typed', 'show stat json', 'show info', 'show info json', 'show servers state', 'show servers state be1']) {
      const out = await run(c)
      expect({ c, end: out.endsWith('\n\n') && !out.endsWith('\n\n\n') }).toEqual({ c, end: true })
    }
    expect((await run('show stat')).startsWith('# pxname,svname,')).toBe(true)
    expect(await run('show stat nope 1 1')).toBe('No such proxy.\n\n')
  })

  it('delegates to the renderers', async () => {
    const ctx = memoryContext(routeMap())
    expect(await run('show stat;show stat typed;show stat json\n', ctx)).toBe('csv:rows\n\ntyped:rows\n\njson:rows\n\n')
    expect(calls.at(-1)).toEqual({ legends: true })
    await run('show stat\n', ctx.as('user'))
    expect(calls.at(-1)).toEqual({ legends: false })
    expect(await run('show info typed json\n', ctx)).toBe('info:{"typed":false,"json":true}\n\n')
    expect(await run('show servers state;show servers state #3;show servers state nob\n', ctx)).toBe("state:*\n\nstate:be2\n\nCan't find backend.\n\n")
  })
})

describe('maps and ACLs', () => {
  it('lists references with HAProxy ids and descriptions', async () => {
    const { run } = setup()
    expect(await run('show acl')).toBe(
      '# id (file) description\n' +
        "0 () acl 'path_beg' file 'test.cfg' line 10. curr_ver=0 next_ver=0 entry_cnt=1\n" +
        "1 () acl 'src' file 'test.cfg' line 11. curr_ver=0 next_ver=0 entry_cnt=2\n" +
        "2 () acl 'path' file 'test.cfg' line 12. curr_ver=0 next_ver=0 entry_cnt=2\n\n",
    )
    expect(await run('show map')).toBe(
      '# id (file) description\n' +
        "3 (/etc/paths.map) pattern loaded from file '/etc/paths.map' used by map at file 'test.cfg' line 13. curr_ver=0 next_ver=0 entry_cnt=3\n" +
        "4 (/etc/ints.map) pattern loaded from file '/etc/ints.map' used by map at file 'test.cfg' line 14. curr_ver=0 next_ver=0 entry_cnt=1\n\n",
    )
  })

  it('add, set, del, clear and get map, with pointer identifiers', async () => {
    const { ctx, run } = setup()
    expect(await run('add map /etc/paths.map /new be9')).toBe('\n')
    const shown = await run('show map #3')
    const lines = shown.trim().split('\n')
    expect(lines.map((l) => l.replace(/^0x[0-9a-f]{12} /, ''))).toEqual(['/api be2', '/static be1', '/api/v2 be3', '/new be9'])
    expect(await run('get map /etc/paths.map /api/v2/x')).toBe('type=beg, case=sensitive, found=yes, idx=tree, key="/api/v2", value="be3", type="str"\n\n')
    expect(await run('set map /etc/paths.map /api be7')).toBe('\n')
    expect(await run('get map /etc/paths.map /api/x')).toBe('type=beg, case=sensitive, found=yes, idx=tree, key="/api", value="be7", type="str"\n\n')
    expect(await run('set map /etc/paths.map /nope x')).toBe('entry not found.\n\n')
    const ptr = (lines[1] as string).split(' ')[0]
    expect(await run(`del map #3 #${ptr}`)).toBe('\n')
    expect(await run(`del map #3 #${ptr}`)).toBe('Key not found.\n\n')
    expect(await run('del map #3 #0xnothex')).toBe('Malformed identifier. Please use #<id> or <file>.\n\n')
    expect(await run('del map #3 /zz')).toBe('Key not found.\n\n')
    expect(ctx.edits.get('/etc/paths.map')).toEqual([
      ['/api', 'be7'],
      ['/api/v2', 'be3'],
      ['/new', 'be9'],
    ])
    expect(await run('add map #4 /two x')).toBe("unable to parse 'x'.\n\n")
    expect(await run('set map #4 /one x')).toBe('\n')
    expect(await run('get map #4 /one')).toBe('type=str, case=sensitive, found=yes, idx=tree, key="/one", value="1", type="sint"\n\n')
    expect(await run('add map #4 <<\n/two 2\n/three\n\n')).toBe("Missing value for key '/three'.\n\n")
    expect(ctx.edits.get('/etc/ints.map')).toEqual([
      ['/one', '1'],
      ['/two', '2'],
    ])
    expect(await run('clear map #4;show map #4')).toBe('\n\n')
    expect(await run('show map #0')).toBe('Unknown map identifier. Please use #<id> or <file>.\n\n')
    expect(await run('add map x')).toBe("'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload\n\n")
  })

  it('ACL patterns: add (validated), get, del, clear, and the quirks of del acl', async () => {
    const { run } = setup()
    // ip patterns come back from the prepared data as equivalent networks
    expect((await run('show acl #1')).replace(/0x[0-9a-f]{12}/g, 'P')).toBe('P 10.0.0.0/8\nP 192.168.1.1\n\n')
    expect(await run('add acl #1 notanip')).toBe("'notanip' is not a valid IPv4 or IPv6 address.\n\n")
    expect(await run('add acl #1 10.1.0.0/16;del acl #1 192.168.1.1')).toBe('\n\n')
    expect((await run('show acl #1')).replace(/0x[0-9a-f]{12}/g, 'P')).toBe('P 10.0.0.0/8\nP 10.1.0.0/16\n\n')
    expect(await run('get acl #1 10.1.2.3')).toBe('type=ip, case=sensitive, match=yes, idx=tree, pattern="10.1.0.0/16"\n\n')
    expect(await run('get acl #0 /api/x')).toBe('type=beg, case=sensitive, match=yes, idx=tree, pattern="/api"\n\n')
    expect(await run('get acl #2 /b;get acl #2 /c')).toBe('type=str, case=sensitive, match=yes, idx=tree, pattern="/b"\n\ntype=str, case=sensitive, match=no\n\n')
    expect(await run('add acl #3 x')).toBe("This ACL is shared with a map containing samples. You must use the command 'add map' to add values.\n\n")
    expect(await run('del acl #9 x')).toBe('Unknown map identifier. Please use #<id> or <file>.\n\n')
    expect(await run('del acl #2')).toBe('This command expects two parameters: ACL identifier and key.\n\n')
    expect(await run('del acl #2 /a;show acl #2').then((s) => s.replace(/0x[0-9a-f]{12}/g, 'P'))).toBe('\nP /b\n\n')
    expect(await run('clear acl #2;show acl #2')).toBe('\n\n')
    expect(await run('clear acl #3')).toBe('Unknown ACL identifier. Please use #<id> or <file>.\n\n')
  })

  it('ACLs whose patterns the RouteMap cannot give back can only be cleared', async () => {
    const r = compile(cfg`
      defaults
        mode http
      frontend fe
        bind :80
        acl re path_reg ^/x ^/y
        acl big req.hdr_cnt(x) gt 3
        http-request deny if re || big
        default_backend be
      backend be
        server s1 192.0.2.1:80
    `)
    if (!r.routeMap) throw new Error('compile')
    const ctx = memoryContext(r.routeMap)
    const run = (t: string) => runCommands(`${t}\n`, ctx)
    expect(await run('show acl')).toBe(
      "# id (file) description\n0 () acl 'path_reg' file 'test.cfg' line 5. curr_ver=0 next_ver=0 entry_cnt=2\n1 () acl 'req.hdr_cnt' file 'test.cfg' line 6. curr_ver=0 next_ver=0 entry_cnt=1\n\n",
    )
    expect(await run('show acl #0')).toBe('\n')
    expect(await run('add acl #0 ^/z')).toBe(`${UNKNOWN_PATTERNS}\n`)
    expect(await run('del acl #0 ^/x')).toBe(`${UNKNOWN_PATTERNS}\n`)
    expect(await run('clear acl #0;add acl #0 ^/z;show acl #0').then((x) => x.replace(/0x[0-9a-f]{12}/, 'P'))).toBe('\n\nP ^/z\n\n')
    expect((await run('show acl #1')).replace(/0x[0-9a-f]{12}/, 'P')).toBe('P 4:\n\n')
  })

  it('changing maps and ACLs needs the admin level', async () => {
    const { run } = setup('operator')
    for (const c of ['add map #3 k v', 'set map #3 /api x', 'del map #3 /api', 'clear map #3', 'add acl #0 /x', 'del acl #0 /api', 'clear acl #0']) {
      expect(await run(c)).toBe('Permission denied\n\n')
    }
    expect(await run('get map #3 /api')).toContain('found=yes')
  })

  it('applyPatternEdits rebuilds map entries and ACL matcher data', async () => {
    const { ctx, run } = setup()
    await run('add acl #1 172.16.0.0/12;del acl #2 /a;add acl #2 /z;set map #3 /api other')
    const rm = applyPatternEdits(ctx.routeMap, ctx.patterns)
    expect(rm.maps['/etc/paths.map']?.slice(0, 2)).toEqual(['/api', 'other'])
    expect(rm.hash).not.toBe(ctx.routeMap.hash)
    expect(rm.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(ctx.routeMap.maps['/etc/paths.map']?.slice(0, 2)).toEqual(['/api', 'be2'])
    const fe = rm.frontends[0]
    const test = (name: string) => {
      const t = fe?.acls.find((a) => a.name === name)?.tests[0]
      if (!t) throw new Error(name)
      const def = defaultRegistry.match(t.match)
      if (!def) throw new Error(t.match)
      return { t, m: def.build(t.data, { icase: t.icase }) }
    }
    const blocked = test('blocked')
    expect(blocked.t.patternCount).toBe(3)
    expect(blocked.m({ type: 'ip', value: '10.1.1.1' })).toBe(true)
    expect(blocked.m({ type: 'ip', value: '192.168.1.1' })).toBe(true)
    expect(blocked.m({ type: 'ip', value: '192.168.1.2' })).toBe(false)
    expect(blocked.m({ type: 'ip', value: '172.20.1.1' })).toBe(true)
    const exact = test('exact')
    expect(exact.m({ type: 'str', value: '/a' })).toBe(false)
    expect(exact.m({ type: 'str', value: '/z' })).toBe(true)
    expect(exact.m({ type: 'str', value: '/b' })).toBe(true)
    expect(applyPatternEdits(ctx.routeMap, { get: () => undefined, put: async () => {} })).toBe(ctx.routeMap)
    expect(patternRefs(rm).map((r) => r.key)).toEqual(['acl-0', 'acl-1', 'acl-2', '/etc/paths.map', '/etc/ints.map'])
  })
})

describe('stick tables', () => {
  it('lists tables (last declared first) and dumps entries in key order with HAProxy data order', async () => {
    let t = 1_700_000_000_000
    const { ctx, run } = setup('admin', () => t)
    expect(await run('show table')).toBe('# table: st, type: string, size:1024, used:0\n# table: fe, type: ip, size:204800, used:0\n\n')
    const fe = ctx.stickTables.get('fe')
    for (const ip of ['10.0.0.9', '10.0.0.10', '10.0.0.10']) {
      const e = fe?.touch(ip, t)
      if (e) fe?.apply(e, [{ op: 'request' }], t)
    }
    t += 1000
    expect((await run('show table fe')).replace(/0x[0-9a-f]{12}/g, 'P')).toBe(
      '# table: fe, type: ip, size:204800, used:2\n' +
        'P: key=10.0.0.9 use=0 exp=29000 shard=0 gpc0=0 conn_cur=1 http_req_cnt=1 http_req_rate(10000)=1\n' +
        'P: key=10.0.0.10 use=0 exp=29000 shard=0 gpc0=0 conn_cur=2 http_req_cnt=2 http_req_rate(10000)=2\n\n',
    )
    expect((await run('show table fe data.http_req_cnt gt 1 data.conn_cur eq 2')).split('\n').length).toBe(4)
    expect(await run('show table fe key 10.0.0.99')).toBe('\n')
    expect(await run('set table st key abcdefghijk data.gpc0 4 data.http_req_rate 7')).toBe('\n')
    expect((await run('show table st')).replace(/0x[0-9a-f]{12}/g, 'P')).toBe('# table: st, type: string, size:1024, used:1\nP: key=abcdefgh use=0 exp=0 shard=0 gpc0=4 http_req_rate(5000)=7\n\n')
    expect(await run('clear table fe data.http_req_cnt eq 1;show table fe data.http_req_cnt lt 9').then((s) => s.replace(/0x[0-9a-f]{12}/g, 'P'))).toBe(
      '\n# table: fe, type: ip, size:204800, used:1\nP: key=10.0.0.10 use=0 exp=29000 shard=0 gpc0=0 conn_cur=2 http_req_cnt=2 http_req_rate(10000)=2\n\n',
    )
    expect(await run('clear table fe key 10.0.0.10;clear table st;show table')).toBe('\n\n# table: st, type: string, size:1024, used:0\n# table: fe, type: ip, size:204800, used:0\n\n')
  })

  it('errors are HAProxy 2.6 texts', async () => {
    const { run } = setup()
    const cases: [string, string][] = [
      ['show table nope', 'No such table\n'],
      ['clear table nope', 'No such table\n'],
      ['show table fe foo', 'Optional argument only supports "data.<store_data_type>" <operator> <value> and key <key>\n'],
      ['clear table', 'Required arguments: <table> "data.<store_data_type>" <operator> <value> or <table> key <key>\n'],
      ['set table', 'Required arguments: <table> key <key> [data.<store_data_type> <value>]*\n'],
      ['set table fe foo', 'Required arguments: <table> key <key> [data.<store_data_type> <value>]*\n'],
      ['show table fe key', 'Key value expected\n'],
      ['show table fe data.foo gt 0', 'Filter entry #1: Unknown data type\n'],
      ['show table fe data.gpc1 gt 0', 'Filter entry #1: Data type not stored in this table\n'],
      ['show table fe data.gpc0 xx 1', 'Filter entry #1: Require and operator among "eq", "ne", "le", "ge", "lt", "gt"\n'],
      ['show table fe data.gpc0 gt 1 data.gpc0 gt x', 'Filter entry #2: Require a valid integer value to compare against\n'],
      ['show table fe data.gpc0 gt 1 data.gpc0 gt 1 data.gpc0 gt 1 data.gpc0 gt 1 x', "Detected extra data in filter, 16th word of input, after '1'\n"],
      ['set table fe data.gpc0 1', 'content-based lookup is only supported with the "show" and "clear" actions\n'],
      ['set table fe key 1.2.3.4 data.nope 5', 'Unknown data type\n'],
      ['set table fe key 1.2.3.4 data.gpc1 5', 'Data type not stored in this table\n'],
      ['set table fe key 1.2.3.4 data.gpc0', 'Require a valid integer value to store\n'],
      ['set table fe key 1.2.3.4 gpc0 1', '"data.<type>" followed by a value expected\n'],
    ]
    for (const [c, want] of cases) expect({ c, out: await run(c) }).toEqual({ c, out: `${want}\n` })
  })

  it('user level sees headers only and cannot change tables', async () => {
    const { ctx, run } = setup('user')
    await runCommands('set table fe key 1.2.3.4 data.gpc0 1\n', ctx.as('admin'))
    expect(await run('show table fe')).toBe('# table: fe, type: ip, size:204800, used:1\n# contents not dumped due to insufficient privileges\n\n')
    expect(await run('show table fe key 1.2.3.4')).toBe('Permission denied\n\n')
    expect(await run('set table fe key 1.2.3.4 data.gpc0 2')).toBe('Permission denied\n\n')
    expect(await run('clear table fe')).toBe('Permission denied\n\n')
    expect(await ctx.tables.used('fe')).toBe(1)
  })
})

describe('clear counters', () => {
  it('clears maxima at operator level and everything with all (admin only)', async () => {
    const rm = compile('defaults\n  mode http\nfrontend fe\n  bind :80\n  default_backend be\nbackend be\n  server s1 127.0.0.1:9000\n').routeMap
    if (!rm) throw new Error('no map')
    const ctx = memoryContext(rm, { level: 'operator' })
    expect(await runCommands('clear counters', ctx)).toBe('\n')
    expect(await runCommands('clear counters all', ctx)).toBe('Permission denied\n\n')
    expect(ctx.cleared).toEqual([false])
    const admin = memoryContext(rm)
    expect(await runCommands('clear counters all', admin)).toBe('\n')
    expect(admin.cleared).toEqual([true])
    expect(await runCommands('clear counters', memoryContext(rm, { level: 'user' }))).toBe('Permission denied\n\n')
  })
})
