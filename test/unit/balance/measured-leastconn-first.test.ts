/**
 * `balance leastconn` (lb_fwlc.c) and `balance first` (lb_fas.c), sequential requests.
 *
 * Every expectation below was measured on HAProxy 2.6.12 (Debian 2.6.12-1+deb12u4): one
 * `listen` section per case with `mode http`, `nbthread 1`, the `balance`/`hash-type` shown,
 * servers s1…sN on 127.0.0.1 answering their own name (no health checks), requests sent one at a
 * time over new connections from 127.0.0.1 unless a source address is given. Server tokens: see
 * helpers.ts (`2b` backup, `1x` disabled, `1d` dead, `1#7` id 7). Dead servers use
 * `retries 1`, `option redispatch 1`. 29 cases, 432 requests.
 */
import { describe, expect, it } from 'vitest'
import { type MeasuredCase, makeBalancer, request, runPicks, times } from './helpers.ts'

/** Sources 127.0.0.1 … 127.0.0.16. */
const SRC16 = Array.from({ length: 16 }, (_, i) => ({ request: request({ src: `127.0.0.${i + 1}` }) }))

const MEASURED: readonly MeasuredCase[] = [
  { name: 'leastconn 1 active + 2 backups', balance: 'leastconn', servers: '1 1b 1b', inputs: SRC16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'leastconn 1 active + 2 backups allbackups', balance: 'leastconn', servers: '1 1b 1b', allbackups: true, inputs: SRC16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'first 1 active + 2 backups', balance: 'first', servers: '1 1b 1b', inputs: SRC16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'first 1 active + 2 backups allbackups', balance: 'first', servers: '1 1b 1b', allbackups: true, inputs: SRC16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'leastconn active disabled, backups 1,3', balance: 'leastconn', servers: '1x 1b 3b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'leastconn active disabled, backups 1,3 allbackups', balance: 'leastconn', servers: '1x 1b 3b', allbackups: true, inputs: SRC16, expected: '2 3 2 3 2 3 2 3 2 3 2 3 2 3 2 3' },
  { name: 'first active disabled, backups 1,3', balance: 'first', servers: '1x 1b 3b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'first active disabled, backups 1,3 allbackups', balance: 'first', servers: '1x 1b 3b', allbackups: true, inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'leastconn active weight 0, backups 2,1', balance: 'leastconn', servers: '0 2b 1b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'leastconn active weight 0, backups 2,1 allbackups', balance: 'leastconn', servers: '0 2b 1b', allbackups: true, inputs: SRC16, expected: '2 3 2 3 2 3 2 3 2 3 2 3 2 3 2 3' },
  { name: 'first active weight 0, backups 2,1', balance: 'first', servers: '0 2b 1b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'first active weight 0, backups 2,1 allbackups', balance: 'first', servers: '0 2b 1b', allbackups: true, inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'leastconn active disabled, first backup disabled', balance: 'leastconn', servers: '1x 1bx 2b 1b', inputs: SRC16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'leastconn active disabled, first backup disabled allbackups', balance: 'leastconn', servers: '1x 1bx 2b 1b', allbackups: true, inputs: SRC16, expected: '3 4 3 4 3 4 3 4 3 4 3 4 3 4 3 4' },
  { name: 'first active disabled, first backup disabled', balance: 'first', servers: '1x 1bx 2b 1b', inputs: SRC16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'first active disabled, first backup disabled allbackups', balance: 'first', servers: '1x 1bx 2b 1b', allbackups: true, inputs: SRC16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'leastconn backups 2,5 quirk', balance: 'leastconn', servers: '1x 2b 5b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'leastconn backups 2,5 quirk allbackups', balance: 'leastconn', servers: '1x 2b 5b', allbackups: true, inputs: SRC16, expected: '2 3 2 3 2 3 2 3 2 3 2 3 2 3 2 3' },
  { name: 'first backups 2,5 quirk', balance: 'first', servers: '1x 2b 5b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'first backups 2,5 quirk allbackups', balance: 'first', servers: '1x 2b 5b', allbackups: true, inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'leastconn backups 3,1,2', balance: 'leastconn', servers: '2x 3b 1b 2b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'leastconn backups 3,1,2 allbackups', balance: 'leastconn', servers: '2x 3b 1b 2b', allbackups: true, inputs: SRC16, expected: '2 3 4 2 3 4 2 3 4 2 3 4 2 3 4 2' },
  { name: 'first backups 3,1,2', balance: 'first', servers: '2x 3b 1b 2b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'first backups 3,1,2 allbackups', balance: 'first', servers: '2x 3b 1b 2b', allbackups: true, inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'lc 3-2-1 sequential', balance: 'leastconn', servers: '3 2 1', inputs: times(12), expected: '1 2 3 1 2 3 1 2 3 1 2 3' },
  { name: 'lc 1-1-1-1 sequential', balance: 'leastconn', servers: '1 1 1 1', inputs: times(12), expected: '1 2 3 4 1 2 3 4 1 2 3 4' },
  { name: 'first ids 3,1,2', balance: 'first', servers: '1#3 1#1 1#2', inputs: times(6), expected: '2 2 2 2 2 2' },
  { name: 'avoid lc 1-1-1 s1 dead', balance: 'leastconn', servers: '1d 1 1', inputs: times(12), expected: '2 3 2 3 2 3 2 3 2 3 2 3' },
  { name: 'avoid first s1 dead', balance: 'first', servers: '1d 1 1', inputs: times(6), expected: '2 2 2 2 2 2' },
]

describe('leastconn-first: identical to HAProxy 2.6', () => {
  it.each(MEASURED)('$name', (c) => {
    const { lb, be } = makeBalancer(c.balance, c.hashType, c.servers, c.allbackups)
    expect(runPicks(lb, be, c.inputs)).toBe(c.expected)
  })
})
