/**
 * @module
 * `edgeproxy dev --edge`: the platform's production rules as data (reference/edge-production.md).
 * What Cloudflare answers to the Worker's global `fetch()` for a URL (an IP literal: its 403
 * "error code: 1003"; a hostname nobody mapped: 530 "error code: 1016"; a proxied hostname on a
 * port Cloudflare does not proxy: 522), which hostnames a test maps to a loopback origin
 * (`--edge-host NAME=127.0.0.1:PORT`), the `request.cf` properties a client may set with
 * `x-edgeproxy-cf-*` headers, and the `tlsClientAuth` object Cloudflare builds from a client
 * certificate. No I/O here: src/dev/edge-outbound.ts forwards, src/dev/listeners.ts listens.
 */
import { X509Certificate } from 'node:crypto'
import { addressClass, isProxyPort } from '../util/addresses.ts'

/** A loopback origin standing in for a proxied hostname (`--edge-host NAME=127.0.0.1:PORT`). */
export interface EdgeHost {
  readonly host: string
  readonly port: number
}

/** The platform rules `--edge` applies. */
export interface EdgeRules {
  /** Hostnames the Worker may reach with `fetch()`, and where they are served locally. */
  readonly hosts: ReadonlyMap<string, EdgeHost>
  /** `--vpc-network ID`: the emulated `EDGEPROXY_VPC` binding exists. */
  readonly vpcNetwork?: string
}

/** The VPC network binding's name (the Worker calls `env.EDGEPROXY_VPC.fetch()`). */
export const VPC_BINDING = 'EDGEPROXY_VPC'

/**
 * Set ("1") under `--edge`: Miniflare cannot intercept `connect()` (cloudflare:sockets goes
 * straight to the network, whatever `outboundService` says), so code that opens sockets can read
 * this binding to refuse what the edge refuses (Cloudflare's ranges, private addresses).
 */
export const EDGE_FLAG_BINDING = 'EDGEPROXY_DEV_EDGE'

/** A response Cloudflare generates instead of reaching an origin. */
export interface EdgeRefusal {
  readonly status: number
  /** Cloudflare's error number ("error code: N" in the body). */
  readonly code: number
}

/** What Cloudflare does with a subrequest: answer it itself, or reach an origin. */
export type OutboundDecision = { readonly kind: 'refuse'; readonly refusal: EdgeRefusal } | { readonly kind: 'forward'; readonly to: EdgeHost }

/** Direct IP access not allowed (any IP literal, and `localhost`, which names one). */
export const REFUSE_IP: EdgeRefusal = { status: 403, code: 1003 }
/** DNS resolution error: a hostname Cloudflare cannot resolve. */
export const REFUSE_DNS: EdgeRefusal = { status: 530, code: 1016 }
/** Connection timed out: a proxied hostname on a port Cloudflare does not proxy. */
export const REFUSE_PORT: EdgeRefusal = { status: 522, code: 522 }

/** Web server is down: the origin of a proxied hostname refused the connection. */
export const REFUSE_ORIGIN_DOWN: EdgeRefusal = { status: 521, code: 521 }

/** Bad gateway: the VPC network's origin refused or did not answer the connection. */
export const REFUSE_UNREACHABLE: EdgeRefusal = { status: 502, code: 502 }

/** The headers of a Cloudflare-generated answer to a subrequest. */
export const REFUSAL_HEADERS: readonly (readonly [string, string])[] = [
  ['server', 'cloudflare'],
  ['content-type', 'text/plain; charset=UTF-8'],
]

export function refusalBody(r: EdgeRefusal): string {
  return `error code: ${r.code}`
}

/** What the global `fetch()` of a Worker on Cloudflare's edge does with `url`. */
export function decideOutbound(url: URL, rules: EdgeRules): OutboundDecision {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  // `localhost` resolves to 127.0.0.1 wherever it is resolved: the edge treats it as that IP literal.
  if (addressClass(host) !== 'hostname') return { kind: 'refuse', refusal: REFUSE_IP }
  const to = rules.hosts.get(host)
  if (!to) return { kind: 'refuse', refusal: REFUSE_DNS }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  if (!isProxyPort(port)) return { kind: 'refuse', refusal: REFUSE_PORT }
  return { kind: 'forward', to }
}

