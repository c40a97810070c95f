/**
 * @module
 * What Cloudflare's edge can reach, by address (reference/edge-production.md "Reaching origins"):
 * the class of a server's host, Cloudflare's own IP ranges (refused by `connect()`, and what an
 * orange-clouded or Tunnel hostname resolves to) and Cloudflare's proxy ports. The compiler's
 * checks, `edgeproxy deploy`, the Worker's choice of egress and `edgeproxy dev --edge`'s emulator
 * all read these. A leaf: imports nothing.
 */

/**
 * - `hostname`: a DNS name (reached with `fetch()` on the proxy ports when orange-clouded).
 * - `loopback`: 127.0.0.0/8, ::1, localhost (only under `edgeproxy dev`, or through a VPC network).
 * - `private`: RFC 1918, CGNAT 100.64/10, link-local, ULA, 0.0.0.0/8: only through a VPC network.
 * - `cloudflare`: one of Cloudflare's published ranges (`connect()` refuses them).
 * - `public-ip`: any other IP literal (`fetch()` answers Cloudflare's error 1003).
 */
export type AddressClass = 'hostname' | 'loopback' | 'private' | 'cloudflare' | 'public-ip'

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** An IPv4 literal as a 32-bit unsigned number, or undefined. */
export function ipv4Number(host: string): number | undefined {
  const m = IPV4.exec(host)
  if (!m) return undefined
  let n = 0
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i])
    if (o > 255) return undefined
    n = n * 256 + o
  }
  return n
}

/** An IPv6 literal (brackets allowed) as 8 groups, or undefined. */
export function ipv6Groups(host: string): number[] | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (!h.includes(':') || !/^[0-9a-f:.]+$/.test(h)) return undefined
  const halves = h.split('::')
  if (halves.length > 2) return undefined
  const parse = (s: string): number[] | undefined => {
    if (s === '') return []
    const out: number[] = []
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const v4 = ipv4Number(g)
        if (v4 === undefined) return undefined
        out.push(Math.floor(v4 / 65536), v4 % 65536)
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined
        out.push(Number.parseInt(g, 16))
      }
    }
    return out
  }
  const head = parse(halves[0] ?? '')
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : []
  if (!head || !tail) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const fill = 8 - head.length - tail.length
  if (fill < 1) return undefined
  return [...head, ...new Array<number>(fill).fill(0), ...tail]
}

/** Cloudflare's IPv4 ranges (www.cloudflare.com/ips-v4) as [network, prefix length]. */
const CLOUDFLARE_V4: readonly (readonly [string, number])[] = [
  ['173.245.48.0', 20],
  ['103.21.244.0', 22],
  ['103.22.200.0', 22],
  ['103.31.4.0', 22],
  ['141.101.64.0', 18],
  ['108.162.192.0', 18],
  ['190.93.240.0', 20],
  ['188.114.96.0', 20],
  ['197.234.240.0', 22],
  ['198.41.128.0', 17],
  ['162.158.0.0', 15],
  ['104.16.0.0', 13],
  ['104.24.0.0', 14],
  ['172.64.0.0', 13],
  ['131.0.72.0', 22],
]

/** Cloudflare's IPv6 ranges (www.cloudflare.com/ips-v6). */
const CLOUDFLARE_V6: readonly (readonly [string, number])[] = [
  ['2400:cb00::', 32],
  ['2606:4700::', 32],
  ['2803:f800::', 32],
  ['2405:b500::', 32],
  ['2405:8100::', 32],
  ['2a06:98c0::', 29],
  ['2c0f:f248::', 32],
]

function inV4(n: number, net: string, bits: number): boolean {
  const base = ipv4Number(net) as number
  const size = 2 ** (32 - bits)
  return n >= base && n < base + size
}

function inV6(g: readonly number[], net: string, bits: number): boolean {
  const base = ipv6Groups(net) as number[]
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const take = Math.min(16, bits)
    const mask = (0xffff << (16 - take)) & 0xffff
    if (((g[i] as number) & mask) !== ((base[i] as number) & mask)) return false
  }
  return true
}

/** The class of a server's host (a name or an IP literal; IPv6 with or without brackets). */
export function addressClass(host: string): AddressClass {
  const h = host.toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback'
  const v4 = ipv4Number(h)
  if (v4 !== undefined) {
    const a = Math.floor(v4 / 2 ** 24)
    const b = Math.floor(v4 / 65536) % 256
    if (a === 127) return 'loopback'
    if (a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)) return 'private'
    if (CLOUDFLARE_V4.some(([net, bits]) => inV4(v4, net, bits))) return 'cloudflare'
    return 'public-ip'
  }
  const v6 = ipv6Groups(h)
  if (v6 !== undefined) {
    if (v6.every((x, i) => (i < 7 ? x === 0 : x === 1))) return 'loopback'
    const first = v6[0] as number
    if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || v6.every((x) => x === 0)) return 'private'
    // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address's class.
    if (v6.slice(0, 5).every((x) => x === 0) && v6[5] === 0xffff) return addressClass(`${(v6[6] as number) >> 8}.${(v6[6] as number) & 255}.${(v6[7] as number) >> 8}.${(v6[7] as number) & 255}`)
    if (CLOUDFLARE_V6.some(([net, bits]) => inV6(v6, net, bits))) return 'cloudflare'
    return 'public-ip'
  }
  return 'hostname'
}

/** Cloudflare's HTTP proxy ports: an orange-clouded hostname answers only on these (and the HTTPS ones). */
export const PROXY_PORTS_HTTP: ReadonlySet<number> = new Set([80, 8080, 8880, 2052, 2082, 2086, 2095])
/** Cloudflare's HTTPS proxy ports. */
export const PROXY_PORTS_HTTPS: ReadonlySet<number> = new Set([443, 2053, 2083, 2087, 2096, 8443])

/** A port Cloudflare proxies (HTTP or HTTPS). */
export function isProxyPort(port: number): boolean {
  return PROXY_PORTS_HTTP.has(port) || PROXY_PORTS_HTTPS.has(port)
}
