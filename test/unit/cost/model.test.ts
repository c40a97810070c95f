import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { costSummary } from '../../../src/cli/cost.ts'
import { main } from '../../../src/cli/main.ts'
import {
  assumptions,
  CHECKPOINT_MS,
  type CostEstimate,
  CRON_MS,
  GROUP_TOUCH_PERSIST_MS,
  defaultIsolates,
  estimate,
  FLUSH_LONG_MS,
  FLUSH_SHORT_MS,
  fastFlushesPerSecond,
  HOME_SYNC_MS,
  PERSIST_MS,
  POLL_MS,
  SNAPSHOT_MAX_AGE_MS,
  SYNC_MS,
} from '../../../src/cost/model.ts'
import { GROUP_TOUCH_PERSIST_MS as GROUP_TOUCH_CODE } from '../../../src/health/group.ts'
import { CHECKPOINT_MS as CHECKPOINT_CODE } from '../../../src/health/monitor.ts'
import { SNAPSHOT_MAX_AGE_MS as SNAPSHOT_CODE } from '../../../src/health/snapshot.ts'
import * as plane from '../../../src/ops/plane.ts'
import * as model from '../../../src/cost/model.ts'
import { DEFAULT_POLL_MS } from '../../../src/routemap/live.ts'
import { cfg, routeMapOf } from '../../helpers/cfg.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const SEED_FILE = join(ROOT, 'examples', 'haproxy.cfg')
const DAY = 86_400

const SEED = readFileSync(SEED_FILE, 'utf8')

function source(e: CostEstimate, name: string) {
  const s = e.sources.find((x) => x.name === name)
  if (!s) throw new Error(`no source ${name}`)
  return s.usage
}

const perDay = (v: number) => Math.round(v * DAY)

