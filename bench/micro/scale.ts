/**
 * @module
 * Scale benchmarks: a 100k-network `src -f` ACL, a 1,000-server consistent-hash ring, and
 * stick-table throughput (one StickShard, shards spread by key, the engine's in-isolate table).
 */
import { createBalancer } from '../../src/balance/index.ts'
import type { LbServer } from '../../src/balance/types.ts'
import { createEngine } from '../../src/engine/index.ts'
import { RequestState } from '../../src/engine/request-state.ts'
import type { StickTableSpec } from '../../src/routemap/schema.ts'
import { defaultRegistry } from '../../src/sample/index.ts'
import type { StickOp } from '../../src/state/memory-stick.ts'
import { MemoryStickTable } from '../../src/state/memory-stick.ts'
import { memoryShardStorage, type ShardSpec, StickShard, shardCount, shardOf } from '../../src/state/stick-shard.ts'
import { nowNs, round, timeBatches } from '../lib/stats.ts'
import { cidrList, compileOrThrow } from './configs.ts'
import { rngU32 as rng } from '../lib/rng.ts'
import type { LookupFigure, MicroResults } from './types.ts'

export interface ScaleOptions {
  readonly quick: boolean
}

function lookup(op: (i: number) => unknown, quick: boolean, batch = 10_000): LookupFigure {
  const r = timeBatches(op, { batch, batches: quick ? 30 : 200, warmup: quick ? 5 : 20, maxMs: quick ? 800 : 8000 })
  return { medianNs: round(r.medianNs, 1), p99Ns: round(r.p99Ns, 1), iterations: r.iterations }
}

/** Client addresses, half of them inside the list's networks. */
function probeAddresses(nets: readonly string[], n: number): string[] {
  const r = rng(3)
  return Array.from({ length: n }, (_, i) => {
    if (i % 2 === 0) {
      const net = nets[r() % nets.length] as string
      const [a = '0'] = net.split('/')
      return a
    }
    return `${(r() % 223) + 1}.${r() % 256}.${r() % 256}.${r() % 256}`
  })
}

export function runCidr(opts: ScaleOptions): MicroResults['cidr100k'] {
  const entries = 100_000
  const nets = cidrList(entries)
  const text = `defaults\n    mode http\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\nfrontend fe\n    bind *:80\n    acl blocked src -f /blocked.lst\n    http-request deny if blocked\n    default_backend be\nbackend be\n    server s1 192.0.2.1:80\n`
  const routeMap = compileOrThrow('cidr.cfg', text, { '/blocked.lst': `${nets.join('\n')}\n` })
  const acl = routeMap.frontends[0]?.acls[0]
  const t = acl?.tests[0]
  if (!acl || !t) throw new Error('cidr.cfg: no ACL')
  const def = defaultRegistry.match(t.match)
  if (!def) throw new Error(`no match method ${t.match}`)
  const matcher = def.build(t.data, { icase: false })
  const addrs = probeAddresses(nets, 4096)
  const samples = addrs.map((a) => ({ type: 'ip' as const, value: a }))
  const hits = samples.filter((s) => matcher(s)).length
  if (hits < samples.length / 2) throw new Error(`cidr: ${hits} of ${samples.length} probes matched, expected at least half`)
  const rtAcl = createEngine(routeMap).hydrated.frontends[0]?.acls[0]
  if (!rtAcl) throw new Error('cidr.cfg: no hydrated ACL')
  const ctxs = addrs.map((a) => new RequestState({ method: 'GET', url: 'http://example.com/', headers: [], src: a }, 'fe', () => 0))
  const mask = addrs.length - 1
  return {
    entries,
    matcher: lookup((i) => matcher(samples[i & mask] as (typeof samples)[number]), opts.quick),
    acl: lookup((i) => rtAcl.test(ctxs[i & mask] as RequestState), opts.quick),
    targetNs: 1000,
  }
}

export function runChash(opts: ScaleOptions): MicroResults['chash1000'] {
  const n = 1000
  const servers: LbServer[] = Array.from({ length: n }, (_, i) => ({ id: i + 1, index: i, name: `s${i + 1}`, weight: 1 + (i % 4), backup: false }))
  const t0 = nowNs()
  const lb = createBalancer({ algo: 'source' }, { type: 'consistent', fn: 'sdbm', avalanche: false }, servers, { allbackups: false })
  const buildMs = (nowNs() - t0) / 1e6
  const r = rng(4)
  const reqs = Array.from({ length: 4096 }, () => ({ src: `${(r() % 223) + 1}.${r() % 256}.${r() % 256}.${r() % 256}`, uri: '/', header: () => undefined }))
  const used = new Set(reqs.map((q) => lb.pick({ request: q })?.server.id))
  if (used.size < 500) throw new Error(`chash: only ${used.size} servers picked`)
  const fig = lookup((i) => lb.pick({ request: reqs[i & 4095] as (typeof reqs)[number] }), opts.quick)
  return { ...fig, servers: n, buildMs: round(buildMs, 2), targetNs: 1000 }
}

const TRACK: readonly StickOp[] = [{ op: 'request' }]

export function runStick(opts: ScaleOptions): MicroResults['stick'] {
  // 800k entries: 16 shards of 50k; the keys stay under one shard's capacity (no eviction).
  const spec: StickTableSpec = {
    name: 'fe',
    type: 'ip',
    keyLength: 0,
    size: 800_000,
    expireMs: 30_000,
    nopurge: false,
    store: [{ type: 'http_req_rate', periodMs: 10_000 }, { type: 'http_req_cnt' }],
    consistency: 'fast',
    origin: { file: 'bench', line: 0 },
  }
  const wire: ShardSpec = { name: spec.name, size: spec.size, expireMs: spec.expireMs, nopurge: spec.nopurge, store: spec.store }
  const keys = 40_000
  const r = rng(5)
  const keyList = Array.from({ length: keys }, () => `${(r() % 223) + 1}.${r() % 256}.${r() % 256}.${r() % 256}`)
  const mask = 65535
  const order = Array.from({ length: mask + 1 }, () => keyList[r() % keys] as string)
  const t0 = 1_700_000_000_000
  const batch = 5000
  const bo = { batch, batches: opts.quick ? 20 : 150, warmup: opts.quick ? 3 : 10, maxMs: opts.quick ? 800 : 8000 }

  const one = new StickShard(memoryShardStorage())
  const oneRes = timeBatches((i) => one.track(wire, order[i & mask] as string, t0 + (i >> 10), TRACK), bo)

  const shards = shardCount(spec.size)
  const many = Array.from({ length: shards }, () => new StickShard(memoryShardStorage()))
  const shardOfKey = new Map(keyList.map((k) => [k, shardOf(spec, k)]))
  if (new Set(shardOfKey.values()).size !== shards) throw new Error('stick: keys do not reach every shard')
  const manyRes = timeBatches((i) => {
    const k = order[i & mask] as string
    return (many[shardOf(spec, k)] as StickShard).track(wire, k, t0 + (i >> 10), TRACK)
  }, bo)

  const table = new MemoryStickTable(spec)
  const memRes = timeBatches((i) => {
    const now = t0 + (i >> 10)
    const e = table.touch(order[i & mask] as string, now)
    if (e) table.apply(e, TRACK, now)
    return e
  }, bo)

  const perSec = (ns: number): number => Math.round(1e9 / ns)
  return {
    oneShardOpsPerSec: perSec(oneRes.medianNs),
    shardedOpsPerSec: perSec(manyRes.medianNs),
    shards,
    keys,
    memoryTableOpsPerSec: perSec(memRes.medianNs),
  }
}
