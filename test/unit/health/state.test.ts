import { describe, expect, it } from 'vitest'
import type { CheckTiming } from '../../../src/health/plan.ts'
import {
  applyResult,
  checkInterval,
  effectiveWeight,
  effectiveWeightPct,
  initialHealth,
  isUp,
  isUsable,
  nextDelay,
  type ServerHealth,
  scheduleNext,
  settle,
  statusText,
} from '../../../src/health/state.ts'
import type { CheckStatus } from '../../../src/health/status.ts'

const T: CheckTiming = { rise: 2, fall: 3, interMs: 2000, slowstartMs: 0 }
const T0 = 1_700_000_000_000

function run(h0: ServerHealth, t: CheckTiming, statuses: readonly CheckStatus[], now = T0): { h: ServerHealth; trace: string[] } {
  let h = h0
  const trace: string[] = []
  for (const st of statuses) {
    const r = applyResult(h, t, { status: st, durationMs: 1 }, now)
    h = r.health
    trace.push(`${h.health}:${statusText(h, t)}${r.transition ? `>${r.transition}` : ''}`)
  }
  return { h, trace }
}

describe('rise/fall state machine (check.c set_server_check_status)', () => {
  it('starts UP with health = rise; the first failure marks it DOWN', () => {
    const h = initialHealth(T, false, T0)
    expect(h).toMatchObject({ health: 2, state: 'RUNNING', checkStatus: 'INI' })
    expect(statusText(h, T)).toBe('UP 1/3')
    expect(run(h, T, ['L4CON']).trace).toEqual(['0:DOWN>DOWN'])
  })

  it('one success from the initial state makes it fully UP (health rise+fall-1)', () => {
    expect(run(initialHealth(T, false, T0), T, ['L7OK']).trace).toEqual(['4:UP'])
  })

  it('from fully up it takes exactly `fall` failures to go DOWN', () => {
    const up = run(initialHealth(T, false, T0), T, ['L4OK']).h
    expect(run(up, T, ['L7STS', 'L7STS', 'L7STS']).trace).toEqual(['3:UP 2/3', '2:UP 1/3', '0:DOWN>DOWN'])
  })

  it('from DOWN it takes exactly `rise` successes to go UP, and one failure resets the climb', () => {
    const down = run(initialHealth(T, false, T0), T, ['L4CON']).h
    expect(run(down, T, ['L7OK', 'L7OK']).trace).toEqual(['1:DOWN 1/2', '4:UP>UP'])
    expect(run(down, T, ['L7OK', 'L4TOUT', 'L7OK', 'L7OK']).trace).toEqual(['1:DOWN 1/2', '0:DOWN', '1:DOWN 1/2', '4:UP>UP'])
  })

  it('a success while going down restores fully up at once', () => {
    const up = run(initialHealth(T, false, T0), T, ['L4OK']).h
    expect(run(up, T, ['L4CON', 'L4CON', 'L4OK']).trace).toEqual(['3:UP 2/3', '2:UP 1/3', '4:UP'])
  })

  it('works for other rise/fall values (rise 3 fall 1, rise 1 fall 5)', () => {
    const a: CheckTiming = { ...T, rise: 3, fall: 1 }
    expect(run(initialHealth(a, false, T0), a, ['L4OK', 'L4CON', 'L4OK', 'L4OK', 'L4OK']).trace).toEqual(['3:UP', '0:DOWN>DOWN', '1:DOWN 1/3', '2:DOWN 2/3', '3:UP>UP'])
    const b: CheckTiming = { ...T, rise: 1, fall: 5 }
    const trace = run(initialHealth(b, false, T0), b, ['L4CON', 'L4OK', 'L4CON', 'L4CON', 'L4CON', 'L4CON', 'L4CON']).trace
    expect(trace).toEqual(['0:DOWN>DOWN', '5:UP>UP', '4:UP 4/5', '3:UP 3/5', '2:UP 2/5', '1:UP 1/5', '0:DOWN>DOWN'])
  })

  it('`disabled` starts DOWN in MAINT with health 0 and ignores results', () => {
    const h = initialHealth(T, true, T0)
    expect(h).toMatchObject({ health: 0, state: 'STOPPED', maint: true })
    expect(statusText(h, T)).toBe('MAINT')
    expect(isUp(h)).toBe(false)
    expect(run(h, T, ['L7OK', 'L7OK']).h.state).toBe('STOPPED')
  })

  it('counts failed checks (chkfail) and UP→DOWN transitions (chkdown), and keeps code/info/duration', () => {
    const { h } = run(initialHealth(T, false, T0), T, ['L4OK', 'L7STS', 'L7STS', 'L7STS', 'L7STS', 'L7OK', 'L7OK', 'L4CON'])
    expect(h.failedChecks).toBe(4)
    expect(h.downTransitions).toBe(1)
    const r = applyResult(h, T, { status: 'L7STS', code: 503, info: 'Service Unavailable', durationMs: 7 }, T0 + 5)
    expect(r.health).toMatchObject({ checkStatus: 'L7STS', checkCode: 503, checkInfo: 'Service Unavailable', checkDurationMs: 7, lastCheck: T0 + 5 })
    const ok = applyResult(r.health, T, { status: 'L4OK', durationMs: 0 }, T0 + 6).health
    expect(ok.checkCode).toBeUndefined()
  })

  it('disable-on-404 (L7OKC) moves a running server to NOLB; a 2xx puts it back', () => {
    const up = run(initialHealth(T, false, T0), T, ['L7OK']).h
    const nolb = run(up, T, ['L7OKC'])
    expect(nolb.trace).toEqual(['4:NOLB>NOLB'])
    expect(isUp(nolb.h)).toBe(true)
    expect(isUsable(nolb.h)).toBe(false)
    expect(run(nolb.h, T, ['L7OK']).trace).toEqual(['4:UP>UP'])
    expect(run(nolb.h, T, ['L7STS']).trace).toEqual(['3:NOLB 2/3'])
  })

  it('lastChange moves on every state change only', () => {
    const h = initialHealth(T, false, T0)
    const down = applyResult(h, T, { status: 'L4CON', durationMs: 0 }, T0 + 1000).health
    expect(down.lastChange).toBe(T0 + 1000)
    const still = applyResult(down, T, { status: 'L4CON', durationMs: 0 }, T0 + 2000).health
    expect(still.lastChange).toBe(T0 + 1000)
  })
})