describe('the constants mirror the code', () => {
  it('sync, poll and snapshot intervals, the cron', () => {
    expect(SYNC_MS).toBe(plane.ISOLATE_SYNC_MS)
    const pairs: [string, number, number][] = [
      ['ISOLATE_SYNC_MAX_MS', model.ISOLATE_SYNC_MAX_MS, plane.ISOLATE_SYNC_MAX_MS],
      ['RELAY_TARGET_RPS', model.RELAY_TARGET_RPS, plane.RELAY_TARGET_RPS],
      ['RELAY_SYNC_MS', model.RELAY_SYNC_MS, plane.RELAY_SYNC_MS],
      ['POINTER_POLL_MS', model.POINTER_POLL_MS, plane.POINTER_POLL_MS],
      ['COUNTERS_PERSIST_MS', model.COUNTERS_PERSIST_MS, plane.COUNTERS_PERSIST_MS],
      ['RELAY_STALE_MS', model.RELAY_STALE_MS, plane.RELAY_STALE_MS],
    ]
    for (const [k, mirrored, code] of pairs) expect(mirrored, k).toBe(code)
    for (const n of [1, 100, 900, 901, 1200, 5000]) expect(model.nextSyncMs(n)).toBe(plane.nextSyncMs(n))
    expect(POLL_MS).toBe(DEFAULT_POLL_MS)
    expect(SNAPSHOT_MAX_AGE_MS).toBe(SNAPSHOT_CODE)
    expect(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')).toMatch(/^crons = \["\* \* \* \* \*"\]$/m)
    expect(CRON_MS).toBe(60_000)
    expect(CHECKPOINT_MS).toBe(CHECKPOINT_CODE)
    expect(GROUP_TOUCH_PERSIST_MS).toBe(GROUP_TOUCH_CODE)
    // The stick constants are imported from src/state/stick-replica.ts and stick-shard.ts; the
    // store's first flush waits FLUSH_SHORT_MS (src/state/remote-stick.ts).
    const stick = readFileSync(join(ROOT, 'src/state/remote-stick.ts'), 'utf8')
    expect(stick).toContain('this.#opts.flushMs ?? FLUSH_SHORT_MS')
    expect([FLUSH_SHORT_MS, FLUSH_LONG_MS, HOME_SYNC_MS, PERSIST_MS]).toEqual([100, 2_000, 2_000, 10_000])
  })
})

describe('the seed config at 1,000 req/s', () => {
  // 5 backends with checks, 11 checked servers, all `inter 2s`; 2 frontends; `track-sc0 src` on
  // every request of http_front into a 200k-entry exact table (5 shards).
  const map = routeMapOf(SEED)
  const e = estimate(map, assumptions(1000))

  it('assumes one isolate per location with traffic', () => {
    expect(e.assumptions).toMatchObject({ rps: 1000, locations: 300, isolates: 300 })
    expect(defaultIsolates(50, 300)).toBe(50)
    expect(defaultIsolates(0.2, 300)).toBe(1)
  })

  it('health: one group (no health-location), one alarm per inter, rows on checkpoints, configure once a minute', () => {
    const h = source(e, 'health')
    const alarms = DAY / 2 // 43,200: the 5 backends share one group and one alarm
    const configures = 1440
    expect(perDay(h.doRequests)).toBe(alarms + configures)
    expect(perDay(h.rowsRead)).toBe(0)
    // setAlarm per alarm, a checkpoint per checked server per minute at most (11 servers), the group's lease every 5 min.
    expect(perDay(h.rowsWritten)).toBe(alarms + 11 * 1440 + 288)
    expect(perDay(h.rowsWritten)).toBe(59_328)
    // The Free plan's daily limits hold for the monitors.
    expect(perDay(h.doRequests)).toBeLessThan(100_000)
    expect(perDay(h.rowsWritten)).toBeLessThan(100_000)
    expect(perDay(h.doGbS)).toBeLessThan(13_000)
  })

  it('health-regions multiply the groups; backends with one health-location share its group', () => {
    const regional = routeMapOf(
      SEED.replace('backend api_servers\n', 'backend api_servers\n    health-regions wnam,weur,apac\n').replace('backend ws_servers\n', 'backend ws_servers\n    health-location weur\n'),
    )
    const h = source(estimate(regional, assumptions(1000)), 'health')
    // Groups: default (web, static, canary), weur (ws, api), wnam (api), apac (api): 4 alarms per 2 s.
    expect(perDay(h.doRequests)).toBe(4 * (DAY / 2) + 4 * 1440)
  })

  it('the state plane: a relay sync per isolate every 3 s, a hub sync per relay every 6 s, the hub reads the pointer every second', () => {
    // Health reaches isolates with their relay sync: no snapshot loads.
    expect(perDay(source(e, 'snapshots').doRequests)).toBe(0)
    const rt = source(e, 'runtime')
    expect(perDay(rt.doRequests)).toBe(300 * (DAY / 3))
    expect(rt.rowsWritten).toBe(0)
    const relay = source(e, 'relay')
    expect(perDay(relay.doRequests)).toBe(300 * (DAY / 6))
    // The hub's counters once a minute (18 objects: 2 frontends, 5 backends, 11 servers), each relay's last contact every 5 minutes.
    expect(perDay(relay.rowsWritten)).toBe(18 * 1440 + 300 * 288)
    expect(perDay(source(e, 'kv-poll').kvReads)).toBe(DAY)
  })

  it('exact stick table (opt-in): one call per request, no row (counters and rates only)', () => {
    const exact = estimate(routeMapOf(SEED.replace('store http_req_rate(10s)', 'store http_req_rate(10s) consistency exact')), assumptions(1000))
    const s = source(exact, 'stick')
    expect(perDay(s.doRequests)).toBe(1000 * DAY)
    expect(s.rowsRead).toBe(0)
    expect(s.rowsWritten).toBe(0)
    // A table storing gpc0: one row per tracked request (upper bound) and a persist alarm per shard and PERSIST_MS.
    const gpc = estimate(routeMapOf(SEED.replace('store http_req_rate(10s)', 'store http_req_rate(10s),gpc0 consistency exact')), assumptions(1000))
    expect(perDay(source(gpc, 'stick').doRequests)).toBe(perDay(1000 + 5 * 0.1))
    expect(perDay(source(gpc, 'stick').rowsWritten)).toBe(perDay(1000 + 5 * 0.1))
  })

  it('fast stick table (the default): flushes per isolate and shard, replica syncs, no row', () => {
    const s = source(e, 'stick')
    // One isolate per location: 3.33 tracked requests/s over 5 shards, 0.667/s per shard, a flush
    // every FLUSH_LONG_MS (0.5/s); each replica syncs every HOME_SYNC_MS with a flush (no alarm).
    expect(fastFlushesPerSecond(2 / 3, 1)).toBe(0.5)
    const flushes = 300 * 5 * 0.5
    const syncs = 300 * 5 * 0.5
    expect(perDay(s.doRequests)).toBe(perDay(flushes + syncs))
    expect(s.rowsWritten).toBe(0)
    expect(s.rowsRead).toBe(0)
    // Ten isolates in each of 100 locations at 100,000 req/s: flushes every FLUSH_SHORT_MS, and the
    // replicas sync by alarm (alarm + update, setAlarm's row).
    const ten = source(estimate(routeMapOf(SEED), assumptions(100_000, { locations: 100, isolates: 1000 })), 'stick')
    expect(perDay(ten.doRequests)).toBe(perDay(1000 * 5 * 10 + 2 * 100 * 5 * 0.5))
    expect(perDay(ten.rowsWritten)).toBe(perDay(100 * 5 * 0.5))
    // Ten isolates per location: FLUSH_SHORT_MS each, when their traffic fills it.
    expect(fastFlushesPerSecond(100, 10)).toBe(10)
    expect(fastFlushesPerSecond(0.2, 10)).toBe(0.2)
    // 1M req/s over 300 one-isolate locations: the same number of calls (time-based flushes).
    const busy = estimate(routeMapOf(SEED), assumptions(1_000_000))
    expect(perDay(source(busy, 'stick').doRequests)).toBe(perDay(flushes + syncs))
  })

  it('prices: per million requests and the target it misses', () => {
    expect(e.marginalPerMillion.byMetric.workerRequests).toBeCloseTo(0.3, 3)
    // Rows written: no stick row for the seed's rate table, no counter row per sync: the monitors, the hub and the relays only.
    expect(e.marginalPerMillion.byMetric.rowsWritten).toBeLessThan(0.01)
    expect(e.marginalPerMillion.overhead).toBeGreaterThan(0.05)
    expect(e.monthly.total).toBeGreaterThan(0)
  })

  it('Free plan: exceeded by the traffic; health checks alone fit (one group, no snapshot loads)', () => {
    expect(e.free.fits).toBe(false)
    expect(e.healthFree.fits).toBe(true)
    expect(e.healthFree.exceeded).toEqual([])
  })
})

describe('other configs', () => {
  it('no checks, no stick table: the Worker and the isolates only', () => {
    const map = routeMapOf(cfg`
      defaults
        mode http
        timeout connect 5s
        timeout client 30s
        timeout server 30s
      frontend web
        bind *:80
        default_backend app
      backend app
        server s1 192.0.2.10:80
    `)
    const e = estimate(map, assumptions(1000))
    for (const name of ['health', 'snapshots', 'stick']) expect(source(e, name)).toEqual({ doRequests: 0, doGbS: 0, rowsRead: 0, rowsWritten: 0, kvReads: 0, workerRequests: 0 })
    expect(perDay(source(e, 'worker').workerRequests)).toBe(1000 * DAY)
    expect(e.sources.filter((s) => s.usage.doRequests > 0).map((s) => s.name)).toEqual(['runtime', 'relay', 'cron'])
  })

  const checks = (n: number, inter: string) =>
    routeMapOf(`defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend web
  bind *:80
  default_backend b0
${Array.from({ length: n }, (_, i) => `backend b${i}\n  option httpchk GET /\n  server s1 192.0.2.${i + 1}:80 check inter ${inter}\n  server s2 198.51.100.${i + 1}:80 check inter ${inter}\n`).join('')}`)

  it('health within the Free plan: 1 backend of 2 servers at inter 10s, one isolate', () => {
    const e = estimate(checks(1, '10s'), assumptions(1))
    // alarms 8,640 + configure 1,440 = 10,080 DO requests (health reaches isolates through the state plane); rows 8,640 + 2×1,440 + 288.
    expect(e.healthFree.fits).toBe(true)
    expect(perDay(source(e, 'health').doRequests + source(e, 'snapshots').doRequests)).toBe(10_080)
    expect(perDay(source(e, 'health').rowsWritten)).toBe(11_808)
  })

  it('10 backends of 2 servers at inter 2s: one monitor group fits', () => {
    const e = estimate(checks(10, '2s'), assumptions(1))
    // One group: alarms 43,200 + configure 1,440; rows 43,200 + 20×1,440 + 288; no snapshot loads (the state plane).
    expect(perDay(source(e, 'health').doRequests)).toBe(44_640)
    expect(perDay(source(e, 'health').rowsWritten)).toBe(72_288)
    expect(e.healthFree.fits).toBe(true)
  })
})

async function run(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('edgeproxy cost', () => {
  it('prints the table by default and the estimate with --json', async () => {
    const t = await run(['cost', '-f', SEED_FILE])
    expect(t.code).toBe(0)
    expect(t.out).toMatch(/^health\s+44,640\s/m)
    expect(t.out).toContain('Free plan: daily limits exceeded: DO requests')
    const j = await run(['cost', '-f', SEED_FILE, '--rps', '500', '--isolates', '20', '--locations', '100', '--json'])
    expect(j.code).toBe(0)
    const e = JSON.parse(j.out) as CostEstimate
    expect(e.assumptions).toMatchObject({ rps: 500, isolates: 20, locations: 100 })
    expect(e.sources.map((s) => s.name)).toEqual(['worker', 'health', 'snapshots', 'runtime', 'relay', 'kv-poll', 'stick', 'cron'])
    expect(Object.keys(e.perDay).sort()).toEqual(['doGbS', 'doRequests', 'kvReads', 'rowsRead', 'rowsWritten', 'workerRequests'])
    expect(typeof e.marginalPerMillion.overhead).toBe('number')
    expect(Array.isArray(e.free.exceeded)).toBe(true)
  })

  it('exits 2 on a bad option, 1 on a config error', async () => {
    for (const argv of [['--rps', '-5'], ['--rps', 'fast'], ['--isolates', '2.5'], ['--bogus']]) {
      const r = await run(['cost', '-f', SEED_FILE, ...argv])
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toContain('usage: edgeproxy cost')
    }
    const dir = mkdtempSync(join(tmpdir(), 'cost-'))
    const bad = join(dir, 'bad.cfg')
    writeFileSync(bad, 'frontend web\n  bind *:80\n  use_backend nowhere\n  frobnicate\n')
    const r = await run(['cost', '-f', bad])
    expect(r.code).toBe(1)
    expect(r.err).toContain('Fatal errors found in configuration')
  })

  it('the deploy --dry-run summary names the command for details', () => {
    const s = costSummary(routeMapOf(SEED), ['examples/haproxy.cfg'])
    expect(s).toContain('1,000 req/s (300 isolates)')
    expect(s).toContain('Free plan: exceeds DO requests')
    expect(s).toContain('(edgeproxy cost -f examples/haproxy.cfg for details)')
  })
})
