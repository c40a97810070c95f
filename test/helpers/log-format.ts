/**
 * Log-format text compiled as the compiler does (src/config/log-format.ts), for tests of the
 * access log's renderer (src/log/httplog.ts renders compiled formats only). The built-in names
 * stand for `option httplog`, `option httplog clf` and `option tcplog`.
 */
import { parseLogFormatText } from '../../src/config/log-format.ts'
import { HTTPLOG_CLF_FORMAT, HTTPLOG_FORMAT, TCPLOG_FORMAT } from '../../src/routemap/log-vars.ts'
import type { LogFormat } from '../../src/routemap/schema.ts'
import { defaultRegistry } from '../../src/sample/index.ts'

const BUILTIN: Readonly<Record<string, string>> = { httplog: HTTPLOG_FORMAT, 'httplog-clf': HTTPLOG_CLF_FORMAT, tcplog: TCPLOG_FORMAT }

/** Not checked against the phase: a log line may read the request as well as the response. */
export function logFormat(spec: string): LogFormat {
  return parseLogFormatText(BUILTIN[spec] ?? spec, defaultRegistry, { phase: 'any' })
}
