/**
 * @module
 * TLS fetches (ssl_sample.c) answered from what Cloudflare tells the Worker: `ctx.ssl`, the
 * client certificate (`ctx.tls`, from request.cf.tlsClientAuth) and request.cf.tlsVersion /
 * tlsCipher / httpProtocol. DN fetches parse the RFC 2253 subject/issuer back into entries so
 * `ssl_c_s_dn(cn)` and the "/C=../CN=.." one-line form work like OpenSSL's X509_NAME.
 */
import type { ArgSpec, FetchDef, FetchFn, Sample, SampleContext, TlsClientInfo } from '../types.ts'
import { base64Decode } from '../converters/codec.ts'
import { headerValues } from './hdr-values.ts'
import { inetPton4 } from './ip-text.ts'
import { argInt, argStr, BOTH, bin, bool, bytesOfHex, FALSE, int, str, TRUE, textOf } from './util.ts'

export interface DnEntry {
  readonly type: string
  readonly value: string
}

const utf8 = new TextEncoder()

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 65 && c <= 70) return c - 55
  if (c >= 97 && c <= 102) return c - 87
  return -1
}

/**
 * Parses an RFC 2253 DN ("CN=alice,O=Example\, Inc,C=FR") into its attribute/value pairs in
 * X509_NAME order (RFC 2253 writes the last entry first). Values come back as byte strings
 * (UTF-8 encoded, `\XX` escapes decoded). Returns undefined on a malformed DN.
 */
export function parseDn(dn: string): DnEntry[] | undefined {
  const out: DnEntry[] = []
  let i = 0
  const n = dn.length
  const skipSpaces = (): void => {
    while (i < n && dn[i] === ' ') i++
  }
  skipSpaces()
  if (i >= n) return out
  for (;;) {
    skipSpaces()
    const eq = dn.indexOf('=', i)
    if (eq < 0) return undefined
    const type = dn.slice(i, eq).trim()
    if (type === '') return undefined
    i = eq + 1
    skipSpaces()
    let value = ''
    if (dn[i] === '"') {
      i++
      while (i < n && dn[i] !== '"') {
        if (dn[i] === '\\' && i + 1 < n) i++
        value += dn[i]
        i++
      }
      if (i >= n) return undefined
      i++
      skipSpaces()
      value = textOf(utf8.encode(value))
    } else {
      const bytes: number[] = []
      let trailing = 0
      while (i < n && dn[i] !== ',' && dn[i] !== '+' && dn[i] !== ';') {
        const c = dn.charCodeAt(i)
        if (c === 92 && i + 1 < n) {
          const h = hexVal(dn.charCodeAt(i + 1))
          const l = hexVal(dn.charCodeAt(i + 2))
          if (h >= 0 && l >= 0) {
            bytes.push((h << 4) | l)
            i += 3
          } else {
            bytes.push(...utf8.encode(dn[i + 1] as string))
            i += 2
          }
          trailing = 0
          continue
        }
        trailing = c === 32 ? trailing + 1 : 0
        bytes.push(...utf8.encode(String.fromCodePoint(dn.codePointAt(i) as number)))
        i += c >= 0xd800 && c <= 0xdbff ? 2 : 1
      }
      value = textOf(Uint8Array.from(bytes.slice(0, bytes.length - trailing)))
    }
    out.push({ type, value })
    if (i >= n) break
    i++ // ',' ';' or '+'
  }
  return out.reverse()
}

/** ssl_sock_get_dn_entry: occurrence `pos` (1 = first, -1 = last) of entry `type` (case-insensitive). */
export function dnEntry(entries: readonly DnEntry[], type: string, pos: number): string | undefined {
  const t = type.toLowerCase()
  let cur = 0
  const count = entries.length
  for (let i = 0; i < count; i++) {
    const e = entries[pos < 0 ? count - 1 - i : i] as DnEntry
    if (e.type.toLowerCase() !== t) continue
    cur += pos < 0 ? -1 : 1
    if (cur === pos) return e.value
  }
  return undefined
}

/** ssl_sock_get_dn_oneline: "/C=FR/O=Example/CN=alice". */
export function dnOneline(entries: readonly DnEntry[]): string | undefined {
  if (entries.length === 0) return undefined
  let out = ''
  for (const e of entries) out += `/${e.type}=${e.value}`
  return out
}

const DN_ARGS: readonly ArgSpec[] = [
  { kind: 'str', optional: true },
  { kind: 'int', optional: true },
  { kind: 'str', optional: true },
]