/** Parses `--edge-host NAME=127.0.0.1:PORT`; a string is the error to print. */
export function parseEdgeHost(spec: string): { name: string; to: EdgeHost } | string {
  const m = /^([^=\s]+)=(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(spec)
  if (!m) return `--edge-host '${spec}': expected NAME=127.0.0.1:PORT`
  const name = (m[1] as string).toLowerCase()
  const host = (m[2] as string).replace(/^\[|\]$/g, '')
  const port = Number(m[3])
  if (addressClass(name) !== 'hostname') return `--edge-host '${spec}': ${name} is not a hostname (an IP literal or localhost is refused by the edge with error 1003)`
  if (addressClass(host) !== 'loopback') return `--edge-host '${spec}': ${host} is not a loopback address (the emulator connects to loopback only)`
  if (port < 1 || port > 65535) return `--edge-host '${spec}': bad port ${port}`
  return { name, to: { host, port } }
}

/** `cf1:network` (the account's default virtual network) or `cf1:vnet:<UUID>`. */
export function isVpcNetworkId(id: string): boolean {
  return id === 'cf1:network' || /^cf1:vnet:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
}

/** The prefix of the request headers that set `request.cf` properties under `--edge`. */
export const CF_HEADER_PREFIX = 'x-edgeproxy-cf-'

/** `x-edgeproxy-cf-<suffix>` → the `request.cf` property it sets, and its type. */
export const CF_HEADERS: ReadonlyMap<string, { readonly key: string; readonly type: 'string' | 'number' }> = new Map([
  ['country', { key: 'country', type: 'string' }],
  ['colo', { key: 'colo', type: 'string' }],
  ['asn', { key: 'asn', type: 'number' }],
  ['as-organization', { key: 'asOrganization', type: 'string' }],
  ['city', { key: 'city', type: 'string' }],
  ['region', { key: 'region', type: 'string' }],
  ['region-code', { key: 'regionCode', type: 'string' }],
  ['continent', { key: 'continent', type: 'string' }],
  ['postal-code', { key: 'postalCode', type: 'string' }],
  ['metro-code', { key: 'metroCode', type: 'string' }],
  ['latitude', { key: 'latitude', type: 'string' }],
  ['longitude', { key: 'longitude', type: 'string' }],
  ['timezone', { key: 'timezone', type: 'string' }],
  ['client-tcp-rtt', { key: 'clientTcpRtt', type: 'number' }],
])

/**
 * The `request.cf` object the edge would give the Worker for a request that carried `headers`
 * (lower-case names): the `x-edgeproxy-cf-*` properties, the protocol and, for a TLS connection,
 * its version, cipher and client certificate.
 */
export function cfFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, tls?: { version: string; cipher: string; clientAuth: TlsClientAuth }): Record<string, unknown> {
  const cf: Record<string, unknown> = { httpProtocol: 'HTTP/1.1' }
  for (const [suffix, p] of CF_HEADERS) {
    const v = headers[CF_HEADER_PREFIX + suffix]
    const s = Array.isArray(v) ? v[0] : v
    if (s === undefined) continue
    if (p.type === 'number') {
      const n = Number(s)
      if (Number.isFinite(n)) cf[p.key] = n
    } else cf[p.key] = s
  }
  if (tls) {
    cf.tlsVersion = tls.version
    cf.tlsCipher = tls.cipher
    cf.tlsClientAuth = tls.clientAuth
  }
  return cf
}

/** `request.cf.tlsClientAuth` as Cloudflare sets it (ssl/client-certificates/client-certificate-variables). */
export interface TlsClientAuth {
  readonly certPresented: '0' | '1'
  readonly certVerified: string
  readonly certRevoked: '0' | '1'
  readonly certSubjectDNRFC2253: string
  readonly certIssuerDNRFC2253: string
  readonly certSerial: string
  readonly certNotBefore: string
  readonly certNotAfter: string
  readonly certFingerprintSHA1: string
  readonly certFingerprintSHA256: string
  readonly certRFC9440: string
}

/** No certificate: every field empty, `certVerified` "NONE". */
export const NO_CLIENT_CERT: TlsClientAuth = {
  certPresented: '0',
  certVerified: 'NONE',
  certRevoked: '0',
  certSubjectDNRFC2253: '',
  certIssuerDNRFC2253: '',
  certSerial: '',
  certNotBefore: '',
  certNotAfter: '',
  certFingerprintSHA1: '',
  certFingerprintSHA256: '',
  certRFC9440: '',
}

/** Node's one-attribute-a-line DN (most significant first, values already escaped as RFC 2253 says) in RFC 2253's order. */
function rfc2253(dn: string): string {
  return dn
    .split('\n')
    .filter((l) => l !== '')
    .reverse()
    .join(',')
}

function hex(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase()
}

/**
 * The `tlsClientAuth` of a connection whose client sent `der` (absent: none), verified against the
 * listener's CA (`error`: why it was not, in OpenSSL's words). Revocation is not checked ("0").
 */
export function tlsClientAuth(der: Buffer | undefined, error: string | undefined): TlsClientAuth {
  if (!der || der.length === 0) return NO_CLIENT_CERT
  const c = new X509Certificate(der)
  return {
    certPresented: '1',
    certVerified: error === undefined ? 'SUCCESS' : `FAILED:${error}`,
    certRevoked: '0',
    certSubjectDNRFC2253: rfc2253(c.subject),
    certIssuerDNRFC2253: rfc2253(c.issuer),
    certSerial: c.serialNumber.toUpperCase(),
    certNotBefore: c.validFrom,
    certNotAfter: c.validTo,
    certFingerprintSHA1: hex(c.fingerprint),
    certFingerprintSHA256: hex(c.fingerprint256),
    certRFC9440: `:${der.toString('base64')}:`,
  }
}
