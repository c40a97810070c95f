/**
 * @module
 * `edgeproxy explain`: runs one request through the same engine as the Worker (in-memory state) and
 * prints each step: frontend, rules and whether they applied, ACL results, backend, server and why.
 */
import type { Decision } from '../engine/decide.ts'
import { createEngine, createTracer } from '../engine/index.ts'
import type { TraceStep } from '../engine/trace.ts'
import type { RouteMap } from '../routemap/schema.ts'
import { clientCertificate } from '../proxy/request.ts'
import type { TlsClientInfo } from '../sample/types.ts'
import { UsageError } from './args.ts'

export interface ExplainOptions {
  readonly url: string
  readonly method: string
  readonly headers: readonly string[]
  readonly src: string
  /** `backend/server` pairs to treat as DOWN. */
  readonly down: readonly string[]
  /** request.cf.tlsClientAuth as JSON: the client certificate the edge reports. */
  readonly tlsClientAuth?: string
}

export async function explain(routeMap: RouteMap, o: ExplainOptions): Promise<string> {
  try {
    new URL(o.url)
  } catch {
    throw new UsageError(`--url '${o.url}' is not an absolute URL (e.g. http://localhost:80/path)`)
  }
  const headers = o.headers.map((h): [string, string] => {
    const i = h.indexOf(':')
    if (i <= 0) throw new UsageError(`-H '${h}' is not 'Name: value'`)
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()]
  })
  let tls: TlsClientInfo | undefined
  if (o.tlsClientAuth !== undefined) {
    let auth: unknown
    try {
      auth = JSON.parse(o.tlsClientAuth)
    } catch {
      auth = undefined
    }
    if (auth === null || typeof auth !== 'object' || Array.isArray(auth)) {
      throw new UsageError(`--tls-client-auth is not a JSON object, e.g. '{"certPresented":"1","certVerified":"SUCCESS","certSubjectDNRFC2253":"CN=alice"}'`)
    }
    tls = clientCertificate(auth as Record<string, unknown>)
  }
  const down = new Set(o.down)
  const engine = createEngine(routeMap, {
    states: { isUp: (b, s) => !down.has(`${b}/${s}`), isUsable: (b, s) => !down.has(`${b}/${s}`) },
  })
  const trace = createTracer()
  const decision = await engine.decide({ method: o.method, url: o.url, headers, src: o.src, ...(tls ? { tls } : {}) }, trace)
  return [`request: ${o.method} ${o.url} from ${o.src}`, ...trace.steps.map(formatStep), formatDecision(decision)].join('\n')
}

function formatStep(s: TraceStep): string {
  const where = s.origin ? ` [${s.origin.file}:${s.origin.line}]` : ''
  const indent = s.stage === 'acl' ? '      ' : '  '
  return `${indent}${s.stage}: ${s.text}${where}`
}

function formatDecision(d: Decision): string {
  switch (d.kind) {
    case 'forward': {
      const s = d.server
      const addr = `${s.host.includes(':') ? `[${s.host}]` : s.host}${s.port !== undefined ? `:${s.port}` : ''}`
      const hdrs = d.request.headers.entries().map(([n, v]) => `    ${n}: ${v}`)
      return [
        `decision: forward to backend '${d.backend}' server '${s.name}' (${addr})`,
        `  why: ${d.why}`,
        `  request: ${d.request.method} ${d.request.target} HTTP/${d.request.version}`,
        ...hdrs,
      ].join('\n')
    }
    case 'respond': {
      const hdrs = d.response.headers.map(([n, v]) => `    ${n}: ${v}`)
      return [`decision: respond ${d.response.status} ${d.response.reason}`, `  why: ${d.why}`, ...hdrs].join('\n')
    }
    case 'service':
      return `decision: service '${d.service}'\n  why: ${d.why}`
    case 'stats':
      return `decision: stats page of frontend '${d.frontend}'\n  why: ${d.why}`
  }
}
