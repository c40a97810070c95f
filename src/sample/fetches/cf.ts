/**
 * @module
 * Edge-only fetches (not in HAProxy): properties Cloudflare attaches to the request as
 * `request.cf` (workers-types IncomingRequestCfProperties). Each fails when the property is
 * absent (for example outside Cloudflare, or Bot Management fields without that product).
 */
import type { FetchDef, Sample, SampleType } from '../types.ts'
import { BOTH, bool, int, str } from './util.ts'

type Getter = (cf: Readonly<Record<string, unknown>>) => unknown

function prop(key: string): Getter {
  return (cf) => cf[key]
}

function bot(key: string): Getter {
  return (cf) => {
    const b = cf.botManagement
    return b !== null && typeof b === 'object' ? (b as Record<string, unknown>)[key] : undefined
  }
}

function toSample(type: SampleType, v: unknown): Sample | undefined {
  if (v === undefined || v === null) return undefined
  if (type === 'int') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN
    return Number.isFinite(n) ? int(Math.trunc(n)) : undefined
  }
  if (type === 'bool') {
    if (typeof v === 'boolean') return bool(v)
    if (v === '1' || v === 1) return bool(true)
    if (v === '0' || v === 0) return bool(false)
    return undefined
  }
  if (typeof v === 'string') return str(v)
  if (typeof v === 'number') return str(String(v))
  return undefined
}

function cf(name: string, type: SampleType, get: Getter, doc: string): FetchDef {
  return {
    name,
    args: [],
    output: type,
    phases: BOTH,
    doc: `${doc} (Cloudflare request.cf)`,
    build: () => (ctx) => (ctx.cf ? toSample(type, get(ctx.cf)) : undefined),
  }
}

export const CF_FETCHES: readonly FetchDef[] = [
  cf('cf.country', 'str', prop('country'), 'ISO 3166-1 alpha-2 country code of the client ("T1" for Tor)'),
  cf('cf.is_eu_country', 'bool', (c) => (c.isEUCountry === '1' ? true : c.country !== undefined ? false : undefined), 'true when the client country is in the EU'),
  cf('cf.continent', 'str', prop('continent'), 'continent code of the client'),
  cf('cf.city', 'str', prop('city'), 'city of the client'),
  cf('cf.region', 'str', prop('region'), 'ISO 3166-2 region name of the client'),
  cf('cf.region_code', 'str', prop('regionCode'), 'ISO 3166-2 region code of the client'),
  cf('cf.postal_code', 'str', prop('postalCode'), 'postal code of the client'),
  cf('cf.metro_code', 'str', prop('metroCode'), 'metro (DMA) code of the client'),
  cf('cf.latitude', 'str', prop('latitude'), 'latitude of the client, as text'),
  cf('cf.longitude', 'str', prop('longitude'), 'longitude of the client, as text'),
  cf('cf.timezone', 'str', prop('timezone'), 'IANA time zone of the client'),
  cf('cf.asn', 'int', prop('asn'), 'autonomous system number of the client'),
  cf('cf.as_org', 'str', prop('asOrganization'), 'organisation owning the client ASN'),
  cf('cf.colo', 'str', prop('colo'), 'IATA code of the Cloudflare data center'),
  cf('cf.http_protocol', 'str', prop('httpProtocol'), 'HTTP protocol of the client request ("HTTP/2")'),
  cf('cf.tls_version', 'str', prop('tlsVersion'), 'TLS version of the client connection ("TLSv1.3"; empty without TLS)'),
  cf('cf.tls_cipher', 'str', prop('tlsCipher'), 'TLS cipher of the client connection'),
  cf('cf.tls_client_hello_length', 'int', prop('tlsClientHelloLength'), 'length of the TLS ClientHello'),
  cf('cf.client_tcp_rtt', 'int', prop('clientTcpRtt'), 'client TCP round-trip time in ms'),
  cf('cf.request_priority', 'str', prop('requestPriority'), 'browser prioritisation information'),
  cf('cf.client_accept_encoding', 'str', prop('clientAcceptEncoding'), 'Accept-Encoding sent by the client, when Cloudflare changed it'),
  cf('cf.bot_score', 'int', bot('score'), 'Bot Management score, 1 (bot) to 99 (human)'),
  cf('cf.verified_bot', 'bool', bot('verifiedBot'), 'Bot Management: the request comes from a known good bot'),
  cf('cf.ja3_hash', 'str', bot('ja3Hash'), 'Bot Management: JA3 fingerprint of the TLS client'),
  cf('cf.ja4', 'str', bot('ja4'), 'Bot Management: JA4 fingerprint of the TLS client'),
]
