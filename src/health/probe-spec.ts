/**
 * @module
 * What a backend's health check sends and expects, normalised from the compiler's CheckSpec
 * (src/config/keywords/checks.ts) into the probe kinds the monitor runs: a plain TCP connect
 * (`check` alone), an HTTP check (`option httpchk` + `http-check send|expect`, the implicit
 * `expect status 200-399`), a `tcp-check` rule list, or a built-in protocol check (mysql,
 * redis, smtp, ldap, ssl-hello, pgsql).
 */
import type { CheckLogFormat, CheckSpec, HttpCheck, HttpCheckExpect, HttpCheckStep, TcpCheckStep } from '../routemap/schema.ts'
import type { VarOp } from './check-vars.ts'

export type MysqlVariant = 'post-41' | 'pre-41' | 'post-80'

/** One HTTP request of a check. */
export interface HttpRequestSpec {
  readonly method: string
  readonly uri: string
  readonly version: string
  /** Configured headers, names lowercased, in config order. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body?: string
  /** Parts evaluated per check (`uri-lf`, `body-lf`, header values with samples); they replace the fixed ones. */
  readonly lf?: { readonly uri?: CheckLogFormat; readonly body?: CheckLogFormat; readonly headers?: readonly (readonly [string, CheckLogFormat])[] }
}

/** Where a phase connects: `addr`/`port` of `http-check connect`, else the server's check address. */
export interface HttpConnectSpec {
  readonly port?: number
  readonly addr?: string
  /** `server`: TLS when the server line has `ssl` (implicit and `default` connects). */
  readonly ssl: boolean | 'server'
}

/**
 * One connection of an http-check sequence: connect, send one request (absent for a trailing
 * `http-check connect`), then judge the response with each expect in order. `step` is the
 * 1-based rule number of the phase's connect (0 when implicit), for messages.
 */
export interface HttpPhase {
  readonly connect: HttpConnectSpec
  readonly request?: HttpRequestSpec
  readonly expects: readonly HttpCheckExpect[]
  /** Variable operations in rule order: `before` is the index of the expect they precede (-1: before the request). */
  readonly ops?: readonly { readonly before: number; readonly op: VarOp }[]
}

export interface HttpProbeSpec extends HttpRequestSpec {
  /** The last expect of the first phase (the single-request form). */
  readonly expect: HttpCheckExpect
  /** `http-check disable-on-404`: a 404 from a running server means NOLB (L7OKC). */
  readonly disableOn404: boolean
  /** `http-check send-state`: add `x-haproxy-server-state`. */
  readonly sendState: boolean
  /** Every connection of the check in order (one for the single-request form). */
  readonly phases?: readonly HttpPhase[]
}

export type ProbeSpec =
  | { readonly type: 'connect' }
  | { readonly type: 'http'; readonly http: HttpProbeSpec }
  | { readonly type: 'tcp-check'; readonly steps: readonly TcpCheckStep[] }
  | { readonly type: 'mysql'; readonly user?: string; readonly variant: MysqlVariant }
  | { readonly type: 'redis' | 'smtp' | 'ldap' | 'ssl-hello' | 'pgsql' }

/** The implicit rule when no `http-check expect` is configured: 2xx and 3xx pass. */
export const DEFAULT_HTTP_EXPECT: HttpCheckExpect = { kind: 'status', negate: false, pattern: '200-399' }

const DEFAULT_HTTP: HttpCheck = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] }

/** Normalises the compiler's CheckSpec (undefined = plain `check`). */
export function probeSpec(spec: CheckSpec | undefined): ProbeSpec {
  if (!spec) return { type: 'connect' }
  switch (spec.type) {
    case 'http': {
      const phases = httpPhases(spec.http ?? DEFAULT_HTTP)
      const first = phases[0] as HttpPhase
      const req = first.request ?? DEFAULT_HTTP
      return {
        type: 'http',
        http: {
          method: req.method,
          uri: req.uri,
          version: req.version,
          headers: req.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          expect: first.expects[first.expects.length - 1] ?? DEFAULT_HTTP_EXPECT,
          disableOn404: spec.disableOn404,
          sendState: spec.sendState,
          phases,
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

type SendStep = Extract<HttpCheckStep, { step: 'send' }>

function requestOf(s: SendStep): HttpRequestSpec {
  return {
    method: s.method ?? DEFAULT_HTTP.method,
    uri: s.uri ?? DEFAULT_HTTP.uri,
    version: s.version ?? DEFAULT_HTTP.version,
    headers: s.headers.map(([n, v]) => [n.toLowerCase(), v] as const),
    ...(s.body !== undefined ? { body: s.body } : {}),
    ...(s.lf ? { lf: s.lf } : {}),
  }
}

/**
 * The rule list HAProxy runs (tcpcheck.c `check_proxy_tcpcheck`): the `option httpchk` request
 * moved after a leading connect, an implicit `expect status 200-399` after a trailing send, an
 * implicit connect first; then cut into one phase per connection.
 */
export function httpPhases(h: HttpCheck): HttpPhase[] {
  let steps: HttpCheckStep[] = h.steps
    ? [...h.steps]
    : [
        { step: 'send', method: h.method, uri: h.uri, version: h.version, headers: h.headers, ...(h.body !== undefined ? { body: h.body } : {}) },
        ...(h.expect ? [{ step: 'expect' as const, expect: h.expect }] : []),
      ]
  // Rules are looked at without the variable actions (get_first/last_tcpcheck_rule skip them).
  const isVar = (s: HttpCheckStep | undefined) => s?.step === 'set-var' || s?.step === 'unset-var'
  const rules = steps.filter((s) => !isVar(s))
  const [a, b] = rules
  if (a?.step === 'send' && a.implicit && b?.step === 'connect') steps = [b, ...steps.filter((s) => s !== b)]
  if (rules.length === 0 || rules[rules.length - 1]?.step === 'send') steps.push({ step: 'expect', expect: DEFAULT_HTTP_EXPECT })
  type Draft = { connect: HttpConnectSpec; request?: HttpRequestSpec; expects: HttpCheckExpect[]; ops: { before: number; op: VarOp }[] }
  const phases: Draft[] = []
  let pending: VarOp[] = []
  if (steps.find((s) => !isVar(s))?.step !== 'connect') phases.push({ connect: { ssl: 'server' }, expects: [], ops: [] })
  for (const s of steps) {
    if (s.step === 'connect') {
      phases.push({
        connect: { ...(s.port !== undefined ? { port: s.port } : {}), ...(s.addr !== undefined ? { addr: s.addr } : {}), ssl: s.default ? 'server' : s.ssl },
        expects: [],
        // Actions written before the first connect run once it is open (they do not use it).
        ops: pending.map((op) => ({ before: -1, op })),
      })
      pending = []
      continue
    }
    const cur = phases[phases.length - 1]
    if (s.step === 'set-var' || s.step === 'unset-var') {
      const op: VarOp = s.step === 'set-var' ? { op: 'set', name: s.name, sample: s.sample } : { op: 'unset', name: s.name }
      if (!cur) pending.push(op)
      else cur.ops.push({ before: cur.request ? cur.expects.length : -1, op })
      continue
    }
    if (!cur) continue
    if (s.step === 'send') cur.request = requestOf(s)
    else cur.expects.push(s.expect)
  }
  return phases.map(({ ops, ...p }) => (ops.length > 0 ? { ...p, ops } : p))
}
