import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine } from '../../../src/engine/index.ts'
import { slowstartW } from '../../../src/balance/slowstart.ts'
import { httpConfig } from '../../helpers/cfg.ts'

describe('slowstart', () => {
  it('ramps w like server_recalc_eweight: (16 × elapsed + S) / S, full after S seconds', () => {
    // S = 10 s: 1, 2 (16+10)/10, 4 (32+10)/10 ... the 2.6 formula with whole seconds.
    expect([0, 1, 2, 5, 9, 10, 11].map((s) => slowstartW(10_000, 0, s * 1000))).toEqual([1, 2, 4, 9, 15, 16, 16])
    expect(slowstartW(0, 0, 0)).toBe(16)
  })

  async function shares(algo: string, startedAgoS: number): Promise<Record<string, number>> {
    const now = 1_000_000_000
    const text = httpConfig('', `balance ${algo}\nserver s1 192.0.2.1:80 slowstart 10s\nserver s2 192.0.2.2:80 slowstart 10s`)
    const r = compileConfig([{ name: 't.cfg', text }])
    if (!r.routeMap) throw new Error('config does not compile')
    const engine = createEngine(r.routeMap, {
      now: () => now,
      states: { isUp: () => true, isUsable: () => true, startedAt: (_b, s) => (s === 's2' ? now - startedAgoS * 1000 : undefined) },
    })
    const count: Record<string, number> = {}
    for (let i = 0; i < 18; i++) {
      const d = await engine.decide({ method: 'GET', url: 'http://x/', headers: [], src: '192.0.2.9' })
      const name = d.kind === 'forward' ? d.server.name : 'none'
      count[name] = (count[name] ?? 0) + 1
    }
    return count
  }

  it('gives a server that came up 1 s into a 10 s slowstart 2/18 of roundrobin traffic', async () => {
    expect(await shares('roundrobin', 1)).toEqual({ s1: 16, s2: 2 })
  })

  it('does not throttle once slowstart is over, nor for static-rr (a static algorithm)', async () => {
    expect(await shares('roundrobin', 30)).toEqual({ s1: 9, s2: 9 })
    expect(await shares('static-rr', 1)).toEqual({ s1: 9, s2: 9 })
  })
})