/** smp_fetch_ssl_x_s_dn / _i_dn: an entry, the RFC 2253 form, or the one-line form. */
function dnFetch(pick: (t: TlsClientInfo) => string): FetchDef['build'] {
  return (args) => {
    const entry = argStr(args, 0)
    const pos = argInt(args, 1) ?? 1
    const rfc2253 = argStr(args, 2) === 'rfc2253'
    const cache = new Map<string, DnEntry[] | undefined>()
    const entries = (dn: string): DnEntry[] | undefined => {
      if (!cache.has(dn)) {
        if (cache.size > 256) cache.clear()
        cache.set(dn, parseDn(dn))
      }
      return cache.get(dn)
    }
    return (ctx) => {
      const t = clientCert(ctx)
      if (!t) return undefined
      const dn = pick(t)
      if (!dn) return undefined
      if (entry !== undefined) {
        const e = entries(dn)
        const v = e ? dnEntry(e, entry, pos) : undefined
        return v === undefined ? undefined : str(v)
      }
      if (rfc2253) return str(dn)
      const e = entries(dn)
      const line = e ? dnOneline(e) : undefined
      return line === undefined ? undefined : str(line)
    }
  }
}

/** The presented client certificate on a TLS connection, or undefined. */
function clientCert(ctx: SampleContext): TlsClientInfo | undefined {
  return ctx.ssl && ctx.tls?.presented ? ctx.tls : undefined
}

/** X509_V_ERR_* codes for the failure texts Cloudflare reports in tlsClientAuth.certVerified. */
const VERIFY_CODES: readonly [RegExp, number][] = [
  [/unable to get issuer certificate/i, 2],
  [/signature failure/i, 7],
  [/not yet valid/i, 9],
  [/expired/i, 10],
  [/self[- ]signed certificate in certificate chain/i, 19],
  [/self[- ]signed/i, 18],
  [/unable to get local issuer/i, 20],
  [/unable to verify the first certificate/i, 21],
  [/revoked/i, 23],
]

/**
 * ssl_c_verify: 0 when verified (or no certificate), else the X509 error code (1 if unknown). A
 * revoked certificate is X509_V_ERR_CERT_REVOKED (23) whatever certVerified says.
 */
export function verifyCode(ctx: SampleContext): number {
  const t = clientCert(ctx)
  if (!t || t.verified) return 0
  if (t.revoked) return 23
  const auth = ctx.cf?.tlsClientAuth
  const text = t.verifyError ?? (auth !== null && typeof auth === 'object' ? (auth as Record<string, unknown>).certVerified : undefined)
  if (typeof text === 'string') for (const [re, code] of VERIFY_CODES) if (re.test(text)) return code
  return 1
}

/** ASN1_TIME as OpenSSL prints it for ssl_c_notbefore/notafter: UTCTime "YYMMDDhhmmssZ" (GeneralizedTime after 2049). */
export function asn1Time(text: string | undefined): string | undefined {
  if (!text) return undefined
  if (/^\d{12}Z$|^\d{14}Z$/.test(text)) return text
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) return undefined
  const d = new Date(ms)
  const p = (v: number): string => String(v).padStart(2, '0')
  const y = d.getUTCFullYear()
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  return y >= 1950 && y < 2050 ? `${p(y % 100)}${rest}` : `${y}${rest}`
}

