/**
 * `balance static-rr` (lb_map.c): the map read cyclically, backups and the GCD of weights.
 *
 * Every expectation below was measured on HAProxy 2.6.12 (Debian 2.6.12-1+deb12u4): one
 * `listen` section per case with `mode http`, `nbthread 1`, the `balance`/`hash-type` shown,
 * servers s1…sN on 127.0.0.1 answering their own name (no health checks), requests sent one at a
 * time over new connections from 127.0.0.1 unless a source address is given. Server tokens: see
 * helpers.ts (`2b` backup, `1x` disabled, `1d` dead, `1#7` id 7). Dead servers use
 * `retries 1`, `option redispatch 1`. 36 cases, 1519 requests.
 */
import { describe, expect, it } from 'vitest'
import { type MeasuredCase, makeBalancer, request, runPicks, times } from './helpers.ts'

/** Sources 127.0.0.1 … 127.0.0.16. */
const SRC16 = Array.from({ length: 16 }, (_, i) => ({ request: request({ src: `127.0.0.${i + 1}` }) }))

/** Paths /q0 … /q7. */
const Q8 = Array.from({ length: 8 }, (_, i) => ({ request: request({ path: `/q${i}` }) }))

const MEASURED: readonly MeasuredCase[] = [
  {
    name: 'srr 100-100-50',
    balance: 'static-rr',
    servers: '100 100 50',
    inputs: times(60),
    expected: '1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3 1 2 1 2 3',
  },
  {
    name: 'srr 1-1-1',
    balance: 'static-rr',
    servers: '1 1 1',
    inputs: times(60),
    expected: '1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3 1 2 3',
  },
  {
    name: 'srr 3-1',
    balance: 'static-rr',
    servers: '3 1',
    inputs: times(60),
    expected: '1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2 1 1 1 2',
  },
  {
    name: 'srr 1-2',
    balance: 'static-rr',
    servers: '1 2',
    inputs: times(60),
    expected: '1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2',
  },
  {
    name: 'srr 1-2-3',
    balance: 'static-rr',
    servers: '1 2 3',
    inputs: times(60),
    expected: '1 3 2 3 2 3 1 3 2 3 2 3 1 3 2 3 2 3 1 3 2 3 2 3 1 3 2 3 2 3 1 3 2 3 2 3 1 3 2 3 2 3 1 3 2 3 2 3 1 3 2 3 2 3 1 3 2 3 2 3',
  },
  {
    name: 'srr 3-5-0',
    balance: 'static-rr',
    servers: '3 5 0',
    inputs: times(60),
    expected: '1 2 1 2 2 1 2 2 1 2 1 2 2 1 2 2 1 2 1 2 2 1 2 2 1 2 1 2 2 1 2 2 1 2 1 2 2 1 2 2 1 2 1 2 2 1 2 2 1 2 1 2 2 1 2 2 1 2 1 2',
  },
  {
    name: 'srr 5-1-1',
    balance: 'static-rr',
    servers: '5 1 1',
    inputs: times(60),
    expected: '1 1 1 2 1 1 3 1 1 1 2 1 1 3 1 1 1 2 1 1 3 1 1 1 2 1 1 3 1 1 1 2 1 1 3 1 1 1 2 1 1 3 1 1 1 2 1 1 3 1 1 1 2 1 1 3 1 1 1 2',
  },
  {
    name: 'srr 10-1',
    balance: 'static-rr',
    servers: '10 1',
    inputs: times(60),
    expected: '1 1 1 1 1 1 1 1 1 1 2 1 1 1 1 1 1 1 1 1 1 2 1 1 1 1 1 1 1 1 1 1 2 1 1 1 1 1 1 1 1 1 1 2 1 1 1 1 1 1 1 1 1 1 2 1 1 1 1 1',
  },
  {
    name: 'srr 2-3-5',
    balance: 'static-rr',
    servers: '2 3 5',
    inputs: times(60),
    expected: '1 3 2 3 1 3 2 3 2 3 1 3 2 3 1 3 2 3 2 3 1 3 2 3 1 3 2 3 2 3 1 3 2 3 1 3 2 3 2 3 1 3 2 3 1 3 2 3 2 3 1 3 2 3 1 3 2 3 2 3',
  },
  {
    name: 'srr 4-3-2',
    balance: 'static-rr',
    servers: '4 3 2',
    inputs: times(60),
    expected: '1 2 1 2 3 1 1 2 3 1 2 1 2 3 1 1 2 3 1 2 1 2 3 1 1 2 3 1 2 1 2 3 1 1 2 3 1 2 1 2 3 1 1 2 3 1 2 1 2 3 1 1 2 3 1 2 1 2 3 1',
  },
  {
    name: 'srr 7-3-2-1',
    balance: 'static-rr',
    servers: '7 3 2 1',
    inputs: times(60),
    expected: '1 1 2 1 2 1 3 1 2 1 3 1 4 1 1 2 1 2 1 3 1 2 1 3 1 4 1 1 2 1 2 1 3 1 2 1 3 1 4 1 1 2 1 2 1 3 1 2 1 3 1 4 1 1 2 1 2 1 3 1',
  },
  {
    name: 'srr 13-7-5-3-1',
    balance: 'static-rr',
    servers: '13 7 5 3 1',
    inputs: times(60),
    expected: '1 2 1 3 1 2 1 3 1 4 2 1 2 1 3 1 2 1 3 4 1 2 1 3 1 2 1 4 5 1 2 1 3 1 2 1 3 1 4 2 1 2 1 3 1 2 1 3 4 1 2 1 3 1 2 1 4 5 1 2',
  },
  {
    name: 'srr 1-0-1',
    balance: 'static-rr',
    servers: '1 0 1',
    inputs: times(60),
    expected: '1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3',
  },
  {
    name: 'srr 256-255-1',
    balance: 'static-rr',
    servers: '256 255 1',
    inputs: times(60),
    expected: '1 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1',
  },
  {
    name: 'srr 200-100-37-3',
    balance: 'static-rr',
    servers: '200 100 37 3',
    inputs: times(60),
    expected: '1 1 2 1 2 1 1 2 1 3 1 1 2 1 2 1 1 2 3 1 1 2 1 1 2 1 3 1 1 2 1 2 1 1 2 1 3 1 2 1 1 2 1 3 1 1 2 1 2 1 1 2 1 3 1 2 1 1 2 1',
  },
  {
    name: 'srr single',
    balance: 'static-rr',
    servers: '7',
    inputs: times(60),
    expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1',
  },
  {
    name: 'srr 256-1-1',
    balance: 'static-rr',
    servers: '256 1 1',
    inputs: times(300),
    expected:
      '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 3 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1',
  },
  { name: 'static-rr 1 active + 2 backups', balance: 'static-rr', servers: '1 1b 1b', inputs: SRC16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'static-rr 1 active + 2 backups allbackups', balance: 'static-rr', servers: '1 1b 1b', allbackups: true, inputs: SRC16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'static-rr active disabled, backups 1,3', balance: 'static-rr', servers: '1x 1b 3b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'static-rr active disabled, backups 1,3 allbackups', balance: 'static-rr', servers: '1x 1b 3b', allbackups: true, inputs: SRC16, expected: '2 3 3 3 2 3 3 3 2 3 3 3 2 3 3 3' },
  { name: 'static-rr active weight 0, backups 2,1', balance: 'static-rr', servers: '0 2b 1b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'static-rr active weight 0, backups 2,1 allbackups', balance: 'static-rr', servers: '0 2b 1b', allbackups: true, inputs: SRC16, expected: '2 2 3 2 2 3 2 2 3 2 2 3 2 2 3 2' },
  { name: 'static-rr active disabled, first backup disabled', balance: 'static-rr', servers: '1x 1bx 2b 1b', inputs: SRC16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'static-rr active disabled, first backup disabled allbackups', balance: 'static-rr', servers: '1x 1bx 2b 1b', allbackups: true, inputs: SRC16, expected: '3 3 4 3 3 4 3 3 4 3 3 4 3 3 4 3' },
  { name: 'static-rr backups 2,5 quirk', balance: 'static-rr', servers: '1x 2b 5b', inputs: SRC16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'static-rr backups 2,5 quirk allbackups', balance: 'static-rr', servers: '1x 2b 5b', allbackups: true, inputs: SRC16, expected: '2 3 3 2 3 3 3 2 3 3 2 3 3 3 2 3' },
  { name: 'static-rr backups 3,1,2', balance: 'static-rr', servers: '2x 3b 1b 2b', inputs: SRC16, expected: '2 2 4 2 2 4 2 2 4 2 2 4 2 2 4 2' },
  { name: 'static-rr backups 3,1,2 allbackups', balance: 'static-rr', servers: '2x 3b 1b 2b', allbackups: true, inputs: SRC16, expected: '2 2 4 2 3 4 2 2 4 2 3 4 2 2 4 2' },
  { name: 'srr none usable', balance: 'static-rr', servers: '0 1x', inputs: times(3), expected: '- - -' },
  { name: 'srr 2-4', balance: 'static-rr', servers: '2 4', inputs: times(12), expected: '1 2 2 1 2 2 1 2 2 1 2 2' },
  { name: 'srr 2-4 + disabled 1', balance: 'static-rr', servers: '2 4 1x', inputs: times(12), expected: '1 2 2 1 2 2 1 2 2 1 2 2' },
  { name: 'static-rr gcd quirk active 3 down, backups 2,4', balance: 'static-rr', servers: '3x 2b 4b', inputs: Q8, expected: '3 3 3 3 3 3 3 3' },
  { name: 'static-rr gcd quirk backups 2,4', balance: 'static-rr', servers: '2x 2b 4b', inputs: Q8, expected: '2 2 2 2 2 2 2 2' },
  { name: 'avoid srr 1-1-1 s2 dead', balance: 'static-rr', servers: '1 1d 1', inputs: times(12), expected: '1 3 1 3 1 3 1 3 1 3 1 3' },
  { name: 'avoid srr 3-1 s1 dead', balance: 'static-rr', servers: '3d 1', inputs: times(12), expected: '2 2 2 2 2 2 2 2 2 2 2 2' },
]

describe('static-rr: identical to HAProxy 2.6', () => {
  it.each(MEASURED)('$name', (c) => {
    const { lb, be } = makeBalancer(c.balance, c.hashType, c.servers, c.allbackups)
    expect(runPicks(lb, be, c.inputs)).toBe(c.expected)
  })
})
