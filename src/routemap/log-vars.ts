/**
 * @module
 * The log-format vocabulary (HAProxy 2.6 doc 8.2.4 "Custom log format", log.c logformat_keywords):
 * every `%<name>` variable, with what it renders. It is the one list of names: the compiler
 * (src/config/log-format.ts) accepts exactly these (`%o` aside, which sets flags and renders
 * nothing), the access log (src/log/httplog.ts) renders every one of them, and header values
 * (src/engine/log-format.ts) render the ones a request has at that point. Also the built-in formats
 * of `option httplog`, `option httplog clf` and `option tcplog`, which the compiler parses like any
 * `log-format`.
 */

/** Name → what it renders. */
export const LOG_VARS = {
  B: 'bytes sent to the client',
  CC: 'captured request cookie',
  CS: 'captured response cookie',
  H: 'hostname',
  ID: 'unique id',
  ST: 'status code',
  T: 'date (GMT)',
  Ta: 'active time: from the request to the end of the response',
  Tc: 'time to connect to the server',
  Td: 'data time: Tt - (Tq + Tw + Tc + Tr)',
  Th: 'connection handshake time',
  Ti: 'idle time before the request',
  Tl: 'date (local time zone)',
  Tq: 'Th + Ti + TR',
  Tr: 'server response time',
  TR: 'time to receive the request',
  Ts: 'timestamp (seconds)',
  Tt: 'total session time',
  Tu: 'Tt - Ti',
  Tw: 'time waiting in queues',
  U: 'bytes received from the client',
  ac: 'active connections of the process',
  b: 'backend name',
  bc: 'backend concurrent connections',
  bi: 'backend source IP',
  bp: 'backend source port',
  bq: 'backend queue position',
  ci: 'client IP',
  cp: 'client port',
  f: 'frontend name',
  fc: 'frontend concurrent connections',
  fi: 'frontend IP',
  fp: 'frontend port',
  ft: "frontend name with '~' for TLS",
  hr: 'captured request headers, {a|b}',
  hrl: 'captured request headers, space-separated',
  hs: 'captured response headers, {a|b}',
  hsl: 'captured response headers, space-separated',
  HM: 'HTTP method',
  HP: 'HTTP path (as sent)',
  HPO: 'HTTP path without the query string',
  HQ: 'HTTP query string, with its ?',
  HU: 'HTTP request target',
  HV: 'HTTP version',
  lc: 'frontend log counter',
  ms: 'accept date milliseconds',
  pid: 'process id',
  r: 'request line',
  rc: 'retries (+ when redispatched)',
  rt: 'request counter',
  s: 'server name',
  sc: 'server concurrent connections',
  si: 'server IP',
  sp: 'server port',
  sq: 'server queue position',
  sslc: 'TLS cipher',
  sslv: 'TLS version',
  t: 'accept date with milliseconds',
  tr: 'request date with milliseconds',
  trg: 'request date (GMT)',
  trl: 'request date (local time zone)',
  ts: 'termination state',
  tsc: 'termination state with cookie status',
} as const

export type LogVar = keyof typeof LOG_VARS

/** `name` is a log-format variable of HAProxy 2.6 (case-sensitive, whole name). */
export function isLogVar(name: string): name is LogVar {
  return Object.hasOwn(LOG_VARS, name)
}

/** `option httplog` (log.c HTTP_LOG_FORMAT). */
export const HTTPLOG_FORMAT = '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r'
/** `option httplog clf` (log.c CLF_HTTP_LOG_FORMAT). */
export const HTTPLOG_CLF_FORMAT = '%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl'
/** `option tcplog` (log.c TCP_LOG_FORMAT). */
export const TCPLOG_FORMAT = '%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq'
