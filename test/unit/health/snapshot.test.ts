import { describe, expect, it } from 'vitest'
import { type HealthSnapshot, SnapshotCache, statesFromSnapshots } from '../../../src/health/snapshot.ts'
import { formatCheckInfo } from '../../../src/health/status.ts'
import { manualClock } from './fakes.ts'

function snap(backend: string, up: Record<string, [boolean, boolean]>, minInterMs = 2000): HealthSnapshot {
  const servers: Record<string, HealthSnapshot['servers'][string]> = {}
  for (const [name, [u, usable]] of Object.entries(up)) {
    servers[name] = {
      up: u,
      usable,
      status: u ? 'UP' : 'DOWN',
      state: u ? 'RUNNING' : 'STOPPED',
      checkStatus: 'L7OK',
      checkDesc: 'Layer7 check passed',
      health: u ? 4 : 0,
      rise: 2,
      fall: 3,
      lastChange: 0,
      nextCheck: 0,
      effectiveWeightPct: u ? 100 : 0,
      failedChecks: 0,
      downTransitions: 0,
      hanaFailures: 0,
    }
  }
  return { backend, routeMapHash: 'h', generatedAt: 0, minInterMs, servers }
}

describe('statesFromSnapshots', () => {
  it('reads up/usable; servers or backends without a snapshot are UP ("no check")', () => {
    const m = new Map([['be', snap('be', { a: [true, true], b: [false, false], c: [true, false] })]])
    const st = statesFromSnapshots((b) => m.get(b))
    expect([st.isUp('be', 'a'), st.isUp('be', 'b'), st.isUp('be', 'c'), st.isUp('be', 'unchecked'), st.isUp('other', 'x')]).toEqual([true, false, true, true, true])
    expect([st.isUsable('be', 'a'), st.isUsable('be', 'b'), st.isUsable('be', 'c')]).toEqual([true, false, false])
  })
})

describe('SnapshotCache', () => {
  it('loads stale snapshots at most every min(minInter, 2 s), one load per backend at a time, keeping the last good one', async () => {
    const clock = manualClock(0)
    let loads = 0
    let fail = false
    const cache = new SnapshotCache({
      now: clock.now,
      load: async (b) => {
        loads++
        if (fail) throw new Error('overloaded')
        return snap(b, { a: [loads % 2 === 1, true] }, 500)
      },
    })
    expect(cache.states.isUp('be', 'a')).toBe(true)
    await Promise.all([cache.refresh(['be']), cache.refresh(['be'])])
    expect(loads).toBe(1)
    expect(cache.states.isUp('be', 'a')).toBe(true)
    clock.advance(400)
    await cache.refresh(['be'])
    expect(loads).toBe(1)
    clock.advance(100)
    await cache.refresh(['be'])
    expect(loads).toBe(2)
    expect(cache.states.isUp('be', 'a')).toBe(false)
    fail = true
    clock.advance(600)
    await cache.refresh(['be'])
    expect(loads).toBe(3)
    expect(cache.get('be')?.servers.a?.up).toBe(false)
  })
})

describe('formatCheckInfo (check.c check_append_info)', () => {
  it('adds the code for layer-7 statuses and quotes the info', () => {
    expect(formatCheckInfo({ status: 'L4CON', info: 'Connection refused', durationMs: 0 })).toBe('reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms')
    expect(formatCheckInfo({ status: 'L7OK', code: 200, durationMs: 3 })).toBe('reason: Layer7 check passed, code: 200, check duration: 3ms')
    expect(formatCheckInfo({ status: 'HANA', info: 'x', durationMs: -1 })).toBe('reason: Health analyze, info: "x"')
  })
})