describe('check interval (server.c srv_getinter)', () => {
  const t: CheckTiming = { rise: 2, fall: 3, interMs: 2000, fastinterMs: 500, downinterMs: 10_000, slowstartMs: 0 }

  it('inter when fully up, fastinter while transitioning or initial, downinter when DOWN', () => {
    const init = initialHealth(t, false, T0)
    expect(checkInterval(init, t)).toBe(500)
    const up = run(init, t, ['L4OK']).h
    expect(checkInterval(up, t)).toBe(2000)
    const goingDown = run(up, t, ['L4CON']).h
    expect(checkInterval(goingDown, t)).toBe(500)
    const down = run(goingDown, t, ['L4CON', 'L4CON']).h
    expect(checkInterval(down, t)).toBe(10_000)
    const goingUp = run(down, t, ['L4OK']).h
    expect(checkInterval(goingUp, t)).toBe(500)
  })

  it('falls back to inter when fastinter/downinter are unset', () => {
    const down = run(initialHealth(T, false, T0), T, ['L4CON']).h
    expect(checkInterval(down, T)).toBe(2000)
    expect(checkInterval(initialHealth(T, false, T0), T)).toBe(2000)
  })

  it('forced fastinter (on-error) applies even when fully up, until the next check is scheduled', () => {
    const up = run(initialHealth(t, false, T0), t, ['L4OK']).h
    const forced = { ...up, fastinter: true }
    expect(checkInterval(forced, t)).toBe(500)
    const after = scheduleNext(forced, T0, checkInterval(forced, t))
    expect(after).toMatchObject({ nextCheck: T0 + 500, fastinter: false })
    expect(checkInterval(after, t)).toBe(2000)
  })

  it('spread-checks adds ±P% (rv = inter*P/100; rv -= 2*rv*random)', () => {
    const up = run(initialHealth(t, false, T0), t, ['L4OK']).h
    expect(nextDelay(up, t, 0, () => 0.9)).toBe(2000)
    expect(nextDelay(up, t, 10, () => 0)).toBe(2200)
    expect(nextDelay(up, t, 10, () => 1)).toBe(1800)
    expect(nextDelay(up, t, 10, () => 0.5)).toBe(2000)
  })
})

