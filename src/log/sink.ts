/**
 * @module
 * Where access log lines go. A frontend logs when it has `log global` (usually through
 * `defaults`) or a `log` target of its own (`Frontend.log`; `no log` turns it off). Its format is
 * the one the compiler parsed (`Frontend.accessLog`: `log-format`, `option httpslog` or
 * `option httplog`, whose CLF variant writes the plain line at the edge), else HAProxy's legacy
 * one-line format for a proxy without a format (`Connect from IP:PORT to IP:PORT (FE/HTTP)`).
 * Requests to `monitor-uri` are not logged, as in HAProxy. `option dontlognull` changes nothing
 * at the edge: it only drops connections that sent no request, which never reach the Worker.
 *
 * The line goes to the console, which is Workers Logs at the edge and `edgeproxy dev`'s stdout
 * locally:
 * - under `edgeproxy dev` (`dev: true`) the raw line, as HAProxy's `log stdout format raw` prints
 *   it, so a dev run and `haproxy -f` can be compared line by line;
 * - at the edge, one JSON object `{ message: LINE, frontend, backend, server, status, tsc, Tw, Tc,
 *   Tr, Ta, bytes, retries, client }`: Workers Logs indexes the fields (filter by status or
 *   termination state) and `message` is the HAProxy line for tools that parse it.
 */
import { defaultRegistry } from '../sample/index.ts'
import type { SampleRegistry } from '../sample/registry.ts'
import type { RouteMap } from '../routemap/schema.ts'
import type { ProxyStateView } from '../sample/types.ts'
import type { AccessLogEntry } from './entry.ts'
import { compileLogLine, type LogContext, type LogLine, logDate } from './httplog.ts'

export interface SinkOptions {
  /** Running under `edgeproxy dev`: raw lines. */
  readonly dev?: boolean
  /** For `%[sample]` in log-format strings (the default registry when absent). */
  readonly registry?: SampleRegistry
  /** Where lines go (console.log by default). */
  readonly write?: (line: string) => void
  /** `%H` */
  readonly hostname?: string
  /** The engine's proxy state, for capacity fetches in log-format strings (`%[be_conn]`, `%[nbsrv(be)]`). */
  readonly proxies?: ProxyStateView
}

/** HAProxy's format for a proxy that logs without `option httplog` / `log-format` (log.c). */
const legacy: LogLine = (e) => `Connect from ${e.clientIp}:${e.clientPort} to ${e.frontendIp}:${e.frontendPort} (${e.frontend}/HTTP)`

/**
 * session_kill_embryonic's line for a connection that failed before a request (HAProxy 2.6 without
 * `error-log-format`). HAProxy names the bind by its `name` or number; the edge names it by port.
 */
const connErrorLine: LogLine = (e) => `${e.clientIp}:${e.clientPort} [${logDate(e.acceptDate)}] ${e.frontend}/${e.frontendPort}: ${e.connError}`

/**
 * The access log writer for `routeMap`, or undefined when no frontend logs (no per-request work
 * then). `opts` may be just the `dev` flag.
 */
export function logSink(routeMap: RouteMap, options: SinkOptions | boolean = {}): ((entry: AccessLogEntry) => void) | undefined {
  const opts: SinkOptions = typeof options === 'boolean' ? { dev: options } : options
  const registry = opts.registry ?? defaultRegistry
  const lines = new Map<string, LogLine>()
  for (const fe of routeMap.frontends) {
    if (fe.mode !== 'http' || !fe.log) continue
    const line = fe.accessLog ? compileLogLine(fe.accessLog, registry, routeMap.maps, routeMap.global.procVars, opts.proxies) : legacy
    lines.set(fe.name, line)
  }
  if (lines.size === 0) return undefined
  const write = opts.write ?? ((l: string) => console.log(l))
  let counter = 0
  const cx: { requestCounter: number; hostname?: string } = { requestCounter: 0, ...(opts.hostname ? { hostname: opts.hostname } : {}) }
  return (e) => {
    const line = lines.get(e.frontend)
    if (!line) return
    cx.requestCounter = counter++
    const message = e.connError !== undefined ? connErrorLine(e) : line(e, cx as LogContext)
    if (opts.dev) {
      write(message)
      return
    }
    write(
      JSON.stringify({
        message,
        frontend: e.frontend,
        backend: e.backend,
        server: e.server,
        status: e.status,
        tsc: e.termination,
        Tw: e.Tw,
        Tc: e.Tc,
        Tr: e.Tr,
        Ta: e.Ta,
        bytes: e.bytesOut,
        retries: e.retries,
        client: e.clientIp,
        method: e.method,
        uri: e.uri,
      }),
    )
  }
}
