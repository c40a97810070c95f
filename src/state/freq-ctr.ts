/**
 * @module
 * HAProxy's two-bucket sliding-window rate counter (freq_ctr.c, reference §7.3), exact to the
 * millisecond: periods align to the first event; reads interpolate the previous period.
 * Pure: the caller passes `now` (ms).
 */

export interface FreqCtr {
  currTick: number
  currCtr: number
  prevCtr: number
}

export function createFreqCtr(): FreqCtr {
  return { currTick: 0, currCtr: 0, prevCtr: 0 }
}

/** update_freq_ctr_period(): adds `inc` events at `now`. */
export function updateFreqCtr(ctr: FreqCtr, periodMs: number, now: number, inc = 1): void {
  if (ctr.currTick === 0 && ctr.currCtr === 0 && ctr.prevCtr === 0) {
    ctr.currTick = even(now)
    ctr.currCtr = inc
    return
  }
  if (now - ctr.currTick < periodMs) {
    ctr.currCtr += inc
    return
  }
  ctr.prevCtr = ctr.currCtr
  ctr.currCtr = inc
  ctr.currTick += periodMs
  if (now - ctr.currTick >= periodMs) {
    ctr.prevCtr = 0
    ctr.currTick = now
  }
  ctr.currTick = even(ctr.currTick)
}

/**
 * `tick &= ~1` (bit 0 is HAProxy's lock bit) without JavaScript's 32-bit `&`, which would wrap
 * epoch milliseconds (Date.now()) and make every update look like a missed period.
 */
function even(t: number): number {
  return t - (((t % 2) + 2) % 2)
}

/** read_freq_ctr_period(): events per period at `now`, floored, with HAProxy's anti-flapping rule. */
export function readFreqCtr(ctr: FreqCtr, periodMs: number, now: number): number {
  let curr = ctr.currCtr
  let past: number
  let remain = ctr.currTick + periodMs - now
  if (remain < 0) {
    remain += periodMs
    past = remain >= 0 ? curr : 0
    curr = 0
  } else past = ctr.prevCtr
  if (curr === 0 && past <= 1) return past
  return Math.floor((past * remain + curr * periodMs) / periodMs)
}
