import { describe, expect, it } from 'vitest'
import { createFreqCtr, readFreqCtr, updateFreqCtr } from '../../../src/state/freq-ctr.ts'

describe('freq_ctr', () => {
  it('decays like HAProxy 2.6 measured: 10 events at t=0, read over the next 20 s', () => {
    // reference §7.3: rate was 10 until t=10.0 s, then floor(10 × (20 − t)/10) for t in [10, 20).
    const c = createFreqCtr()
    const t0 = 5_000_000
    for (let i = 0; i < 10; i++) updateFreqCtr(c, 10_000, t0)
    expect(readFreqCtr(c, 10_000, t0 + 9_999)).toBe(10)
    expect(readFreqCtr(c, 10_000, t0 + 10_100)).toBe(9)
    expect(readFreqCtr(c, 10_000, t0 + 11_100)).toBe(8)
    expect(readFreqCtr(c, 10_000, t0 + 18_100)).toBe(1)
    expect(readFreqCtr(c, 10_000, t0 + 19_100)).toBe(0)
    expect(readFreqCtr(c, 10_000, t0 + 30_000)).toBe(0)
  })

  it('counts the current period plus the unexpired share of the previous one', () => {
    const c = createFreqCtr()
    const t0 = 1_000
    for (let i = 0; i < 4; i++) updateFreqCtr(c, 1_000, t0)
    for (let i = 0; i < 2; i++) updateFreqCtr(c, 1_000, t0 + 1_250)
    // past = 4, remain = 750 of 1000 → 4 × 0.75 + 2 = 5
    expect(readFreqCtr(c, 1_000, t0 + 1_250)).toBe(5)
  })

  it('keeps the anti-flapping rule at very low rates', () => {
    const c = createFreqCtr()
    updateFreqCtr(c, 1_000, 10_000)
    expect(readFreqCtr(c, 1_000, 10_900)).toBe(1)
    expect(readFreqCtr(c, 1_000, 11_500)).toBe(1)
  })
})

describe('freq_ctr on epoch-millisecond clocks', () => {
  it('keeps counting within the period when now is Date.now()-sized (no 32-bit wrap)', () => {
    const c = createFreqCtr()
    const t0 = 1_795_609_869_761
    for (let i = 0; i < 25; i++) updateFreqCtr(c, 10_000, t0 + i * 10)
    expect(c.currTick).toBe(t0 - 1)
    expect(readFreqCtr(c, 10_000, t0 + 300)).toBe(25)
  })
})
