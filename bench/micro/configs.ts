/**
 * @module
 * Configs the micro benchmarks run: the seed example, and generated ones (the synthetic routing
 * config, many servers, a 100k-network list), compiled with the same compiler the CLI uses.
 */
import { readFileSync } from 'node:fs'
import { compileConfig } from '../../src/config/compile.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'

export const SEED_PATH = new URL('../../examples/haproxy.cfg', import.meta.url)

export function seedText(): string {
  return readFileSync(SEED_PATH, 'utf8')
}

/** The seed config without its stick table (the table line, the track and the rate check). */
export function seedNoStickText(): string {
  return seedText()
    .split('\n')
    .filter((l) => !/^\s*(stick-table|http-request track-sc0|http-request deny deny_status 429)/.test(l))
    .join('\n')
}

export function compileOrThrow(name: string, text: string, files: Record<string, string> = {}): RouteMap {
  const r = compileConfig([{ name, text }], { readFile: (p) => files[p] })
  if (!r.routeMap) {
    const errs = r.diagnostics.filter((d) => d.severity === 'error').slice(0, 5)
    throw new Error(`${name} does not compile: ${errs.map((d) => `${d.span.line}: ${d.message}`).join('; ')}`)
  }
  return r.routeMap
}

const DEFAULTS = `global
    maxconn 50000

defaults
    mode http
    option forwardfor
    timeout connect 2s
    timeout client 30s
    timeout server 10s
`

const ALGOS = ['roundrobin', 'leastconn', 'source', 'uri', 'url_param userid', 'static-rr', 'random', 'hdr(host)'] as const

/** Backends of the synthetic config. */
export const SYN_BACKENDS = 50
/** ACLs of each kind (path_beg, hdr(host), src, url_param): 4 × 50 = 200. */
export const SYN_PER_KIND = 50

/** The network list file of ACL `net<i>` (8 /24s and 2 hosts each). */
function netList(i: number): string {
  const lines: string[] = []
  for (let k = 0; k < 8; k++) lines.push(`10.${i}.${k}.0/24`)
  lines.push(`192.168.${i}.1`, `192.168.${i}.2`)
  return `${lines.join('\n')}\n`
}

/**
 * 200 ACLs (path_beg, hdr(host) -i, src -f, url_param), 50 backends × 4 servers with mixed
 * algorithms (half of the hashing ones consistent), use_backend rules combining the ACLs, a few
 * http-request rules and a cookie on some backends.
 */
export function syntheticConfig(): { text: string; files: Record<string, string> } {
  const files: Record<string, string> = {}
  const fe: string[] = ['frontend fe', '    bind *:80']
  for (let i = 0; i < SYN_PER_KIND; i++) {
    fe.push(`    acl path${i} path_beg /svc${i}/ /v2/svc${i}/`)
    fe.push(`    acl host${i} hdr(host) -i svc${i}.example.com svc${i}.example.net`)
    files[`/nets${i}.lst`] = netList(i)
    fe.push(`    acl net${i} src -f /nets${i}.lst`)
    fe.push(`    acl tenant${i} url_param(tenant) -m str t${i}`)
  }
  fe.push('    http-request deny if net7 tenant7')
  fe.push('    http-request set-header X-Edge-Proxy edgeproxy')
  fe.push('    http-request set-header X-Client-IP %[src]')
  fe.push('    http-response set-header X-Frame-Options DENY')
  for (let i = 0; i < SYN_BACKENDS; i++) {
    fe.push(`    use_backend be${i} if path${i} || host${i}`)
    fe.push(`    use_backend be${i} if tenant${i} net${i}`)
  }
  fe.push('    default_backend be0')
  const bes: string[] = []
  for (let b = 0; b < SYN_BACKENDS; b++) {
    const algo = ALGOS[b % ALGOS.length] as string
    bes.push(`backend be${b}`, `    balance ${algo}`)
    if (/^(source|uri|url_param|hdr)/.test(algo) && b % 2 === 0) bes.push('    hash-type consistent')
    const cookie = b % 5 === 0
    if (cookie) bes.push('    cookie SRV insert indirect nocache')
    if (b % 3 === 0) bes.push('    http-response set-header X-Backend %b')
    for (let s = 0; s < 4; s++) bes.push(`    server s${s} 10.200.${b}.${s + 1}:80${cookie ? ` cookie s${s}` : ''} weight ${10 + s * 10}`)
    bes.push('')
  }
  return { text: `${DEFAULTS}\n${fe.join('\n')}\n\n${bes.join('\n')}`, files }
}

/** `backends` backends of `perBackend` servers (roundrobin; every 4th consistent source). */
export function serversConfig(backends: number, perBackend: number): string {
  const out: string[] = [DEFAULTS, 'frontend fe', '    bind *:80']
  for (let b = 0; b < backends; b++) out.push(`    use_backend be${b} if { path_beg /b${b}/ }`)
  out.push('    default_backend be0', '')
  for (let b = 0; b < backends; b++) {
    out.push(`backend be${b}`, b % 4 === 3 ? '    balance source\n    hash-type consistent' : '    balance roundrobin')
    for (let s = 0; s < perBackend; s++) {
      const n = b * perBackend + s
      out.push(`    server s${s} 10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:80 weight ${1 + (s % 4)}`)
    }
    out.push('')
  }
  return out.join('\n')
}

/** `n` distinct networks: /24s, /28s and hosts spread over 1.0.0.0–223.255.255.255. */
export function cidrList(n: number): string[] {
  const out: string[] = []
  let x = 0x01000000
  for (let i = 0; i < n; i++) {
    x = (x + 0x9e37 * 257 + (i % 7) * 4099) >>> 0
    if (x >= 0xe0000000) x = 0x01000000 + (x % 0x10000000)
    const a = (x >>> 24) & 255
    const b = (x >>> 16) & 255
    const c = (x >>> 8) & 255
    const d = x & 255
    const kind = i % 3
    out.push(kind === 0 ? `${a}.${b}.${c}.0/24` : kind === 1 ? `${a}.${b}.${c}.${d & 0xf0}/28` : `${a}.${b}.${c}.${d}`)
  }
  return out
}
