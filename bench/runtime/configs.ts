/**
 * @module
 * The configurations the runtime benchmarks run, as HAProxy text. Ports are filled in per run:
 * every backend server points at the benchmark's origin, and each frontend binds the port its
 * runtime listens on, so edgeproxy selects it by the request's Host port (no `edgeproxy dev` bind
 * header) and HAProxy binds it as written.
 */
import { readFileSync } from 'node:fs'
import { compileConfig } from '../../src/config/compile.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'

const EXAMPLE = new URL('../../examples/haproxy.cfg', import.meta.url)

export interface SeedOptions {
  /** Port of the `http_front` bind. */
  readonly port: number
  /** Port of the `stats` frontend's bind. */
  readonly statsPort: number
  /** Every server's address. */
  readonly origin: string
  /**
   * The seed's rate limit: `none` removes the stick table, `track-sc0` and the deny (the default);
   * `exact`/`fast` keep them with that consistency mode and a limit no benchmark reaches.
   */
  readonly stick?: 'none' | 'exact' | 'fast'
  /** Replace `option http-server-close` with `option http-keep-alive` (HAProxy variant). */
  readonly keepAlive?: boolean
}

/**
 * examples/haproxy.cfg (the seed article's config) adapted to one origin: all 11 servers at
 * `origin`, the binds on the given ports, no stats socket (HAProxy's; edgeproxy ignores it) and no
 * access log (`log stdout` / `log global` removed: neither proxy writes a line per request), and
 * `maxconn 8000` instead of 50000 (HAProxy could not raise its FD limit to 100k here).
 */
export function seedConfig(o: SeedOptions): string {
  let text = readFileSync(EXAMPLE, 'utf8')
    .replace(/^\s*stats socket .*\n/m, '')
    .replace(/^\s*log stdout .*\n/m, '')
    .replace(/^\s*log global\n/m, '')
    // HAProxy sizes its FD limit from maxconn (2 × 50000 + …), more than this machine allows.
    .replace(/^(\s*)maxconn 50000$/m, '$1maxconn 8000')
    .replace(/127\.0\.0\.1:90\d\d/g, o.origin)
    .replace('bind *:8080', `bind *:${o.port}`)
    .replace('bind *:8404', `bind *:${o.statsPort}`)
  const stick = o.stick ?? 'none'
  if (stick === 'none') {
    text = text
      .replace(/^\s*stick-table .*\n/m, '')
      .replace(/^\s*http-request track-sc0 src\n/m, '')
      .replace(/^\s*http-request deny deny_status 429 .*\n/m, '')
  } else {
    text = text.replace(/^(\s*stick-table .*)$/m, `$1 consistency ${stick}`).replace(/sc_http_req_rate\(0\) gt 200/, 'sc_http_req_rate(0) gt 1000000000')
  }
  if (o.keepAlive) text = text.replace('option http-server-close', 'option http-keep-alive')
  return text
}

/** One frontend, one checked backend with one server; optionally the seed's tracking in a mode. */
export function trackingConfig(o: { port: number; origin: string; stick: 'none' | 'exact' | 'fast' }): string {
  const table =
    o.stick === 'none'
      ? ''
      : `    stick-table type ip size 200k expire 30s store http_req_rate(10s) consistency ${o.stick}
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 1000000000 }
`
  return `defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 10s

frontend fe
    bind *:${o.port}
${table}    default_backend be

backend be
    option httpchk GET /health
    server s1 ${o.origin} check inter 1s
`
}

/** Two origins behind health checks (`inter 1s fall 2 rise 2`), for the failover measurement. */
export function failoverConfig(o: { port: number; a: string; b: string }): string {
  return `defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 5s
    default-server inter 1s fall 2 rise 2

frontend fe
    bind *:${o.port}
    default_backend be

backend be
    balance roundrobin
    option httpchk GET /health
    server a ${o.a} check
    server b ${o.b} check
`
}

/** Compiles `text` (as edgeproxy dev would); throws on errors. */
export function compile(name: string, text: string): RouteMap {
  const r = compileConfig([{ name, text }])
  if (!r.routeMap) {
    const errs = r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)
    throw new Error(`${name} does not compile:\n${errs.join('\n')}\n${text}`)
  }
  return r.routeMap
}
