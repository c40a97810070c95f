/**
 * `balance leastconn` with requests in flight, measured on HAProxy 2.6.12 (Debian 2.6.12-1+deb12u4),
 * `nbthread 1`. Requests are sent 100 ms apart; L requests take 6 s (still in flight at the end of
 * the run), S requests are answered at once (done before the next one is sent). The in-flight map
 * given to each pick is the number of earlier L requests sent to each server.
 */
import { describe, expect, it } from 'vitest'
import { makeBalancer, num } from './helpers.ts'

const MEASURED = [
  { name: 'lc 3-1 8 long', servers: '3 1', pattern: 'LLLLLLLL', expected: '1 2 1 1 1 1 2 1' },
  { name: 'lc 3-2-1 12 long', servers: '3 2 1', pattern: 'LLLLLLLLLLLL', expected: '1 2 3 1 2 1 1 2 1 3 2 1' },
  { name: 'lc 1-1-1-1 mix', servers: '1 1 1 1', pattern: 'LLSSSSLSSSLSSSSS', expected: '1 2 3 4 3 4 3 4 4 4 4 1 2 3 4 1' },
  { name: 'lc 2-1 mix', servers: '2 1', pattern: 'LSLSSLSSSLSSLSSS', expected: '1 2 2 1 1 1 1 1 1 1 2 1 2 1 1 1' },
  { name: 'lc 5-3-1 mix', servers: '5 3 1', pattern: 'LLSLLSSLLLSSSLSLSS', expected: '1 2 3 3 1 1 1 1 2 1 2 1 2 1 2 2 1 1' },
  { name: 'lc 1-2-4 mix', servers: '1 2 4', pattern: 'SLSLSLLSSLLLSSSS', expected: '1 2 3 1 3 3 3 3 3 3 2 3 3 3 3 3' },
] as const

describe('leastconn with requests in flight: identical to HAProxy 2.6', () => {
  it.each(MEASURED)('$name', (c) => {
    const { lb } = makeBalancer('leastconn', undefined, c.servers)
    const inflight = new Map<number, number>()
    const got = [...c.pattern].map((kind) => {
      const p = lb.pick({ inflight })
      if (p && kind === 'L') inflight.set(p.server.id, (inflight.get(p.server.id) ?? 0) + 1)
      return num(p)
    })
    expect(got.join(' ')).toBe(c.expected)
  })
})
