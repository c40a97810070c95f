/**
 * @module
 * What a backend's health check sends and expects, normalised from the compiler's CheckSpec
 * (src/config/keywords/checks.ts) into the probe kinds the monitor runs: a plain TCP connect
 * (`check` alone), an HTTP check (`option httpchk` + `http-check send|expect`, the implicit
 * `expect status 200-399`), a `tcp-check` rule list, or a built-in protocol check (mysql,
 * redis, smtp, ldap, ssl-hello, pgsql).
 */
import type { CheckSpec, HttpCheckExpect, TcpCheckStep } from '../routemap/schema.ts'

export type MysqlVariant = 'post-41' | 'pre-41' | 'post-80'

export interface HttpProbeSpec {
  readonly method: string
  readonly uri: string
  readonly version: string
  /** Configured headers, names lowercased, in config order. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body?: string
  readonly expect: HttpCheckExpect
  /** `http-check disable-on-404`: a 404 from a running server means NOLB (L7OKC). */
  readonly disableOn404: boolean
  /** `http-check send-state`: add `x-haproxy-server-state`. */
  readonly sendState: boolean
}

export type ProbeSpec =
  | { readonly type: 'connect' }
  | { readonly type: 'http'; readonly http: HttpProbeSpec }
  | { readonly type: 'tcp-check'; readonly steps: readonly TcpCheckStep[] }
  | { readonly type: 'mysql'; readonly user?: string; readonly variant: MysqlVariant }
  | { readonly type: 'redis' | 'smtp' | 'ldap' | 'ssl-hello' | 'pgsql' }

/** The implicit rule when no `http-check expect` is configured: 2xx and 3xx pass. */
export const DEFAULT_HTTP_EXPECT: HttpCheckExpect = { kind: 'status', negate: false, pattern: '200-399' }

const DEFAULT_HTTP = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] } as const

/** Normalises the compiler's CheckSpec (undefined = plain `check`). */
export function probeSpec(spec: CheckSpec | undefined): ProbeSpec {
  if (!spec) return { type: 'connect' }
  switch (spec.type) {
    case 'http': {
      const h = spec.http ?? DEFAULT_HTTP
      return {
        type: 'http',
        http: {
          method: h.method,
          uri: h.uri,
          version: h.version,
          headers: h.headers.map(([n, v]) => [n.toLowerCase(), v] as const),
          ...('body' in h && h.body !== undefined ? { body: h.body } : {}),
          expect: ('expect' in h && h.expect) || DEFAULT_HTTP_EXPECT,
          disableOn404: spec.disableOn404,
          sendState: spec.sendState,
        },
      }
    }
    case 'tcp':
      // `option tcp-check` with no rule is a plain connect, like `check` alone.
      return spec.tcpSteps && spec.tcpSteps.length > 0 ? { type: 'tcp-check', steps: spec.tcpSteps } : { type: 'connect' }
    case 'mysql':
      return { type: 'mysql', ...(spec.mysqlUser !== undefined ? { user: spec.mysqlUser } : {}), variant: spec.mysqlVariant ?? 'post-41' }
    default:
      return { type: spec.type }
  }
}
