/**
 * What HAProxy 2.6 refuses, `edgeproxy check` refuses too, with HAProxy's words (issue 14: "a
 * checker that never drops a line silently"): each case was run through `haproxy -c` (2.6.12) and
 * its ALERT is quoted below.
 */
import { describe, expect, it } from 'vitest'
import { errorfileParseError } from '../../../src/config/errorfile.ts'
import { compile, diags } from '../../helpers/cfg.ts'

const HEAD = 'defaults\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\n'

function errors(text: string, files?: Record<string, string>) {
  const r = compile(text, files ? { files } : {})
  return diags(r).filter((d) => d.severity === 'error')
}

describe('refused as HAProxy refuses', () => {
  it("'stats admin iff LOCALHOST' is an error, not a silently dropped line", () => {
    // [ALERT] parsing [a.cfg:10] : 'stats admin' requires either 'if' or 'unless' followed by a condition.
    const e = errors(`${HEAD}listen stats\n  bind :80\n  stats enable\n  stats uri /\n  stats admin iff LOCALHOST\n`)
    expect(e.map((d) => d.message)).toEqual(["'stats admin' requires either 'if' or 'unless' followed by a condition"])
    expect(e[0]?.line).toBe(10)
    // The valid forms still compile.
    expect(errors(`${HEAD}listen stats\n  bind :80\n  stats enable\n  stats uri /\n  stats admin if LOCALHOST\n`)).toEqual([])
  })

  it('an errorfile that is not an HTTP response is refused, never embedded (no /etc/passwd in a RouteMap)', () => {
    // [ALERT] errorfile : '/tmp/h14/passwd': unable to parse headers (error offset: 0)
    const passwd = 'root:x:0:0:root:/root:/bin/bash\n'
    const r = compile(`${HEAD}  errorfile 503 /etc/passwd\nfrontend f\n  bind :80\n`, { files: { '/etc/passwd': passwd } })
    expect(
      diags(r)
        .filter((d) => d.severity === 'error')
        .map((d) => d.message),
    ).toEqual(["errorfile : '/etc/passwd': unable to parse headers (error offset: 0)"])
    expect(JSON.stringify(r.routeMap ?? {})).not.toContain('root:x:0:0')
    // The same in an http-errors section and in `http-request return errorfile`.
    expect(errors(`http-errors e\n  errorfile 503 /etc/passwd\n${HEAD}frontend f\n  bind :80\n`, { '/etc/passwd': passwd }).map((d) => d.message)).toEqual([
      "errorfile : '/etc/passwd': unable to parse headers (error offset: 0)",
    ])
    expect(errors(`${HEAD}frontend f\n  bind :80\n  http-request return status 503 errorfile /etc/passwd\n`, { '/etc/passwd': passwd }).length).toBe(1)
    // A real errorfile is fine.
    expect(errors(`${HEAD}  errorfile 503 /e/503.http\nfrontend f\n  bind :80\n`, { '/e/503.http': 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\ndown\n' })).toEqual([])
  })

  it("the errorfile parser gives HAProxy's offsets", () => {
    expect(errorfileParseError('')).toBeUndefined()
    expect(errorfileParseError('HTTP/1.0 503 x\r\nA: b\r\n\r\nbody')).toBeUndefined()
    expect(errorfileParseError('HTTP/1.0 503 x\nA: b\n\nbody')).toBeUndefined()
    // haproxy -c: "(error offset: -2)" for a head without its empty line, 19 for a header line without a colon, 0 for no status line.
    expect(errorfileParseError('HTTP/1.0 503 x\r\nA: b')).toBe(-2)
    expect(errorfileParseError('HTTP/1.0 503 x\r\nbad header\r\n\r\n')).toBe(19)
    expect(errorfileParseError('root:x:0:0:root:/root:/bin/bash\n')).toBe(0)
  })

  it('a NUL byte in a line is refused, not cut into a pattern', () => {
    // [ALERT] parsing [e.cfg:8]: Stray NUL character at position 16.
    const e = errors('defaults\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\nfrontend f\n  bind :8080\n  acl a path /x\0y\n  http-request deny if a\n')
    expect(e.map((d) => [d.line, d.message])).toContainEqual([8, 'Stray NUL character at position 16'])
  })

  it("a 100th nested '.if' is fatal, as in HAProxy (MAXNESTEDCONDS)", () => {
    // [ALERT] parsing [c100.cfg:102]: too many nested '.if', max is 100.
    const nested = (n: number) => `defaults\n  mode http\n${'.if 1\n'.repeat(n)}${'.endif\n'.repeat(n)}`
    expect(errors(nested(99))).toEqual([])
    const e = errors(nested(100))
    expect(e.map((d) => [d.line, d.message])).toEqual([[102, "too many nested '.if', max is 100"]])
    // Reported once however deep it goes, and no cascade of '.endif without .if'.
    expect(errors(nested(150))).toHaveLength(1)
  })
})

describe('many ACL names', () => {
  const config = (n: number) => `${HEAD}frontend f\n  bind :80\n${Array.from({ length: n }, (_, i) => `  acl a${i} path /p${i}\n`).join('')}  acl a1 path /again\n  http-request deny if a1\n`
  const timed = (n: number) => {
    const text = config(n)
    const runs: number[] = []
    for (let k = 0; k < 3; k++) {
      const t = performance.now()
      compile(text)
      runs.push(performance.now() - t)
    }
    return runs.sort((a, b) => a - b)[1] as number
  }

  it('a repeated name adds to the first ACL of that name (as before the index)', () => {
    const r = compile(config(50))
    expect(errors(config(50))).toEqual([])
    const acl = r.routeMap?.frontends[0]?.acls.find((a) => a.name === 'a1')
    expect(acl?.tests).toHaveLength(2)
  })

  it('compiles in near-linear time in the number of ACL names (a ratio, measured side by side)', () => {
    timed(500)
    const small = timed(2000)
    const big = timed(8000)
    // Linear: ×4; the quadratic lookup this replaced: ×16.
    expect(big / small).toBeLessThan(9)
  })
})

/** Found by a differential fuzz run (mutants of the seed configs through `haproxy -c` and `check`). */
describe('what the differential fuzz found', () => {
  const BE = `${HEAD}backend b\n`
  it('a log line HAProxy refuses is refused, with its words', () => {
    const cases: [string, string][] = [
      ['log stdout format local0', "log : unknown log format 'local0'"],
      ['log stdout raw local0', "log : unknown log facility 'raw'"],
      ['log 127.0.0.1 len 10 local0', "log : invalid log length '10', must be between 80 and 65535"],
      ['log stdout local0 infoo', "log : unknown optional log level 'infoo'"],
      ['log stdout local0 info debugg', "log : unknown optional minimum log level 'debugg'"],
      ['log stdout local0 info debug x', "log : cannot handle unexpected argument 'x'"],
      ['log if format raw local0', "log : invalid address: 'if' in 'if'"],
      ['log 127.0.0.1', 'log : expects <address> and <facility> or global as arguments'],
    ]
    for (const [line, alert] of cases)
      expect(
        errors(`${BE}  ${line}\n`).map((d) => d.message),
        line,
      ).toEqual([alert])
    for (const ok of ['log global', 'log stdout format raw local0', 'log 127.0.0.1:514 len 1024 format rfc5424 local0 info notice', 'log ring@buf local1', 'log stderr sample 1:2 daemon']) {
      expect(errors(`${BE}  ${ok}\n`), ok).toEqual([])
    }
  })

  it("'option httplog 0' is refused (it was dropped without a word)", () => {
    expect(errors(`${HEAD}frontend f\n  bind :80\n  option httplog 0\n`).map((d) => d.message)).toEqual(["keyword 'httplog' only supports option 'clf'."])
  })

  it('a server keyword where the address belongs is refused (HAProxy cannot resolve it)', () => {
    const e = errors(`${BE}  server web1 check\n`)
    expect(e.map((d) => d.message)).toEqual(["'server b/web1' : could not resolve address 'check'."])
  })

  it('an unknown word on a stats socket line is refused', () => {
    expect(errors('global\n  stats socket /tmp/a.sock hdr(host) level admin\n').map((d) => d.message)).toEqual(["'stats socket' : unknown keyword 'hdr(host)'."])
    expect(errors('global\n  stats socket /tmp/a.sock mode 660 level admin expose-fd listeners\n')).toEqual([])
  })

  it('extra words HAProxy ignores are accepted with a warning, not refused', () => {
    for (const line of ['balance roundrobin check', 'stats enable x', 'stats uri /stats 1k', 'stats refresh 10s len', 'stats auth admin:pw extra', 'stats auth nocolon']) {
      const r = compile(`${BE}  ${line}\n  server s 127.0.0.1:80\n`)
      expect(
        diags(r).filter((d) => d.severity === 'error'),
        line,
      ).toEqual([])
      expect(
        diags(r).some((d) => d.severity === 'warning' && d.line === 7),
        line,
      ).toBe(true)
    }
  })
})

describe('section lines', () => {
  it("'global' with an argument is refused, as HAProxy refuses it", () => {
    expect(errors(`global 127.0.0.1:0\n${HEAD}`).map((d) => d.message)).toEqual(["'global' cannot handle unexpected argument '127.0.0.1:0'."])
  })
})

describe('more from the differential fuzz', () => {
  it('an option HAProxy takes without argument refuses one, even when the edge ignores the option', () => {
    expect(errors(`${HEAD}frontend f\n  bind :80\n  option dontlog-normal dontlognull\n`).map((d) => d.message)).toEqual(["'option dontlog-normal' cannot handle unexpected argument 'dontlognull'."])
  })
  it('a defaults name HAProxy accepts is accepted', () => {
    expect(errors('defaults }\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\n')).toEqual([])
  })
  it('stats socket: an octal mode and a path or address:port', () => {
    expect(errors('global\n  stats socket /tmp/a.sock mode 1k level admin\n').map((d) => d.message)).toEqual(["'stats socket' : ''mode' : missing or invalid mode '1k' (octal integer expected)'"])
    expect(errors('global\n  stats socket allow mode 660\n').map((d) => d.message)).toEqual(["'stats socket' : missing port specification in 'allow'"])
    expect(errors('global\n  stats socket 127.0.0.1:9999 level admin\n  stats socket ipv4@127.0.0.1:9998\n')).toEqual([])
  })
  it("log '{' is not an address", () => {
    expect(errors(`${HEAD}backend b\n  log { format raw local0\n`).map((d) => d.message)).toEqual(["log : invalid address: '{' in '{'"])
  })
})

describe('map_reg/map_regm files', () => {
  const text = `${HEAD}frontend f\n  bind :80\n  http-request set-header x %[path,map_reg(/m.map)]\n`
  it('a key that does not compile is an error on the converter, never a line skipped in silence', () => {
    const e = errors(text, { '/m.map': '^/ok ok\n^/(a+ broken\n' })
    expect(e).toHaveLength(1)
    expect(e[0]?.message).toContain("map file </m.map>, entry 2: regex '^/(a+' is invalid (missing closing parenthesis)")
    expect(e[0]?.line).toBe(8)
  })
  it('a key that needs backtracking is refused with what to do', () => {
    const e = errors(text.replace('map_reg', 'map_regm'), { '/m.map': '^/(?<x>a)\\k<x>$ x\n' })
    expect(e[0]?.message).toContain("map file </m.map>, entry 1: regex '^/(?<x>a)\\k<x>$' cannot be used at the edge")
  })
  it('valid keys compile', () => {
    expect(errors(text, { '/m.map': '^/api/ api\n\\.(png|jpg)$ img\n' })).toEqual([])
  })
})

describe('option httpchk methods', () => {
  it('accepts any HTTP token as HAProxy does, and refuses what fetch() cannot send', () => {
    for (const m of ['PROPFIND', 'location', 'M-SEARCH']) expect(errors(`${HEAD}backend b\n  option httpchk ${m} /x\n  server s 127.0.0.1:80 check\n`), m).toEqual([])
    expect(errors(`${HEAD}backend b\n  option httpchk G@T /x\n  server s 127.0.0.1:80 check\n`)[0]?.message).toContain("invalid method 'G@T'")
  })
})
