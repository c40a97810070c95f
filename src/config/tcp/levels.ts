/**
 * @module
 * Where a fetch can be used in `tcp-request` rules: HAProxy checks each fetch's sources against
 * the rule set's checkpoint (sample.c fetch_cap). A `tcp-request connection` rule runs when the
 * connection is accepted, so it can read the client's addresses, constants, variables and stick
 * counters only; `tcp-request session` adds the client's TLS session; `tcp-request content`
 * everything of the request. Request fetches not listed here read the HTTP request (content
 * level). Used by src/config/keywords/tcp-rules.ts for HAProxy's errors (track-sc, set-var) and
 * "will never match" warnings (conditions).
 */
export type TcpLevel = 'connection' | 'session' | 'content'

/** Constants, internal state and the client connection's layer-4 facts. */
const CONNECTION = new Set([
  'src',
  'src_port',
  'dst',
  'dst_port',
  'fc_src',
  'fc_src_port',
  'fc_dst',
  'fc_dst_port',
  'fc_rtt',
  'always_true',
  'always_false',
  'str',
  'int',
  'bool',
  'bin',
  'ipv4',
  'ipv6',
  'meth',
  'rand',
  'uuid',
  'date',
  'date_us',
  'var',
  'nbproc',
  'proc',
  'thread',
  'stopping',
  'fe_name',
  // Cloudflare's facts about the client connection (request.cf), known before the request is read.
  'cf.country',
  'cf.is_eu_country',
  'cf.continent',
  'cf.city',
  'cf.region',
  'cf.region_code',
  'cf.postal_code',
  'cf.metro_code',
  'cf.latitude',
  'cf.longitude',
  'cf.timezone',
  'cf.asn',
  'cf.as_org',
  'cf.colo',
  'cf.tls_version',
  'cf.tls_cipher',
  'cf.tls_client_hello_length',
  'cf.client_tcp_rtt',
  'cf.ja3_hash',
  'cf.ja4',
])

/** Stick counters (`sc_*`, `scN_*`) and the client address's table entries (`src_*`). */
const CONNECTION_FAMILIES = /^(sc\d?|src)_/

/** The client's TLS session: known once the handshake is done (`tcp-request session` on). */
const SESSION_FAMILIES = /^ssl_(fc|c)_|^ssl_fc$/

/** The first `tcp-request` rule set where fetch `name` has a value. */
export function fetchLevel(name: string): TcpLevel {
  if (CONNECTION.has(name) || (CONNECTION_FAMILIES.test(name) && name !== 'src_is_local')) return 'connection'
  if (SESSION_FAMILIES.test(name)) return 'session'
  return 'content'
}

const ORDER: Readonly<Record<TcpLevel, number>> = { connection: 0, session: 1, content: 2 }

/** True when fetch `name` has a value in rules of `level`. */
export function availableAt(name: string, level: TcpLevel): boolean {
  return ORDER[fetchLevel(name)] <= ORDER[level]
}

/** What the fetch reads, as HAProxy names it in "extracts information from '…'". */
export function sourceName(name: string): string {
  return fetchLevel(name) === 'session' ? 'client-side connection' : 'HTTP request headers'
}

/** HAProxy's name of a rule set's checkpoint, for "incompatible with '…'". */
export function checkpointName(level: TcpLevel, backend: boolean): string {
  return `${backend ? 'backend' : 'frontend'} tcp-request ${level} rule`
}
