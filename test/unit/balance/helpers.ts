/**
 * Shared helpers of the balance tests: build a backend from a compact description and run picks.
 *
 * Server list: space-separated tokens, one per `server` line in order (s1, s2, …):
 *   `3` weight 3 · `2b` backup · `1x` disabled (not usable) · `1d` dead (connection refused; the
 *   retry avoids it) · `1#7` explicit `id 7`. Suffixes combine: `2bx`, `10#100`.
 * Results: the server numbers of the picks ("1 2 1 3"), `-` when no server is returned.
 */
import { createBalancer } from '../../../src/balance/index.ts'
import type { Balancer, BalanceSpec, HashRequest, HashSpec, LbServer, PickInput } from '../../../src/balance/types.ts'

export interface Backend {
  readonly usable: LbServer[]
  /** Weights of every configured server (BalancerOptions.configuredWeights). */
  readonly weights: number[]
  /** Ids of the servers whose connections fail. */
  readonly dead: Set<number>
}

/** Parses the compact server list; ids are assigned as HAProxy does (first free id from 1). */
export function backend(spec: string): Backend {
  const toks = spec.trim().split(/\s+/)
  const parsed = toks.map((t) => {
    const m = /^(\d+)([bxd]*)(?:#(\d+))?$/.exec(t)
    if (!m) throw new Error(`bad server token ${t}`)
    const flags = m[2] ?? ''
    return { weight: Number(m[1]), backup: flags.includes('b'), disabled: flags.includes('x'), dead: flags.includes('d'), id: m[3] === undefined ? undefined : Number(m[3]) }
  })
  const used = new Set(parsed.flatMap((p) => (p.id === undefined ? [] : [p.id])))
  let next = 1
  const usable: LbServer[] = []
  const dead = new Set<number>()
  parsed.forEach((p, index) => {
    let id = p.id
    if (id === undefined) {
      while (used.has(next)) next++
      id = next
      used.add(id)
    }
    next++
    if (!p.disabled) usable.push({ id, index, name: `s${index + 1}`, weight: p.weight, backup: p.backup })
    if (p.dead) dead.add(id)
  })
  return { usable, weights: parsed.map((p) => p.weight), dead }
}

/** `balance` arguments as written in haproxy.cfg. */
export function balanceSpec(text: string): BalanceSpec {
  const w = text.split(/\s+/)
  const t = w[0] ?? ''
  if (t === 'uri') {
    let len = 0
    let depth = 0
    for (let i = 1; i < w.length; i++) {
      if (w[i] === 'len') len = Number(w[++i])
      else if (w[i] === 'depth') depth = Number(w[++i])
    }
    return { algo: 'uri', len, depth, whole: w.includes('whole'), pathOnly: w.includes('path-only') }
  }
  if (t === 'url_param') return { algo: 'url_param', param: w[1] ?? '', checkPost: w[2] === 'check_post' }
  const hdr = /^hdr\((.+)\)$/.exec(t)
  if (hdr) return { algo: 'hdr', header: hdr[1] ?? '', useDomainOnly: w[1] === 'use_domain_only' }
  const rnd = /^random(?:\((\d+)\))?$/.exec(t)
  if (rnd) return { algo: 'random', draws: Number(rnd[1] ?? 2) }
  if (t === 'roundrobin' || t === 'static-rr' || t === 'leastconn' || t === 'first' || t === 'source') return { algo: t }
  throw new Error(`bad balance ${text}`)
}

/** `hash-type` arguments as written in haproxy.cfg ("" or undefined: no hash-type line). */
export function hashSpec(text: string | undefined): HashSpec {
  if (!text) return { type: 'map-based', fn: 'sdbm', avalanche: false }
  const [type, fn, mod] = text.split(/\s+/) as [HashSpec['type'], HashSpec['fn'] | undefined, string | undefined]
  if (!fn) return { type, fn: 'sdbm', avalanche: type === 'consistent' }
  return { type, fn, avalanche: mod === 'avalanche' }
}

export function makeBalancer(balance: string, hashType: string | undefined, servers: string, allbackups = false): { lb: Balancer; be: Backend } {
  const be = backend(servers)
  const lb = createBalancer(balanceSpec(balance), hashSpec(hashType), be.usable, { allbackups, configuredWeights: be.weights })
  return { lb, be }
}

/** What a test request carries: target, client address, headers. */
export interface RequestSpec {
  readonly path?: string
  readonly src?: string
  readonly headers?: Readonly<Record<string, string>>
}

/** A request for the hashing algorithms. Header names are case-insensitive. */
export function request(r: RequestSpec): HashRequest {
  const headers = Object.entries(r.headers ?? {})
  return {
    src: r.src ?? '127.0.0.1',
    uri: r.path ?? '/',
    header: (n) => headers.find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1],
  }
}

/** Server number of a pick, or '-'. */
export function num(p: { server: LbServer } | undefined): string {
  return p ? p.server.name.slice(1) : '-'
}

/**
 * Runs one pick per input, like HAProxy with `retries 1` and `option redispatch 1`: a pick that
 * lands on a dead server is retried once avoiding it; a dead result is reported as '-' (503).
 */
export function runPicks(lb: Balancer, be: Backend, inputs: readonly PickInput[]): string {
  return inputs
    .map((input) => {
      let p = lb.pick(input)
      if (p && be.dead.has(p.server.id)) p = lb.pick({ ...input, avoid: new Set([p.server.id]) })
      return p && be.dead.has(p.server.id) ? '-' : num(p)
    })
    .join(' ')
}

/** One pick input per request. */
export function requests(list: readonly RequestSpec[]): PickInput[] {
  return list.map((r) => ({ request: request(r) }))
}

/** `n` picks with the same input. */
export function times(n: number, input: PickInput = {}): PickInput[] {
  return Array.from({ length: n }, () => input)
}

/** One case measured on HAProxy: the backend, the requests, and the servers that answered. */
export interface MeasuredCase {
  readonly name: string
  readonly balance: string
  readonly hashType?: string
  readonly servers: string
  readonly allbackups?: boolean
  readonly inputs: readonly PickInput[]
  /** Server numbers, '-' for a 503. */
  readonly expected: string
}
