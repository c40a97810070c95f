import { describe, expect, it } from 'vitest'
import type { StatsInput } from '../../../src/stats/input.ts'
import { renderPrometheus } from '../../../src/stats/prometheus.ts'
import { cfg } from '../../helpers/cfg.ts'
import { type StatsInputOptions, statsInput, T0 } from '../../helpers/stats-input.ts'

const CONFIG = cfg`
    defaults
        mode http
        timeout connect 1s
        timeout client 1s
        timeout server 1s
    frontend fe
        bind :80
        stick-table type ip size 50 store http_req_rate(10s)
        default_backend be
    backend be
        option httpchk GET /
        server a 192.0.2.1:80 check maxconn 10
        server b 192.0.2.2:80 check
        server m 192.0.2.3:80
    listen t
        mode tcp
        bind :22
        server s 192.0.2.4:22
  `

function input(opts: Omit<StatsInputOptions, 'now' | 'snapshotDefaults'> = {}): StatsInput {
  return statsInput(CONFIG, { ...opts, now: T0 + 5000, snapshotDefaults: { checkDurationMs: 2 } })
}

const samples = (body: string, name: string) => body.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))

describe('renderPrometheus', () => {
  const inp = input({
    health: { be: { a: {}, b: { state: 'STOPPED', health: 0, checkStatus: 'L4CON', checkCode: undefined, checkDurationMs: 0 } } },
    admin: { 'be/m': { state: 'maint', changedAt: T0 } },
    counters: { 'fe:fe': { hrsp_2xx: 9, hrsp_5xx: 1 }, 'srv:be/a': { ttime_sum: 3000, timed: 2, ttime_max: 2500 } },
  })
  const res = renderPrometheus(inp, new URLSearchParams())

  it('answers 200 with the exposition content type', () => {
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4')
    expect(res.headers['cache-control']).toBe('no-cache')
  })

  it('groups by metric, introduced once by HELP and TYPE, in scope order process, frontend, backend, server, sticktable', () => {
    const lines = res.body.split('\n')
    expect(lines.slice(0, 3)).toEqual(['# HELP haproxy_process_nbthread Number of started threads (global.nbthread)', '# TYPE haproxy_process_nbthread gauge', 'haproxy_process_nbthread 1'])
    const scopes = [...new Set(lines.filter((l) => !l.startsWith('#') && l).map((l) => /^haproxy_([a-z]+)_/.exec(l)?.[1]))]
    expect(scopes).toEqual(['process', 'frontend', 'backend', 'server', 'sticktable'])
    expect(lines.filter((l) => l === '# TYPE haproxy_frontend_http_responses_total counter')).toHaveLength(1)
    expect(samples(res.body, 'haproxy_frontend_current_sessions')).toEqual(['haproxy_frontend_current_sessions{proxy="fe"} 0', 'haproxy_frontend_current_sessions{proxy="t"} 0'])
  })

  it('labels HTTP responses by code (code-major order) and skips them for tcp proxies', () => {
    expect(samples(res.body, 'haproxy_frontend_http_responses_total')).toEqual([
      'haproxy_frontend_http_responses_total{proxy="fe",code="1xx"} 0',
      'haproxy_frontend_http_responses_total{proxy="fe",code="2xx"} 9',
      'haproxy_frontend_http_responses_total{proxy="fe",code="3xx"} 0',
      'haproxy_frontend_http_responses_total{proxy="fe",code="4xx"} 0',
      'haproxy_frontend_http_responses_total{proxy="fe",code="5xx"} 1',
      'haproxy_frontend_http_responses_total{proxy="fe",code="other"} 0',
    ])
    expect(samples(res.body, 'haproxy_frontend_http_requests_total')).toEqual(['haproxy_frontend_http_requests_total{proxy="fe"} 0'])
  })

  it('expands states, prints NaN for empty fields and seconds for times', () => {
    expect(samples(res.body, 'haproxy_server_status').filter((l) => l.endsWith(' 1'))).toEqual([
      'haproxy_server_status{proxy="be",server="a",state="UP"} 1',
      'haproxy_server_status{proxy="be",server="b",state="DOWN"} 1',
      'haproxy_server_status{proxy="be",server="m",state="MAINT"} 1',
      'haproxy_server_status{proxy="t",server="s",state="UP"} 1',
    ])
    expect(samples(res.body, 'haproxy_server_limit_sessions')).toEqual([
      'haproxy_server_limit_sessions{proxy="be",server="a"} 10',
      'haproxy_server_limit_sessions{proxy="be",server="b"} NaN',
      'haproxy_server_limit_sessions{proxy="be",server="m"} NaN',
      'haproxy_server_limit_sessions{proxy="t",server="s"} NaN',
    ])
    expect(samples(res.body, 'haproxy_server_total_time_average_seconds')[0]).toBe('haproxy_server_total_time_average_seconds{proxy="be",server="a"} 1.500000')
    expect(samples(res.body, 'haproxy_server_max_total_time_seconds')[0]).toBe('haproxy_server_max_total_time_seconds{proxy="be",server="a"} 2.500000')
    // Check series only for servers with an enabled check; the check code is 0 below layer 7.
    expect(samples(res.body, 'haproxy_server_check_code')).toEqual(['haproxy_server_check_code{proxy="be",server="a"} 200', 'haproxy_server_check_code{proxy="be",server="b"} 0'])
    expect(samples(res.body, 'haproxy_server_check_status').filter((l) => l.endsWith(' 1'))).toEqual([
      'haproxy_server_check_status{proxy="be",server="a",state="L7OK"} 1',
      'haproxy_server_check_status{proxy="be",server="b",state="L4CON"} 1',
    ])
    expect(samples(res.body, 'haproxy_server_check_duration_seconds')).toEqual([
      'haproxy_server_check_duration_seconds{proxy="be",server="a"} 0.002000',
      'haproxy_server_check_duration_seconds{proxy="be",server="b"} 0.000000',
    ])
    expect(samples(res.body, 'haproxy_backend_agg_server_status')).toEqual([
      'haproxy_backend_agg_server_status{proxy="be",state="DOWN"} 1',
      'haproxy_backend_agg_server_status{proxy="be",state="UP"} 1',
      'haproxy_backend_agg_server_status{proxy="be",state="MAINT"} 1',
      'haproxy_backend_agg_server_status{proxy="be",state="DRAIN"} 0',
      'haproxy_backend_agg_server_status{proxy="be",state="NOLB"} 0',
      'haproxy_backend_agg_server_status{proxy="t",state="DOWN"} 0',
      'haproxy_backend_agg_server_status{proxy="t",state="UP"} 1',
      'haproxy_backend_agg_server_status{proxy="t",state="MAINT"} 0',
      'haproxy_backend_agg_server_status{proxy="t",state="DRAIN"} 0',
      'haproxy_backend_agg_server_status{proxy="t",state="NOLB"} 0',
    ])
    expect(samples(res.body, 'haproxy_process_build_info')).toEqual(['haproxy_process_build_info{version="0.1.0"} 1'])
    expect(samples(res.body, 'haproxy_sticktable_size')).toEqual(['haproxy_sticktable_size{name="fe",type="ip"} 50'])
  })

  it('restricts to the requested scopes; an unknown scope is a 400', () => {
    const back = renderPrometheus(inp, new URLSearchParams('scope=backend&scope=frontend')).body
    expect([
      ...new Set(
        back
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .map((l) => /^haproxy_([a-z]+)_/.exec(l)?.[1]),
      ),
    ]).toEqual(['frontend', 'backend'])
    expect(renderPrometheus(inp, new URLSearchParams('scope=')).body).toBe('')
    expect(renderPrometheus(inp, new URLSearchParams('scope=&scope=global')).body.startsWith('# HELP haproxy_process_nbthread')).toBe(true)
    expect(renderPrometheus(inp, new URLSearchParams('scope=*')).body).toBe(res.body)
    const bad = renderPrometheus(inp, new URLSearchParams('scope=bogus'))
    expect(bad.status).toBe(400)
    expect(bad.body).toContain('400 Bad request')
  })

  it('skips servers in maintenance with no-maint', () => {
    const body = renderPrometheus(inp, new URLSearchParams('scope=server&no-maint')).body
    expect(body).not.toContain('server="m"')
    expect(body).toContain('server="a"')
  })
})
