/**
 * The quick edge simulation (`npm run sim -- --quick`, bench/sim): runs in a child process (it
 * replaces the global clock and timers), then its results must be well-formed — the model's RTT
 * matrix symmetric and positive, every location served by an object site, every scenario run
 * with its measurements, requests counted once from the traffic to the hub, and the cost
 * formula compared. No timing is asserted: the figures are the simulation's findings.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SimResults } from '../../../bench/sim/measure.ts'
import { buildLocations, FULL, REGIONS, World } from '../../../bench/sim/model.ts'
import { QUICK_TIMELINE } from '../../../bench/sim/scenarios.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')

describe('edge simulation model', () => {
  const world = new World(FULL)

  it('has the locations asked for, their traffic shares summing to 1', () => {
    expect(world.locations).toHaveLength(300)
    expect(new Set(world.locations.map((l) => l.id)).size).toBe(300)
    expect(world.locations.reduce((a, l) => a + l.share, 0)).toBeCloseTo(1, 9)
    expect(buildLocations(4, 1)).toHaveLength(4)
  })

  it('has an RTT matrix that is symmetric, positive, and grows with distance', () => {
    const n = world.locations.length
    const bad: string[] = []
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const v = world.rtt[i]?.[j] as number
        if (!(v > 0) || v !== world.rtt[j]?.[i]) bad.push(`${world.locations[i]?.id}→${world.locations[j]?.id}: ${v}`)
      }
    expect(bad).toEqual([])
    // Same city < across an ocean.
    expect(world.rttMs('FRA', 'FRA')).toBeLessThan(world.rttMs('FRA', 'AMS'))
    expect(world.rttMs('FRA', 'AMS')).toBeLessThan(world.rttMs('FRA', 'SYD'))
    expect(world.rttMs('IAD', 'SYD')).toBeGreaterThan(150)
  })

  it('maps every location and every location hint to a site that hosts objects', () => {
    for (const l of world.locations) expect(world.placeObject(l.id).doSite).toBe(true)
    for (const r of REGIONS) expect(world.placeObject('FRA', r).doSite).toBe(true)
    // A hint wins over the caller's own neighbourhood.
    expect(world.placeObject('FRA', 'apac').region).toBe('apac')
    expect(world.placeObject('FRA').region).toBe('weur')
  })

  it('runs at least one isolate per location, more where the traffic is', () => {
    const counts = world.locations.map((l) => world.isolatesFor(l))
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1)
    expect(Math.max(...counts)).toBeGreaterThan(10)
  })
})

describe('quick edge simulation', () => {
  let r: SimResults
  beforeAll(() => {
    const out = join(mkdtempSync(join(tmpdir(), 'edgeproxy-sim-')), 'sim.json')
    execFileSync(process.execPath, [join(ROOT, 'bench', 'sim', 'run.ts'), '--quick', '--out', out, '--no-plot'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 })
    r = JSON.parse(readFileSync(out, 'utf8')) as SimResults
  }, 150_000)

  it('ran the quick model: a few locations, a few isolates, real requests through the engine', () => {
    expect(r.quick).toBe(true)
    expect(r.model.locationCount).toBeGreaterThanOrEqual(3)
    expect(r.model.locationCount).toBeLessThanOrEqual(5)
    expect(r.model.meanIsolates).toBeGreaterThanOrEqual(r.model.locationCount)
    expect(r.realRequests).toBeGreaterThan(1000)
    // Requests were answered by the engine: successes, the rate limit's 429s.
    expect(r.statuses['200'] ?? 0).toBeGreaterThan(0)
    expect(r.statuses['429'] ?? 0).toBeGreaterThan(0)
  })

  it('counts every request once: generated = ended in the isolates = the hub + what was lost on the way', () => {
    const c = r.consistency
    expect(c.generated).toBeGreaterThan(0)
    expect(c.accounted).toBe(c.generated)
    expect(c.hubFinal).toBeGreaterThan(0)
    expect(c.hubFinal + c.lostEvicted + c.lostSyncs).toBe(c.accounted)
    expect(c.unaccounted).toBe(0)
  })

  it('ran every scenario and measured it', () => {
    expect(r.admin.map((a) => a.command)).toEqual(QUICK_TIMELINE.admin.map((a) => a.command))
    for (const a of r.admin) expect(a.n).toBeGreaterThanOrEqual(r.model.locationCount)
    expect(r.push.learnedMs.n).toBeGreaterThanOrEqual(r.model.locationCount)
    expect(r.failure.learnedMs.n).toBeGreaterThanOrEqual(r.model.locationCount)
    expect(r.failure.perLocation.length).toBeGreaterThan(0)
    expect(r.counters.samples).toBeGreaterThan(0)
    expect(r.cold.starts).toBeGreaterThanOrEqual(r.model.meanIsolates)
    expect(r.clients.map((c) => c.locations.length)).toEqual(QUICK_TIMELINE.clients.spreads.map((n) => Math.min(n, r.model.locationCount)))
    for (const c of r.clients) {
      expect(c.sent).toBeGreaterThan(c.limit)
      expect(c.admitted).toBeLessThanOrEqual(c.sent)
    }
  })

  it('metered the objects of every binding, placed at object sites', () => {
    const bindings = new Set(r.objects.map((o) => o.binding))
    expect([...bindings].sort()).toEqual(['HEALTH', 'RUNTIME', 'STICK'])
    for (const o of r.objects) {
      expect(r.model.doSites).toContain(o.location)
      expect(o.peakRps).toBeGreaterThan(0)
      expect(o.steadyPeakRps).toBeLessThanOrEqual(o.peakRps)
    }
  })

  it('compares the cost formula with its own counts, per source', () => {
    const sources = r.cost.perMillion.map((s) => s.source)
    for (const s of ['health', 'snapshots', 'runtime', 'kv-poll', 'stick']) expect(sources).toContain(s)
    for (const row of [...r.cost.perMillion, r.cost.totals])
      for (const m of ['doRequests', 'rowsRead', 'rowsWritten', 'kvReads'] as const) {
        expect(Number.isFinite(row[m].sim)).toBe(true)
        expect(Number.isFinite(row[m].formula)).toBe(true)
      }
    expect(r.cost.totals.doRequests.sim).toBeGreaterThan(0)
    expect(r.cost.totals.doRequests.formula).toBeGreaterThan(0)
  })

  it('states every target with a verdict', () => {
    expect(r.targets.length).toBeGreaterThanOrEqual(9)
    for (const t of r.targets) {
      expect(typeof t.met).toBe('boolean')
      expect(t.met).toBe(t.miss === 0)
    }
  })
})