describe('slowstart (server.c server_recalc_eweight)', () => {
  const ss: CheckTiming = { rise: 2, fall: 3, interMs: 1000, slowstartMs: 16_000 }

  function cameUpAt(at: number, t: CheckTiming = ss): ServerHealth {
    const down = run(initialHealth(t, false, at - 10_000), t, ['L4CON'], at - 5000).h
    return run(down, t, ['L4OK', 'L4OK'], at).h
  }

  it('only applies when going from DOWN to UP, never at start-up', () => {
    expect(initialHealth(ss, false, T0).state).toBe('RUNNING')
    expect(cameUpAt(T0).state).toBe('STARTING')
    expect(isUsable(cameUpAt(T0))).toBe(true)
  })

  it('weight 100, slowstart 16s: displayed weight 7, 13, 19, … 100 one second apart (verified on 2.6)', () => {
    const h = cameUpAt(T0)
    const shown = Array.from({ length: 16 }, (_, i) => Math.ceil(effectiveWeight({ ...ss, weight: 100 }, h, T0 + i * 1000) / 16))
    expect(shown).toEqual([7, 13, 19, 25, 32, 38, 44, 50, 57, 63, 69, 75, 82, 88, 94, 100])
    expect(effectiveWeight({ ...ss, weight: 100 }, h, T0 + 16_000)).toBe(1600)
  })

  it('w = (16t + S) / S in whole seconds: S = 30 climbs in 16 steps from uweight/16', () => {
    const t30: CheckTiming = { ...ss, slowstartMs: 30_000 }
    const h = cameUpAt(T0, t30)
    const w = (sec: number): number => effectiveWeight({ ...t30, weight: 1 }, h, T0 + sec * 1000)
    expect([0, 1, 2, 3, 15, 28, 29, 30].map(w)).toEqual([1, 1, 2, 2, 9, 15, 16, 16])
    expect(effectiveWeightPct(t30, h, T0)).toBe(7)
    expect(effectiveWeightPct(t30, h, T0 + 15_000)).toBe(57)
  })

  it('ends in RUNNING once slowstart has elapsed, with last_change at that second', () => {
    const h = cameUpAt(T0 + 400)
    expect(settle(h, ss, T0 + 15_999).state).toBe('STARTING')
    const done = settle(h, ss, T0 + 16_000)
    expect(done).toMatchObject({ state: 'RUNNING', lastChange: T0 + 16_000 })
  })

  it('static algorithms keep their full weight; DOWN servers weigh 0', () => {
    const h = cameUpAt(T0)
    expect(effectiveWeight({ ...ss, weight: 10 }, h, T0, false)).toBe(160)
    expect(effectiveWeightPct(ss, h, T0, false)).toBe(100)
    const down = run(h, ss, ['L4CON', 'L4CON', 'L4CON'], T0).h
    expect(effectiveWeight({ ...ss, weight: 10 }, down, T0)).toBe(0)
    expect(effectiveWeightPct(ss, down, T0)).toBe(0)
  })
})
