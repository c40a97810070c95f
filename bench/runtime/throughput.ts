/**
 * @module
 * Throughput on loopback with wrk: the origin direct, HAProxy, edgeproxy in workerd and a bare
 * pass-through Worker in the same workerd, one after another with the same wrk parameters. The
 * edgeproxy/bare pair runs alternately (twice each) and the best run of each is reported.
 */
import { runWrk, type WrkResult } from '../lib/procs.ts'
import type { ThroughputResults, ThroughputTarget } from './types.ts'

export interface ThroughputInput {
  readonly quick: boolean
  readonly originUrl: string
  readonly haproxyUrl: string
  /** HAProxy with `option http-keep-alive` (full mode), already running. */
  readonly haproxyKeepAliveUrl?: string
  readonly edgeproxyUrl: string
  readonly bareUrl: string
  readonly barePumpUrl?: string
  readonly config: string
  readonly log: (line: string) => void
}

export const THREADS = 2
export const CONNECTIONS = 16

/** Fails when a target does not answer 200 (and, for the proxies, without the seed's HSTS header: the wrong frontend). */
export async function sanity(url: string, proxy: boolean): Promise<void> {
  const r = await fetch(url)
  await r.arrayBuffer()
  if (r.status !== 200) throw new Error(`${url} answered ${r.status}`)
  if (proxy && !r.headers.get('strict-transport-security')) throw new Error(`${url} did not go through the seed's http_front (no Strict-Transport-Security)`)
}

function target(what: string, runs: readonly WrkResult[]): ThroughputTarget {
  const best = runs.reduce((a, b) => (b.rps > a.rps ? b : a))
  return {
    what,
    requestsPerSec: Math.round(best.rps),
    p50Ms: best.latencyMs.p50,
    p99Ms: best.latencyMs.p99,
    requests: best.requests,
    non2xx3xx: best.non2xx3xx,
    socketErrors: best.socketErrors,
    runsRequestsPerSec: runs.map((r) => Math.round(r.rps)),
  }
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000

export async function measureThroughput(i: ThroughputInput): Promise<ThroughputResults> {
  const durationS = i.quick ? 2 : 10
  const wrk = (url: string, d = durationS) => runWrk({ url, threads: THREADS, connections: CONNECTIONS, durationS: d })
  await sanity(`${i.originUrl}/`, false)
  await sanity(`${i.haproxyUrl}/`, true)
  await sanity(`${i.edgeproxyUrl}/`, true)
  await sanity(`${i.bareUrl}/`, false)
  const step = async (name: string, url: string): Promise<WrkResult> => {
    const r = await wrk(`${url}/`)
    i.log(`throughput ${name}: ${Math.round(r.rps)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms${r.non2xx3xx ? `, ${r.non2xx3xx} non-2xx` : ''}`)
    return r
  }
  const origin = await step('origin', i.originUrl)
  const haproxy = await step('haproxy', i.haproxyUrl)
  const haproxyKa = i.haproxyKeepAliveUrl ? await step('haproxy keep-alive', i.haproxyKeepAliveUrl) : undefined
  // Warm both Workers (JIT, connection pools) before the measured pair: 1 s of wrk each (quick: 200 requests).
  for (const url of [i.edgeproxyUrl, i.bareUrl]) {
    if (!i.quick) await wrk(`${url}/`, 1)
    else for (let k = 0; k < 200; k++) await (await fetch(`${url}/`)).arrayBuffer()
  }
  const ep: WrkResult[] = []
  const bare: WrkResult[] = []
  for (let k = 0; k < 2; k++) {
    ep.push(await step('edgeproxy', i.edgeproxyUrl))
    bare.push(await step('bare', i.bareUrl))
  }
  const pump = i.barePumpUrl ? await step('bare + body pump', i.barePumpUrl) : undefined
  // Full mode: one request at a time (wrk -c1), the per-request latency each Worker adds.
  let sequential: ThroughputResults['sequential']
  if (!i.quick) {
    const one = (url: string) => runWrk({ url: `${url}/`, threads: 1, connections: 1, durationS: 5 })
    const e = await one(i.edgeproxyUrl)
    const b = await one(i.bareUrl)
    const fig = (r: WrkResult) => ({ requestsPerSec: Math.round(r.rps), p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99, requests: r.requests, non2xx3xx: r.non2xx3xx, socketErrors: r.socketErrors })
    sequential = {
      wrk: 'wrk -t1 -c1 -d5s --latency URL/',
      edgeproxy: fig(e),
      bare: fig(b),
      addedP50Ms: Math.round((e.latencyMs.p50 - b.latencyMs.p50) * 1000) / 1000,
    }
    i.log(`sequential: edgeproxy p50 ${e.latencyMs.p50} ms, bare p50 ${b.latencyMs.p50} ms`)
  }
  const t = {
    origin: target('nginx direct', [origin]),
    haproxy: target('HAProxy 2.6 on the same config (option http-server-close, as the seed)', [haproxy]),
    edgeproxy: target('edgeproxy Worker (src/index.ts bundled) in workerd, direct socket', ep),
    bare: target('bare pass-through Worker in the same workerd, direct socket', bare),
  }
  const hk = haproxyKa ? target('HAProxy 2.6, same config with option http-keep-alive', [haproxyKa]) : undefined
  const bp = pump ? target('bare Worker + JS body pump through FixedLengthStream (diagnostic)', [pump]) : undefined
  const epOverBare = ratio(t.edgeproxy.requestsPerSec, t.bare.requestsPerSec)
  return {
    wrk: `wrk -t${THREADS} -c${CONNECTIONS} -d${durationS}s --latency URL/`,
    config: i.config,
    method:
      'One run, one after another: origin, HAProxy' +
      (hk ? ', HAProxy keep-alive' : '') +
      `, then (after a warm-up of each Worker: ${i.quick ? '200 requests' : '1 s of wrk'}) edgeproxy, bare, edgeproxy, bare; the best of the two runs of each Worker is reported` +
      (bp ? '; then the bare + body-pump diagnostic' : '') +
      (i.quick ? '' : '; then edgeproxy and bare one request at a time (wrk -t1 -c1 -d5s)') +
      '.',
    ...t,
    ...(hk ? { haproxyKeepAlive: hk } : {}),
    ...(bp ? { barePump: bp } : {}),
    ...(sequential ? { sequential } : {}),
    ratios: {
      edgeproxyOverBare: epOverBare,
      edgeproxyOverHaproxy: ratio(t.edgeproxy.requestsPerSec, t.haproxy.requestsPerSec),
      edgeproxyOverOrigin: ratio(t.edgeproxy.requestsPerSec, t.origin.requestsPerSec),
      bareOverOrigin: ratio(t.bare.requestsPerSec, t.origin.requestsPerSec),
      haproxyOverOrigin: ratio(t.haproxy.requestsPerSec, t.origin.requestsPerSec),
      ...(bp ? { barePumpOverBare: ratio(bp.requestsPerSec, t.bare.requestsPerSec) } : {}),
    },
    edgeproxyOverBareTarget: 0.9,
    edgeproxyOverBareMet: epOverBare >= 0.9,
  }
}