function cfString(ctx: SampleContext, key: string): string | undefined {
  const v = ctx.cf?.[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** The SNI the client sent, approximated by the Host header (without port; IP literals send none). */
function sni(ctx: SampleContext): string | undefined {
  if (!ctx.ssl) return undefined
  const host = headerValues(ctx.headers, 'host', false)[0]
  if (!host || host.startsWith('[')) return undefined
  const colon = host.lastIndexOf(':')
  const name = colon < 0 ? host : host.slice(0, colon)
  return name === '' || inetPton4(name) >= 0 ? undefined : name
}

function cipherBits(cipher: string | undefined): number | undefined {
  if (!cipher) return undefined
  if (/CHACHA20/i.test(cipher)) return 256
  const m = /AES[-_]?(128|256)/i.exec(cipher)
  return m ? Number(m[1]) : undefined
}

const NONE: readonly ArgSpec[] = []

function tlsFetch(name: string, output: FetchDef['output'], doc: string, fn: FetchFn): FetchDef {
  return { name, args: NONE, output, phases: BOTH, doc, build: () => fn }
}

const whenSsl =
  (f: (ctx: SampleContext) => Sample | undefined): FetchFn =>
  (ctx) =>
    ctx.ssl ? f(ctx) : undefined

export const SSL_FETCHES: readonly FetchDef[] = [
  tlsFetch('ssl_fc', 'bool', 'true when the client connection is TLS (terminated by Cloudflare)', (ctx) => (ctx.ssl ? TRUE : FALSE)),
  tlsFetch(
    'ssl_fc_has_crt',
    'bool',
    'the client presented a certificate (needs API Shield mTLS or Access)',
    whenSsl((ctx) => bool(ctx.tls?.presented === true)),
  ),
  tlsFetch(
    'ssl_c_used',
    'bool',
    'the TLS session uses a client certificate',
    whenSsl((ctx) => bool(ctx.tls?.presented === true)),
  ),
  tlsFetch(
    'ssl_c_verify',
    'int',
    'client certificate verification result (0 = ok, else the X509_V_ERR code)',
    whenSsl((ctx) => int(verifyCode(ctx))),
  ),
  {
    name: 'ssl_c_s_dn',
    args: DN_ARGS,
    output: 'str',
    phases: BOTH,
    doc: 'client certificate subject DN, or one entry of it: ssl_c_s_dn(cn); format "rfc2253" gives the RFC 2253 text',
    build: dnFetch((t) => t.subjectDn),
  },
  {
    name: 'ssl_c_i_dn',
    args: DN_ARGS,
    output: 'str',
    phases: BOTH,
    doc: 'client certificate issuer DN, or one entry of it: ssl_c_i_dn(cn)',
    build: dnFetch((t) => t.issuerDn),
  },
  tlsFetch('ssl_c_serial', 'bin', 'client certificate serial number (binary)', (ctx) => {
    const s = clientCert(ctx)?.serial
    const b = s ? bytesOfHex(s) : undefined
    return b ? bin(b) : undefined
  }),
  tlsFetch('ssl_c_der', 'bin', 'the client certificate, DER-encoded (from certRFC9440)', (ctx) => {
    const d = clientCert(ctx)?.der
    const b = d ? base64Decode(d) : undefined
    return b ? bin(b) : undefined
  }),
  tlsFetch('ssl_c_sha1', 'bin', 'SHA-1 fingerprint of the client certificate (binary)', (ctx) => {
    const s = clientCert(ctx)?.fingerprintSha1
    const b = s ? bytesOfHex(s) : undefined
    return b ? bin(b) : undefined
  }),
  tlsFetch('ssl_c_notbefore', 'str', 'client certificate start date, "YYMMDDhhmmssZ"', (ctx) => {
    const v = asn1Time(clientCert(ctx)?.notBefore)
    return v ? str(v) : undefined
  }),
  tlsFetch('ssl_c_notafter', 'str', 'client certificate end date, "YYMMDDhhmmssZ"', (ctx) => {
    const v = asn1Time(clientCert(ctx)?.notAfter)
    return v ? str(v) : undefined
  }),
  tlsFetch('ssl_fc_sni', 'str', 'server name the client asked for (taken from the Host header at the edge)', (ctx) => {
    const v = sni(ctx)
    return v === undefined ? undefined : str(v)
  }),
  tlsFetch(
    'ssl_fc_has_sni',
    'bool',
    'the client sent a server name',
    whenSsl((ctx) => bool(sni(ctx) !== undefined)),
  ),
  tlsFetch(
    'ssl_fc_protocol',
    'str',
    'TLS version of the client connection ("TLSv1.3"), from request.cf.tlsVersion',
    whenSsl((ctx) => {
      const v = cfString(ctx, 'tlsVersion')
      return v ? str(v) : undefined
    }),
  ),
  tlsFetch(
    'ssl_fc_cipher',
    'str',
    "cipher of the client connection, from request.cf.tlsCipher (Cloudflare's names)",
    whenSsl((ctx) => {
      const v = cfString(ctx, 'tlsCipher')
      return v ? str(v) : undefined
    }),
  ),
  tlsFetch(
    'ssl_fc_alpn',
    'str',
    'ALPN protocol, inferred from request.cf.httpProtocol (h2, h3, http/1.1)',
    whenSsl((ctx) => {
      const p = cfString(ctx, 'httpProtocol')
      if (p === 'HTTP/2') return str('h2')
      if (p === 'HTTP/3') return str('h3')
      if (p === 'HTTP/1.1') return str('http/1.1')
      return undefined
    }),
  ),
  tlsFetch(
    'ssl_fc_use_keysize',
    'int',
    'symmetric key size in bits, from the cipher name',
    whenSsl((ctx) => {
      const b = cipherBits(cfString(ctx, 'tlsCipher'))
      return b === undefined ? undefined : int(b)
    }),
  ),
  tlsFetch(
    'ssl_fc_alg_keysize',
    'int',
    'symmetric algorithm key size in bits, from the cipher name',
    whenSsl((ctx) => {
      const b = cipherBits(cfString(ctx, 'tlsCipher'))
      return b === undefined ? undefined : int(b)
    }),
  ),
]
