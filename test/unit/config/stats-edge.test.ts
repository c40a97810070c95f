import { describe, expect, it } from 'vitest'
import { cfg, compile, diags } from '../../helpers/cfg.ts'

/** `check` warns about stats and Prometheus the edge cannot reach, and admin conditions it never meets. */

const edge = (text: string) => diags(compile(text)).filter((d) => d.code === 'edge-port' || d.code === 'edge-unreachable')

describe('stats at the edge', () => {
  it('warns about a stats or Prometheus frontend on ports Cloudflare does not proxy, at FILE:LINE:COL of its bind', () => {
    const d = edge(cfg`
      defaults
        mode http
        timeout client 1s
      frontend stats
        bind *:8404
        stats enable
        stats uri /stats
      frontend prom
        bind :9100-9200
        http-request use-service prometheus-exporter if { path /metrics }
      frontend plain
        bind :9999
    `)
    expect(d).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'edge-port',
        line: 5,
        column: 8,
        message: expect.stringMatching(/frontend 'stats' serves the stats page on port 8404, which Cloudflare does not proxy \(HTTP: 80, 8080, .*HTTPS: 443, .*8443\)/),
      }),
      expect.objectContaining({ code: 'edge-port', line: 9, message: expect.stringMatching(/'prom' serves the Prometheus exporter on port 9100-9200/) }),
    ])
    const r = compile('defaults\n  mode http\nfrontend stats\n  bind :8404\n  stats enable\n')
    expect(r.diagnostics.find((x) => x.code === 'edge-port')?.help).toMatch(/edgeproxy deploy --domain stats=stats\.example\.com/)
  })

  it('is silent when a bind is on a proxy port (or a range holding one)', () => {
    expect(
      edge(cfg`
        defaults
          mode http
        listen a
          bind :8404
          bind :8443
          stats enable
        listen b
          bind :8000-8100
          stats enable
      `),
    ).toEqual([])
  })

  it("warns that 'stats admin' needing a loopback src never holds at the edge", () => {
    const d = edge(cfg`
      defaults
        mode http
      frontend f
        bind :80
        acl lan src 10.0.0.0/8
        acl mixed src 127.0.0.1 10.0.0.1
        stats enable
        stats admin if LOCALHOST
        stats admin if { src 127.0.0.1 ::1 } || LOCALHOST
        stats admin if LOCALHOST lan
        stats admin if LOCALHOST || lan
        stats admin if !LOCALHOST
        stats admin unless LOCALHOST
        stats admin if mixed
        stats admin if TRUE
    `)
    expect(d.map((x) => [x.line, x.column, x.code])).toEqual([
      [8, 3, 'edge-unreachable'],
      [9, 3, 'edge-unreachable'],
      [10, 3, 'edge-unreachable'],
    ])
    expect(d[0]?.message).toBe("'stats admin if LOCALHOST' can never be true at the edge: the client address is the real client's, never a loopback address")
  })
})
