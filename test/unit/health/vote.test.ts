/**
 * The majority vote of `health-regions` (src/health/vote.ts): a server is DOWN only when a strict
 * majority of the configured regions says so; regions that have not reported count as UP.
 */
import { describe, expect, it } from 'vitest'
import type { HealthSnapshot, ServerSnapshot } from '../../../src/health/snapshot.ts'
import { combineSources, regionOfSource, voteSnapshots } from '../../../src/health/vote.ts'
import { serverSnapshot } from '../../helpers/server-snapshot.ts'

const REGIONS = ['wnam', 'weur', 'apac']

const srv = serverSnapshot

function snap(region: string, servers: Record<string, ServerSnapshot>, generatedAt = 1000): HealthSnapshot {
  return { backend: 'be', routeMapHash: 'h', generatedAt, minInterMs: 2000, servers, regions: REGIONS, region }
}

const view = (s: HealthSnapshot | undefined) => Object.fromEntries(Object.entries(s?.servers ?? {}).map(([n, x]) => [n, `${x.up ? 'up' : 'down'}/${x.usable ? 'usable' : 'unusable'} ${x.status}`]))

describe('voteSnapshots', () => {
  it('DOWN only when a strict majority of the configured regions says so', () => {
    const one = voteSnapshots(REGIONS, { wnam: snap('wnam', { a: srv(false), b: srv(true) }), weur: snap('weur', { a: srv(true), b: srv(true) }), apac: snap('apac', { a: srv(true), b: srv(true) }) })
    expect(view(one)).toEqual({ a: 'up/usable UP', b: 'up/usable UP' })
    const two = voteSnapshots(REGIONS, { wnam: snap('wnam', { a: srv(false) }), weur: snap('weur', { a: srv(false) }), apac: snap('apac', { a: srv(true) }) })
    expect(view(two)).toEqual({ a: 'down/unusable DOWN' })
  })

  it('a region that has not reported counts as UP', () => {
    const m = new Map([['wnam', snap('wnam', { a: srv(false) })]])
    expect(view(voteSnapshots(REGIONS, m))).toEqual({ a: 'up/usable DOWN' })
    m.set('weur', snap('weur', { a: srv(false) }))
    expect(view(voteSnapshots(REGIONS, m))).toEqual({ a: 'down/unusable DOWN' })
    expect(voteSnapshots(REGIONS, new Map())).toBeUndefined()
  })

  it('two regions: both must say DOWN', () => {
    const r = ['wnam', 'weur']
    expect(view(voteSnapshots(r, { wnam: snap('wnam', { a: srv(false) }), weur: snap('weur', { a: srv(true) }) }))).toEqual({ a: 'up/usable UP' })
    expect(view(voteSnapshots(r, { wnam: snap('wnam', { a: srv(false) }), weur: snap('weur', { a: srv(false) }) }))).toEqual({ a: 'down/unusable DOWN' })
  })

  it('votes up and usable separately (a drained or NOLB server stays up for persistence)', () => {
    const nolb = srv(true, { usable: false, status: 'NOLB', state: 'STOPPING' })
    const v = voteSnapshots(REGIONS, { wnam: snap('wnam', { a: nolb }), weur: snap('weur', { a: nolb }), apac: snap('apac', { a: srv(true) }) })
    expect(view(v)).toEqual({ a: 'up/unusable NOLB' })
  })

  it("takes the other fields from the first region that agrees with the majority, the agent's weight included", () => {
    const v = voteSnapshots(REGIONS, {
      wnam: snap('wnam', { a: srv(false) }),
      weur: snap('weur', { a: srv(true, { agentWeight: 50, checkStatus: 'L7OK' }) }),
      apac: snap('apac', { a: srv(true, { agentWeight: 60 }) }),
    })
    expect(v?.servers.a).toMatchObject({ up: true, agentWeight: 50 })
    expect(v?.regions).toBeUndefined()
    expect(v?.region).toBeUndefined()
  })

  it('the newest configuration gives the backend fields; servers of any region vote', () => {
    const v = voteSnapshots(REGIONS, { wnam: { ...snap('wnam', { a: srv(true) }, 1000), routeMapHash: 'old' }, weur: { ...snap('weur', { a: srv(true), b: srv(false) }, 2000), routeMapHash: 'new' } })
    expect(v?.routeMapHash).toBe('new')
    expect(v?.generatedAt).toBe(2000)
    expect(view(v)).toEqual({ a: 'up/usable UP', b: 'up/usable DOWN' })
  })
})

describe('regionOfSource', () => {
  it('reads the region from a group name', () => {
    expect(regionOfSource('group:weur')).toBe('weur')
    expect(regionOfSource('group:default')).toBeUndefined()
  })
})

describe('combineSources (what the hub holds per backend)', () => {
  it("one source: the newest snapshot; regions: a vote among the newest configuration's regions", () => {
    const plain = (t: number, up: boolean): HealthSnapshot => ({ backend: 'be', routeMapHash: 'h', generatedAt: t, minInterMs: 2000, servers: { a: srv(up) } })
    expect(combineSources([plain(1, true), plain(2, false)])?.servers.a?.up).toBe(false)
    expect(combineSources([])).toBeUndefined()
    const v = combineSources([snap('wnam', { a: srv(false) }, 1), snap('weur', { a: srv(false) }, 2), snap('apac', { a: srv(true) }, 3)])
    expect(view(v)).toEqual({ a: 'down/unusable DOWN' })
    // A region dropped from the list no longer votes.
    const two = ['weur', 'apac']
    const w = combineSources([snap('wnam', { a: srv(false) }, 1), { ...snap('weur', { a: srv(false) }, 2), regions: two }, { ...snap('apac', { a: srv(true) }, 3), regions: two }])
    expect(view(w)).toEqual({ a: 'up/usable UP' })
  })
})
